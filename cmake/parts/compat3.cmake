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
