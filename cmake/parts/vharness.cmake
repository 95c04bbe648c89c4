# Measuring and exposing the verifier: agreement of pbpf_verify with Linux's
# verdicts (tests/verifier/cases.tsv, the conformance vectors) and with
# PREVAIL's cases, floors in tests/verifier/agree-floor.txt, known
# differences in tests/verifier/justified.tsv; `pbpf verify`'s test; the
# verifier soundness fuzzer (fuzz/fuzz_verifier.c).

# fuzz_verifier: programs the verifier accepts must run without a fault in
# the checked interpreter.  Built on the instrumented core of the fuzz part
# (unit_fuzz.cmake, included before this one); 60 s like the others (make
# fuzz runs them two at a time: a sixth target keeps its three rounds).
if(PBPF_FUZZ AND TARGET pbpf_fuzzcore)
  set(san -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_executable(fuzz_verifier ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz_verifier.c)
  target_include_directories(fuzz_verifier PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_compile_options(fuzz_verifier PRIVATE -fsanitize=fuzzer ${san})
  target_link_options(fuzz_verifier PRIVATE -fsanitize=fuzzer ${san})
  target_link_libraries(fuzz_verifier PRIVATE pbpf_fuzzcore)
  set(corpus ${CMAKE_CURRENT_BINARY_DIR}/fuzz-corpus/work-verifier)
  file(MAKE_DIRECTORY ${corpus})
  # -timeout=60: a generated loop can use the verifier's whole budget of 1M
  # processed instructions; the slowest such inputs found take 2-3.5 s of
  # CPU under ASan and coverage instrumentation (test_verifier_core's
  # "budget loop" keeps the verifier fast on them), and the margin is for
  # a machine busy with other work (libFuzzer's timeout is wall time; the
  # precision tracking's path history makes budget-long inputs slower).
  add_test(NAME fuzz_verifier
           COMMAND fuzz_verifier -max_total_time=60 -timeout=60 -rss_limit_mb=2048
                   -print_final_stats=1 ${corpus})
  set_tests_properties(fuzz_verifier PROPERTIES LABELS "fuzz;nosan" TIMEOUT 300)
  # inputs the fuzzer once found (fuzz/regress/verifier), run as they are:
  # long-segment-history took over 60 s when a path's precision history
  # was copied whole at every branch (now capped, precise.c HIST_MAX)
  file(GLOB PBPF_FV_REGRESS ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/regress/verifier/*)
  add_test(NAME fuzz_verifier_regress
           COMMAND fuzz_verifier -timeout=60 -rss_limit_mb=2048 ${PBPF_FV_REGRESS})
  set_tests_properties(fuzz_verifier_regress PROPERTIES LABELS "fuzz;nosan" TIMEOUT 300)
endif()

if(NOT PBPF_TESTS)
  return()
endif()

set(PBPF_VH_DIR ${CMAKE_CURRENT_SOURCE_DIR}/tests/verifier)
add_executable(verifier_agree ${PBPF_VH_DIR}/verifier_agree.c)
target_include_directories(verifier_agree PRIVATE ${PBPF_VH_DIR})
target_link_libraries(verifier_agree PRIVATE pbpf_testdata pbpf)

# The verifier test programs are built by vtests.cmake (included after
# this part): hence deferred to the end of the directory.
function(pbpf_vharness_cases)
  if(TARGET pbpf_verifier_progs)
    add_dependencies(verifier_agree pbpf_verifier_progs)
    add_test(NAME verifier_agree_cases
             COMMAND verifier_agree cases ${PBPF_VH_DIR}/cases.tsv ${PBPF_VPROGS_DIR}
                     ${PBPF_VH_DIR}/justified.tsv ${PBPF_VH_DIR}/agree-floor.txt)
    set_tests_properties(verifier_agree_cases PROPERTIES LABELS verifier TIMEOUT 400)
  else()
    message(STATUS "no clang for BPF: verifier_agree_cases left out")
  endif()
endfunction()
if(CMAKE_VERSION VERSION_GREATER_EQUAL 3.19)
  cmake_language(DEFER CALL pbpf_vharness_cases)
else()
  pbpf_vharness_cases()
endif()

if(EXISTS ${PBPF_SHARED_DIR}/conformance/kernel-6.18.tsv)
  add_test(NAME verifier_agree_conformance
           COMMAND verifier_agree conformance ${PBPF_SHARED_DIR}/conformance
                   ${PBPF_SHARED_DIR}/conformance/kernel-6.18.tsv
                   ${PBPF_VH_DIR}/justified.tsv ${PBPF_VH_DIR}/agree-floor.txt)
  set_tests_properties(verifier_agree_conformance PROPERTIES LABELS verifier TIMEOUT 120)
  # a floor file left with merge conflict markers must fail the run, not
  # quietly take one side's number
  file(WRITE ${CMAKE_BINARY_DIR}/agree-floor-conflict.txt
       "<<<<<<< ours\nconformance 313\n=======\nconformance 1\n>>>>>>> theirs\n")
  add_test(NAME verifier_agree_floor_damaged
           COMMAND verifier_agree conformance ${PBPF_SHARED_DIR}/conformance
                   ${PBPF_SHARED_DIR}/conformance/kernel-6.18.tsv
                   ${PBPF_VH_DIR}/justified.tsv ${CMAKE_BINARY_DIR}/agree-floor-conflict.txt)
  set_tests_properties(verifier_agree_floor_damaged PROPERTIES LABELS verifier TIMEOUT 120
                       WILL_FAIL TRUE)
endif()

# `pbpf verify` on the verifier test programs.
function(pbpf_vharness_cli)
  if(TARGET pbpf_verifier_progs AND TARGET pbpf_cli AND NOT WIN32)
    add_test(NAME cli-verify
             COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/tests/cli/verify_test.sh
                     $<TARGET_FILE:pbpf_cli> ${PBPF_VPROGS_DIR}
                     ${CMAKE_CURRENT_BINARY_DIR}/cli-verify-test)
    set_tests_properties(cli-verify PROPERTIES LABELS "cli;verifier" TIMEOUT 120)
  endif()
endfunction()
if(CMAKE_VERSION VERSION_GREATER_EQUAL 3.19)
  cmake_language(DEFER CALL pbpf_vharness_cli)
else()
  pbpf_vharness_cli()
endif()

# The verifier benchmark (bench/bench_verifier.c): `cmake --build B --target
# run-bench-verifier` (make bench runs it); a one-pass smoke run as a test.
function(pbpf_vharness_bench)
  if(NOT PBPF_BENCH OR NOT TARGET pbpf_verifier_progs)
    return()
  endif()
  add_executable(bench_verifier ${CMAKE_CURRENT_SOURCE_DIR}/bench/bench_verifier.c)
  target_include_directories(bench_verifier PRIVATE ${PBPF_VH_DIR} ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(bench_verifier PRIVATE pbpf_testdata pbpf)
  add_dependencies(bench_verifier pbpf_verifier_progs)
  if(PBPF_VLIBBPF_INCLUDE AND PBPF_VLIBBPF_LIB AND NOT WIN32)
    target_include_directories(bench_verifier PRIVATE ${PBPF_VLIBBPF_INCLUDE})
    target_link_libraries(bench_verifier PRIVATE ${PBPF_VLIBBPF_LIB})
    target_compile_definitions(bench_verifier PRIVATE BENCH_VERIFIER_KERNEL=1)
  endif()
  # --objects: every program of tests/progs (the datapath-style objects
  # among them) beside the kernel, through the kernel harness (kobj)
  set(bench_objs "")
  if(TARGET pbpf_kbpf AND TARGET pbpf_test_progs)
    target_link_libraries(bench_verifier PRIVATE pbpf_kbpf)
    target_compile_definitions(bench_verifier PRIVATE BENCH_VERIFIER_KOBJ=1)
    add_dependencies(bench_verifier pbpf_test_progs)
    set(bench_objs ${PBPF_PROG_OBJECTS})
  endif()
  add_custom_target(run-bench-verifier
    COMMAND bench_verifier ${PBPF_VH_DIR}/cases.tsv ${PBPF_VPROGS_DIR}
    COMMAND bench_verifier --objects ${bench_objs}
    DEPENDS bench_verifier
    COMMENT "Verifier benchmark: pbpf_verify vs the kernel's verifier"
    USES_TERMINAL VERBATIM)
  add_test(NAME bench_verifier_smoke
           COMMAND bench_verifier ${PBPF_VH_DIR}/cases.tsv ${PBPF_VPROGS_DIR} --repeat 1 --no-kernel)
  set_tests_properties(bench_verifier_smoke PROPERTIES LABELS "bench;verifier" TIMEOUT 120)
  if(bench_objs)
    add_test(NAME bench_verifier_objects_smoke
             COMMAND bench_verifier --objects --repeat 1 --no-kernel ${bench_objs})
    set_tests_properties(bench_verifier_objects_smoke PROPERTIES LABELS "bench;verifier"
                         TIMEOUT 120)
  endif()
endfunction()
if(CMAKE_VERSION VERSION_GREATER_EQUAL 3.19)
  cmake_language(DEFER CALL pbpf_vharness_bench)
else()
  pbpf_vharness_bench()
endif()

# The PREVAIL cases (802, in YAML), translated to programs with a prologue
# that builds each case's pre-state (tests/verifier/prevail_cases.h).
if(EXISTS ${PBPF_SHARED_DIR}/verifier-cases/prevail/yaml)
  add_test(NAME verifier_agree_prevail
           COMMAND verifier_agree prevail ${PBPF_SHARED_DIR}/verifier-cases/prevail
                   ${PBPF_VH_DIR}/justified.tsv ${PBPF_VH_DIR}/agree-floor.txt)
  set_tests_properties(verifier_agree_prevail PROPERTIES LABELS verifier TIMEOUT 400)
endif()
