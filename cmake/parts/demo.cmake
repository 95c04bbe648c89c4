# The CLI's commands on ELF objects (prog, map, btf, batch, run OBJ), the
# packet hook over pcap files, and `make demo`.
# the test objects (PBPF_PROGS_DIR, PBPF_BPF_CLANG) come from object.cmake
include(${CMAKE_CURRENT_LIST_DIR}/object.cmake)
if(TARGET pbpf_cli)
  target_sources(pbpf_cli PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/tools/pbpf/objcli.c
                                  ${CMAKE_CURRENT_SOURCE_DIR}/tools/pbpf/run_object.c)
  # capture files: libpcap in the tool only, never in the library
  find_path(PBPF_PCAP_INCLUDE pcap/pcap.h)
  find_library(PBPF_PCAP_LIB pcap)
  if(PBPF_PCAP_INCLUDE AND PBPF_PCAP_LIB)
    set_property(SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/tools/pbpf/run_object.c
                 APPEND PROPERTY COMPILE_DEFINITIONS PBPF_HAVE_PCAP=1)
    set_property(SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/tools/pbpf/run_object.c
                 APPEND PROPERTY INCLUDE_DIRECTORIES ${PBPF_PCAP_INCLUDE})
    target_link_libraries(pbpf_cli PRIVATE ${PBPF_PCAP_LIB})
    set(PBPF_HAVE_PCAP ON)
  else()
    message(STATUS "libpcap not found: pbpf run --pcap is left out (Debian: libpcap-dev)")
    set(PBPF_HAVE_PCAP OFF)
  endif()
endif()

# `make demo`: examples/xdp_demo.bpf.c (built with clang at build time) run
# with the CLI over a capture that scripts/gen_demo_pcap.py writes, on the
# interpreter and the JIT: verdicts, maps, speed, and the check against the
# generator's own count.
find_program(PBPF_DEMO_CLANG NAMES clang clang-14 clang-15 clang-16 clang-17 clang-18)
find_program(PBPF_PYTHON3 NAMES python3)
set(PBPF_DEMO_DIR ${CMAKE_CURRENT_BINARY_DIR}/demo)
set(PBPF_DEMO_OBJ ${PBPF_DEMO_DIR}/xdp_demo.bpf.o)
if(PBPF_DEMO_CLANG)
  file(MAKE_DIRECTORY ${PBPF_DEMO_DIR})
  add_custom_command(OUTPUT ${PBPF_DEMO_OBJ}
    COMMAND ${PBPF_DEMO_CLANG} -O2 -g -target bpf -c ${CMAKE_CURRENT_SOURCE_DIR}/examples/xdp_demo.bpf.c
            -o ${PBPF_DEMO_OBJ}
    DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/examples/xdp_demo.bpf.c
    COMMENT "clang -target bpf examples/xdp_demo.bpf.c"
    VERBATIM)
  add_custom_target(pbpf_demo_obj ALL DEPENDS ${PBPF_DEMO_OBJ})
endif()
if(TARGET pbpf_cli AND PBPF_DEMO_CLANG AND PBPF_PYTHON3 AND PBPF_HAVE_PCAP)
  set(PBPF_DEMO_PCAP ${PBPF_DEMO_DIR}/demo.pcap)
  add_custom_command(OUTPUT ${PBPF_DEMO_PCAP} ${PBPF_DEMO_DIR}/demo.expect.json
    COMMAND ${PBPF_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/scripts/gen_demo_pcap.py ${PBPF_DEMO_PCAP}
            --rules ${CMAKE_CURRENT_SOURCE_DIR}/examples/xdp_demo.rules
            --expect ${PBPF_DEMO_DIR}/demo.expect.json --count 40000
    DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/scripts/gen_demo_pcap.py
            ${CMAKE_CURRENT_SOURCE_DIR}/examples/xdp_demo.rules
    COMMENT "scripts/gen_demo_pcap.py: 40000 frames into demo/demo.pcap"
    VERBATIM)
  set(PBPF_DEMO_ENGINES interp)
  if(PBPF_HAVE_JIT)
    set(PBPF_DEMO_ENGINES interp,jit)
  endif()
  add_custom_target(run-demo
    COMMAND ${CMAKE_COMMAND} -E echo "-- examples/xdp_demo.bpf.c, built by clang -target bpf: pbpf prog list / map list"
    COMMAND $<TARGET_FILE:pbpf_cli> prog list ${PBPF_DEMO_OBJ}
    COMMAND $<TARGET_FILE:pbpf_cli> map list ${PBPF_DEMO_OBJ}
    COMMAND ${CMAKE_COMMAND} -E echo "-- over demo/demo.pcap (scripts/gen_demo_pcap.py), rules from examples/xdp_demo.rules"
    COMMAND ${PBPF_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/scripts/xdp_demo.py
            --pbpf $<TARGET_FILE:pbpf_cli> --obj ${PBPF_DEMO_OBJ} --pcap ${PBPF_DEMO_PCAP}
            --rules ${CMAKE_CURRENT_SOURCE_DIR}/examples/xdp_demo.rules --work ${PBPF_DEMO_DIR}
            --engines ${PBPF_DEMO_ENGINES} --expect ${PBPF_DEMO_DIR}/demo.expect.json
    DEPENDS pbpf_cli ${PBPF_DEMO_OBJ} ${PBPF_DEMO_PCAP}
    WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}
    VERBATIM)
else()
  add_custom_target(run-demo
    COMMAND ${CMAKE_COMMAND} -E echo "demo: needs the pbpf CLI with libpcap (libpcap-dev), clang and python3 (see scripts/deps.sh)"
    COMMAND ${CMAKE_COMMAND} -E false)
endif()

if(PBPF_TESTS AND TARGET pbpf_cli AND PBPF_BPF_CLANG)
  add_test(NAME cli-objects
           COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/tests/demo/obj_cli_test.sh
                   $<TARGET_FILE:pbpf_cli> ${PBPF_PROGS_DIR} ${CMAKE_CURRENT_BINARY_DIR}/cli-objects
                   ${CMAKE_CURRENT_SOURCE_DIR} ${PBPF_DEMO_OBJ} "${PBPF_HAVE_PCAP}")
  add_dependencies(pbpf_cli pbpf_test_progs)
  set_tests_properties(cli-objects PROPERTIES LABELS cli TIMEOUT 300 SKIP_RETURN_CODE 77)
endif()

# The demo's results against the generator's own count, on every engine,
# from a pcap and from a pcapng file.
if(PBPF_TESTS AND TARGET pbpf_demo_obj AND PBPF_HAVE_PCAP)
  add_test(NAME demo-xdp-counts
           COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/tests/demo/xdp_demo_test.sh
                   $<TARGET_FILE:pbpf_cli> ${PBPF_DEMO_OBJ} ${CMAKE_CURRENT_SOURCE_DIR}
                   ${CMAKE_CURRENT_BINARY_DIR}/demo-test "${PBPF_HAVE_JIT}")
  set_tests_properties(demo-xdp-counts PROPERTIES LABELS "cli;demo" TIMEOUT 300 SKIP_RETURN_CODE 77)
endif()
