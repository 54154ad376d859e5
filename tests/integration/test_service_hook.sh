#!/usr/bin/env bash
# ci/hooks/post-receive on a real bare repository, installed with its one
# documented command (a symlink) and driven by real `git push`es: the first
# push of the default branch queues its tip alone, an update queues
# old..new, a new branch queues merge-base..tip, a deleted branch and a tag
# queue nothing, and a push while perfwarden's database is unreachable still
# succeeds with a warning.
source "$(dirname "$0")/lib.sh"
cleanup_hooks+=("\"$PW\" db stop >/dev/null 2>&1")
export PERFWARDEN=$PW

S=$T/srv.git
git init -q --bare -b main "$S"
ln -s "$PERFWARDEN_SOURCE/ci/hooks/post-receive" "$S/hooks/post-receive"
W=$T/work
git init -q -b main "$W"
git -C "$W" remote add origin "$S"
commit() { echo "$2" >"$W/f" && git -C "$W" add f && git -C "$W" commit -qm "$2" && git -C "$W" rev-parse HEAD; }
jobs_json() { "$PW" jobs --json >"$T/jobs.json"; }
# last_job BASE TIP REF: the newest job is that range
last_job() {
	jobs_json
	python3 - "$T/jobs.json" "$S" "$@" <<'PY'
import json, os, sys
jobs = json.load(open(sys.argv[1]))["jobs"]
repo, base, tip, ref = sys.argv[2:]
j = jobs[-1]
got = (j["repo"], j["base"], j["tip"], j["ref"])
want = (os.path.realpath(repo), base, tip, ref)
assert got == want, (got, want)
PY
}
count() { jobs_json && python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["jobs"]))' "$T/jobs.json"; }

"$PW" db start >/dev/null 2>&1 || true
a=$(commit x "first")
expect_exit 0 "the first push of main" -- git -C "$W" push -q origin main
expect_grep "perfwarden: queued job 1" "$T/err" "the hook reports the job"
last_job "" "$a" refs/heads/main && pass "a new default branch queues its tip alone" || fail "first push: $(cat "$T/jobs.json")"

b=$(commit x "second")
c=$(commit x "third")
expect_exit 0 "an update of main" -- git -C "$W" push -q origin main
last_job "$a" "$c" refs/heads/main && pass "an update queues old..new" || fail "update: $(cat "$T/jobs.json")"

git -C "$W" checkout -q -b feature "$b"
d=$(commit x "on a branch")
e=$(commit x "more on it")
expect_exit 0 "a new branch" -- git -C "$W" push -q origin feature
last_job "$b" "$e" refs/heads/feature && pass "a new branch queues merge-base..tip" || fail "new branch: $(cat "$T/jobs.json")"

n=$(count)
expect_exit 0 "deleting the branch" -- git -C "$W" push -q origin :feature
git -C "$W" tag v1 "$c"
expect_exit 0 "pushing a tag" -- git -C "$W" push -q origin v1
[ "$(count)" = "$n" ] && pass "a deleted branch and a tag queue nothing" || fail "jobs after delete/tag: $(count), was $n"

git -C "$W" checkout -q main
f=$(commit x "while perfwarden is down")
expect_exit 0 "a push while the database is unreachable" -- \
	env PERFWARDEN_DATABASE_URL="host=$T/nosocket dbname=x connect_timeout=2" git -C "$W" push -q origin main
expect_grep "perfwarden: warning: could not queue refs/heads/main" "$T/err" "the push warns"
[ "$(git -C "$S" rev-parse main)" = "$f" ] && pass "the push went through anyway" || fail "the push was lost"
[ "$(count)" = "$n" ] && pass "nothing was queued" || fail "queued while down?"

PERFWARDEN=$T/no-such-perfwarden
export PERFWARDEN
g=$(commit x "without perfwarden installed")
expect_exit 0 "a push without perfwarden installed" -- git -C "$W" push -q origin main
expect_grep "perfwarden: warning" "$T/err" "the push warns that perfwarden is missing"
finish
