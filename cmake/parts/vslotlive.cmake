# Stack slot liveness in the verifier's state pruning (src/verifier/cfg.c):
# a slot overwritten before any read does not block pruning, one read by
# any means (a load, a callee or callback through a pointer, a helper, a
# narrower store) does.
if(PBPF_TESTS)
  add_executable(test_verifier_slotlive
                 ${CMAKE_CURRENT_SOURCE_DIR}/tests/verifier/test_verifier_slotlive.c)
  target_include_directories(test_verifier_slotlive PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(test_verifier_slotlive PRIVATE pbpf)
  add_test(NAME verifier_slotlive COMMAND test_verifier_slotlive)
  set_tests_properties(verifier_slotlive PROPERTIES LABELS verifier TIMEOUT 60)
endif()
