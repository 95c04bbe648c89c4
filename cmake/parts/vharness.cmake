# Measuring and exposing the verifier: agreement of pbpf_verify with Linux's
# verdicts (tests/verifier/cases.tsv, the conformance vectors) and with
# PREVAIL's cases, floors in tests/verifier/agree-floor.txt, known
# differences in tests/verifier/justified.tsv.
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
    set_tests_properties(verifier_agree_cases PROPERTIES LABELS verifier TIMEOUT 120)
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
