#ifndef PERFWARDEN_DB_H
#define PERFWARDEN_DB_H

#include "error.h"
#include "strbuf.h"

/*
 * The connection to perfwarden's PostgreSQL database and its schema.
 *
 * Which database: the `conninfo` argument (from --database), else
 * $PERFWARDEN_DATABASE_URL, else the embedded default cluster (store/cluster.h),
 * started on demand. A conninfo is anything libpq accepts ("host=... dbname=..."
 * or a postgresql:// URL).
 *
 * The schema is the ordered list of migrations in store/migrations/NNNN_name.sql,
 * compiled into the binary. Each is applied in its own transaction and recorded
 * in `schema_migrations(version, name, applied_at)`; concurrent first connects
 * serialize on an advisory lock, so none is applied twice. A database whose
 * schema is newer than this binary is refused (PW_EDB).
 *
 * libpq stays inside store/: `conn` is opaque to everyone else.
 */
struct pg_conn;

struct store {
	struct pg_conn *conn;
	struct strbuf where; /* "socket /x/pg, database perfwarden": for messages, no password */
	/*
	 * For tests only: called inside store_results_write()'s transaction just
	 * before the last of the samples and the COMMIT are sent (to kill the
	 * connection at the worst moment).
	 */
	void (*before_commit)(struct store *s, void *arg);
	void *before_commit_arg;
	unsigned prepared;         /* store/ internal: statements prepared on this connection */
	int own_statement_timeout; /* store/ internal: the conninfo sets statement_timeout */
};

#define STORE_INIT                                                                                 \
	{                                                                                          \
		NULL, STRBUF_INIT, NULL, NULL, 0, 0                                                \
	}

/*
 * Every database call is bounded: connecting gives up after
 * STORE_CONNECT_TIMEOUT_S (libpq's connect_timeout; PGCONNECT_TIMEOUT or a
 * connect_timeout in the conninfo win), TCP keepalives notice a server that
 * went away, and each statement is cancelled by the server after
 * STORE_STATEMENT_TIMEOUT_MS (a statement_timeout in the conninfo's options
 * wins), failing with PW_EDB "... canceling statement due to statement timeout".
 * Migrations are the exception: each runs as long as it needs.
 */
#define STORE_CONNECT_TIMEOUT_S    10
#define STORE_STATEMENT_TIMEOUT_MS 60000

/* Change this connection's statement timeout (0: none). PW_EDB when refused. */
int store_statement_timeout(struct store *s, long timeout_ms, struct pw_error *err);

/*
 * Connect and bring the schema up to date: store_connect() then
 * store_migrate(s, -1). Unreachable database → PW_EDB with one line naming the
 * socket/host and database (never the password). Release with store_release()
 * whatever the outcome.
 */
int store_open(struct store *s, const char *conninfo, struct pw_error *err);

/* Connect only (starting the embedded cluster when it is the one meant). */
int store_connect(struct store *s, const char *conninfo, struct pw_error *err);

/*
 * Apply the pending migrations up to version `upto` (-1: all). PW_EDB when the
 * database's schema is newer than the newest migration this binary knows.
 */
int store_migrate(struct store *s, int upto, struct pw_error *err);

/* The newest applied migration's version (0 for an empty database). */
int store_schema_version(struct store *s, int *version, struct pw_error *err);

/* The newest migration version compiled into this binary. */
int store_schema_latest(void);

/*
 * Whether the connection is still good; if not, reconnect with backoff
 * (up to `attempts` tries, 100 ms doubling). PW_EDB when it stays lost.
 */
int store_reconnect(struct store *s, int attempts, struct pw_error *err);

/* Close the connection and free the contents; `s` is STORE_INIT again. */
void store_release(struct store *s);

/*
 * Resolve which database is meant (conninfo, else $PERFWARDEN_DATABASE_URL)
 * into `out`; returns 1 when one was named, 0 when the embedded default is meant.
 */
int store_conninfo_named(const char *conninfo, struct strbuf *out);

#endif
