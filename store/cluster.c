/*
 * The embedded default database: a private PostgreSQL cluster under
 * $PERFWARDEN_HOME/pg that perfwarden creates, starts and stops itself, so
 * that a fresh machine needs no database setup. store/db.c starts it on
 * demand; `perfwarden db` drives it by hand. As root, the server runs as the
 * unprivileged `postgres` user (PostgreSQL refuses root).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "cluster.h"
#include "paths.h"

static int is_bindir(const char *dir)
{
	struct strbuf p = STRBUF_INIT;
	int ok;

	strbuf_addf(&p, "%s/initdb", dir);
	ok = access(p.buf, X_OK) == 0;
	strbuf_reset(&p);
	strbuf_addf(&p, "%s/pg_ctl", dir);
	ok = ok && access(p.buf, X_OK) == 0;
	strbuf_release(&p);
	return ok;
}

static int find_bindir(struct strbuf *out)
{
	const char *env = getenv("PERFWARDEN_PG_BINDIR");
	char line[4096];
	FILE *p;
	DIR *d;
	struct dirent *de;
	long best = -1;

	if (env && *env && is_bindir(env)) {
		strbuf_addstr(out, env);
		return 0;
	}
	p = popen("pg_config --bindir 2>/dev/null", "r");
	if (p) {
		if (fgets(line, sizeof(line), p)) {
			struct strbuf b = STRBUF_INIT;

			strbuf_addstr(&b, line);
			strbuf_rtrim(&b);
			if (b.len && is_bindir(b.buf)) {
				strbuf_addstr(out, b.buf);
				strbuf_release(&b);
				pclose(p);
				return 0;
			}
			strbuf_release(&b);
		}
		pclose(p);
	}
	d = opendir("/usr/lib/postgresql");
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		char *end;
		long v = strtol(de->d_name, &end, 10);
		struct strbuf b = STRBUF_INIT;

		if (end == de->d_name || *end || v <= best)
			continue;
		strbuf_addf(&b, "/usr/lib/postgresql/%s/bin", de->d_name);
		if (is_bindir(b.buf))
			best = v;
		strbuf_release(&b);
	}
	closedir(d);
	if (best < 0)
		return -1;
	strbuf_addf(out, "/usr/lib/postgresql/%ld/bin", best);
	return 0;
}

int cluster_init(struct cluster *c, struct pw_error *err)
{
	int ret = 0;

	paths_home(&c->home);
	strbuf_addf(&c->dir, "%s/pg", c->home.buf);
	strbuf_addf(&c->datadir, "%s/data", c->dir.buf);
	if (find_bindir(&c->bindir) < 0) {
		ret = pw_error_set(
		        err, PW_ENOTFOUND,
		        "could not find the PostgreSQL server binaries (initdb, pg_ctl): "
		        "install postgresql or set PERFWARDEN_PG_BINDIR");
		goto done;
	}
	c->run_uid = getuid();
	c->run_gid = getgid();
	if (geteuid() == 0) {
		struct passwd *pw = getpwnam("postgres");

		if (!pw)
			pw = getpwnam("nobody");
		if (!pw) {
			ret = pw_error_set(
			        err, PW_ENOTFOUND,
			        "running as root and no unprivileged user ('postgres' or "
			        "'nobody') to run the embedded PostgreSQL as");
			goto done;
		}
		c->run_uid = pw->pw_uid;
		c->run_gid = pw->pw_gid;
	}
done:
	return ret;
}

void cluster_release(struct cluster *c)
{
	strbuf_release(&c->home);
	strbuf_release(&c->dir);
	strbuf_release(&c->datadir);
	strbuf_release(&c->bindir);
}

void cluster_conninfo(const struct cluster *c, struct strbuf *out)
{
	strbuf_addf(out, "host=%s dbname=%s user=%s", c->dir.buf, CLUSTER_DBNAME, CLUSTER_USER);
}

int cluster_is_initialized(const struct cluster *c)
{
	struct strbuf p = STRBUF_INIT;
	int ok;

	strbuf_addf(&p, "%s/PG_VERSION", c->datadir.buf);
	ok = access(p.buf, F_OK) == 0;
	strbuf_release(&p);
	return ok;
}

static int ping(const struct cluster *c, const char *dbname)
{
	const char *keys[] = {"host", "dbname", "user", "connect_timeout", NULL};
	const char *vals[] = {c->dir.buf, dbname, CLUSTER_USER, "5", NULL};

	return PQpingParams(keys, vals, 0) == PQPING_OK;
}

int cluster_is_running(const struct cluster *c)
{
	return ping(c, "postgres");
}

long cluster_postmaster_pid(const struct cluster *c)
{
	struct strbuf p = STRBUF_INIT, content = STRBUF_INIT;
	long pid = 0;

	strbuf_addf(&p, "%s/postmaster.pid", c->datadir.buf);
	if (strbuf_read_file(&content, p.buf) == 0)
		pid = strtol(strbuf_str(&content), NULL, 10);
	strbuf_release(&p);
	strbuf_release(&content);
	return pid;
}

/* The last few lines of `path`, for an error message. */
static void tail_lines(struct strbuf *out, const char *path, int nlines)
{
	struct strbuf content = STRBUF_INIT;
	size_t i;
	int seen = 0;

	strbuf_setmax(&content, 8192, STRBUF_KEEP_TAIL);
	if (strbuf_read_file(&content, path) < 0 || !content.len)
		goto done;
	strbuf_rtrim(&content);
	for (i = content.len; i > 0; i--)
		if (content.buf[i - 1] == '\n' && ++seen == nlines)
			break;
	strbuf_addstr(out, content.buf + i);
	for (i = 0; i < out->len; i++)
		if (out->buf[i] == '\n')
			out->buf[i] = ' ';
done:
	strbuf_release(&content);
}

/*
 * Run argv (argv[0] a full path) as the cluster's user, output appended to
 * pg/setup.log. Returns the exit status, or -1 when it could not run.
 */
static int run_as(const struct cluster *c, char *const argv[])
{
	struct strbuf logpath = STRBUF_INIT;
	pid_t pid;
	int status, logfd;

	strbuf_addf(&logpath, "%s/setup.log", c->dir.buf);
	logfd = open(logpath.buf, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	strbuf_release(&logpath);
	if (logfd < 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		close(logfd);
		return -1;
	}
	if (pid == 0) {
		int nullfd = open("/dev/null", O_RDONLY);

		if (nullfd >= 0)
			dup2(nullfd, 0);
		dup2(logfd, 1);
		dup2(logfd, 2);
		if (geteuid() == 0) {
			if (setgroups(0, NULL) < 0 || setgid(c->run_gid) < 0 ||
			    setuid(c->run_uid) < 0)
				_exit(126);
		}
		if (chdir(c->dir.buf) < 0)
			_exit(126);
		setenv("LC_ALL", "C", 1);
		unsetenv("PGDATA");
		unsetenv("PGHOST");
		unsetenv("PGPORT");
		execv(argv[0], argv);
		_exit(127);
	}
	close(logfd);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Give the cluster's user search permission on every parent of pg/. */
static int make_reachable(const struct cluster *c, struct pw_error *err)
{
	struct strbuf p = STRBUF_INIT;
	struct stat st;
	char *slash;
	int ret = 0;

	strbuf_addstr(&p, c->dir.buf);
	while ((slash = strrchr(p.buf, '/')) && slash != p.buf) {
		strbuf_setlen(&p, (size_t)(slash - p.buf));
		if (stat(p.buf, &st) < 0) {
			ret = pw_error_errno(err, PW_EIO, "could not stat '%s'", p.buf);
			goto done;
		}
		if (st.st_uid == c->run_uid || (st.st_mode & S_IXOTH))
			continue;
		if (chmod(p.buf, (st.st_mode & 07777) | S_IXOTH) < 0) {
			ret = pw_error_errno(err, PW_EIO, "could not make '%s' searchable", p.buf);
			goto done;
		}
	}
done:
	strbuf_release(&p);
	return ret;
}

static int prepare_dir(const struct cluster *c, struct pw_error *err)
{
	int ret = 0;

	if (paths_mkdir_p(c->home.buf, 0755) < 0)
		return pw_error_errno(err, PW_EIO, "could not create '%s'", c->home.buf);
	if (mkdir(c->dir.buf, 0700) < 0 && errno != EEXIST)
		return pw_error_errno(err, PW_EIO, "could not create '%s'", c->dir.buf);
	if (geteuid() == 0) {
		if (chown(c->dir.buf, c->run_uid, c->run_gid) < 0)
			return pw_error_errno(err, PW_EIO, "could not hand '%s' to uid %u",
			                      c->dir.buf, c->run_uid);
		ret = make_reachable(c, err);
	}
	return ret;
}

static int append_config(const struct cluster *c, struct pw_error *err)
{
	struct strbuf path = STRBUF_INIT, conf = STRBUF_INIT;
	size_t i;
	int ret = 0;
	int fd = -1;

	strbuf_addf(&path, "%s/postgresql.conf", c->datadir.buf);
	strbuf_addstr(&conf, "\n# perfwarden embedded cluster: Unix socket only\n"
	                     "listen_addresses = ''\nunix_socket_directories = '");
	for (i = 0; i < c->dir.len; i++) {
		if (c->dir.buf[i] == '\'')
			strbuf_addch(&conf, '\'');
		strbuf_addch(&conf, c->dir.buf[i]);
	}
	strbuf_addstr(&conf, "'\nunix_socket_permissions = 0700\n"
	                     "synchronous_commit = off\n"
	                     "recovery_init_sync_method = syncfs\n"
	                     "jit = off\n"
	                     "max_connections = 50\n");
	fd = open(path.buf, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0 || write(fd, conf.buf, conf.len) != (ssize_t)conf.len)
		ret = pw_error_errno(err, PW_EIO, "could not write '%s'", path.buf);
	if (fd >= 0)
		close(fd);
	strbuf_release(&path);
	strbuf_release(&conf);
	return ret;
}

static int failed(const struct cluster *c, struct pw_error *err, const char *what, int status)
{
	struct strbuf log = STRBUF_INIT, detail = STRBUF_INIT;

	strbuf_addf(&log, "%s/setup.log", c->dir.buf);
	tail_lines(&detail, log.buf, 3);
	pw_error_set(err, PW_EDB, "%s failed for the embedded database in '%s' (status %d)%s%s",
	             what, c->dir.buf, status, detail.len ? ": " : "", strbuf_str(&detail));
	strbuf_release(&log);
	strbuf_release(&detail);
	return PW_EDB;
}

static int create_database(const struct cluster *c, struct pw_error *err)
{
	const char *keys[] = {"host", "dbname", "user", NULL};
	const char *vals[] = {c->dir.buf, "postgres", CLUSTER_USER, NULL};
	const char *params[1] = {CLUSTER_DBNAME};
	PGconn *conn = PQconnectdbParams(keys, vals, 0);
	PGresult *res = NULL;
	int ret = 0;

	if (PQstatus(conn) != CONNECTION_OK) {
		ret = pw_error_set(err, PW_EDB,
		                   "could not connect to the embedded database in '%s'",
		                   c->dir.buf);
		goto done;
	}
	res = PQexecParams(conn, "SELECT 1 FROM pg_database WHERE datname = $1", 1, NULL, params,
	                   NULL, NULL, 0);
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		goto done;
	PQclear(res);
	res = PQexec(conn, "CREATE DATABASE " CLUSTER_DBNAME);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

		if (!state || (strcmp(state, "42P04") && strcmp(state, "23505")))
			ret = pw_error_set(err, PW_EDB, "could not create database '%s': %s",
			                   CLUSTER_DBNAME,
			                   PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY));
	}
done:
	PQclear(res);
	PQfinish(conn);
	return ret;
}

static int lock_home(const struct cluster *c, struct pw_error *err)
{
	struct strbuf p = STRBUF_INIT;
	int fd;

	if (paths_mkdir_p(c->home.buf, 0755) < 0)
		return pw_error_errno(err, PW_EIO, "could not create '%s'", c->home.buf);
	strbuf_addf(&p, "%s/pg.lock", c->home.buf);
	fd = open(p.buf, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		pw_error_errno(err, PW_EIO, "could not open '%s'", p.buf);
	} else if (flock(fd, LOCK_EX) < 0) {
		pw_error_errno(err, PW_EIO, "could not lock '%s'", p.buf);
		close(fd);
		fd = -1;
	}
	strbuf_release(&p);
	return fd < 0 ? PW_EIO : fd;
}

int cluster_start(struct cluster *c, struct pw_error *err)
{
	struct strbuf exe = STRBUF_INIT, log = STRBUF_INIT;
	int lockfd = -1, ret = 0, st;

	if (cluster_is_running(c) && ping(c, CLUSTER_DBNAME))
		return 0;
	lockfd = lock_home(c, err);
	if (lockfd < 0)
		return lockfd;
	if ((ret = prepare_dir(c, err)) < 0)
		goto done;
	if (!cluster_is_initialized(c)) {
		char *argv[] = {NULL,    "-D", c->datadir.buf, "-U",         CLUSTER_USER, "-A",
		                "trust", "-E", "UTF8",         "--locale=C", "--no-sync",  NULL};

		strbuf_addf(&exe, "%s/initdb", c->bindir.buf);
		argv[0] = exe.buf;
		if ((st = run_as(c, argv)) != 0) {
			ret = failed(c, err, "initdb", st);
			goto done;
		}
		if ((ret = append_config(c, err)) < 0)
			goto done;
	}
	if (!cluster_is_running(c)) {
		char *argv[] = {NULL, "-D", c->datadir.buf, "-l",    NULL, "-w",
		                "-t", "60", "-s",           "start", NULL};

		strbuf_reset(&exe);
		strbuf_addf(&exe, "%s/pg_ctl", c->bindir.buf);
		strbuf_addf(&log, "%s/server.log", c->dir.buf);
		argv[0] = exe.buf;
		argv[4] = log.buf;
		if ((st = run_as(c, argv)) != 0) {
			struct strbuf detail = STRBUF_INIT;

			tail_lines(&detail, log.buf, 2);
			ret = pw_error_set(err, PW_EDB,
			                   "could not start the embedded database in '%s' (pg_ctl "
			                   "status %d)%s%s",
			                   c->dir.buf, st, detail.len ? ": " : "",
			                   strbuf_str(&detail));
			strbuf_release(&detail);
			goto done;
		}
	}
	ret = create_database(c, err);
done:
	if (lockfd >= 0)
		close(lockfd);
	strbuf_release(&exe);
	strbuf_release(&log);
	return ret;
}

int cluster_stop(struct cluster *c, struct pw_error *err)
{
	struct strbuf exe = STRBUF_INIT;
	char *argv[] = {NULL, "-D", c->datadir.buf, "-m", "fast", "-w", "-s", "stop", NULL};
	int lockfd = -1, ret = 0, st;

	if (!cluster_is_initialized(c) || !cluster_postmaster_pid(c))
		return 0;
	lockfd = lock_home(c, err);
	if (lockfd < 0)
		return lockfd;
	strbuf_addf(&exe, "%s/pg_ctl", c->bindir.buf);
	argv[0] = exe.buf;
	if (cluster_postmaster_pid(c) && (st = run_as(c, argv)) != 0 && cluster_is_running(c))
		ret = failed(c, err, "pg_ctl stop", st);
	close(lockfd);
	strbuf_release(&exe);
	return ret;
}
