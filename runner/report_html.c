/*
 * `perfwarden report --html`: the dashboard's history view as one file. The
 * page template (runner/assets/report.html) has four slots that are filled
 * here: the CSS, Chart.js (read from Debian's libjs-chart.js at run time),
 * the page's JS (runner/assets/app.js) and the data — the JSON of
 * /api/history and /api/changes, asked of api_route() so the numbers are the
 * dashboard's. Inlined JSON escapes '/' so no "</script>" can end its block.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "report_html.h"

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

int report_html_build(struct store *s, const struct report_html_options *o, struct strbuf *out,
                      struct pw_error *err)
{
	struct params p = {{0}, {0}, 0};
	struct strbuf chartjs = STRBUF_INIT, limit = STRBUF_INIT;
	json_t *history = NULL, *changes = NULL, *data = NULL;
	const char *names[] = {"style", "chartjs", "app", "data"};
	const char *values[4];
	char *text = NULL, generated[32];
	time_t now = time(NULL);
	struct tm tm;
	int ret;

	if (!o->benchmark)
		return pw_error_set(err, PW_EINVALID, "no benchmark named");
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
	strbuf_addf(&limit, "%zu", o->limit);
	param_add(&p, "repo", o->repo);
	param_add(&p, "benchmark", o->benchmark);
	param_add(&p, "metric", o->metric);
	param_add(&p, "env", o->environment);
	if ((ret = fetch(s, "/api/changes", &p, &changes, err)) < 0)
		goto done;
	param_add(&p, "limit", limit.buf);
	if ((ret = fetch(s, "/api/history", &p, &history, err)) < 0)
		goto done;
	gmtime_r(&now, &tm);
	strftime(generated, sizeof(generated), "%Y-%m-%dT%H:%M:%SZ", &tm);
	data = json_pack("{s:o,s:s,s:O,s:s,s:O,s:O}", "repo",
	                 o->repo ? json_string(o->repo) : json_null(), "benchmark", o->benchmark,
	                 "metric", json_object_get(history, "metric"), "generated", generated,
	                 "history", history, "changes", changes);
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
	if (!api_asset("report.html") || !api_asset("app.js") || !api_asset("style.css")) {
		ret = pw_error_set(err, PW_ERROR, "the report assets were not compiled in");
		goto done;
	}
	values[0] = api_asset("style.css");
	values[1] = chartjs.buf;
	values[2] = api_asset("app.js");
	values[3] = text;
	ret = fill_template(out, api_asset("report.html"), names, values, 4, err);
done:
	free(text);
	json_decref(history);
	json_decref(changes);
	json_decref(data);
	strbuf_release(&chartjs);
	strbuf_release(&limit);
	return ret;
}
