#!/usr/bin/env bash
# The dashboard and the static report as a user sees them, in real headless
# Chromium: a real `perfwarden check` fills the database (embedded cluster)
# from a generated git repository whose 19 commits give every verdict
# (tests/integration/dashboard/make_repo.sh); `perfwarden report --html` must
# draw one point per valid timing and one marker per flagged commit, opening
# from disk with no server and no network; `perfwarden serve` must serve the
# same chart, a commit page per marker with the right verdict, and the compare
# view; for a benchmark with params whose harness reports cases, the pickers
# offer each combination, case and the case's own metrics, and a link names
# one. Screenshots of each page are kept in $PERFWARDEN_BUILD/artifacts/.
source "$(dirname "$0")/lib.sh"
D=$PERFWARDEN_SOURCE/tests/integration/dashboard
ART=$PERFWARDEN_BUILD/artifacts
mkdir -p "$ART"
cleanup_hooks+=("\"$PW\" db stop >/dev/null 2>&1")

# Headless Chromium with every non-loopback request sent to a dead proxy: pages must need no network.
chrome() { # chrome ARGS... URL
	timeout 90 chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
		--disable-component-update --disable-sync --no-first-run --user-data-dir="$(mktemp -d "$T/chrome.XXXXXX")" \
		--proxy-server=http://127.0.0.1:9 --window-size=1200,800 "$@" 2>>"$T/chrome.log"
}
dump() { chrome --virtual-time-budget=10000 --dump-dom "$1" >"$2"; }
status_attr() { # status_attr NAME FILE: data-NAME of #pw-status
	grep -o '<div id="pw-status"[^>]*>' "$2" | grep -o "data-$1=\"[^\"]*\"" | head -1 | cut -d'"' -f2
}
expect_eq() { # expect_eq GOT WANT DESCRIPTION
	if [ "$1" = "$2" ]; then pass "$3 ($1)"; else fail "$3: got '$1', wanted '$2'"; fi
}

"$D/make_repo.sh" "$T/repo" "$PERFWARDEN_SOURCE/golden"
R=$T/repo
base=$(git -C "$R" rev-list --max-parents=0 HEAD)
# --alpha 0.001: the push's false-alarm rate, 5% by default, would otherwise
# be this test's own chance of an extra marker; the two planted changes (+200%,
# -33%) are found at any alpha within the 20 rounds the spec allows.
expect_exit 1 "check over the 19 commits finds regressions" -- \
	"$PW" check --repo "$R" --each --alpha 0.001 "$base..HEAD"
hash_of() { git -C "$R" log --format=%H --grep="^$1 " -n1; }

# What the chart must show, from `history --json` (another path through the store):
# points = commits with samples whose verdict is not a failure, markers = flagged commits.
expect_exit 0 "history --json" -- "$PW" history --repo "$R" --benchmark julia --limit 0 --json
cp "$T/out" "$T/history.json"
read -r want_points want_markers < <(python3 -c '
import json, sys
h = json.load(open(sys.argv[1]))
rows = h["commits"]
fail = {"wrong-output", "build-failed", "crashed", "timeout"}
print(sum(1 for r in rows if r["samples"] and r["verdict"] not in fail),
      sum(1 for r in rows if r["verdict"] in fail | {"slower", "faster"}))' "$T/history.json")
expect_eq "$want_markers" 5 "the data set has five flagged commits"
[ "$want_markers" = 5 ] || python3 -c '
import json, sys
for r in json.load(open(sys.argv[1]))["commits"]:
    print("   ", r["subject"][:24], r["verdict"], r["ratio_prev"])' "$T/history.json" >&2

# ---- the static report, from disk ----
expect_exit 0 "report --html writes the file" -- "$PW" report --html "$T/report.html" --repo "$R"
expect_grep "report.html" "$T/out" "report prints the file's path"
if grep -qE '<script[^>]+src=|<link |(src|href)="https?:|url\(["'"'"']?https?:' "$T/report.html"; then
	fail "report loads something from outside itself: $(grep -oE '<script[^>]+src=[^>]*>|<link [^>]*>|(src|href)="https?:[^"]*"' "$T/report.html" | head -3)"
else
	pass "report is self-contained (no external script, stylesheet or link)"
fi
dump "file://$T/report.html" "$T/report.dom"
expect_eq "$(status_attr ready "$T/report.dom")" 1 "report page finished drawing"
expect_eq "$(status_attr error "$T/report.dom")" "" "report page has no error"
expect_eq "$(status_attr points "$T/report.dom")" "$want_points" "report chart draws one point per valid timing"
expect_eq "$(status_attr markers "$T/report.dom")" "$want_markers" "report chart draws one marker per flagged commit"
verdicts=$(grep -o 'class="marker-link" data-verdict="[^"]*"' "$T/report.dom" | cut -d'"' -f4 | sort | tr '\n' ' ')
expect_eq "$verdicts" "build-failed crashed faster slower wrong-output " "report lists each flagged verdict"
slower=$(hash_of c8)
expect_grep "id=\"row-$slower\" data-verdict=\"slower\"" "$T/report.dom" "the verdict table marks c8 slower"
changes=$(status_attr changes "$T/report.dom")
[ "${changes:-0}" -ge 1 ] && pass "report draws the level shift as a change point ($changes)" || fail "report found no change point"
chrome --virtual-time-budget=10000 --screenshot="$ART/dashboard-report.png" "file://$T/report.html" >/dev/null
[ -s "$ART/dashboard-report.png" ] && pass "report screenshot kept" || fail "no report screenshot"

# Bad input: one clear line and a defined exit code.
expect_exit 2 "report without --html" -- "$PW" report --repo "$R"
expect_grep "perfwarden report: .*--html" "$T/err" "missing --html is named"
expect_exit 2 "report with a stray argument" -- "$PW" report --html "$T/x.html" julia
expect_grep "perfwarden report: unexpected argument 'julia'" "$T/err" "stray argument is named"
expect_exit 2 "report on an unreachable database" -- "$PW" report --html "$T/x.html" \
	--database "host=127.0.0.1 port=1 dbname=perfwarden connect_timeout=3"
[ "$(wc -l <"$T/err")" = 1 ] && pass "unreachable database is one line" || fail "unreachable database: $(cat "$T/err")"
expect_exit 2 "report --limit 0" -- "$PW" report --html "$T/x.html" --limit 0
expect_grep "perfwarden report: '--limit 0'" "$T/err" "bad limit is named"
expect_exit 1 "report on an unknown benchmark" -- "$PW" report --html "$T/x.html" --benchmark nbody
expect_grep "perfwarden report: .*'nbody'" "$T/err" "unknown benchmark is named"
expect_exit 2 "report when chart.js is missing" -- env PERFWARDEN_CHARTJS=/nonexistent/chart.js \
	"$PW" report --html "$T/x.html" --repo "$R"
expect_grep "perfwarden report: could not read chart.js '/nonexistent/chart.js'" "$T/err" "missing chart.js is named"
expect_exit 2 "report into an unwritable place" -- "$PW" report --html /nonexistent/dir/r.html --repo "$R"
expect_grep "could not write '/nonexistent/dir/r.html'" "$T/err" "unwritable file is named"
[ -e "$T/x.html" ] && fail "a failed report left a file behind" || pass "failed reports write nothing"

# ---- the dashboard served by `perfwarden serve` ----
if ! "$PW" --help | grep -q '^  serve '; then
	echo "SKIP: 'perfwarden serve' does not exist yet; the served dashboard is not tested"
	finish
	exit $?
fi
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$PW" serve --listen "127.0.0.1:$port" >"$T/serve.log" 2>&1 &
serve_pid=$!
cleanup_hooks=("kill $serve_pid 2>/dev/null; wait $serve_pid 2>/dev/null" "${cleanup_hooks[@]}")
U=http://127.0.0.1:$port
http_get() { # http_get URL BODYFILE: prints the HTTP status (000 when unreachable)
	python3 - "$1" "$2" <<'PY'
import sys, urllib.request, urllib.error
try:
    r = urllib.request.urlopen(sys.argv[1], timeout=20)
    code, body = r.status, r.read()
except urllib.error.HTTPError as e:
    code, body = e.code, e.read()
except OSError:
    code, body = 0, b""
open(sys.argv[2], "wb").write(body)
print("%03d" % code)
PY
}
for _ in $(seq 100); do
	[ "$(http_get "$U/health" "$T/body")" = 200 ] && break
	sleep 0.1
done
expect_eq "$(http_get "$U/health" "$T/body")" 200 "serve answers /health"
expect_eq "$(http_get "$U/api/repos" "$T/body")" 200 "serve answers /api/repos"
expect_grep "\"location\":\"${R//\//\\\\/}\"" "$T/body" "the repository is listed"
expect_eq "$(http_get "$U/api/commits/deadbeef" "$T/body")" 404 "an unknown commit is 404"
expect_grep '"error"' "$T/body" "the 404 body is JSON with an error"
expect_eq "$(http_get "$U/api/history?benchmark=julia&limit=zero" "$T/body")" 400 "a bad limit is 400"
expect_grep "'limit' must be a number" "$T/body" "the 400 body names the parameter"
expect_eq "$(http_get "$U/static/chart.js" "$T/body")" 200 "serve serves Chart.js from the Debian package"

q="repo=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$R")&benchmark=julia"
dump "$U/?$q" "$T/dash.dom"
expect_eq "$(status_attr ready "$T/dash.dom")" 1 "dashboard finished drawing"
expect_eq "$(status_attr error "$T/dash.dom")" "" "dashboard has no error"
expect_eq "$(status_attr points "$T/dash.dom")" "$want_points" "dashboard draws one point per valid timing"
expect_eq "$(status_attr markers "$T/dash.dom")" "$want_markers" "dashboard draws one marker per flagged commit"
expect_eq "$(status_attr changes "$T/dash.dom")" "$changes" "dashboard draws the same change points as the report"
chrome --virtual-time-budget=10000 --screenshot="$ART/dashboard.png" "$U/?$q" >/dev/null
[ -s "$ART/dashboard.png" ] && pass "dashboard screenshot kept" || fail "no dashboard screenshot"

# Clicking a marker opens its commit page: follow each marker's link, check the verdict.
grep -o '<a href="[^"]*" class="marker-link" data-verdict="[^"]*"' "$T/dash.dom" |
	sed 's/<a href="\([^"]*\)" class="marker-link" data-verdict="\([^"]*\)"/\1 \2/; s/&amp;/\&/g' >"$T/markers"
expect_eq "$(wc -l <"$T/markers")" 5 "the dashboard links every marker"
while read -r link verdict; do
	dump "$U$link" "$T/commit.dom"
	expect_eq "$(status_attr verdict "$T/commit.dom")" "$verdict" "marker link $link opens a $verdict commit"
done <"$T/markers"
dump "$U/commit/$slower" "$T/commit.dom"
"$PW" show --json "$slower" >"$T/show.json"
want_samples=$(python3 -c 'import json, sys; print(sum(len(r["samples"]) for r in json.load(open(sys.argv[1]))["runs"]))' "$T/show.json")
expect_eq "$(status_attr samples "$T/commit.dom")" "$want_samples" "the slower commit's page has every stored sample"
expect_grep "ratio [0-9.]+, CI \[[0-9.]+, [0-9.]+\], p = " "$T/commit.dom" "the slower commit's page shows ratio, CI and p"
chrome --virtual-time-budget=10000 --screenshot="$ART/dashboard-commit.png" "$U/commit/$slower" >/dev/null
wrong=$(hash_of c10)
dump "$U/commit/$wrong" "$T/wrong.dom"
expect_grep "expected 0, got 7" "$T/wrong.dom" "the wrong-output page shows the diff against golden"
broken=$(hash_of c12)
dump "$U/commit/$broken" "$T/broken.dom"
expect_grep "error: boom in kernel.c" "$T/broken.dom" "the build-failed page shows the build log"
dump "$U/compare?a=$(hash_of c7)&b=$slower" "$T/compare.dom"
expect_eq "$(status_attr ready "$T/compare.dom")" 1 "compare view finished"
expect_grep 'data-benchmark="julia" data-metric="wall"' "$T/compare.dom" "compare view has the wall row"
chrome --virtual-time-budget=10000 --screenshot="$ART/dashboard-compare.png" "$U/compare?a=$(hash_of c7)&b=$slower" >/dev/null

# ---- a benchmark with params whose harness reports cases and metrics: the pickers ----
# (one series per combination and case; `run` measures two commits, no check needed)
R2=$T/series
git init -q -b main "$R2"
cat >"$R2/gen.sh" <<'GEN'
#!/bin/sh
# cases alpha and beta: latency samples (ns) and a throughput, scaled by n and ./factor
f=$(cat factor)
a=$((1000 * $1 * f)) b=$((3000 * $1 * f))
printf '{"alpha": {"latency": {"samples": [%s, %s], "unit": "ns"}, "throughput": {"value": %s, "unit": "ops/s"}},' $a $a $((1000000 / a))
printf ' "beta": {"latency": {"samples": [%s, %s], "unit": "ns"}, "throughput": {"value": %s, "unit": "ops/s"}}}\n' $b $b $((1000000 / b))
GEN
cat >"$R2/.perfwarden" <<'SPEC'
[build]
	command = true
	artifacts = gen.sh factor
[benchmark "cases"]
	command = sh gen.sh ${n}
	params = n: 1,2
	format = json
	repeat = 2
	warmup = 0
SPEC
echo 1 >"$R2/factor"
git -C "$R2" add -A && git -C "$R2" commit -qm "two cases over n"
echo 2 >"$R2/factor"
git -C "$R2" commit -qam "twice the latency"
expect_exit 0 "run both commits of a parameterised harness benchmark" -- "$PW" run --repo "$R2" HEAD~1 HEAD
q2="repo=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$R2")"
dump "$U/?$q2&benchmark=cases" "$T/series.dom"
expect_eq "$(status_attr ready "$T/series.dom")" 1 "the dashboard draws a benchmark with params"
expect_eq "$(status_attr combinations "$T/series.dom")" "n=1 n=2" "its combinations are offered"
expect_eq "$(status_attr cases "$T/series.dom")" " alpha beta" "the whole process and each case are offered"
expect_eq "$(status_attr series "$T/series.dom")" "cases@n=1" "the first combination's process is shown first"
expect_eq "$(status_attr points "$T/series.dom")" 2 "one point per commit"
dump "$U/?$q2&benchmark=cases@n=2/beta&metric=throughput" "$T/series.dom"
expect_eq "$(status_attr series "$T/series.dom")" "cases@n=2/beta" "a link picks combination and case"
expect_eq "$(status_attr params "$T/series.dom")/$(status_attr case "$T/series.dom")" "n=2/beta" "the pickers say so"
expect_eq "$(status_attr metrics "$T/series.dom")" "latency throughput" "the case's own metrics are offered"
expect_eq "$(status_attr metric "$T/series.dom")" "throughput" "the metric asked for is drawn"
expect_eq "$(status_attr unit "$T/series.dom")" "ops/s" "in the case's unit"
expect_eq "$(status_attr points "$T/series.dom")" 2 "one point per commit of that series"
dump "$U/?$q2&benchmark=cases@n=2/alpha" "$T/series.dom"
expect_eq "$(status_attr metric "$T/series.dom")" "latency" "a case without a metric asked shows its first"
chrome --virtual-time-budget=10000 --screenshot="$ART/dashboard-series.png" "$U/?$q2&benchmark=cases@n=2/beta&metric=throughput" >/dev/null
[ -s "$ART/dashboard-series.png" ] && pass "series screenshot kept" || fail "no series screenshot"

finish
