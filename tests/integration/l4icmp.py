#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Packet-level checks of meshgw's full NAT, from the kernel side of its
TAP port (run inside the test's network namespace; needs root).

  l4icmp.py frag IFACE CLIENT_IP VIP PORT MTU
      A UDP socket at CLIENT_IP sends to VIP:PORT. When the NATed datagram
      comes out toward its endpoint, this script answers it as a router
      would: ICMP fragmentation needed (next-hop MTU) from the endpoint's
      address to the gateway, quoting the NATed header. The client must
      receive that error translated: from VIP, about its own datagram
      (CLIENT_IP:sport -> VIP:PORT), MTU kept, checksums right; and its
      kernel must take it (the route to VIP caches the MTU).

  l4icmp.py ack VIP PORT
      Send a bare TCP ACK to VIP:PORT from a port no flow has (the full
      NAT must drop it: nat_no_flow).

  l4icmp.py mss IFACE VIP PORT MSS
      A TCP connection to VIP:PORT; the SYN that reaches the endpoint
      must carry an MSS option of at most MSS.

Prints "ok ..." and exits 0, or prints what was wrong and exits 1.
"""
import socket
import struct
import subprocess
import sys
import time

ETH_P_IP = 0x0800


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def capture(iface, want, timeout=5):
    """The first IPv4 packet on iface for which want(ip_bytes) holds."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                      socket.htons(ETH_P_IP))
    s.bind((iface, 0))
    s.settimeout(timeout)
    return s, want


def wait_capture(cap, deadline):
    s, want = cap
    while time.time() < deadline:
        try:
            frame = s.recv(65535)
        except socket.timeout:
            break
        ip = frame[14:]
        if len(ip) >= 28 and ip[0] >> 4 == 4 and want(ip):
            return ip
    return None


def frag(iface, client, vip, port, mtu):
    ips = socket.inet_aton
    cap = capture(iface, lambda ip: ip[9] == 17 and ip[12:16] == ips(vip)
                  and struct.unpack("!H", ip[22:24])[0] != port
                  and ip[16:20] != ips(client))
    icmp_rx = socket.socket(socket.AF_INET, socket.SOCK_RAW,
                            socket.IPPROTO_ICMP)
    icmp_rx.settimeout(5)
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind((client, 0))
    u.connect((vip, port))
    sport = u.getsockname()[1]
    u.send(b"x" * 200)
    nat = wait_capture(cap, time.time() + 5)
    if nat is None:
        print("no NATed datagram seen toward an endpoint")
        return 1
    ihl = (nat[0] & 15) * 4
    endpoint = socket.inet_ntoa(nat[16:20])
    # the router's error: endpoint -> gateway, quoting header + 8 bytes
    quote = nat[:ihl + 8]
    icmp = struct.pack("!BBHHH", 3, 4, 0, 0, mtu) + quote
    icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
    tot = 20 + len(icmp)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, tot, 0, 0, 64, 1, 0,
                      ips(endpoint), ips(vip))
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    raw.sendto(hdr + icmp, (vip, 0))
    deadline = time.time() + 5
    while time.time() < deadline:
        try:
            pkt, _ = icmp_rx.recvfrom(65535)
        except socket.timeout:
            break
        oihl = (pkt[0] & 15) * 4
        ic = pkt[oihl:]
        if len(ic) < 8 + 28 or ic[0] != 3:
            continue
        inner = ic[8:]
        iihl = (inner[0] & 15) * 4
        isrc, idst = inner[12:16], inner[16:20]
        isport, idport = struct.unpack("!HH", inner[iihl:iihl + 4])
        if isrc != ips(client) or isport != sport:
            continue
        errs = []
        if pkt[12:16] != ips(vip):
            errs.append("outer source %s, not %s" %
                        (socket.inet_ntoa(pkt[12:16]), vip))
        if ic[1] != 4:
            errs.append("code %d, not 4" % ic[1])
        if struct.unpack("!H", ic[6:8])[0] != mtu:
            errs.append("MTU %d, not %d" % (struct.unpack("!H", ic[6:8])[0],
                                           mtu))
        if csum(bytes(ic)) != 0:
            errs.append("ICMP checksum wrong")
        if csum(bytes(inner[:iihl])) != 0:
            errs.append("quoted IP header checksum wrong")
        if idst != ips(vip) or idport != port:
            errs.append("quoted destination %s:%d, not %s:%d" % (
                socket.inet_ntoa(idst), idport, vip, port))
        if errs:
            print("translated error wrong: " + "; ".join(errs))
            return 1
        # the client's kernel took it: the route to VIP has the MTU
        for _ in range(20):
            out = subprocess.run(["ip", "route", "get", vip],
                                 capture_output=True, text=True).stdout
            if ("mtu %d" % mtu) in out:
                print("ok: fragmentation needed (MTU %d) from %s reached "
                      "the client as from %s; its route: %s" %
                      (mtu, endpoint, vip, " ".join(out.split())))
                return 0
            time.sleep(0.1)
        print("the client's kernel did not take the error: " + out)
        return 1
    print("no translated ICMP error reached the client")
    return 1


def mss(iface, vip, port, want):
    ips = socket.inet_aton
    cap = capture(iface, lambda ip: ip[9] == 6 and ip[12:16] == ips(vip)
                  and (ip[(ip[0] & 15) * 4 + 13] & 0x12) == 0x02)
    t = socket.create_connection((vip, port), timeout=5)
    syn = wait_capture(cap, time.time() + 5)
    t.close()
    if syn is None:
        print("no SYN seen toward an endpoint")
        return 1
    ihl = (syn[0] & 15) * 4
    th = syn[ihl:]
    hl = (th[12] >> 4) * 4
    i = 20
    while i < hl:
        kind = th[i]
        if kind == 0:
            break
        if kind == 1:
            i += 1
            continue
        if kind == 2:
            got = struct.unpack("!H", th[i + 2:i + 4])[0]
            if got > want:
                print("MSS %d reached the endpoint, more than %d" %
                      (got, want))
                return 1
            print("ok: the endpoint saw MSS %d (clamp %d)" % (got, want))
            return 0
        i += th[i + 1]
    print("the SYN has no MSS option")
    return 1


def ack(vip, port):
    ips = socket.inet_aton
    r = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
    r.connect((vip, port))
    src = r.getsockname()[0]
    th = struct.pack("!HHIIBBHHH", 40999, port, 1, 1, 5 << 4, 0x10, 1024,
                     0, 0)
    pseudo = ips(src) + ips(vip) + struct.pack("!BBH", 0, 6, len(th))
    th = th[:16] + struct.pack("!H", csum(pseudo + th)) + th[18:]
    r.send(th)
    print("ok: a bare ACK sent")
    return 0


def main():
    if sys.argv[1] == "ack":
        return ack(sys.argv[2], int(sys.argv[3]))
    if sys.argv[1] == "frag":
        return frag(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]),
                    int(sys.argv[6]))
    return mss(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))


if __name__ == "__main__":
    sys.exit(main())
