# Hooks (src/hooks): context descriptors against the Linux verifier, the
# context scan, and test runs of tests/progs/hooks_*.bpf.c on every engine
# and in the kernel.  Kernel comparisons skip (77) without bpf().
include(${CMAKE_CURRENT_LIST_DIR}/object.cmake)
if(PBPF_TESTS)
  add_executable(test_hooks ${CMAKE_CURRENT_SOURCE_DIR}/tests/hooks/test_hooks.c)
  target_link_libraries(test_hooks PRIVATE pbpf_kbpf pbpf_unit)
  target_include_directories(test_hooks PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  add_test(NAME hooks_scan COMMAND test_hooks scan)
  add_test(NAME hooks_ctx_access_vs_linux COMMAND test_hooks access)
  set_tests_properties(hooks_scan hooks_ctx_access_vs_linux PROPERTIES LABELS hooks
                       SKIP_RETURN_CODE 77 TIMEOUT 120)
  # about 26,000 kernel loads: seconds alone, minutes on a loaded machine
  set_tests_properties(hooks_ctx_access_vs_linux PROPERTIES TIMEOUT 300)
  if(PBPF_BPF_CLANG)
    add_dependencies(test_hooks pbpf_test_progs)
    add_test(NAME hooks_test_run COMMAND test_hooks run ${PBPF_PROGS_DIR})
    set_tests_properties(hooks_test_run PROPERTIES LABELS hooks SKIP_RETURN_CODE 77 TIMEOUT 120)
  endif()
endif()
