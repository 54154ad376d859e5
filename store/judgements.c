/*
 * The judge's verdicts, stored apart from the runs: store_judgement_add()
 * appends one row per verdict given (runner/judge/check, through the pipeline),
 * store_judgement_find() gives back the newest one of a key so that checking
 * the same push again can reuse it, and store_judgements_for_commit() lists
 * a commit's for `show`. The readers of store/query.c show the newest
 * judgement's verdict in place of the run's. Rows are copied out of libpq
 * into plain structs.
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "judgements.h"
#include "store_internal.h"

/* A float8 parameter: NULL for NAN (not computed), infinities spelled out. */
static const char *double_param(struct strbuf *buf, double x)
{
	if (isnan(x))
		return NULL;
	if (isinf(x))
		return x > 0 ? "Infinity" : "-Infinity";
	strbuf_addf(buf, "%.17g", x);
	return buf->buf;
}

void store_judgement_row_release(struct store_judgement_row *r)
{
	free(r->created_at);
	free(r->repo_location);
	free(r->candidate);
	free(r->baseline);
	free(r->benchmark);
	free(r->fingerprint);
	free(r->spec_hash);
	free(r->metric);
	free(r->judge);
	free(r->verdict);
	free(r->message);
	free(r->details_json);
	memset(r, 0, sizeof(*r));
}

void store_judgement_list_release(struct store_judgement_list *l)
{
	size_t i;

	for (i = 0; i < l->nrows; i++)
		store_judgement_row_release(&l->rows[i]);
	free(l->rows);
	l->rows = NULL;
	l->nrows = 0;
}

static int check_judgement(const struct store_judgement *j, struct pw_error *err)
{
	const char *missing = !j->repo_location ? "repository"
	                      : !j->candidate   ? "candidate commit"
	                      : !j->benchmark   ? "benchmark"
	                      : !j->fingerprint ? "environment"
	                      : !j->spec_hash   ? "spec hash"
	                      : !j->metric      ? "metric"
	                      : !j->judge       ? "judge"
	                      : !j->verdict     ? "verdict"
	                                        : NULL;
	json_t *details;
	int object;

	if (missing)
		return pw_error_set(err, PW_EINVALID, "could not store a judgement: it has no %s",
		                    missing);
	if (j->rounds < 0 || j->rounds > INT32_MAX)
		return pw_error_set(err, PW_EINVALID,
		                    "could not store the judgement of '%s' on %.12s: %" PRId64
		                    " is not a number of rounds",
		                    j->benchmark, j->candidate, j->rounds);
	if (!j->details_json)
		return 0;
	details = json_loads(j->details_json, 0, NULL);
	object = json_is_object(details);
	json_decref(details);
	if (!object)
		return pw_error_set(err, PW_EINVALID,
		                    "could not store the judgement of '%s' on %.12s: its details "
		                    "are not a JSON object",
		                    j->benchmark, j->candidate);
	return 0;
}

/* Why nothing was inserted: the repository, a commit or the environment is unknown. */
static int explain_missing(struct store *s, const char *const *params,
                           const struct store_judgement *j, struct pw_error *err)
{
	PGresult *res = PQexecParams(
	        s->conn,
	        "SELECT (SELECT count(*) FROM repositories WHERE location = $1), "
	        "(SELECT count(*) FROM commits c JOIN repositories p ON p.id = c.repository_id "
	        "WHERE p.location = $1 AND c.hash = lower($2)), "
	        "(SELECT count(*) FROM commits c JOIN repositories p ON p.id = c.repository_id "
	        "WHERE p.location = $1 AND c.hash = lower($3)), "
	        "(SELECT count(*) FROM environments WHERE fingerprint = $4)",
	        4, NULL, params, NULL, NULL, 0);
	int ret = store_check(s, res, PGRES_TUPLES_OK, "could not store the judgement", err);

	if (ret < 0)
		goto done;
	if (!strcmp(PQgetvalue(res, 0, 0), "0"))
		ret = pw_error_set(err, PW_ENOTFOUND,
		                   "could not store the judgement of '%s' on %.12s: unknown "
		                   "repository '%s'",
		                   j->benchmark, j->candidate, j->repo_location);
	else if (!strcmp(PQgetvalue(res, 0, 1), "0"))
		ret = pw_error_set(err, PW_ENOTFOUND,
		                   "could not store the judgement of '%s' on %.12s: the commit is "
		                   "not stored in '%s'",
		                   j->benchmark, j->candidate, j->repo_location);
	else if (j->baseline && !strcmp(PQgetvalue(res, 0, 2), "0"))
		ret = pw_error_set(err, PW_ENOTFOUND,
		                   "could not store the judgement of '%s' on %.12s: the baseline "
		                   "%.12s is not stored in '%s'",
		                   j->benchmark, j->candidate, j->baseline, j->repo_location);
	else
		ret = pw_error_set(err, PW_ENOTFOUND,
		                   "could not store the judgement of '%s' on %.12s: unknown "
		                   "environment '%s'",
		                   j->benchmark, j->candidate, j->fingerprint);
done:
	PQclear(res);
	return ret;
}

int store_judgement_add(struct store *s, const struct store_judgement *j, int64_t *id,
                        struct pw_error *err)
{
	struct strbuf num[4] = {STRBUF_INIT, STRBUF_INIT, STRBUF_INIT, STRBUF_INIT};
	struct strbuf rounds = STRBUF_INIT;
	const char *params[16];
	PGresult *res = NULL;
	int ret;

	if ((ret = check_judgement(j, err)) < 0)
		goto done;
	strbuf_addf(&rounds, "%" PRId64, j->rounds);
	params[0] = j->repo_location;
	params[1] = j->candidate;
	params[2] = j->baseline;
	params[3] = j->benchmark;
	params[4] = j->fingerprint;
	params[5] = j->spec_hash;
	params[6] = j->metric;
	params[7] = j->judge;
	params[8] = j->verdict;
	params[9] = double_param(&num[0], j->ratio);
	params[10] = double_param(&num[1], j->ci_lo);
	params[11] = double_param(&num[2], j->ci_hi);
	params[12] = double_param(&num[3], j->p_value);
	params[13] = rounds.buf;
	params[14] = j->message;
	params[15] = j->details_json;
	res = PQexecParams(
	        s->conn,
	        "INSERT INTO judgements (commit_id, baseline_id, benchmark, environment_id, "
	        "spec_hash, metric, judge, verdict, ratio, ci_lo, ci_hi, p_value, rounds, message, "
	        "details) SELECT c.id, b.id, $4, e.id, $6, $7, $8, $9, $10::float8, $11::float8, "
	        "$12::float8, $13::float8, $14::integer, $15, coalesce($16::jsonb, '{}') "
	        "FROM repositories p JOIN commits c ON c.repository_id = p.id "
	        "AND c.hash = lower($2) JOIN environments e ON e.fingerprint = $5 "
	        "LEFT JOIN commits b ON b.repository_id = p.id AND b.hash = lower($3) "
	        "WHERE p.location = $1 AND ($3::text IS NULL OR b.id IS NOT NULL) RETURNING id",
	        16, NULL, params, NULL, NULL, 0);
	if ((ret = store_check(s, res, PGRES_TUPLES_OK, "could not store the judgement", err)) < 0)
		goto done;
	if (PQntuples(res) != 1) {
		const char *which[4] = {j->repo_location, j->candidate, j->baseline,
		                        j->fingerprint};

		ret = explain_missing(s, which, j, err);
		goto done;
	}
	if (id)
		*id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
done:
	PQclear(res);
	strbuf_release(&num[0]);
	strbuf_release(&num[1]);
	strbuf_release(&num[2]);
	strbuf_release(&num[3]);
	strbuf_release(&rounds);
	return ret;
}

/* The columns fill_row() reads, from judgements j and its joins. */
#define ROW_COLUMNS                                                                                \
	"SELECT j.id, to_char(j.created_at AT TIME ZONE 'UTC', "                                   \
	"'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), p.location, c.hash, b.hash, j.benchmark, "          \
	"e.fingerprint, j.spec_hash, j.metric, j.judge, j.verdict, j.message, j.details::text, "   \
	"j.ratio, j.ci_lo, j.ci_hi, j.p_value, j.rounds FROM judgements j "                        \
	"JOIN commits c ON c.id = j.commit_id JOIN repositories p ON p.id = c.repository_id "      \
	"JOIN environments e ON e.id = j.environment_id "                                          \
	"LEFT JOIN commits b ON b.id = j.baseline_id "

static void fill_row(PGresult *res, int i, struct store_judgement_row *r)
{
	r->id = strtoll(PQgetvalue(res, i, 0), NULL, 10);
	r->created_at = store_value_dup(res, i, 1);
	r->repo_location = store_value_dup(res, i, 2);
	r->candidate = store_value_dup(res, i, 3);
	r->baseline = store_value_dup(res, i, 4);
	r->benchmark = store_value_dup(res, i, 5);
	r->fingerprint = store_value_dup(res, i, 6);
	r->spec_hash = store_value_dup(res, i, 7);
	r->metric = store_value_dup(res, i, 8);
	r->judge = store_value_dup(res, i, 9);
	r->verdict = store_value_dup(res, i, 10);
	r->message = store_value_dup(res, i, 11);
	r->details_json = store_value_dup(res, i, 12);
	r->ratio = store_value_double(res, i, 13);
	r->ci_lo = store_value_double(res, i, 14);
	r->ci_hi = store_value_double(res, i, 15);
	r->p_value = store_value_double(res, i, 16);
	r->rounds = strtoll(PQgetvalue(res, i, 17), NULL, 10);
}

int store_judgement_find(struct store *s, const char *repo_location, const char *candidate,
                         const char *baseline, const char *benchmark, const char *fingerprint,
                         const char *spec_hash, const char *metric, const char *judge,
                         struct store_judgement_row *out, struct pw_error *err)
{
	const char *params[8] = {repo_location, candidate, baseline, benchmark,
	                         fingerprint,   spec_hash, metric,   judge};
	PGresult *res;
	int ret;

	store_judgement_row_release(out);
	res = PQexecParams(s->conn,
	                   ROW_COLUMNS
	                   "WHERE p.location = $1 AND c.hash = lower($2) AND "
	                   "b.hash IS NOT DISTINCT FROM lower($3) AND j.benchmark = $4 AND "
	                   "e.fingerprint = $5 AND j.spec_hash = $6 AND j.metric = $7 AND "
	                   "j.judge = $8 ORDER BY j.created_at DESC, j.id DESC LIMIT 1",
	                   8, NULL, params, NULL, NULL, 0);
	ret = store_check(s, res, PGRES_TUPLES_OK, "could not look up the judgements", err);
	if (!ret && PQntuples(res) == 0)
		ret = pw_error_set(err, PW_ENOTFOUND,
		                   "no %s judgement by '%s' of '%s' on %.12s against %.12s", metric,
		                   judge, benchmark, candidate, baseline ? baseline : "nothing");
	else if (!ret)
		fill_row(res, 0, out);
	PQclear(res);
	return ret;
}

int store_judgements_for_commit(struct store *s, const char *repo_location, const char *hash,
                                struct store_judgement_list *out, struct pw_error *err)
{
	const char *params[2] = {repo_location, hash};
	PGresult *res;
	int ret, i, n;

	store_judgement_list_release(out);
	res = PQexecParams(s->conn,
	                   ROW_COLUMNS "WHERE p.location = $1 AND c.hash = lower($2) "
	                               "ORDER BY j.created_at DESC, j.id DESC",
	                   2, NULL, params, NULL, NULL, 0);
	if ((ret = store_check(s, res, PGRES_TUPLES_OK, "could not read the judgements", err)) < 0)
		goto done;
	n = PQntuples(res);
	out->rows = calloc(n ? (size_t)n : 1, sizeof(*out->rows));
	if (!out->rows)
		abort();
	out->nrows = (size_t)n;
	for (i = 0; i < n; i++)
		fill_row(res, i, &out->rows[i]);
done:
	PQclear(res);
	return ret;
}
