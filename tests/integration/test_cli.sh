# The options the commands share are parsed in one place (runner/cli/cli.c):
# every command takes them the same way and refuses a bad one with the same
# one-line message and exit 2. No database is needed: --database names a
# socket that is not there.
. "$(dirname "$0")/lib.sh"

git init -q "$T/repo"
git -C "$T/repo" commit -q --allow-empty -m one
H=$(git -C "$T/repo" rev-parse HEAD)
cd "$T/repo"
NODB="host=$T/nosocket dbname=x"

# one_line CMD PATTERN DESCRIPTION: stderr is exactly one line, "perfwarden CMD: ..." matching PATTERN
one_line() {
	if [ "$(wc -l <"$T/err")" = 1 ] && grep -qE -- "^perfwarden $1: $2\$" "$T/err"; then
		pass "$3"
	else
		fail "$3: stderr is not the one line /perfwarden $1: $2/"
		sed 's/^/  | /' "$T/err" | head -5 >&2
	fi
}

# Every command that takes --database, with operands that get it as far as the database.
declare -A dbcmd=(
	[history]="history" [show]="show $H" [compare]="compare $H $H"
	[report]="report --html $T/r.html" [db]="db status" [jobs]="jobs" [notify]="notify --retry"
	[enqueue]="enqueue HEAD" [worker]="worker --once" [run]="run HEAD" [check]="check HEAD"
	[bisect]="bisect HEAD HEAD" [serve]="serve --listen 127.0.0.1:0"
)
for cmd in "${!dbcmd[@]}"; do
	read -ra args <<<"${dbcmd[$cmd]}"
	expect_exit 2 "$cmd --database CONN" -- timeout 60 "$PW" "${args[@]}" --database "$NODB"
	one_line "$cmd" "could not connect to the database \(socket '$T/nosocket', database 'x'\).*" \
		"$cmd names the --database it was given"
	expect_exit 2 "$cmd --database=CONN" -- timeout 60 "$PW" "${args[@]}" "--database=$NODB"
	one_line "$cmd" "could not connect to the database \(socket '$T/nosocket', database 'x'\).*" \
		"$cmd takes --database=CONN the same way"
	expect_exit 2 "$cmd --database without a value" -- "$PW" "${args[@]}" --database
	one_line "$cmd" "option '--database' needs a value" "$cmd: a missing value is named"
	expect_exit 0 "$cmd --help" -- "$PW" "$cmd" --help
	expect_grep "^usage: perfwarden $cmd" "$T/out" "$cmd --help starts with its usage"
	expect_grep "^  --database CONN +PostgreSQL conninfo" "$T/out" "$cmd --help describes --database"
done

# An unknown option: the same line from every command, nothing on stdout.
for cmd in run check bisect verify db history show compare report serve worker enqueue jobs notify; do
	expect_exit 2 "$cmd --frobnicate" -- "$PW" "$cmd" --frobnicate
	one_line "$cmd" "unknown option '--frobnicate' \(see 'perfwarden $cmd --help'\)" \
		"$cmd names the unknown option"
	[ -s "$T/out" ] && fail "$cmd --frobnicate printed on stdout" || pass "$cmd: nothing on stdout"
	expect_exit 2 "$cmd --help=yes" -- "$PW" "$cmd" --help=yes
	one_line "$cmd" "option '--help' takes no value" "$cmd: a value for a flag is refused"
done

# --limit: one parser, each command's range, never a database error.
for spec in "history 0 1000000" "jobs 1 1000000" "report 1 5000"; do
	read -r cmd lo hi <<<"$spec"
	extra=()
	[ "$cmd" = report ] && extra=(--html "$T/r.html")
	for bad in 99999999999999999999 ten -1 "" $((hi + 1)); do
		expect_exit 2 "$cmd --limit '$bad'" -- "$PW" "$cmd" "${extra[@]}" --database "$NODB" --limit "$bad"
		one_line "$cmd" "'--limit $bad': expected a number from $lo to $hi" "$cmd --limit '$bad' says the range"
	done
done

# --cpu: the measuring commands and the worker check it alike.
for cmd in run check bisect worker; do
	expect_exit 2 "$cmd --cpu many" -- "$PW" "$cmd" --cpu many --database "$NODB"
	one_line "$cmd" "'--cpu many': expected a number from 0 to 4095" "$cmd --cpu many says the range"
	expect_exit 2 "$cmd --cpu 4096" -- "$PW" "$cmd" --cpu 4096 --database "$NODB"
	one_line "$cmd" "'--cpu 4096': expected a number from 0 to 4095" "$cmd --cpu 4096 says the range"
done

# --metric (a stored metric) and the output format.
for cmd in history report; do
	extra=()
	[ "$cmd" = report ] && extra=(--html "$T/r.html")
	expect_exit 2 "$cmd --metric bogus" -- "$PW" "$cmd" "${extra[@]}" --metric bogus --database "$NODB"
	one_line "$cmd" "'--metric bogus': expected wall, user, sys, .*cache_misses" "$cmd --metric lists the metrics"
done
for cmd in "history" "compare $H $H"; do
	read -ra args <<<"$cmd"
	expect_exit 2 "${args[0]} --json --csv" -- "$PW" "${args[@]}" --json --csv --database "$NODB"
	one_line "${args[0]}" "--json and --csv do not go together" "${args[0]}: --json with --csv is refused"
done

# The other numbers a command takes read the same way.
expect_exit 2 "worker --lease 0" -- "$PW" worker --lease 0
one_line worker "'--lease 0': expected a number from 1 to 86400" "worker --lease says the range"
expect_exit 2 "enqueue --attempts 101" -- "$PW" enqueue --attempts 101 HEAD
one_line enqueue "'--attempts 101': expected a number from 1 to 100" "enqueue --attempts says the range"
finish
