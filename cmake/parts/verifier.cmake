# The verifier's tests.
if(PBPF_TESTS)
  add_executable(test_verifier_basic ${CMAKE_CURRENT_SOURCE_DIR}/tests/verifier/test_verifier_basic.c)
  target_link_libraries(test_verifier_basic PRIVATE pbpf)
  add_test(NAME verifier_basic COMMAND test_verifier_basic)
endif()
