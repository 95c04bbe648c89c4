# Freezing mmap-able arrays: writable mappings, -EBUSY/-EPERM/-EACCES as
# Linux, and read-only memory for a frozen BPF_F_RDONLY_PROG array,
# against the kernel where bpf() works (POSIX: fork catches the fault).
if(PBPF_TESTS AND NOT WIN32)
  add_executable(test_map_freeze ${CMAKE_CURRENT_SOURCE_DIR}/tests/maps/test_map_freeze.c)
  target_link_libraries(test_map_freeze PRIVATE pbpf_kbpf)
  target_include_directories(test_map_freeze PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  add_test(NAME maps_freeze COMMAND test_map_freeze)
  set_tests_properties(maps_freeze PROPERTIES LABELS "maps;kernel" TIMEOUT 30)
endif()

# The .rodata loader (tests/compat/loaders/rodata_guard.c) against the
# system's libbpf in the kernel: its checks must hold there too.
if(PBPF_TESTS AND NOT WIN32 AND PBPF_BPF_CLANG)
  add_test(NAME compat_skel_rodata_guard_kernel
           COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/tests/compat/skel_test.sh rodata_guard
                   ${CMAKE_CURRENT_SOURCE_DIR} ${CMAKE_CURRENT_BINARY_DIR}/compat-skel
                   ${PBPF_BPF_CLANG} ${CMAKE_C_COMPILER} "" none none kernel)
  set_tests_properties(compat_skel_rodata_guard_kernel PROPERTIES LABELS "compat;kernel"
                       TIMEOUT 120 SKIP_RETURN_CODE 77)
endif()

# The libbpf-compatible BTF API (include/compat/bpf/btf.h, src/compat/btf.c):
# the C compiler's layout of tests/compat/btf/btf_layout.h against what
# the API reads from its BTF, and a BTF walker built against pbpf and
# libbpf, compared with each other and with `bpftool btf dump`.
if(PBPF_TESTS AND NOT WIN32 AND PBPF_BPF_CLANG)
  set(PBPF_BTF_LAYOUT_OBJ ${CMAKE_CURRENT_BINARY_DIR}/compat-progs/btf_layout.bpf.o)
  add_custom_command(OUTPUT ${PBPF_BTF_LAYOUT_OBJ}
    COMMAND ${PBPF_BPF_CLANG} -O2 -g -target bpf
            -c ${CMAKE_CURRENT_SOURCE_DIR}/tests/compat/btf/btf_layout.bpf.c -o ${PBPF_BTF_LAYOUT_OBJ}
    DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/tests/compat/btf/btf_layout.bpf.c
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/compat/btf/btf_layout.h
    COMMENT "clang -target bpf btf_layout.bpf.c"
    VERBATIM)
  add_custom_target(pbpf_btf_layout_obj ALL DEPENDS ${PBPF_BTF_LAYOUT_OBJ})

  add_executable(test_compat_btf ${CMAKE_CURRENT_SOURCE_DIR}/tests/compat/test_compat_btf.c)
  target_include_directories(test_compat_btf PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/tests/compat)
  target_link_libraries(test_compat_btf PRIVATE pbpf_bpf)
  add_dependencies(test_compat_btf pbpf_btf_layout_obj pbpf_compat_progs)
  add_test(NAME compat_btf COMMAND test_compat_btf ${PBPF_BTF_LAYOUT_OBJ}
                                   ${PBPF_COMPAT_PROGS_DIR}/minimal.bpf.o)
  set_tests_properties(compat_btf PROPERTIES LABELS compat TIMEOUT 60)

  add_executable(compat_btf_walk_pbpf ${CMAKE_CURRENT_SOURCE_DIR}/tests/compat/btf_walk.c)
  target_link_libraries(compat_btf_walk_pbpf PRIVATE pbpf_bpf)
  set(_walk_libbpf none)
  if(PBPF_LIBBPF_INCLUDE AND PBPF_LIBBPF_LIB)
    # linked with the system libbpf only (its /usr/include/bpf headers)
    add_executable(compat_btf_walk_libbpf ${CMAKE_CURRENT_SOURCE_DIR}/tests/compat/btf_walk.c)
    target_link_libraries(compat_btf_walk_libbpf PRIVATE ${PBPF_LIBBPF_LIB})
    set(_walk_libbpf $<TARGET_FILE:compat_btf_walk_libbpf>)
  endif()
  add_dependencies(compat_btf_walk_pbpf pbpf_btf_layout_obj pbpf_compat_progs pbpf_test_progs)
  add_test(NAME compat_btf_walk
           COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/tests/compat/btf_walk.sh
                   $<TARGET_FILE:compat_btf_walk_pbpf> ${_walk_libbpf}
                   ${CMAKE_CURRENT_BINARY_DIR}/compat-btf-walk ${PBPF_BTF_LAYOUT_OBJ}
                   ${PBPF_COMPAT_PROG_OBJECTS} ${PBPF_PROGS_DIR}/btf_maps.bpf.o
                   ${PBPF_PROGS_DIR}/global_data.bpf.o ${PBPF_PROGS_DIR}/core_reloc.bpf.o
                   ${PBPF_PROGS_DIR}/timers.bpf.o ${PBPF_PROGS_DIR}/callbacks.bpf.o)
  set_tests_properties(compat_btf_walk PROPERTIES LABELS compat TIMEOUT 120
                       SKIP_RETURN_CODE 77)
endif()
