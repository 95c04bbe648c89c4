#!/usr/bin/env python3
"""Runs examples/xdp_demo.bpf.c over a capture with the pbpf tool and shows
what it did: the verdicts, the protocol counters (summed over CPUs), the
rules and the top talkers, and the speed, on each engine asked for.

Everything goes through the command line: one `pbpf batch` per engine loads
the rules into the `rules` map (from a rules file: `ADDRESS drop` or
`ADDRESS limit N`), runs the program over the capture, then dumps the maps
as JSON, all in one process (maps live as long as the process).

With --expect (the file scripts/gen_demo_pcap.py writes), every number is
compared with the generator's own count and the written packets are
checked (echo replies rewritten correctly); exit status 1 on a difference.

Standard library only.  Usage:
  xdp_demo.py --pbpf PBPF --obj xdp_demo.bpf.o --pcap IN --rules FILE --work DIR
              [--engines interp,jit] [--expect FILE.json] [--top N]
"""
import argparse
import ipaddress
import json
import os
import struct
import subprocess
import sys

STATS = ["non-IP", "VLAN-tagged", "QinQ (2 tags)", "IPv4", "IPv6", "TCP", "UDP", "ICMP/ICMPv6",
         "other L4", "IPv4 fragments", "malformed", "ping replies (TX)", "rule drops",
         "rate-limit drops", "redirected"]
ENGINE_TITLE = {"interp": "interpreter (checked mode: every access bounds-checked)",
                "jit": "x86-64 JIT"}


def rules_from(path):
    rules = []
    with open(path) as f:
        for no, line in enumerate(f, 1):
            words = line.split("#", 1)[0].split()
            if not words:
                continue
            try:
                addr = ipaddress.ip_address(words[0])
            except ValueError:
                sys.exit("%s:%d: '%s' is not an address" % (path, no, words[0]))
            if words[1:] == ["drop"]:
                rules.append((addr, 1, 0))
            elif len(words) == 3 and words[1] == "limit" and words[2].isdigit():
                rules.append((addr, 2, int(words[2])))
            elif len(words) == 3 and words[1] == "redirect" and words[2].isdigit() and \
                    0 < int(words[2]) < 8:
                rules.append((addr, 3, int(words[2])))
            else:
                sys.exit("%s:%d: expected 'ADDRESS drop', 'ADDRESS limit N' or "
                         "'ADDRESS redirect IFINDEX' (1-7)" % (path, no))
    return rules


def key_bytes(addr):
    """The program's key: IPv6, or IPv4 as IPv4-mapped IPv6."""
    if addr.version == 4:
        return b"\0" * 10 + b"\xff\xff" + addr.packed
    return addr.packed


def addr_text(b):
    if b[:12] == b"\0" * 10 + b"\xff\xff":
        return str(ipaddress.IPv4Address(b[12:]))
    return str(ipaddress.IPv6Address(b))


def hexs(b):
    return " ".join("%02x" % x for x in b)


def unhex(lst):
    return bytes(int(x, 16) for x in lst)


def u64s(b):
    return struct.unpack("<%dQ" % (len(b) // 8), b[: len(b) // 8 * 8])


def run_engine(a, engine, rules):
    batch = os.path.join(a.work, "demo-%s.batch" % engine)
    passed = os.path.join(a.work, "passed-%s.pcap" % engine)
    tx = os.path.join(a.work, "tx-%s.pcap" % engine)
    redir = os.path.join(a.work, "redirect-%s" % engine)
    with open(batch, "w") as f:
        f.write("# written by scripts/xdp_demo.py from %s\n" % a.rules)
        for addr, action, limit in rules:
            f.write("map update %s rules key %s value %s\n" % (
                a.obj, hexs(key_bytes(addr)), hexs(struct.pack("<IIQQQ", action, limit, 0, 0, 0))))
        # redirect rules: tx_port's slot N is interface N
        for ifindex in sorted({limit for _, action, limit in rules if action == 3}):
            f.write("map update %s tx_port key %s value %s\n" % (
                a.obj, hexs(struct.pack("<I", ifindex)), hexs(struct.pack("<I", ifindex))))
        f.write("run %s --prog xdp_demo --engine %s --pcap %s --out %s --tx-out %s "
                "--redirect-out %s --json\n" % (a.obj, engine, a.pcap, passed, tx, redir))
        for m in ("stats", "talkers", "rules"):
            f.write("map dump %s %s --json\n" % (a.obj, m))
    p = subprocess.run([a.pbpf, "batch", batch], stdout=subprocess.PIPE, universal_newlines=True)
    if p.returncode != 0:
        sys.exit("xdp_demo: pbpf batch %s failed (see above)" % batch)
    docs = [json.loads(line) for line in p.stdout.splitlines() if line.strip()]
    run, stats, talkers, rule_dump = docs
    res = {"run": run, "passed_pcap": passed, "tx_pcap": tx, "redirect_prefix": redir}
    res["stats"] = {}
    for e in stats:
        idx = struct.unpack("<I", unhex(e["key"]))[0]
        vals = [u64s(unhex(c["value"])) for c in e["values"]]
        res["stats"][idx] = [sum(v[0] for v in vals), sum(v[1] for v in vals)]
        res["cpus"] = len(vals)
    res["talkers"] = {addr_text(unhex(e["key"])): list(u64s(unhex(e["value"])))
                      for e in talkers}
    res["rules"] = {}
    for e in rule_dump:
        action, limit, _, _, dropped = struct.unpack("<IIQQQ", unhex(e["value"]))
        res["rules"][addr_text(unhex(e["key"]))] = (action, limit, dropped)
    return res


def show(engine, r, top):
    run = r["run"]
    print("== %s" % ENGINE_TITLE.get(engine, engine))
    print("%d packets: %s%s" % (run["packets"], "  ".join(
        "%s %d" % (k, v) for k, v in sorted(run["verdicts"].items(), key=lambda kv: -kv[1])),
        "  (%d runts skipped)" % run["skipped"] if run["skipped"] else ""))
    print("speed: %.2f Mpps, %.0f ns/packet in the hook" % (run["packets_per_s"] / 1e6,
                                                          run["ns_per_packet"]))
    print("protocols (summed over %d CPUs):" % r.get("cpus", 1))
    for i, name in enumerate(STATS):
        p, b = r["stats"].get(i, [0, 0])
        if p:
            print("  %-18s %8d packets %11d bytes" % (name, p, b))
    print("rules:")
    for addr, (action, limit, dropped) in sorted(r["rules"].items()):
        if action == 3:
            print("  %-18s %-12s %8s" % (addr, "redirect if%d" % limit, ""))
            continue
        what = "drop" if action == 1 else "limit %d/s" % limit
        print("  %-18s %-12s %8d dropped" % (addr, what, dropped))
    redirected = run.get("redirected_to", {})
    if redirected:
        print("redirected (XDP_REDIRECT through the DEVMAP tx_port), one capture per interface:")
        for ifindex, n in sorted(redirected.items(), key=lambda kv: int(kv[0])):
            print("  interface %-3s %8d packets -> %s" % (
                ifindex, n, os.path.basename("%s-if%s.pcap" % (r["redirect_prefix"], ifindex))))
    print("top talkers (of %d sources, by bytes):" % len(r["talkers"]))
    ranked = sorted(r["talkers"].items(), key=lambda kv: (-kv[1][1], kv[0]))
    for n, (addr, (p, b)) in enumerate(ranked[:top], 1):
        print("  %2d. %-18s %8d packets %11d bytes" % (n, addr, p, b))


def read_pcap(path):
    """(caplen, bytes) of each record of a pcap file (either byte order,
    micro- or nanosecond magic)."""
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    end = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    out, off = [], 24
    while off + 16 <= len(data):
        _, _, caplen, _ = struct.unpack(end + "IIII", data[off:off + 16])
        out.append(data[off + 16:off + 16 + caplen])
        off += 16 + caplen
    return out


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def src_of(fr):
    """The source address of an Ethernet frame (VLAN tags skipped)."""
    off = 12
    while fr[off:off + 2] in (b"\x81\x00", b"\x88\xa8"):
        off += 4
    ip = fr[off + 2:]
    if fr[off:off + 2] == b"\x08\x00":
        return str(ipaddress.IPv4Address(ip[12:16]))
    if fr[off:off + 2] == b"\x86\xdd":
        return str(ipaddress.IPv6Address(ip[8:24]))
    return None


def check(engine, r, exp, a_rules):
    errors = []

    def eq(what, got, want):
        if got != want:
            errors.append("%s: %s: pbpf %s, generator %s" % (engine, what, got, want))

    run = r["run"]
    eq("packets run", run["packets"], exp["packets"])
    eq("runts skipped", run["skipped"], exp["skipped"])
    for k, v in exp["verdicts"].items():
        eq("verdict %s" % k, run["verdicts"].get(k, 0), v)
    for k, v in exp["stats"].items():
        eq("stats[%s] (%s)" % (k, STATS[int(k)] if int(k) < len(STATS) else "unused"),
           r["stats"].get(int(k), [0, 0]), v)
    eq("sources", sorted(r["talkers"]), sorted(exp["talkers"]))
    for addr, v in exp["talkers"].items():
        eq("talker %s" % addr, r["talkers"].get(addr), v)
    for addr, dropped in exp["rules"].items():
        eq("rule %s dropped" % addr, r["rules"].get(addr, (0, 0, None))[2], dropped)
    # what was written: every pass, every transmit; echo replies well formed
    passed, tx = read_pcap(r["passed_pcap"]), read_pcap(r["tx_pcap"])
    eq("packets in %s" % os.path.basename(r["passed_pcap"]), len(passed), exp["verdicts"]["XDP_PASS"])
    eq("packets in %s" % os.path.basename(r["tx_pcap"]), len(tx), exp["verdicts"]["XDP_TX"])
    bad = 0
    for fr in tx:
        off = 12
        while fr[off:off + 2] in (b"\x81\x00", b"\x88\xa8"):
            off += 4
        ip = fr[off + 2:]
        ihl = (ip[0] & 15) * 4
        icmp = ip[ihl:]
        ok = (fr[off:off + 2] == b"\x08\x00" and ip[9] == 1 and icmp[0] == 0 and
              csum(icmp) == 0 and csum(ip[:ihl]) == 0 and ip[12:16] == bytes([192, 0, 2, 10]) and
              fr[6:12] == bytes([2, 0, 0x5E, 0, 0, 0x10]))
        bad += not ok
    eq("echo replies not well formed", bad, 0)
    # redirected: the count per interface, and each interface's capture
    eq("redirected to", run.get("redirected_to", {}), exp.get("redirected_to", {}))
    for ifindex, n in exp.get("redirected_to", {}).items():
        path = "%s-if%s.pcap" % (r["redirect_prefix"], ifindex)
        frames = read_pcap(path) if os.path.exists(path) else []
        eq("packets in %s" % os.path.basename(path), len(frames) if frames else None, n)
        # each from a source whose rule redirects to this interface
        srcs = {addr_text(key_bytes(addr)) for addr, action, limit in a_rules
                if action == 3 and limit == int(ifindex)}
        eq("frames in %s from other sources" % os.path.basename(path),
           sum(src_of(fr) not in srcs for fr in frames), 0)
    return errors


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pbpf", required=True)
    ap.add_argument("--obj", required=True)
    ap.add_argument("--pcap", required=True)
    ap.add_argument("--rules", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--engines", default="interp,jit")
    ap.add_argument("--expect")
    ap.add_argument("--top", type=int, default=8)
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    rules = rules_from(a.rules)
    exp = json.load(open(a.expect)) if a.expect else None
    results, errors = {}, []
    for engine in a.engines.split(","):
        results[engine] = r = run_engine(a, engine, rules)
        show(engine, r, a.top)
        if exp:
            errors += check(engine, r, exp, rules)
        print()
    engines = list(results)
    for e in engines[1:]:
        for what in ("stats", "talkers", "rules"):
            if results[e][what] != results[engines[0]][what]:
                errors.append("%s and %s disagree on %s" % (engines[0], e, what))
        if results[e]["run"]["verdicts"] != results[engines[0]]["run"]["verdicts"]:
            errors.append("%s and %s disagree on the verdicts" % (engines[0], e))
    if len(engines) > 1 and not errors:
        print("The %s gave the same verdicts and maps." % " and ".join(engines))
    if exp and not errors:
        print("Every count matches the generator's own (%d packets)." % exp["packets"])
    for e in errors:
        print("MISMATCH: " + e, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
