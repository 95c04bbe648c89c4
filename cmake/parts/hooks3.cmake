# FLOW_DISSECTOR, SK_LOOKUP, SK_SKB and SK_MSG hooks: tests/progs/hooks_flow,
# hooks_sklookup and hooks_sockmap test-run on every engine and (the first
# two) in the kernel, and the helpers of these types against Linux.
# Kernel comparisons skip (77) without bpf().
include(${CMAKE_CURRENT_LIST_DIR}/object.cmake)
if(PBPF_TESTS)
  add_executable(test_sockhooks ${CMAKE_CURRENT_SOURCE_DIR}/tests/hooks/test_sockhooks.c)
  target_link_libraries(test_sockhooks PRIVATE pbpf_kbpf pbpf_unit)
  target_include_directories(test_sockhooks PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  add_test(NAME hooks_sock_scope COMMAND test_sockhooks scope)
  set_tests_properties(hooks_sock_scope PROPERTIES LABELS hooks SKIP_RETURN_CODE 77 TIMEOUT 120)
  if(PBPF_BPF_CLANG)
    add_dependencies(test_sockhooks pbpf_test_progs)
    add_test(NAME hooks_sock_run COMMAND test_sockhooks run ${PBPF_PROGS_DIR})
    set_tests_properties(hooks_sock_run PROPERTIES LABELS hooks SKIP_RETURN_CODE 77 TIMEOUT 120)
  endif()
endif()
