# `make demo`: the bundled example, run with the CLI.
if(TARGET pbpf_cli)
  add_custom_target(run-demo
    COMMAND $<TARGET_FILE:pbpf_cli> run ${CMAKE_CURRENT_SOURCE_DIR}/examples/primes.s
            --mem "10 27 00 00" --stats
    COMMAND $<TARGET_FILE:pbpf_cli> run ${CMAKE_CURRENT_SOURCE_DIR}/examples/primes.s
            --mem "10 27 00 00" --stats --mode verified
    DEPENDS pbpf_cli
    COMMENT "Counting the primes below 10000 with examples/primes.s"
    VERBATIM)
else()
  add_custom_target(run-demo
    COMMAND ${CMAKE_COMMAND} -E echo "demo: the pbpf CLI is not part of this build"
    COMMAND ${CMAKE_COMMAND} -E false)
endif()
