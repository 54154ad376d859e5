/*
 * Profiles in the database: append one, read the newest for a key. The bytes
 * go to PostgreSQL as bytea in binary form and come back the same way.
 */
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "profiles.h"
#include "store_internal.h"

static int key_valid(const struct store_profile_key *key, struct pw_error *err)
{
	if (!key->repository || !*key->repository || !key->commit || !*key->commit ||
	    !key->benchmark || !*key->benchmark || !key->environment || !*key->environment)
		return pw_error_set(err, PW_EINVALID,
		                    "a profile needs a repository, a commit, a "
		                    "benchmark and an environment");
	if (!key->tool || (strcmp(key->tool, "callgrind") && strcmp(key->tool, "massif")))
		return pw_error_set(err, PW_EINVALID, "unknown profiler '%s'",
		                    key->tool ? key->tool : "");
	return 0;
}

/* The key as the first seven parameters of a statement. */
static void key_params(const struct store_profile_key *key, const char **params)
{
	params[0] = key->repository;
	params[1] = key->commit;
	params[2] = key->benchmark;
	params[3] = key->environment;
	params[4] = key->tool;
	params[5] = key->options ? key->options : "";
	params[6] = key->spec_hash ? key->spec_hash : "";
}

int store_profile_put(struct store *s, const struct store_profile_key *key, const char *build,
                      const void *data, size_t len, int64_t raw_bytes, struct pw_error *err)
{
	const char *params[10];
	int lengths[10] = {0}, formats[10] = {0};
	char raw[32];
	PGresult *res;
	int ret;

	if ((ret = key_valid(key, err)) < 0)
		return ret;
	snprintf(raw, sizeof(raw), "%lld", (long long)raw_bytes);
	key_params(key, params);
	params[7] = build ? build : "";
	params[8] = raw;
	params[9] = data;
	lengths[9] = (int)len;
	formats[9] = 1;
	res = PQexecParams(s->conn,
	                   "INSERT INTO profiles (repository, commit_hash, benchmark, environment, "
	                   "tool, options, spec_hash, build, raw_bytes, data) "
	                   "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::bigint, $10)",
	                   10, NULL, params, lengths, formats, 0);
	ret = store_check(s, res, PGRES_COMMAND_OK, "could not store the profile", err);
	PQclear(res);
	return ret;
}

int store_profile_get(struct store *s, const struct store_profile_key *key, struct strbuf *data,
                      int64_t *id, struct pw_error *err)
{
	const char *params[7];
	PGresult *res;
	int ret;

	if ((ret = key_valid(key, err)) < 0)
		return ret;
	key_params(key, params);
	/* binary results: the bytea comes back as its bytes (the id, text, as its text) */
	res = PQexecParams(s->conn,
	                   "SELECT data, id::text FROM profiles WHERE repository = $1 AND "
	                   "commit_hash = $2 AND benchmark = $3 AND environment = $4 AND "
	                   "tool = $5 AND options = $6 AND ($7 = '' OR spec_hash = $7) "
	                   "ORDER BY id DESC LIMIT 1",
	                   7, NULL, params, NULL, NULL, 1);
	ret = store_check(s, res, PGRES_TUPLES_OK, "could not read the profile", err);
	if (ret)
		goto done;
	if (PQntuples(res) == 0) {
		ret = pw_error_set(err, PW_ENOTFOUND, "no %s profile of '%s' for commit %.12s",
		                   key->tool, key->benchmark, key->commit);
		goto done;
	}
	strbuf_add(data, PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
	if (id)
		*id = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
done:
	PQclear(res);
	return ret;
}
