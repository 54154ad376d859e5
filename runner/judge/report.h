#ifndef PERFWARDEN_REPORT_H
#define PERFWARDEN_REPORT_H

#include <stddef.h>
#include <jansson.h>

#include "check.h"
#include "pipeline.h"
#include "strbuf.h"

/*
 * Turning results into what people and machines read: aligned text tables,
 * JSON (the schema is in the README), JUnit XML for any CI system, and
 * Markdown for a pull-request comment or $GITHUB_STEP_SUMMARY. Nothing here
 * prints; each function appends to a buffer or returns a new JSON reference.
 */

/* `perfwarden run`: one row per commit and benchmark (median, min, spread, runs, verdict). */
void report_run_table(const struct pipeline_commit *pcs, size_t n, struct strbuf *out);

/* `perfwarden run --json`: {"environment": ..., "commits": [...every sample...]}. New reference. */
json_t *report_run_json(const struct pipeline_commit *pcs, size_t n, json_t *environment,
                        const char *fingerprint);

/*
 * `perfwarden check`: one line per calibration and one on the judge, the
 * verdict table (the value column is headed by what it holds: "wall q25",
 * "cpu q25" or "instructions"; unchanged rows name the commit they equal,
 * inconclusive ones end with the change the rounds could resolve), the net
 * effect of the range, and a footer counting rounds, runs, unchanged and
 * inconclusive verdicts and saying what inconclusive does to the exit code;
 * then every error of perfwarden's own (check_result.errors), one a line.
 */
void report_check_table(const struct check_result *r, struct strbuf *out);

/*
 * The judge in one line (no newline): its name, the metric and estimator,
 * and the push's false-alarm guarantee, e.g. "judge lower-quartile-seq/3 on
 * wall time (lower quartile of interleaved rounds): a false slower/faster
 * anywhere in this push at most 5% (p < 1.6e-04 per look: 31 comparisons x
 * 5 looks)".
 */
void report_check_judge_line(const struct check_result *r, struct strbuf *out);

/*
 * `perfwarden check --json` (the schema is in the README): {"results": [...],
 * "net": {...}, "calibration": [...], the judge's fields, "errors": [...],
 * "exit_code": n}.
 * New reference.
 */
json_t *report_check_json(const struct check_result *r);

/*
 * JUnit XML: one test case per commit and benchmark; failures carry the
 * reason, an inconclusive verdict is <skipped> (a <failure> under
 * CHECK_FAIL_INCONCLUSIVE), an unchanged one passes and says why in
 * <system-out>; the judge and calibration lines are the suite's properties.
 */
void report_check_junit(const struct check_result *r, struct strbuf *out);

/* A Markdown summary for a PR comment: calibration, judge, the table and a legend. */
void report_check_markdown(const struct check_result *r, struct strbuf *out);

/* A duration in ns for people: "812.3 ms", "1.204 s", "95.1 µs". */
void report_duration(double ns, struct strbuf *out);

/*
 * A series as people read it: the benchmark ("grid", "gb/BM_sort" for a
 * harness case), with the metric in brackets unless it is time:
 * "grid (memory)", "gb/BM_sort (cpu_time)". Appended to `out`.
 */
void report_series_label(const char *benchmark, const char *metric, struct strbuf *out);

#endif
