# Map tests (tests/maps), the map fuzz target (fuzz/fuzz_maps.c) and the
# map benchmark (bench/maps).
if(PBPF_TESTS)
  foreach(t user prog stress kdiff proto features)
    if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/tests/maps/test_maps_${t}.c)
      add_executable(test_maps_${t} ${CMAKE_CURRENT_SOURCE_DIR}/tests/maps/test_maps_${t}.c)
      target_include_directories(test_maps_${t} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src
                                                       ${CMAKE_CURRENT_SOURCE_DIR}/tests/maps)
      target_link_libraries(test_maps_${t} PRIVATE pbpf)
      add_test(NAME maps_${t} COMMAND test_maps_${t})
      set_tests_properties(maps_${t} PROPERTIES LABELS maps TIMEOUT 60 SKIP_RETURN_CODE 77)
      if(t STREQUAL "kdiff")
        set_tests_properties(maps_${t} PROPERTIES LABELS "maps;kernel")
      endif()
    endif()
  endforeach()
endif()

# fuzz_maps: random operation sequences against a reference model.  It
# reuses the instrumented core (pbpf_fuzzcore) when another part defines
# it; that part comes later in the include order, hence the deferral.
if(PBPF_FUZZ)
  function(pbpf_fuzz_maps)
    set(san -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
    add_executable(fuzz_maps ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz_maps.c)
    target_include_directories(fuzz_maps PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
    target_compile_options(fuzz_maps PRIVATE -fsanitize=fuzzer ${san})
    target_link_options(fuzz_maps PRIVATE -fsanitize=fuzzer ${san})
    if(TARGET pbpf_fuzzcore)
      target_link_libraries(fuzz_maps PRIVATE pbpf_fuzzcore)
    else()
      target_link_libraries(fuzz_maps PRIVATE pbpf)
    endif()
    set(corpus ${CMAKE_CURRENT_BINARY_DIR}/fuzz-corpus/work-maps)
    file(MAKE_DIRECTORY ${corpus})
    add_test(NAME fuzz_maps COMMAND fuzz_maps -max_total_time=60 -timeout=10 -rss_limit_mb=2048
                                    -print_final_stats=1 ${corpus})
    set_tests_properties(fuzz_maps PROPERTIES LABELS "fuzz;nosan" TIMEOUT 300)
    # inputs the fuzzer once found, run as they are (perf-ring-full: the
    # model let a record fill the perf ring to its last byte)
    file(GLOB regress ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/regress/maps/*)
    add_test(NAME fuzz_maps_regress COMMAND fuzz_maps -timeout=10 ${regress})
    set_tests_properties(fuzz_maps_regress PROPERTIES LABELS "fuzz;nosan" TIMEOUT 120)
  endfunction()
  if(CMAKE_VERSION VERSION_GREATER_EQUAL 3.19)
    cmake_language(DEFER CALL pbpf_fuzz_maps)
  else()
    pbpf_fuzz_maps()
  endif()
endif()

# `cmake --build <dir> --target run-bench-maps`: ns per map operation from
# inside a program, pbpf's engines next to the kernel (BPF_PROG_TEST_RUN).
if(PBPF_BENCH)
  add_executable(bench_maps ${CMAKE_CURRENT_SOURCE_DIR}/bench/maps/bench_maps.c)
  target_include_directories(bench_maps PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(bench_maps PRIVATE pbpf)
  add_custom_target(run-bench-maps COMMAND bench_maps DEPENDS bench_maps
                    COMMENT "Map operations: pbpf and Linux" VERBATIM)
endif()
