include_guard(GLOBAL)
# Object parsing (src/elf, src/btf): test programs compiled by clang for
# the BPF target, unit and differential tests, and the fuzz target.
if(PBPF_TESTS)
  find_program(PBPF_BPF_CLANG NAMES clang clang-14 clang-15 clang-16 clang-17 clang-18)
  set(PBPF_PROGS_SRC ${CMAKE_CURRENT_SOURCE_DIR}/tests/progs)
  set(PBPF_PROGS_DIR ${CMAKE_CURRENT_BINARY_DIR}/progs)
  file(GLOB PBPF_PROG_SOURCES CONFIGURE_DEPENDS ${PBPF_PROGS_SRC}/*.bpf.c)
  file(GLOB PBPF_PROG_HEADERS CONFIGURE_DEPENDS ${PBPF_PROGS_SRC}/*.h)
  set(PBPF_PROG_OBJECTS "")
  if(PBPF_BPF_CLANG)
    file(MAKE_DIRECTORY ${PBPF_PROGS_DIR})
    foreach(src ${PBPF_PROG_SOURCES})
      get_filename_component(name ${src} NAME_WE)
      set(out ${PBPF_PROGS_DIR}/${name}.bpf.o)
      add_custom_command(OUTPUT ${out}
        COMMAND ${PBPF_BPF_CLANG} -O2 -g -target bpf -c ${src} -o ${out}
        DEPENDS ${src} ${PBPF_PROG_HEADERS}
        COMMENT "clang -target bpf ${name}.bpf.c"
        VERBATIM)
      list(APPEND PBPF_PROG_OBJECTS ${out})
    endforeach()
    add_custom_target(pbpf_test_progs ALL DEPENDS ${PBPF_PROG_OBJECTS})
  else()
    message(STATUS "clang not found: the BPF test programs and the tests using them are skipped")
  endif()

  # Unit tests of the parser: our own objects, hand-made BTF, malformed input.
  add_executable(test_object tests/object/test_object.c)
  target_link_libraries(test_object PRIVATE pbpf)
  target_include_directories(test_object PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  add_test(NAME object_btf COMMAND test_object btf)
  add_test(NAME object_sec_names COMMAND test_object secnames)
  if(PBPF_BPF_CLANG)
    add_dependencies(test_object pbpf_test_progs)
    add_test(NAME object_parse COMMAND test_object parse ${PBPF_PROGS_DIR})
    foreach(obj legacy_maps btf_maps global_data subprogs callbacks core_reloc iproute2_maps)
      add_test(NAME object_malformed_${obj}
               COMMAND test_object malformed ${PBPF_PROGS_DIR} ${obj}.bpf.o)
      set_tests_properties(object_malformed_${obj} PROPERTIES LABELS object TIMEOUT 300)
    endforeach()
  endif()

  foreach(t object_btf object_sec_names object_parse)
    if(TEST ${t})
      set_tests_properties(${t} PROPERTIES LABELS object TIMEOUT 120)
    endif()
  endforeach()

  # Differential tests against libbpf (Linux's reference loader).
  find_path(PBPF_LIBBPF_INCLUDE bpf/libbpf.h)
  find_library(PBPF_LIBBPF_LIB bpf)
  if(PBPF_BPF_CLANG AND PBPF_LIBBPF_INCLUDE AND PBPF_LIBBPF_LIB AND NOT WIN32)
    add_executable(test_object_libbpf tests/object/test_object_libbpf.c)
    target_link_libraries(test_object_libbpf PRIVATE pbpf ${PBPF_LIBBPF_LIB})
    target_include_directories(test_object_libbpf PRIVATE ${PBPF_LIBBPF_INCLUDE}
                                                  ${CMAKE_CURRENT_SOURCE_DIR}/src)
    add_dependencies(test_object_libbpf pbpf_test_progs)
    # legacy_maps.bpf.o is left out: libbpf >= 1.0 rejects SEC("maps")
    set(PBPF_LIBBPF_OBJS ${PBPF_PROGS_DIR}/btf_maps.bpf.o ${PBPF_PROGS_DIR}/callbacks.bpf.o
        ${PBPF_PROGS_DIR}/global_data.bpf.o ${PBPF_PROGS_DIR}/subprogs.bpf.o
        ${PBPF_PROGS_DIR}/core_reloc.bpf.o)
    add_test(NAME object_vs_libbpf_open COMMAND test_object_libbpf open ${PBPF_LIBBPF_OBJS}
             ${PBPF_PROGS_DIR}/sec_names.bpf.o)
    add_test(NAME object_vs_libbpf_load COMMAND test_object_libbpf load ${PBPF_LIBBPF_OBJS})
    set_tests_properties(object_vs_libbpf_load PROPERTIES SKIP_RETURN_CODE 77 LABELS kernel)
    # the host kernel's BTF: ~130k real types through both parsers
    add_test(NAME object_btf_vmlinux_vs_libbpf
             COMMAND test_object_libbpf btf /sys/kernel/btf/vmlinux)
    set_tests_properties(object_btf_vmlinux_vs_libbpf PROPERTIES SKIP_RETURN_CODE 77 LABELS kernel)
    add_test(NAME object_core_vs_libbpf
             COMMAND test_object_libbpf core ${PBPF_PROGS_DIR}/core_reloc.bpf.o
                     /sys/kernel/btf/vmlinux)
    set_tests_properties(object_core_vs_libbpf PROPERTIES SKIP_RETURN_CODE 77 LABELS kernel)
  elseif(PBPF_BPF_CLANG)
    message(STATUS "libbpf-dev not found: object tests against libbpf are skipped")
  endif()
endif()

# libFuzzer target over pbpf_object_open_mem, seeded with the test objects.
if(PBPF_FUZZ)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "PBPF_FUZZ needs clang (-fsanitize=fuzzer)")
  endif()
  # The parser's own sources built into the target, so that libFuzzer sees
  # coverage of exactly the code under test.
  file(GLOB PBPF_OBJECT_FUZZ_SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/src/elf/*.c
       ${CMAKE_CURRENT_SOURCE_DIR}/src/btf/*.c)
  add_executable(fuzz_object fuzz/fuzz_object.c ${PBPF_OBJECT_FUZZ_SOURCES}
                             ${CMAKE_CURRENT_SOURCE_DIR}/src/platform/posix.c)
  target_include_directories(fuzz_object PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/include
                                                 ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_compile_options(fuzz_object PRIVATE -fsanitize=fuzzer,address,undefined
                                             -fno-sanitize-recover=all)
  target_link_options(fuzz_object PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_libraries(fuzz_object PRIVATE Threads::Threads)
  if(PBPF_TESTS AND PBPF_BPF_CLANG)
    add_dependencies(fuzz_object pbpf_test_progs)
    set(PBPF_FUZZ_OBJECT_CORPUS ${CMAKE_CURRENT_BINARY_DIR}/fuzz-object-corpus)
    add_test(NAME fuzz_object
      COMMAND ${CMAKE_COMMAND} -E env sh -c
        "mkdir -p '${PBPF_FUZZ_OBJECT_CORPUS}' && cp '${PBPF_PROGS_DIR}'/*.bpf.o '${PBPF_FUZZ_OBJECT_CORPUS}/' && exec '$<TARGET_FILE:fuzz_object>' -max_total_time=60 -max_len=65536 -timeout=10 -rss_limit_mb=2048 '${PBPF_FUZZ_OBJECT_CORPUS}'")
    set_tests_properties(fuzz_object PROPERTIES LABELS "fuzz;nosan" TIMEOUT 180)
  endif()
endif()
