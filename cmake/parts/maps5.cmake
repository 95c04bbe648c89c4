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

# bpf_perf_event_output against the kernel's perf events
# (tests/maps/test_perf_kernel.c); skips where bpf() or perf_event_open
# is missing.  pbpf_kbpf comes from kernel.cmake, included after this part.
if(PBPF_TESTS)
  add_executable(test_perf_kernel ${CMAKE_CURRENT_SOURCE_DIR}/tests/maps/test_perf_kernel.c)
  target_include_directories(test_perf_kernel PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src
                                                      ${CMAKE_CURRENT_SOURCE_DIR}/tests/maps
                                                      ${CMAKE_CURRENT_SOURCE_DIR}/tests/kernel)
  target_link_libraries(test_perf_kernel PRIVATE pbpf pbpf_kbpf)
  add_test(NAME maps_perf_kernel COMMAND test_perf_kernel)
  set_tests_properties(maps_perf_kernel PROPERTIES LABELS "maps;kernel" TIMEOUT 60)
endif()
