/*
 * The store's table of contents: which repositories, benchmarks and
 * environments have runs, for the dashboard's pickers (runner/service/api). One
 * aggregate query; rows are copied out of libpq into plain structs.
 */
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "catalog.h"
#include "store_internal.h"

int store_catalog_load(struct store *s, struct store_catalog *out, struct pw_error *err)
{
	PGresult *res;
	int ret, i, n;

	out->rows = NULL;
	out->nrows = 0;
	res = PQexec(s->conn,
	             "SELECT p.location, p.name, r.benchmark, e.fingerprint, "
	             "count(DISTINCT c.id), count(r.id), "
	             "(array_agg(c.hash ORDER BY c.author_time DESC NULLS LAST, c.id DESC))[1] "
	             "FROM runs r JOIN commits c ON c.id = r.commit_id "
	             "JOIN repositories p ON p.id = c.repository_id "
	             "JOIN environments e ON e.id = r.environment_id "
	             "GROUP BY p.location, p.name, r.benchmark, e.fingerprint "
	             "ORDER BY p.location, r.benchmark, e.fingerprint");
	if ((ret = store_check(s, res, PGRES_TUPLES_OK, "could not list the repositories", err)) <
	    0)
		goto done;
	n = PQntuples(res);
	out->rows = calloc(n ? (size_t)n : 1, sizeof(*out->rows));
	if (!out->rows)
		abort();
	out->nrows = (size_t)n;
	for (i = 0; i < n; i++) {
		struct store_catalog_row *row = &out->rows[i];

		row->repo_location = store_value_dup(res, i, 0);
		row->repo_name = store_value_dup(res, i, 1);
		row->benchmark = store_value_dup(res, i, 2);
		row->fingerprint = store_value_dup(res, i, 3);
		row->commits = strtoul(PQgetvalue(res, i, 4), NULL, 10);
		row->runs = strtoul(PQgetvalue(res, i, 5), NULL, 10);
		row->latest = store_value_dup(res, i, 6);
	}
done:
	PQclear(res);
	return ret;
}

void store_catalog_release(struct store_catalog *c)
{
	size_t i;

	for (i = 0; i < c->nrows; i++) {
		free(c->rows[i].repo_location);
		free(c->rows[i].repo_name);
		free(c->rows[i].benchmark);
		free(c->rows[i].fingerprint);
		free(c->rows[i].latest);
	}
	free(c->rows);
	c->rows = NULL;
	c->nrows = 0;
}

int store_environment_details(struct store *s, const char *fingerprint, struct strbuf *out,
                              struct pw_error *err)
{
	const char *params[1] = {fingerprint};
	PGresult *res = PQexecParams(
	        s->conn, "SELECT details::text FROM environments WHERE fingerprint = $1", 1, NULL,
	        params, NULL, NULL, 0);
	int ret = store_check(s, res, PGRES_TUPLES_OK, "could not read the environment", err);

	if (!ret && PQntuples(res) == 0)
		ret = pw_error_set(err, PW_ENOTFOUND, "unknown environment '%s'", fingerprint);
	else if (!ret)
		strbuf_addstr(out, PQgetvalue(res, 0, 0));
	PQclear(res);
	return ret;
}
