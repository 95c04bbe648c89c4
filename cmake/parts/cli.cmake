# The pbpf command-line tool (tools/pbpf), the bpf_conformance plugin
# pbpf-plugin, and their tests: the conformance suite, the plugin protocol,
# the CLI's behaviour, and the Windows (wine) and arm64 (qemu) cross builds.
# Cross builds configure with PBPF_TESTS=OFF: then only the programs exist.

add_library(pbpf_cli_common STATIC ${CMAKE_CURRENT_SOURCE_DIR}/tools/pbpf/common.c)
target_include_directories(pbpf_cli_common PUBLIC
  ${CMAKE_CURRENT_SOURCE_DIR}/tools/pbpf
  ${CMAKE_CURRENT_SOURCE_DIR}/tools/common
  # the platform layer's clock, for `run --stats`
  ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(pbpf_cli_common PUBLIC pbpf_testdata pbpf)

# one file per command family: tools/pbpf/cmd_*.c, listed in main.c
file(GLOB PBPF_CLI_COMMANDS CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/tools/pbpf/cmd_*.c)
add_executable(pbpf_cli ${CMAKE_CURRENT_SOURCE_DIR}/tools/pbpf/main.c ${PBPF_CLI_COMMANDS})
set_target_properties(pbpf_cli PROPERTIES OUTPUT_NAME pbpf)
target_link_libraries(pbpf_cli PRIVATE pbpf_cli_common)

add_executable(pbpf_plugin ${CMAKE_CURRENT_SOURCE_DIR}/tools/pbpf/plugin.c)
set_target_properties(pbpf_plugin PROPERTIES OUTPUT_NAME pbpf-plugin)
target_link_libraries(pbpf_plugin PRIVATE pbpf_cli_common)

if(NOT PBPF_TESTS)
  return()
endif()

set(PBPF_CONFORMANCE_DIR ${PBPF_SHARED_DIR}/conformance)
if(NOT EXISTS ${PBPF_CONFORMANCE_DIR}/add.data)
  message(STATUS "cli: no conformance vectors in ${PBPF_CONFORMANCE_DIR}; conformance tests left out")
  return()
endif()

# All 313 vectors, once per interpreter mode.
# Verified mode runs the verifier first: the 13 vectors Linux refuses
# (out-of-range shift immediates, callx) pass when they are refused for
# Linux's reason, which the kernel's verdict file gives.
foreach(mode checked verified)
  add_test(NAME conformance-interp-${mode}
           COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/tests/cli/conformance_engine.sh
                   $<TARGET_FILE:pbpf_cli> interp ${PBPF_CONFORMANCE_DIR} ${mode})
  set_tests_properties(conformance-interp-${mode} PROPERTIES LABELS conformance TIMEOUT 60)
endforeach()
# The JIT, where this host has one (skips otherwise).
add_test(NAME conformance-jit
         COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/tests/cli/conformance_engine.sh
                 $<TARGET_FILE:pbpf_cli> jit ${PBPF_CONFORMANCE_DIR})
set_tests_properties(conformance-jit PROPERTIES
  SKIP_RETURN_CODE 77 LABELS conformance TIMEOUT 60)

# The 45 malformed vectors: every one rejected ...
add_test(NAME conformance-negative
         COMMAND pbpf_cli conformance ${PBPF_CONFORMANCE_DIR}/negative)
set_tests_properties(conformance-negative PROPERTIES
  PASS_REGULAR_EXPRESSION "\n45 passed, 0 failed\n" LABELS conformance TIMEOUT 60)
# ... for the reason its name gives.
add_executable(test_negative_fields ${CMAKE_CURRENT_SOURCE_DIR}/tests/conformance/negative_fields.c)
target_link_libraries(test_negative_fields PRIVATE pbpf_testdata pbpf)
add_test(NAME conformance-negative-fields
         COMMAND test_negative_fields ${PBPF_CONFORMANCE_DIR}/negative)
set_tests_properties(conformance-negative-fields PROPERTIES LABELS conformance TIMEOUT 60)

# pbpf-plugin driven the way bpf_conformance_runner drives a plugin.
if(NOT WIN32)
  add_executable(test_plugin_driver ${CMAKE_CURRENT_SOURCE_DIR}/tests/conformance/plugin_driver.c)
  target_link_libraries(test_plugin_driver PRIVATE pbpf_testdata pbpf)
  add_test(NAME plugin-protocol
           COMMAND test_plugin_driver $<TARGET_FILE:pbpf_plugin>
                   ${PBPF_CONFORMANCE_DIR} ${PBPF_CONFORMANCE_DIR}/negative)
  # 358 process starts: left out of sanitizer runs (`make sanitize`), where
  # each start costs ten times as much; the code it runs is the same as in
  # the conformance tests above.
  set_tests_properties(plugin-protocol PROPERTIES LABELS "conformance;nosan" TIMEOUT 300)
endif()

# The command line: help, bad arguments, bad files, round trips.
add_test(NAME cli-behaviour
         COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/tests/cli/cli_test.sh
                 $<TARGET_FILE:pbpf_cli> $<TARGET_FILE:pbpf_plugin> ${PBPF_SHARED_DIR}
                 ${CMAKE_CURRENT_BINARY_DIR}/cli-test
                 ${CMAKE_CURRENT_SOURCE_DIR}/examples)
set_tests_properties(cli-behaviour PROPERTIES LABELS cli TIMEOUT 300)

# Cross builds of the core and the CLI, run under wine64 and qemu-aarch64.
foreach(target mingw64 aarch64)
  add_test(NAME cross-${target}
           COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/tests/cross/run.sh ${target}
                   ${CMAKE_CURRENT_SOURCE_DIR} ${CMAKE_CURRENT_BINARY_DIR}/cross-${target}
                   ${PBPF_CONFORMANCE_DIR} ${CMAKE_CURRENT_BINARY_DIR}/progs)
  set_tests_properties(cross-${target} PROPERTIES
    SKIP_RETURN_CODE 77 LABELS "cross;nosan" TIMEOUT 400 RUN_SERIAL TRUE)
endforeach()
