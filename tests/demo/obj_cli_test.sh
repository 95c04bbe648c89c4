#!/bin/sh
# The pbpf commands on ELF objects (prog, map, btf, batch): output forms,
# JSON that parses, maps that change in a batch, and failures (bad objects,
# names, bytes, arguments) that exit 1 with one line on stderr.
#   obj_cli_test.sh PBPF PROGS_DIR WORK_DIR SRC_DIR DEMO_OBJ HAVE_PCAP
set -u
PBPF=$1 PROGS=$2 T=$3 SRC=$4 DEMO=$5 PCAP=$6
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 not found"; exit 77; }
[ -f "$PROGS/legacy_maps.bpf.o" ] || { echo "SKIP: no test objects (clang missing)"; exit 77; }
rm -rf "$T" && mkdir -p "$T" || exit 1
failures=0 checks=0
LM=$PROGS/legacy_maps.bpf.o SP=$PROGS/subprogs.bpf.o GD=$PROGS/global_data.bpf.o
# an object that does not load: it calls bpf_get_current_task
UH=$PROGS/unavailable_helper.bpf.o

bad() { echo "FAIL: $*"; failures=$((failures + 1)); }

# ok DESC REGEX CMD...: exit 0, stdout matches REGEX
ok() {
    desc=$1 re=$2; shift 2; checks=$((checks + 1))
    "$@" >"$T/out" 2>"$T/err" </dev/null; rc=$?
    if [ $rc -ne 0 ]; then bad "$desc: exit $rc: $(cat "$T/err")"
    elif ! grep -q -- "$re" "$T/out"; then bad "$desc: stdout lacks '$re': $(head -5 "$T/out")"; fi
}
# json DESC PYEXPR CMD...: exit 0, stdout is one JSON document, PYEXPR (on d)
# true; the documents are checked together at the end (one python3 start)
njson=0
json() {
    desc=$1 expr=$2; shift 2; checks=$((checks + 1))
    njson=$((njson + 1))
    "$@" >"$T/json.$njson" 2>"$T/err" </dev/null; rc=$?
    if [ $rc -ne 0 ]; then bad "$desc: exit $rc: $(cat "$T/err")"; rm -f "$T/json.$njson"; return; fi
    printf '%s\t%s\t%s\n' "$njson" "$desc" "$expr" >>"$T/json.list"
}
# fail DESC REGEX CMD...: exit 1, no stdout, exactly one stderr line matching
fail() {
    desc=$1 re=$2; shift 2; checks=$((checks + 1))
    "$@" >"$T/out" 2>"$T/err" </dev/null; rc=$?
    if [ $rc -ne 1 ]; then bad "$desc: exit $rc (want 1): $(cat "$T/err")"
    elif [ "$(wc -l <"$T/err")" -ne 1 ]; then bad "$desc: want one stderr line: $(cat "$T/err")"
    elif ! grep -q -- "$re" "$T/err"; then bad "$desc: stderr lacks '$re': $(cat "$T/err")"
    elif [ -s "$T/out" ]; then bad "$desc: unexpected stdout: $(head -3 "$T/out")"; fi
}

# --- help on every command and verb ---------------------------------------
for c in prog map btf batch run; do
    ok "$c --help" "Usage: pbpf $c" "$PBPF" $c --help
done
ok "pbpf --help lists prog" "prog " "$PBPF" --help

# --- prog -----------------------------------------------------------------
ok "prog list" "0: socket_filter  name count_packets  section socket  license Dual BSD/GPL" "$PBPF" prog list "$LM"
ok "prog list maps" "maps legacy_hash,legacy_array" "$PBPF" prog list "$LM"
json "prog list --json" "len(d)==1 and d[0]['name']=='count_packets' and d[0]['type']=='socket_filter' and d[0]['maps']==['legacy_hash','legacy_array'] and d[0]['loaded'] and d[0]['license']=='Dual BSD/GPL'" "$PBPF" prog list "$LM" --json
json "prog show --prog" "[p['name'] for p in d]==['cls_b']" "$PBPF" prog show "$SP" --prog cls_b --json
json "prog list: not loadable object still listed" "len(d)>=1 and not d[0]['loaded'] and d[0]['load_error']" "$PBPF" prog list "$UH" --json
ok "dump xlated names maps" "r1 = map\[legacy_hash\] ll" "$PBPF" prog dump xlated "$LM"
ok "dump xlated names helpers" "call bpf_map_lookup_elem#1" "$PBPF" prog dump xlated "$LM"
ok "dump xlated source lines" "^; .*bpf_map_lookup_elem(&legacy_hash" "$PBPF" prog dump xlated "$LM"
ok "dump xlated subprograms" "^sum_squares:" "$PBPF" prog dump xlated "$SP" --prog cls_a
json "dump xlated --json" "d[0]['pc']==0 and all('disasm' in i and len(i['opcodes']) in (8,16) for i in d) and any(i['disasm']=='call bpf_map_update_elem#2' for i in d)" "$PBPF" prog dump xlated "$LM" --json
# the instruction count of list equals the slots dump xlated shows
n=$("$PBPF" prog list "$SP" --prog cls_a --json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["insns"])')
m=$("$PBPF" prog dump xlated "$SP" --prog cls_a --json 2>/dev/null | python3 -c 'import json,sys; print(sum(len(i["opcodes"])//8 for i in json.load(sys.stdin)))')
checks=$((checks + 1)); [ "$n" = "$m" ] || bad "insn count $n vs dumped slots $m"
fail "prog: no verb" "missing verb" "$PBPF" prog
fail "prog: bad verb" "unknown verb 'frob'" "$PBPF" prog frob "$LM"
fail "prog: no object" "missing object" "$PBPF" prog list
fail "prog: missing file" "cannot read '$T/none.o'" "$PBPF" prog list "$T/none.o"
printf '\177ELF\002\001\001garbage' >"$T/trunc.o"
fail "prog: truncated ELF" "not a BPF object" "$PBPF" prog list "$T/trunc.o"
head -c 300 "$LM" >"$T/cut.o"
fail "prog: cut ELF" "not a BPF object" "$PBPF" prog list "$T/cut.o"
echo "hello" >"$T/text.o"
fail "prog: text file" "not a BPF object" "$PBPF" prog list "$T/text.o"
fail "prog: several programs need --prog" "3 programs: name one with --prog" "$PBPF" prog dump xlated "$SP"
fail "prog: unknown --prog" "no program 'nope'" "$PBPF" prog dump xlated "$SP" --prog nope
fail "prog: dump of an object that does not load" "cannot load" "$PBPF" prog dump xlated "$UH"
ok "prog: dump jited" "call bpf_map_lookup_elem\|call 0x1" "$PBPF" prog dump jited "$LM"
fail "prog: dump jited --json" "no --json form" "$PBPF" prog dump jited "$LM" --json
fail "prog: dump what" "unknown dump 'x'" "$PBPF" prog dump x "$LM"
fail "prog: bad option" "unknown option '--frob'" "$PBPF" prog list "$LM" --frob
fail "prog: --prog without value" "needs a value" "$PBPF" prog list "$LM" --prog

# --- map ------------------------------------------------------------------
ok "map list" "1: array  name legacy_array" "$PBPF" map list "$LM"
json "map list --json" "[(m['name'],m['type'],m['key'],m['value'],m['max_entries']) for m in d]==[('legacy_hash','hash',4,8,128),('legacy_array','array',4,16,4)]" "$PBPF" map list "$LM" --json
json "map list: global data" "any(m['kind']=='data' and m['name'].endswith('.data') for m in d)" "$PBPF" map list "$GD" --json
json "map dump array --json" "len(d)==4 and d[1]['key']==['0x01','0x00','0x00','0x00'] and d[1]['value']==['0x00']*16" "$PBPF" map dump "$LM" legacy_array --json
ok "map dump hash (empty)" "Found 0 elements" "$PBPF" map dump "$LM" legacy_hash
fail "map lookup: no key in an empty hash" "no such key" "$PBPF" map lookup "$LM" legacy_hash key 01 00 00 00
fail "map: unknown map" "no map 'nope'" "$PBPF" map dump "$LM" nope
fail "map: key size" "key is 2 bytes, the map's keys are 4" "$PBPF" map lookup "$LM" legacy_hash key 01 00
fail "map: bad hex" "key" "$PBPF" map lookup "$LM" legacy_hash key zz 00 00 00
fail "map: value size" "value is 3 bytes, the map's values are 8" "$PBPF" map update "$LM" legacy_hash key 1 0 0 0 value 1 2 3
fail "map: update without value" "missing 'value BYTES'" "$PBPF" map update "$LM" legacy_hash key 1 0 0 0
fail "map: array index out of range" "update" "$PBPF" map update "$LM" legacy_array key 09 00 00 00 value 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
fail "map: pinned outside a batch" "nothing pinned at '/x'" "$PBPF" map dump pinned /x
fail "map: no verb" "missing verb" "$PBPF" map
fail "map: bad verb" "unknown verb 'frob'" "$PBPF" map frob "$LM" legacy_hash
fail "map: trailing argument" "unexpected argument 'extra'" "$PBPF" map dump "$LM" legacy_hash extra
fail "map: noexist on existing array slot" "update: File exists" "$PBPF" map update "$LM" legacy_array key 0 0 0 0 value 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 noexist

# --- batch: one process, shared maps and pins -------------------------------
cat >"$T/b1" <<B
# update, read back, pin, read through the pin, delete
map update $LM legacy_hash key 07 00 00 00 value hex 2a 00 00 00 00 00 00 00
map update "$LM" legacy_hash key 08000000 value 01 02 03 04 05 06 07 08 noexist
map lookup $LM legacy_hash key 07 00 00 00 --json
map pin $LM legacy_hash /demo/h
map dump pinned /demo/h --json
map delete pinned /demo/h key 07 00 00 00
map dump $LM legacy_hash --json
B
checks=$((checks + 1))
if "$PBPF" batch "$T/b1" >"$T/out" 2>"$T/err"; then
    python3 - "$T/out" <<'PY' || bad "batch: results: $(cat "$T/out")"
import json, sys
docs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert len(docs) == 3, docs
assert docs[0]['value'] == ['0x2a'] + ['0x00'] * 7
assert sorted(e['key'][0] for e in docs[1]) == ['0x07', '0x08']
assert [e['key'][0] for e in docs[2]] == ['0x08'] and docs[2][0]['value'][7] == '0x08'
PY
else
    bad "batch: exit $?: $(cat "$T/err")"
fi
# programs pin into the same name space as maps
cat >"$T/b5" <<B
prog pin $LM /demo/p
prog show pinned /demo/p --json
map pin $LM legacy_hash /demo/h5
B
checks=$((checks + 1))
if "$PBPF" batch "$T/b5" >"$T/out" 2>"$T/err"; then
    python3 - "$T/out" <<'PY' || bad "batch: prog pin: $(cat "$T/out")"
import json, sys
d = json.loads(open(sys.argv[1]).read())
assert d['pinned'] == '/demo/p' and d['type'] == 'socket_filter' and d['insns'] > 0, d
PY
else
    bad "batch: prog pin: exit $?: $(cat "$T/err")"
fi
printf 'prog pin %s /demo/p\nmap pin %s legacy_hash /demo/p\n' "$LM" "$LM" >"$T/b6"
fail "batch: map pinned where a program is" "something is pinned there" "$PBPF" batch "$T/b6"
printf 'map pin %s legacy_hash /demo/m\nprog show pinned /demo/m\n' "$LM" >"$T/b7"
fail "batch: a map is no program" "'/demo/m' is pinned, but not as a program" "$PBPF" batch "$T/b7"
fail "prog: pinned outside a batch" "no program pinned at '/x'" "$PBPF" prog show pinned /x
fail "prog: pin without path" "missing pin path" "$PBPF" prog pin "$LM"
printf 'map dump %s legacy_hash\nmap frob\n' "$LM" >"$T/b2"
checks=$((checks + 1))
"$PBPF" batch "$T/b2" >"$T/out" 2>"$T/err"; rc=$?
[ $rc -eq 1 ] && [ "$(wc -l <"$T/err")" -eq 1 ] && grep -q "b2:2: map: unknown verb 'frob'" "$T/err" \
    || bad "batch: failing line: exit $rc: $(cat "$T/err")"
printf 'map dump "%s legacy_hash\n' "$LM" >"$T/b3"
fail "batch: unterminated quote" "b3:1: unterminated quote" "$PBPF" batch "$T/b3"
printf 'batch x\n' >"$T/b4"
fail "batch: nesting" "do not nest" "$PBPF" batch "$T/b4"
fail "batch: missing file" "cannot read" "$PBPF" batch "$T/none"
fail "batch: binary file" "not a text file" "$PBPF" batch "$LM"

# --- btf ------------------------------------------------------------------
ok "btf dump raw" "STRUCT '__sk_buff' size=12 vlen=3" "$PBPF" btf dump "$SP"
ok "btf dump raw: FUNC" "FUNC 'cls_a' type_id=[0-9]* linkage=global" "$PBPF" btf dump "$SP"
json "btf dump --json" "any(t['kind']=='STRUCT' and t['name']=='__sk_buff' and [m['name'] for m in t['members']]==['len','pkt_type','mark'] for t in d) and [t['id'] for t in d]==list(range(1,len(d)+1))" "$PBPF" btf dump "$SP" --json
# the C form compiles, where there is a C compiler
for o in "$LM" "$SP" "$PROGS/btf_maps.bpf.o" "$GD"; do
    checks=$((checks + 1))
    "$PBPF" btf dump "$o" --format c >"$T/types.h" 2>"$T/err" || { bad "btf dump c $o: $(cat "$T/err")"; continue; }
    if command -v cc >/dev/null 2>&1; then
        cc -fsyntax-only -x c "$T/types.h" 2>"$T/cc" || bad "btf dump c $o does not compile: $(head -5 "$T/cc")"
    fi
done
fail "btf: bad format" "unknown format 'x'" "$PBPF" btf dump "$SP" --format x
fail "btf: c with json" "--json goes with --format raw" "$PBPF" btf dump "$SP" --format c --json
fail "btf: not BTF" "BTF" "$PBPF" btf dump "$T/text.o"
fail "btf: no verb" "missing verb" "$PBPF" btf

# --- run OBJ ----------------------------------------------------------------
ETH="02 00 5e 00 00 10 02 00 5e 00 00 20 08 00"
IP4="45 00 00 1c 00 01 00 00 40 11 00 00 0a 00 00 01 c0 00 02 0a"
UDP="30 39 00 35 00 08 00 00"
# count_packets returns 0 (its array lookup succeeds): a socket filter's "drop"
ok "run: socket filter on bytes" "retval: 0" "$PBPF" run "$LM" --data-in "$ETH $IP4 $UDP"
json "run --data-in --json" "d['retval']==0 and len(d['data_out'])==42 and d['repeat']==3" "$PBPF" run "$LM" --data-in "$ETH $IP4 $UDP" --repeat 3 --json
fail "run: bad hex" "--data-in" "$PBPF" run "$LM" --data-in "zz"
fail "run: runt frame" "Ethernet" "$PBPF" run "$LM" --data-in "00 01 02"
fail "run: --data-in and --pcap" "exclude each other" "$PBPF" run "$LM" --data-in 00 --pcap x
fail "run: --out without --pcap" "go with --pcap" "$PBPF" run "$LM" --out x
fail "run: several programs" "name one with --prog" "$PBPF" run "$SP" --data-in "$ETH"
fail "run: object that does not load" "cannot load" "$PBPF" run "$UH"
fail "run: bad repeat" "--repeat needs" "$PBPF" run "$LM" --repeat 0
if [ -f "$DEMO" ]; then
    ok "run: xdp on an ARP frame" "retval: 2 (XDP_PASS)" "$PBPF" run "$DEMO" --data-in "ff ff ff ff ff ff $ETH 08 06 00 01 08 00 06 04 00 01"
    # an echo request comes back as the reply: addresses swapped, type 0
    ok "run: xdp rewrite" "retval: 3 (XDP_TX)" "$PBPF" run "$DEMO" --data-in "$ETH 45 00 00 1c 00 01 00 00 40 01 00 00 0a 00 00 01 c0 00 02 0a 08 00 e5 cb 12 34 00 00"
    grep -q "data_out (42 bytes): 02 00 5e 00 00 20 02 00 5e 00 00 10 08 00 45 00 00 1c 00 01 00 00 40 01 00 00 c0 00 02 0a 0a 00 00 01 00 00 ed cb 12 34 00 00" "$T/out" \
        || bad "run: xdp rewrite: $(cat "$T/out")"
    json "run --engine jit --data-in" "d['verdict']=='XDP_TX'" "$PBPF" run "$DEMO" --engine jit --data-in "$ETH 45 00 00 1c 00 01 00 00 40 01 00 00 0a 00 00 01 c0 00 02 0a 08 00 e5 cb 12 34 00 00" --json
fi
if [ "$PCAP" = ON ] && [ -f "$DEMO" ]; then
    python3 "$SRC/scripts/gen_demo_pcap.py" "$T/small.pcap" --count 300 --seed 3 --expect "$T/small.json" || bad "gen_demo_pcap"
    json "run --pcap xdp" "d['packets']+d['skipped']==300 and d['passed']+d['transmitted']+d['dropped']==d['packets'] and sum(d['verdicts'].values())==d['packets'] and d['ns_per_packet']>0" "$PBPF" run "$DEMO" --pcap "$T/small.pcap" --out "$T/o.pcap" --json
    json "run --pcap --repeat 2" "d['packets']+d['skipped']==600" "$PBPF" run "$DEMO" --pcap "$T/small.pcap" --repeat 2 --json
    ok "run --pcap text" "speed: .* Mpps, .* ns/packet" "$PBPF" run "$DEMO" --pcap "$T/small.pcap"
    ok "run --pcap progress when asked" "packets" "$PBPF" run "$DEMO" --pcap "$T/small.pcap" --progress
    # socket filter (returns 0: everything dropped); tc: every packet counted
    json "run --pcap socket filter" "d['type']=='socket_filter' and d['dropped']==d['packets']>0 and d['verdicts'].get('dropped (0)')==d['packets'] and d['packets']+d['skipped']==300" "$PBPF" run "$LM" --pcap "$T/small.pcap" --out "$T/sf.pcap" --json
    json "run --pcap tc" "d['type']=='sched_cls' and sum(d['verdicts'].values())==d['packets']" "$PBPF" run "$SP" --prog cls_plain --pcap "$T/small.pcap" --json
    head -c 5000 "$T/small.pcap" >"$T/cut.pcap"
    fail "run: capture cut mid-record" "truncated" "$PBPF" run "$DEMO" --pcap "$T/cut.pcap"
    fail "run: not a capture" "cannot read '$T/text.o'" "$PBPF" run "$DEMO" --pcap "$T/text.o"
    fail "run: no capture" "cannot read" "$PBPF" run "$DEMO" --pcap "$T/none.pcap"
    fail "run: unwritable output" "cannot write" "$PBPF" run "$DEMO" --pcap "$T/small.pcap" --out "$T/no/such/dir.pcap"
    printf '\324\303\262\241\002\000\004\000\000\000\000\000\000\000\000\000\377\377\000\000\161\000\000\000' >"$T/sll.pcap"
    fail "run: not Ethernet" "only Ethernet captures" "$PBPF" run "$DEMO" --pcap "$T/sll.pcap"
    # devices: hooks_msg's xdp_dev writes the ingress device into byte 7
    # of each frame and passes it when bytes 26..29 are all ones
    python3 - "$T/dev.pcap" <<'PY'
import struct, sys
f = bytearray(100); f[12] = 8; f[26:30] = b"\xff" * 4
with open(sys.argv[1], "wb") as o:
    o.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for i in range(3):
        o.write(struct.pack("<IIII", i, 0, 100, 100) + bytes(f))
PY
    HM=$PROGS/hooks_msg.bpf.o
    ok "run --pcap --netdev --ifindex" "passed 3" "$PBPF" run "$HM" --prog xdp_dev --pcap "$T/dev.pcap" --out "$T/devout.pcap" --netdev 5,eth5,02:00:00:00:00:05,1500 --ifindex 5
    python3 -c 'import sys; d=open(sys.argv[1],"rb").read(); sys.exit(0 if d[24+16+7]==5 else 1)' "$T/devout.pcap" || bad "run --pcap --ifindex 5: the program saw another device"
    fail "run: --ifindex of no device" "ifindex 6: no such device" "$PBPF" run "$HM" --prog xdp_dev --pcap "$T/dev.pcap" --ifindex 6
    fail "run: --netdev of the loopback" "must be 2 or more" "$PBPF" run "$HM" --prog xdp_dev --pcap "$T/dev.pcap" --netdev 1,lo,00:00:00:00:00:00
    fail "run: --netdev malformed" "want IFINDEX,NAME,MAC" "$PBPF" run "$HM" --prog xdp_dev --pcap "$T/dev.pcap" --netdev 5,eth5,zz
fi
fail "run: --netdev without --pcap" "go with --pcap" "$PBPF" run "$LM" --netdev 5,eth5,02:00:00:00:00:05

# the JSON documents: each parses and its expression holds
if [ -f "$T/json.list" ]; then
    out=$(python3 - "$T" <<'PY'
import json, sys
t = sys.argv[1]
for line in open(t + "/json.list"):
    n, desc, expr = line.rstrip("\n").split("\t", 2)
    try:
        d = json.load(open("%s/json.%s" % (t, n)))
        ok = eval(expr)
    except Exception as e:
        ok, expr = False, "%s (%s)" % (expr, e)
    if not ok:
        print("FAIL: %s: '%s' is false: %s" % (desc, expr, open("%s/json.%s" % (t, n)).read()[:300]))
PY
)
    if [ -n "$out" ]; then
        echo "$out"
        failures=$((failures + $(echo "$out" | grep -c '^FAIL')))
    fi
fi

echo "$checks checks, $failures failed"
[ $failures -eq 0 ]
