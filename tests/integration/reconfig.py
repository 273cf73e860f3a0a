#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Helpers of reconfig.sh, run inside the test namespace.

    reconfig.py flip ADMIN NS N         N weight changes of VirtualService
                                        "app" (PUT with the last
                                        resourceVersion each time); prints
                                        the timings, exits 1 on any non-200
    reconfig.py split GW HOST N         N keep-alive requests to http://GW/
                                        with Host HOST; prints
                                        {"backend name": count}
    reconfig.py conflict ADMIN NS       two writers PUT with the same
                                        resourceVersion: the first 200,
                                        the second 409
    reconfig.py malformed ADMIN NS      50 malformed or wrong bodies: each
                                        must get a 4xx; prints the codes
"""
import copy
import http.client
import json
import sys

VS = "/apis/networking.istio.io/v1/namespaces/%s/virtualservices/app"


def call(admin, method, path, body=None, ctype="application/json"):
    host, port = admin.split(":")
    c = http.client.HTTPConnection(host, int(port), timeout=10)
    headers = {"Content-Type": ctype} if body is not None else {}
    if isinstance(body, str):
        body = body.encode()
    c.request(method, path, body=body, headers=headers)
    r = c.getresponse()
    data = r.read()
    c.close()
    try:
        doc = json.loads(data) if data else None
    except ValueError:
        doc = None
    return r.status, doc


def vs_with(doc, w1):
    obj = copy.deepcopy({k: doc[k] for k in ("apiVersion", "kind",
                                               "metadata", "spec")})
    route = obj["spec"]["http"][0]["route"]
    route[0]["weight"] = w1
    route[1]["weight"] = 100 - w1
    return obj


def flip(admin, ns, n):
    status, doc = call(admin, "GET", VS % ns)
    if status != 200:
        sys.exit("GET: %d %s" % (status, doc))
    compile_ms, publish_ms = [], []
    for i in range(n):
        w1 = 100 - (i * 7) % 101
        status, doc = call(admin, "PUT", VS % ns, json.dumps(vs_with(doc, w1)))
        if status != 200:
            sys.exit("change %d: %d %s" % (i, status, doc))
        compile_ms.append(doc["status"]["compileMs"])
        publish_ms.append(doc["status"]["publishMs"])
        if doc["status"]["workersPending"] != 0:
            sys.exit("change %d: a worker did not switch" % i)
    compile_ms.sort()
    publish_ms.sort()
    print(json.dumps({
        "changes": n,
        "compile_ms_p50": compile_ms[n // 2],
        "compile_ms_max": compile_ms[-1],
        "publish_ms_p50": publish_ms[n // 2],
        "publish_ms_max": publish_ms[-1],
    }))


def split(gw, host, n):
    c = http.client.HTTPConnection(gw, 80, timeout=10)
    seen = {}
    for _ in range(n):
        c.request("GET", "/split", headers={"Host": host})
        r = c.getresponse()
        body = r.read()
        if r.status != 200:
            sys.exit("status %d" % r.status)
        name = json.loads(body)["name"]
        seen[name] = seen.get(name, 0) + 1
    print(json.dumps(seen))


def conflict(admin, ns):
    status, doc = call(admin, "GET", VS % ns)
    a = vs_with(doc, 60)
    b = vs_with(doc, 40)
    s1, d1 = call(admin, "PUT", VS % ns, json.dumps(a))
    s2, d2 = call(admin, "PUT", VS % ns, json.dumps(b))
    print(s1, s2)
    if s1 != 200 or s2 != 409:
        sys.exit("want 200 then 409: %s %s" % (d1, d2))
    if d2.get("reason") != "Conflict":
        sys.exit("409 without reason Conflict: %s" % d2)


def malformed(admin, ns):
    status, doc = call(admin, "GET", VS % ns)
    good = vs_with(doc, 50)
    del good["metadata"]["resourceVersion"]
    good_s = json.dumps(good)

    def mut(f):
        o = json.loads(good_s)
        f(o)
        return json.dumps(o)

    def setp(path, v):
        def f(o):
            d = o
            for k in path[:-1]:
                d = d[k]
            d[path[-1]] = v
        return f

    path = VS % ns
    coll = "/apis/networking.istio.io/v1/namespaces/%s/virtualservices" % ns
    cases = [
        ("PUT", path, good_s[: len(good_s) // 2]),   # truncated JSON
        ("PUT", path, good_s[:10]),
        ("PUT", path, "{"),
        ("PUT", path, "[1, 2"),
        ("PUT", path, "{\"a\": 1, \"a\": 2}"),      # duplicate key
        ("PUT", path, "null"),
        ("PUT", path, "42"),
        ("PUT", path, "\"text\""),
        ("PUT", path, "{}"),
        ("PUT", path, "[]"),
        ("PUT", path, "\x00\x01\x02"),
        ("PUT", path, "key: [unclosed"),
        ("PUT", path, "a: b\n  c: d\n : :"),
        ("PUT", path, mut(setp(["kind"], "Nonsense"))),
        ("PUT", path, mut(setp(["kind"], 7))),
        ("PUT", path, mut(setp(["apiVersion"], "networking.istio.io/v9"))),
        ("PUT", path, mut(setp(["metadata"], "x"))),
        ("PUT", path, mut(setp(["metadata", "name"], 5))),
        ("PUT", path, mut(setp(["metadata", "name"], "other"))),
        ("PUT", path, mut(setp(["metadata", "name"], "Bad_Name"))),
        ("PUT", path, mut(setp(["metadata", "namespace"], "elsewhere"))),
        ("PUT", path, mut(setp(["metadata", "resourceVersion"], "abc"))),
        ("PUT", path, mut(setp(["metadata", "resourceVersion"], "1"))),
        ("PUT", path, mut(setp(["spec"], "a string"))),
        ("PUT", path, mut(setp(["spec", "hosts"], "app.example"))),
        ("PUT", path, mut(setp(["spec", "hosts"], [{"a": 1}]))),
        ("PUT", path, mut(setp(["spec", "http"], {"route": 1}))),
        ("PUT", path, mut(setp(["spec", "http", 0, "route", 0, "weight"],
                               "heavy"))),
        ("PUT", path, mut(setp(["spec", "http", 0, "route", 0, "weight"],
                               -5))),
        ("PUT", path, mut(setp(["spec", "http", 0, "route", 0,
                                "destination"], None))),
        ("PUT", path, mut(setp(["spec", "http", 0, "timeout"], "soon"))),
        ("PUT", path, mut(setp(["spec", "http", 0, "retries"],
                               {"attempts": "many"}))),
        ("PUT", path, mut(setp(["spec", "http", 0, "match"],
                               [{"uri": {"regex": "(unclosed"}}]))),
        ("PUT", path, mut(setp(["spec", "unknownField"], 1))),
        ("PUT", path, mut(setp(["extra"], 1))),
        ("PUT", path, "x" * (1024 * 1024 + 10)),          # over the limit
        ("PUT", path, json.dumps({"apiVersion": "networking.istio.io/v1",
                                  "kind": "VirtualService",
                                  "metadata": {"name": "app"},
                                  "spec": {"hosts": ["x"] * 5,
                                           "pad": "y" * (1024 * 1024)}})),
        ("POST", coll, good_s),                          # exists: 409
        ("POST", coll, mut(setp(["metadata", "name"], ""))),
        ("POST", path, good_s),                          # wrong method
        ("PATCH", path, good_s),
        ("POST", "/apis/apply", ""),
        ("POST", "/apis/apply", "[]"),
        ("POST", "/apis/apply", "[{\"kind\": 1}]"),
        ("POST", "/apis/apply", "---\nkind: Gateway\n"),
        ("POST", "/apis/apply", "[" + good_s + ", {\"apiVersion\": 3}]"),
        ("GET", "/apis/nothing.io/v1/namespaces/%s/things/x" % ns, None),
        ("GET", "/apis/networking.istio.io/v7/namespaces/%s/"
                "virtualservices/app" % ns, None),
        ("DELETE", "/apis/networking.istio.io/v1/namespaces/%s/"
                   "virtualservices/none" % ns, None),
        ("DELETE", path + "?resourceVersion=zz", None),
    ]
    codes = []
    for method, p, body in cases:
        status, _ = call(admin, method, p, body)
        codes.append(status)
    print(json.dumps(codes))
    bad = [i for i, s in enumerate(codes) if not 400 <= s < 500]
    if bad:
        sys.exit("not 4xx: cases %s -> %s" % (bad, [codes[i] for i in bad]))
    if len(cases) != 50:
        sys.exit("want 50 cases, have %d" % len(cases))


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "flip":
        flip(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif cmd == "split":
        split(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif cmd == "conflict":
        conflict(sys.argv[2], sys.argv[3])
    elif cmd == "malformed":
        malformed(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
