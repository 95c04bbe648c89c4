#!/usr/bin/env python3
"""Writes the demo's capture: a deterministic mix of Ethernet frames (VLAN
and QinQ tags; IPv4 with options and fragments, IPv6 with extension
headers; TCP, UDP, ICMP, ICMPv6, GRE; ARP and LLDP; malformed and cut
frames; frames cut by a small snap length), as pcap or pcapng.

It also writes what examples/xdp_demo.bpf.c must make of it, computed from
what was generated (each frame's kind is known when it is built, nothing
is parsed back) and from the rules file: the verdict counts, the `stats`
counters, the per-source packets and bytes (`talkers`), the drops per
rule and the packets redirected to each interface.  tests/demo checks the program's results against it.

Standard library only.  Usage:
  gen_demo_pcap.py OUT.pcap [--rules FILE] [--expect OUT.json] [--count N]
                   [--seed S] [--format pcap|pcapng]
"""
import argparse
import ipaddress
import json
import random
import struct
import sys

# examples/xdp_demo.bpf.c's enum stat_idx
STAT = dict(NON_IP=0, VLAN=1, QINQ=2, IPV4=3, IPV6=4, TCP=5, UDP=6, ICMP=7, OTHER_L4=8,
            FRAGMENT=9, MALFORMED=10, PING_REPLY=11, RULE_DROP=12, RATE_DROP=13, REDIRECT=14)
XDP = {0: "XDP_ABORTED", 1: "XDP_DROP", 2: "XDP_PASS", 3: "XDP_TX", 4: "XDP_REDIRECT"}
DROP, PASS, TX, REDIRECT = 1, 2, 3, 4

START_NS = 1_700_000_000 * 10**9


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def mac(n):
    return bytes([0x02, 0x00, 0x5E, (n >> 16) & 0xFF, (n >> 8) & 0xFF, n & 0xFF])


def read_rules(path):
    """`ADDRESS drop`, `ADDRESS limit N` or `ADDRESS redirect IFINDEX` lines,
    # comments."""
    rules = {}
    if not path:
        return rules
    with open(path) as f:
        for no, line in enumerate(f, 1):
            words = line.split("#", 1)[0].split()
            if not words:
                continue
            addr = ipaddress.ip_address(words[0])
            if words[1:] == ["drop"]:
                rules[key_of(addr)] = ("drop", 0)
            elif len(words) == 3 and words[1] == "limit":
                rules[key_of(addr)] = ("limit", int(words[2]))
            elif len(words) == 3 and words[1] == "redirect":
                rules[key_of(addr)] = ("redirect", int(words[2]))
            else:
                sys.exit("%s:%d: expected 'ADDRESS drop', 'ADDRESS limit N' or "
                         "'ADDRESS redirect IFINDEX'" % (path, no))
    return rules


def key_of(addr):
    """A source address as text: the program keys IPv4 sources by their
    IPv4-mapped IPv6 address (::ffff:a.b.c.d); shown here as a.b.c.d."""
    return str(addr)


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.v4_hosts = ["10.0.%d.%d" % (i // 200, 1 + i % 200) for i in range(180)]
        self.v6_hosts = ["2001:db8::%x" % (0x100 + i) for i in range(60)]
        self.server4, self.server6 = "192.0.2.10", "2001:db8:1::10"

    # --- headers -----------------------------------------------------------
    def eth(self, ethertype, tags):
        h = mac(0x10) + mac(self.r.randrange(1, 1 << 20))
        if tags == 1:
            return h + struct.pack("!HHH", 0x8100, self.r.randrange(1, 4095), ethertype)
        if tags == 2:
            return h + struct.pack("!HHHHH", 0x88A8, self.r.randrange(1, 4095), 0x8100,
                                   self.r.randrange(1, 4095), ethertype)
        return h + struct.pack("!H", ethertype)

    def ipv4(self, src, dst, proto, payload, frag_off=0, opts=b""):
        ihl = 5 + len(opts) // 4
        hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, 20 + len(opts) + len(payload),
                          self.r.randrange(65536), frag_off, 64, proto, 0,
                          ipaddress.IPv4Address(src).packed, ipaddress.IPv4Address(dst).packed)
        hdr += opts
        hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
        return hdr + payload

    def ipv6(self, src, dst, nexthdr, payload):
        return struct.pack("!IHBB16s16s", 0x60000000, len(payload), nexthdr, 64,
                           ipaddress.IPv6Address(src).packed,
                           ipaddress.IPv6Address(dst).packed) + payload

    def tcp(self, size):
        flags = self.r.choice([0x18, 0x10, 0x02, 0x12, 0x11])
        return struct.pack("!HHIIBBHHH", self.r.randrange(1024, 65536),
                           self.r.choice([80, 443, 22, 8080]), self.r.randrange(1 << 32),
                           self.r.randrange(1 << 32), 5 << 4, flags, 65535, 0, 0) + \
            bytes(self.r.getrandbits(8) for _ in range(size))

    def udp(self, size):
        return struct.pack("!HHHH", self.r.randrange(1024, 65536),
                           self.r.choice([53, 123, 443, 5353]), 8 + size, 0) + \
            bytes(self.r.getrandbits(8) for _ in range(size))

    def icmp(self, typ, size=32):
        body = struct.pack("!HH", self.r.randrange(65536), self.r.randrange(65536)) + \
            bytes(self.r.getrandbits(8) for _ in range(size))
        hdr = struct.pack("!BBH", typ, 0, 0) + body
        return hdr[:2] + struct.pack("!H", csum(hdr)) + hdr[4:]

    def size(self):
        c = self.r.random()
        if c < 0.45:
            return self.r.randrange(0, 64)
        if c < 0.75:
            return self.r.randrange(64, 600)
        return self.r.randrange(600, 1400)

    # --- one frame ---------------------------------------------------------
    def frame(self, src4, src6):
        """(bytes, facts): facts say what the program will find."""
        r = self.r
        tags = 0
        c = r.random()
        if c < 0.03:
            tags = 2
        elif c < 0.13:
            tags = 1
        f = dict(tags=tags, l3=None, src=None, l4=None, malformed_l3=False, ping=False,
                 frag=False)
        k = r.random()
        if k < 0.45:
            f.update(l3="v4", src=src4, l4="tcp")
            return self.eth(0x0800, tags) + self.ipv4(src4, self.server4, 6, self.tcp(self.size())), f
        k -= 0.45
        if k < 0.20:
            f.update(l3="v4", src=src4, l4="udp")
            return self.eth(0x0800, tags) + self.ipv4(src4, self.server4, 17, self.udp(self.size())), f
        k -= 0.20
        if k < 0.10:
            f.update(l3="v6", src=src6, l4="tcp")
            return self.eth(0x86DD, tags) + self.ipv6(src6, self.server6, 6, self.tcp(self.size())), f
        k -= 0.10
        if k < 0.05:
            f.update(l3="v6", src=src6, l4="udp")
            return self.eth(0x86DD, tags) + self.ipv6(src6, self.server6, 17, self.udp(self.size())), f
        k -= 0.05
        if k < 0.04:  # ping the server: answered by the program
            f.update(l3="v4", src=src4, l4="icmp", ping=True)
            return self.eth(0x0800, tags) + self.ipv4(src4, self.server4, 1, self.icmp(8)), f
        k -= 0.04
        if k < 0.01:  # other ICMP: echo replies, unreachables
            f.update(l3="v4", src=src4, l4="icmp")
            return self.eth(0x0800, tags) + self.ipv4(src4, self.server4, 1,
                                                      self.icmp(r.choice([0, 3, 11]))), f
        k -= 0.01
        if k < 0.01:  # ICMPv6 echo request (not answered: IPv4 only)
            f.update(l3="v6", src=src6, l4="icmp")
            return self.eth(0x86DD, tags) + self.ipv6(src6, self.server6, 58, self.icmp(128)), f
        k -= 0.01
        if k < 0.01:  # IPv6 hop-by-hop and destination options, then UDP
            f.update(l3="v6", src=src6, l4="udp")
            hbh = struct.pack("!BB", 60, 0) + b"\x01\x04\0\0\0\0"
            dst = struct.pack("!BB", 17, 1) + b"\x01\x0c" + bytes(12)
            return self.eth(0x86DD, tags) + self.ipv6(src6, self.server6, 0,
                                                      hbh + dst + self.udp(self.size())), f
        k -= 0.01
        if k < 0.01:  # GRE
            f.update(l3="v4", src=src4, l4="other")
            return self.eth(0x0800, tags) + self.ipv4(src4, self.server4, 47,
                                                      b"\0\0\x08\0" + bytes(40)), f
        k -= 0.01
        if k < 0.01:  # IPv4 with options (router alert), UDP
            f.update(l3="v4", src=src4, l4="udp")
            return self.eth(0x0800, tags) + self.ipv4(src4, self.server4, 17, self.udp(20),
                                                      opts=b"\x94\x04\0\0"), f
        k -= 0.01
        if k < 0.015:  # a fragment after the first: no transport header
            f.update(l3="v4", src=src4, l4=None, frag=True)
            return self.eth(0x0800, tags) + self.ipv4(src4, self.server4, 17, bytes(200),
                                                      frag_off=185), f
        k -= 0.015
        if k < 0.02:  # ARP
            f.update(l3="other")
            return self.eth(0x0806, tags) + struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + \
                mac(0x10) + ipaddress.IPv4Address(src4).packed + bytes(6) + \
                ipaddress.IPv4Address(self.server4).packed, f
        k -= 0.02
        if k < 0.005:  # LLDP
            f.update(l3="other")
            return self.eth(0x88CC, 0) + bytes(46), f | {"tags": 0}
        return self.malformed(src4, src6, tags, f)

    def malformed(self, src4, src6, tags, f):
        """Frames cut short or with impossible fields (the remaining ~2.5%)."""
        r = self.r
        kind = r.choice(["eth", "vlan", "qinq", "ip4short", "ihl", "ihlcut", "version",
                         "ip6short", "tcpcut", "tcpdoff", "udpcut", "icmpcut", "ext6cut"])
        full4 = lambda proto, l4: self.eth(0x0800, tags) + self.ipv4(src4, self.server4, proto, l4)
        if kind == "eth":
            f.update(tags=0, l3="bad")
            return mac(0x10)[:6] + b"\x08\x00\x45\x00", f
        if kind == "vlan":
            f.update(tags=0, l3="bad")
            return mac(0x10) + mac(0x20) + b"\x81\x00\x00", f
        if kind == "qinq":
            f.update(tags=1, l3="bad")  # the outer tag is whole and counted
            return mac(0x10) + mac(0x20) + b"\x88\xa8\x00\x05\x81\x00\x00", f
        if kind == "ip4short":
            f.update(l3="bad")
            return self.eth(0x0800, tags) + self.ipv4(src4, self.server4, 6, b"")[:12], f
        if kind == "ihl":
            f.update(l3="bad")
            ip = bytearray(self.ipv4(src4, self.server4, 6, self.tcp(10)))
            ip[0] = 0x43
            return self.eth(0x0800, tags) + bytes(ip), f
        if kind == "ihlcut":  # header length 60 in a 30-byte packet
            f.update(l3="bad")
            ip = bytearray(self.ipv4(src4, self.server4, 6, b""))
            ip[0] = 0x4F
            return self.eth(0x0800, tags) + bytes(ip) + bytes(10), f
        if kind == "version":
            f.update(l3="bad")
            ip = bytearray(self.ipv4(src4, self.server4, 6, self.tcp(10)))
            ip[0] = 0x65
            return self.eth(0x0800, tags) + bytes(ip), f
        if kind == "ip6short":
            f.update(l3="bad")
            return self.eth(0x86DD, tags) + self.ipv6(src6, self.server6, 6, b"")[:30], f
        if kind == "ext6cut":  # whole extension header, transport header cut
            f.update(l3="v6", src=src6, l4="bad")
            hbh = struct.pack("!BB", 6, 0) + b"\x01\x04\0\0\0\0"
            return self.eth(0x86DD, tags) + self.ipv6(src6, self.server6, 0, hbh + b"\0" * 6), f
        # transport headers cut: the IP header is fine (counted, rules apply)
        f.update(l3="v4", src=src4, l4="bad")
        if kind == "tcpcut":
            return full4(6, self.tcp(0)[:12]), f
        if kind == "tcpdoff":
            t = bytearray(self.tcp(8))
            t[12] = 3 << 4
            return full4(6, bytes(t)), f
        if kind == "udpcut":
            return full4(17, b"\0\x35\0"), f
        return full4(1, b"\x08\0\0\0"), f  # icmpcut


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out")
    ap.add_argument("--rules")
    ap.add_argument("--expect")
    ap.add_argument("--count", type=int, default=40000)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--format", choices=["pcap", "pcapng"], default="pcap")
    a = ap.parse_args()
    rules = read_rules(a.rules)
    g = Gen(a.seed)
    r = g.r

    # who talks: a few heavy sources (the rules' addresses among them), the rest
    heavy4 = [k for k in rules if ipaddress.ip_address(k).version == 4]
    heavy6 = [k for k in rules if ipaddress.ip_address(k).version == 6]

    def pick4():
        if heavy4 and r.random() < 0.12:
            return r.choice(heavy4)
        return g.v4_hosts[min(int(r.paretovariate(1.2)) - 1, len(g.v4_hosts) - 1)
                          if r.random() < 0.5 else r.randrange(len(g.v4_hosts))]

    def pick6():
        if heavy6 and r.random() < 0.12:
            return r.choice(heavy6)
        return r.choice(g.v6_hosts)

    stats = {i: [0, 0] for i in range(16)}
    verdicts = {name: 0 for name in XDP.values()}
    talkers = {}
    state = {k: [0, 0, 0] for k in rules}  # window_start, window_count, dropped
    redirected = {}  # ifindex -> packets

    def count(idx, n):
        stats[idx][0] += 1
        stats[idx][1] += n

    def verdict(f, n, now):
        """What xdp_demo does, from the facts of the frame (same order);
        None for frames shorter than an Ethernet header, which never reach
        an XDP program (the packet loop skips them, as a NIC drops runts)."""
        if n < 14:
            return None
        if f["tags"] >= 1:
            count(STAT["VLAN"], n)
        if f["tags"] == 2:
            count(STAT["QINQ"], n)
        if f["l3"] == "bad":
            count(STAT["MALFORMED"], n)
            return DROP
        if f["l3"] == "other":
            count(STAT["NON_IP"], n)
            return PASS
        count(STAT["IPV4" if f["l3"] == "v4" else "IPV6"], n)
        key = key_of(ipaddress.ip_address(f["src"]))
        t = talkers.setdefault(key, [0, 0])
        t[0] += 1
        t[1] += n
        if key in rules:
            action, limit = rules[key]
            st = state[key]
            if action == "drop":
                st[2] += 1
                count(STAT["RULE_DROP"], 0)
                return DROP
            if action == "redirect":
                # tx_port's slot N holds interface N (scripts/xdp_demo.py)
                count(STAT["REDIRECT"], n)
                redirected[limit] = redirected.get(limit, 0) + 1
                return REDIRECT
            if now - st[0] >= 10**9:
                st[0], st[1] = now, 0
            st[1] += 1
            if st[1] > limit:
                st[2] += 1
                count(STAT["RATE_DROP"], 0)
                return DROP
        if f["frag"]:
            count(STAT["FRAGMENT"], n)
            return PASS
        if f["l4"] == "bad":
            count(STAT["MALFORMED"], n)
            return DROP
        count({"tcp": STAT["TCP"], "udp": STAT["UDP"], "icmp": STAT["ICMP"],
               "other": STAT["OTHER_L4"]}[f["l4"]], n)
        if f["ping"]:
            count(STAT["PING_REPLY"], n)
            return TX
        return PASS

    records = []
    skipped = 0
    ts = START_NS
    for i in range(a.count):
        ts += r.randrange(1, 100) * 1000  # microseconds apart (pcap's resolution)
        data, facts = g.frame(pick4(), pick6())
        wire = len(data)
        # a few captures with a 96-byte snap length: the program sees 96 bytes
        if wire > 96 and r.random() < 0.02:
            data = data[:96]
        v = verdict(facts, len(data), ts)
        if v is None:
            skipped += 1
        else:
            verdicts[XDP[v]] += 1
        records.append((ts, data, wire))

    with open(a.out, "wb") as out:
        if a.format == "pcap":
            out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
            for ts, data, wire in records:
                out.write(struct.pack("<IIII", ts // 10**9, ts % 10**9 // 1000, len(data), wire))
                out.write(data)
        else:
            def block(btype, body):
                pad = (-len(body)) % 4
                total = 12 + len(body) + pad
                return struct.pack("<II", btype, total) + body + b"\0" * pad + \
                    struct.pack("<I", total)
            out.write(block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)))
            out.write(block(1, struct.pack("<HHI", 1, 0, 65535)))  # microseconds
            for ts, data, wire in records:
                us = ts // 1000
                out.write(block(6, struct.pack("<IIIII", 0, us >> 32, us & 0xFFFFFFFF,
                                               len(data), wire) + data))
    if a.expect:
        with open(a.expect, "w") as f:
            json.dump({"packets": a.count - skipped, "skipped": skipped, "verdicts": verdicts,
                       "stats": {str(k): v for k, v in stats.items()},
                       "talkers": talkers,
                       "redirected_to": {str(k): v for k, v in redirected.items()},
                       "rules": {k: state[k][2] for k in rules}}, f, indent=1, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
