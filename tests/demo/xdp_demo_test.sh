#!/bin/sh
# examples/xdp_demo.bpf.c over a generated capture, through the pbpf CLI:
# every verdict, counter, talker and rule drop must equal what the
# generator counted while writing the frames, on the interpreter and the
# JIT, from pcap and from pcapng; the written packets are checked too.
#   xdp_demo_test.sh PBPF OBJ SRC_DIR WORK_DIR HAVE_JIT
set -u
PBPF=$1 OBJ=$2 SRC=$3 T=$4 JIT=$5
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 not found"; exit 77; }
rm -rf "$T" && mkdir -p "$T" || exit 1
engines=interp
case $JIT in ON|on|1|TRUE|true) engines=interp,jit ;; esac
gen() {
    python3 "$SRC/scripts/gen_demo_pcap.py" "$T/$1" --rules "$SRC/examples/xdp_demo.rules" \
        --expect "$T/expect.json" --count 6000 --seed 7 --format "$2" || exit 1
}
gen demo.pcap pcap
python3 "$SRC/scripts/xdp_demo.py" --pbpf "$PBPF" --obj "$OBJ" --pcap "$T/demo.pcap" \
    --rules "$SRC/examples/xdp_demo.rules" --work "$T/pcap" --engines "$engines" \
    --expect "$T/expect.json" || exit 1
gen demo.pcapng pcapng
python3 "$SRC/scripts/xdp_demo.py" --pbpf "$PBPF" --obj "$OBJ" --pcap "$T/demo.pcapng" \
    --rules "$SRC/examples/xdp_demo.rules" --work "$T/pcapng" --engines interp \
    --expect "$T/expect.json" || exit 1
echo "demo counts match on $engines (pcap) and interp (pcapng)"
