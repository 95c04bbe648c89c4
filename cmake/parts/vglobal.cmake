# Global functions in the verifier (src/verifier/global.c): hand-built
# programs and BTF; the clang-built cases are in tests/verifier/cases.tsv.
if(PBPF_TESTS)
  add_executable(test_verifier_global ${CMAKE_CURRENT_SOURCE_DIR}/tests/verifier/test_verifier_global.c)
  target_link_libraries(test_verifier_global PRIVATE pbpf)
  add_test(NAME verifier_global COMMAND test_verifier_global)
  set_tests_properties(verifier_global PROPERTIES LABELS "verifier;unit" TIMEOUT 60)
endif()
