# Tests that run several threads over shared maps, ring buffers, perf
# buffers, epochs and timers carry the label "tsan": `make sanitize` also
# builds a ThreadSanitizer tree (-DPBPF_TSAN=ON) and runs `ctest -L tsan`
# there.  The target pbpf_tsan_tests builds just what those tests need.
set(PBPF_TSAN_TESTS maps_stress maps_features maps_perf timers_unit maps_freeze maps_reclaim
    maps_thread_churn maps_seq)
set(PBPF_TSAN_TARGETS test_maps_stress test_maps_features test_maps_perf test_timers test_map_freeze
    test_maps_reclaim test_maps_thread_churn test_maps_seq)
if(PBPF_TESTS)
  set(_tsan_deps)
  foreach(t ${PBPF_TSAN_TESTS})
    if(TEST ${t})
      set_property(TEST ${t} APPEND PROPERTY LABELS tsan)
    endif()
  endforeach()
  foreach(t ${PBPF_TSAN_TARGETS})
    if(TARGET ${t})
      list(APPEND _tsan_deps ${t})
    endif()
  endforeach()
  add_custom_target(pbpf_tsan_tests DEPENDS ${_tsan_deps})
endif()
