# The x86-64 JIT: differential tests against the checked interpreter, the
# conformance vectors on both engines, and a libFuzzer target.
if(PBPF_TESTS AND PBPF_HAVE_JIT)
  add_executable(test_jit ${CMAKE_CURRENT_SOURCE_DIR}/tests/jit/test_jit.c)
  target_include_directories(test_jit PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(test_jit PRIVATE pbpf)
  foreach(mode rows random errors harden jumps align leaf)
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

# The conformance vectors on the JIT need the conformance reader (library
# pbpf_testdata, defined in another part): checked at the end of the
# directory, once every part has been read.
function(pbpf_jit_conformance_test)
  if(PBPF_TESTS AND PBPF_HAVE_JIT AND TARGET pbpf_testdata)
    add_executable(test_jit_conformance ${CMAKE_CURRENT_SOURCE_DIR}/tests/jit/test_jit_conformance.c)
    target_include_directories(test_jit_conformance PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src
                                                            ${CMAKE_CURRENT_SOURCE_DIR}/tools/common)
    target_link_libraries(test_jit_conformance PRIVATE pbpf_testdata pbpf)
    add_test(NAME jit_conformance COMMAND test_jit_conformance ${PBPF_SHARED_DIR}/conformance)
    set_tests_properties(jit_conformance PROPERTIES LABELS jit SKIP_RETURN_CODE 77 TIMEOUT 120)
  endif()
endfunction()
if(CMAKE_VERSION VERSION_GREATER_EQUAL 3.19)
  cmake_language(DEFER CALL pbpf_jit_conformance_test)
else()
  pbpf_jit_conformance_test()
endif()

# bench_jit: empty-program cost and an arithmetic loop, JIT vs interpreter.
if(PBPF_BENCH AND PBPF_HAVE_JIT)
  add_executable(bench_jit ${CMAKE_CURRENT_SOURCE_DIR}/tests/jit/bench_jit.c)
  target_include_directories(bench_jit PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(bench_jit PRIVATE pbpf)
endif()
