# Conformance-file reader shared by the CLI, tests and benchmarks.
add_library(pbpf_testdata STATIC ${CMAKE_CURRENT_SOURCE_DIR}/tools/common/cfile.c)
target_include_directories(pbpf_testdata PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/tools/common)
target_link_libraries(pbpf_testdata PUBLIC pbpf)
