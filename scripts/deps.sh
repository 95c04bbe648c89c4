#!/bin/sh
# Installs what the build and tests need on Debian/Ubuntu.  As root it runs
# apt-get; otherwise it prints the exact command and, for `check`, goes on
# (tests that need a missing tool skip with a message).
set -e
PKGS="cmake make gcc clang libclang-rt-dev llvm lld libbpf-dev libpcap-dev libcapstone-dev gcc-mingw-w64-x86-64 wine64 qemu-user gcc-aarch64-linux-gnu libc6-dev-arm64-cross bpftool"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "deps: not a Debian system; install the equivalents of:$missing" >&2
  exit 0
fi
if [ "$(id -u)" = 0 ]; then
  echo "deps: installing:$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
else
  echo "deps: missing packages; run:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y$missing" >&2
fi
