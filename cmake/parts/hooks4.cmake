# The run-and-compare code the hook tests share (tests/hooks/hook_run.c),
# and the tests of the SK_MSG helpers, SK_SKB's adjust_room and the skb
# flow hash, devices and bpf_check_mtu (tests/hooks/test_msg.c; kernel
# comparisons where bpf() works).
include(${CMAKE_CURRENT_LIST_DIR}/object.cmake)
if(PBPF_TESTS)
  add_library(pbpf_hookrun STATIC ${CMAKE_CURRENT_SOURCE_DIR}/tests/hooks/hook_run.c)
  target_link_libraries(pbpf_hookrun PUBLIC pbpf_kbpf pbpf_unit pbpf)
  target_include_directories(pbpf_hookrun PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/tests/hooks)
  target_link_libraries(test_hooks PRIVATE pbpf_hookrun)
  target_link_libraries(test_sockhooks PRIVATE pbpf_hookrun)
  add_executable(test_msg ${CMAKE_CURRENT_SOURCE_DIR}/tests/hooks/test_msg.c)
  target_link_libraries(test_msg PRIVATE pbpf_hookrun)
  target_include_directories(test_msg PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  if(PBPF_BPF_CLANG)
    add_dependencies(test_msg pbpf_test_progs)
    add_test(NAME hooks_msg_helpers COMMAND test_msg msg ${PBPF_PROGS_DIR})
    add_test(NAME hooks_skb_hash COMMAND test_msg hash ${PBPF_PROGS_DIR})
    add_test(NAME hooks_netdev COMMAND test_msg netdev ${PBPF_PROGS_DIR})
    set_tests_properties(hooks_msg_helpers hooks_skb_hash hooks_netdev PROPERTIES LABELS hooks
                         SKIP_RETURN_CODE 77 TIMEOUT 120)
  endif()
endif()
