# pbpf btf dump ... format c (src/btf/btf_dump_c.c): the header compiles
# (gcc, clang -target bpf) and its types have the BTF's names, sizes,
# member offsets, bit-fields and enumerator values, for the test objects
# (tests/compat/btf/btf_cdump.bpf.c holds the hard cases) and the
# kernel's BTF; compared with bpftool's header where bpftool is installed.
if(PBPF_TESTS AND NOT WIN32 AND PBPF_BPF_CLANG)
  set(PBPF_BTF_CDUMP_OBJ ${CMAKE_CURRENT_BINARY_DIR}/compat-progs/btf_cdump.bpf.o)
  add_custom_command(OUTPUT ${PBPF_BTF_CDUMP_OBJ}
    COMMAND ${PBPF_BPF_CLANG} -O2 -g -target bpf
            -c ${CMAKE_CURRENT_SOURCE_DIR}/tests/compat/btf/btf_cdump.bpf.c -o ${PBPF_BTF_CDUMP_OBJ}
    DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/tests/compat/btf/btf_cdump.bpf.c
    COMMENT "clang -target bpf btf_cdump.bpf.c"
    VERBATIM)
  add_custom_target(pbpf_btf_cdump_obj ALL DEPENDS ${PBPF_BTF_CDUMP_OBJ})

  add_executable(btf_c_check ${CMAKE_CURRENT_SOURCE_DIR}/tests/compat/btf_c_check.c)
  target_link_libraries(btf_c_check PRIVATE pbpf)
  target_include_directories(btf_c_check PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  add_dependencies(btf_c_check pbpf_compat_progs pbpf_test_progs pbpf_btf_cdump_obj
                   pbpf_btf_layout_obj)
  # the same through libbpf's API (btf_dump__*), as bpftool calls it
  add_executable(btf_dump_api ${CMAKE_CURRENT_SOURCE_DIR}/tests/compat/btf_dump_api.c)
  target_link_libraries(btf_dump_api PRIVATE pbpf_bpf)
  add_test(NAME compat_btf_dump_c
           COMMAND env BTF_DUMP_API=$<TARGET_FILE:btf_dump_api> sh ${CMAKE_CURRENT_SOURCE_DIR}/tests/compat/btf_dump_c.sh
                   $<TARGET_FILE:pbpf_cli> $<TARGET_FILE:btf_c_check> ${PBPF_BPF_CLANG}
                   ${CMAKE_CURRENT_BINARY_DIR}/compat-btf-c
                   ${PBPF_BTF_CDUMP_OBJ} ${PBPF_BTF_LAYOUT_OBJ}
                   ${PBPF_COMPAT_PROG_OBJECTS} ${PBPF_PROGS_DIR}/btf_maps.bpf.o
                   ${PBPF_PROGS_DIR}/core_reloc.bpf.o)
  set_tests_properties(compat_btf_dump_c PROPERTIES LABELS compat TIMEOUT 300
                       SKIP_RETURN_CODE 77)
endif()

# Light skeletons (bpftool gen skeleton -L) are refused at compile time by
# include/compat/bpf/skel_internal.h, which says why.
if(PBPF_TESTS AND NOT WIN32 AND PBPF_BPF_CLANG)
  add_test(NAME compat_lskel_refused
           COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/tests/compat/lskel_refused.sh
                   ${CMAKE_CURRENT_SOURCE_DIR} ${CMAKE_CURRENT_BINARY_DIR}/compat-lskel
                   ${PBPF_BPF_CLANG} ${CMAKE_C_COMPILER})
  set_tests_properties(compat_lskel_refused PROPERTIES LABELS compat TIMEOUT 60
                       SKIP_RETURN_CODE 77)
endif()

# The libbpf-compatible library on Windows (mingw-w64): the same sources.
# Its headers include Linux's UAPI headers (<linux/bpf.h>, <linux/btf.h>:
# the enums, struct bpf_insn, struct btf_type), as libbpf's do; they are
# plain C.  PBPF_LINUX_UAPI_INCLUDE names a folder holding linux/, asm/ and
# asm-generic/; by default, when cross-building on a Linux host, the host's
# own (linux-libc-dev), seen through a folder of links to those three only
# so that no other host header shadows the target's.
if(WIN32)
  set(PBPF_LINUX_UAPI_INCLUDE "" CACHE PATH
      "folder with linux/bpf.h, linux/btf.h, asm/ and asm-generic/ (Linux UAPI) for Windows builds")
  set(uapi ${PBPF_LINUX_UAPI_INCLUDE})
  if(NOT uapi AND CMAKE_HOST_UNIX AND EXISTS /usr/include/linux/bpf.h
     AND EXISTS /usr/include/asm-generic/types.h)
    set(uapi ${CMAKE_BINARY_DIR}/linux-uapi)
    file(MAKE_DIRECTORY ${uapi})
    set(host_asm /usr/include/asm)
    if(NOT EXISTS ${host_asm}/types.h)
      file(GLOB host_asm /usr/include/*-linux-gnu/asm)
      list(GET host_asm 0 host_asm)
    endif()
    foreach(pair "linux;/usr/include/linux" "asm-generic;/usr/include/asm-generic" "asm;${host_asm}")
      list(GET pair 0 name)
      list(GET pair 1 target)
      if(NOT EXISTS ${uapi}/${name})
        file(CREATE_LINK ${target} ${uapi}/${name} SYMBOLIC)
      endif()
    endforeach()
  endif()
  if(uapi AND EXISTS ${uapi}/linux/bpf.h)
    file(GLOB PBPF_COMPAT_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/src/compat/*.c)
    add_library(pbpf_bpf STATIC ${PBPF_COMPAT_SOURCES})
    target_include_directories(pbpf_bpf PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include/compat ${uapi}
                                        PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
    # pthread: mingw-w64's winpthreads, linked statically (toolchain -static)
    target_link_libraries(pbpf_bpf PUBLIC pbpf pthread)
    # the low-level API test, run under wine by tests/cross/run.sh
    if(CMAKE_CROSSCOMPILING AND NOT PBPF_TESTS)
      add_executable(test_compat_api ${CMAKE_CURRENT_SOURCE_DIR}/tests/compat/test_compat_api.c)
      target_link_libraries(test_compat_api PRIVATE pbpf_bpf)
    endif()
  else()
    message(STATUS "pbpf_bpf left out: no Linux UAPI headers (set PBPF_LINUX_UAPI_INCLUDE)")
  endif()
endif()

# BTF as C on cyclic and very deep BTF: it ends and frees what it took.
if(PBPF_TESTS AND NOT WIN32)
  add_executable(test_btf_dump_cycles ${CMAKE_CURRENT_SOURCE_DIR}/tests/compat/test_btf_dump_cycles.c)
  target_link_libraries(test_btf_dump_cycles PRIVATE pbpf)
  target_include_directories(test_btf_dump_cycles PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  add_test(NAME compat_btf_dump_cycles COMMAND test_btf_dump_cycles)
  set_tests_properties(compat_btf_dump_cycles PROPERTIES LABELS compat TIMEOUT 60)
endif()
