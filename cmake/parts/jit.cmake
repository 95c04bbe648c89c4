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

# libFuzzer: generated well-formed programs, JIT vs checked interpreter.
# pbpf_fuzzcore (the instrumented core) comes from the fuzz part.
if(PBPF_FUZZ AND PBPF_HAVE_JIT)
  add_executable(fuzz_jit ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz_jit.c)
  target_include_directories(fuzz_jit PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src
                                              ${CMAKE_CURRENT_SOURCE_DIR}/tests/jit)
  target_compile_options(fuzz_jit PRIVATE -fsanitize=fuzzer,address,undefined
                                          -fno-sanitize-recover=all)
  target_link_options(fuzz_jit PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_libraries(fuzz_jit PRIVATE pbpf_fuzzcore)
  set(PBPF_JIT_CORPUS ${CMAKE_CURRENT_BINARY_DIR}/fuzz-corpus/work-jit)
  file(MAKE_DIRECTORY ${PBPF_JIT_CORPUS})
  add_test(NAME fuzz_jit
           COMMAND fuzz_jit -max_total_time=60 -timeout=10 -rss_limit_mb=2048
                   -print_final_stats=1 ${PBPF_JIT_CORPUS})
  set_tests_properties(fuzz_jit PROPERTIES LABELS "fuzz;nosan" TIMEOUT 300)
endif()
