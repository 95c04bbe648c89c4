# pbpf jit-dump: capstone disassembles the native code when it is installed
# (Debian: libcapstone-dev).  Only the command-line tool links it, never the
# library; without it the dump shows hex bytes.
find_path(PBPF_CAPSTONE_INCLUDE capstone/capstone.h)
find_library(PBPF_CAPSTONE_LIB capstone)
if(PBPF_CAPSTONE_INCLUDE AND PBPF_CAPSTONE_LIB AND TARGET pbpf_cli)
  message(STATUS "jit-dump: capstone found (${PBPF_CAPSTONE_LIB})")
  set_property(SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/tools/pbpf/cmd_jit_dump.c
               APPEND PROPERTY COMPILE_DEFINITIONS PBPF_HAVE_CAPSTONE=1)
  set_property(SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/tools/pbpf/cmd_jit_dump.c
               APPEND PROPERTY INCLUDE_DIRECTORIES ${PBPF_CAPSTONE_INCLUDE})
  target_link_libraries(pbpf_cli PRIVATE ${PBPF_CAPSTONE_LIB})
  set(PBPF_HAVE_CAPSTONE ON)
else()
  message(STATUS "jit-dump: capstone not found, native code shown as hex")
  set(PBPF_HAVE_CAPSTONE OFF)
endif()

if(PBPF_TESTS)
  # the ELF part uses tests/progs/subprogs.bpf.c (two programs), built by
  # the object part when clang is there
  add_test(NAME jit_dump
           COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/tests/jit/jit_dump.sh $<TARGET_FILE:pbpf_cli>
                   ${CMAKE_CURRENT_BINARY_DIR}/jit-dump ${CMAKE_CURRENT_BINARY_DIR}/progs/subprogs.bpf.o
                   cls_b)
  set_tests_properties(jit_dump PROPERTIES LABELS "jit;cli" SKIP_RETURN_CODE 77 TIMEOUT 60)
endif()
