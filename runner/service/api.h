#ifndef PERFWARDEN_API_H
#define PERFWARDEN_API_H

#include <jansson.h>

#include "db.h"
#include "query.h"
#include "error.h"
#include "strbuf.h"

/*
 * What `perfwarden serve` answers to GET requests that are not webhooks: the
 * JSON API under /api/ and the dashboard pages (HTML, with Chart.js served
 * from the Debian package). The HTTP server (runner/service/server) owns sockets and
 * libmicrohttpd; this module only turns a path and its query parameters into
 * a response, reading the store.
 */
struct api_response {
	int status;               /* HTTP status: 200, 400, 404, 500 ... */
	const char *content_type; /* static string, e.g. "application/json" */
	struct strbuf body;
	const char *cache_control; /* static string or NULL */
};

#define API_RESPONSE_INIT                                                                          \
	{                                                                                          \
		200, "text/plain; charset=utf-8", STRBUF_INIT, NULL                                \
	}

void api_response_release(struct api_response *resp);

/* Looks up one query parameter ("limit" in ?limit=10) for api_route; NULL when absent. */
typedef const char *(*api_param_fn)(void *ctx, const char *key);

/*
 * Answer GET `path` (no query string; parameters through `param`). Returns 0
 * with `resp` filled (including 4xx answers such as an unknown commit: a JSON
 * {"error": "..."} body), PW_ENOTFOUND when `path` is not one of this module's
 * routes (the server answers 404 itself), or a negative code for a failure
 * the server should answer with 500 (message in `err`; `resp` untouched).
 */
int api_route(struct store *s, const char *path, api_param_fn param, void *ctx,
              struct api_response *resp, struct pw_error *err);

/*
 * The routes, all GET:
 *   /                      the dashboard page      /commit/<hash>  one commit's page
 *   /compare?a=&b=         the compare page        /static/<file>  the pages' JS and CSS
 *   /static/chart.js       Chart.js, read at run time from api_chartjs_path() (500 when missing)
 *   /api/repos             {"repos": [{location, name, forge_url, benchmarks: [{name,
 *                          environments: [{fingerprint, commits, runs, latest}]}]}]}
 *   /api/history?repo=&benchmark=&metric=&env=&limit=&before=&offset=
 *                          {benchmark, metric, unit, order ("first-parent" when repo is a
 *                          local repository, else "author-time"), commits: [{hash, short,
 *                          subject, author_time, verdict, run_verdict, verdict_metric,
 *                          verdict_judge, count, median, min, iqr, q1, q3,
 *                          ratio_prev}], next (cursor for before=, or null)}, newest first;
 *                          limit 1..5000 (default 200); q1/q3 are median -/+ iqr/2. In
 *                          first-parent order, a commit between the page's rows that was
 *                          not run because its newest judgement is `unchanged` (its build
 *                          equals its baseline's) is a row too: verdict "unchanged", count
 *                          0, null values, equals/equals_short the commit it equals (at
 *                          most 200 such look-ups per page)
 *   /api/changes?repo=&benchmark=&metric=&env=
 *                          {changes: [{hash, index, ratio, p_value}], segments: [{first,
 *                          last, median}]}, oldest first (index into that order)
 *   /api/commits/<commit>?repo=
 *                          the commit and every run ever stored (runs_order: per benchmark,
 *                          environment and spec newest first; `newest` false for older
 *                          measurements): id, samples, verdict, run_verdict, verdict_metric,
 *                          verdict_judge, logs, metadata, environment details, judgement
 *                          (the one that gave the run its verdict: {id, metric, judge, verdict,
 *                          baseline, ratio, ci, p_value, rounds, message, details}, or null),
 *                          the baseline's newest run (the judgement's baseline, else the
 *                          metadata's); and judgements: every judgement of the commit, newest
 *                          first, with run (the run it gave its verdict, null for an unchanged
 *                          build that was not run) and newest (of its benchmark, environment,
 *                          spec, metric and judge)
 *   /api/compare?a=&b=&repo=
 *                          per benchmark and metric, on each commit's newest run (run_a,
 *                          run_b): medians, ratio b/a, bootstrap CI, p; verdict_a/_b with
 *                          verdict_metric_a/_b when a judgement gave them
 *   /api/explain?commit=&repo=&benchmark=
 *                          where a slower commit's time (and memory) went: the newest slower
 *                          judgement of the commit (of the benchmark) names its baseline and
 *                          machine, and their stored profiles are compared (runner/explain):
 *                          `perfwarden explain --json`'s document plus flame (the differential
 *                          flame graph's tree), commit, baseline_commit, environment; 404 when
 *                          there is no slower verdict or no stored profile
 * Where a route takes a commit (/api/commits/<commit>, compare's a and b) it takes any
 * name the CLI takes: a hash or a prefix of one as it is, and HEAD, a branch, a tag or
 * HEAD~2 resolved (runner/measure/revision, the CLI's resolver) in the repository repo=
 * names — without repo=, the store's only repository — when it is on the server's
 * machine; an unknown name answers 404, a name with no such repository to resolve it 400.
 * A run's metadata carries `values` (a harness case's, per metric, with sample_seq) and,
 * for a combination of a parameterised benchmark, `family` and `params`.
 * A verdict is the newest judgement's of the run's (commit, benchmark, environment, spec),
 * wall time preferred (history: its metric first), else the run's own (run_verdict);
 * verdict_metric and verdict_judge are null when it is the run's.
 * Bad parameters answer 400, unknown commits or benchmarks 404, both {"error": "..."}.
 */

/* The dashboard asset `name` ("app.js", "style.css", ...) compiled into the binary; NULL if none.
 */
const char *api_asset(const char *name);

/*
 * A harness case's values (a run `bench/case`), for the API and `perfwarden
 * show --json`: [{metric, unit, direction, values: [every value in order],
 * sample_seq: [the kept run of the measurement each came from, parallel],
 * summary: {n, median, min, max, q1, q3, mean}}], one per metric. New reference.
 */
json_t *api_run_values_json(const struct store_run_info *r);

/* Where Chart.js is read from: $PERFWARDEN_CHARTJS, else Debian's libjs-chart.js. Borrowed. */
const char *api_chartjs_path(void);

#endif
