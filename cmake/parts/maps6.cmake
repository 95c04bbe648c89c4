# Epoch records handed back when threads end, under thread churn
# (tests/maps/test_maps_thread_churn.c); multi-threaded, so it also runs
# under ThreadSanitizer (tsan.cmake lists it).
if(PBPF_TESTS)
  add_executable(test_maps_thread_churn ${CMAKE_CURRENT_SOURCE_DIR}/tests/maps/test_maps_thread_churn.c)
  target_include_directories(test_maps_thread_churn PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src
                                                            ${CMAKE_CURRENT_SOURCE_DIR}/tests/maps)
  target_link_libraries(test_maps_thread_churn PRIVATE pbpf)
  add_test(NAME maps_thread_churn COMMAND test_maps_thread_churn)
  set_tests_properties(maps_thread_churn PROPERTIES LABELS maps TIMEOUT 60)
endif()

# In-place hash value updates under a 64-bit sequence count: the count
# sees every write, and copies to the caller are never torn
# (tests/maps/test_maps_seq.c); multi-threaded, also under ThreadSanitizer.
if(PBPF_TESTS)
  add_executable(test_maps_seq ${CMAKE_CURRENT_SOURCE_DIR}/tests/maps/test_maps_seq.c)
  target_include_directories(test_maps_seq PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src
                                                   ${CMAKE_CURRENT_SOURCE_DIR}/tests/maps)
  target_link_libraries(test_maps_seq PRIVATE pbpf)
  add_test(NAME maps_seq COMMAND test_maps_seq)
  set_tests_properties(maps_seq PROPERTIES LABELS maps TIMEOUT 60)
endif()

# Program-side hash lookups for every key size (4 and 8 bytes take their
# own path) and LRU hits (tests/maps/test_maps_lookup_keys.c).
if(PBPF_TESTS)
  add_executable(test_maps_lookup_keys ${CMAKE_CURRENT_SOURCE_DIR}/tests/maps/test_maps_lookup_keys.c)
  target_include_directories(test_maps_lookup_keys PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src
                                                           ${CMAKE_CURRENT_SOURCE_DIR}/tests/maps)
  target_link_libraries(test_maps_lookup_keys PRIVATE pbpf)
  add_test(NAME maps_lookup_keys COMMAND test_maps_lookup_keys)
  set_tests_properties(maps_lookup_keys PROPERTIES LABELS maps TIMEOUT 60)
endif()
