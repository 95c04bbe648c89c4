# The JIT's own map lookups (array maps indexed without a call) against the
# interpreter and the maps' contents.
if(PBPF_TESTS AND PBPF_HAVE_JIT)
  add_executable(test_jit_maps ${CMAKE_CURRENT_SOURCE_DIR}/tests/jit/test_jit_maps.c)
  target_include_directories(test_jit_maps PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(test_jit_maps PRIVATE pbpf)
  add_test(NAME jit_maps COMMAND test_jit_maps)
  set_tests_properties(jit_maps PROPERTIES LABELS jit SKIP_RETURN_CODE 77)
endif()
