#ifndef PERFWARDEN_REPORT_HTML_H
#define PERFWARDEN_REPORT_HTML_H

#include <stddef.h>

#include "db.h"
#include "error.h"
#include "strbuf.h"

/*
 * The static HTML report: each benchmark's history chart and verdict table as
 * ONE self-contained file (Chart.js, the page's JS and CSS and the data all
 * inlined) that opens from disk with no server and no network — a CI
 * artifact. The data is the dashboard's own (/api/history, /api/changes
 * through api_route), so the report and the dashboard agree.
 */
struct report_html_options {
	const char *repo;        /* repository location; NULL: every repository */
	const char *benchmark;   /* NULL: every benchmark with runs (in repo and environment) */
	const char *metric;      /* NULL: wall */
	const char *environment; /* fingerprint; NULL: every environment */
	size_t limit;            /* newest commits to show, 1..5000 */
};

#define REPORT_HTML_OPTIONS_INIT                                                                   \
	{                                                                                          \
		NULL, NULL, NULL, NULL, 500                                                        \
	}

/*
 * Append the report to `out`: the data is {repo, benchmark, metric, generated,
 * benchmarks: [{benchmark, history, changes}], forge_url?}. PW_ENOTFOUND when
 * the benchmark has no runs (without one named: when nothing was stored),
 * PW_EINVALID for a bad option (the message says which), PW_EIO when Chart.js
 * cannot be read (api_chartjs_path()), PW_EDB when the store fails.
 */
int report_html_build(struct store *s, const struct report_html_options *o, struct strbuf *out,
                      struct pw_error *err);

/*
 * One explanation (runner/explain) as ONE self-contained HTML file: the
 * headline, the functions, lines and allocation sites, and the differential
 * flame graph (d3-flame-graph, compiled into the assets at build time; the
 * page says so when this perfwarden was built without it). Appended to
 * `out`. PW_ERROR when the assets were not compiled in.
 */
struct explain_result;
int report_html_explain(const struct explain_result *r, struct strbuf *out, struct pw_error *err);

#endif
