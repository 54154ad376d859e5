#!/usr/bin/env bash
# perfwarden explain: a regression planted in one of several functions is
# named first, with the planted line; a grown allocation site is named first
# with --memory; profiles are kept in the store and a later explain needs no
# checkout or build; a benchmark that crashes under valgrind, an unknown
# commit or benchmark get one clear message and their exit code. Real git,
# real valgrind, the real embedded PostgreSQL.
source "$(dirname "$0")/lib.sh"
cleanup_hooks+=("\"$PW\" db stop >/dev/null 2>&1")

command -v valgrind >/dev/null || { echo "valgrind is not installed (ci/setup installs it)"; exit 1; }

R=$T/repo
git init -q -b main "$R"
cat >"$R/.perfwarden" <<'EOF'
[build]
	command = cc -O1 -g -std=c11 -o prog prog.c
[benchmark "work"]
	command = ./prog
	repeat = 1
	warmup = 0
	timeout = 10
EOF
# Three functions of similar weight, kept apart (noinline), and one table
# allocated at start-up.
cat >"$R/prog.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>

#define N 2000000

static unsigned *make_table(size_t n)
{
	unsigned *t = malloc(n * sizeof(*t));

	for (size_t i = 0; i < n; i++)
		t[i] = (unsigned)(i * 2654435761u);
	return t;
}

__attribute__((noinline)) static unsigned alpha(const unsigned *t)
{
	unsigned s = 0;

	for (size_t i = 0; i < N; i++)
		s += t[i] ^ (s >> 3);
	return s;
}

__attribute__((noinline)) static unsigned beta(const unsigned *t)
{
	unsigned s = 1;

	for (size_t i = 0; i < N; i++) {
		s = s * 31 + t[i];
	}
	return s;
}

__attribute__((noinline)) static unsigned gamma_(const unsigned *t)
{
	unsigned s = 7;

	for (size_t i = 0; i < N; i += 1)
		s += t[i] & 0xff;
	return s;
}

int main(void)
{
	unsigned *t = make_table(N);
	unsigned s = alpha(t) + beta(t) + gamma_(t);

	printf("%u\n", s);
	free(t);
	return 0;
}
EOF
git -C "$R" add -A
git -C "$R" commit -qm "three functions"
base=$(git -C "$R" rev-parse HEAD)

# The regression: beta() gets an inner loop on a new line.
python3 - "$R/prog.c" <<'PY'
import sys
p = sys.argv[1]
s = open(p).read()
s = s.replace("\t\ts = s * 31 + t[i];\n", "\t\ts = s * 31 + t[i];\n\t\tfor (int k = 0; k < 8; k++) s ^= (s << 5) + (unsigned)k; /* planted */\n", 1)
open(p, "w").write(s)
PY
git -C "$R" commit -qam "beta: mix harder"
slow=$(git -C "$R" rev-parse HEAD)
planted_line=$(grep -n 'planted' "$R/prog.c" | cut -d: -f1)

# The memory regression: make_table() allocates 16 times what it uses.
sed -i 's/unsigned \*t = malloc(n \* sizeof(\*t));/unsigned *t = malloc(16 * n * sizeof(*t)); \/* grown *\//' "$R/prog.c"
git -C "$R" commit -qam "make_table: a bigger table"
grown=$(git -C "$R" rev-parse HEAD)
grown_line=$(grep -n 'grown' "$R/prog.c" | cut -d: -f1)
cd "$R"

# check explains its own regressions: profiles of the slower commit and its
# baseline, kept in the store, which explain then reuses.
expect_exit 1 "check of the planted regression" -- "$PW" check --json --markdown "$T/check.md" "$base..$slow"
python3 - "$T/out" "$slow" "$base" "$planted_line" <<'PY' && pass "check names beta() and the planted line in its explanation, without an error of its own" || fail "check's explanation: $(head -c 1500 "$T/out")"
import json, sys
doc = json.load(open(sys.argv[1]))
slow, base, line = sys.argv[2], sys.argv[3], int(sys.argv[4])
v = [r for r in doc["results"] if r["commit"] == slow and r["metric"] != "memory"][0]
assert v["verdict"] == "slower", v
assert doc["errors"] == [] and doc["exit_code"] == 1, (doc["errors"], doc["exit_code"])
x = doc["explanations"]
assert len(x) == 1 and x[0]["commit"] == slow and x[0]["baseline_commit"] == base, x
assert x[0]["error"] is None and x[0]["functions"][0]["name"] == "beta", x[0]
assert x[0]["lines"][0]["line"] == line, x[0]["lines"]
PY
expect_grep "^#### Where \`${slow:0:10}\` work regressed" "$T/check.md" "check's Markdown has the explanation's section"
expect_grep '^\*\*Why work changed\*\*.*`beta\(\)`' "$T/check.md" "with its headline"
expect_grep "^\| prog.c:$planted_line \| .*planted" "$T/check.md" "and the planted line in its table"

# The worker explains too, and the commit status it posts says where the time
# went (a real HTTP receiver stands in for the forge's API).
cat >"$T/receiver.py" <<'PY'
import http.server, json, sys
log, port = sys.argv[1], int(sys.argv[2])
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        with open(log, "a") as f:
            f.write(json.dumps({"path": self.path, "body": json.loads(body)}) + "\n")
        self.send_response(201)
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", port), H).serve_forever()
PY
RPORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 "$T/receiver.py" "$T/statuses.jsonl" "$RPORT" &
receiver_pid=$!
cleanup_hooks=("kill $receiver_pid 2>/dev/null" "${cleanup_hooks[@]}")
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$RPORT/" && break; sleep 0.05; done
cat >"$T/worker.config" <<CONF
[worker]
	poll = 1
	retry-delay = 0
[notify]
	attempts = 1
[repository "acme/widget"]
	location = $R
	forge = github
	api = http://127.0.0.1:$RPORT
	token = t0ken
CONF
PERFWARDEN_CONFIG=$T/worker.config "$PW" enqueue --repo "$R" --ref refs/heads/main "$base..$slow" >/dev/null
expect_exit 0 "a worker judges the planted regression" -- env PERFWARDEN_CONFIG="$T/worker.config" "$PW" worker --once
python3 - "$T/statuses.jsonl" "$slow" "$planted_line" <<'PY' && pass "the commit status of the slower commit names beta() and its line" || fail "status: $(cat "$T/statuses.jsonl" 2>/dev/null)"
import json, sys
slow, line = sys.argv[2], sys.argv[3]
posts = [json.loads(l) for l in open(sys.argv[1])]
mine = [p["body"] for p in posts if p["path"].endswith("/statuses/" + slow) and p["body"]["context"] == "perfwarden/work"]
assert len(mine) == 1, posts
d = mine[0]["description"]
assert mine[0]["state"] == "failure" and d.startswith("work: ") and " slower" in d, d
assert "beta() " in d and "`" not in d and len(d) <= 140, d
assert "prog.c:" + line in d, d
PY

# The HTML page and the Markdown, as people see them: in headless Chromium
# (no network: every non-loopback request goes to a dead proxy), screenshots kept.
ART=$PERFWARDEN_BUILD/artifacts
mkdir -p "$ART"
chrome() { # chrome ARGS... URL
	timeout 90 chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
		--disable-component-update --disable-sync --no-first-run --user-data-dir="$(mktemp -d "$T/chrome.XXXXXX")" \
		--proxy-server=http://127.0.0.1:9 --window-size=1300,900 --virtual-time-budget=10000 "$@" 2>>"$T/chrome.log"
}
expect_exit 0 "explain --html" -- "$PW" explain --html "$T/explain.html" "$slow"
chrome --dump-dom "file://$T/explain.html" >"$T/explain.dom"
chrome --screenshot="$ART/explain.png" "file://$T/explain.html" >/dev/null
python3 - "$T/explain.dom" <<'PY' && pass "the page draws the differential flame graph: beta red (grew), alpha and gamma_ grey (unchanged), main red" || fail "flame graph: $(grep -o 'pw-status[^>]*' "$T/explain.dom")"
import re, sys
dom = open(sys.argv[1]).read()
st = re.search(r'<div id="pw-status"([^>]*)>', dom).group(1)
assert 'data-ready="1"' in st, st
frames = int(re.search(r'data-frames="(\d+)"', st).group(1))
assert frames >= 5, frames
fill = {}
for name, rect in re.findall(r'<g [^>]*name="([^"]+)"[^>]*><rect([^>]*)>', dom):
    fill.setdefault(name, re.search(r'fill="([^"]+)"', rect).group(1))
def rgb(c):
    return tuple(int(x) for x in re.findall(r'\d+', c))
r, g, b = rgb(fill["beta"])
assert r == 235 and g < 60 and b < 60, fill["beta"]
assert rgb(fill["alpha"]) == (220, 220, 220) and rgb(fill["gamma_"]) == (220, 220, 220), fill
assert rgb(fill["main"])[0] == 235 and rgb(fill["main"])[1] < 220, fill["main"]
assert "planted" in dom and "beta" in dom
PY
[ -s "$ART/explain.png" ] && pass "screenshot kept: $ART/explain.png" || fail "no screenshot"

# The Markdown as a forge renders it (Python-Markdown with tables, Debian's).
for md in explain check; do
	[ -f "$T/$md.md" ] || continue
	{ echo '<!doctype html><meta charset="utf-8"><body>'; /usr/bin/python3 -m markdown -x tables "$T/$md.md"; } >"$T/$md-md.html"
	chrome --dump-dom "file://$T/$md-md.html" >"$T/$md-md.dom"
	chrome --screenshot="$ART/explain-$md-markdown.png" "file://$T/$md-md.html" >/dev/null
done
python3 - "$T/check-md.dom" "$planted_line" <<'PY' && pass "check's Markdown renders: the headline with beta() in code, a table with the planted line and its source" || fail "markdown: $(head -c 800 "$T/check-md.dom")"
import re, sys
dom = open(sys.argv[1]).read()
line = sys.argv[2]
assert re.search(r'<strong>Why work changed</strong>.*<code>beta\(\)</code>', dom), "headline"
rows = re.findall(r'<tr>(.*?)</tr>', dom, re.S)
assert any("prog.c:" + line in r and "planted" in r for r in rows), rows
assert any("<code>beta</code>" in r for r in rows), rows
PY

# The static report and the served dashboard show the stored explanation.
expect_exit 0 "report --html" -- "$PW" report --html "$T/report.html" --benchmark work
if grep -qE '<script[^>]+src=|<link |(src|href)="https?:|url\(["'"'"']?https?:' "$T/report.html"; then
	fail "the report loads something from outside itself"
else
	pass "the report stays self-contained with the flame graph library inlined"
fi
chrome --dump-dom "file://$T/report.html" >"$T/report.dom"
chrome --screenshot="$ART/explain-report.png" --window-size=1300,2000 "file://$T/report.html" >/dev/null
python3 - "$T/report.dom" "${slow:0:7}" <<'PY' && pass "the report explains the slower commit: beta() first, its flame graph drawn with beta red" || fail "report: $(grep -o '<div id="pw-status"[^>]*>' "$T/report.dom")"
import re, sys
dom = open(sys.argv[1]).read()
st = re.search(r'<div id="pw-status"([^>]*)>', dom).group(1)
assert 'data-ready="1"' in st and 'data-explained="1"' in st, st
box = re.search(r'<section class="run explain"[^>]*data-benchmark="work"[^>]*data-frames="(\d+)"(.*?)</section>', dom, re.S)
assert box and int(box.group(1)) >= 5, "no drawn explanation"
body = box.group(2)
assert re.search(r'<table class="functions">.*?<td>beta</td>', body, re.S), "beta not listed"
rect = re.search(r'name="beta"[^>]*><rect[^>]*fill="rgb\(235,(\d+),', body)
assert rect and int(rect.group(1)) < 60, "beta's frame not red"
PY

if "$PW" --help | grep -q '^  serve '; then
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	"$PW" serve --listen "127.0.0.1:$port" >"$T/serve.log" 2>&1 &
	serve_pid=$!
	cleanup_hooks=("kill $serve_pid 2>/dev/null; wait $serve_pid 2>/dev/null" "${cleanup_hooks[@]}")
	U=http://127.0.0.1:$port
	http_get() { # http_get URL BODYFILE: prints the HTTP status (000 when unreachable)
		python3 - "$1" "$2" <<'PY'
import sys, time, urllib.request, urllib.error
for attempt in range(50):
    try:
        r = urllib.request.urlopen(sys.argv[1], timeout=20)
        code, body = r.status, r.read()
        break
    except urllib.error.HTTPError as e:
        code, body = e.code, e.read()
        break
    except OSError:
        code, body = 0, b""
        time.sleep(0.1)
open(sys.argv[2], "wb").write(body)
print("%03d" % code)
PY
	}
	repo_q=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$R")
	code=$(http_get "$U/api/explain?commit=$slow&repo=$repo_q" "$T/api.json")
	python3 - "$T/api.json" "$slow" "$base" <<'PY' && [ "$code" = 200 ] && pass "GET /api/explain answers the stored explanation with its flame tree" || fail "/api/explain: $code $(head -c 600 "$T/api.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["commit"] == sys.argv[2] and d["baseline_commit"] == sys.argv[3], d.get("commit")
assert d["functions"][0]["name"] == "beta" and d["flame"]["name"] == "all", d["functions"][:1]
assert d["flame"]["delta"] > 0 and d["culprit"]["callgrind_from_store"], d["flame"]["delta"]
PY
	code=$(http_get "$U/api/explain?commit=$base&repo=$repo_q" "$T/api404.json")
	[ "$code" = 404 ] && grep -q 'has no slower verdict' "$T/api404.json" && pass "a commit without a slower verdict answers 404 with why" || fail "/api/explain of the base: $code $(cat "$T/api404.json")"
	code=$(http_get "$U/api/explain?commit=zz&repo=$repo_q" "$T/api400.json")
	[ "$code" = 400 ] && pass "a malformed commit answers 400" || fail "/api/explain?commit=zz: $code"
	chrome --dump-dom "$U/commit/$slow?repo=$repo_q" >"$T/commit.dom"
	chrome --screenshot="$ART/explain-commit-page.png" --window-size=1300,1800 "$U/commit/$slow?repo=$repo_q" >/dev/null
	python3 - "$T/commit.dom" <<'PY' && pass "the dashboard's commit page shows where the time went, with the flame graph" || fail "commit page: $(grep -o '<div id="pw-status"[^>]*>' "$T/commit.dom")"
import re, sys
dom = open(sys.argv[1]).read()
st = re.search(r'<div id="pw-status"([^>]*)>', dom).group(1)
assert 'data-ready="1"' in st and 'data-explained="1"' in st, st
box = re.search(r'<section class="run explain"[^>]*data-frames="(\d+)"(.*?)</section>', dom, re.S)
assert box and int(box.group(1)) >= 5, "no flame graph"
assert "beta()" in box.group(2) and "planted" in box.group(2), "headline"
PY
fi

expect_exit 0 "explain of the planted regression" -- "$PW" explain --json "$slow"
cp "$T/out" "$T/slow.json"
python3 - "$T/slow.json" "$planted_line" "$base" "$slow" <<'PY' && pass "beta() is named first (most of the change), then its planted line $planted_line with its text" || fail "explain of beta: $(head -c 1500 "$T/slow.json")"
import json, sys
doc = json.load(open(sys.argv[1]))
line = int(sys.argv[2])
assert doc["baseline"]["commit"] == sys.argv[3] and doc["culprit"]["commit"] == sys.argv[4], doc
assert doc["event"] == "Ir" and doc["total"][1] > doc["total"][0] * 1.5, doc["total"]
f = doc["functions"][0]
assert f["name"] == "beta", [x["name"] for x in doc["functions"]]
assert f["share"] > 0.9, f
assert f["self"][1] > 3 * f["self"][0] > 0, f
assert all(x["name"] not in ("alpha", "gamma_") for x in doc["functions"]), doc["functions"]
l = doc["lines"][0]
assert l["function"] == "beta" and l["file"] == "prog.c" and l["line"] == line, l
assert "planted" in l["text"] and l["baseline_line"] == 0, l
assert l["cost"][0] == 0 and l["share"] > 0.5, l
names = [c["name"] for c in doc["counters"]]
assert names[0] == "instructions" and doc["counters"][0]["values"] == doc["total"], doc["counters"]
assert "beta()" in doc["headline"] and "prog.c:%d" % line in doc["headline"], doc["headline"]
assert doc["culprit"]["callgrind_from_store"], "check's profiles are reused"
PY

expect_exit 0 "the same as a table, with a Markdown summary" -- "$PW" explain --markdown "$T/explain.md" "$slow"
expect_grep "^beta +[0-9,]+ +[0-9,]+ +\+[0-9,]+ +(9[0-9]|100)\.[0-9]%" "$T/out" "the table lists beta with its self cost before and after and its share"
expect_grep "prog.c:$planted_line \(new\) .*planted" "$T/out" "the table shows the new line with its source"
expect_grep "from the store" "$T/out" "explain reuses the stored profiles"
expect_grep '^\*\*Why work changed\*\*.*`beta\(\)`.*prog.c:'"$planted_line" "$T/explain.md" "the Markdown headline names beta() and the line"

# Profiles are kept compressed in the store: a later explain needs no checkout.
URL=$("$PW" db url)
stored=$(psql "$URL" -XAtqc "SELECT count(*), bool_and(raw_bytes > length(data)) FROM profiles WHERE tool = 'callgrind'")
[ "$stored" = "2|t" ] && pass "two callgrind profiles stored, each compressed (smaller than its JSON)" || fail "stored profiles: $stored"
rm -rf "$PERFWARDEN_HOME/work"
expect_exit 0 "explain again after the worktrees were removed" -- "$PW" explain --json "$slow"
python3 - "$T/out" "$T/slow.json" "$PERFWARDEN_HOME/work" <<'PY' && pass "the answer comes from the store, identical, with nothing checked out" || fail "reuse: $(head -c 600 "$T/out")"
import json, os, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert a["culprit"]["callgrind_from_store"] and a["baseline"]["callgrind_from_store"], a["culprit"]
assert a["functions"] == b["functions"] and a["lines"] == b["lines"], "differs"
w = sys.argv[3]
assert not os.path.isdir(w) or os.listdir(w) == [], os.listdir(w)
PY

# A build without debug information: functions only, said; and a profile of
# another spec's build is not taken for this one's (the store keys on the spec).
cat >"$T/nodebug.spec" <<'EOF'
[build]
	command = cc -O1 -std=c11 -o prog prog.c
[benchmark "work"]
	command = ./prog
	repeat = 1
	warmup = 0
	timeout = 10
EOF
expect_exit 0 "explain with a spec that builds without -g" -- "$PW" explain --spec "$T/nodebug.spec" --json "$slow"
python3 - "$T/out" <<'PY' && pass "without debug information: beta() still first, no lines, and it says why; profiled anew" || fail "no -g: $(head -c 800 "$T/out")"
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["functions"][0]["name"] == "beta", doc["functions"][:1]
assert doc["lines"] == [] and doc["lines_missing"] is True, doc["lines"]
assert not doc["culprit"]["callgrind_from_store"] and not doc["baseline"]["callgrind_from_store"]
PY
expect_exit 0 "the same as a table" -- "$PW" explain --spec "$T/nodebug.spec" "$slow"
expect_grep "no source lines: the build has no debug information \(build with -g" "$T/out" "the table says to build with -g"

# A profiling run that outlives --timeout is stopped and said.
cat >"$T/sleepy.spec" <<'EOF'
[build]
	command = cc -O1 -g -std=c11 -o prog prog.c
[benchmark "work"]
	command = "sleep 20; ./prog"
	repeat = 1
	warmup = 0
	timeout = 60
EOF
start=$(date +%s)
expect_exit 1 "explain --timeout 1 of a benchmark that takes 20 s" -- "$PW" explain --no-store --spec "$T/sleepy.spec" --timeout 1 "$slow"
took=$(($(date +%s) - start))
expect_grep "culprit [0-9a-f]+: no callgrind profile: the benchmark timed out under valgrind" "$T/err" "the timeout is said"
[ "$took" -lt 15 ] && pass "stopped at the limit (${took} s)" || fail "explain took ${took} s with --timeout 1"

# Memory: the allocation site that grew is named first.
expect_exit 0 "explain --memory of the grown table" -- "$PW" explain --memory --no-time --json "$grown"
python3 - "$T/out" "$grown_line" <<'PY' && pass "make_table() at its malloc line is named first, 16x the bytes" || fail "memory: $(head -c 1500 "$T/out")"
import json, sys
doc = json.load(open(sys.argv[1]))
line = int(sys.argv[2])
m = doc["memory"]
assert m["peak_bytes"][1] > 10 * m["peak_bytes"][0], m["peak_bytes"]
s = m["sites"][0]
assert s["function"] == "make_table" and s["file"] == "prog.c" and s["line"] == line, s
assert "grown" in s["text"] and s["bytes"][1] == 16 * s["bytes"][0], s
assert s["share"] > 0.99, s
assert doc["functions"] == [] and doc["culprit"]["massif"], doc["culprit"]
PY

# check explains a more-memory verdict with the heap: a branch from the
# regression whose make_table() allocates and fills 16 times the table.
git checkout -q -b bigger "$slow"
python3 - prog.c <<'PY'
import sys
p = sys.argv[1]
s = open(p).read()
s = s.replace("unsigned *t = malloc(n * sizeof(*t));", "unsigned *t = malloc(16 * n * sizeof(*t)); /* filled */", 1)
s = s.replace("for (size_t i = 0; i < n; i++)\n\t\tt[i] =", "for (size_t i = 0; i < 16 * n; i++)\n\t\tt[i] =", 1)
open(p, "w").write(s)
PY
git commit -qam "make_table: fill a 16 times bigger table"
filled_line=$(grep -n 'filled' prog.c | cut -d: -f1)
expect_exit 1 "check of a commit that uses 16 times the memory" -- "$PW" check --json "$slow..HEAD"
python3 - "$T/out" "$filled_line" <<'PY' && pass "check's explanation of the more-memory verdict names make_table() at its malloc line, 16 times the bytes" || fail "memory in check: $(head -c 1500 "$T/out")"
import json, sys
doc = json.load(open(sys.argv[1]))
line = int(sys.argv[2])
m = [r for r in doc["results"] if not r["base"] and r["metric"] == "memory"][0]
assert m["verdict"] == "slower", m  # more-memory
x = doc["explanations"]
assert len(x) == 1 and x[0]["error"] is None, x
s = x[0]["memory"]["sites"][0]
assert s["function"] == "make_table" and s["line"] == line and "filled" in s["text"], s
assert s["bytes"][1] == 16 * s["bytes"][0], s
assert doc["errors"] == [], doc["errors"]
PY
git checkout -q main

# Bad input: one clear line, exit 2.
expect_exit 2 "an unknown commit" -- "$PW" explain nosuchcommit
expect_grep "^perfwarden explain: .*nosuchcommit" "$T/err" "the unknown commit is named"
[ "$(wc -l <"$T/err")" = 1 ] && pass "in one line" || fail "stderr has $(wc -l <"$T/err") lines"
expect_exit 2 "the root commit without --against" -- "$PW" explain "$base"
expect_grep "no parent: name a baseline with --against" "$T/err" "says how to name a baseline"
expect_exit 2 "an unknown benchmark" -- "$PW" explain --benchmark nosuch "$slow"
expect_grep "no benchmark 'nosuch'" "$T/err" "names the benchmark"
expect_exit 2 "--no-time without --memory" -- "$PW" explain --no-time "$slow"

# A benchmark that crashes under valgrind: no profile, said, exit 1, nothing stored for it.
# Its slowdown is several times the run (a serial loop of 64 N steps), so that it
# is told even when a neighbour spreads the runs by half (seen in CI).
python3 - prog.c <<'PY'
import sys
p = sys.argv[1]
s = open(p).read()
s = s.replace("#include <stdlib.h>\n", "#include <stdlib.h>\n#include <string.h>\n", 1)
s = s.replace("\tunsigned *t = make_table(N);\n", "\tconst char *pre = getenv(\"LD_PRELOAD\");\n\n\tif (pre && strstr(pre, \"vgpreload\"))\n\t\tabort(); /* not under valgrind */\n\tunsigned *t = make_table(N);\n", 1)
s = s.replace("\t\ts += t[i] & 0xff;\n", "\t\ts += t[i] & 0xff;\n\tfor (size_t i = 0; i < 64 * N; i++)\n\t\ts += (s >> 7) ^ (unsigned)i;\n", 1)
open(p, "w").write(s)
PY
git commit -qam "refuses valgrind, and gamma_ is slower"
# check: the slowdown is judged and fails the gate as any slowdown does; the
# explanation that could not be made is said, and is not an error of check's.
expect_exit 1 "check of a slower commit that aborts under valgrind" -- "$PW" check --json HEAD~1..HEAD
python3 - "$T/out" <<'PY' && pass "slower and exit 1 as without explaining; the missing profile is in the explanation, not in the errors" || fail "check with a failed profile: $(head -c 1500 "$T/out")"
import json, sys
doc = json.load(open(sys.argv[1]))
v = [r for r in doc["results"] if not r["base"] and r["metric"] != "memory"][0]
assert v["verdict"] == "slower", v
assert doc["errors"] == [] and doc["exit_code"] == 1, doc["errors"]
x = doc["explanations"][0]
assert "killed by signal 6 under valgrind" in x["culprit"]["why"], x["culprit"]
assert x["baseline"]["callgrind"] and not x["culprit"]["callgrind"], x
assert x["functions"] == [] and x["headline"] == "", x
PY
expect_exit 1 "explain of a benchmark that aborts under valgrind" -- "$PW" explain --no-store HEAD
expect_grep "culprit [0-9a-f]+: no callgrind profile: the benchmark was killed by signal 6 under valgrind" "$T/err" "the culprit's missing profile is said, with the signal"
expect_grep "culprit .*: no profile" "$T/out" "the table says it too"

# A harness that sizes its iterations to a time budget (Google Benchmark, from Debian):
# under callgrind a slower case runs fewer iterations, so explain says, in every output,
# that the two profiles may cover different amounts of work.
G=$T/gbrepo
git init -q -b main "$G"
cat >"$G/bench.cc" <<'SRC'
#include <benchmark/benchmark.h>
#define WORK 1000
static unsigned work(unsigned n)
{
	unsigned s = 1;
	for (unsigned i = 0; i < n; i++)
		s = s * 31 + i;
	return s;
}
static void BM_work(benchmark::State &st)
{
	for (auto _ : st)
		benchmark::DoNotOptimize(work(WORK));
}
BENCHMARK(BM_work);
BENCHMARK_MAIN();
SRC
cat >"$G/.perfwarden" <<'SPEC'
[build]
	command = g++ -O1 -g -o bench bench.cc -lbenchmark -lpthread
[benchmark "gb"]
	command = ./bench --benchmark_min_time=0.01 --benchmark_out=$PERFWARDEN_OUTPUT --benchmark_out_format=json
	format = google-benchmark
	repeat = 1
	warmup = 0
SPEC
git -C "$G" add -A && git -C "$G" commit -qm "one case"
sed -i 's/^#define WORK 1000/#define WORK 2000/' "$G/bench.cc"
git -C "$G" commit -qam "twice the work"
cd "$G"
expect_exit 0 "explain of a Google Benchmark case" -- "$PW" explain --no-store --json HEAD
python3 - "$T/out" <<'PY' && pass "its JSON carries the caveat of a harness's own iteration count" || fail "explain of a harness: $(head -c 1500 "$T/out")"
import json, sys
doc = json.load(open(sys.argv[1]))
assert "time budget" in (doc.get("work_caveat") or ""), doc.get("work_caveat")
PY
expect_exit 0 "explain of a Google Benchmark case, as a table" -- "$PW" explain --no-store HEAD
expect_grep "^note: the harness sizes its iterations to a time budget" "$T/out" "the table says it under the instruction totals"
cd "$R"
expect_exit 0 "explain of a plain command" -- "$PW" explain --json "$slow"
python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["work_caveat"] is None' "$T/out" &&
	pass "a plain command's explanation has no such caveat" || fail "a plain command got a caveat"

finish
