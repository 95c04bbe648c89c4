# Map tests that are one C file each, linked with pbpf, labelled maps.
function(pbpf_maps6_test name)
  add_executable(test_${name} ${CMAKE_CURRENT_SOURCE_DIR}/tests/maps/test_${name}.c)
  target_include_directories(test_${name} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src
                                                  ${CMAKE_CURRENT_SOURCE_DIR}/tests/maps)
  target_link_libraries(test_${name} PRIVATE pbpf)
  add_test(NAME ${name} COMMAND test_${name})
  set_tests_properties(${name} PROPERTIES LABELS maps TIMEOUT 60)
endfunction()

if(PBPF_TESTS)
  # Epoch records handed back when threads end, under thread churn;
  # multi-threaded, so it also runs under ThreadSanitizer (tsan.cmake
  # lists it).
  pbpf_maps6_test(maps_thread_churn)
  # In-place hash value updates under a 64-bit sequence count: the count
  # sees every write, and copies to the caller are never torn;
  # multi-threaded, also under ThreadSanitizer.
  pbpf_maps6_test(maps_seq)
  # Program-side hash lookups for every key size (4 and 8 bytes take
  # their own path) and LRU hits.
  pbpf_maps6_test(maps_lookup_keys)
endif()
