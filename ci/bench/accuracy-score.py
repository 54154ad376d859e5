#!/usr/bin/env python3
"""Scores `perfwarden check --json` documents against the manifest of an
accuracy history (ci/bench/accuracy): which commits were slowed (and how),
undone, neutral or docs-only. Prints the planted sizes as measured, then one
table row per scenario and judge, then the details of every slowdown and
every mistake.

usage: accuracy-score.py MANIFEST TIMES PLANTED SCENARIO-JUDGE.json...
"""
import json
import os
import statistics
import sys

FLAGS = {"slower", "faster"}


def is_memory(r):
    return r.get("metric") == "memory"


def score(manifest, doc):
    # the time verdicts; a check that judges peak memory too (metric "memory")
    # lists those apart, and none of these commits changes memory: any flag is false
    by_commit = {r["commit"]: r for r in doc["results"] if not is_memory(r)}
    memory_flags = ["peak memory of %s read %s: ratio %s" % (r["commit"][:7], r["verdict"],
                    "%.4f" % r["ratio"] if r.get("ratio") is not None else "-")
                    for r in doc["results"] if is_memory(r) and r["verdict"] in FLAGS]
    row = {"found": {}, "undone": [], "false": [], "undecided": 0, "unchanged": 0,
           "neutral": 0, "missed_ok": 0, "runs": [], "details": []}
    for commit, kind, cause, pct in manifest:
        r = by_commit.get(commit)
        verdict = r["verdict"] if r else "missing"
        if r:
            row["runs"].append(r.get("runs") or 0)
        if verdict == "unchanged":
            row["unchanged"] += 1
        if kind == "base":
            continue
        ratio = "%.4f" % r["ratio"] if r and r.get("ratio") is not None else "-"
        ci = r.get("ci") if r else None
        ci = "[%.4f, %.4f]" % tuple(ci) if ci and None not in ci else "-"
        if kind == "slow":
            row["found"].setdefault((cause, pct), []).append(verdict == "slower")
            if verdict == "ok":
                row["missed_ok"] += 1
            row["details"].append("%-5s %3d%% %s %-12s ratio %s ci %s runs %s" % (
                cause, pct, commit[:7], verdict, ratio, ci, r.get("runs") if r else "-"))
        elif kind == "undo":
            row["undone"].append(verdict == "faster")
            if verdict == "slower":
                row["false"].append("undo read slower: %s ratio %s ci %s" % (commit[:7], ratio, ci))
        else:
            row["neutral"] += 1
            if verdict in FLAGS:
                row["false"].append("%s commit %s read %s: ratio %s ci %s runs %s" % (
                    cause, commit[:7], verdict, ratio, ci, r.get("runs")))
            elif verdict == "inconclusive":
                row["undecided"] += 1
                row["details"].append("%s commit %s inconclusive: ratio %s ci %s runs %s" % (
                    cause, commit[:7], ratio, ci, r.get("runs")))
    row["false"] += memory_flags
    nets = [n for n in doc.get("net", {}).get("benchmarks", []) if not is_memory(n)]
    row["net"] = ",".join(n["verdict"] for n in nets) or "-"
    return row


def frac(hits):
    return "%d/%d" % (sum(hits), len(hits))


def main():
    manifest = []
    for line in open(sys.argv[1]):
        commit, kind, cause, pct = line.split()
        manifest.append((commit, kind, cause, int(pct)))
    times = {}
    for line in open(sys.argv[2]):
        name, secs, *load = line.split()
        times[name] = (float(secs), " ".join(load))
    planted = dict(line.split() for line in open(sys.argv[3]))
    print("planted slowdowns, as measured (each binary against its parent's, alternately, pinned,"
          " fastest of 9 each):")
    for commit, kind, cause, pct in manifest:
        if kind == "slow":
            print("  %-5s %3d%%: %+.1f%%" % (cause, pct, (float(planted[commit]) - 1) * 100))
    sizes = []
    for commit, kind, cause, pct in manifest:
        if kind == "slow" and (cause, pct) not in sizes:
            sizes.append((cause, pct))
    head = ("| scenario | judge | " + " | ".join("%s %d%%" % s for s in sizes) +
            " | undos faster | false alarms | slowdowns read ok | neutral undecided |"
            " unchanged (not run) | net | runs/commit median (mean, max) | wall | load avg |")
    print()
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    details = []
    for path in sys.argv[4:]:
        name = os.path.basename(path)[:-len(".json")]
        scenario, judge = name.rsplit("-", 1)
        row = score(manifest, json.load(open(path)))
        runs = row["runs"] or [0]
        secs, load = times.get(name, (float("nan"), "-"))
        print("| %s | %s | %s | %s | %d/%d | %d | %d/%d | %d | %s | %.0f (%.1f, %d) | %.0f s | %s |" % (
            scenario, judge, " | ".join(frac(row["found"].get(s, [])) for s in sizes),
            frac(row["undone"]), len(row["false"]), row["neutral"] + len(row["undone"]),
            row["missed_ok"], row["undecided"], row["neutral"], row["unchanged"], row["net"],
            statistics.median(runs), statistics.mean(runs), max(runs), secs, load))
        details.append((name, row["details"] + ["false alarm: " + f for f in row["false"]]))
    for name, lines in details:
        print("\n%s:" % name)
        for line in lines:
            print("  " + line)


if __name__ == "__main__":
    main()
