#!/bin/sh
# Cross-builds pbpf (core + CLI) for another OS/CPU and runs the conformance
# vectors there under an emulator:
#   run.sh mingw64 SRC BUILD CONFDIR [PROGS]   x86_64-w64-mingw32-gcc, then wine64
#   run.sh aarch64 SRC BUILD CONFDIR [PROGS]   aarch64-linux-gnu-gcc, then qemu-aarch64
# PROGS is the native build's directory of BPF objects (tests/progs built by
# clang), which the loader and timer tests read.
# The build is configured with -Werror (the project default), so it also
# checks that the code compiles warning-free for the target.  Exits 77 (skip)
# when the cross compiler or the emulator is missing.
set -u
if [ $# -ne 4 ] && [ $# -ne 5 ]; then
    echo "usage: $0 mingw64|aarch64 SRC BUILD CONFDIR [PROGS]" >&2
    exit 2
fi
target=$1 src=$2 build=$3 conf=$4 progs=${5:-}

skip() {
    echo "SKIP: $*"
    exit 77
}
fail() {
    echo "FAIL: $*" >&2
    exit 1
}

case $target in
mingw64)
    cc=x86_64-w64-mingw32-gcc
    exe=pbpf.exe
    emu=$(command -v wine64 2>/dev/null)
    [ -z "$emu" ] && [ -x /usr/lib/wine/wine64 ] && emu=/usr/lib/wine/wine64
    [ -z "$emu" ] && emu=$(command -v wine 2>/dev/null)
    [ -n "$emu" ] || skip "wine64 not found (Debian: apt-get install wine64)"
    ;;
aarch64)
    cc=aarch64-linux-gnu-gcc
    exe=pbpf
    emu=$(command -v qemu-aarch64 2>/dev/null)
    [ -n "$emu" ] || emu=$(command -v qemu-aarch64-static 2>/dev/null)
    [ -n "$emu" ] || skip "qemu-aarch64 not found (Debian: apt-get install qemu-user)"
    [ -d /usr/aarch64-linux-gnu/lib ] ||
        skip "no arm64 libc in /usr/aarch64-linux-gnu (Debian: apt-get install libc6-dev-arm64-cross)"
    ;;
*)
    echo "unknown target '$target' (expected mingw64 or aarch64)" >&2
    exit 2
    ;;
esac
command -v "$cc" >/dev/null 2>&1 || skip "cross compiler $cc not found"
mkdir -p "$build" && build=$(cd "$build" && pwd) || fail "cannot create $build"

echo "== configure and build for $target in $build"
cmake -S "$src" -B "$build" -DCMAKE_TOOLCHAIN_FILE="$src/cmake/toolchain-$target.cmake" \
    -DPBPF_TESTS=OFF -DPBPF_BENCH=OFF -DPBPF_FUZZ=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    >"$build.configure.log" 2>&1 || { cat "$build.configure.log"; fail "configure for $target"; }
cmake --build "$build" -j 2 >"$build.build.log" 2>&1 || { cat "$build.build.log"; fail "build for $target"; }
if grep -i "warning:" "$build.build.log"; then
    fail "warnings in the $target build"
fi
[ -f "$build/$exe" ] || fail "$build/$exe was not built"

# emu_once OUT NAME ARGS: program NAME of the build under the emulator,
# its output (stdout and stderr) in OUT
emu_once() {
    out=$1 name=$2
    shift 2
    case $target in
    mingw64) "$emu" "$build/$name.exe" "$@" >"$out" 2>&1 ;;
    aarch64) "$emu" -L /usr/aarch64-linux-gnu "$build/$name" "$@" >"$out" 2>&1 ;;
    esac
}
# run_exe OUT NAME ARGS: as emu_once, once more when wine itself failed.
# "wine client error" is wine's client library losing its connection to
# wineserver, before or beside the program: the program's own result is
# unknown then, not failed, so it runs again (and a second loss fails).
run_exe() {
    emu_once "$@"
    rc=$?
    if [ "$target" = mingw64 ] && grep -q "^wine client error" "$1"; then
        echo "note: wine lost its server ($(grep -m1 '^wine client error' "$1")); running $2 again"
        emu_once "$@"
        rc=$?
    fi
    return $rc
}
# run OUT ARGS: the CLI
run() {
    out=$1
    shift
    run_exe "$out" pbpf "$@"
}

if [ "$target" = mingw64 ]; then
    # A private wine prefix inside the build dir, no Mono/Gecko prompts, no
    # debug chatter.  One wineserver serves the whole run (-p: it stays up
    # between programs instead of shutting down after each and racing the
    # next one's start) and is stopped on exit; the prefix is created once
    # here (slow), not by whichever program runs first.
    export WINEPREFIX="$build/wineprefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
    ws=
    for c in "$(dirname "$emu")/wineserver64" "$(dirname "$emu")/wineserver" \
        "$(command -v wineserver 2>/dev/null)" /usr/lib/wine/wineserver64; do
        [ -n "$c" ] && [ -x "$c" ] && { ws=$c; break; }
    done
    if [ -n "$ws" ]; then
        "$ws" -p
        trap '"$ws" -k 2>/dev/null' EXIT
    fi
    "$emu" wineboot --init >"$build/wineboot.out" 2>&1 ||
        { cat "$build/wineboot.out"; fail "wineboot --init in $WINEPREFIX"; }
fi
suffix=
[ "$target" = mingw64 ] && suffix=.exe

status=0
# check OUTPUT_FILE N RC: the run ended with "N passed, 0 failed" and exit 0
check() {
    # Windows programs end lines with CR LF
    tr -d '\r' <"$1" >"$1.lf"
    grep -v '^PASS ' "$1.lf"
    if [ "$3" -ne 0 ] || ! grep -qx "$2 passed, 0 failed" "$1.lf"; then
        echo "FAIL: expected '$2 passed, 0 failed' and exit 0 (exit $3)" >&2
        status=1
    fi
}
n=$(ls "$conf"/*.data 2>/dev/null | wc -l)
nneg=$(ls "$conf"/negative/*.data 2>/dev/null | wc -l)
[ "$n" -gt 0 ] && [ "$nneg" -gt 0 ] || fail "no .data files in $conf or $conf/negative"
# verified mode: the vectors Linux refuses pass when refused for its reason
kv=
[ -f "$conf/kernel-6.18.tsv" ] && kv="--kernel-verdicts $conf/kernel-6.18.tsv"
for mode in checked verified; do
    echo "== pbpf conformance --mode $mode: $n vectors on $target"
    # shellcheck disable=SC2086
    run "$build/conformance.out" conformance --mode $mode $kv "$conf"
    check "$build/conformance.out" "$n" $?
done
echo "== pbpf conformance: $nneg malformed vectors on $target"
run "$build/conformance.out" conformance "$conf/negative"
check "$build/conformance.out" "$nneg" $?
# the JIT, where the target has one
echo "== pbpf conformance --engine jit: $n vectors on $target"
# shellcheck disable=SC2086
run "$build/conformance.out" conformance --engine jit $kv "$conf"
rc=$?
if tr -d '\r' <"$build/conformance.out" | grep -q "is not available"; then
    echo "no JIT for $target: $(tr -d '\r' <"$build/conformance.out")"
else
    check "$build/conformance.out" "$n" $rc
fi
# the JIT against the checked interpreter (r0, memory, return code) on
# every vector and on generated programs with helper calls, and W^X of the
# code pages; cmake/parts/crosstests.cmake builds these where the target has a JIT
if [ -f "$build/test_jit_conformance$suffix" ]; then
    echo "== test_jit_conformance: $n vectors, JIT = checked interpreter, on $target"
    run_exe "$build/jit.out" test_jit_conformance "$conf"
    rc=$?
    tr -d '\r' <"$build/jit.out" | tail -n 3
    if [ $rc -ne 0 ] || ! tr -d '\r' <"$build/jit.out" | grep -qx "$n vectors, 0 failed"; then
        echo "FAIL: test_jit_conformance (exit $rc)" >&2
        status=1
    fi
    for what in rows random errors harden jumps align leaf; do
        echo "== test_jit $what on $target"
        run_exe "$build/jit.out" test_jit "$what"
        rc=$?
        tr -d '\r' <"$build/jit.out" | tail -n 5
        [ $rc -eq 0 ] || { echo "FAIL: test_jit $what (exit $rc)" >&2; status=1; }
    done
fi
# the libbpf-compatible library's low-level API test, where the build has
# it (cmake/parts/compat4.cmake builds pbpf_bpf and it for Windows)
if [ -f "$build/test_compat_api$suffix" ]; then
    echo "== test_compat_api (libbpf-compatible API) on $target"
    run_exe "$build/compat.out" test_compat_api
    rc=$?
    tr -d '\r' <"$build/compat.out" | tail -n 3
    [ $rc -eq 0 ] || { echo "FAIL: test_compat_api (exit $rc)" >&2; status=1; }
fi
# the tests of the maps (threads, epochs, seqcounts), the object loader,
# the verifier and the timers the cross build has
# (cmake/parts/crosstests.cmake); the loader and timer tests read PROGS
set -- test_maps_thread_churn test_maps_seq test_maps_lookup_keys test_maps_stress \
    test_maps_user test_maps_features test_maps_reclaim test_lpm_model test_maps_prog \
    test_maps_proto test_pin test_jit_maps test_verified_load test_verifier_basic \
    test_verifier_core test_verifier_global test_verifier_slotlive "test_object btf" \
    "test_object secnames"
if [ -n "$progs" ] && [ -f "$progs/btf_maps.bpf.o" ]; then
    set -- "$@" "test_loader run $progs" "test_loader core $progs" "test_object parse $progs" \
        "test_object malformed $progs btf_maps.bpf.o" "test_timers unit $progs" \
        "test_timers engines $progs"
else
    echo "note: no BPF objects in '$progs' (no clang in the native build): loader and timer tests left out"
fi
for t in "$@"; do
    # shellcheck disable=SC2086
    set -- $t
    [ -f "$build/$1$suffix" ] || continue
    echo "== $t on $target"
    name=$1
    shift
    run_exe "$build/unit.out" "$name" "$@"
    rc=$?
    tr -d '\r' <"$build/unit.out" | tail -n 3
    [ $rc -eq 0 ] || { echo "FAIL: $name $* (exit $rc)" >&2; status=1; }
done
exit $status
