# Precision tracking in the verifier (src/verifier/precise.c): joins where
# imprecise pruning would be unsound stay rejected, and pbpf's processed
# instructions stay within a factor of the kernel's on test objects, and
# at most the kernel's on the programs named --at-most-kernel.
if(PBPF_TESTS AND PBPF_BPF_CLANG)
  add_executable(test_verifier_precision
                 ${CMAKE_CURRENT_SOURCE_DIR}/tests/verifier/test_verifier_precision.c)
  target_include_directories(test_verifier_precision PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src
                                                             ${CMAKE_CURRENT_SOURCE_DIR}/tests/verifier)
  target_link_libraries(test_verifier_precision PRIVATE pbpf_testdata pbpf_kbpf pbpf)
  add_dependencies(test_verifier_precision pbpf_test_progs)
  add_test(NAME verifier_precision_cases COMMAND test_verifier_precision cases)
  set_tests_properties(verifier_precision_cases PROPERTIES LABELS verifier TIMEOUT 60)
  add_test(NAME verifier_precision_kernel
           COMMAND test_verifier_precision kernel 2.0 --at-most-kernel=skm_ops
                   --at-most-kernel=tail_arp --at-most-kernel=flow_dissect
                   --at-most-kernel=xdp_tcp_opts
                   ${PBPF_PROGS_DIR}/trace_probe.bpf.o
                   ${PBPF_PROGS_DIR}/hooks_flow.bpf.o ${PBPF_PROGS_DIR}/datapath.bpf.o
                   ${PBPF_PROGS_DIR}/calls.bpf.o ${PBPF_PROGS_DIR}/skb_room.bpf.o
                   ${PBPF_PROGS_DIR}/hooks_msg.bpf.o)
  set_tests_properties(verifier_precision_kernel PROPERTIES LABELS "verifier;kernel"
                       SKIP_RETURN_CODE 77 TIMEOUT 120)
endif()
