#!/usr/bin/env bash
# perfwarden system show/tune/reset: on this real machine (show), and on a
# fixture sysfs/procfs tree under PERFWARDEN_SYSFS_ROOT (tune + reset really
# write and restore its files, byte for byte).
source "$(dirname "$0")/lib.sh"

# --- the real machine ---
expect_exit 0 "system show on this machine" -- "$PW" system show
expect_grep '^governor ' "$T/out" "show lists the governor"
expect_grep '^aslr ' "$T/out" "show lists ASLR"
expect_grep '^fingerprint [0-9a-f]{16}, default benchmark cpu [0-9]+$' "$T/out" "show ends with the fingerprint"
cp "$T/out" "$T/show1"

expect_exit 0 "system show --json" -- "$PW" system show --json
if python3 -m json.tool "$T/out" >/dev/null; then pass "--json is valid JSON"; else fail "--json is not valid JSON"; fi
fp1=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["fingerprint"])' "$T/out")
names=$(python3 -c 'import json,sys; print(" ".join(i["name"] for i in json.load(open(sys.argv[1]))["items"]))' "$T/out")
case "$names" in *governor*aslr*) pass "--json has governor and aslr items" ;; *) fail "--json items: $names" ;; esac
expect_exit 0 "system show --json again" -- "$PW" system show --json
fp2=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["fingerprint"])' "$T/out")
[[ "$fp1" =~ ^[0-9a-f]{16}$ && "$fp1" == "$fp2" ]] && pass "fingerprint is stable ($fp1)" || fail "fingerprint '$fp1' then '$fp2'"
grep -q "fingerprint $fp1," "$T/show1" && pass "table and JSON agree on the fingerprint" || fail "table and JSON fingerprints differ"

expect_exit 2 "unknown subcommand" -- "$PW" system frobnicate
expect_grep "^perfwarden system: unknown subcommand 'frobnicate'" "$T/err" "unknown subcommand is named"
expect_exit 2 "unknown option" -- "$PW" system show --yaml
expect_grep "unexpected argument '--yaml'" "$T/err" "unknown option is named"
expect_exit 2 "no subcommand" -- "$PW" system
expect_grep "usage: perfwarden system" "$T/err" "usage without a subcommand"

# --- a fixture tree: a two-cpu machine with cpufreq, badly tuned ---
R=$T/root
C=$R/sys/devices/system/cpu
mkdir -p "$C/cpufreq" "$R/proc/sys/kernel"
printf '0-1\n' >"$C/online"
printf '\n' >"$C/isolated"
printf '1\n' >"$C/cpufreq/boost"
for c in 0 1; do
	mkdir -p "$C/cpu$c/cpufreq"
	printf 'acpi-cpufreq\n' >"$C/cpu$c/cpufreq/scaling_driver"
	printf 'powersave\n' >"$C/cpu$c/cpufreq/scaling_governor"
	printf '1200000\n' >"$C/cpu$c/cpufreq/scaling_min_freq"
	printf '3600000\n' >"$C/cpu$c/cpufreq/scaling_max_freq"
done
printf 'schedutil' >"$C/cpu1/cpufreq/scaling_governor" # no newline: must come back as it was
printf '2\n' >"$R/proc/sys/kernel/randomize_va_space"
printf 'fixture\n' >"$R/proc/sys/kernel/hostname"
cp -a "$R" "$T/orig"
export PERFWARDEN_SYSFS_ROOT=$R

expect_exit 0 "show on the fixture" -- "$PW" system show
expect_grep '^governor +cpu0=powersave,cpu1=schedutil +bad +set governor to performance: perfwarden system tune' "$T/out" "fixture governor is bad with advice"
expect_grep '^turbo/boost +on: 1 \(cpufreq/boost\) +bad' "$T/out" "fixture boost is on"
expect_grep '^scaling driver +acpi-cpufreq' "$T/out" "fixture scaling driver"
expect_grep '^cpu model +not available' "$T/out" "missing cpuinfo is not available"
fp_before=$(grep -oE '^fingerprint [0-9a-f]+' "$T/out")

if [ "$(id -u)" != 0 ]; then
	expect_exit 2 "tune as a normal user" -- "$PW" system tune
	expect_grep "must run as root" "$T/err" "non-root tune says it needs root"
	echo "not root: the tune/reset round trip needs root, skipped"
	finish
	exit $?
fi
expect_exit 0 "tune on the fixture" -- "$PW" system tune
expect_grep "^changed /sys/devices/system/cpu/cpu0/cpufreq/scaling_governor: powersave -> performance$" "$T/out" "tune says what it changed"
expect_grep "^not available: /sys/devices/system/cpu/intel_pstate/no_turbo$" "$T/out" "tune says what was not available"
expect_grep "system-tune.json" "$T/out" "tune says where it saved the previous values"
[ "$(cat "$C/cpu1/cpufreq/scaling_governor")" = performance ] && pass "governor written" || fail "governor not written"
[ "$(cat "$C/cpu0/cpufreq/scaling_min_freq")" = 3600000 ] && pass "min freq = max freq" || fail "min freq not written"
[ "$(cat "$C/cpufreq/boost")" = 0 ] && pass "boost off" || fail "boost not written"
[ -f "$PERFWARDEN_HOME/system-tune.json" ] && python3 -m json.tool "$PERFWARDEN_HOME/system-tune.json" >/dev/null &&
	pass "previous values saved as JSON" || fail "no valid system-tune.json"

expect_exit 0 "show after tune" -- "$PW" system show
expect_grep '^governor +performance +good$' "$T/out" "governor is good after tune"
fp_after=$(grep -oE '^fingerprint [0-9a-f]+' "$T/out")
[ "$fp_before" != "$fp_after" ] && pass "tuning changes the fingerprint" || fail "fingerprint unchanged by tune"

expect_exit 0 "tune again (nothing left to change)" -- "$PW" system tune
expect_grep "^nothing to change$" "$T/out" "second tune changes nothing"

expect_exit 0 "reset on the fixture" -- "$PW" system reset
expect_grep "^restored /sys/devices/system/cpu/cpu1/cpufreq/scaling_governor: performance -> schedutil$" "$T/out" "reset says what it restored"
if diff -r "$T/orig" "$R" >"$T/diff"; then pass "reset restores every file byte for byte"; else fail "tree differs after reset: $(cat "$T/diff")"; fi
[ ! -e "$PERFWARDEN_HOME/system-tune.json" ] && pass "state file removed after reset" || fail "state file left behind"

expect_exit 0 "reset with nothing to restore" -- "$PW" system reset
expect_grep "^nothing to restore" "$T/out" "reset says there is nothing to restore"

printf '{ broken' >"$PERFWARDEN_HOME/system-tune.json"
expect_exit 2 "reset with a garbled state file" -- "$PW" system reset
expect_grep "^perfwarden system: '.*system-tune.json' is not a perfwarden tune state" "$T/err" "garbled state is named"
rm -f "$PERFWARDEN_HOME/system-tune.json"

# --- not root: a clear refusal, nothing written ---
cp "$PW" "$T/perfwarden"
chmod 755 "$T/perfwarden"
chmod -R a+rX "$R"
chmod 777 "$PERFWARDEN_HOME"
expect_exit 2 "tune as nobody" -- runuser -u nobody -- env PERFWARDEN_SYSFS_ROOT="$R" PERFWARDEN_HOME="$PERFWARDEN_HOME" "$T/perfwarden" system tune
expect_grep "^perfwarden system: system tune must run as root" "$T/err" "non-root tune says it needs root"
expect_exit 2 "reset as nobody" -- runuser -u nobody -- env PERFWARDEN_SYSFS_ROOT="$R" PERFWARDEN_HOME="$PERFWARDEN_HOME" "$T/perfwarden" system reset
expect_grep "must run as root" "$T/err" "non-root reset says it needs root"
if diff -r "$T/orig" "$R" >/dev/null; then pass "non-root tune wrote nothing"; else fail "non-root tune changed the tree"; fi

finish
