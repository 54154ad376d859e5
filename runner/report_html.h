#ifndef PERFWARDEN_REPORT_HTML_H
#define PERFWARDEN_REPORT_HTML_H

#include <stddef.h>

#include "db.h"
#include "error.h"
#include "strbuf.h"

/*
 * The static HTML report: one benchmark's history chart and verdict table as
 * ONE self-contained file (Chart.js, the page's JS and CSS and the data all
 * inlined) that opens from disk with no server and no network — a CI
 * artifact. The data is the dashboard's own (/api/history, /api/changes
 * through api_route), so the report and the dashboard agree.
 */
struct report_html_options {
	const char *repo;        /* repository location; NULL: every repository */
	const char *benchmark;   /* required */
	const char *metric;      /* NULL: wall */
	const char *environment; /* fingerprint; NULL: every environment */
	size_t limit;            /* newest commits to show, 1..5000 */
};

#define REPORT_HTML_OPTIONS_INIT                                                                   \
	{                                                                                          \
		NULL, NULL, NULL, NULL, 500                                                        \
	}

/*
 * Append the report to `out`. PW_ENOTFOUND when the benchmark has no runs,
 * PW_EINVALID for a bad option (the message says which), PW_EIO when Chart.js
 * cannot be read (api_chartjs_path()), PW_EDB when the store fails.
 */
int report_html_build(struct store *s, const struct report_html_options *o, struct strbuf *out,
                      struct pw_error *err);

#endif
