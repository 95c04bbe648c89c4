# The PREVAIL cases in the kernel (tests/verifier/prevail_kernel.c): every
# justified.tsv line that claims Linux's verdict is checked against the
# running kernel; skips (77) without bpf().
if(PBPF_TESTS AND TARGET pbpf_kbpf AND EXISTS ${PBPF_SHARED_DIR}/verifier-cases/prevail/yaml)
  add_executable(prevail_kernel ${CMAKE_CURRENT_SOURCE_DIR}/tests/verifier/prevail_kernel.c)
  target_include_directories(prevail_kernel PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/tests/verifier
                                                    ${CMAKE_CURRENT_SOURCE_DIR}/tests/unit
                                                    ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(prevail_kernel PRIVATE pbpf_kbpf pbpf)
  add_test(NAME verifier_prevail_kernel
           COMMAND prevail_kernel ${PBPF_SHARED_DIR}/verifier-cases/prevail
                   ${CMAKE_CURRENT_SOURCE_DIR}/tests/verifier/justified.tsv)
  set_tests_properties(verifier_prevail_kernel PROPERTIES LABELS "verifier;kernel"
                       SKIP_RETURN_CODE 77 TIMEOUT 120)
endif()

# verifier_agree prevail must fail when a difference from PREVAIL is not
# listed: the same run with every prevail line of justified.tsv left out
# (read as UTF-8: file(STRINGS) otherwise cuts a line at a character
# outside ASCII, such as the section sign, and the rest is malformed)
if(PBPF_TESTS AND EXISTS ${PBPF_SHARED_DIR}/verifier-cases/prevail/yaml)
  file(STRINGS ${CMAKE_CURRENT_SOURCE_DIR}/tests/verifier/justified.tsv pbpf_vprev_lines
       ENCODING UTF-8)
  set(pbpf_vprev_kept "")
  foreach(l IN LISTS pbpf_vprev_lines)
    if(NOT l MATCHES "^prevail\t")
      string(APPEND pbpf_vprev_kept "${l}\n")
    endif()
  endforeach()
  file(WRITE ${CMAKE_BINARY_DIR}/justified-no-prevail.tsv "${pbpf_vprev_kept}")
  add_test(NAME verifier_agree_prevail_unlisted
           COMMAND verifier_agree prevail ${PBPF_SHARED_DIR}/verifier-cases/prevail
                   ${CMAKE_BINARY_DIR}/justified-no-prevail.tsv
                   ${CMAKE_CURRENT_SOURCE_DIR}/tests/verifier/agree-floor.txt)
  set_tests_properties(verifier_agree_prevail_unlisted PROPERTIES LABELS verifier TIMEOUT 120
                       PASS_REGULAR_EXPRESSION "FAIL: [0-9]+ differences from the reference are not listed")
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
               ${CMAKE_CURRENT_SOURCE_DIR}/tests/verifier/justified.tsv)
endif()
