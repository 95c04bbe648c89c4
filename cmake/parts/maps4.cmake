# Hash map updates and deferred reclamation under replacement and
# concurrency (tests/maps/test_maps_reclaim.c); multi-threaded, so it also
# runs under ThreadSanitizer (tsan.cmake lists it).
if(PBPF_TESTS)
  add_executable(test_maps_reclaim ${CMAKE_CURRENT_SOURCE_DIR}/tests/maps/test_maps_reclaim.c)
  target_include_directories(test_maps_reclaim PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src
                                                       ${CMAKE_CURRENT_SOURCE_DIR}/tests/maps)
  target_link_libraries(test_maps_reclaim PRIVATE pbpf)
  add_test(NAME maps_reclaim COMMAND test_maps_reclaim)
  set_tests_properties(maps_reclaim PROPERTIES LABELS maps TIMEOUT 60)
endif()
