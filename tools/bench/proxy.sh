#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# HTTP/1.1 reverse proxy benchmark, side by side on this machine (needs
# root, a built tree, and Debian's wrk, nginx-light and haproxy):
#
#   wrk ──veth─▶ meshgw (1 worker, net_af_packet) ──veth─▶ nginx backend
#   wrk ──veth─▶ nginx (1 worker, upstream keepalive) ──veth─▶ same backend
#   wrk ──veth─▶ HAProxy (1 thread, http-reuse) ─────veth─▶ same backend
#
# meshgw's port is net_af_packet on a veth (PACKET_MMAP rings: no system
# call per received packet), so all three pay the same kernel path to the
# client; MESHGW_PORT=tap puts it behind a TAP instead (net_tap raises a
# SIGIO per received packet and reads each with a system call).
#
# The proxy under test has CPU 1 to itself (meshgw's worker lcore, taskset
# for the peers); wrk, the backend and meshgw's control thread share
# CPU 0. Every proxy adds the same request headers (X-Forwarded-For,
# -Proto, X-Request-ID) and none writes an access log. Two rounds per
# proxy: keep-alive requests, and one request per connection. Printed: a
# table of requests/s, p50/p99 latency and CPU per request, with ratios
# measured in this run; written: the same as JSON.
#
# CPU per request, three ways: "CPU" is meshgw's worker busy cycles (idle
# polls left out) and the peers' process user+system time (what `top`
# shows); "own" leaves the kernel out: meshgw's busy cycles outside the
# device's rx/tx calls (for TAP, the read/write system calls) and the
# peers' user time; "CPU1" is everything CPU 1 did, softirq included, as
# kernel work a process triggers is not all charged to it (meshgw polls,
# so its CPU1 figure is the whole core however busy it is).
#
# TLS=1 makes it the TLS termination benchmark: each proxy terminates
# HTTPS (TLS 1.3, X25519) with an ECDSA P-256 certificate on one port and
# an RSA-2048 one on another, and proxies in plain HTTP to the same
# backend. Three rounds per proxy: keep-alive HTTPS requests, then one
# request per connection (wrk resumes no session: each is a full
# handshake) with ECDSA and with RSA. Beside them, the crypto ceiling of
# CPU 1 from `openssl speed` (before any proxy starts): a server's full
# handshake costs one signature and two X25519 operations (key share and
# secret), so the ceiling is 1 / (1/sign + 2/x25519) handshakes/s. As
# wrk's own handshakes (a signature check each) share CPU 0 with the
# backend, the client can be what limits the rate: the ratio to the
# ceiling is taken on CPU time per handshake (meshgw's busy cycles, the
# peers' process time), which does not depend on who waits for whom.
#
#
# OBS=1 measures what telemetry costs meshgw instead (no peers): the same
# rounds with spec.telemetry off (no Istio metrics, no access log) and on
# (Istio metrics, the access log in Istio's text format to a file,
# tracing at Istio's 1 % sampling), each variant in its own meshgw
# process, alternated three times; printed: the medians and the cost in
# requests/s and in busy cycles per request.
#
#   [TLS=1 | OBS=1] tools/bench/proxy.sh [SECONDS] [CONNECTIONS] [JSON-OUT]
set -euo pipefail
cd "$(dirname "$0")/../.."
SECS=${1:-10}
CONNS=${2:-64}
TLS=${TLS:-0}
OBS=${OBS:-0}
if [ "$TLS" = 1 ]; then
	JSON_OUT=${3:-build/bench-tls.json}
elif [ "$OBS" = 1 ]; then
	JSON_OUT=${3:-build/bench-telemetry.json}
else
	JSON_OUT=${3:-build/bench-proxy.json}
fi
MESHGW=${MESHGW:-build/dataplane/main/meshgw}
[ -x "$MESHGW" ] || { echo "build first (tools/test.sh or ninja -C build)" >&2; exit 1; }
for t in wrk nginx haproxy taskset; do
	command -v "$t" >/dev/null ||
		{ echo "missing $t: apt-get install wrk nginx-light haproxy" >&2; exit 1; }
done
[ "$(nproc)" -ge 2 ] || { echo "needs 2 CPUs" >&2; exit 1; }

NS=mgpx-$$      # wrk, the backend, meshgw
NSP=mgpxp-$$    # nginx and HAProxy as proxies
TMP=$(mktemp -d)
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	ip netns del "$NS" 2>/dev/null || true
	ip netns del "$NSP" 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT
in_ns() { ip netns exec "$NS" "$@"; }
status() { in_ns curl -s 127.0.0.1:15000/api/v1/status |
	python3 -c 'import json,sys; s=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }
# CPU ticks (USER_HZ) a process used; all non-idle ticks of CPU 1
proc_ticks() { awk '{print $14 " " $15}' "/proc/$1/stat"; }
cpu1_ticks() { awk '$1 == "cpu1" {print $2 + $3 + $4 + $7 + $8}' /proc/stat; }
HZ=$(getconf CLK_TCK)

# --- TLS: the ceiling and the certificates --------------------------------------
SPEED='{}'
if [ "$TLS" = 1 ]; then
	taskset -c 1 openssl speed -seconds 3 ecdsap256 rsa2048 ecdhx25519 \
		>"$TMP/speed.txt" 2>/dev/null
	SPEED=$(python3 - "$TMP/speed.txt" <<'PY'
import json, re, sys
t = open(sys.argv[1]).read()
rsa = float(re.search(r"^rsa 2048 bits\s+\S+\s+\S+\s+([\d.]+)", t, re.M).group(1))
ec = float(re.search(r"^\s*256 bits ecdsa \(nistp256\)\s+\S+\s+\S+\s+([\d.]+)", t, re.M).group(1))
x = float(re.search(r"^\s*253 bits ecdh \(X25519\)\s+\S+\s+([\d.]+)", t, re.M).group(1))
print(json.dumps({"rsa2048_sign_per_s": rsa, "ecdsap256_sign_per_s": ec,
                  "x25519_per_s": x,
                  "ecdsa_handshake_ceiling": 1 / (1 / ec + 2 / x),
                  "rsa_handshake_ceiling": 1 / (1 / rsa + 2 / x)}))
PY
)
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-subj /CN=bench.test -days 2 -keyout "$TMP/ec.key" \
		-out "$TMP/ec.crt" 2>/dev/null
	openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=bench.test \
		-days 2 -keyout "$TMP/rsa.key" -out "$TMP/rsa.crt" 2>/dev/null
	cat "$TMP/ec.crt" "$TMP/ec.key" >"$TMP/ec.pem"
	cat "$TMP/rsa.crt" "$TMP/rsa.key" >"$TMP/rsa.pem"
fi

# --- the topology -------------------------------------------------------------
ip netns add "$NS"
ip netns add "$NSP"
for n in "$NS" "$NSP"; do
	ip netns exec "$n" ip link set lo up
	ip netns exec "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
done
ip link add mgpa type veth peer name mgpb
ip link set mgpa netns "$NS"
ip link set mgpb netns "$NSP"
in_ns ip addr add 198.18.253.1/24 dev mgpa
in_ns ip link set mgpa up
ip netns exec "$NSP" ip addr add 198.18.253.2/24 dev mgpb
ip netns exec "$NSP" ip link set mgpb up

# the backend: nginx, one worker on CPU 0, a 13-byte answer
mkdir -p "$TMP/backend" "$TMP/nginx" "$TMP/haproxy"
cat >"$TMP/backend/nginx.conf" <<EOC
daemon off;
master_process off;
worker_processes 1;
pid $TMP/backend/nginx.pid;
error_log $TMP/backend/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 1000000;
    client_body_temp_path $TMP/backend;
    server {
        listen 8080 reuseport backlog=4096;
        location / { return 200 "hello, world\n"; }
    }
}
EOC
# (ip netns exec and taskset exec: $! is the server, stopped by PID)
ip netns exec "$NS" taskset -c 0 nginx -c "$TMP/backend/nginx.conf" \
	-e "$TMP/backend/error.log" &
PIDS+=($!)

# meshgw: its worker on CPU 1, busy polling
if [ "${MESHGW_PORT:-af_packet}" = tap ]; then
	GW_DEVICE=net_tap0,iface=mgp0
	GW_IF=mgp0
else
	# the kernel peer must not hand af_packet partial checksums or GSO
	in_ns ip link add mgq-gw type veth peer name mgq-k
	in_ns ip link set mgq-gw up
	in_ns ethtool -K mgq-k tx off tso off gso off >/dev/null
	GW_DEVICE=net_af_packet0,iface=mgq-gw
	GW_IF=mgq-k
fi
GW_HTTPS= HAP_HTTPS= GW_TLS_SPEC= HAP_GLOBAL= NGX_HTTPS=
if [ "$TLS" = 1 ]; then
	# every handshake full: no resumption anywhere (wrk keeps its
	# session across reconnects, SSL_clear(), and would resume)
	GW_TLS_SPEC="  tls: {sessionTicketRotationSeconds: 0}"
	GW_HTTPS="  - port: {number: 443, name: https-ec, protocol: HTTPS}
    hosts: [\"*\"]
    tls: {mode: SIMPLE, serverCertificate: $TMP/ec.crt, privateKey: $TMP/ec.key}
  - port: {number: 444, name: https-rsa, protocol: HTTPS}
    hosts: [\"*\"]
    tls: {mode: SIMPLE, serverCertificate: $TMP/rsa.crt, privateKey: $TMP/rsa.key}"
	HAP_GLOBAL="    tune.ssl.cachesize 0"
	HAP_HTTPS="    bind :8443 ssl crt $TMP/ec.pem no-tls-tickets
    bind :8444 ssl crt $TMP/rsa.pem no-tls-tickets"
fi
# gw_start [TELEMETRY-SPEC]: meshgw with the Dataplane's telemetry lines
gw_start() {
cat >"$TMP/gw.yaml" <<EOC
apiVersion: meshgw.io/v1alpha1
kind: Dataplane
metadata: {name: bench}
spec:
  workers: 1
  memoryMB: 512
  idleSleepUs: 0
$GW_TLS_SPEC
${1:-}
  ports:
  - {name: eth0, device: "$GW_DEVICE", address: 198.18.252.2/24}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: bench}
spec:
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["*"]
$GW_HTTPS
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: backend}
spec:
  hosts: [backend.bench]
  resolution: STATIC
  ports: [{number: 8080, name: http}]
  endpoints: [{address: 198.18.252.1}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: bench}
spec:
  hosts: ["*"]
  gateways: [bench]
  http:
  - route: [{destination: {host: backend.bench}}]
EOC
nsenter --net="/run/netns/$NS" "$MESHGW" --config "$TMP/gw.yaml" >"$TMP/gw.log" 2>&1 &
GW=$!
PIDS+=($GW)
for _ in $(seq 100); do
	[ "$(in_ns curl -s 127.0.0.1:15000/ready 2>/dev/null)" = LIVE ] && break
	sleep 0.1
done
[ "$GW_IF" = mgp0 ] && in_ns ip link set mgp0 address 02:00:c6:12:fc:01
if ! in_ns ip -4 addr show dev "$GW_IF" | grep -q 198.18.252.1/; then
	in_ns ip addr add 198.18.252.1/24 dev "$GW_IF"
fi
in_ns ip link set "$GW_IF" up
}
gw_stop() {
	local p keep=()
	kill -TERM "$GW"
	wait "$GW" || true
	for p in "${PIDS[@]}"; do [ "$p" = "$GW" ] || keep+=("$p"); done
	PIDS=("${keep[@]}")
}
gw_start

# nginx as a proxy: one worker, upstream keepalive, the same headers
NGX_LOC="        location / {
            proxy_pass http://backend;
            proxy_http_version 1.1;
            proxy_set_header Connection \"\";
            proxy_set_header Host \$host;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto \$scheme;
            proxy_set_header X-Request-ID \$request_id;
        }"
if [ "$TLS" = 1 ]; then
	NGX_HTTPS="    server {
        listen 443 ssl reuseport backlog=4096;
        ssl_session_tickets off;
        ssl_certificate $TMP/ec.crt;
        ssl_certificate_key $TMP/ec.key;
$NGX_LOC
    }
    server {
        listen 444 ssl reuseport backlog=4096;
        ssl_session_tickets off;
        ssl_certificate $TMP/rsa.crt;
        ssl_certificate_key $TMP/rsa.key;
$NGX_LOC
    }"
fi
cat >"$TMP/nginx/nginx.conf" <<EOC
daemon off;
worker_processes 1;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 1000000;
    client_body_temp_path $TMP/nginx;
    proxy_temp_path $TMP/nginx;
    upstream backend {
        server 198.18.253.1:8080;
        keepalive 256;
        keepalive_requests 1000000;
    }
    server {
        listen 80 reuseport backlog=4096;
$NGX_LOC
    }
$NGX_HTTPS
}
EOC
ip netns exec "$NSP" taskset -c 1 nginx -c "$TMP/nginx/nginx.conf" -e "$TMP/nginx/error.log" &
NGX=$!
PIDS+=($NGX)

# HAProxy: one thread, connection reuse, the same headers
cat >"$TMP/haproxy/haproxy.cfg" <<EOC
global
    nbthread 1
    maxconn 4000
$HAP_GLOBAL
defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s
    http-reuse always
frontend fe
    bind :81
$HAP_HTTPS
    option forwardfor
    unique-id-format %{+X}o\ %ci:%cp_%fi:%fp_%Ts_%rt:%pid
    unique-id-header X-Request-ID
    http-request set-header X-Forwarded-Proto https if { ssl_fc }
    http-request set-header X-Forwarded-Proto http unless { ssl_fc }
    default_backend be
backend be
    server b1 198.18.253.1:8080
EOC
ip netns exec "$NSP" taskset -c 1 haproxy -f "$TMP/haproxy/haproxy.cfg" -db &
HAP=$!
PIDS+=($HAP)
sleep 1
# the nginx proxy's worker process (its master only waits)
NGXW=$(pgrep -P "$NGX" | head -n 1)
[ -n "$NGXW" ] || { echo "nginx proxy did not start" >&2; cat "$TMP/nginx/error.log" >&2; exit 1; }
URLS=(http://198.18.252.2/ http://198.18.253.2/ http://198.18.253.2:81/)
[ "$TLS" = 1 ] && URLS=(https://198.18.252.2/ https://198.18.252.2:444/
	https://198.18.253.2/ https://198.18.253.2:444/
	https://198.18.253.2:8443/ https://198.18.253.2:8444/)
for u in "${URLS[@]}"; do
	out=$(in_ns curl -sk --max-time 5 "$u") ||
		{ echo "no answer from $u" >&2; tail "$TMP/gw.log" >&2; exit 1; }
	[ "$out" = "hello, world" ] || { echo "$u answered '$out'" >&2; exit 1; }
done

# --- the runs ------------------------------------------------------------------
# run NAME URL MODE: wrk on CPU 0 for $SECS s after a 2 s warm-up; MODE
# "ka" keeps connections, "close" sends Connection: close on each request
run() {
	local name=$1 url=$2 mode=$3 hdr=() c0 c1 p0 p1 b0 b1 d0 d1 out
	local h0=0 h1=0 k0=0 k1=0 r0=0 r1=0
	[ "$mode" != ka ] && hdr=(-H "Connection: close")
	in_ns taskset -c 0 wrk -t1 -c"$CONNS" -d2s "${hdr[@]}" "$url" >/dev/null
	c0=$(cpu1_ticks)
	case $name in
	meshgw) b0=$(status 's["workers"][0]["busy_cycles"]')
		d0=$(status 's["workers"][0]["device_cycles"]')
		h0=$(status 's["tls"]["handshakes"]')
		k0=$(status 's["tls"]["handshake_cycles"]')
		r0=$(status 's["tls"]["resumed"]') ;;
	nginx) p0=$(proc_ticks "$NGXW") ;;
	haproxy) p0=$(proc_ticks "$HAP") ;;
	esac
	if [ "${PERF_RUN:-}" = "$name-$mode" ]; then
		perf record -q -e cpu-clock -C 1 -a -o "$TMP/perf.data" \
			-- sleep "$SECS" 2>/dev/null &
		PERF=$!
	fi
	out=$(in_ns taskset -c 0 wrk -t1 -c"$CONNS" -d"${SECS}s" --latency \
		"${hdr[@]}" "$url")
	if [ "${PERF_RUN:-}" = "$name-$mode" ]; then
		wait "$PERF" || true
		{ perf report -i "$TMP/perf.data" --sort dso --stdio
		  perf report -i "$TMP/perf.data" --sort dso,sym --stdio; } \
			2>/dev/null | grep -v '^#' | grep -v '^$' \
			>"${PERF_OUT:-/tmp/perf-$name-$mode.txt}" || true
	fi
	c1=$(cpu1_ticks)
	case $name in
	meshgw) b1=$(status 's["workers"][0]["busy_cycles"]')
		d1=$(status 's["workers"][0]["device_cycles"]')
		h1=$(status 's["tls"]["handshakes"]')
		k1=$(status 's["tls"]["handshake_cycles"]')
		r1=$(status 's["tls"]["resumed"]')
		p0="0 0"; p1="0 0" ;;
	nginx) p1=$(proc_ticks "$NGXW"); b0=0; b1=0; d0=0; d1=0 ;;
	haproxy) p1=$(proc_ticks "$HAP"); b0=0; b1=0; d0=0; d1=0 ;;
	esac
	echo "$out" >"$TMP/wrk-$name-$mode.txt"
	python3 - "$name" "$mode" "$TMP/wrk-$name-$mode.txt" "$SECS" "$HZ" \
		"$((c1 - c0))" "$((${p1% *} - ${p0% *}))" "$((${p1#* } - ${p0#* }))" \
		"$((b1 - b0))" "$((d1 - d0))" \
		"$(status 's["tsc_hz"]')" "$((h1 - h0))" "$((k1 - k0))" "$((r1 - r0))" \
		"$ROW_TAG" >>"$TMP/rows.jsonl" <<'PY'
import json, re, sys
(name, mode, path, secs, hz, cpu1, utime, stime, busy, dev, tsc, hs,
 hs_cycles, resumed, tag) = sys.argv[1:]
text = open(path).read()
def unit(v, u):
    return float(v) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[u]
lat = {p: unit(*re.search(r"^\s+%s%%\s+([\d.]+)(us|ms|s)" % p, text,
                          re.M).groups()) for p in ("50", "99")}
reqs = int(re.search(r"(\d+) requests in", text).group(1))
errs = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
sock = re.search(r"Socket errors: (.*)", text)
row = {"proxy": name, "mode": mode, "requests": reqs,
       "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)),
       "p50_ms": lat["50"], "p99_ms": lat["99"],
       "non_2xx": int(errs.group(1)) if errs else 0,
       "socket_errors": sock.group(1) if sock else "",
       "cpu1_us_per_req": int(cpu1) / int(hz) * 1e6 / max(reqs, 1)}
if tag:
    row["tag"] = tag
us = lambda v, per: int(v) / int(per) * 1e6 / max(reqs, 1)
if name == "meshgw":
    row["handshakes"] = int(hs)
    row["resumed"] = int(resumed)
    if int(hs) > 0:
        # what the handshake steps themselves took (the worker serves
        # nothing else meanwhile): compared with the crypto's cost
        row["handshake_us"] = int(hs_cycles) / int(hs) / int(tsc) * 1e6
    row["busy_cycles_per_req"] = int(busy) / max(reqs, 1)
    row["own_cycles_per_req"] = (int(busy) - int(dev)) / max(reqs, 1)
    row["cpu_us_per_req"] = us(busy, tsc)
    row["own_us_per_req"] = us(int(busy) - int(dev), tsc)
else:
    row["cpu_us_per_req"] = us(int(utime) + int(stime), hz)
    row["own_us_per_req"] = us(utime, hz)
print(json.dumps(row))
PY
}

# what the summaries print the machine as
CPU_MODEL=$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo)
export CPU_MODEL
: >"$TMP/rows.jsonl"
ROW_TAG=
if [ "$OBS" = 1 ]; then
	TEL_OFF="  telemetry: {metrics: false}"
	TEL_ON="  telemetry:
    metrics: true
    accessLog: {path: $TMP/access.log}
    tracing: {sampling: 1}"
	gw_stop
	for round in 1 2 3; do
		for v in off on; do
			if [ "$v" = on ]; then gw_start "$TEL_ON"; else gw_start "$TEL_OFF"; fi
			ROW_TAG="$v"
			run meshgw http://198.18.252.2/ ka
			run meshgw http://198.18.252.2/ close
			gw_stop
			rm -f "$TMP/access.log"
		done
	done
	python3 - "$TMP/rows.jsonl" "$JSON_OUT" "$SECS" "$CONNS" "${GW_DEVICE%%,*}" <<'PY'
import json, os, platform, statistics, sys, time
rows = [json.loads(l) for l in open(sys.argv[1])]
cpu = os.environ["CPU_MODEL"]
print("telemetry cost (%s; %s, %d CPUs; wrk 1 thread, %s connections, %s s "
      "per run, 3 rounds per variant; meshgw on %s)" % (
          time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), cpu,
          os.cpu_count(), sys.argv[4], sys.argv[3], sys.argv[5]))
summary = {}
for mode, title in (("ka", "keep-alive"), ("close", "one request per connection")):
    med = {}
    for v in ("off", "on"):
        rs = [r for r in rows if r["mode"] == mode and r["tag"] == v]
        med[v] = {"rps": statistics.median(r["rps"] for r in rs),
                  "cycles": statistics.median(r["busy_cycles_per_req"] for r in rs),
                  "rps_all": [round(r["rps"]) for r in rs]}
    rps_cost = 1 - med["on"]["rps"] / med["off"]["rps"]
    cyc_cost = med["on"]["cycles"] / med["off"]["cycles"] - 1
    summary[mode] = {"off": med["off"], "on": med["on"],
                     "rps_cost": rps_cost, "cycles_cost": cyc_cost}
    print("\n%s" % title)
    for v in ("off", "on"):
        print("  telemetry %-3s  median %9.0f req/s %7.0f busy cycles/req  "
              "(rounds: %s)" % (v, med[v]["rps"], med[v]["cycles"],
                                 ", ".join(map(str, med[v]["rps_all"]))))
    print("  cost: %.1f %% of requests/s, %.1f %% more busy cycles per request"
          % (100 * rps_cost, 100 * cyc_cost))
doc = {"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "cpu": cpu,
       "cpus": os.cpu_count(), "kernel": platform.release(),
       "seconds": int(sys.argv[3]), "connections": int(sys.argv[4]),
       "meshgw_port": sys.argv[5], "summary": summary, "rows": rows}
os.makedirs(os.path.dirname(sys.argv[2]) or ".", exist_ok=True)
with open(sys.argv[2], "w") as f:
    json.dump(doc, f, indent=1)
print("\n(JSON: %s)" % sys.argv[2])
PY
	exit 0
fi
if [ "$TLS" = 1 ]; then
	for mode in ka close close-rsa; do
		ec=1; [ "$mode" = close-rsa ] && ec=0
		run meshgw "https://198.18.252.2:$((ec ? 443 : 444))/" "$mode"
		run nginx "https://198.18.253.2:$((ec ? 443 : 444))/" "$mode"
		run haproxy "https://198.18.253.2:$((ec ? 8443 : 8444))/" "$mode"
	done
else
	for mode in ka close; do
		run meshgw http://198.18.252.2/ "$mode"
		run nginx http://198.18.253.2/ "$mode"
		run haproxy http://198.18.253.2:81/ "$mode"
	done
fi

python3 - "$TMP/rows.jsonl" "$JSON_OUT" "$SECS" "$CONNS" "${GW_DEVICE%%,*}" \
	"$SPEED" <<'PY'
import json, os, platform, sys, time
rows = [json.loads(l) for l in open(sys.argv[1])]
secs, conns = sys.argv[3], sys.argv[4]
speed = json.loads(sys.argv[6])
tls = bool(speed)
by = {(r["proxy"], r["mode"]): r for r in rows}
cpu = os.environ["CPU_MODEL"]
print("%s benchmark (%s; %s, %d CPUs; wrk 1 thread, %s connections, "
      "%s s per run; meshgw on %s)" % (
          "TLS termination" if tls else "HTTP proxy",
          time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), cpu,
          os.cpu_count(), conns, secs, sys.argv[5]))
modes = (("ka", "keep-alive"), ("close", "one request per connection"))
if tls:
    modes = (("ka", "keep-alive HTTPS (ECDSA P-256)"),
             ("close", "full handshakes, ECDSA P-256 (one request each)"),
             ("close-rsa", "full handshakes, RSA-2048 (one request each)"))
for mode, title in modes:
    print("\n%s" % title)
    print("%-8s %9s %7s %7s %11s %11s %12s %7s" % ("proxy", "req/s",
          "p50 ms", "p99 ms", "CPU us/req", "own us/req", "CPU1 us/req",
          "errors"))
    for p in ("meshgw", "nginx", "haproxy"):
        r = by[(p, mode)]
        print("%-8s %9.0f %7.2f %7.2f %11.2f %11.2f %12.2f %7s" % (
            p, r["rps"], r["p50_ms"], r["p99_ms"], r["cpu_us_per_req"],
            r["own_us_per_req"], r["cpu1_us_per_req"],
            r["non_2xx"] or r["socket_errors"] or 0))
    m = by[("meshgw", mode)]
    for p in ("nginx", "haproxy"):
        r = by[(p, mode)]
        print("  meshgw vs %-7s requests/s %.2fx; per request: CPU %.2fx "
              "less, own code %.2fx less" % (p, m["rps"] / r["rps"],
              r["cpu_us_per_req"] / m["cpu_us_per_req"],
              r["own_us_per_req"] / m["own_us_per_req"]))
    print("  meshgw cycles per request: %.0f busy, %.0f of them its own" %
          (m["busy_cycles_per_req"], m["own_cycles_per_req"]))
    if tls and mode != "ka":
        ceil = speed["ecdsa_handshake_ceiling" if mode == "close" else
                     "rsa_handshake_ceiling"]
        m["ceiling_per_s"] = ceil
        m["vs_ceiling"] = 1e6 / ceil / m["cpu_us_per_req"]
        print("  crypto ceiling of one core (openssl speed): %.0f "
              "handshakes/s (%.1f us each)" % (ceil, 1e6 / ceil))
        for p in ("meshgw", "nginx", "haproxy"):
            r = by[(p, mode)]
            print("  %-8s at 100%% of one core: %.0f handshakes/s, %.0f%% of "
                  "the ceiling" % (p, 1e6 / r["cpu_us_per_req"],
                  100e6 / ceil / r["cpu_us_per_req"]))
        if "handshake_us" in m:
            print("  meshgw handshake steps: %.1f us each (the worker does "
                  "nothing else meanwhile), %.2fx the crypto alone" %
                  (m["handshake_us"], m["handshake_us"] * ceil / 1e6))
doc = {"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
       "cpu": cpu, "cpus": os.cpu_count(), "kernel": platform.release(),
       "seconds": int(secs), "connections": int(conns),
       "meshgw_port": sys.argv[5], "rows": rows}
if tls:
    doc["openssl_speed"] = speed
os.makedirs(os.path.dirname(sys.argv[2]) or ".", exist_ok=True)
with open(sys.argv[2], "w") as f:
    json.dump(doc, f, indent=1)
print("\n(JSON: %s)" % sys.argv[2])
PY
