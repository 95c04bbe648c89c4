# Conformance-file reader shared by the CLI, tests and benchmarks.
add_library(pbpf_testdata STATIC ${CMAKE_CURRENT_SOURCE_DIR}/tools/common/cfile.c)
target_include_directories(pbpf_testdata PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/tools/common)
target_link_libraries(pbpf_testdata PUBLIC pbpf)

if(PBPF_TESTS AND EXISTS ${PBPF_SHARED_DIR}/conformance/add.data)
  add_executable(test_asm ${CMAKE_CURRENT_SOURCE_DIR}/tests/isa_text/test_asm.c)
  target_include_directories(test_asm PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(test_asm PRIVATE pbpf_testdata)
  add_test(NAME asm-roundtrip COMMAND test_asm ${PBPF_SHARED_DIR}/conformance)
  set_tests_properties(asm-roundtrip PROPERTIES TIMEOUT 120)
endif()
