#!/usr/bin/env python3
"""Scores `perfwarden check --json` documents against the manifest of an
accuracy history (ci/bench/accuracy): which commits were slowed, undone or
neutral. Prints one table row per scenario and the slowdown commits' details.

usage: accuracy-score.py MANIFEST TIMES IDLE.json LOADED.json
"""
import json
import statistics
import sys


def score(manifest, doc):
    by_commit = {r["commit"]: r for r in doc["results"]}
    row = {"found": {}, "undone": {}, "false": 0, "neutral": 0, "runs": [], "details": [],
           "noise": [r["noise"] for r in doc["results"] if r.get("noise") is not None]}
    for commit, kind, pct in manifest:
        r = by_commit.get(commit)
        verdict = r["verdict"] if r else "missing"
        if r:
            row["runs"].append(r.get("runs") or 0)
        if kind == "slow":
            hit = verdict == "slower"
            row["found"].setdefault(pct, []).append(hit)
            ci = r.get("ci") if r else None
            row["details"].append("%3d%% %s %-7s ratio %s ci %s runs %s noise %s" % (
                pct, commit[:7], verdict,
                "%.4f" % r["ratio"] if r and r.get("ratio") is not None else "-",
                "[%.4f, %.4f]" % tuple(ci) if ci and None not in ci else "-",
                r.get("runs") if r else "-",
                "%.1f%%" % (100 * r["noise"]) if r and r.get("noise") is not None else "-"))
        elif kind == "undo":
            row["undone"].setdefault(pct, []).append(verdict == "faster")
            if verdict == "slower":
                row["false"] += 1
                row["details"].append("  false alarm (undo read slower): %s ratio %.4f" % (commit[:7], r["ratio"]))
        elif kind == "neutral":
            row["neutral"] += 1
            if verdict != "ok":
                row["false"] += 1
                row["details"].append("  false alarm: %s %s ratio %.4f ci %s p %s runs %s noise %s" % (
                    commit[:7], verdict, r["ratio"] if r and r.get("ratio") is not None else float("nan"),
                    "[%.4f, %.4f]" % tuple(r["ci"]) if r and r.get("ci") and None not in r["ci"] else "-",
                    "%.4f" % r["p_value"] if r and r.get("p_value") is not None else "-",
                    r.get("runs") if r else "-",
                    "%.1f%%" % (100 * r["noise"]) if r and r.get("noise") is not None else "-"))
    return row


def frac(hits):
    return "%d/%d" % (sum(hits), len(hits))


def main():
    manifest = []
    for line in open(sys.argv[1]):
        commit, kind, pct = line.split()
        manifest.append((commit, kind, int(pct)))
    times = {}
    for line in open(sys.argv[2]):
        name, secs, *load = line.split()
        times[name] = (float(secs), " ".join(load))
    pcts = [2, 5, 10, 25]
    head = "| scenario | " + " | ".join("%d%% found" % p for p in pcts) + \
        " | undos faster | false alarms | runs/commit median (mean, max) | noise (median) | wall | load avg |"
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    details = []
    for name, path in (("idle", sys.argv[3]), ("loaded", sys.argv[4])):
        row = score(manifest, json.load(open(path)))
        undone = [h for p in pcts for h in row["undone"].get(p, [])]
        runs = row["runs"]
        secs, load = times.get(name, (float("nan"), "-"))
        noise = "%.1f%%" % (100 * statistics.median(row["noise"])) if row["noise"] else "-"
        print("| %s | %s | %s | %s/%s | %.0f (%.1f, %d) | %s | %.0f s | %s |" % (
            name, " | ".join(frac(row["found"].get(p, [])) for p in pcts),
            frac(undone), row["false"], row["neutral"] + len(undone),
            statistics.median(runs), statistics.mean(runs), max(runs), noise, secs, load))
        details.append((name, row["details"]))
    for name, lines in details:
        print("\n%s:" % name)
        for line in lines:
            print("  " + line)


if __name__ == "__main__":
    main()
