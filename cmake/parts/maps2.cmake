# Perf event arrays and the generic helpers (trace_printk, snprintf,
# strncmp, strtol/strtoul, probe_read*, current task, jiffies64): tests with
# programs built by clang at test time, compared with the kernel.
include(${CMAKE_CURRENT_LIST_DIR}/object.cmake)
if(PBPF_TESTS)
  add_executable(test_maps_perf ${CMAKE_CURRENT_SOURCE_DIR}/tests/maps/test_maps_perf.c
                                ${CMAKE_CURRENT_SOURCE_DIR}/tests/kernel/kbpf.c)
  target_include_directories(test_maps_perf PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src
                             ${CMAKE_CURRENT_SOURCE_DIR}/tests/maps ${CMAKE_CURRENT_SOURCE_DIR}/tests/kernel)
  target_link_libraries(test_maps_perf PRIVATE pbpf)
  add_test(NAME maps_perf COMMAND test_maps_perf)
  set_tests_properties(maps_perf PROPERTIES LABELS maps TIMEOUT 60)

  if(PBPF_BPF_CLANG AND PBPF_LIBBPF_INCLUDE AND PBPF_LIBBPF_LIB AND NOT WIN32)
    add_executable(test_helpers ${CMAKE_CURRENT_SOURCE_DIR}/tests/helpers/test_helpers.c)
    target_include_directories(test_helpers PRIVATE ${PBPF_LIBBPF_INCLUDE})
    target_link_libraries(test_helpers PRIVATE pbpf ${PBPF_LIBBPF_LIB})
    add_dependencies(test_helpers pbpf_test_progs)
    add_test(NAME helpers_str COMMAND test_helpers str ${PBPF_PROGS_DIR})
    add_test(NAME helpers_task COMMAND test_helpers task ${PBPF_PROGS_DIR})
    add_test(NAME helpers_unavailable COMMAND test_helpers unavailable ${PBPF_PROGS_DIR})
    set_tests_properties(helpers_str PROPERTIES LABELS "helpers;kernel" TIMEOUT 60
                         SKIP_RETURN_CODE 77)
    set_tests_properties(helpers_task helpers_unavailable PROPERTIES LABELS helpers TIMEOUT 60)
  endif()
endif()
