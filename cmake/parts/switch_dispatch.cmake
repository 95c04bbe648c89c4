# The interpreter's switch-dispatch fallback, built and tested on its own
# (every compiler used here has computed goto, so nothing else exercises it).
if(PBPF_TESTS AND EXISTS ${PBPF_SHARED_DIR}/conformance/add.data)
  add_executable(switch_conformance ${CMAKE_CURRENT_SOURCE_DIR}/tests/exec/switch_conformance.c
                 ${CMAKE_CURRENT_SOURCE_DIR}/tools/common/cfile.c ${PBPF_CORE_SOURCES})
  target_include_directories(switch_conformance PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/include
                             ${CMAKE_CURRENT_SOURCE_DIR}/src ${CMAKE_CURRENT_SOURCE_DIR}/tools/common)
  target_compile_definitions(switch_conformance PRIVATE PBPF_FORCE_SWITCH_DISPATCH=1
                             $<TARGET_PROPERTY:pbpf,COMPILE_DEFINITIONS>)
  if(WIN32)
    target_link_libraries(switch_conformance PRIVATE bcrypt)
  else()
    target_link_libraries(switch_conformance PRIVATE Threads::Threads)
  endif()
  add_test(NAME interp-switch-dispatch COMMAND switch_conformance ${PBPF_SHARED_DIR}/conformance)
  set_tests_properties(interp-switch-dispatch PROPERTIES LABELS unit TIMEOUT 120)
endif()
