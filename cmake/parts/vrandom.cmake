# Random programs (fuzz/vgen.h, the verifier fuzzer's generator) verified
# by pbpf and by Linux: verdicts and test runs must agree
# (tests/kernel/test_verifier_random.c).  Skips (77) without bpf().
# --max-incomplete: at most this many programs per 10,000 drawn that Linux
# accepts and pbpf rejects (measured: about 1, all dead code that breaks an
# encoding rule; see the test's header).  The default run: 3,000 programs
# with a valid control flow (~18,000 drawn), a few seconds.
if(PBPF_TESTS AND TARGET pbpf_kbpf)
  add_executable(test_verifier_random ${CMAKE_CURRENT_SOURCE_DIR}/tests/kernel/test_verifier_random.c)
  target_include_directories(test_verifier_random PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/fuzz
                                                          ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(test_verifier_random PRIVATE pbpf_kbpf)
  add_test(NAME verifier_random_kernel COMMAND test_verifier_random --max-incomplete 4)
  set_tests_properties(verifier_random_kernel PROPERTIES LABELS "kernel;verifier"
                       SKIP_RETURN_CODE 77 TIMEOUT 120)
endif()
