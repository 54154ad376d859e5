/*
 * The read side of `perfwarden serve`: the JSON API the dashboard consumes and
 * the dashboard's pages themselves. runner/service/server hands every GET that is not
 * a webhook or health route to api_route(), which turns the path and its
 * query parameters into a response from the store (store/query.h,
 * store/catalog.h) and the pure statistics (runner/judge/stats.h). The pages are
 * static assets compiled into the binary (runner/service/assets/, assets.inc); they
 * fetch the JSON and draw it with Chart.js, which is read at run time from
 * Debian's libjs-chart.js. The static HTML report (runner/service/report_html) asks
 * this module for the same JSON.
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "api.h"
#include "changes.h"
#include "catalog.h"
#include "checkout.h"
#include "explain.h"
#include "judge.h"
#include "judgements.h"
#include "query.h"
#include "revision.h"
#include "stats.h"

#define API_LIMIT_DEFAULT 200
#define API_LIMIT_MAX     5000
#define API_SHORT         12

static const struct {
	const char *name;
	const char *text;
} assets[] = {
#include "assets.inc"
};

const char *api_asset(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(assets) / sizeof(assets[0]); i++)
		if (!strcmp(assets[i].name, name))
			return assets[i].text;
	return NULL;
}

const char *api_chartjs_path(void)
{
	const char *env = getenv("PERFWARDEN_CHARTJS");

	return env && *env ? env : "/usr/share/javascript/chart.js/chart.min.js";
}

void api_response_release(struct api_response *resp)
{
	strbuf_release(&resp->body);
}

static json_t *num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *str(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *short_hash(const char *hash)
{
	return hash ? json_stringn(hash, strnlen(hash, API_SHORT)) : json_null();
}

static int respond_json(struct api_response *resp, int status, json_t *doc)
{
	char *text = json_dumps(doc, JSON_COMPACT | JSON_ESCAPE_SLASH);

	json_decref(doc);
	if (!text)
		abort();
	resp->status = status;
	resp->content_type = "application/json";
	resp->cache_control = "no-store";
	strbuf_reset(&resp->body);
	strbuf_addstr(&resp->body, text);
	free(text);
	return 0;
}

static int respond_error(struct api_response *resp, int status, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static int respond_error(struct api_response *resp, int status, const char *fmt, ...)
{
	struct strbuf msg = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&msg, fmt, ap);
	va_end(ap);
	respond_json(resp, status, json_pack("{s:s}", "error", strbuf_str(&msg)));
	strbuf_release(&msg);
	return 0;
}

/* A store error as an HTTP answer: 4xx for what the request got wrong, else the caller's 500. */
static int respond_store_error(struct api_response *resp, int ret, struct pw_error *err)
{
	if (ret == PW_ENOTFOUND)
		return respond_error(resp, 404, "%s", pw_error_message(err));
	if (ret == PW_EINVALID)
		return respond_error(resp, 400, "%s", pw_error_message(err));
	return ret;
}

static int respond_text(struct api_response *resp, const char *type, const char *text,
                        const char *cache)
{
	resp->status = 200;
	resp->content_type = type;
	resp->cache_control = cache;
	strbuf_reset(&resp->body);
	strbuf_addstr(&resp->body, text);
	return 0;
}

static const char *param_get(api_param_fn param, void *ctx, const char *key)
{
	const char *v = param ? param(ctx, key) : NULL;

	return v && *v ? v : NULL;
}

/* A count in [lo, hi]; 0 when absent (*out = def), -1 when malformed or out of range. */
static int param_size(api_param_fn param, void *ctx, const char *key, size_t def, size_t lo,
                      size_t hi, size_t *out)
{
	const char *v = param_get(param, ctx, key);
	char *end;
	unsigned long long n;

	*out = def;
	if (!v)
		return 0;
	if (strspn(v, "0123456789") != strlen(v) || strlen(v) > 9)
		return -1;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno || *end || n < lo || n > hi)
		return -1;
	*out = (size_t)n;
	return 0;
}

/* `repo` (a request's ?repo=) as its repository key, kept in `key`; NULL stays NULL. */
static const char *repo_key(const char *repo, struct strbuf *key)
{
	if (!repo || checkout_repo_key(key, repo, NULL) < 0)
		return repo;
	return strbuf_str(key);
}

/*
 * The commit `rev` names, as the store looks it up, appended to `out`: a hash
 * or a prefix of one as it is; any other name (HEAD, a branch, a tag,
 * HEAD~2) resolved as the CLI resolves it (runner/measure/revision) in the
 * repository ?repo= names — or, without one, the store's only repository —
 * when that is a repository on this machine. 0, or 1 once a 400 (404 for an
 * unknown revision) answer is made.
 */
static int resolve_commit(struct store *s, const char *repo, const char *rev, struct strbuf *out,
                          struct api_response *resp)
{
	struct store_catalog cat = STORE_CATALOG_INIT;
	struct checkout_repo *r = NULL;
	struct pw_error err = PW_ERROR_INIT;
	size_t i;
	int ret = 0;

	if (!store_hash_prefix_valid(rev)) {
		if (!repo && store_catalog_load(s, &cat, &err) == 0 && cat.nrows) {
			repo = cat.rows[0].repo_location;
			for (i = 1; i < cat.nrows && repo; i++)
				if (strcmp(cat.rows[i].repo_location, repo))
					repo = NULL; /* several: which one is for ?repo= to say */
		}
		pw_error_clear(&err);
		if (repo && repo[0] == '/' && checkout_repo_open_local(&r, repo, &err) < 0)
			r = NULL;
	}
	pw_error_clear(&err);
	if (revision_resolve(r, rev, out, &err) < 0) {
		respond_error(resp, r && err.code == PW_ENOTFOUND ? 404 : 400, "%s%s",
		              pw_error_message(&err),
		              r ? "" : " (name a repository on the server's machine with ?repo=)");
		ret = 1;
	}
	checkout_repo_free(r);
	store_catalog_release(&cat);
	pw_error_release(&err);
	return ret;
}

/* The forge's web page of `hash` when the repository location is a web URL; NULL otherwise. */
static json_t *forge_url(const char *location, const char *hash)
{
	struct strbuf url = STRBUF_INIT;
	json_t *out;
	size_t len;

	if (!location)
		return json_null();
	if (!strncmp(location, "https://", 8) || !strncmp(location, "http://", 7)) {
		strbuf_addstr(&url, location);
	} else if (!strncmp(location, "git@", 4) && strchr(location, ':')) {
		const char *colon = strchr(location, ':');

		strbuf_addstr(&url, "https://");
		strbuf_add(&url, location + 4, (size_t)(colon - location - 4));
		strbuf_addch(&url, '/');
		strbuf_addstr(&url, colon + 1);
	} else {
		return json_null();
	}
	while (url.len && url.buf[url.len - 1] == '/')
		strbuf_setlen(&url, url.len - 1);
	len = url.len;
	if (len > 4 && !strcmp(url.buf + len - 4, ".git"))
		strbuf_setlen(&url, len - 4);
	if (hash)
		strbuf_addf(&url, "/commit/%s", hash);
	out = json_string(strbuf_str(&url));
	strbuf_release(&url);
	return out;
}

/* ---- /api/repos ---- */

static json_t *find_named(json_t *array, const char *key, const char *value)
{
	size_t i;
	json_t *item;

	json_array_foreach(array, i, item)
	{
		if (!strcmp(json_string_value(json_object_get(item, key)), value))
			return item;
	}
	return NULL;
}

static int route_repos(struct store *s, struct api_response *resp, struct pw_error *err)
{
	struct store_catalog cat = STORE_CATALOG_INIT;
	json_t *repos = json_array();
	size_t i;
	int ret;

	if ((ret = store_catalog_load(s, &cat, err)) < 0)
		goto done;
	for (i = 0; i < cat.nrows; i++) {
		const struct store_catalog_row *row = &cat.rows[i];
		json_t *repo = find_named(repos, "location", row->repo_location), *bench;

		if (!repo) {
			repo = json_pack("{s:s,s:o,s:o,s:[]}", "location", row->repo_location,
			                 "name", str(row->repo_name), "forge_url",
			                 forge_url(row->repo_location, NULL), "benchmarks");
			json_array_append_new(repos, repo);
		}
		bench = find_named(json_object_get(repo, "benchmarks"), "name", row->benchmark);
		if (!bench) {
			bench = json_pack("{s:s,s:[]}", "name", row->benchmark, "environments");
			json_array_append_new(json_object_get(repo, "benchmarks"), bench);
		}
		json_array_append_new(json_object_get(bench, "environments"),
		                      json_pack("{s:s,s:I,s:I,s:o}", "fingerprint",
		                                row->fingerprint, "commits",
		                                (json_int_t)row->commits, "runs",
		                                (json_int_t)row->runs, "latest", str(row->latest)));
	}
	ret = respond_json(resp, 200, json_pack("{s:O}", "repos", repos));
done:
	json_decref(repos);
	store_catalog_release(&cat);
	return ret;
}

/* ---- /api/history and /api/changes ---- */

struct history_request {
	const char *repo;
	const char *benchmark;
	enum store_metric metric;
	const char *series_metric; /* a harness case's metric (benchmark "bench/case"); or NULL */
	const char *env;
	size_t limit;  /* 0: all */
	size_t offset; /* rows to skip after the cursor */
	const char *before;
};

/* The first-parent chain of HEAD when `repo` is a local repository; 0 with list empty otherwise. */
static void first_parents(const char *repo, struct checkout_list *list)
{
	struct checkout_repo *r = NULL;
	struct pw_error err = PW_ERROR_INIT;
	struct stat st;

	if (!repo || repo[0] != '/' || stat(repo, &st) || !S_ISDIR(st.st_mode))
		return;
	if (checkout_repo_open(&r, repo, NULL, &err) == 0 &&
	    checkout_first_parents(r, "HEAD", 0, list, &err) < 0)
		checkout_list_release(list);
	checkout_repo_free(r);
	pw_error_release(&err);
}

static int prefix_matches(const char *hash, const char *prefix)
{
	size_t i;

	for (i = 0; prefix[i]; i++)
		if (!hash[i] || (hash[i] | 0x20) != (prefix[i] | 0x20))
			return 0;
	return 1;
}

/*
 * The history rows of `req`, newest first. When paged, one more row than the
 * page is read (so the page's last ratio_prev is known and `*more` is set);
 * `*first` is the index of the page's first row in `out`.
 */
static int history_load(struct store *s, const struct history_request *req,
                        struct store_history *out, size_t *first, size_t *npage, int *more,
                        const char **order, struct pw_error *err)
{
	struct checkout_list list = CHECKOUT_LIST_INIT;
	struct store_history_query q = {0};
	const char **hashes = NULL;
	size_t i, start = 0, n;
	int ret = 0;

	*first = 0;
	*npage = 0;
	*more = 0;
	q.repo_location = req->repo;
	q.benchmark = req->benchmark;
	q.metric = req->metric;
	q.series_metric = req->series_metric;
	q.fingerprint = req->env;
	first_parents(req->repo, &list);
	*order = list.ncommits ? "first-parent" : "author-time";
	if (list.ncommits) {
		if (req->before) {
			for (start = 0; start < list.ncommits; start++)
				if (prefix_matches(list.commits[start].hash, req->before))
					break;
			if (start == list.ncommits) {
				ret = pw_error_set(err, PW_EINVALID,
				                   "'%s' is not on the first-parent history",
				                   req->before);
				goto done;
			}
			start++;
		}
		hashes = calloc(list.ncommits - start + 1, sizeof(*hashes));
		if (!hashes)
			abort();
		for (i = start; i < list.ncommits; i++)
			hashes[i - start] = list.commits[i].hash;
		q.hashes = hashes;
		q.nhashes = list.ncommits - start;
		if (!q.nhashes)
			goto done; /* the cursor was the oldest commit: an empty page */
		if (req->limit)
			q.limit = req->offset + req->limit + 1;
	} else if (req->limit && !req->before) {
		q.limit = req->offset + req->limit + 1;
	}
	if ((ret = store_history_query(s, &q, out, err)) < 0)
		goto done;
	if (q.hashes && !out->nrows && !req->before) {
		/* HEAD's chain holds none of the measured commits (another branch): by time. */
		q.hashes = NULL;
		q.nhashes = 0;
		*order = "author-time";
		store_history_release(out);
		if ((ret = store_history_query(s, &q, out, err)) < 0)
			goto done;
	}
	start = 0;
	if (!list.ncommits && req->before) {
		for (start = 0; start < out->nrows; start++)
			if (prefix_matches(out->rows[start].hash, req->before))
				break;
		if (start == out->nrows) {
			ret = pw_error_set(err, PW_EINVALID, "'%s' is not in this history",
			                   req->before);
			goto done;
		}
		start++;
	}
	start += req->offset;
	if (start > out->nrows)
		start = out->nrows;
	n = out->nrows - start;
	if (req->limit && n > req->limit) {
		n = req->limit;
		*more = 1;
	}
	*first = start;
	*npage = n;
done:
	free(hashes);
	checkout_list_release(&list);
	return ret;
}

/* Parse the parameters common to history and changes; 1 when a 400 answer was made. */
static int history_params(api_param_fn param, void *ctx, struct history_request *req,
                          struct api_response *resp)
{
	const char *metric = param_get(param, ctx, "metric");
	const char *limit_key = "limit";

	memset(req, 0, sizeof(*req));
	req->repo = param_get(param, ctx, "repo");
	req->benchmark = param_get(param, ctx, "benchmark");
	req->env = param_get(param, ctx, "env");
	req->before = param_get(param, ctx, "before");
	if (!req->benchmark)
		return !respond_error(resp, 400, "missing parameter 'benchmark'");
	req->metric = STORE_METRIC_WALL;
	if (metric && store_metric_parse(metric, &req->metric) < 0) {
		/* a harness case ("bench/case") has metrics of its own */
		if ((!strchr(req->benchmark, '/') && strcmp(metric, "build") &&
		     strcmp(metric, "artefact_size")) ||
		    !*metric)
			return !respond_error(resp, 400, "unknown metric '%s'", metric);
		req->series_metric = metric;
	}
	if (param_size(param, ctx, limit_key, API_LIMIT_DEFAULT, 1, API_LIMIT_MAX, &req->limit))
		return !respond_error(resp, 400, "'limit' must be a number from 1 to %d",
		                      API_LIMIT_MAX);
	if (param_size(param, ctx, "offset", 0, 0, 100000000, &req->offset))
		return !respond_error(resp, 400, "'offset' must be a non-negative number");
	if (req->before && !store_hash_prefix_valid(req->before))
		return !respond_error(
		        resp, 400, "'before' must be a commit hash (4 to 40 hexadecimal digits)");
	return 0;
}

/* The unit of a history's values: a harness case's own, else the metric's. */
static const char *history_unit(const struct store_history *h, const struct history_request *req)
{
	size_t i;

	for (i = 0; i < h->nrows; i++)
		if (h->rows[i].unit)
			return h->rows[i].unit;
	return store_metric_unit(req->metric);
}

/* The metric of a history: a harness case's (its first unless asked), else the stored one's. */
static const char *history_metric(const struct store_history *h, const struct history_request *req)
{
	size_t i;

	for (i = 0; i < h->nrows; i++)
		if (h->rows[i].unit && h->rows[i].metric)
			return h->rows[i].metric;
	return req->series_metric ? req->series_metric : store_metric_name(req->metric);
}

static json_t *history_row_json(const struct store_history_row *r)
{
	double half = r->iqr / 2;

	return json_pack("{s:s,s:o,s:o,s:I,s:o,s:o,s:o,s:o,s:I,s:o,s:o,s:o,s:o,s:o,s:o}", "hash",
	                 r->hash, "short", short_hash(r->hash), "subject", str(r->subject),
	                 "author_time", (json_int_t)r->author_time, "verdict", str(r->verdict),
	                 "run_verdict", str(r->run_verdict), "verdict_metric",
	                 str(r->verdict_metric), "verdict_judge", str(r->verdict_judge), "count",
	                 (json_int_t)r->count, "median", num(r->median), "min", num(r->min), "iqr",
	                 num(r->iqr), "q1", num(r->median - half), "q3", num(r->median + half),
	                 "ratio_prev", num(r->ratio_prev));
}

/*
 * The newest judgement of `benchmark` on commit `hash` (in environment `env`
 * when given) as a history row when it says `unchanged`: such a commit was
 * not run (its build equals its baseline's), so it has no row of its own.
 * NULL otherwise.
 */
static json_t *unchanged_row_json(struct store *s, const char *repo,
                                  const struct checkout_commit *c, const char *benchmark,
                                  const char *env)
{
	struct store_judgement_list l = STORE_JUDGEMENT_LIST_INIT;
	struct pw_error err = PW_ERROR_INIT;
	json_t *out = NULL;
	size_t i;

	if (store_judgements_for_commit(s, repo, c->hash, &l, &err) < 0)
		goto done;
	for (i = 0; i < l.nrows; i++) {
		const struct store_judgement_row *j = &l.rows[i];

		if (strcmp(j->benchmark, benchmark) || (env && strcmp(j->fingerprint, env)))
			continue;
		if (!strcmp(j->verdict, verdict_name(VERDICT_UNCHANGED)))
			out = json_pack(
			        "{s:s,s:o,s:o,s:I,s:s,s:n,s:o,s:o,s:o,s:o,s:I,s:n,s:n,s:n,s:n,"
			        "s:n,s:n}",
			        "hash", c->hash, "short", short_hash(c->hash), "subject",
			        str(c->subject), "author_time", (json_int_t)c->author_time,
			        "verdict", j->verdict, "run_verdict", "verdict_metric",
			        str(j->metric), "verdict_judge", str(j->judge), "equals",
			        str(j->baseline), "equals_short", short_hash(j->baseline), "count",
			        (json_int_t)0, "median", "min", "iqr", "q1", "q3", "ratio_prev");
		break; /* only the newest judgement counts */
	}
done:
	store_judgement_list_release(&l);
	pw_error_release(&err);
	return out;
}

/* At most this many commits without a run are looked up for an `unchanged` judgement. */
#define API_UNCHANGED_LOOKUPS 200

/*
 * The page's rows in first-parent order, with the commits between them that
 * were not run because their build was unchanged (`unchanged` rows: no
 * values, `equals` names the commit whose build they share).
 */
static json_t *history_page_json(struct store *s, const struct history_request *req,
                                 const struct store_history *h, size_t first, size_t n,
                                 const char *order)
{
	struct checkout_list list = CHECKOUT_LIST_INIT;
	json_t *commits = json_array(), *row;
	size_t i, k = first, lookups = 0;
	int started;

	if (strcmp(order, "first-parent") || !req->repo || !n) {
		for (i = first; i < first + n; i++)
			json_array_append_new(commits, history_row_json(&h->rows[i]));
		return commits;
	}
	first_parents(req->repo, &list);
	/* the first page starts at HEAD; a later one after its cursor, at its first row */
	started = !req->before && !req->offset;
	for (i = 0; i < list.ncommits && k < first + n; i++) {
		const struct checkout_commit *c = &list.commits[i];

		if (!strcmp(c->hash, h->rows[k].hash)) {
			json_array_append_new(commits, history_row_json(&h->rows[k++]));
			started = 1;
		} else if (started && lookups++ < API_UNCHANGED_LOOKUPS &&
		           (row = unchanged_row_json(s, req->repo, c, req->benchmark, req->env))) {
			json_array_append_new(commits, row);
		}
	}
	for (; k < first + n; k++) /* rows the walk did not meet (should not happen) */
		json_array_append_new(commits, history_row_json(&h->rows[k]));
	checkout_list_release(&list);
	return commits;
}

static int route_history(struct store *s, api_param_fn param, void *ctx, struct api_response *resp,
                         struct pw_error *err)
{
	struct store_history h = STORE_HISTORY_INIT;
	struct strbuf key = STRBUF_INIT;
	struct history_request req;
	const char *order;
	size_t first, n;
	json_t *commits;
	int ret, more;

	if (history_params(param, ctx, &req, resp))
		return 0;
	req.repo = repo_key(req.repo, &key);
	ret = history_load(s, &req, &h, &first, &n, &more, &order, err);
	if (ret < 0) {
		ret = respond_store_error(resp, ret, err);
		goto done;
	}
	commits = history_page_json(s, &req, &h, first, n, order);
	ret = respond_json(resp, 200,
	                   json_pack("{s:o,s:s,s:s,s:s,s:o,s:s,s:I,s:o,s:o}", "repo", str(req.repo),
	                             "benchmark", req.benchmark, "metric", history_metric(&h, &req),
	                             "unit", history_unit(&h, &req), "env",
	                             str(req.env ? req.env : h.fingerprint), "order", order,
	                             "limit", (json_int_t)req.limit, "commits", commits, "next",
	                             more ? json_string(h.rows[first + n - 1].hash) : json_null()));
done:
	store_history_release(&h);
	strbuf_release(&key);
	return ret;
}

static int route_changes(struct store *s, api_param_fn param, void *ctx, struct api_response *resp,
                         struct pw_error *err)
{
	struct store_history h = STORE_HISTORY_INIT;
	struct change_point *changes = NULL;
	struct history_request req;
	const char *order;
	size_t first, n, k, nchanges = 0, nseries = 0, lo = 0;
	size_t *rows = NULL;
	double *series = NULL;
	json_t *jchanges, *unconfirmed, *segments;
	struct strbuf key = STRBUF_INIT;
	int ret, more;

	if (history_params(param, ctx, &req, resp))
		return 0;
	req.repo = repo_key(req.repo, &key);
	req.limit = 0;
	req.offset = 0;
	req.before = NULL;
	ret = history_load(s, &req, &h, &first, &n, &more, &order, err);
	if (ret < 0) {
		ret = respond_store_error(resp, ret, err);
		goto done;
	}
	/* the one series and rule of runner/judge/changes, as `history --changes` uses */
	changes_series(&h, &series, &rows, &nseries);
	if ((ret = changes_find(&h, 0, &changes, &nchanges, err)) < 0)
		goto done;
	jchanges = json_array();
	unconfirmed = json_array();
	segments = json_array();
	/* only confirmed changes split the history into levels */
	for (k = 0; k <= nchanges && nseries; k++) {
		const struct change_point *c = k < nchanges ? &changes[k] : NULL;
		size_t hi = c ? c->index : nseries;
		const char *hash = c ? h.rows[c->row].hash : NULL;
		double level = NAN;

		if (c && !c->confirmed) {
			json_array_append_new(unconfirmed,
			                      json_pack("{s:s,s:o,s:I,s:o,s:o,s:s}", "hash", hash,
			                                "short", short_hash(hash), "index",
			                                (json_int_t)hi, "ratio", num(c->ratio),
			                                "p_value", num(c->p_value), "why", c->why));
			continue;
		}
		stats_median(series + lo, hi - lo, &level, NULL);
		json_array_append_new(segments,
		                      json_pack("{s:s,s:s,s:I,s:I,s:o}", "first",
		                                h.rows[rows[lo]].hash, "last",
		                                h.rows[rows[hi - 1]].hash, "from", (json_int_t)lo,
		                                "to", (json_int_t)(hi - 1), "median", num(level)));
		if (c)
			json_array_append_new(jchanges,
			                      json_pack("{s:s,s:o,s:I,s:o,s:o,s:s}", "hash", hash,
			                                "short", short_hash(hash), "index",
			                                (json_int_t)hi, "ratio", num(c->ratio),
			                                "p_value", num(c->p_value), "confirmed_by",
			                                h.rows[c->confirmed_row].hash));
		lo = hi;
	}
	ret = respond_json(resp, 200,
	                   json_pack("{s:s,s:s,s:s,s:I,s:o,s:o,s:o}", "benchmark", req.benchmark,
	                             "metric", store_metric_name(req.metric), "order", order,
	                             "points", (json_int_t)nseries, "changes", jchanges,
	                             "unconfirmed", unconfirmed, "segments", segments));
done:
	free(changes);
	free(series);
	free(rows);
	store_history_release(&h);
	strbuf_release(&key);
	return ret;
}

/* ---- /api/commits/<hash> ---- */

/* The values of metric m over the samples that have it (malloc'd; *n set). */
static double *metric_values(const struct sample *x, size_t nx, enum store_metric m, size_t *n)
{
	double *v = calloc(nx + 1, sizeof(*v));
	size_t i;

	if (!v)
		abort();
	*n = 0;
	for (i = 0; i < nx; i++) {
		int64_t val = store_sample_metric(&x[i], m);

		if (val != SAMPLE_ABSENT)
			v[(*n)++] = (double)val;
	}
	return v;
}

static json_t *summary_json(const struct sample *x, size_t nx, enum store_metric m)
{
	struct stats_summary sum;
	size_t n;
	double *v = metric_values(x, nx, m, &n);
	json_t *out = json_null();

	if (n && stats_summarize(v, n, &sum, NULL) == 0)
		out = json_pack("{s:I,s:o,s:o,s:o,s:o,s:o,s:o}", "n", (json_int_t)n, "median",
		                num(sum.median), "min", num(sum.min), "max", num(sum.max), "q1",
		                num(sum.q1), "q3", num(sum.q3), "mean", num(sum.mean));
	free(v);
	return out;
}

/*
 * A harness case's values (runs `bench/case`): one object per metric with
 * its unit, direction, every value in order and their summary.
 */
json_t *api_run_values_json(const struct store_run_info *r)
{
	json_t *out = json_array();
	double *v = calloc(r->nvalues + 1, sizeof(*v));
	size_t i, j, n;

	if (!v)
		abort();
	for (i = 0; i < r->nvalues; i = j) {
		struct stats_summary sum;
		json_t *values = json_array(), *summary = json_null(), *seq = json_array();

		for (j = i, n = 0;
		     j < r->nvalues && !strcmp(r->values[j].metric, r->values[i].metric); j++) {
			v[n++] = r->values[j].value;
			json_array_append_new(values, json_real(r->values[j].value));
			json_array_append_new(seq,
			                      json_integer((json_int_t)r->values[j].sample_seq));
		}
		if (stats_summarize(v, n, &sum, NULL) == 0)
			summary = json_pack("{s:I,s:o,s:o,s:o,s:o,s:o,s:o}", "n", (json_int_t)n,
			                    "median", num(sum.median), "min", num(sum.min), "max",
			                    num(sum.max), "q1", num(sum.q1), "q3", num(sum.q3),
			                    "mean", num(sum.mean));
		json_array_append_new(out,
		                      json_pack("{s:s,s:o,s:o,s:o,s:o,s:o}", "metric",
		                                r->values[i].metric, "unit", str(r->values[i].unit),
		                                "direction", str(r->values[i].direction), "values",
		                                values, "sample_seq", seq, "summary", summary));
	}
	free(v);
	return out;
}

static json_t *run_baseline(struct store *s, const char *repo, const struct store_run_info *run,
                            const char *baseline)
{
	struct store_commit_info base = STORE_COMMIT_INFO_INIT;
	struct pw_error err = PW_ERROR_INIT;
	const struct store_run_info *b;
	json_t *out = NULL, *samples;
	size_t k;

	if (!store_hash_prefix_valid(baseline) ||
	    store_commit_load(s, repo, baseline, &base, &err) < 0)
		goto done;
	b = store_commit_newest_run(&base, run->benchmark, run->fingerprint, run->spec_hash);
	if (b) {
		samples = json_array();
		for (k = 0; k < b->nsamples; k++)
			json_array_append_new(samples, sample_json(&b->samples[k]));
		out = json_pack("{s:s,s:o,s:o,s:I,s:o,s:o,s:o}", "hash", base.hash, "short",
		                short_hash(base.hash), "subject", str(base.subject), "run_id",
		                (json_int_t)b->id, "verdict", str(store_run_shown_verdict(b)),
		                "samples", samples, "summary",
		                summary_json(b->samples, b->nsamples, STORE_METRIC_WALL));
	}
done:
	store_commit_info_release(&base);
	pw_error_release(&err);
	return out ? out : json_null();
}

static json_t *judgement_json(const struct store_judgement_row *j, int64_t run_id)
{
	json_t *details = json_loads(j->details_json ? j->details_json : "{}", 0, NULL);

	if (!json_is_object(details)) {
		json_decref(details);
		details = json_object();
	}
	return json_pack("{s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:I,s:o,"
	                 "s:o}",
	                 "id", (json_int_t)j->id, "created_at", str(j->created_at), "benchmark",
	                 str(j->benchmark), "fingerprint", str(j->fingerprint), "spec_hash",
	                 str(j->spec_hash), "metric", str(j->metric), "judge", str(j->judge),
	                 "verdict", str(j->verdict), "baseline", str(j->baseline), "baseline_short",
	                 short_hash(j->baseline), "ratio", num(j->ratio), "ci",
	                 isfinite(j->ci_lo) && isfinite(j->ci_hi)
	                         ? json_pack("[f,f]", j->ci_lo, j->ci_hi)
	                         : json_null(),
	                 "p_value", num(j->p_value), "message", str(j->message), "run",
	                 run_id ? json_integer((json_int_t)run_id) : json_null(), "rounds",
	                 (json_int_t)j->rounds, "details", details, "newest", json_true());
}

static int same(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

/*
 * The judgement that gave run `r` its verdict: the newest of its key
 * (benchmark, environment, spec) on the metric and by the judge the store
 * named for it; NULL when the run's verdict is its own.
 */
static const struct store_judgement_row *judgement_of(const struct store_judgement_list *l,
                                                      const struct store_run_info *r)
{
	size_t i;

	if (!r->newest || !r->judged_metric)
		return NULL;
	for (i = 0; i < l->nrows; i++) {
		const struct store_judgement_row *j = &l->rows[i];

		if (same(j->benchmark, r->benchmark) && same(j->fingerprint, r->fingerprint) &&
		    same(j->spec_hash, r->spec_hash) && same(j->metric, r->judged_metric) &&
		    same(j->judge, r->judge))
			return j;
	}
	return NULL;
}

static json_t *run_json(struct store *s, const struct store_commit_info *c,
                        const struct store_run_info *r, const struct store_judgement_row *jr)
{
	struct strbuf details = STRBUF_INIT;
	json_t *metadata = NULL, *env_details = NULL, *samples = json_array(), *baseline;
	const char *base_hash;
	size_t k;

	if (r->metadata_json)
		metadata = json_loads(r->metadata_json, 0, NULL);
	if (!json_is_object(metadata)) {
		json_decref(metadata);
		metadata = json_object();
	}
	if (r->fingerprint && store_environment_details(s, r->fingerprint, &details, NULL) == 0)
		env_details = json_loads(strbuf_str(&details), 0, NULL);
	strbuf_release(&details);
	for (k = 0; k < r->nsamples; k++)
		json_array_append_new(samples, sample_json(&r->samples[k]));
	if (r->nvalues)
		json_object_set_new(metadata, "values", api_run_values_json(r));
	base_hash = jr && jr->baseline ? jr->baseline
	                               : json_string_value(json_object_get(metadata, "baseline"));
	baseline = base_hash ? run_baseline(s, c->repo_location, r, base_hash) : json_null();
	return json_pack(
	        "{s:I,s:s,s:o,s:b,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:{s:o,s:o},"
	        "s:o,s:o,s:o}",
	        "id", (json_int_t)r->id, "benchmark", r->benchmark, "spec_hash", str(r->spec_hash),
	        "newest", r->newest, "verdict", str(store_run_shown_verdict(r)), "run_verdict",
	        str(r->verdict), "verdict_metric", str(r->judged_metric), "verdict_judge",
	        str(r->judge), "started_at", str(r->started_at), "finished_at", str(r->finished_at),
	        "build_log_tail", str(r->build_log_tail), "diff_report", str(r->diff_report),
	        "stderr_tail", str(r->stderr_tail), "metadata", metadata, "summary",
	        summary_json(r->samples, r->nsamples, STORE_METRIC_WALL), "environment",
	        "fingerprint", str(r->fingerprint), "details",
	        env_details ? env_details : json_object(), "samples", samples, "baseline", baseline,
	        "judgement", jr ? judgement_json(jr, r->id) : json_null());
}

/*
 * Every judgement of the commit, newest first; `run` names the run whose
 * verdict it gave (null: none, e.g. an unchanged build that was not run),
 * `newest` whether it is the newest of its benchmark, environment, spec,
 * metric and judge.
 */
static json_t *judgements_json(const struct store_commit_info *c,
                               const struct store_judgement_list *l)
{
	json_t *out = json_array();
	size_t i, k;

	for (i = 0; i < l->nrows; i++) {
		const struct store_judgement_row *j = &l->rows[i];
		int64_t run = 0;
		int newest = 1;
		json_t *o;

		for (k = 0; k < i && newest; k++)
			if (same(l->rows[k].benchmark, j->benchmark) &&
			    same(l->rows[k].fingerprint, j->fingerprint) &&
			    same(l->rows[k].spec_hash, j->spec_hash) &&
			    same(l->rows[k].metric, j->metric) && same(l->rows[k].judge, j->judge))
				newest = 0;
		for (k = 0; k < c->nruns; k++)
			if (judgement_of(l, &c->runs[k]) == j)
				run = c->runs[k].id;
		o = judgement_json(j, run);
		json_object_set_new(o, "newest", json_boolean(newest));
		json_array_append_new(out, o);
	}
	return out;
}

static int route_commit(struct store *s, const char *prefix, api_param_fn param, void *ctx,
                        struct api_response *resp, struct pw_error *err)
{
	struct store_commit_info c = STORE_COMMIT_INFO_INIT;
	struct store_judgement_list jl = STORE_JUDGEMENT_LIST_INIT;
	struct strbuf key = STRBUF_INIT, hash = STRBUF_INIT;
	const char *repo = repo_key(param_get(param, ctx, "repo"), &key);
	json_t *runs, *parents;
	size_t i;
	int ret;

	if (resolve_commit(s, repo, prefix, &hash, resp)) {
		strbuf_release(&key);
		return 0;
	}
	ret = store_commit_load(s, repo, hash.buf, &c, err);
	if (ret < 0) {
		ret = respond_store_error(resp, ret, err);
		goto done;
	}
	if (c.repo_location &&
	    (ret = store_judgements_for_commit(s, c.repo_location, c.hash, &jl, err)) < 0)
		goto done;
	runs = json_array();
	for (i = 0; i < c.nruns; i++)
		json_array_append_new(runs,
		                      run_json(s, &c, &c.runs[i], judgement_of(&jl, &c.runs[i])));
	parents = json_array();
	for (i = 0; i < c.nparents; i++)
		json_array_append_new(parents, json_string(c.parents[i]));
	ret = respond_json(resp, 200,
	                   json_pack("{s:s,s:o,s:{s:o,s:o},s:o,s:o,s:o,s:o,s:o,s:o,s:s,s:o,s:o}",
	                             "hash", c.hash, "short", short_hash(c.hash), "repo",
	                             "location", str(c.repo_location), "forge_url",
	                             forge_url(c.repo_location, NULL), "forge_url",
	                             forge_url(c.repo_location, c.hash), "parents", parents,
	                             "author", str(c.author), "email", str(c.email), "author_time",
	                             str(c.author_time), "subject", str(c.subject), "runs_order",
	                             "benchmark, environment, spec_hash, then newest first", "runs",
	                             runs, "judgements", judgements_json(&c, &jl)));
done:
	store_judgement_list_release(&jl);
	store_commit_info_release(&c);
	strbuf_release(&key);
	strbuf_release(&hash);
	return ret;
}

/* ---- /api/compare?a=&b= ---- */

static json_t *compare_metric(const struct store_run_info *ra, const struct store_run_info *rb,
                              enum store_metric m)
{
	struct stats_ci ci = {NAN, NAN, NAN};
	struct stats_mwu mwu = {NAN, NAN, 0, 0};
	double *va, *vb, ma = NAN, mb = NAN;
	size_t na, nb;
	json_t *out = NULL;

	va = metric_values(ra->samples, ra->nsamples, m, &na);
	vb = metric_values(rb->samples, rb->nsamples, m, &nb);
	if (!na || !nb)
		goto done;
	stats_median(va, na, &ma, NULL);
	stats_median(vb, nb, &mb, NULL);
	if (stats_bootstrap_ratio(va, na, vb, nb, STATS_BOOTSTRAP_RESAMPLES, 0.95,
	                          STATS_BOOTSTRAP_SEED, &ci, NULL) < 0)
		ci.lo = ci.hi = NAN;
	if (stats_mann_whitney(vb, nb, va, na, STATS_MWU_AUTO, &mwu, NULL) < 0)
		mwu.p_value = NAN;
	out = json_pack("{s:s,s:s,s:I,s:I,s:o,s:o,s:o,s:[o,o],s:o}", "metric", store_metric_name(m),
	                "unit", store_metric_unit(m), "n_a", (json_int_t)na, "n_b", (json_int_t)nb,
	                "median_a", num(ma), "median_b", num(mb), "ratio",
	                num(ma > 0 ? mb / ma : NAN), "ci", num(ci.lo), num(ci.hi), "p_value",
	                num(mwu.p_value));
done:
	free(va);
	free(vb);
	return out;
}

/* compare_metric() for metric `metric` of two harness cases' runs; NULL when one lacks it. */
static json_t *compare_values(const struct store_run_info *ra, const struct store_run_info *rb,
                              const char *metric, const char *unit)
{
	struct stats_ci ci = {NAN, NAN, NAN};
	struct stats_mwu mwu = {NAN, NAN, 0, 0};
	double *va = calloc(ra->nvalues + 1, sizeof(*va)),
	       *vb = calloc(rb->nvalues + 1, sizeof(*vb));
	double ma = NAN, mb = NAN;
	size_t na = 0, nb = 0, i;
	json_t *out = NULL;

	if (!va || !vb)
		abort();
	for (i = 0; i < ra->nvalues; i++)
		if (!strcmp(ra->values[i].metric, metric))
			va[na++] = ra->values[i].value;
	for (i = 0; i < rb->nvalues; i++)
		if (!strcmp(rb->values[i].metric, metric))
			vb[nb++] = rb->values[i].value;
	if (!na || !nb)
		goto done;
	stats_median(va, na, &ma, NULL);
	stats_median(vb, nb, &mb, NULL);
	if (stats_bootstrap_ratio(va, na, vb, nb, STATS_BOOTSTRAP_RESAMPLES, 0.95,
	                          STATS_BOOTSTRAP_SEED, &ci, NULL) < 0)
		ci.lo = ci.hi = NAN;
	if (stats_mann_whitney(vb, nb, va, na, STATS_MWU_AUTO, &mwu, NULL) < 0)
		mwu.p_value = NAN;
	out = json_pack("{s:s,s:s,s:I,s:I,s:o,s:o,s:o,s:[o,o],s:o}", "metric", metric, "unit",
	                unit ? unit : "", "n_a", (json_int_t)na, "n_b", (json_int_t)nb, "median_a",
	                num(ma), "median_b", num(mb), "ratio", num(ma > 0 ? mb / ma : NAN), "ci",
	                num(ci.lo), num(ci.hi), "p_value", num(mwu.p_value));
done:
	free(va);
	free(vb);
	return out;
}

static json_t *commit_brief(const struct store_commit_info *c)
{
	return json_pack("{s:s,s:o,s:o,s:o}", "hash", c->hash, "short", short_hash(c->hash),
	                 "subject", str(c->subject), "author_time", str(c->author_time));
}

static int route_compare(struct store *s, api_param_fn param, void *ctx, struct api_response *resp,
                         struct pw_error *err)
{
	struct store_commit_info ca = STORE_COMMIT_INFO_INIT, cb = STORE_COMMIT_INFO_INIT;
	const char *a = param_get(param, ctx, "a"), *b = param_get(param, ctx, "b");
	struct strbuf key = STRBUF_INIT, ha = STRBUF_INIT, hb = STRBUF_INIT;
	struct store_run_pair *pairs = NULL;
	const char *repo;
	json_t *benchmarks;
	size_t i, npairs;
	int ret = 0, m;

	if (!a || !b)
		return respond_error(resp, 400, "missing parameter '%s'", a ? "b" : "a");
	repo = repo_key(param_get(param, ctx, "repo"), &key);
	if (resolve_commit(s, repo, a, &ha, resp) || resolve_commit(s, repo, b, &hb, resp))
		goto done;
	if ((ret = store_commit_load(s, repo, ha.buf, &ca, err)) < 0 ||
	    (ret = store_commit_load(s, repo, hb.buf, &cb, err)) < 0) {
		ret = respond_store_error(resp, ret, err);
		goto done;
	}
	benchmarks = json_array();
	npairs = store_run_pairs(&ca, &cb, &pairs);
	for (i = 0; i < npairs; i++) {
		const struct store_run_info *ra = pairs[i].a, *rb = pairs[i].b;
		json_t *metrics;

		metrics = json_array();
		for (m = 0; m < STORE_METRIC_COUNT; m++) {
			json_t *row = compare_metric(ra, rb, (enum store_metric)m);

			if (row)
				json_array_append_new(metrics, row);
		}
		for (size_t v = 0; v < ra->nvalues; v++) {
			json_t *row;

			if (v && !strcmp(ra->values[v - 1].metric, ra->values[v].metric))
				continue;
			row = compare_values(ra, rb, ra->values[v].metric, ra->values[v].unit);
			if (row)
				json_array_append_new(metrics, row);
		}
		json_array_append_new(
		        benchmarks,
		        json_pack("{s:s,s:s,s:s,s:b,s:I,s:I,s:o,s:o,s:o,s:o,s:o}", "benchmark",
		                  ra->benchmark, "fingerprint_a", ra->fingerprint, "fingerprint_b",
		                  rb->fingerprint, "same_environment",
		                  !strcmp(ra->fingerprint, rb->fingerprint), "run_a",
		                  (json_int_t)ra->id, "run_b", (json_int_t)rb->id, "verdict_a",
		                  str(store_run_shown_verdict(ra)), "verdict_b",
		                  str(store_run_shown_verdict(rb)), "verdict_metric_a",
		                  str(ra->judged_metric), "verdict_metric_b",
		                  str(rb->judged_metric), "metrics", metrics));
	}
	ret = respond_json(resp, 200,
	                   json_pack("{s:o,s:o,s:f,s:o}", "a", commit_brief(&ca), "b",
	                             commit_brief(&cb), "confidence", 0.95, "benchmarks",
	                             benchmarks));
done:
	free(pairs);
	store_commit_info_release(&ca);
	store_commit_info_release(&cb);
	strbuf_release(&key);
	strbuf_release(&ha);
	strbuf_release(&hb);
	return ret;
}

/* ---- pages and static files ---- */

static int route_asset(const char *name, const char *type, struct api_response *resp)
{
	const char *text = api_asset(name);

	if (!text)
		return PW_ENOTFOUND;
	return respond_text(resp, type, text, "no-cache");
}

static int route_chartjs(struct api_response *resp)
{
	const char *path = api_chartjs_path();

	strbuf_reset(&resp->body);
	if (strbuf_read_file(&resp->body, path) < 0) {
		int e = errno;

		strbuf_reset(&resp->body);
		strbuf_addf(&resp->body,
		            "chart.js is not available: could not read '%s': %s (install Debian's "
		            "libjs-chart.js)\n",
		            path, strerror(e));
		resp->status = 500;
		resp->content_type = "text/plain; charset=utf-8";
		resp->cache_control = "no-store";
		return 0;
	}
	resp->status = 200;
	resp->content_type = "application/javascript; charset=utf-8";
	resp->cache_control = "max-age=86400";
	return 0;
}

static const char *type_of(const char *name)
{
	const char *dot = strrchr(name, '.');

	if (dot && !strcmp(dot, ".js"))
		return "application/javascript; charset=utf-8";
	if (dot && !strcmp(dot, ".css"))
		return "text/css; charset=utf-8";
	if (dot && !strcmp(dot, ".html"))
		return "text/html; charset=utf-8";
	return "text/plain; charset=utf-8";
}

/* What follows `prefix` in `path` when that is one non-empty segment (no '/'); else NULL. */
static const char *route_tail(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	if (strncmp(path, prefix, n) || !path[n] || strchr(path + n, '/'))
		return NULL;
	return path + n;
}

/* ---- /api/explain ---- */

/*
 * Where the time (or memory) of a slower commit went: the newest `slower`
 * judgement of the commit (of `benchmark` when given) names the baseline and
 * the machine; their stored profiles (runner/explain) are compared. 404 when
 * the commit has no slower verdict or its profiles were not kept.
 */
static int route_explain(struct store *s, api_param_fn param, void *ctx, struct api_response *resp,
                         struct pw_error *err)
{
	struct store_commit_info info = STORE_COMMIT_INFO_INIT;
	struct store_judgement_list list = {NULL, 0};
	struct explain_options eo = EXPLAIN_OPTIONS_INIT;
	struct explain_result r = EXPLAIN_RESULT_INIT;
	const char *commit = param_get(param, ctx, "commit");
	const char *bench = param_get(param, ctx, "benchmark");
	const struct store_judgement_row *row = NULL;
	struct strbuf key = STRBUF_INIT, name = STRBUF_INIT;
	json_t *doc, *flame;
	size_t i;
	int ret;

	if (!commit)
		return respond_error(resp, 400, "missing parameter 'commit'");
	if (!store_hash_prefix_valid(commit))
		return respond_error(resp, 400,
		                     "'%s' is not a commit hash (4 to 40 hexadecimal digits)",
		                     commit);
	ret = store_commit_load(s, repo_key(param_get(param, ctx, "repo"), &key), commit, &info,
	                        err);
	if (ret < 0) {
		ret = respond_store_error(resp, ret, err);
		goto done;
	}
	if ((ret = store_judgements_for_commit(s, info.repo_location, info.hash, &list, err)) < 0)
		goto done;
	for (i = 0; i < list.nrows && !row; i++) {
		const struct store_judgement_row *j = &list.rows[i];
		size_t len = strcspn(j->benchmark, "/");

		if (strcmp(j->verdict, "slower") || !j->baseline)
			continue;
		if (bench && (strncmp(j->benchmark, bench, len) || bench[len]))
			continue;
		row = j;
		strbuf_add(&name, j->benchmark, len);
	}
	if (!row) {
		ret = respond_error(resp, 404, "commit %.12s has no slower verdict%s%s", info.hash,
		                    bench ? " of " : "", bench ? bench : "");
		goto done;
	}
	eo.flags = EXPLAIN_TIME | EXPLAIN_MEMORY;
	ret = explain_stored(s, info.repo_location, row->fingerprint, row->baseline, info.hash,
	                     name.buf, &eo, &r, err);
	if (ret < 0) {
		ret = respond_store_error(resp, ret, err);
		goto done;
	}
	free(r.side[1].subject);
	r.side[1].subject = info.subject ? strdup(info.subject) : NULL;
	doc = explain_json(&r);
	flame = explain_flame_json(&r);
	json_object_set_new(doc, "flame", flame ? flame : json_null());
	json_object_set_new(doc, "commit", json_string(info.hash));
	json_object_set_new(doc, "baseline_commit", json_string(row->baseline));
	json_object_set_new(doc, "environment", json_string(row->fingerprint));
	ret = respond_json(resp, 200, doc);
done:
	explain_result_release(&r);
	store_judgement_list_release(&list);
	store_commit_info_release(&info);
	strbuf_release(&key);
	strbuf_release(&name);
	return ret;
}

int api_route(struct store *s, const char *path, api_param_fn param, void *ctx,
              struct api_response *resp, struct pw_error *err)
{
	struct api_response tmp = API_RESPONSE_INIT;
	const char *tail;
	int ret;

	if (!strcmp(path, "/") || !strcmp(path, "/index.html"))
		return route_asset("dashboard.html", type_of(".html"), resp);
	if (route_tail(path, "/commit/"))
		return route_asset("commit.html", type_of(".html"), resp);
	if (!strcmp(path, "/compare"))
		return route_asset("compare.html", type_of(".html"), resp);
	if (!strcmp(path, "/static/chart.js"))
		return route_chartjs(resp);
	if ((tail = route_tail(path, "/static/")) && !strstr(tail, ".html"))
		return route_asset(tail, type_of(tail), resp);
	if (strncmp(path, "/api/", 5))
		return PW_ENOTFOUND;

	/* API answers are built in `tmp` so that a 500 leaves `resp` untouched. */
	if (!strcmp(path, "/api/repos"))
		ret = route_repos(s, &tmp, err);
	else if (!strcmp(path, "/api/history"))
		ret = route_history(s, param, ctx, &tmp, err);
	else if (!strcmp(path, "/api/changes"))
		ret = route_changes(s, param, ctx, &tmp, err);
	else if (!strcmp(path, "/api/compare"))
		ret = route_compare(s, param, ctx, &tmp, err);
	else if ((tail = route_tail(path, "/api/commits/")))
		ret = route_commit(s, tail, param, ctx, &tmp, err);
	else if (!strcmp(path, "/api/explain"))
		ret = route_explain(s, param, ctx, &tmp, err);
	else
		ret = respond_error(&tmp, 404, "no such endpoint '%s'", path);
	if (ret == 0) {
		api_response_release(resp);
		*resp = tmp;
	} else {
		api_response_release(&tmp);
	}
	return ret;
}
