/*
 * `perfwarden report --html`: the dashboard's history view as one file, one
 * section per benchmark (the one --benchmark names, else every one stored). The
 * page template (runner/service/assets/report.html) has slots that are filled
 * here: the CSS, Chart.js (read from Debian's libjs-chart.js at run time), the
 * flame graph library (compiled in from npm's d3-flame-graph; "" without it),
 * the page's JS (runner/service/assets/app.js, flame.js) and the data — the JSON of
 * /api/history, /api/changes and /api/explain (the slower commits whose
 * profiles were kept), asked of api_route() so the numbers are the
 * dashboard's. Inlined JSON escapes '<', '>' and '&' (as \u003c...), so no
 * "</script>" can end its block and no "<!--" can open an HTML comment
 * inside it (which would swallow the rest of the page: a commit subject is
 * data anyone who pushes can write). report_html_explain() writes one
 * explanation's page the same way (source lines are such data too).
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "explain.h"
#include "query.h"
#include "report_html.h"
#include "spec.h"

struct params {
	const char *keys[6];
	const char *values[6];
	size_t n;
};

static const char *param_lookup(void *ctx, const char *key)
{
	struct params *p = ctx;
	size_t i;

	for (i = 0; i < p->n; i++)
		if (!strcmp(p->keys[i], key))
			return p->values[i];
	return NULL;
}

static void param_add(struct params *p, const char *key, const char *value)
{
	if (!value)
		return;
	p->keys[p->n] = key;
	p->values[p->n++] = value;
}

/* Ask api_route for `path`; its JSON document into *out, or the error it answered. */
static int fetch(struct store *s, const char *path, struct params *p, json_t **out,
                 struct pw_error *err)
{
	struct api_response resp = API_RESPONSE_INIT;
	json_t *doc = NULL;
	int ret;

	if ((ret = api_route(s, path, param_lookup, p, &resp, err)) < 0)
		goto done;
	doc = json_loads(strbuf_str(&resp.body), 0, NULL);
	if (resp.status != 200) {
		const char *msg = json_string_value(json_object_get(doc, "error"));

		ret = pw_error_set(err, resp.status == 404 ? PW_ENOTFOUND : PW_EINVALID, "%s",
		                   msg ? msg : "unexpected answer");
		goto done;
	}
	*out = doc;
	doc = NULL;
done:
	json_decref(doc);
	api_response_release(&resp);
	return ret;
}

/* The template split at each "/\*PW:name*\/" slot, filled in order. */
static int fill_template(struct strbuf *out, const char *tmpl, const char *names[],
                         const char *values[], size_t nslots, struct pw_error *err)
{
	const char *p = tmpl;
	size_t i;

	for (i = 0; i < nslots; i++) {
		struct strbuf slot = STRBUF_INIT;
		const char *at;

		strbuf_addf(&slot, "/*PW:%s*/", names[i]);
		at = strstr(p, slot.buf);
		if (!at) {
			strbuf_release(&slot);
			return pw_error_set(err, PW_ERROR, "report template has no '%s' slot",
			                    names[i]);
		}
		strbuf_add(out, p, (size_t)(at - p));
		strbuf_addstr(out, values[i]);
		p = at + slot.len;
		strbuf_release(&slot);
	}
	strbuf_addstr(out, p);
	return 0;
}

/*
 * Where the time of the newest REPORT_HTML_EXPLAINED slower commits of the
 * history went: /api/explain's answer for each whose profiles were kept
 * (the others are left out: nothing is profiled here).
 */
#define REPORT_HTML_EXPLAINED 20

static json_t *explanations(struct store *s, const struct report_html_options *o,
                            const char *benchmark, const json_t *history)
{
	json_t *list = json_array(), *commits = json_object_get(history, "commits");
	struct pw_error err = PW_ERROR_INIT;
	size_t i;

	for (i = 0; i < json_array_size(commits) && json_array_size(list) < REPORT_HTML_EXPLAINED;
	     i++) {
		const json_t *c = json_array_get(commits, i);
		const char *v = json_string_value(json_object_get(c, "verdict"));
		struct params p = {{0}, {0}, 0};
		json_t *doc = NULL;

		if (!v || strcmp(v, "slower"))
			continue;
		param_add(&p, "commit", json_string_value(json_object_get(c, "hash")));
		param_add(&p, "repo", o->repo);
		param_add(&p, "benchmark", benchmark);
		if (fetch(s, "/api/explain", &p, &doc, &err) == 0)
			json_array_append_new(list, doc);
		pw_error_clear(&err);
	}
	pw_error_release(&err);
	return list;
}

/* One benchmark's part of the data: {benchmark, history, changes}; the history's metric to *metric.
 */
static int bench_data(struct store *s, const struct report_html_options *o, const char *benchmark,
                      json_t *list, json_t **metric, struct pw_error *err)
{
	struct params p = {{0}, {0}, 0};
	struct strbuf limit = STRBUF_INIT;
	json_t *history = NULL, *changes = NULL;
	int ret;

	strbuf_addf(&limit, "%zu", o->limit);
	param_add(&p, "repo", o->repo);
	param_add(&p, "benchmark", benchmark);
	param_add(&p, "metric", o->metric);
	param_add(&p, "env", o->environment);
	if ((ret = fetch(s, "/api/changes", &p, &changes, err)) < 0)
		goto done;
	param_add(&p, "limit", limit.buf);
	if ((ret = fetch(s, "/api/history", &p, &history, err)) < 0)
		goto done;
	if (!*metric)
		*metric = json_incref(json_object_get(history, "metric"));
	json_array_append_new(list,
	                      json_pack("{s:s,s:O,s:O,s:o}", "benchmark", benchmark, "history",
	                                history, "changes", changes, "explanations",
	                                explanations(s, o, benchmark, history)));
done:
	json_decref(history);
	json_decref(changes);
	strbuf_release(&limit);
	return ret;
}

/* Every benchmark's part of the data, into `list`. */
static int benchmarks_data(struct store *s, const struct report_html_options *o, json_t *list,
                           json_t **metric, struct pw_error *err)
{
	char **names = NULL;
	size_t i, n = 0;
	int ret;

	if ((ret = store_benchmark_names(s, o->repo, o->environment, &names, &n, err)) < 0)
		goto done;
	/* --benchmark: that one, or every combination of a benchmark with params */
	if (o->benchmark && !(n = spec_select_series(names, n, o->benchmark))) {
		ret = bench_data(s, o, o->benchmark, list, metric, err);
		goto done;
	}
	if (!n) {
		ret = pw_error_set(err, PW_ENOTFOUND, "no runs stored%s%s%s",
		                   o->repo ? " in '" : "", o->repo ? o->repo : "",
		                   o->repo ? "'" : "");
		goto done;
	}
	for (i = 0; i < n && ret == 0; i++)
		ret = bench_data(s, o, names[i], list, metric, err);
done:
	store_names_free(names, n);
	return ret;
}

/* A vendored asset, or "" when this perfwarden was built without it (the page says so). */
static const char *optional_asset(const char *name)
{
	const char *a = api_asset(name);

	return a ? a : "";
}

/*
 * JSON text as a <script> block may hold it: '<', '>' and '&' as \u escapes
 * (they only occur inside strings, where the escape means the same).
 */
static void inline_safe(struct strbuf *out, const char *json)
{
	const char *p;

	for (p = json; *p; p++) {
		if (*p == '<')
			strbuf_addstr(out, "\\u003c");
		else if (*p == '>')
			strbuf_addstr(out, "\\u003e");
		else if (*p == '&')
			strbuf_addstr(out, "\\u0026");
		else
			strbuf_addch(out, *p);
	}
}

int report_html_build(struct store *s, const struct report_html_options *o, struct strbuf *out,
                      struct pw_error *err)
{
	struct strbuf chartjs = STRBUF_INIT, inlined = STRBUF_INIT;
	json_t *list = json_array(), *metric = NULL, *data = NULL;
	const char *names[] = {"style",      "flamegraph_css", "chartjs", "d3",
	                       "flamegraph", "flame",          "app",     "data"};
	const char *values[8];
	char *text = NULL, generated[32];
	time_t now = time(NULL);
	struct tm tm;
	int ret;

	if (strbuf_read_file(&chartjs, api_chartjs_path()) < 0) {
		ret = pw_error_errno(
		        err, PW_EIO,
		        "could not read chart.js '%s' (install Debian's libjs-chart.js)",
		        api_chartjs_path());
		goto done;
	}
	if (strstr(chartjs.buf, "</script")) {
		ret = pw_error_set(err, PW_EINVALID, "'%s' cannot be inlined: it holds '</script'",
		                   api_chartjs_path());
		goto done;
	}
	if ((ret = benchmarks_data(s, o, list, &metric, err)) < 0)
		goto done;
	gmtime_r(&now, &tm);
	strftime(generated, sizeof(generated), "%Y-%m-%dT%H:%M:%SZ", &tm);
	data = json_pack("{s:o,s:s?,s:O,s:s,s:O}", "repo",
	                 o->repo ? json_string(o->repo) : json_null(), "benchmark", o->benchmark,
	                 "metric", metric, "generated", generated, "benchmarks", list);
	if (o->repo && (!strncmp(o->repo, "https://", 8) || !strncmp(o->repo, "http://", 7))) {
		struct strbuf forge = STRBUF_INIT;

		strbuf_addstr(&forge, o->repo);
		if (forge.len > 4 && !strcmp(forge.buf + forge.len - 4, ".git"))
			strbuf_setlen(&forge, forge.len - 4);
		json_object_set_new(data, "forge_url", json_string(forge.buf));
		strbuf_release(&forge);
	}
	text = json_dumps(data, JSON_COMPACT | JSON_ESCAPE_SLASH);
	if (!text) {
		ret = pw_error_set(err, PW_ERROR, "could not encode the report's data");
		goto done;
	}
	inline_safe(&inlined, text);
	if (!api_asset("report.html") || !api_asset("app.js") || !api_asset("style.css")) {
		ret = pw_error_set(err, PW_ERROR, "the report assets were not compiled in");
		goto done;
	}
	values[0] = api_asset("style.css");
	values[1] = optional_asset("d3-flamegraph.css");
	values[2] = chartjs.buf;
	values[3] = optional_asset("d3-selection.min.js");
	values[4] = optional_asset("d3-flamegraph.min.js");
	values[5] = optional_asset("flame.js");
	values[6] = api_asset("app.js");
	values[7] = inlined.buf;
	ret = fill_template(out, api_asset("report.html"), names, values, 8, err);
done:
	free(text);
	strbuf_release(&inlined);
	json_decref(list);
	json_decref(metric);
	json_decref(data);
	strbuf_release(&chartjs);
	return ret;
}

int report_html_explain(const struct explain_result *r, struct strbuf *out, struct pw_error *err)
{
	const char *names[] = {"style", "flamegraph_css", "d3", "flamegraph", "flame", "data"};
	const char *values[6];
	struct strbuf inlined = STRBUF_INIT;
	json_t *doc = explain_json(r), *flame = explain_flame_json(r);
	char *text;
	int ret;

	json_object_set_new(doc, "flame", flame ? flame : json_null());
	text = json_dumps(doc, JSON_COMPACT | JSON_ESCAPE_SLASH);
	json_decref(doc);
	if (!text)
		return pw_error_set(err, PW_ERROR, "could not encode the explanation");
	if (!api_asset("explain.html") || !api_asset("flame.js") || !api_asset("style.css")) {
		free(text);
		return pw_error_set(err, PW_ERROR,
		                    "the explain page's assets were not compiled in");
	}
	/* source lines and subjects are anyone's text: inlined as the report's data is */
	inline_safe(&inlined, text);
	/* without the vendored library the page says so (perfwardenFlame) */
	values[0] = api_asset("style.css");
	values[1] = optional_asset("d3-flamegraph.css");
	values[2] = optional_asset("d3-selection.min.js");
	values[3] = optional_asset("d3-flamegraph.min.js");
	values[4] = api_asset("flame.js");
	values[5] = inlined.buf;
	ret = fill_template(out, api_asset("explain.html"), names, values, 6, err);
	free(text);
	strbuf_release(&inlined);
	return ret;
}
