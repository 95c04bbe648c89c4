# Read-only and write-only maps as programs see them (BPF_F_RDONLY_PROG,
# BPF_F_WRONLY_PROG, frozen .rodata read as constants), against the kernel
# where bpf() works.
if(PBPF_TESTS)
  add_executable(test_verifier_rdonly ${CMAKE_CURRENT_SOURCE_DIR}/tests/verifier/test_verifier_rdonly.c)
  target_link_libraries(test_verifier_rdonly PRIVATE pbpf_kbpf)
  add_test(NAME verifier_rdonly COMMAND test_verifier_rdonly)
  set_tests_properties(verifier_rdonly PROPERTIES LABELS "verifier;kernel" TIMEOUT 60)
endif()

# Pinning programs and links through the libbpf-compatible API.
if(PBPF_TESTS AND NOT WIN32 AND PBPF_BPF_CLANG)
  add_executable(test_compat_pin ${CMAKE_CURRENT_SOURCE_DIR}/tests/compat/test_compat_pin.c)
  target_link_libraries(test_compat_pin PRIVATE pbpf_bpf)
  add_dependencies(test_compat_pin pbpf_compat_progs)
  add_test(NAME compat_pin COMMAND test_compat_pin ${PBPF_COMPAT_PROGS_DIR})
  set_tests_properties(compat_pin PROPERTIES LABELS compat TIMEOUT 60)
endif()

# The pin name space of the core (src/maps/pin.c).
if(PBPF_TESTS)
  add_executable(test_pin ${CMAKE_CURRENT_SOURCE_DIR}/tests/maps/test_pin.c)
  target_link_libraries(test_pin PRIVATE pbpf)
  add_test(NAME maps_pin COMMAND test_pin)
  set_tests_properties(maps_pin PROPERTIES LABELS maps TIMEOUT 30)
endif()
