"""Replay one signed GitHub push COUNT times over one keep-alive connection;
with --fresh-ids each replay carries a new X-GitHub-Delivery, else none.
Prints a JSON line: status code -> count, and the seconds it took."""
import collections, hashlib, hmac, http.client, json, sys, time

host, port, body_file, secret, count = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
fresh = "--fresh-ids" in sys.argv
body = open(body_file, "rb").read()
sig = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
codes = collections.Counter()
conn = http.client.HTTPConnection(host, port, timeout=10)
start = time.monotonic()
for i in range(count):
    headers = {"X-GitHub-Event": "push", "X-Hub-Signature-256": sig, "Content-Type": "application/json"}
    if fresh:
        headers["X-GitHub-Delivery"] = "replay-%d" % i
    try:
        conn.request("POST", "/hooks/github", body, headers)
        r = conn.getresponse()
        r.read()
        codes[str(r.status)] += 1
    except (OSError, http.client.HTTPException):
        codes["error"] += 1
        conn.close()
        conn = http.client.HTTPConnection(host, port, timeout=10)
print(json.dumps({"codes": codes, "seconds": round(time.monotonic() - start, 2)}))
