# Unit tests of the ISA layer and the interpreter (tests/unit), and the
# libFuzzer targets (fuzz/, only with -DPBPF_FUZZ=ON and clang).
if(PBPF_TESTS)
  add_library(pbpf_unit STATIC ${CMAKE_CURRENT_SOURCE_DIR}/tests/unit/unit.c)
  target_include_directories(pbpf_unit PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/tests/unit
                                              ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(pbpf_unit PUBLIC pbpf)

  foreach(t isa interp semantics)
    add_executable(unit_${t} ${CMAKE_CURRENT_SOURCE_DIR}/tests/unit/test_${t}.c)
    target_link_libraries(unit_${t} PRIVATE pbpf_unit)
    add_test(NAME unit_${t} COMMAND unit_${t})
    set_tests_properties(unit_${t} PROPERTIES LABELS unit TIMEOUT 60)
  endforeach()
  add_test(NAME unit_isa_rfc_table COMMAND unit_isa --spec ${PBPF_SHARED_DIR}/spec)
  set_tests_properties(unit_isa_rfc_table PROPERTIES LABELS unit SKIP_RETURN_CODE 77 TIMEOUT 60)
endif()
