"""Load generator for ci/bench/service-load: CONNS keep-alive connections, each
a thread sending requests one after another for SECONDS; prints one JSON line
with requests/s, latency percentiles (ms) and the status codes seen.

  service-load.py HOST PORT SECONDS CONNS get PATH
  service-load.py HOST PORT SECONDS CONNS hook BODYFILE SECRET fresh|replay

`hook` posts a signed GitHub push; `fresh` gives each post a new `after`
(a new job each), `replay` posts the same body every time (a duplicate)."""
import collections, hashlib, hmac, http.client, json, os, sys, threading, time

host, port, seconds, conns, kind = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
if kind == "get":
    path = sys.argv[6]
else:
    template = open(sys.argv[6]).read()
    secret = sys.argv[7].encode()
    fresh = sys.argv[8] == "fresh"

lock = threading.Lock()
latencies, codes = [], collections.Counter()
deadline = time.monotonic() + seconds


def worker(n):
    mine, seen = [], collections.Counter()
    c = http.client.HTTPConnection(host, port, timeout=10)
    i = 0
    while time.monotonic() < deadline:
        if kind == "get":
            method, url, body, headers = "GET", path, None, {}
        else:
            after = hashlib.sha1(b"%d-%d-%d" % (os.getpid(), n, i)).hexdigest() if fresh else "b" * 40
            body = template.replace("AFTER", after).encode()
            sig = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
            method, url = "POST", "/hooks/github"
            headers = {"X-GitHub-Event": "push", "X-Hub-Signature-256": sig,
                       "Content-Type": "application/json"}
        i += 1
        t0 = time.perf_counter()
        try:
            c.request(method, url, body, headers)
            r = c.getresponse()
            r.read()
            seen[r.status] += 1
        except (OSError, http.client.HTTPException):
            seen["error"] += 1
            c.close()
            c = http.client.HTTPConnection(host, port, timeout=10)
            continue
        mine.append(time.perf_counter() - t0)
    with lock:
        latencies.extend(mine)
        codes.update(seen)


threads = [threading.Thread(target=worker, args=(n,)) for n in range(conns)]
start = time.monotonic()
for t in threads:
    t.start()
for t in threads:
    t.join()
took = time.monotonic() - start
latencies.sort()
pct = lambda q: round(latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000, 2) if latencies else None
print(json.dumps({"requests": len(latencies), "rps": round(len(latencies) / took, 1), "p50_ms": pct(0.50),
                  "p90_ms": pct(0.90), "p99_ms": pct(0.99), "max_ms": pct(1.0),
                  "codes": {str(k): v for k, v in codes.items()}}))
