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

if(PBPF_FUZZ)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "PBPF_FUZZ needs clang's libFuzzer: configure with -DCMAKE_C_COMPILER=clang")
  endif()
  set(PBPF_FUZZ_SAN -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  # The core once more, with libFuzzer's coverage instrumentation; the
  # plain library stays as it is for the other executables of this build.
  add_library(pbpf_fuzzcore STATIC ${PBPF_CORE_SOURCES})
  target_include_directories(pbpf_fuzzcore PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include
                                           PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_compile_definitions(pbpf_fuzzcore PRIVATE $<TARGET_PROPERTY:pbpf,COMPILE_DEFINITIONS>)
  target_compile_options(pbpf_fuzzcore PRIVATE -fsanitize=fuzzer-no-link ${PBPF_FUZZ_SAN})
  target_link_libraries(pbpf_fuzzcore PUBLIC Threads::Threads)
  foreach(f interp diff)
    add_executable(fuzz_${f} ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz_${f}.c)
    target_include_directories(fuzz_${f} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
    target_compile_options(fuzz_${f} PRIVATE -fsanitize=fuzzer ${PBPF_FUZZ_SAN})
    target_link_options(fuzz_${f} PRIVATE -fsanitize=fuzzer ${PBPF_FUZZ_SAN})
    target_link_libraries(fuzz_${f} PRIVATE pbpf_fuzzcore)
  endforeach()

  # Seeds come from the conformance vectors, read with the conformance
  # reader (library pbpf_testdata, defined in another part: hence deferred
  # to the end of this directory).  Each fuzzer then runs for 60 s.
  function(pbpf_fuzz_tests)
    set(corpus ${CMAKE_CURRENT_BINARY_DIR}/fuzz-corpus)
    add_executable(fuzz_corpus_gen ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/corpus_gen.c)
    target_include_directories(fuzz_corpus_gen PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/tests/unit
                                                       ${CMAKE_CURRENT_SOURCE_DIR}/src)
    if(TARGET pbpf_testdata)
      target_compile_definitions(fuzz_corpus_gen PRIVATE FUZZ_HAVE_CFILE=1)
      target_link_libraries(fuzz_corpus_gen PRIVATE pbpf_testdata)
    else()
      message(STATUS "pbpf_testdata missing: fuzz seeds without the conformance vectors")
      target_link_libraries(fuzz_corpus_gen PRIVATE pbpf)
    endif()
    add_test(NAME fuzz_corpus COMMAND fuzz_corpus_gen ${PBPF_SHARED_DIR}/conformance ${corpus})
    set_tests_properties(fuzz_corpus PROPERTIES LABELS fuzz FIXTURES_SETUP fuzz_corpus)
    foreach(f interp diff)
      add_test(NAME fuzz_${f}
               COMMAND fuzz_${f} -max_total_time=60 -timeout=10 -rss_limit_mb=2048
                       -print_final_stats=1 ${corpus}/work-${f} ${corpus}/seed)
      # nosan: the fuzz build is already sanitized; `make sanitize` must
      # not spend two minutes here.
      set_tests_properties(fuzz_${f} PROPERTIES LABELS "fuzz;nosan" FIXTURES_REQUIRED fuzz_corpus
                                                TIMEOUT 300)
      # inputs the fuzzer once found, run as they are
      file(GLOB regress ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/regress/${f}/*)
      if(regress)
        add_test(NAME fuzz_${f}_regress COMMAND fuzz_${f} -timeout=10 ${regress})
        set_tests_properties(fuzz_${f}_regress PROPERTIES LABELS "fuzz;nosan" TIMEOUT 120)
      endif()
    endforeach()
  endfunction()
  if(CMAKE_VERSION VERSION_GREATER_EQUAL 3.19)
    cmake_language(DEFER CALL pbpf_fuzz_tests)
  else()
    pbpf_fuzz_tests()
  endif()
endif()
