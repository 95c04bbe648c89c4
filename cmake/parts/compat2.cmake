# Read-only and write-only maps as programs see them (BPF_F_RDONLY_PROG,
# BPF_F_WRONLY_PROG, frozen .rodata read as constants), against the kernel
# where bpf() works.
if(PBPF_TESTS)
  add_executable(test_verifier_rdonly ${CMAKE_CURRENT_SOURCE_DIR}/tests/verifier/test_verifier_rdonly.c)
  target_link_libraries(test_verifier_rdonly PRIVATE pbpf_kbpf)
  add_test(NAME verifier_rdonly COMMAND test_verifier_rdonly)
  set_tests_properties(verifier_rdonly PROPERTIES LABELS "verifier;kernel" TIMEOUT 60)
endif()
