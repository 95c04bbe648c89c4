# The cross builds (tests/cross/run.sh configures them with PBPF_TESTS=OFF)
# also build the tests of the maps, the object loader, the verifier and the
# timers that need nothing but pbpf and its test data; run.sh runs them
# under wine (Windows x64: threads, epochs, seqcounts and timers on the
# win32 platform layer) and qemu-aarch64 (the arm64 build of the atomics
# and barriers; qemu runs them with the host's stronger memory order, so
# this checks the arm64 code, not races only weak ordering would show).
# The loader and timer tests read the objects the native build makes from
# tests/progs.
if(CMAKE_CROSSCOMPILING AND NOT PBPF_TESTS)
  set(PBPF_CROSS_TESTS
      maps/test_maps_thread_churn maps/test_maps_seq maps/test_maps_lookup_keys
      maps/test_maps_stress maps/test_maps_user maps/test_maps_features
      maps/test_maps_reclaim maps/test_lpm_model maps/test_maps_prog maps/test_maps_proto
      maps/test_pin object/test_loader object/test_object timers/test_timers
      verifier/test_verified_load verifier/test_verifier_basic verifier/test_verifier_core
      verifier/test_verifier_global verifier/test_verifier_slotlive)
  # where the target has a JIT (Windows x64): the JIT's differential tests
  # against the checked interpreter, the Windows x64 calling convention and
  # the win32 code pages
  if(PBPF_HAVE_JIT)
    list(APPEND PBPF_CROSS_TESTS jit/test_jit jit/test_jit_conformance jit/test_jit_maps)
  endif()
  foreach(src ${PBPF_CROSS_TESTS})
    get_filename_component(name ${src} NAME)
    get_filename_component(dir ${src} DIRECTORY)
    add_executable(${name} ${CMAKE_CURRENT_SOURCE_DIR}/tests/${src}.c)
    target_include_directories(${name} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src
                                               ${CMAKE_CURRENT_SOURCE_DIR}/tests/${dir}
                                               ${CMAKE_CURRENT_SOURCE_DIR}/tests
                                               ${CMAKE_CURRENT_SOURCE_DIR}/tools/common)
    target_link_libraries(${name} PRIVATE pbpf_testdata pbpf)
  endforeach()
endif()
