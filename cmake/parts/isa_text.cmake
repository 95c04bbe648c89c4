# Text forms of bytecode: the conformance file reader (library
# pbpf_testdata, used by the CLI, tests and benchmarks) and the tests of the
# assembler, disassembler and reader.
file(GLOB PBPF_TESTDATA_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/tools/common/*.c)
add_library(pbpf_testdata STATIC ${PBPF_TESTDATA_SOURCES})
target_include_directories(pbpf_testdata PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/tools/common)
target_link_libraries(pbpf_testdata PUBLIC pbpf)

if(PBPF_TESTS)
  add_executable(test_isa_text ${CMAKE_CURRENT_SOURCE_DIR}/tests/isa_text/test_isa_text.c)
  target_include_directories(test_isa_text PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  # pbpf_unit (tests/unit) provides the CHECK macros
  target_link_libraries(test_isa_text PRIVATE pbpf_testdata pbpf_unit)
  foreach(t table errors cfile random)
    add_test(NAME isa_text_${t} COMMAND test_isa_text ${t})
    set_tests_properties(isa_text_${t} PROPERTIES LABELS unit TIMEOUT 60)
  endforeach()
  # The conformance vectors: assemble, compare with `-- raw`, disassemble in
  # both styles and assemble again; the negative/ files' raw programs.
  foreach(t vectors negative)
    add_test(NAME isa_text_${t} COMMAND test_isa_text ${t} ${PBPF_SHARED_DIR}/conformance)
    set_tests_properties(isa_text_${t} PROPERTIES LABELS unit SKIP_RETURN_CODE 77 TIMEOUT 60)
  endforeach()
endif()
