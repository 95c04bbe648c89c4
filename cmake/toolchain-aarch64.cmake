# Cross build for 64-bit Arm Linux:
#   cmake -S . -B build-aarch64 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-aarch64.cmake \
#         -DPBPF_TESTS=OFF -DPBPF_BENCH=OFF
# The programs run under qemu-aarch64 -L /usr/aarch64-linux-gnu
# (tests/cross/run.sh).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(PBPF_CROSS_PREFIX aarch64-linux-gnu)
set(CMAKE_C_COMPILER ${PBPF_CROSS_PREFIX}-gcc)

set(CMAKE_FIND_ROOT_PATH /usr/${PBPF_CROSS_PREFIX})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
