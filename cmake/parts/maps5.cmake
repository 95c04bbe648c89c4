# bpf_get_func_ip and bpf_get_attach_cookie from test runs, and the
# program types that may call the attachment helpers, against the kernel
# where bpf() works (tests/helpers/test_trace_helpers.c).
if(PBPF_TESTS)
  add_executable(test_trace_helpers ${CMAKE_CURRENT_SOURCE_DIR}/tests/helpers/test_trace_helpers.c)
  target_include_directories(test_trace_helpers PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src
                                                        ${CMAKE_CURRENT_SOURCE_DIR}/tests/maps)
  target_link_libraries(test_trace_helpers PRIVATE pbpf)
  add_test(NAME trace_helpers COMMAND test_trace_helpers)
  set_tests_properties(trace_helpers PROPERTIES LABELS "helpers;kernel" TIMEOUT 60)
endif()
