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

# The audit: libbpf (libbpf-dev) loads the kernel's side.
find_path(PBPF_VLIBBPF_INCLUDE bpf/libbpf.h)
find_library(PBPF_VLIBBPF_LIB bpf)
if(TARGET pbpf_kbpf AND TARGET pbpf_test_progs AND PBPF_VLIBBPF_INCLUDE AND PBPF_VLIBBPF_LIB
   AND NOT WIN32)
  add_executable(test_objects_vs_kernel
                 ${CMAKE_CURRENT_SOURCE_DIR}/tests/kernel/test_objects_vs_kernel.c)
  target_include_directories(test_objects_vs_kernel PRIVATE ${PBPF_VLIBBPF_INCLUDE})
  target_link_libraries(test_objects_vs_kernel PRIVATE pbpf_kbpf pbpf ${PBPF_VLIBBPF_LIB})
  add_dependencies(test_objects_vs_kernel pbpf_test_progs)
  add_test(NAME objects_vs_kernel COMMAND test_objects_vs_kernel ${PBPF_PROG_OBJECTS})
  set_tests_properties(objects_vs_kernel PROPERTIES LABELS "kernel;verifier;object"
                       SKIP_RETURN_CODE 77 TIMEOUT 120)
endif()
