/*
 * The read side of the store: per-commit aggregates for `perfwarden history`
 * and one commit's complete runs (with raw samples) for `show` and `compare`.
 * Results are copied out of libpq into plain structs; no PGresult leaves here.
 */
#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "query.h"
#include "store_internal.h"

static const struct {
	const char *name;
	const char *column; /* a fixed column name: never a user string */
	const char *unit;
} metrics[STORE_METRIC_COUNT] = {
        [STORE_METRIC_WALL] = {"wall", "wall_ns", "ns"},
        [STORE_METRIC_USER] = {"user", "user_ns", "ns"},
        [STORE_METRIC_SYS] = {"sys", "sys_ns", "ns"},
        [STORE_METRIC_MAXRSS] = {"maxrss", "maxrss_kib", "KiB"},
        [STORE_METRIC_MINFLT] = {"minflt", "minflt", ""},
        [STORE_METRIC_MAJFLT] = {"majflt", "majflt", ""},
        [STORE_METRIC_NVCSW] = {"nvcsw", "nvcsw", ""},
        [STORE_METRIC_NIVCSW] = {"nivcsw", "nivcsw", ""},
        [STORE_METRIC_INSTRUCTIONS] = {"instructions", "instructions", ""},
        [STORE_METRIC_CYCLES] = {"cycles", "cycles", ""},
        [STORE_METRIC_BRANCH_MISSES] = {"branch_misses", "branch_misses", ""},
        [STORE_METRIC_CACHE_MISSES] = {"cache_misses", "cache_misses", ""},
};

const char *store_metric_name(enum store_metric m)
{
	return m < STORE_METRIC_COUNT ? metrics[m].name : "?";
}

const char *store_metric_unit(enum store_metric m)
{
	return m < STORE_METRIC_COUNT ? metrics[m].unit : "";
}

int store_metric_parse(const char *name, enum store_metric *m)
{
	int i;

	for (i = 0; i < STORE_METRIC_COUNT; i++) {
		if (!strcmp(name, metrics[i].name) || !strcmp(name, metrics[i].column)) {
			*m = (enum store_metric)i;
			return 0;
		}
	}
	return PW_EINVALID;
}

int64_t store_sample_metric(const struct sample *x, enum store_metric m)
{
	switch (m) {
	case STORE_METRIC_WALL:
		return x->wall_ns;
	case STORE_METRIC_USER:
		return x->user_ns;
	case STORE_METRIC_SYS:
		return x->sys_ns;
	case STORE_METRIC_MAXRSS:
		return x->maxrss_kib;
	case STORE_METRIC_MINFLT:
		return x->minflt;
	case STORE_METRIC_MAJFLT:
		return x->majflt;
	case STORE_METRIC_NVCSW:
		return x->nvcsw;
	case STORE_METRIC_NIVCSW:
		return x->nivcsw;
	case STORE_METRIC_INSTRUCTIONS:
		return x->instructions;
	case STORE_METRIC_CYCLES:
		return x->cycles;
	case STORE_METRIC_BRANCH_MISSES:
		return x->branch_misses;
	case STORE_METRIC_CACHE_MISSES:
		return x->cache_misses;
	default:
		return SAMPLE_ABSENT;
	}
}

int store_hash_prefix_valid(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (!isxdigit((unsigned char)s[n]))
			return 0;
	return n >= 4 && n <= 40;
}

static int64_t get_metric(PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? SAMPLE_ABSENT
	                                  : strtoll(PQgetvalue(res, row, col), NULL, 10);
}

/*
 * The commits of interest as the CTE "c" (id, hash, subject, author_time,
 * ord), read newest first straight off commits_repository_time/commits_time
 * and cut at the limit; then, per commit, the newest verdict and the
 * aggregates of its samples (two small index lookups each, no big sort).
 * $3 (fingerprint) is resolved once to an environment id.
 */
static const char history_by_time[] =
        "WITH env AS (SELECT id FROM environments WHERE fingerprint = $3), "
        "c AS (SELECT c.id, c.hash, c.subject, c.author_time, "
        "row_number() OVER (ORDER BY c.author_time DESC NULLS LAST, c.id DESC) AS ord "
        "FROM commits c WHERE ($1::text IS NULL OR c.repository_id = "
        "(SELECT id FROM repositories WHERE location = $1)) "
        "AND EXISTS (SELECT 1 FROM runs r WHERE r.commit_id = c.id AND r.benchmark = $2 "
        "AND ($3::text IS NULL OR r.environment_id IN (SELECT id FROM env))) "
        "ORDER BY c.author_time DESC NULLS LAST, c.id DESC LIMIT $4) ";

static const char history_by_list[] =
        "WITH env AS (SELECT id FROM environments WHERE fingerprint = $3), "
        "w AS (SELECT lower(h) AS h, min(o) AS o FROM unnest($5::text[]) WITH ORDINALITY "
        "AS u(h, o) GROUP BY 1), "
        "c AS (SELECT c.id, c.hash, c.subject, c.author_time, w.o AS ord "
        "FROM w JOIN commits c ON c.hash = w.h WHERE ($1::text IS NULL OR c.repository_id = "
        "(SELECT id FROM repositories WHERE location = $1)) "
        "AND EXISTS (SELECT 1 FROM runs r WHERE r.commit_id = c.id AND r.benchmark = $2 "
        "AND ($3::text IS NULL OR r.environment_id IN (SELECT id FROM env))) "
        "ORDER BY w.o LIMIT $4) ";

/*
 * The verdict shown for a run r: the newest judgement of its (commit,
 * benchmark, environment, spec), preferring one on the metric `prefer`
 * names (history: its own) and then one on wall time. One rule for every
 * reader of this file.
 */
#define JUDGEMENT_LATERAL(prefer)                                                                  \
	"LEFT JOIN LATERAL (SELECT j.verdict, j.metric, j.judge FROM judgements j "                \
	"WHERE j.commit_id = r.commit_id AND j.benchmark = r.benchmark "                           \
	"AND j.environment_id = r.environment_id AND j.spec_hash = r.spec_hash "                   \
	"ORDER BY " prefer "(j.metric = 'wall') DESC, j.created_at DESC, j.id DESC "               \
	"LIMIT 1) jv ON true "

/* The summary key history reads: $6, or of a harness case's run $8, else its first metric. */
#define SERIES_KEY                                                                                 \
	"coalesce($8, CASE WHEN r.summary ? $6 THEN $6 "                                           \
	"ELSE coalesce(r.metadata->>'primary_metric', $6) END)"

static void history_sql(struct strbuf *sql, const struct store_history_query *q)
{
	strbuf_addstr(sql, q->hashes ? history_by_list : history_by_time);
	strbuf_addstr(sql,
	              "SELECT c.hash, c.subject, "
	              "coalesce(extract(epoch FROM c.author_time)::bigint, 0), "
	              "coalesce(v.jverdict, v.verdict), coalesce((v.m->>'n')::bigint, 0), "
	              "(v.m->>'median')::float8, (v.m->>'min')::float8, "
	              "(v.m->>'q3')::float8 - (v.m->>'q1')::float8, v.verdict, v.jmetric, "
	              "v.judge, v.m->>'unit', v.mk FROM c CROSS JOIN LATERAL (SELECT r.verdict, "
	              /* a harness case's run (schema 6): the metric asked for, else its first */
	              "r.summary -> " SERIES_KEY " AS m, " SERIES_KEY " AS mk, "
	              /* clang-format off */
	              "jv.verdict AS jverdict, jv.metric AS jmetric, jv.judge FROM runs r "
	              JUDGEMENT_LATERAL("(j.metric = $7) DESC, ")
	              "WHERE r.commit_id = c.id AND r.benchmark = $2 AND ($3::text IS NULL OR "
	              "r.environment_id IN (SELECT id FROM env)) "
	              "ORDER BY r.finished_at DESC NULLS LAST, r.id DESC LIMIT 1) v ORDER BY c.ord");
	/* clang-format on */
}

/* text, text, text, int8, text[], text, text, text: declared, as $5 goes unused without a list */
static const Oid history_types[8] = {25, 25, 25, 20, 1009, 25, 25, 25};

/* The parameters of the history query; `limit` and `list` hold their text. */
static int history_params(const struct store_history_query *q, const char *params[8],
                          struct strbuf *limit, struct strbuf *list, struct pw_error *err)
{
	size_t k;

	if (q->limit)
		strbuf_addf(limit, "%zu", q->limit);
	params[0] = q->repo_location;
	params[1] = q->benchmark;
	params[2] = q->fingerprint;
	params[3] = q->limit ? limit->buf : NULL;
	params[4] = NULL;
	params[5] = metrics[q->metric].column;
	/* judgements of peak memory are on "memory" */
	params[6] = q->series_metric                   ? q->series_metric
	            : q->metric == STORE_METRIC_MAXRSS ? "memory"
	                                               : metrics[q->metric].name;
	params[7] = q->series_metric;
	if (!q->hashes)
		return 0;
	strbuf_addch(list, '{');
	for (k = 0; k < q->nhashes; k++) {
		if (!store_hash_prefix_valid(q->hashes[k]))
			return pw_error_set(err, PW_EINVALID, "'%s' is not a commit hash",
			                    q->hashes[k]);
		strbuf_addf(list, "%s%s", k ? "," : "", q->hashes[k]);
	}
	strbuf_addch(list, '}');
	params[4] = list->buf;
	return 0;
}

/*
 * The one environment a history is drawn from (timings are compared within
 * one machine only): `q`'s when it names one and that machine has runs of
 * the benchmark, else the environment of the newest run of the benchmark (in
 * the repository). *fingerprint is NULL when there is no such run.
 */
static int newest_environment(struct store *s, const struct store_history_query *q,
                              char **fingerprint, struct pw_error *err)
{
	const char *params[3] = {q->repo_location, q->benchmark, q->fingerprint};
	PGresult *res = PQexecParams(
	        s->conn,
	        "SELECT e.fingerprint FROM runs r JOIN commits c ON c.id = r.commit_id "
	        "JOIN environments e ON e.id = r.environment_id WHERE r.benchmark = $2 "
	        "AND ($1::text IS NULL OR c.repository_id = "
	        "(SELECT id FROM repositories WHERE location = $1)) "
	        "AND ($3::text IS NULL OR e.fingerprint = $3) ORDER BY r.id DESC LIMIT 1",
	        3, NULL, params, NULL, NULL, 0);
	int ret = store_check(s, res, PGRES_TUPLES_OK, "could not look up the benchmark", err);

	*fingerprint = NULL;
	if (!ret && PQntuples(res) == 1)
		*fingerprint = store_value_dup(res, 0, 0);
	PQclear(res);
	return ret;
}

int store_history_query(struct store *s, const struct store_history_query *q,
                        struct store_history *out, struct pw_error *err)
{
	struct strbuf sql = STRBUF_INIT, limit = STRBUF_INIT, list = STRBUF_INIT;
	struct store_history_query one;
	const char *params[8];
	PGresult *res = NULL;
	int ret = 0, i, n;

	out->rows = NULL;
	out->nrows = 0;
	out->fingerprint = NULL;
	if (q->metric >= STORE_METRIC_COUNT)
		return pw_error_set(err, PW_EINVALID, "unknown metric");
	if ((ret = newest_environment(s, q, &out->fingerprint, err)) < 0)
		goto done;
	if (!out->fingerprint) {
		ret = pw_error_set(err, PW_ENOTFOUND, "no runs of benchmark '%s'%s%s%s%s%s",
		                   q->benchmark, q->repo_location ? " in '" : "",
		                   q->repo_location ? q->repo_location : "",
		                   q->repo_location ? "'" : "", q->fingerprint ? " on " : "",
		                   q->fingerprint ? q->fingerprint : "");
		goto done;
	}
	one = *q;
	one.fingerprint = out->fingerprint;
	q = &one;
	history_sql(&sql, q);
	if ((ret = history_params(q, params, &limit, &list, err)) < 0)
		goto done;
	res = PQexecParams(s->conn, sql.buf, 8, history_types, params, NULL, NULL, 0);
	if ((ret = store_check(s, res, PGRES_TUPLES_OK, "could not read the history", err)) < 0)
		goto done;
	n = PQntuples(res);
	out->rows = calloc(n ? (size_t)n : 1, sizeof(*out->rows));
	if (!out->rows)
		abort();
	out->nrows = (size_t)n;
	for (i = 0; i < n; i++) {
		struct store_history_row *row = &out->rows[i];

		row->hash = store_value_dup(res, i, 0);
		row->subject = store_value_dup(res, i, 1);
		row->author_time = strtoll(PQgetvalue(res, i, 2), NULL, 10);
		row->verdict = store_value_dup(res, i, 3);
		row->count = strtoul(PQgetvalue(res, i, 4), NULL, 10);
		row->median = store_value_double(res, i, 5);
		row->min = store_value_double(res, i, 6);
		row->iqr = store_value_double(res, i, 7);
		row->run_verdict = store_value_dup(res, i, 8);
		row->verdict_metric = store_value_dup(res, i, 9);
		row->verdict_judge = store_value_dup(res, i, 10);
		row->unit = store_value_dup(res, i, 11);
		row->metric = store_value_dup(res, i, 12);
	}
	for (i = 0; i < n; i++) {
		struct store_history_row *row = &out->rows[i];

		row->ratio_prev = NAN;
		if (i + 1 < n && row->count && out->rows[i + 1].count && out->rows[i + 1].median)
			row->ratio_prev = row->median / out->rows[i + 1].median;
	}
done:
	PQclear(res);
	strbuf_release(&sql);
	strbuf_release(&limit);
	strbuf_release(&list);
	return ret;
}

int store_history_explain(struct store *s, const struct store_history_query *q, struct strbuf *plan,
                          struct pw_error *err)
{
	struct strbuf sql = STRBUF_INIT, limit = STRBUF_INIT, list = STRBUF_INIT;
	const char *params[8];
	PGresult *res = NULL;
	int ret, i;

	if (q->metric >= STORE_METRIC_COUNT)
		return pw_error_set(err, PW_EINVALID, "unknown metric");
	strbuf_addstr(&sql, "EXPLAIN (ANALYZE, BUFFERS) ");
	history_sql(&sql, q);
	if ((ret = history_params(q, params, &limit, &list, err)) < 0)
		goto done;
	res = PQexecParams(s->conn, sql.buf, 8, history_types, params, NULL, NULL, 0);
	if ((ret = store_check(s, res, PGRES_TUPLES_OK, "could not explain the history", err)) < 0)
		goto done;
	for (i = 0; i < PQntuples(res); i++)
		strbuf_addf(plan, "%s\n", PQgetvalue(res, i, 0));
done:
	PQclear(res);
	strbuf_release(&sql);
	strbuf_release(&limit);
	strbuf_release(&list);
	return ret;
}

void store_history_release(struct store_history *h)
{
	size_t i;

	for (i = 0; i < h->nrows; i++) {
		free(h->rows[i].hash);
		free(h->rows[i].subject);
		free(h->rows[i].verdict);
		free(h->rows[i].run_verdict);
		free(h->rows[i].verdict_metric);
		free(h->rows[i].verdict_judge);
		free(h->rows[i].unit);
		free(h->rows[i].metric);
	}
	free(h->rows);
	free(h->fingerprint);
	h->fingerprint = NULL;
	h->rows = NULL;
	h->nrows = 0;
}

/* The run of `c` with database id `id`, or NULL. */
static struct store_run_info *run_by_id(struct store_commit_info *c, int64_t id)
{
	size_t k;

	for (k = 0; k < c->nruns; k++)
		if (c->runs[k].id == id)
			return &c->runs[k];
	return NULL;
}

int store_benchmark_exists(struct store *s, const char *repo_location, const char *benchmark,
                           int *exists, struct pw_error *err)
{
	const char *params[2] = {repo_location, benchmark};
	PGresult *res = PQexecParams(s->conn,
	                             "SELECT EXISTS (SELECT 1 FROM runs r JOIN commits c ON "
	                             "c.id = r.commit_id JOIN repositories p ON p.id = "
	                             "c.repository_id WHERE r.benchmark = $2 AND "
	                             "($1::text IS NULL OR p.location = $1))",
	                             2, NULL, params, NULL, NULL, 0);
	int ret = store_check(s, res, PGRES_TUPLES_OK, "could not look up the benchmark", err);

	if (!ret)
		*exists = !strcmp(PQgetvalue(res, 0, 0), "t");
	PQclear(res);
	return ret;
}

static void split_parents(struct store_commit_info *c, const char *text)
{
	const char *p = text;
	size_t n = 0;

	while (*p) {
		const char *end = strchr(p, ' ');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		c->parents = realloc(c->parents, (n + 1) * sizeof(*c->parents));
		if (!c->parents)
			abort();
		c->parents[n] = strndup(p, len);
		if (!c->parents[n++])
			abort();
		p += len;
		while (*p == ' ')
			p++;
	}
	c->nparents = n;
}

static int load_runs(struct store *s, const char *commit_id, struct store_commit_info *c,
                     struct pw_error *err)
{
	const char *params[1] = {commit_id};
	PGresult *res;
	int ret, i, n, row;

	res = PQexecParams(
	        s->conn,
	        "SELECT r.id, r.benchmark, r.spec_hash, e.fingerprint, r.verdict, "
	        "to_char(r.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), "
	        "to_char(r.finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), "
	        "r.build_log_tail, r.diff_report, r.stderr_tail, r.metadata::text, "
	        "row_number() OVER (PARTITION BY r.benchmark, r.environment_id, r.spec_hash "
	        "ORDER BY r.finished_at DESC NULLS LAST, r.id DESC) = 1, "
	        "jv.verdict, jv.metric, jv.judge "
	        /* clang-format off */
	        "FROM runs r JOIN environments e ON e.id = r.environment_id "
	        JUDGEMENT_LATERAL("")
	        "WHERE r.commit_id = $1 ORDER BY r.benchmark, e.fingerprint, r.spec_hash, "
	        "r.finished_at DESC NULLS LAST, r.id DESC",
	        /* clang-format on */
	        1, NULL, params, NULL, NULL, 0);
	if ((ret = store_check(s, res, PGRES_TUPLES_OK, "could not read the runs", err)) < 0)
		goto done;
	n = PQntuples(res);
	c->runs = calloc(n ? (size_t)n : 1, sizeof(*c->runs));
	if (!c->runs)
		abort();
	c->nruns = (size_t)n;
	for (i = 0; i < n; i++) {
		struct store_run_info *r = &c->runs[i];

		r->id = strtoll(PQgetvalue(res, i, 0), NULL, 10);
		r->benchmark = store_value_dup(res, i, 1);
		r->spec_hash = store_value_dup(res, i, 2);
		r->fingerprint = store_value_dup(res, i, 3);
		r->verdict = store_value_dup(res, i, 4);
		r->started_at = store_value_dup(res, i, 5);
		r->finished_at = store_value_dup(res, i, 6);
		r->build_log_tail = store_value_dup(res, i, 7);
		r->diff_report = store_value_dup(res, i, 8);
		r->stderr_tail = store_value_dup(res, i, 9);
		r->metadata_json = store_value_dup(res, i, 10);
		r->newest = !strcmp(PQgetvalue(res, i, 11), "t");
		if (r->newest) {
			r->judged_verdict = store_value_dup(res, i, 12);
			r->judged_metric = store_value_dup(res, i, 13);
			r->judge = store_value_dup(res, i, 14);
		}
	}
	PQclear(res);
	res = PQexecParams(s->conn,
	                   "SELECT s.run_id, s.wall_ns, s.user_ns, s.sys_ns, s.maxrss_kib, "
	                   "s.minflt, s.majflt, s.nvcsw, s.nivcsw, s.instructions, s.cycles, "
	                   "s.branch_misses, s.cache_misses, s.exit_code, s.term_signal, "
	                   "s.timed_out FROM samples s JOIN runs r ON r.id = s.run_id "
	                   "WHERE r.commit_id = $1 ORDER BY s.run_id, s.seq",
	                   1, NULL, params, NULL, NULL, 0);
	if ((ret = store_check(s, res, PGRES_TUPLES_OK, "could not read the samples", err)) < 0)
		goto done;
	n = PQntuples(res);
	for (row = 0; row < n; row++) {
		int64_t run_id = strtoll(PQgetvalue(res, row, 0), NULL, 10);
		struct store_run_info *r = run_by_id(c, run_id);
		struct sample *x;

		if (!r)
			continue;
		r->samples = realloc(r->samples, (r->nsamples + 1) * sizeof(*r->samples));
		if (!r->samples)
			abort();
		x = &r->samples[r->nsamples++];
		x->wall_ns = get_metric(res, row, 1);
		x->user_ns = get_metric(res, row, 2);
		x->sys_ns = get_metric(res, row, 3);
		x->maxrss_kib = get_metric(res, row, 4);
		x->minflt = get_metric(res, row, 5);
		x->majflt = get_metric(res, row, 6);
		x->nvcsw = get_metric(res, row, 7);
		x->nivcsw = get_metric(res, row, 8);
		x->instructions = get_metric(res, row, 9);
		x->cycles = get_metric(res, row, 10);
		x->branch_misses = get_metric(res, row, 11);
		x->cache_misses = get_metric(res, row, 12);
		x->exit_code = PQgetisnull(res, row, 13) ? -1 : atoi(PQgetvalue(res, row, 13));
		x->term_signal = PQgetisnull(res, row, 14) ? 0 : atoi(PQgetvalue(res, row, 14));
		x->timed_out = !strcmp(PQgetvalue(res, row, 15), "t");
	}
	PQclear(res);
	res = PQexecParams(s->conn,
	                   "SELECT v.run_id, v.metric, v.unit, v.direction, v.sample_seq, v.value "
	                   "FROM series_values v JOIN runs r ON r.id = v.run_id "
	                   "WHERE r.commit_id = $1 ORDER BY v.run_id, v.metric, v.seq",
	                   1, NULL, params, NULL, NULL, 0);
	if ((ret = store_check(s, res, PGRES_TUPLES_OK, "could not read the series' values", err)) <
	    0)
		goto done;
	n = PQntuples(res);
	for (row = 0; row < n; row++) {
		int64_t run_id = strtoll(PQgetvalue(res, row, 0), NULL, 10);
		struct store_run_info *r = run_by_id(c, run_id);
		struct store_run_value *v;

		if (!r)
			continue;
		r->values = realloc(r->values, (r->nvalues + 1) * sizeof(*r->values));
		if (!r->values)
			abort();
		v = &r->values[r->nvalues++];
		v->metric = store_value_dup(res, row, 1);
		v->unit = store_value_dup(res, row, 2);
		v->direction = store_value_dup(res, row, 3);
		v->sample_seq =
		        PQgetisnull(res, row, 4) ? -1 : strtoll(PQgetvalue(res, row, 4), NULL, 10);
		v->value = strtod(PQgetvalue(res, row, 5), NULL);
	}
done:
	PQclear(res);
	return ret;
}

int store_commit_load(struct store *s, const char *repo_location, const char *prefix,
                      struct store_commit_info *out, struct pw_error *err)
{
	struct strbuf lower = STRBUF_INIT;
	const char *params[2];
	PGresult *res = NULL;
	size_t i;
	int ret = 0, n;

	if (!store_hash_prefix_valid(prefix)) {
		ret = pw_error_set(err, PW_EINVALID,
		                   "'%s' is not a commit hash (4 to 40 hexadecimal digits)",
		                   prefix);
		goto done;
	}
	for (i = 0; prefix[i]; i++)
		strbuf_addch(&lower, tolower((unsigned char)prefix[i]));
	params[0] = lower.buf;
	params[1] = repo_location;
	res = PQexecParams(s->conn,
	                   "SELECT c.id, p.location, c.hash, array_to_string(c.parents, ' '), "
	                   "c.author, c.email, to_char(c.author_time AT TIME ZONE 'UTC', "
	                   "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), c.subject "
	                   "FROM commits c JOIN repositories p ON p.id = c.repository_id "
	                   "WHERE c.hash LIKE $1 || '%' AND ($2::text IS NULL OR p.location = $2) "
	                   "LIMIT 2",
	                   2, NULL, params, NULL, NULL, 0);
	if ((ret = store_check(s, res, PGRES_TUPLES_OK, "could not look up the commit", err)) < 0)
		goto done;
	n = PQntuples(res);
	if (n == 0) {
		ret = pw_error_set(err, PW_ENOTFOUND, "unknown commit '%s'", prefix);
		goto done;
	}
	if (n > 1) {
		ret = pw_error_set(err, PW_EINVALID,
		                   "commit '%s' is ambiguous: it matches %.12s and %.12s%s", prefix,
		                   PQgetvalue(res, 0, 2), PQgetvalue(res, 1, 2),
		                   strcmp(PQgetvalue(res, 0, 2), PQgetvalue(res, 1, 2))
		                           ? ""
		                           : " (in two repositories: name one with --repo)");
		goto done;
	}
	out->repo_location = store_value_dup(res, 0, 1);
	out->hash = store_value_dup(res, 0, 2);
	split_parents(out, PQgetvalue(res, 0, 3));
	out->author = store_value_dup(res, 0, 4);
	out->email = store_value_dup(res, 0, 5);
	out->author_time = store_value_dup(res, 0, 6);
	out->subject = store_value_dup(res, 0, 7);
	ret = load_runs(s, PQgetvalue(res, 0, 0), out, err);
done:
	if (ret < 0)
		store_commit_info_release(out);
	PQclear(res);
	strbuf_release(&lower);
	return ret;
}

void store_commit_info_release(struct store_commit_info *c)
{
	size_t i;

	for (i = 0; i < c->nparents; i++)
		free(c->parents[i]);
	for (i = 0; i < c->nruns; i++) {
		struct store_run_info *r = &c->runs[i];

		free(r->benchmark);
		free(r->spec_hash);
		free(r->fingerprint);
		free(r->verdict);
		free(r->started_at);
		free(r->finished_at);
		free(r->build_log_tail);
		free(r->diff_report);
		free(r->stderr_tail);
		free(r->metadata_json);
		free(r->judged_verdict);
		free(r->judged_metric);
		free(r->judge);
		free(r->samples);
		for (size_t k = 0; k < r->nvalues; k++) {
			free(r->values[k].metric);
			free(r->values[k].unit);
			free(r->values[k].direction);
		}
		free(r->values);
	}
	free(c->parents);
	free(c->runs);
	free(c->repo_location);
	free(c->hash);
	free(c->author);
	free(c->email);
	free(c->author_time);
	free(c->subject);
	memset(c, 0, sizeof(*c));
}

const char *store_run_shown_verdict(const struct store_run_info *r)
{
	return r->judged_verdict ? r->judged_verdict : r->verdict;
}

/* Whether run a is newer than run b: finished later (NULL: oldest), else the higher id. */
static int newer(const struct store_run_info *a, const struct store_run_info *b)
{
	int cmp;

	if (!a->finished_at != !b->finished_at)
		return a->finished_at != NULL;
	cmp = a->finished_at ? strcmp(a->finished_at, b->finished_at) : 0;
	return cmp ? cmp > 0 : a->id > b->id;
}

const struct store_run_info *store_commit_newest_run(const struct store_commit_info *c,
                                                     const char *benchmark, const char *fingerprint,
                                                     const char *spec_hash)
{
	const struct store_run_info *best = NULL;
	size_t i;

	for (i = 0; i < c->nruns; i++) {
		const struct store_run_info *r = &c->runs[i];

		if (!r->newest || strcmp(r->benchmark, benchmark) ||
		    (fingerprint && strcmp(r->fingerprint, fingerprint)))
			continue;
		if (spec_hash && !strcmp(r->spec_hash, spec_hash))
			return r;
		if (!best || newer(r, best))
			best = r;
	}
	return best;
}

static int same_text(const char *x, const char *y)
{
	return x && y && !strcmp(x, y);
}

/* When the older run of the pair finished (ISO 8601 text compares in time order). */
static const char *pair_time(const struct store_run_pair *p)
{
	const char *ta = p->a->finished_at ? p->a->finished_at : "";
	const char *tb = p->b->finished_at ? p->b->finished_at : "";

	return strcmp(ta, tb) < 0 ? ta : tb;
}

size_t store_run_pairs(const struct store_commit_info *a, const struct store_commit_info *b,
                       struct store_run_pair **out)
{
	size_t i, k, n = 0;

	*out = calloc(a->nruns + 1, sizeof(**out));
	if (!*out)
		abort();
	for (i = 0; i < a->nruns; i++) {
		struct store_run_pair p;

		p.a = &a->runs[i];
		if (!p.a->newest) /* older measurements of a are not compared */
			continue;
		p.b = store_commit_newest_run(b, p.a->benchmark, p.a->fingerprint, p.a->spec_hash);
		if (!p.b || !same_text(p.b->spec_hash, p.a->spec_hash) ||
		    !same_text(p.b->fingerprint, p.a->fingerprint))
			continue;
		for (k = 0; k < n; k++)
			if (!strcmp((*out)[k].a->benchmark, p.a->benchmark))
				break;
		if (k == n)
			(*out)[n++] = p;
		else if (strcmp(pair_time(&p), pair_time(&(*out)[k])) > 0)
			(*out)[k] = p;
	}
	return n;
}

int store_benchmark_names(struct store *s, const char *repo_location, const char *fingerprint,
                          char ***out, size_t *n, struct pw_error *err)
{
	const char *params[2] = {repo_location, fingerprint};
	PGresult *res = PQexecParams(
	        s->conn,
	        "SELECT DISTINCT r.benchmark FROM runs r JOIN commits c ON c.id = r.commit_id "
	        "JOIN repositories p ON p.id = c.repository_id JOIN environments e ON "
	        "e.id = r.environment_id WHERE ($1::text IS NULL OR p.location = $1) AND "
	        "($2::text IS NULL OR e.fingerprint = $2) ORDER BY 1",
	        2, NULL, params, NULL, NULL, 0);
	int ret = store_check(s, res, PGRES_TUPLES_OK, "could not list the benchmarks", err);
	int i, rows;

	*out = NULL;
	*n = 0;
	if (ret < 0)
		goto done;
	rows = PQntuples(res);
	*out = calloc((size_t)rows + 1, sizeof(**out));
	if (!*out)
		abort();
	for (i = 0; i < rows; i++)
		(*out)[i] = store_value_dup(res, i, 0);
	*n = (size_t)rows;
done:
	PQclear(res);
	return ret;
}

void store_names_free(char **names, size_t n)
{
	size_t i;

	for (i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
}
