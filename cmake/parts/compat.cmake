# The libbpf-compatible API (src/compat, include/compat/bpf/*.h): its own
# library, pbpf_bpf (libpbpf_bpf.a), over pbpf.  Loaders written for libbpf
# build with -I include/compat and link pbpf_bpf instead of -lbpf.  Only
# targets linking pbpf_bpf see include/compat, so the system's libbpf
# headers (/usr/include/bpf) stay what the kernel tests include.
if(NOT WIN32)
  file(GLOB PBPF_COMPAT_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/src/compat/*.c)
  add_library(pbpf_bpf STATIC ${PBPF_COMPAT_SOURCES})
  target_include_directories(pbpf_bpf PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include/compat
                                      PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(pbpf_bpf PUBLIC pbpf)
endif()

if(PBPF_TESTS AND NOT WIN32)
  # the BPF test objects of tests/progs and PBPF_BPF_CLANG
  include(${CMAKE_CURRENT_LIST_DIR}/object.cmake)
  add_executable(test_compat_api ${CMAKE_CURRENT_SOURCE_DIR}/tests/compat/test_compat_api.c)
  target_link_libraries(test_compat_api PRIVATE pbpf_bpf)
  add_test(NAME compat_api COMMAND test_compat_api)
  set_tests_properties(compat_api PROPERTIES LABELS compat TIMEOUT 60)
endif()

# libbpf-style example programs (tests/compat/progs), built by clang.
if(PBPF_TESTS AND NOT WIN32 AND PBPF_BPF_CLANG)
  set(PBPF_COMPAT_PROGS_DIR ${CMAKE_CURRENT_BINARY_DIR}/compat-progs)
  file(MAKE_DIRECTORY ${PBPF_COMPAT_PROGS_DIR})
  file(GLOB PBPF_COMPAT_PROG_SOURCES CONFIGURE_DEPENDS
       ${CMAKE_CURRENT_SOURCE_DIR}/tests/compat/progs/*.bpf.c)
  set(PBPF_COMPAT_PROG_OBJECTS "")
  foreach(src ${PBPF_COMPAT_PROG_SOURCES})
    get_filename_component(name ${src} NAME_WE)
    set(out ${PBPF_COMPAT_PROGS_DIR}/${name}.bpf.o)
    add_custom_command(OUTPUT ${out}
      COMMAND ${PBPF_BPF_CLANG} -O2 -g -target bpf -c ${src} -o ${out}
      DEPENDS ${src} ${CMAKE_CURRENT_SOURCE_DIR}/tests/compat/progs/compat_defs.h
              ${CMAKE_CURRENT_SOURCE_DIR}/tests/progs/bpf_defs.h
      COMMENT "clang -target bpf ${name}.bpf.c"
      VERBATIM)
    list(APPEND PBPF_COMPAT_PROG_OBJECTS ${out})
  endforeach()
  add_custom_target(pbpf_compat_progs ALL DEPENDS ${PBPF_COMPAT_PROG_OBJECTS})

  # The object API against libbpf's: one dump program built against each.
  add_executable(compat_dump_pbpf ${CMAKE_CURRENT_SOURCE_DIR}/tests/compat/dump_object.c)
  target_link_libraries(compat_dump_pbpf PRIVATE pbpf_bpf)
  if(PBPF_LIBBPF_INCLUDE AND PBPF_LIBBPF_LIB)
    # linked with the system libbpf only: pbpf's include/compat is not on
    # its include path
    add_executable(compat_dump_libbpf ${CMAKE_CURRENT_SOURCE_DIR}/tests/compat/dump_object.c)
    target_link_libraries(compat_dump_libbpf PRIVATE ${PBPF_LIBBPF_LIB})
    add_dependencies(compat_dump_pbpf pbpf_compat_progs pbpf_test_progs)
    set(PBPF_COMPAT_DUMP_OBJS ${PBPF_COMPAT_PROG_OBJECTS} ${PBPF_PROGS_DIR}/btf_maps.bpf.o
        ${PBPF_PROGS_DIR}/global_data.bpf.o ${PBPF_PROGS_DIR}/subprogs.bpf.o
        ${PBPF_PROGS_DIR}/callbacks.bpf.o ${PBPF_PROGS_DIR}/core_reloc.bpf.o)
    # (sec_names.bpf.o is left out: it has section names newer than libbpf
    # 1.1 and legacy ones libbpf 1.x dropped, which pbpf's parser knows;
    # object_vs_libbpf_open compares it where libbpf knows the name)
    add_test(NAME compat_object_vs_libbpf
             COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/tests/compat/diff_dump.sh
                     $<TARGET_FILE:compat_dump_pbpf> $<TARGET_FILE:compat_dump_libbpf>
                     ${CMAKE_CURRENT_BINARY_DIR}/compat-dump ${PBPF_COMPAT_DUMP_OBJS})
    add_test(NAME compat_object_vs_libbpf_named
             COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/tests/compat/diff_dump.sh
                     $<TARGET_FILE:compat_dump_pbpf> $<TARGET_FILE:compat_dump_libbpf>
                     ${CMAKE_CURRENT_BINARY_DIR}/compat-dump-named --name a_long_object_name
                     ${PBPF_COMPAT_DUMP_OBJS})
    set_tests_properties(compat_object_vs_libbpf compat_object_vs_libbpf_named PROPERTIES
                         LABELS compat TIMEOUT 60)
  endif()
endif()
