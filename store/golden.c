/*
 * Golden sets in the database: append a version, read the newest, list
 * them. The expected output goes to PostgreSQL as bytea in binary form (an
 * output may be any bytes, NUL included), and comes back the same way.
 */
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "golden.h"
#include "store_internal.h"

void store_golden_release(struct store_golden *g)
{
	free(g->name);
	free(g->mode);
	strbuf_release(&g->check);
	strbuf_release(&g->expected);
	free(g->provenance_json);
	free(g->created_at);
	*g = (struct store_golden)STORE_GOLDEN_INIT;
}

int store_golden_put(struct store *s, const struct store_golden *g, int64_t *id,
                     struct pw_error *err)
{
	const char *params[5];
	int lengths[5] = {0, 0, 0, 0, 0}, formats[5] = {0, 0, 0, 1, 0};
	PGresult *res;
	int ret;

	if (!g->name || !*g->name || strchr(g->name, '/') || g->name[0] == '.')
		return pw_error_set(err, PW_EINVALID, "invalid golden set name '%s'",
		                    g->name ? g->name : "");
	if (!g->mode ||
	    (strcmp(g->mode, "grid") && strcmp(g->mode, "digest") && strcmp(g->mode, "json")))
		return pw_error_set(err, PW_EINVALID, "invalid golden set mode '%s'",
		                    g->mode ? g->mode : "");
	params[0] = g->name;
	params[1] = g->mode;
	params[2] = strbuf_str(&g->check);
	params[3] = g->has_expected ? strbuf_str(&g->expected) : NULL;
	lengths[3] = g->has_expected ? (int)g->expected.len : 0;
	params[4] = g->provenance_json;
	res = PQexecParams(s->conn,
	                   "INSERT INTO golden_sets (name, mode, check_text, expected, provenance) "
	                   "VALUES ($1, $2, $3, $4, $5::jsonb) RETURNING id",
	                   5, NULL, params, lengths, formats, 0);
	ret = store_check(s, res, PGRES_TUPLES_OK, "could not store the golden set", err);
	if (!ret && id)
		*id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return ret;
}

static void fill(struct store_golden *g, PGresult *res, int row)
{
	g->id = strtoll(PQgetvalue(res, row, 0), NULL, 10);
	g->name = store_value_dup(res, row, 1);
	g->mode = store_value_dup(res, row, 2);
	strbuf_addstr(&g->check, PQgetvalue(res, row, 3));
	g->provenance_json = store_value_dup(res, row, 4);
	g->created_at = store_value_dup(res, row, 5);
}

int store_golden_get(struct store *s, const char *name, struct store_golden *out,
                     struct pw_error *err)
{
	const char *params[1] = {name};
	PGresult *res;
	int ret;

	store_golden_release(out);
	/* binary results: the bytea column comes back as its bytes */
	res = PQexecParams(
	        s->conn,
	        "SELECT id::text, name, mode, check_text, provenance::text, "
	        "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
	        "expected FROM golden_sets WHERE name = $1 ORDER BY id DESC LIMIT 1",
	        1, NULL, params, NULL, NULL, 1);
	if ((ret = store_check(s, res, PGRES_TUPLES_OK, "could not read the golden set", err)) < 0)
		goto done;
	if (!PQntuples(res)) {
		ret = pw_error_set(err, PW_ENOTFOUND, "no golden set '%s' in the store", name);
		goto done;
	}
	fill(out, res, 0);
	if (!PQgetisnull(res, 0, 6)) {
		out->has_expected = 1;
		strbuf_add(&out->expected, PQgetvalue(res, 0, 6), (size_t)PQgetlength(res, 0, 6));
	}
done:
	PQclear(res);
	return ret;
}

int store_golden_list(struct store *s, struct store_golden_list *out, struct pw_error *err)
{
	PGresult *res;
	int ret, i, n;

	out->sets = NULL;
	out->versions = NULL;
	out->nsets = 0;
	res = PQexec(s->conn,
	             "SELECT DISTINCT ON (name) id, name, mode, check_text, provenance::text, "
	             "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
	             "count(*) OVER (PARTITION BY name) FROM golden_sets ORDER BY name, id DESC");
	if ((ret = store_check(s, res, PGRES_TUPLES_OK, "could not list the golden sets", err)) < 0)
		goto done;
	n = PQntuples(res);
	out->sets = calloc(n ? (size_t)n : 1, sizeof(*out->sets));
	out->versions = calloc(n ? (size_t)n : 1, sizeof(*out->versions));
	if (!out->sets || !out->versions)
		abort();
	for (i = 0; i < n; i++) {
		out->sets[i] = (struct store_golden)STORE_GOLDEN_INIT;
		fill(&out->sets[i], res, i);
		out->versions[i] = strtoul(PQgetvalue(res, i, 6), NULL, 10);
	}
	out->nsets = (size_t)n;
done:
	PQclear(res);
	return ret;
}

void store_golden_list_release(struct store_golden_list *l)
{
	size_t i;

	for (i = 0; i < l->nsets; i++)
		store_golden_release(&l->sets[i]);
	free(l->sets);
	free(l->versions);
	*l = (struct store_golden_list)STORE_GOLDEN_LIST_INIT;
}
