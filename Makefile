# Front door: the README's commands.  Each target installs what it needs
# (scripts/deps.sh) and then drives CMake.
BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

.PHONY: all build check sanitize bench demo deps fuzz clean

all: build

deps:
	@sh scripts/deps.sh check

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

build: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

check: deps
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j $(JOBS)
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

sanitize: deps
	cmake -S . -B build-sanitize -DPBPF_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang $(CMAKE_FLAGS)
	cmake --build build-sanitize -j $(JOBS)
	cd build-sanitize && ctest --output-on-failure -j $(JOBS) -LE nosan
	# ThreadSanitizer: only the multi-threaded tests (label tsan)
	cmake -S . -B build-tsan -DPBPF_TSAN=ON -DPBPF_BENCH=OFF -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang $(CMAKE_FLAGS)
	cmake --build build-tsan -j $(JOBS) --target pbpf_tsan_tests
	cd build-tsan && ctest --output-on-failure -j $(JOBS) -L tsan

bench: deps
	cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)
	cmake --build build-bench -j $(JOBS)
	cmake --build build-bench --target run-bench
	cmake --build build-bench --target run-bench-maps
	cmake --build build-bench --target run-bench-verifier

demo: deps
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j $(JOBS)
	cmake --build $(BUILD) --target run-demo

fuzz: deps
	cmake -S . -B build-fuzz -DPBPF_FUZZ=ON -DPBPF_SANITIZE=ON -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug $(CMAKE_FLAGS)
	cmake --build build-fuzz -j $(JOBS)
	cd build-fuzz && ctest --output-on-failure -j $(JOBS) -L fuzz

clean:
	rm -rf $(BUILD) build-sanitize build-tsan build-bench build-fuzz build-win64 build-aarch64
