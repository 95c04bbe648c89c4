# Map tests (tests/maps), the map fuzz target (fuzz/fuzz_maps.c) and the
# map benchmark (bench/maps).
if(PBPF_TESTS)
  foreach(t user prog stress kdiff)
    if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/tests/maps/test_maps_${t}.c)
      add_executable(test_maps_${t} ${CMAKE_CURRENT_SOURCE_DIR}/tests/maps/test_maps_${t}.c)
      target_include_directories(test_maps_${t} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src
                                                       ${CMAKE_CURRENT_SOURCE_DIR}/tests/maps)
      target_link_libraries(test_maps_${t} PRIVATE pbpf)
      add_test(NAME maps_${t} COMMAND test_maps_${t})
      set_tests_properties(maps_${t} PROPERTIES LABELS maps TIMEOUT 60 SKIP_RETURN_CODE 77)
    endif()
  endforeach()
endif()
