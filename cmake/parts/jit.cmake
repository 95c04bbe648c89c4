# The x86-64 JIT: differential tests against the checked interpreter, the
# conformance vectors on both engines, and a libFuzzer target.
if(PBPF_TESTS AND PBPF_HAVE_JIT)
  add_executable(test_jit ${CMAKE_CURRENT_SOURCE_DIR}/tests/jit/test_jit.c)
  target_include_directories(test_jit PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(test_jit PRIVATE pbpf)
  foreach(mode rows random errors harden)
    add_test(NAME jit_${mode} COMMAND test_jit ${mode})
    set_tests_properties(jit_${mode} PROPERTIES LABELS jit)
  endforeach()
endif()
