# Verifier test suite (tests/progs/verifier, tests/verifier): our own C and
# assembly programs with their expected verdicts and Linux's reasons in
# tests/verifier/cases.tsv, checked against the kernel (which validates the
# manifest) and against pbpf_verify once the verifier exists; and the
# verifier soundness fuzzer (fuzz/fuzz_verifier.c).
if(PBPF_TESTS)
  find_program(PBPF_VBPF_CLANG NAMES clang clang-14 clang-15 clang-16 clang-17 clang-18)
  set(PBPF_VPROGS_SRC ${CMAKE_CURRENT_SOURCE_DIR}/tests/progs/verifier)
  set(PBPF_VPROGS_DIR ${CMAKE_CURRENT_BINARY_DIR}/vprogs)
  set(PBPF_VCASES ${CMAKE_CURRENT_SOURCE_DIR}/tests/verifier/cases.tsv)
  file(GLOB PBPF_VPROG_SOURCES CONFIGURE_DEPENDS ${PBPF_VPROGS_SRC}/*.bpf.c)
  set(PBPF_VPROG_OBJECTS "")
  if(PBPF_VBPF_CLANG)
    file(MAKE_DIRECTORY ${PBPF_VPROGS_DIR})
    foreach(src ${PBPF_VPROG_SOURCES})
      get_filename_component(name ${src} NAME_WE)
      set(out ${PBPF_VPROGS_DIR}/${name}.bpf.o)
      add_custom_command(OUTPUT ${out}
        COMMAND ${PBPF_VBPF_CLANG} -O2 -g -target bpf -I${PBPF_VPROGS_SRC} -c ${src} -o ${out}
        DEPENDS ${src} ${PBPF_VPROGS_SRC}/vdefs.h
        COMMENT "clang -target bpf verifier/${name}.bpf.c"
        VERBATIM)
      list(APPEND PBPF_VPROG_OBJECTS ${out})
    endforeach()
    add_custom_target(pbpf_verifier_progs ALL DEPENDS ${PBPF_VPROG_OBJECTS})
  endif()

  # The kernel as the oracle of the manifest (libbpf in the test only).
  find_path(PBPF_VLIBBPF_INCLUDE bpf/libbpf.h)
  find_library(PBPF_VLIBBPF_LIB bpf)
  if(PBPF_VBPF_CLANG AND PBPF_VLIBBPF_INCLUDE AND PBPF_VLIBBPF_LIB AND NOT WIN32)
    add_executable(kernel_verdicts tests/verifier/kernel_verdicts.c)
    target_include_directories(kernel_verdicts PRIVATE ${PBPF_VLIBBPF_INCLUDE}
                                                       ${CMAKE_CURRENT_SOURCE_DIR}/tests/verifier)
    target_link_libraries(kernel_verdicts PRIVATE pbpf ${PBPF_VLIBBPF_LIB})
    add_dependencies(kernel_verdicts pbpf_verifier_progs)
    add_test(NAME verifier_cases_kernel
             COMMAND kernel_verdicts kernel ${PBPF_VCASES} ${PBPF_VPROGS_DIR})
    set_tests_properties(verifier_cases_kernel PROPERTIES LABELS "kernel;verifier"
                         SKIP_RETURN_CODE 77 TIMEOUT 300)
  elseif(PBPF_VBPF_CLANG)
    message(STATUS "libbpf-dev not found: the verifier cases are not checked against the kernel")
  endif()
endif()
