# Cross build for 64-bit Windows with mingw-w64:
#   cmake -S . -B build-win64 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-mingw64.cmake \
#         -DPBPF_TESTS=OFF -DPBPF_BENCH=OFF
# The programs run under wine64 (tests/cross/run.sh).
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(PBPF_CROSS_PREFIX x86_64-w64-mingw32)
set(CMAKE_C_COMPILER ${PBPF_CROSS_PREFIX}-gcc)
set(CMAKE_RC_COMPILER ${PBPF_CROSS_PREFIX}-windres)

set(CMAKE_FIND_ROOT_PATH /usr/${PBPF_CROSS_PREFIX})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)

# msvcrt's printf does not know C99 formats such as %zu and %llu; mingw-w64
# replaces it with a conforming one when this is defined.
set(CMAKE_C_FLAGS_INIT "-D__USE_MINGW_ANSI_STDIO=1")
# Programs need no mingw runtime DLLs next to them under wine or Windows.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")
