# Context and socket pointer accesses compared with the Linux verifier and
# test run (tests/verifier/test_ctx_kernel.c); skips (77) without bpf().
if(PBPF_TESTS)
  add_executable(test_ctx_kernel ${CMAKE_CURRENT_SOURCE_DIR}/tests/verifier/test_ctx_kernel.c)
  target_link_libraries(test_ctx_kernel PRIVATE pbpf_kbpf pbpf_unit)
  add_test(NAME verifier_ctx_kernel COMMAND test_ctx_kernel)
  set_tests_properties(verifier_ctx_kernel PROPERTIES LABELS "verifier;kernel"
                       SKIP_RETURN_CODE 77 TIMEOUT 60)
endif()
