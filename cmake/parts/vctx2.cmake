# Context accesses through callees and callbacks (tests/progs/ctx_cb.bpf.c,
# tests/progs/verifier/v_ctxcb.bpf.c): pbpf's engines against the kernel.
include(${CMAKE_CURRENT_LIST_DIR}/object.cmake)
if(PBPF_TESTS AND PBPF_BPF_CLANG AND PBPF_LIBBPF_INCLUDE AND PBPF_LIBBPF_LIB AND NOT WIN32)
  add_executable(test_ctx_cb ${CMAKE_CURRENT_SOURCE_DIR}/tests/ctxcb/test_ctx_cb.c)
  target_include_directories(test_ctx_cb PRIVATE ${PBPF_LIBBPF_INCLUDE})
  target_link_libraries(test_ctx_cb PRIVATE pbpf ${PBPF_LIBBPF_LIB})
  add_dependencies(test_ctx_cb pbpf_test_progs)
  if(TARGET pbpf_verifier_progs)
    add_dependencies(test_ctx_cb pbpf_verifier_progs)
  endif()
  add_test(NAME ctx_cb COMMAND test_ctx_cb ${PBPF_PROGS_DIR} ${CMAKE_CURRENT_BINARY_DIR}/vprogs)
  set_tests_properties(ctx_cb PROPERTIES LABELS "hooks;kernel;verifier" TIMEOUT 60
                       SKIP_RETURN_CODE 77)
endif()
