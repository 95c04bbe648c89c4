# `make bench`: the benchmark programs (bench/progs/*.c) compiled twice —
# by clang for eBPF and by the host compiler into the runner — and the
# runner pbpf_bench, which the target run-bench executes.
if(PBPF_BENCH)
  set(PBPF_BENCH_PROGS arith fnv csum parse calls empty)
  set(PBPF_BENCH_DIR ${CMAKE_CURRENT_SOURCE_DIR}/bench)
  set(PBPF_BENCH_OBJDIR ${CMAKE_CURRENT_BINARY_DIR}/bench-progs)

  find_program(PBPF_BPF_CLANG NAMES clang clang-18 clang-17 clang-16 clang-15 clang-14
               DOC "clang with the BPF target, for the benchmark programs")
  set(bench_objs)
  if(PBPF_BPF_CLANG)
    foreach(p ${PBPF_BENCH_PROGS})
      set(obj ${PBPF_BENCH_OBJDIR}/${p}.bpf.o)
      add_custom_command(
        OUTPUT ${obj}
        COMMAND ${CMAKE_COMMAND} -E make_directory ${PBPF_BENCH_OBJDIR}
        COMMAND ${PBPF_BPF_CLANG} -O2 -target bpf -mcpu=v3 -Wall -Wextra -Werror
                -c ${PBPF_BENCH_DIR}/progs/${p}.c -o ${obj}
        DEPENDS ${PBPF_BENCH_DIR}/progs/${p}.c ${PBPF_BENCH_DIR}/progs/bench_prog.h
        COMMENT "clang -target bpf: bench/progs/${p}.c"
        VERBATIM)
      list(APPEND bench_objs ${obj})
    endforeach()
    set(bench_objdir_def PBPF_BENCH_OBJDIR="${PBPF_BENCH_OBJDIR}")
  else()
    message(STATUS "clang not found: the benchmark runs no eBPF programs")
    set(bench_objdir_def PBPF_BENCH_OBJDIR="")
  endif()
  add_custom_target(pbpf_bench_progs DEPENDS ${bench_objs})

  set(bench_native)
  foreach(p ${PBPF_BENCH_PROGS})
    list(APPEND bench_native ${PBPF_BENCH_DIR}/progs/${p}.c)
  endforeach()
  # The native side of the comparison is plain -O2 in every build type
  # (appended last, so it wins over the build type's -O level).
  set_source_files_properties(${bench_native} PROPERTIES COMPILE_OPTIONS "-O2")

  add_executable(pbpf_bench ${PBPF_BENCH_DIR}/bench.c ${PBPF_BENCH_DIR}/bench_elf.c
                            ${PBPF_BENCH_DIR}/bench_kernel.c ${bench_native})
  target_include_directories(pbpf_bench PRIVATE ${PBPF_BENCH_DIR}
                                                ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_compile_definitions(pbpf_bench PRIVATE ${bench_objdir_def}
    PBPF_BENCH_NATIVE_CC="${CMAKE_C_COMPILER_ID} ${CMAKE_C_COMPILER_VERSION}")
  target_link_libraries(pbpf_bench PRIVATE pbpf)
  add_dependencies(pbpf_bench pbpf_bench_progs)

  add_custom_target(run-bench
    COMMAND $<TARGET_FILE:pbpf_bench>
    DEPENDS pbpf_bench
    COMMENT "Benchmarks: pbpf engines vs native code and the kernel JIT"
    USES_TERMINAL
    VERBATIM)

  if(PBPF_TESTS)
    # Every engine must give the same r0 on every benchmark program: a
    # differential test against native code and, where bpf() works, the
    # kernel (one short batch; times are not looked at).
    add_test(NAME bench_agree COMMAND pbpf_bench --quick)
    set_tests_properties(bench_agree PROPERTIES LABELS bench SKIP_RETURN_CODE 77 TIMEOUT 120)
  endif()
endif()
