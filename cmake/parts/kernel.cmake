# Kernel differential harness (tests/kernel): raw bpf(2) wrappers (kbpf),
# raw-convention programs run in the kernel (kdiff), and the tests that
# compare pbpf with Linux.  They skip (77) where bpf() is unavailable.
if(PBPF_TESTS)
  add_library(pbpf_kbpf STATIC ${CMAKE_CURRENT_SOURCE_DIR}/tests/kernel/kbpf.c
                               ${CMAKE_CURRENT_SOURCE_DIR}/tests/kernel/kdiff.c
                               ${CMAKE_CURRENT_SOURCE_DIR}/tests/kernel/kobj.c)
  target_include_directories(pbpf_kbpf PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/tests/kernel
                                       PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src
                                               ${CMAKE_CURRENT_SOURCE_DIR}/tests/unit)
  target_link_libraries(pbpf_kbpf PUBLIC pbpf)

  add_executable(test_kdiff ${CMAKE_CURRENT_SOURCE_DIR}/tests/kernel/test_kdiff.c)
  target_link_libraries(test_kdiff PRIVATE pbpf_kbpf pbpf_unit)
  add_test(NAME kernel_kdiff COMMAND test_kdiff)
  set_tests_properties(kernel_kdiff PROPERTIES LABELS kernel SKIP_RETURN_CODE 77 TIMEOUT 60)
endif()

# pbpf_testdata (cmake/parts/testdata.cmake) is defined after this file;
# target names resolve when the build is generated.
if(PBPF_TESTS)
  add_executable(kernel_conformance ${CMAKE_CURRENT_SOURCE_DIR}/tests/kernel/kernel_conformance.c)
  target_link_libraries(kernel_conformance PRIVATE pbpf_kbpf pbpf_testdata)
  add_test(NAME kernel_conformance COMMAND kernel_conformance ${PBPF_SHARED_DIR}/conformance)
  set_tests_properties(kernel_conformance PROPERTIES LABELS kernel SKIP_RETURN_CODE 77 TIMEOUT 120)
endif()
