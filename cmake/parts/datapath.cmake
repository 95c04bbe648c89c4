# Datapath-style objects (tests/progs/datapath.bpf.c, trace_probe.bpf.c):
# loaded in verified mode, run on the interpreter and the JIT and compared
# with the kernel (tests/kernel/kobj.h) where bpf() works.
include(${CMAKE_CURRENT_LIST_DIR}/object.cmake)
# pbpf_kbpf is defined by kernel.cmake, after this part.
if(PBPF_TESTS AND PBPF_BPF_CLANG)
  add_executable(test_datapath ${CMAKE_CURRENT_SOURCE_DIR}/tests/datapath/test_datapath.c)
  target_link_libraries(test_datapath PRIVATE pbpf_kbpf pbpf_unit)
  target_include_directories(test_datapath PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  add_dependencies(test_datapath pbpf_test_progs)
  add_test(NAME datapath_run COMMAND test_datapath run ${PBPF_PROGS_DIR})
  add_test(NAME datapath_trace COMMAND test_datapath trace ${PBPF_PROGS_DIR})
  set_tests_properties(datapath_run datapath_trace PROPERTIES LABELS "datapath;kernel"
                       SKIP_RETURN_CODE 77 TIMEOUT 120)
endif()
