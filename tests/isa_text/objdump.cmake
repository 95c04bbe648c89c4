# cmake -D OBJDUMP=... -D OBJ=... -D OUT=... -P objdump.cmake
# Writes llvm-objdump's disassembly of OBJ, immediates in hex, to OUT.
execute_process(COMMAND ${OBJDUMP} -d --print-imm-hex ${OBJ} OUTPUT_FILE ${OUT} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${OBJDUMP} failed on ${OBJ}")
endif()
