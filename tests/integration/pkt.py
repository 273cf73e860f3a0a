#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Send hand-made Ethernet frames out of a kernel interface (AF_PACKET).

Used by the integration tests to feed the gateway packets that the kernel's
own stack would never send: bad checksums, fragments, TTL 0, unknown
ethertypes, runts. Run inside the test's network namespace only.

usage: pkt.py IFACE KIND --dst-mac MAC --src IP --dst IP [--count N]
"""
import argparse
import socket
import struct
import sys


def csum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def mac(s: str) -> bytes:
    return bytes(int(x, 16) for x in s.split(":"))


def ip4(src, dst, proto, payload, ttl=64, frag=0, ver=4, bad_csum=False):
    hdr = struct.pack("!BBHHHBBH4s4s", (ver << 4) | 5, 0, 20 + len(payload),
                      0x1234, frag, ttl, proto, 0,
                      socket.inet_aton(src), socket.inet_aton(dst))
    c = csum(hdr)
    if bad_csum:
        c ^= 0x5555
    return hdr[:10] + struct.pack("!H", c) + hdr[12:] + payload


def icmp(typ=8, code=0, bad_csum=False, data=b"meshgw-test-payload"):
    body = struct.pack("!BBHHH", typ, code, 0, 0x4d47, 1) + data
    c = csum(body)
    if bad_csum:
        c ^= 0x00FF
    return body[:2] + struct.pack("!H", c) + body[4:]


def arp(op, sha, sip, tha, tip):
    return struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, op, sha,
                       socket.inet_aton(sip), tha, socket.inet_aton(tip))


def build(kind, a, src_mac):
    eth_ip = 0x0800
    if kind == "echo":
        return eth_ip, ip4(a.src, a.dst, 1, icmp())
    if kind == "bad-ip-cksum":
        return eth_ip, ip4(a.src, a.dst, 1, icmp(), bad_csum=True)
    if kind == "fragment":
        return eth_ip, ip4(a.src, a.dst, 1, icmp(), frag=0x2000)
    if kind == "ttl0":
        return eth_ip, ip4(a.src, a.dst, 1, icmp(), ttl=0)
    if kind == "bad-version":
        return eth_ip, ip4(a.src, a.dst, 1, icmp(), ver=6)
    if kind == "bad-icmp-cksum":
        return eth_ip, ip4(a.src, a.dst, 1, icmp(bad_csum=True))
    if kind == "icmp-timestamp":
        return eth_ip, ip4(a.src, a.dst, 1, icmp(typ=13, data=b"\0" * 12))
    if kind == "udp":
        udp = struct.pack("!HHHH", 5000, 5001, 12, 0) + b"abcd"
        return eth_ip, ip4(a.src, a.dst, 17, udp)
    if kind == "tcp-syn":
        tcp = struct.pack("!HHIIBBHHH", a.sport, a.dport, 1000, 0, 5 << 4, 0x02,
                          65535, 0, 0)
        pseudo = socket.inet_aton(a.src) + socket.inet_aton(a.dst) + \
            struct.pack("!BBH", 0, 6, len(tcp))
        tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
        return eth_ip, ip4(a.src, a.dst, 6, tcp)
    if kind == "bad-total-len":
        return eth_ip, b"\x45\x00\x00"
    if kind == "unknown-ethertype":
        return 0x88B5, b"local experimental ethertype"
    if kind == "arp-request":
        return 0x0806, arp(1, src_mac, a.src, b"\0" * 6, a.dst)
    raise SystemExit(f"unknown kind {kind}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("iface")
    p.add_argument("kind")
    p.add_argument("--dst-mac", required=True)
    p.add_argument("--src", required=True)
    p.add_argument("--dst", required=True)
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--dport", type=int, default=80, help="TCP destination port")
    p.add_argument("--sport", type=int, default=40000,
                   help="TCP source port (tcp-syn: the first of --count)")
    a = p.parse_args()
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((a.iface, 0))
    src_mac = s.getsockname()[4]
    for i in range(a.count):
        etype, payload = build(a.kind, a, src_mac)
        frame = mac(a.dst_mac) + src_mac + struct.pack("!H", etype) + payload
        if len(frame) < 60:
            frame += b"\0" * (60 - len(frame))
        s.send(frame)
        if a.kind == "tcp-syn":  # each SYN its own flow
            a.sport += 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
