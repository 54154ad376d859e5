#!/usr/bin/env bash
# Commit subjects are data anyone who pushes writes: `perfwarden report --html`
# inlines them in a <script> block, and a subject like '<!--<script>' (which
# opens an HTML comment-like state that swallows the page's closing tags) or
# '</script><img onerror=...>' must neither blank the verdict table nor add an
# element. Drawn in real headless Chromium, as tests/integration/test_dashboard.sh
# does: every commit has its row, each subject reads back as the text it was.
source "$(dirname "$0")/lib.sh"
cleanup_hooks+=("\"$PW\" db stop >/dev/null 2>&1")

chrome() { # chrome ARGS... URL (every non-loopback request goes to a dead proxy)
	timeout 90 chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
		--disable-component-update --disable-sync --no-first-run --user-data-dir="$(mktemp -d "$T/chrome.XXXXXX")" \
		--proxy-server=http://127.0.0.1:9 --window-size=1200,800 "$@" 2>>"$T/chrome.log"
}
status_attr() { # status_attr NAME FILE: data-NAME of #pw-status
	grep -o '<div id="pw-status"[^>]*>' "$2" | grep -o "data-$1=\"[^\"]*\"" | head -1 | cut -d'"' -f2
}

mkdir -p "$T/golden"
printf '1 2\n3 4\n' >"$T/golden/g2.out"
echo 10 >"$T/golden/g2.sum"
R=$T/repo
git init -q -b main "$R"
printf '#!/bin/sh\nprintf "1 2\\n3 4\\n" >"$PERFWARDEN_OUTPUT"\n' >"$R/bench.sh"
chmod +x "$R/bench.sh"
printf '[build]\n\tcommand = true\n[benchmark "tiny"]\n\tcommand = ./bench.sh\n\tgolden = g2\n\trepeat = 3\n\twarmup = 0\n\ttimeout = 10\n\tmax-repeat = 3\n' >"$R/.perfwarden"
git -C "$R" add -A && git -C "$R" commit -qm "base"
subjects=('<!--<script>' '</script><img src=x onerror="document.title=1">' 'a & b <b>bold</b> -->')
for i in 0 1 2; do
	echo "$i" >"$R/f" && git -C "$R" add f && git -C "$R" commit -qm "${subjects[$i]}"
done
expect_exit 0 "check over the three hostile subjects" -- \
	"$PW" check --repo "$R" --golden-dir "$T/golden" HEAD~3..HEAD
expect_exit 0 "report --html" -- "$PW" report --html "$T/report.html" --repo "$R"
if grep -qF '<!--' "$T/report.html" && ! grep -q '"subject":"\\u003c!--' "$T/report.html"; then
	fail "a subject's '<!--' is inlined raw"
else
	pass "no subject's '<' is inlined raw"
fi
chrome --virtual-time-budget=10000 --dump-dom "file://$T/report.html" >"$T/report.dom"
[ "$(status_attr ready "$T/report.dom")" = 1 ] && pass "the report finished drawing" || fail "the report did not finish drawing"
[ -z "$(status_attr error "$T/report.dom")" ] && pass "the report has no error" || fail "report error: $(status_attr error "$T/report.dom")"
rows=0
for h in $(git -C "$R" rev-list HEAD); do
	grep -q "id=\"row-$h\"" "$T/report.dom" && rows=$((rows + 1))
done
[ "$rows" = 4 ] && pass "the verdict table has a row for each of the 4 commits" || fail "the table has $rows of 4 rows"
python3 - "$T/report.dom" "${subjects[@]}" <<'PY' && pass "each subject reads back as text in its row" || fail "a subject was not shown as text"
import html, re, sys
dom = open(sys.argv[1]).read()
for s in sys.argv[2:]:
    assert "<td>" + html.escape(s, quote=False) + "</td>" in dom, s
assert "<img" not in dom and "<b>bold</b>" not in dom, "markup from a subject became an element"
PY
finish
