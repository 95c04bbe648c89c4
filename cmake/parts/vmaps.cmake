# Maps of maps and BTF map `values` through the verifier and `pbpf verify`;
# the object audit against the kernel (every program of tests/progs in pbpf
# and in Linux, same verdict or a listed reason).
if(NOT PBPF_TESTS)
  return()
endif()

if(PBPF_BPF_CLANG AND NOT WIN32)
  add_test(NAME cli-verify-objects
           COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/tests/cli/verify_objects_test.sh
                   $<TARGET_FILE:pbpf_cli> ${PBPF_PROGS_DIR}
                   ${CMAKE_CURRENT_BINARY_DIR}/cli-verify-objects-test)
  set_tests_properties(cli-verify-objects PROPERTIES LABELS "cli;verifier" TIMEOUT 60)
endif()
