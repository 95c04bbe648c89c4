# The CLI's commands on ELF objects (prog, map, btf, batch, run OBJ), the
# packet hook over pcap files, and `make demo`.
# the test objects (PBPF_PROGS_DIR, PBPF_BPF_CLANG) come from object.cmake
include(${CMAKE_CURRENT_LIST_DIR}/object.cmake)
if(TARGET pbpf_cli)
  target_sources(pbpf_cli PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/tools/pbpf/objcli.c)
endif()

# `make demo`: the bundled example, assembled, shown and run with the CLI on
# every engine this host has.
if(TARGET pbpf_cli)
  set(PBPF_DEMO_PROG ${CMAKE_CURRENT_SOURCE_DIR}/examples/primes.s)
  set(PBPF_DEMO_MEM "10 27 00 00") # 10000, little-endian
  set(PBPF_DEMO_JIT)
  if(PBPF_HAVE_JIT)
    set(PBPF_DEMO_JIT
      COMMAND ${CMAKE_COMMAND} -E echo "-- JIT"
      COMMAND $<TARGET_FILE:pbpf_cli> run ${PBPF_DEMO_PROG} --mem ${PBPF_DEMO_MEM} --stats
              --engine jit --repeat 20)
  endif()
  add_custom_target(run-demo
    COMMAND ${CMAKE_COMMAND} -E echo "-- examples/primes.s counts the primes below the number in its input (10000)"
    COMMAND $<TARGET_FILE:pbpf_cli> disasm ${PBPF_DEMO_PROG}
    COMMAND ${CMAKE_COMMAND} -E echo "-- interpreter, checked mode (every access bounds-checked)"
    COMMAND $<TARGET_FILE:pbpf_cli> run ${PBPF_DEMO_PROG} --mem ${PBPF_DEMO_MEM} --stats --repeat 20
    COMMAND ${CMAKE_COMMAND} -E echo "-- interpreter, verified mode"
    COMMAND $<TARGET_FILE:pbpf_cli> run ${PBPF_DEMO_PROG} --mem ${PBPF_DEMO_MEM} --stats
            --mode verified --repeat 20
    ${PBPF_DEMO_JIT}
    DEPENDS pbpf_cli
    VERBATIM)
else()
  add_custom_target(run-demo
    COMMAND ${CMAKE_COMMAND} -E echo "demo: the pbpf CLI is not part of this build"
    COMMAND ${CMAKE_COMMAND} -E false)
endif()

if(PBPF_TESTS AND TARGET pbpf_cli AND PBPF_BPF_CLANG)
  add_test(NAME cli-objects
           COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/tests/demo/obj_cli_test.sh
                   $<TARGET_FILE:pbpf_cli> ${PBPF_PROGS_DIR} ${CMAKE_CURRENT_BINARY_DIR}/cli-objects)
  add_dependencies(pbpf_cli pbpf_test_progs)
  set_tests_properties(cli-objects PROPERTIES LABELS cli TIMEOUT 120 SKIP_RETURN_CODE 77)
endif()
