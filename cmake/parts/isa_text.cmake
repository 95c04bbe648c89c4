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

# llvm-objdump's text for a sample compiled by clang: our llvm-style
# disassembly must print the same, and its text must assemble back.
if(PBPF_TESTS)
  find_program(PBPF_ISA_CLANG NAMES clang clang-14 clang-15 clang-16 clang-17 clang-18)
  find_program(PBPF_LLVM_OBJDUMP NAMES llvm-objdump llvm-objdump-14 llvm-objdump-15
                                       llvm-objdump-16 llvm-objdump-17 llvm-objdump-18)
  if(PBPF_ISA_CLANG AND PBPF_LLVM_OBJDUMP)
    set(sample_src ${CMAKE_CURRENT_SOURCE_DIR}/tests/isa_text/objdump_sample.bpf.c)
    set(sample_obj ${CMAKE_CURRENT_BINARY_DIR}/isa_text_sample.bpf.o)
    set(sample_dis ${CMAKE_CURRENT_BINARY_DIR}/isa_text_sample.dis)
    add_custom_command(OUTPUT ${sample_dis}
      COMMAND ${PBPF_ISA_CLANG} -O2 -target bpf -mcpu=v3 -c ${sample_src} -o ${sample_obj}
      COMMAND ${CMAKE_COMMAND} -D OBJDUMP=${PBPF_LLVM_OBJDUMP} -D OBJ=${sample_obj}
              -D OUT=${sample_dis} -P ${CMAKE_CURRENT_SOURCE_DIR}/tests/isa_text/objdump.cmake
      DEPENDS ${sample_src} ${CMAKE_CURRENT_SOURCE_DIR}/tests/isa_text/objdump.cmake
      COMMENT "llvm-objdump of the disassembler's sample program"
      VERBATIM)
    add_custom_target(isa_text_sample ALL DEPENDS ${sample_dis})
    add_test(NAME isa_text_objdump COMMAND test_isa_text objdump ${sample_dis})
    set_tests_properties(isa_text_objdump PROPERTIES LABELS unit TIMEOUT 60)
  else()
    message(STATUS "clang or llvm-objdump not found: isa_text_objdump is skipped")
  endif()
endif()
