# skb room, protocol and checksum-state helpers (src/hooks/pkt_helpers.c):
# tests/progs/skb_room.bpf.c test-run on every engine and in the kernel,
# and which program types may call each helper, against Linux.  Kernel
# comparisons skip (77) without bpf().
include(${CMAKE_CURRENT_LIST_DIR}/object.cmake)
if(PBPF_TESTS)
  add_executable(test_skb_room ${CMAKE_CURRENT_SOURCE_DIR}/tests/hooks/test_skb_room.c)
  target_link_libraries(test_skb_room PRIVATE pbpf_kbpf pbpf_unit)
  target_include_directories(test_skb_room PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  add_test(NAME hooks_skb_room_scope COMMAND test_skb_room scope)
  set_tests_properties(hooks_skb_room_scope PROPERTIES LABELS hooks SKIP_RETURN_CODE 77
                       TIMEOUT 120)
  if(PBPF_BPF_CLANG)
    add_dependencies(test_skb_room pbpf_test_progs)
    add_test(NAME hooks_skb_room_run COMMAND test_skb_room run ${PBPF_PROGS_DIR})
    set_tests_properties(hooks_skb_room_run PROPERTIES LABELS hooks SKIP_RETURN_CODE 77
                         TIMEOUT 120)
  endif()
endif()
