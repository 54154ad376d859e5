#ifndef PERFWARDEN_CLUSTER_H
#define PERFWARDEN_CLUSTER_H

#include "error.h"
#include "strbuf.h"

/*
 * The embedded default database: a private PostgreSQL cluster under
 * $PERFWARDEN_HOME/pg, used when neither --database nor
 * PERFWARDEN_DATABASE_URL names a server.
 *
 *   $PERFWARDEN_HOME/pg/        owned by the cluster's user, mode 0700; holds
 *                               the Unix socket (.s.PGSQL.5432) and server.log
 *   $PERFWARDEN_HOME/pg/data/   the data directory (initdb on first use)
 *   $PERFWARDEN_HOME/pg.lock    flock()ed while starting/stopping, so two
 *                               processes starting at once do not collide
 *
 * The server listens on that socket only (listen_addresses = ''), with trust
 * authentication: only users who can enter the 0700 directory can connect.
 * It runs with synchronous_commit = off (fsync stays on): a machine crash may
 * lose the last moments of commits, never corrupt the cluster.
 *
 * PostgreSQL refuses to run as root. When perfwarden runs as root (CI does),
 * initdb/pg_ctl run as the `postgres` system user (else `nobody`) through
 * fork + setgid/setuid, the pg/ directory is chowned to it, and the parents
 * of pg/ get o+x (search only, not read) where that user could not reach it.
 *
 * Server binaries come from $PERFWARDEN_PG_BINDIR, else `pg_config --bindir`,
 * else the newest /usr/lib/postgresql/<N>/bin.
 */
struct cluster {
	struct strbuf home;    /* $PERFWARDEN_HOME */
	struct strbuf dir;     /* home/pg: socket directory */
	struct strbuf datadir; /* home/pg/data */
	struct strbuf bindir;  /* where initdb/pg_ctl live */
	unsigned run_uid;      /* the user the server runs as */
	unsigned run_gid;
};

#define CLUSTER_INIT                                                                               \
	{                                                                                          \
		STRBUF_INIT, STRBUF_INIT, STRBUF_INIT, STRBUF_INIT, 0, 0                           \
	}

/* The database name and user inside the embedded cluster. */
#define CLUSTER_DBNAME "perfwarden"
#define CLUSTER_USER   "perfwarden"

/*
 * Fill `c` for the cluster under paths_home(): finds the server binaries and
 * the user to run as. Nothing is created or started. PW_ENOTFOUND when no
 * PostgreSQL server binaries are installed. Release with cluster_release().
 */
int cluster_init(struct cluster *c, struct pw_error *err);

/* Free the contents of `c`. */
void cluster_release(struct cluster *c);

/* Append the libpq conninfo of the embedded cluster ("host=<dir> dbname=... user=..."). */
void cluster_conninfo(const struct cluster *c, struct strbuf *out);

/* Whether the cluster was initialized (data directory exists) and accepts connections. */
int cluster_is_initialized(const struct cluster *c);
int cluster_is_running(const struct cluster *c);

/*
 * Make the cluster run: initdb on first use, pg_ctl start, create the
 * perfwarden database. Already running is success. Safe to call from
 * several processes at once. PW_EIO/PW_EDB with the server's own last log
 * lines on failure.
 */
int cluster_start(struct cluster *c, struct pw_error *err);

/* Stop the cluster (pg_ctl stop -m fast). Not running is success. */
int cluster_stop(struct cluster *c, struct pw_error *err);

/* The postmaster's pid from data/postmaster.pid, or 0 when none. */
long cluster_postmaster_pid(const struct cluster *c);

#endif
