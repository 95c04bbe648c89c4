# The JIT's own map lookups (array maps indexed without a call) against the
# interpreter and the maps' contents.
if(PBPF_TESTS AND PBPF_HAVE_JIT)
  add_executable(test_jit_maps ${CMAKE_CURRENT_SOURCE_DIR}/tests/jit/test_jit_maps.c)
  target_include_directories(test_jit_maps PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(test_jit_maps PRIVATE pbpf)
  add_test(NAME jit_maps COMMAND test_jit_maps)
  set_tests_properties(jit_maps PROPERTIES LABELS jit SKIP_RETURN_CODE 77)
endif()

# LPM_TRIE against a slow list of prefixes, over many data sizes.
if(PBPF_TESTS)
  add_executable(test_lpm_model ${CMAKE_CURRENT_SOURCE_DIR}/tests/maps/test_lpm_model.c)
  target_link_libraries(test_lpm_model PRIVATE pbpf)
  add_test(NAME maps_lpm_model COMMAND test_lpm_model)
  set_tests_properties(maps_lpm_model PROPERTIES LABELS maps)
endif()
