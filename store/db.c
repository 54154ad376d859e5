/*
 * The database connection and its schema migrations. Everything in store/
 * goes through a `struct store` opened here; the migrations themselves are
 * SQL files under store/migrations/, compiled in by store/CMakeLists.txt.
 */
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "cluster.h"
#include "db.h"
#include "store_internal.h"

struct migration {
	const char *name; /* "0001_core" */
	const char *sql;
};

static const struct migration migrations[] = {
#include "migrations.inc"
};

#define NMIGRATIONS (sizeof(migrations) / sizeof(migrations[0]))

/* An arbitrary constant: the advisory lock key guarding migrations. */
#define MIGRATION_LOCK_KEY "7420175203"

static int migration_version(const struct migration *m)
{
	return atoi(m->name);
}

int store_schema_latest(void)
{
	return NMIGRATIONS ? migration_version(&migrations[NMIGRATIONS - 1]) : 0;
}

int store_conninfo_named(const char *conninfo, struct strbuf *out)
{
	const char *env = getenv("PERFWARDEN_DATABASE_URL");

	if (conninfo && *conninfo) {
		strbuf_addstr(out, conninfo);
		return 1;
	}
	if (env && *env) {
		strbuf_addstr(out, env);
		return 1;
	}
	return 0;
}

/* "socket /x/pg, database perfwarden" / "host db.example.com port 5432, database pw". */
static void describe(struct strbuf *out, const char *conninfo)
{
	PQconninfoOption *opts = PQconninfoParse(conninfo, NULL), *o;
	const char *host = NULL, *port = NULL, *dbname = NULL, *user = NULL;

	if (!opts) {
		strbuf_addstr(out, "an unparsable connection string");
		return;
	}
	for (o = opts; o->keyword; o++) {
		if (!o->val || !*o->val)
			continue;
		if (!strcmp(o->keyword, "host"))
			host = o->val;
		else if (!strcmp(o->keyword, "port"))
			port = o->val;
		else if (!strcmp(o->keyword, "dbname"))
			dbname = o->val;
		else if (!strcmp(o->keyword, "user"))
			user = o->val;
	}
	if (!host)
		host = getenv("PGHOST");
	if (!host || !*host)
		strbuf_addstr(out, "the default socket");
	else if (host[0] == '/')
		strbuf_addf(out, "socket '%s'", host);
	else
		strbuf_addf(out, "host '%s'", host);
	if (port)
		strbuf_addf(out, " port %s", port);
	strbuf_addf(out, ", database '%s'", dbname ? dbname : (user ? user : "(default)"));
	PQconninfoFree(opts);
}

/* The first line of libpq's message, without the "FATAL:  " noise. */
static void first_line(struct strbuf *out, const char *msg)
{
	const char *nl;

	if (!msg)
		return;
	while (*msg == ' ' || *msg == '\n')
		msg++;
	if (!strncmp(msg, "connection to server", 20)) {
		const char *colon = strstr(msg, "failed: ");
		if (colon)
			msg = colon + 8;
	}
	if (!strncmp(msg, "FATAL:  ", 8))
		msg += 8;
	nl = strchr(msg, '\n');
	strbuf_add(out, msg, nl ? (size_t)(nl - msg) : strlen(msg));
}

/*
 * PQconnectdb with perfwarden's bounds as defaults: what comes first in the
 * arrays is overridden by the conninfo (expanded from "dbname").
 */
static struct pg_conn *connect_bounded(const char *conninfo)
{
	const char *keys[6], *vals[6];
	char timeout[16];
	int n = 0;

	snprintf(timeout, sizeof(timeout), "%d", STORE_CONNECT_TIMEOUT_S);
	if (!getenv("PGCONNECT_TIMEOUT")) {
		keys[n] = "connect_timeout";
		vals[n++] = timeout;
	}
	keys[n] = "keepalives_idle";
	vals[n++] = "30";
	keys[n] = "keepalives_interval";
	vals[n++] = "10";
	keys[n] = "keepalives_count";
	vals[n++] = "3";
	keys[n] = "dbname";
	vals[n++] = conninfo;
	keys[n] = NULL;
	vals[n] = NULL;
	return PQconnectdbParams(keys, vals, 1);
}

/* What every session starts with, after a connect and after a reset. */
static void session_setup(struct store *s)
{
	char sql[160];

	/* JIT compiles in ~30 ms what these small queries run in less */
	if (s->own_statement_timeout)
		snprintf(sql, sizeof(sql), "SET client_min_messages = warning; SET jit = off");
	else
		snprintf(sql, sizeof(sql),
		         "SET client_min_messages = warning; SET jit = off; "
		         "SET statement_timeout = %d",
		         STORE_STATEMENT_TIMEOUT_MS);
	store_exec_quiet(s, sql);
}

int store_statement_timeout(struct store *s, long timeout_ms, struct pw_error *err)
{
	char sql[64];

	snprintf(sql, sizeof(sql), "SET statement_timeout = %ld", timeout_ms > 0 ? timeout_ms : 0);
	return store_exec(s, sql, err);
}

int store_connect(struct store *s, const char *conninfo, struct pw_error *err)
{
	struct strbuf info = STRBUF_INIT, why = STRBUF_INIT;
	struct cluster c = CLUSTER_INIT;
	PQconninfoOption *parsed = NULL;
	int ret = 0;

	if (!store_conninfo_named(conninfo, &info)) {
		if ((ret = cluster_init(&c, err)) < 0 || (ret = cluster_start(&c, err)) < 0)
			goto done;
		cluster_conninfo(&c, &info);
	}
	strbuf_reset(&s->where);
	describe(&s->where, info.buf);
	parsed = PQconninfoParse(info.buf, NULL);
	if (!parsed) {
		ret = pw_error_set(err, PW_EINVALID,
		                   "could not parse the database connection string");
		goto done;
	}
	s->conn = connect_bounded(info.buf);
	if (PQstatus(s->conn) != CONNECTION_OK) {
		first_line(&why, PQerrorMessage(s->conn));
		if (strstr(why.buf, "timeout expired"))
			strbuf_addstr(&why, " (no answer within the connect timeout)");
		ret = pw_error_set(err, PW_EDB, "could not connect to the database (%s): %s",
		                   s->where.buf, why.buf);
		PQfinish(s->conn);
		s->conn = NULL;
		goto done;
	}
	s->own_statement_timeout = strstr(info.buf, "statement_timeout") != NULL;
	session_setup(s);
done:
	PQconninfoFree(parsed);
	cluster_release(&c);
	strbuf_release(&info);
	strbuf_release(&why);
	return ret;
}

int store_schema_version(struct store *s, int *version, struct pw_error *err)
{
	PGresult *res = PQexec(s->conn, "SELECT to_regclass('schema_migrations') IS NOT NULL");
	int ret = 0;

	*version = 0;
	if ((ret = store_check(s, res, PGRES_TUPLES_OK, "could not read the schema version", err)) <
	    0)
		goto done;
	if (strcmp(PQgetvalue(res, 0, 0), "t"))
		goto done;
	PQclear(res);
	res = PQexec(s->conn, "SELECT coalesce(max(version), 0) FROM schema_migrations");
	if ((ret = store_check(s, res, PGRES_TUPLES_OK, "could not read the schema version", err)) <
	    0)
		goto done;
	*version = atoi(PQgetvalue(res, 0, 0));
done:
	PQclear(res);
	return ret;
}

static int apply(struct store *s, const struct migration *m, struct pw_error *err)
{
	struct strbuf version = STRBUF_INIT;
	const char *params[2];
	PGresult *res = NULL;
	int ret;

	/* a migration rewrites what the database holds: however long that takes */
	if ((ret = store_exec(s, "BEGIN; SET LOCAL statement_timeout = 0", err)) < 0)
		goto done;
	res = PQexec(s->conn, m->sql);
	if ((ret = store_check(s, res, PGRES_COMMAND_OK, "could not apply migration", err)) < 0) {
		pw_error_prefix(err, "migration '%s'", m->name);
		goto rollback;
	}
	PQclear(res);
	strbuf_addf(&version, "%d", migration_version(m));
	params[0] = version.buf;
	params[1] = m->name;
	res = PQexecParams(s->conn, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
	                   2, NULL, params, NULL, NULL, 0);
	if ((ret = store_check(s, res, PGRES_COMMAND_OK, "could not record migration", err)) < 0)
		goto rollback;
	ret = store_exec(s, "COMMIT", err);
	goto done;
rollback:
	store_exec_quiet(s, "ROLLBACK");
done:
	PQclear(res);
	strbuf_release(&version);
	return ret;
}

int store_migrate(struct store *s, int upto, struct pw_error *err)
{
	int ret, current = 0, locked = 0;
	size_t i;

	if ((ret = store_exec(s, "SELECT pg_advisory_lock(" MIGRATION_LOCK_KEY ")", err)) < 0)
		goto done;
	locked = 1;
	if ((ret = store_exec(s,
	                      "CREATE TABLE IF NOT EXISTS schema_migrations ("
	                      "version integer PRIMARY KEY, name text NOT NULL, "
	                      "applied_at timestamptz NOT NULL DEFAULT now())",
	                      err)) < 0)
		goto done;
	if ((ret = store_schema_version(s, &current, err)) < 0)
		goto done;
	if (current > store_schema_latest()) {
		ret = pw_error_set(err, PW_EDB,
		                   "the database (%s) has schema version %d, newer than this "
		                   "perfwarden knows (%d): upgrade perfwarden",
		                   s->where.buf, current, store_schema_latest());
		goto done;
	}
	for (i = 0; i < NMIGRATIONS; i++) {
		int v = migration_version(&migrations[i]);

		if (v <= current || (upto >= 0 && v > upto))
			continue;
		if ((ret = apply(s, &migrations[i], err)) < 0)
			goto done;
	}
done:
	if (locked)
		store_exec_quiet(s, "SELECT pg_advisory_unlock(" MIGRATION_LOCK_KEY ")");
	return ret;
}

int store_open(struct store *s, const char *conninfo, struct pw_error *err)
{
	int ret = store_connect(s, conninfo, err);

	if (ret < 0)
		return ret;
	return store_migrate(s, -1, err);
}

int store_reconnect(struct store *s, int attempts, struct pw_error *err)
{
	long delay_ms = 100;
	int i;

	if (!s->conn)
		return pw_error_set(err, PW_EDB, "not connected to the database (%s)",
		                    strbuf_str(&s->where));
	for (i = 0; i < attempts; i++) {
		struct timespec ts;

		if (PQstatus(s->conn) == CONNECTION_OK) {
			PGresult *res = PQexec(s->conn, "SELECT 1");
			int ok = PQresultStatus(res) == PGRES_TUPLES_OK;

			PQclear(res);
			if (ok)
				return 0;
		}
		ts.tv_sec = delay_ms / 1000;
		ts.tv_nsec = (delay_ms % 1000) * 1000000L;
		nanosleep(&ts, NULL);
		delay_ms *= 2;
		PQreset(s->conn);
		s->prepared = 0;
		if (PQstatus(s->conn) == CONNECTION_OK)
			session_setup(s);
	}
	if (PQstatus(s->conn) == CONNECTION_OK)
		return 0;
	return pw_error_set(err, PW_EDB, "lost the connection to the database (%s)",
	                    strbuf_str(&s->where));
}

void store_release(struct store *s)
{
	if (s->conn)
		PQfinish(s->conn);
	s->conn = NULL;
	strbuf_release(&s->where);
	s->before_commit = NULL;
	s->before_commit_arg = NULL;
	s->prepared = 0;
	s->own_statement_timeout = 0;
}

/* store_internal.h: the few helpers every store/ file shares. */

int store_check(struct store *s, struct pg_result *res, int want, const char *what,
                struct pw_error *err)
{
	struct strbuf why = STRBUF_INIT;
	int status = PQresultStatus(res);

	if (status == want)
		return 0;
	if (res && PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY))
		strbuf_addstr(&why, PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY));
	else
		first_line(&why, PQerrorMessage(s->conn));
	pw_error_set(err, PW_EDB, "%s: %s", what, why.len ? why.buf : "no answer from the server");
	strbuf_release(&why);
	return PW_EDB;
}

int store_exec(struct store *s, const char *sql, struct pw_error *err)
{
	PGresult *res = PQexec(s->conn, sql);
	int status = PQresultStatus(res);
	int ret = 0;

	if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
		ret = store_check(s, res, PGRES_COMMAND_OK, "query failed", err);
	PQclear(res);
	return ret;
}

void store_exec_quiet(struct store *s, const char *sql)
{
	PQclear(PQexec(s->conn, sql));
}

int store_connection_lost(struct store *s)
{
	return !s->conn || PQstatus(s->conn) != CONNECTION_OK;
}

struct pg_result *store_exec_prepared(struct store *s, unsigned id, const char *sql, int nparams,
                                      const char *const *params)
{
	char name[16];

	snprintf(name, sizeof(name), "pw_%u", id);
	if (!(s->prepared & (1u << id))) {
		PGresult *res = PQprepare(s->conn, name, sql, nparams, NULL);

		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			return res;
		PQclear(res);
		s->prepared |= 1u << id;
	}
	return PQexecPrepared(s->conn, name, nparams, params, NULL, NULL, 0);
}

/* The length of the valid UTF-8 sequence at `p`, or 0 when it is not one. */
static size_t utf8_len(const unsigned char *p)
{
	size_t n, i;
	unsigned cp;

	if (p[0] < 0x80)
		return 1;
	if ((p[0] & 0xe0) == 0xc0)
		n = 2, cp = p[0] & 0x1f;
	else if ((p[0] & 0xf0) == 0xe0)
		n = 3, cp = p[0] & 0x0f;
	else if ((p[0] & 0xf8) == 0xf0)
		n = 4, cp = p[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

int store_utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		size_t n = utf8_len(p);

		if (!n)
			return 0;
		p += n;
	}
	return 1;
}

void store_utf8_sanitize(struct strbuf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		size_t n = utf8_len(p);

		if (n) {
			strbuf_add(out, p, n);
			p += n;
		} else {
			strbuf_addstr(out, "\xef\xbf\xbd");
			p++;
		}
	}
}

char *store_value_dup(PGresult *res, int row, int col)
{
	char *v;

	if (PQgetisnull(res, row, col))
		return NULL;
	v = strdup(PQgetvalue(res, row, col));
	if (!v)
		abort();
	return v;
}

double store_value_double(PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NAN : strtod(PQgetvalue(res, row, col), NULL);
}
