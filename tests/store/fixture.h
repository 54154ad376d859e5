/*
 * Shared by the tests of store/: each test program runs against a real
 * embedded PostgreSQL in a fresh temporary $PERFWARDEN_HOME, started through
 * the store API and stopped and removed at the end. Helpers here use libpq
 * directly only to look behind the store's back (counting rows, killing a
 * backend), never to stand in for it.
 */
#ifndef PERFWARDEN_TEST_STORE_FIXTURE_H
#define PERFWARDEN_TEST_STORE_FIXTURE_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "cluster.h"
#include "db.h"

static char fixture_dir[256];

static inline int fixture_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Make a fresh $PERFWARDEN_HOME (mode 0700 parent, as mktemp gives) and point the env at it. */
static inline int fixture_setup(void **state)
{
	char home[300];

	(void)state;
	snprintf(fixture_dir, sizeof(fixture_dir), "/tmp/pwstore-test.XXXXXX");
	if (!mkdtemp(fixture_dir))
		return -1;
	snprintf(home, sizeof(home), "%s/home", fixture_dir);
	setenv("PERFWARDEN_HOME", home, 1);
	unsetenv("PERFWARDEN_DATABASE_URL");
	return 0;
}

static inline int fixture_teardown(void **state)
{
	struct cluster c = CLUSTER_INIT;
	struct pw_error err = PW_ERROR_INIT;

	(void)state;
	if (cluster_init(&c, &err) == 0)
		cluster_stop(&c, &err);
	cluster_release(&c);
	pw_error_release(&err);
	nftw(fixture_dir, fixture_rm, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

/* The embedded cluster's conninfo, for a second, independent connection. */
static inline PGconn *fixture_connect(void)
{
	struct cluster c = CLUSTER_INIT;
	struct strbuf info = STRBUF_INIT;
	PGconn *conn;

	cluster_init(&c, NULL);
	cluster_conninfo(&c, &info);
	conn = PQconnectdb(info.buf);
	cluster_release(&c);
	strbuf_release(&info);
	return conn;
}

/* SELECT a single integer through a second connection. */
static inline long long fixture_count(const char *sql)
{
	PGconn *conn = fixture_connect();
	PGresult *res = PQexec(conn, sql);
	long long n = -1;

	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		n = atoll(PQgetvalue(res, 0, 0));
	else
		fprintf(stderr, "fixture_count(%s): %s", sql, PQerrorMessage(conn));
	PQclear(res);
	PQfinish(conn);
	return n;
}

#endif
