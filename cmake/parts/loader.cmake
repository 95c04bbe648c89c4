# Object loader (src/loader): load and run the test objects, CO-RE against
# a given or the host's BTF.  The test objects come from object.cmake
# (included first: parts are included alphabetically).
include(${CMAKE_CURRENT_LIST_DIR}/object.cmake)
if(PBPF_TESTS AND PBPF_BPF_CLANG)
  add_executable(test_loader tests/object/test_loader.c)
  target_link_libraries(test_loader PRIVATE pbpf)
  target_include_directories(test_loader PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src
                                                 ${CMAKE_CURRENT_SOURCE_DIR}/tests/object)
  add_dependencies(test_loader pbpf_test_progs)
  add_test(NAME loader_run COMMAND test_loader run ${PBPF_PROGS_DIR})
  add_test(NAME loader_core COMMAND test_loader core ${PBPF_PROGS_DIR})
  set_tests_properties(loader_run loader_core PROPERTIES LABELS object TIMEOUT 120
                       SKIP_RETURN_CODE 77)
endif()
