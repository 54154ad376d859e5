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

/* `perfwarden check`: the verdict table, then the net effect of the range. */
void report_check_table(const struct check_result *r, struct strbuf *out);

/* `perfwarden check --json`: {"results": [...], "net": {...}, "exit_code": n}. New reference. */
json_t *report_check_json(const struct check_result *r);

/* JUnit XML: one test case per commit and benchmark; failures carry the reason. */
void report_check_junit(const struct check_result *r, struct strbuf *out);

/* A Markdown summary table. */
void report_check_markdown(const struct check_result *r, struct strbuf *out);

/* A duration in ns for people: "812.3 ms", "1.204 s", "95.1 µs". */
void report_duration(double ns, struct strbuf *out);

#endif
