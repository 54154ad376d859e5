/*
 * Writing measurements: a batch of commits (one, from the runner; many, from
 * a bulk import) goes in one transaction of three round trips: BEGIN and one
 * statement that upserts the repositories, environments, commits and runs
 * (array parameters, libpq pipeline mode), one COPY for all the samples, and
 * COMMIT in the COPY's query string. Around it the safety net: retry on a
 * lost connection, else the local spool (store/spool: the file format), and
 * the replay of what was spooled once the database is back. Read by
 * store/query.c; called by runner/measure/pipeline and `perfwarden db replay`.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "results.h"
#include "spool.h"
#include "store_internal.h"

#define SAVE_ATTEMPTS 3

static int returned_id(struct store *s, PGresult *res, const char *what, int64_t *id,
                       struct pw_error *err)
{
	int ret = store_check(s, res, PGRES_TUPLES_OK, what, err);

	if (!ret && PQntuples(res) != 1)
		ret = pw_error_set(err, PW_EDB, "%s: no row returned", what);
	if (!ret)
		*id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return ret;
}

int store_repository_upsert(struct store *s, const char *location, const char *name, int64_t *id,
                            struct pw_error *err)
{
	const char *params[2] = {location, name ? name : location};

	return returned_id(s,
	                   PQexecParams(s->conn,
	                                "INSERT INTO repositories (location, name) VALUES ($1, $2) "
	                                "ON CONFLICT (location) DO UPDATE SET name = EXCLUDED.name "
	                                "RETURNING id",
	                                2, NULL, params, NULL, NULL, 0),
	                   "could not store the repository", id, err);
}

/* A text[] literal: {"a","b"} with " and \ escaped. */
static void array_literal(struct strbuf *out, const char *const *items, size_t n)
{
	size_t i;
	const char *p;

	strbuf_addch(out, '{');
	for (i = 0; i < n; i++) {
		strbuf_addstr(out, i ? ",\"" : "\"");
		for (p = items[i]; *p; p++) {
			if (*p == '"' || *p == '\\')
				strbuf_addch(out, '\\');
			strbuf_addch(out, *p);
		}
		strbuf_addch(out, '"');
	}
	strbuf_addch(out, '}');
}

int store_commit_upsert(struct store *s, int64_t repository_id, const struct store_commit_meta *c,
                        int64_t *id, struct pw_error *err)
{
	struct strbuf repo = STRBUF_INIT, parents = STRBUF_INIT, when = STRBUF_INIT;
	const char *params[7];
	int ret;

	strbuf_addf(&repo, "%" PRId64, repository_id);
	array_literal(&parents, c->parents, c->nparents);
	if (c->author_time)
		strbuf_addf(&when, "%" PRId64, c->author_time);
	params[0] = repo.buf;
	params[1] = c->hash;
	params[2] = parents.buf;
	params[3] = c->author;
	params[4] = c->email;
	params[5] = c->author_time ? when.buf : NULL;
	params[6] = c->subject;
	ret = returned_id(
	        s,
	        PQexecParams(s->conn,
	                     "INSERT INTO commits (repository_id, hash, parents, author, email, "
	                     "author_time, subject) VALUES ($1, lower($2), $3, $4, $5, "
	                     "to_timestamp($6::bigint), $7) "
	                     "ON CONFLICT (repository_id, hash) DO UPDATE SET parents = "
	                     "EXCLUDED.parents, author = EXCLUDED.author, email = EXCLUDED.email, "
	                     "author_time = EXCLUDED.author_time, subject = EXCLUDED.subject "
	                     "RETURNING id",
	                     7, NULL, params, NULL, NULL, 0),
	        "could not store the commit", id, err);
	strbuf_release(&repo);
	strbuf_release(&parents);
	strbuf_release(&when);
	return ret;
}

int store_environment_upsert(struct store *s, const char *fingerprint, const char *details_json,
                             int64_t *id, struct pw_error *err)
{
	const char *params[2] = {fingerprint, details_json};

	return returned_id(
	        s,
	        PQexecParams(s->conn,
	                     "INSERT INTO environments (fingerprint, details) "
	                     "VALUES ($1, coalesce($2::jsonb, '{}')) ON CONFLICT (fingerprint) "
	                     "DO UPDATE SET details = coalesce($2::jsonb, environments.details) "
	                     "RETURNING id",
	                     2, NULL, params, NULL, NULL, 0),
	        "could not store the environment", id, err);
}

/* Append one element of a text[] literal: NULL, or "..." with " and \ escaped. */
static void array_add(struct strbuf *arr, const char *item)
{
	struct strbuf clean = STRBUF_INIT;
	const char *p;
	size_t span;

	strbuf_addch(arr, arr->len > 1 ? ',' : '{');
	if (!item) {
		strbuf_addstr(arr, "NULL");
		return;
	}
	if (!store_utf8_valid(item)) {
		store_utf8_sanitize(&clean, item);
		item = clean.buf;
	}
	strbuf_addch(arr, '"');
	for (p = item; *p; p += span + 1) {
		span = strcspn(p, "\"\\");
		strbuf_add(arr, p, span);
		if (!p[span])
			break;
		strbuf_addch(arr, '\\');
		strbuf_addch(arr, p[span]);
	}
	strbuf_addch(arr, '"');
	strbuf_release(&clean);
}

static void array_add_time(struct strbuf *arr, int64_t us)
{
	strbuf_addch(arr, arr->len > 1 ? ',' : '{');
	if (us)
		strbuf_addf(arr, "%" PRId64, us);
	else
		strbuf_addstr(arr, "NULL");
}

static void array_end(struct strbuf *arr)
{
	if (arr->len <= 1)
		strbuf_addch(arr, '{');
	strbuf_addch(arr, '}');
}

static int by_int64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Sort the few values of one metric of one run (insertion sort: n is ~30). */
static void sort_values(int64_t *v, size_t n)
{
	size_t i, j;

	for (i = 1; i < n; i++) {
		int64_t x = v[i];

		for (j = i; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

/* The type-7 (linear) quantile p of sorted v[0..n). */
static double quantile7(const int64_t *v, size_t n, double p)
{
	double h = (double)(n - 1) * p;
	size_t lo = (size_t)h;

	if (lo + 1 >= n)
		return (double)v[n - 1];
	return (double)v[lo] + (h - (double)lo) * (double)(v[lo + 1] - v[lo]);
}

/* Append the decimal digits of v (faster than printf for a million rows). */
static void add_int(struct strbuf *buf, int64_t v)
{
	char tmp[24], *p = tmp + sizeof(tmp);
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	strbuf_add(buf, p, (size_t)(tmp + sizeof(tmp) - p));
}

/*
 * Append x as %.17g would. Quantiles of integers are whole or end in .25,
 * .5 or .75: those (below 2^52, where they are exact) skip printf's slow
 * floating-point path.
 */
static void add_quantile(struct strbuf *buf, double x)
{
	static const char *const quarters[] = {"", ".25", ".5", ".75"};
	double whole, frac;

	if (x >= 0 && x < 4503599627370496.0) {
		whole = (double)(int64_t)x;
		frac = (x - whole) * 4;
		if (frac == (double)(int)frac) {
			add_int(buf, (int64_t)whole);
			strbuf_addstr(buf, quarters[(int)frac]);
			return;
		}
	}
	strbuf_addf(buf, "%.17g", x);
}

/* runs.summary for one run: per measured metric n, min, q1, median, q3 (schema 0003). */
static void run_summary(struct strbuf *out, const struct store_run_result *run)
{
	static const char *const names[] = {"wall_ns",    "user_ns",       "sys_ns",
	                                    "maxrss_kib", "minflt",        "majflt",
	                                    "nvcsw",      "nivcsw",        "instructions",
	                                    "cycles",     "branch_misses", "cache_misses"};
	enum { NMETRICS = sizeof(names) / sizeof(names[0]) };
	int64_t *v = calloc(NMETRICS * (run->nsamples + 1), sizeof(*v));
	size_t n[NMETRICS] = {0};
	size_t m, i;

	if (!v)
		abort();
	for (i = 0; i < run->nsamples; i++) {
		const struct sample *x = &run->samples[i];
		const int64_t all[NMETRICS] = {x->wall_ns,    x->user_ns,       x->sys_ns,
		                               x->maxrss_kib, x->minflt,        x->majflt,
		                               x->nvcsw,      x->nivcsw,        x->instructions,
		                               x->cycles,     x->branch_misses, x->cache_misses};

		for (m = 0; m < NMETRICS; m++)
			if (all[m] != SAMPLE_ABSENT)
				v[m * run->nsamples + n[m]++] = all[m];
	}
	strbuf_addch(out, '{');
	for (m = 0; m < NMETRICS; m++) {
		int64_t *mv = v + m * run->nsamples;

		if (!n[m])
			continue;
		if (n[m] > 64)
			qsort(mv, n[m], sizeof(*mv), by_int64);
		else
			sort_values(mv, n[m]);
		strbuf_addstr(out, out->len > 1 ? ", \"" : "\"");
		strbuf_addstr(out, names[m]);
		strbuf_addstr(out, "\": {\"n\": ");
		add_int(out, (int64_t)n[m]);
		strbuf_addstr(out, ", \"min\": ");
		add_int(out, mv[0]);
		strbuf_addstr(out, ", \"q1\": ");
		add_quantile(out, quantile7(mv, n[m], 0.25));
		strbuf_addstr(out, ", \"median\": ");
		add_quantile(out, quantile7(mv, n[m], 0.5));
		strbuf_addstr(out, ", \"q3\": ");
		add_quantile(out, quantile7(mv, n[m], 0.75));
		strbuf_addch(out, '}');
	}
	strbuf_addch(out, '}');
	free(v);
}

static int by_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The type-7 quantile p of sorted v[0..n). */
static double quantile7d(const double *v, size_t n, double p)
{
	double h = (double)(n - 1) * p;
	size_t lo = (size_t)h;

	if (lo + 1 >= n)
		return v[n - 1];
	return v[lo] + (h - (double)lo) * (v[lo + 1] - v[lo]);
}

/*
 * runs.summary for a series' run (schema 6): per metric of its values n,
 * min, q1, median, q3, unit and direction, in the form run_summary() gives
 * a process run's, so history reads either alike.
 */
static void values_summary(struct strbuf *out, const struct store_run_result *run)
{
	struct strbuf samples = STRBUF_INIT;
	json_t *sum;
	double *v = malloc((run->nvalues + 1) * sizeof(*v));
	char *text;
	size_t i, j, n;

	/* a benchmark's own run may carry values too (its build's): both summaries */
	run_summary(&samples, run);
	sum = json_loads(samples.buf, 0, NULL);
	strbuf_release(&samples);
	if (!v || !sum)
		abort();
	for (i = 0; i < run->nvalues; i++) {
		const struct store_value *x = &run->values[i];

		if (json_object_get(sum, x->metric))
			continue;
		for (j = i, n = 0; j < run->nvalues; j++)
			if (!strcmp(run->values[j].metric, x->metric))
				v[n++] = run->values[j].value;
		qsort(v, n, sizeof(*v), by_double);
		json_object_set_new(sum, x->metric,
		                    json_pack("{s:I, s:f, s:f, s:f, s:f, s:s, s:s}", "n",
		                              (json_int_t)n, "min", v[0], "q1",
		                              quantile7d(v, n, 0.25), "median",
		                              quantile7d(v, n, 0.5), "q3", quantile7d(v, n, 0.75),
		                              "unit", x->unit ? x->unit : "", "direction",
		                              x->direction ? x->direction : "lower"));
	}
	text = json_dumps(sum, JSON_COMPACT);
	if (!text)
		abort();
	strbuf_addstr(out, text);
	free(text);
	free(v);
	json_decref(sum);
}

/*
 * The ingest statement: every row of a batch but the samples, in one
 * statement whose parameters are arrays (one element per commit, $1-$10, or
 * per run, $11-$21), so a batch costs the same few round trips whether it
 * holds one commit or ten thousand. It upserts the repositories, the
 * environments (NULL details keep the stored ones) and the commits, and
 * appends every run: nothing stored is replaced, a run measured again is a
 * new row beside the earlier one. Run ids are drawn in input order (a later
 * run of one key gets the higher id, so it is the newer at equal
 * finished_at), and the answer is (ordinal of the input run, run id).
 */
#define INGEST_STMT    2
#define INGEST_NPARAMS 21

static const char ingest_sql[] =
        "WITH c_in AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], "
        "$5::text[], $6::text[], $7::bigint[], $8::text[], $9::text[], $10::text[]) "
        "WITH ORDINALITY AS u(loc, name, hash, parents, author, email, at, subject, fp, "
        "details, ord)), "
        "p_up AS (INSERT INTO repositories (location, name) "
        "SELECT DISTINCT ON (loc) loc, coalesce(name, loc) FROM c_in ORDER BY loc, ord DESC "
        "ON CONFLICT (location) DO UPDATE SET name = EXCLUDED.name "
        "WHERE repositories.name IS DISTINCT FROM EXCLUDED.name RETURNING id, location), "
        "p AS (SELECT d.loc, coalesce(u.id, x.id) AS id FROM (SELECT DISTINCT loc FROM c_in) d "
        "LEFT JOIN p_up u ON u.location = d.loc LEFT JOIN repositories x ON x.location = d.loc), "
        "e_last AS (SELECT DISTINCT ON (fp) fp, details FROM c_in "
        "ORDER BY fp, details IS NOT NULL DESC, ord DESC), "
        "e_set AS (INSERT INTO environments (fingerprint, details) "
        "SELECT fp, details::jsonb FROM e_last WHERE details IS NOT NULL "
        "ON CONFLICT (fingerprint) DO UPDATE SET details = EXCLUDED.details "
        "WHERE environments.details IS DISTINCT FROM EXCLUDED.details "
        "RETURNING id, fingerprint), "
        "e_keep AS (INSERT INTO environments (fingerprint) "
        "SELECT fp FROM e_last WHERE details IS NULL "
        "ON CONFLICT (fingerprint) DO NOTHING RETURNING id, fingerprint), "
        "e AS (SELECT l.fp, coalesce(s.id, k.id, x.id) AS id FROM e_last l "
        "LEFT JOIN e_set s ON s.fingerprint = l.fp LEFT JOIN e_keep k ON k.fingerprint = l.fp "
        "LEFT JOIN environments x ON x.fingerprint = l.fp), "
        "c_last AS (SELECT DISTINCT ON (loc, lower(hash)) loc, lower(hash) AS hash, parents, "
        "author, email, at, subject FROM c_in ORDER BY loc, lower(hash), ord DESC), "
        "c_up AS (INSERT INTO commits (repository_id, hash, parents, author, email, "
        "author_time, subject) SELECT p.id, l.hash, l.parents::text[], l.author, l.email, "
        "to_timestamp(l.at), l.subject FROM c_last l JOIN p ON p.loc = l.loc "
        "ON CONFLICT (repository_id, hash) DO UPDATE SET parents = EXCLUDED.parents, "
        "author = EXCLUDED.author, email = EXCLUDED.email, "
        "author_time = EXCLUDED.author_time, subject = EXCLUDED.subject "
        "WHERE (commits.parents, commits.author, commits.email, commits.author_time, "
        "commits.subject) IS DISTINCT FROM (EXCLUDED.parents, EXCLUDED.author, "
        "EXCLUDED.email, EXCLUDED.author_time, EXCLUDED.subject) "
        "RETURNING id, repository_id, hash), "
        "c AS (SELECT l.loc, l.hash, coalesce(u.id, x.id) AS id FROM c_last l "
        "JOIN p ON p.loc = l.loc "
        "LEFT JOIN c_up u ON u.repository_id = p.id AND u.hash = l.hash "
        "LEFT JOIN commits x ON x.repository_id = p.id AND x.hash = l.hash), "
        "r_in AS (SELECT r.*, c.id AS commit_id, e.id AS env_id FROM unnest($11::int[], "
        "$12::text[], $13::text[], $14::bigint[], $15::bigint[], $16::text[], $17::text[], "
        "$18::text[], $19::text[], $20::text[], $21::text[]) "
        "WITH ORDINALITY AS r(ci, b, sh, st, fi, v, bl, dr, se, md, su, ord) "
        "JOIN c_in i ON i.ord = r.ci JOIN c ON c.loc = i.loc AND c.hash = lower(i.hash) "
        "JOIN e ON e.fp = i.fp), "
        "r_ids AS (SELECT nextval('runs_id_seq'::regclass) AS id, o.ord "
        "FROM (SELECT ord FROM r_in ORDER BY ord) o), "
        "r_up AS (INSERT INTO runs (id, commit_id, environment_id, benchmark, spec_hash, "
        "started_at, finished_at, verdict, build_log_tail, diff_report, stderr_tail, "
        "metadata, summary) SELECT x.id, r.commit_id, r.env_id, r.b, r.sh, "
        "to_timestamp(r.st / 1e6), to_timestamp(r.fi / 1e6), r.v, r.bl, r.dr, r.se, "
        "r.md::jsonb, r.su::jsonb FROM r_in r JOIN r_ids x ON x.ord = r.ord) "
        "SELECT ord, id FROM r_ids ORDER BY ord";

enum ingest_param {
	IN_LOCATION,
	IN_NAME,
	IN_HASH,
	IN_PARENTS,
	IN_AUTHOR,
	IN_EMAIL,
	IN_AUTHOR_TIME,
	IN_SUBJECT,
	IN_FINGERPRINT,
	IN_DETAILS,
	IN_RUN_COMMIT,
	IN_BENCHMARK,
	IN_SPEC_HASH,
	IN_STARTED,
	IN_FINISHED,
	IN_VERDICT,
	IN_BUILD_LOG,
	IN_DIFF,
	IN_STDERR,
	IN_METADATA,
	IN_SUMMARY
};

static void array_add_int(struct strbuf *arr, size_t v)
{
	strbuf_addch(arr, arr->len > 1 ? ',' : '{');
	strbuf_addf(arr, "%zu", v);
}

static int same_key(const struct store_run_result *a, const struct store_run_result *b)
{
	return !strcmp(a->benchmark, b->benchmark) &&
	       !strcmp(a->spec_hash ? a->spec_hash : "", b->spec_hash ? b->spec_hash : "");
}

static int check_results(const struct store_results *r, struct pw_error *err)
{
	size_t i, j;

	if (!r->repo_location || !r->commit.hash || !r->env_fingerprint)
		return pw_error_set(err, PW_EINVALID,
		                    "results without a repository, commit or environment");
	for (i = 0; i < r->nruns; i++) {
		if (!r->runs[i].benchmark)
			return pw_error_set(err, PW_EINVALID, "run %zu of %.12s has no benchmark",
			                    i, r->commit.hash);
		for (j = 0; j < i; j++)
			if (same_key(&r->runs[i], &r->runs[j]))
				return pw_error_set(
				        err, PW_EINVALID,
				        "benchmark '%s' appears twice in the results of "
				        "%.12s",
				        r->runs[i].benchmark, r->commit.hash);
	}
	return 0;
}

/* The batch as the ingest statement's array parameters; 0 or PW_EINVALID. */
static int ingest_params(const struct store_results *r, size_t n, struct strbuf *arr,
                         struct pw_error *err)
{
	struct strbuf lit = STRBUF_INIT;
	size_t c, i;
	int ret = 0;

	for (c = 0; c < n; c++) {
		const struct store_results *x = &r[c];

		if ((ret = check_results(x, err)) < 0)
			goto done;
		strbuf_reset(&lit);
		array_literal(&lit, x->commit.parents, x->commit.nparents);
		array_add(&arr[IN_LOCATION], x->repo_location);
		array_add(&arr[IN_NAME], x->repo_name);
		array_add(&arr[IN_HASH], x->commit.hash);
		array_add(&arr[IN_PARENTS], lit.buf);
		array_add(&arr[IN_AUTHOR], x->commit.author);
		array_add(&arr[IN_EMAIL], x->commit.email);
		array_add_time(&arr[IN_AUTHOR_TIME], x->commit.author_time);
		array_add(&arr[IN_SUBJECT], x->commit.subject);
		array_add(&arr[IN_FINGERPRINT], x->env_fingerprint);
		array_add(&arr[IN_DETAILS], x->env_details_json);
		for (i = 0; i < x->nruns; i++) {
			const struct store_run_result *run = &x->runs[i];

			array_add_int(&arr[IN_RUN_COMMIT], c + 1);
			array_add(&arr[IN_BENCHMARK], run->benchmark);
			array_add(&arr[IN_SPEC_HASH], run->spec_hash ? run->spec_hash : "");
			array_add_time(&arr[IN_STARTED], run->started_us);
			array_add_time(&arr[IN_FINISHED], run->finished_us);
			array_add(&arr[IN_VERDICT], run->verdict);
			array_add(&arr[IN_BUILD_LOG], run->build_log_tail);
			array_add(&arr[IN_DIFF], run->diff_report);
			array_add(&arr[IN_STDERR], run->stderr_tail);
			array_add(&arr[IN_METADATA],
			          run->metadata_json ? run->metadata_json : "{}");
			strbuf_reset(&lit);
			if (run->nvalues)
				values_summary(&lit, run);
			else
				run_summary(&lit, run);
			array_add(&arr[IN_SUMMARY], lit.buf);
		}
	}
	for (i = 0; i < INGEST_NPARAMS; i++)
		array_end(&arr[i]);
done:
	strbuf_release(&lit);
	return ret;
}

/*
 * Batches of up to this many commits run the prepared statement, whose
 * generic plan assumes a few rows (planning the statement costs more than
 * executing it for one commit); larger ones are planned for their size,
 * since that generic plan's nested loops grow with the square of the runs
 * (3,000 runs: 1.1 s instead of 0.1 s).
 */
#define INGEST_PREPARED_MAX 8

/*
 * BEGIN and the ingest statement in one round trip, through libpq's pipeline
 * mode (for small batches the statement is prepared once per connection). The statement's result
 * goes to *out (the caller's to PQclear) when everything succeeded.
 */
static int begin_and_ingest(struct store *s, const struct strbuf *arr, size_t n, PGresult **out,
                            int *raced, struct pw_error *err)
{
	const char *params[INGEST_NPARAMS];
	const char *name = "pw_ingest";
	int prepared = n <= INGEST_PREPARED_MAX;
	int ret = 0, nulls = 0, i;
	PGresult *res;

	for (i = 0; i < INGEST_NPARAMS; i++)
		params[i] = arr[i].buf;
	if (prepared && !(s->prepared & (1u << INGEST_STMT))) {
		res = PQprepare(s->conn, name, ingest_sql, INGEST_NPARAMS, NULL);
		ret = store_check(s, res, PGRES_COMMAND_OK, "could not store the results", err);
		PQclear(res);
		if (ret < 0)
			return ret;
		s->prepared |= 1u << INGEST_STMT;
	}
	if (PQenterPipelineMode(s->conn) != 1 ||
	    PQsendQueryParams(s->conn, "BEGIN", 0, NULL, NULL, NULL, NULL, 0) != 1 ||
	    (prepared ? PQsendQueryPrepared(s->conn, name, INGEST_NPARAMS, params, NULL, NULL, 0)
	              : PQsendQueryParams(s->conn, ingest_sql, INGEST_NPARAMS, NULL, params, NULL,
	                                  NULL, 0)) != 1 ||
	    PQpipelineSync(s->conn) != 1) {
		ret = store_check(s, NULL, PGRES_COMMAND_OK, "could not store the results", err);
		goto done;
	}
	/* BEGIN's result and the statement's, each followed by NULL; then the sync */
	for (;;) {
		int status;

		res = PQgetResult(s->conn);
		if (!res) {
			if (++nulls > 1 || PQstatus(s->conn) != CONNECTION_OK)
				break;
			continue;
		}
		nulls = 0;
		status = PQresultStatus(res);
		if (status == PGRES_PIPELINE_SYNC) {
			PQclear(res);
			break;
		}
		if (status == PGRES_TUPLES_OK && !*out && !ret) {
			*out = res;
			continue;
		}
		if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && !ret) {
			const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

			/* 23502: a row another transaction committed meanwhile is not in our
			 * snapshot */
			*raced = state && !strcmp(state, "23502");
			ret = store_check(s, res, PGRES_COMMAND_OK, "could not store the results",
			                  err);
		}
		PQclear(res);
	}
	if (!ret && !*out)
		ret = store_check(s, NULL, PGRES_TUPLES_OK, "could not store the results", err);
done:
	if (PQpipelineStatus(s->conn) != PQ_PIPELINE_OFF && PQexitPipelineMode(s->conn) != 1)
		ret = ret ? ret
		          : store_check(s, NULL, PGRES_COMMAND_OK, "could not store the results",
		                        err);
	if (ret) {
		PQclear(*out);
		*out = NULL;
	}
	return ret;
}

/*
 * COPY's binary format: a signature and header, then per row the number of
 * fields and each field as a 4-byte length (-1: NULL) and its value in
 * network byte order; -1 as the field count ends the data. The server reads
 * it with less work than text, and samples are most of what is written.
 */
static const char copy_header[] = "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0";
#define COPY_HEADER_LEN 19
#define COPY_FIELDS     17

static unsigned char *put_be(unsigned char *p, uint64_t v, int bytes)
{
	int i;

	for (i = bytes - 1; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)(v & 0xff);
	return p + bytes;
}

/* A field: its length, then the value (`bytes` wide); NULL when absent. */
static unsigned char *put_field(unsigned char *p, int64_t v, int bytes, int absent)
{
	if (absent)
		return put_be(p, 0xffffffffu, 4);
	p = put_be(p, (uint64_t)bytes, 4);
	return put_be(p, (uint64_t)v, bytes);
}

/* Append one sample as a binary COPY row of the samples table. */
static void copy_row(struct strbuf *buf, int64_t run_id, size_t seq, const struct sample *x)
{
	const int64_t metric[] = {x->wall_ns,      x->user_ns, x->sys_ns,        x->maxrss_kib,
	                          x->minflt,       x->majflt,  x->nvcsw,         x->nivcsw,
	                          x->instructions, x->cycles,  x->branch_misses, x->cache_misses};
	unsigned char row[2 + COPY_FIELDS * 12], *p = row;
	size_t i;

	p = put_be(p, COPY_FIELDS, 2);
	p = put_field(p, run_id, 8, 0);
	p = put_field(p, (int64_t)seq, 4, 0);
	for (i = 0; i < sizeof(metric) / sizeof(metric[0]); i++)
		p = put_field(p, metric[i], 8, metric[i] == SAMPLE_ABSENT);
	p = put_field(p, x->exit_code, 4, 0);
	p = put_field(p, x->term_signal, 4, 0);
	p = put_field(p, x->timed_out ? 1 : 0, 1, 0);
	strbuf_add(buf, row, (size_t)(p - row));
}

#define COPY_CHUNK (256 * 1024)

/*
 * The series' values of every run that has an id (schema 6), in one
 * statement of array parameters inside the open transaction; nothing is
 * sent when the batch has none.
 */
static int insert_values(struct store *s, const struct store_results *r, size_t n,
                         const int64_t *run_ids, struct pw_error *err)
{
	enum { NCOLS = 7 };
	struct strbuf arr[NCOLS], num = STRBUF_INIT;
	const char *params[NCOLS];
	size_t c, i, j, k = 0, count = 0, seq = 0;
	PGresult *res;
	int ret = 0;

	for (i = 0; i < NCOLS; i++)
		arr[i] = (struct strbuf)STRBUF_INIT;
	for (c = 0; c < n; c++) {
		for (i = 0; i < r[c].nruns; i++, k++) {
			const struct store_run_result *run = &r[c].runs[i];

			for (j = 0; run_ids[k] && j < run->nvalues; j++) {
				const struct store_value *v = &run->values[j];
				size_t m;

				/* seq counts per metric; a metric's values usually come together */
				if (j && !strcmp(run->values[j - 1].metric, v->metric)) {
					seq++;
				} else {
					for (m = 0, seq = 0; m < j; m++)
						seq += !strcmp(run->values[m].metric, v->metric);
				}
				strbuf_reset(&num);
				strbuf_addf(&num, "%" PRId64, run_ids[k]);
				array_add(&arr[0], num.buf);
				array_add(&arr[1], v->metric);
				array_add_int(&arr[2], seq);
				strbuf_reset(&num);
				if (v->sample_seq >= 0)
					strbuf_addf(&num, "%" PRId64, v->sample_seq);
				array_add(&arr[3], v->sample_seq >= 0 ? num.buf : NULL);
				strbuf_reset(&num);
				strbuf_addf(&num, "%.17g", v->value);
				array_add(&arr[4], num.buf);
				array_add(&arr[5], v->unit ? v->unit : "");
				array_add(&arr[6], v->direction ? v->direction : "lower");
				count++;
			}
		}
	}
	if (!count)
		goto done;
	for (i = 0; i < NCOLS; i++) {
		array_end(&arr[i]);
		params[i] = arr[i].buf;
	}
	res = PQexecParams(s->conn,
	                   "INSERT INTO series_values (run_id, metric, seq, sample_seq, value, "
	                   "unit, direction) SELECT * FROM unnest($1::bigint[], $2::text[], "
	                   "$3::int[], $4::int[], $5::float8[], $6::text[], $7::text[])",
	                   NCOLS, NULL, params, NULL, NULL, 0);
	ret = store_check(s, res, PGRES_COMMAND_OK, "could not store the series' values", err);
	PQclear(res);
done:
	for (i = 0; i < NCOLS; i++)
		strbuf_release(&arr[i]);
	strbuf_release(&num);
	return ret;
}

/*
 * One COPY for the samples of every run that has an id in run_ids[] (runs
 * in input order; every run has one), then COMMIT in
 * the same query string, so the transaction ends with the COPY's round trip.
 * The test hook before_commit runs before the last of the data is sent.
 */
static int copy_samples_and_commit(struct store *s, const struct store_results *r, size_t n,
                                   const int64_t *run_ids, struct pw_error *err)
{
	struct strbuf buf = STRBUF_INIT;
	PGresult *res;
	size_t c, i, j, k = 0;
	int ret = 0, status;

	if (PQsendQuery(s->conn, "COPY samples (run_id, seq, wall_ns, user_ns, sys_ns, maxrss_kib, "
	                         "minflt, majflt, nvcsw, nivcsw, instructions, cycles, "
	                         "branch_misses, cache_misses, exit_code, term_signal, timed_out) "
	                         "FROM STDIN (FORMAT binary); COMMIT") != 1)
		goto failed;
	res = PQgetResult(s->conn);
	ret = store_check(s, res, PGRES_COPY_IN, "could not store the samples", err);
	PQclear(res);
	if (ret < 0)
		goto drain;
	strbuf_add(&buf, copy_header, COPY_HEADER_LEN);
	for (c = 0; c < n; c++) {
		for (i = 0; i < r[c].nruns; i++, k++) {
			if (!run_ids[k])
				continue;
			for (j = 0; j < r[c].runs[i].nsamples; j++) {
				copy_row(&buf, run_ids[k], j, &r[c].runs[i].samples[j]);
				if (buf.len < COPY_CHUNK)
					continue;
				if (PQputCopyData(s->conn, buf.buf, (int)buf.len) != 1)
					goto failed;
				strbuf_reset(&buf);
			}
		}
	}
	strbuf_add(&buf, "\377\377", 2);
	if (s->before_commit)
		s->before_commit(s, s->before_commit_arg);
	if (buf.len && PQputCopyData(s->conn, buf.buf, (int)buf.len) != 1)
		goto failed;
	if (PQputCopyEnd(s->conn, NULL) != 1)
		goto failed;
	/* the COPY's result, then COMMIT's */
	for (i = 0; i < 2 && !ret; i++) {
		res = PQgetResult(s->conn);
		status = PQresultStatus(res);
		if (status == PGRES_COPY_IN) { /* the connection broke mid-COPY */
			PQclear(res);
			goto failed;
		}
		ret = store_check(
		        s, res, PGRES_COMMAND_OK,
		        i ? "could not commit the results" : "could not store the samples", err);
		PQclear(res);
	}
	goto drain;
failed:
	ret = pw_error_set(err, PW_EDB, "could not store the samples: %s", PQerrorMessage(s->conn));
drain:
	for (i = 0; i < 8 && (res = PQgetResult(s->conn)); i++) {
		status = PQresultStatus(res);
		PQclear(res);
		if (status == PGRES_COPY_IN && PQputCopyEnd(s->conn, "abandoned") != 1)
			break;
	}
	strbuf_release(&buf);
	return ret;
}

int store_results_write_many(struct store *s, const struct store_results *r, size_t n,
                             struct pw_error *err)
{
	struct strbuf arr[INGEST_NPARAMS];
	PGresult *res = NULL;
	int64_t *run_ids = NULL;
	size_t c, nruns = 0;
	int ret, row, begun = 0, attempt;

	for (c = 0; c < INGEST_NPARAMS; c++)
		arr[c] = (struct strbuf)STRBUF_INIT;
	if (!s || !s->conn) {
		ret = pw_error_set(err, PW_EDB, "not connected to the database");
		goto done;
	}
	if ((ret = ingest_params(r, n, arr, err)) < 0)
		goto done;
	for (c = 0; c < n; c++)
		nruns += r[c].nruns;
	run_ids = calloc(nruns + 1, sizeof(*run_ids));
	if (!run_ids)
		abort();
	begun = 1;
	/*
	 * Another perfwarden storing the same commit (or repository, environment)
	 * at the same moment inserts the row this statement's snapshot cannot
	 * see: then the statement finds no id (a not-null violation), and a
	 * second try, with a fresh snapshot, does.
	 */
	for (attempt = 0;; attempt++) {
		int raced = 0;

		if ((ret = begin_and_ingest(s, arr, n, &res, &raced, err)) == 0)
			break;
		if (!raced || attempt >= 2 || store_connection_lost(s))
			goto done;
		store_exec_quiet(s, "ROLLBACK");
		pw_error_clear(err);
	}
	for (row = 0; row < PQntuples(res); row++) {
		size_t ord = strtoull(PQgetvalue(res, row, 0), NULL, 10);

		if (ord >= 1 && ord <= nruns)
			run_ids[ord - 1] = strtoll(PQgetvalue(res, row, 1), NULL, 10);
	}
	if ((ret = insert_values(s, r, n, run_ids, err)) < 0)
		goto done;
	ret = copy_samples_and_commit(s, r, n, run_ids, err);
done:
	if (ret < 0 && begun && !store_connection_lost(s))
		store_exec_quiet(s, "ROLLBACK");
	PQclear(res);
	free(run_ids);
	for (c = 0; c < INGEST_NPARAMS; c++)
		strbuf_release(&arr[c]);
	return ret;
}

int store_results_write(struct store *s, const struct store_results *r, struct pw_error *err)
{
	return store_results_write_many(s, r, 1, err);
}

int store_results_save(struct store *s, const struct store_results *r, struct strbuf *spooled,
                       struct pw_error *err)
{
	struct strbuf path = STRBUF_INIT, why = STRBUF_INIT;
	int attempt, ret = PW_EDB;

	for (attempt = 0; s && s->conn && attempt < SAVE_ATTEMPTS; attempt++) {
		if (attempt && store_reconnect(s, 5, err) < 0)
			break;
		ret = store_results_write(s, r, err);
		if (!ret || !store_connection_lost(s))
			break;
	}
	if (!ret)
		goto done;
	strbuf_addstr(&why, s && s->conn ? pw_error_message(err) : "not connected to the database");
	if ((ret = spool_write(r, &path, err)) < 0) {
		pw_error_prefix(err, "could not store the results of %.12s (%s), nor spool them",
		                r->commit.hash, why.buf);
		goto done;
	}
	if (spooled)
		strbuf_addstr(spooled, path.buf);
	ret = pw_error_set(err, PW_EDB,
	                   "could not store the results of %.12s (%s): kept in '%s' for "
	                   "'perfwarden db replay'",
	                   r->commit.hash, why.buf, path.buf);
done:
	strbuf_release(&path);
	strbuf_release(&why);
	return ret;
}

int store_results_replay(struct store *s, size_t *stored, size_t *left, struct pw_error *err)
{
	struct spool_list files = SPOOL_LIST_INIT;
	struct strbuf bad = STRBUF_INIT;
	struct pw_error one = PW_ERROR_INIT;
	size_t i;
	int ret;

	*stored = *left = 0;
	if ((ret = spool_list(&files, err)) < 0)
		goto done;
	for (i = 0; i < files.n; i++) {
		struct spool_entry *e = NULL;

		if (spool_read(files.paths[i], &e, &one) < 0) {
			(*left)++;
			if (!bad.len)
				strbuf_addstr(&bad, pw_error_message(&one));
			continue;
		}
		ret = store_results_write(s, &e->results, err);
		spool_entry_free(e);
		if (ret < 0) {
			*left += files.n - i;
			pw_error_prefix(err, "could not replay '%s'", files.paths[i]);
			goto done;
		}
		if ((ret = spool_remove(files.paths[i], err)) < 0) {
			pw_error_prefix(err, "its results are stored (do not replay it again)");
			*left += files.n - i - 1;
			goto done;
		}
		(*stored)++;
	}
	if (bad.len)
		ret = pw_error_set(err, PW_EINVALID, "%s", bad.buf);
done:
	spool_list_release(&files);
	pw_error_release(&one);
	strbuf_release(&bad);
	return ret;
}

int store_run_find(struct store *s, const char *repo_location, const char *hash,
                   const char *benchmark, const char *spec_hash, const char *fingerprint,
                   int64_t *run_id, struct pw_error *err)
{
	const char *params[5] = {repo_location, hash, benchmark, spec_hash ? spec_hash : "",
	                         fingerprint};
	PGresult *res =
	        PQexecParams(s->conn,
	                     "SELECT r.id FROM runs r JOIN commits c ON c.id = r.commit_id "
	                     "JOIN repositories p ON p.id = c.repository_id "
	                     "JOIN environments e ON e.id = r.environment_id "
	                     "WHERE p.location = $1 AND c.hash = lower($2) AND r.benchmark = $3 "
	                     "AND r.spec_hash = $4 AND e.fingerprint = $5 "
	                     "ORDER BY r.finished_at DESC NULLS LAST, r.id DESC LIMIT 1",
	                     5, NULL, params, NULL, NULL, 0);
	int ret = store_check(s, res, PGRES_TUPLES_OK, "could not look up earlier runs", err);

	if (!ret && PQntuples(res) == 0)
		ret = pw_error_set(err, PW_ENOTFOUND, "no stored run of '%s' on %.12s", benchmark,
		                   hash);
	else if (!ret)
		*run_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return ret;
}
