/*
 * `perfwarden db`: the database itself. status/start/stop/url drive the
 * embedded default cluster (store/cluster.h); replay writes the spooled
 * results (store/spool.h, store_results_replay) once the database is back.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "cluster.h"
#include "cmd.h"
#include "db.h"
#include "spool.h"

static const char synopsis[] =
        "usage: perfwarden db [--database CONNINFO] <status|start|stop|url|replay>\n"
        "\n"
        "  status   is the database up? (exit 0 running, 1 stopped, 2 unreachable/error)\n"
        "  start    start the embedded database under $PERFWARDEN_HOME/pg (initdb on first use)\n"
        "  stop     stop the embedded database\n"
        "  url      print the libpq connection string perfwarden uses\n"
        "  replay   store the results kept in $PERFWARDEN_HOME/spool/ and remove them\n"
        "\n";

static const char notes[] =
        "Without --database or PERFWARDEN_DATABASE_URL, the embedded database is meant.\n";

static int db_named_status(const char *conninfo)
{
	struct store s = STORE_INIT;
	struct pw_error err = PW_ERROR_INIT;
	int version = 0, ret = CMD_OK;

	if (store_connect(&s, conninfo, &err) < 0 || store_schema_version(&s, &version, &err) < 0) {
		cmd_errorf("db", "%s", pw_error_message(&err));
		ret = CMD_ERROR;
	} else {
		printf("database: %s\nstate: running\nschema: %d (this perfwarden: %d)\n",
		       s.where.buf, version, store_schema_latest());
	}
	store_release(&s);
	pw_error_release(&err);
	return ret;
}

static int db_embedded(const char *action)
{
	struct cluster c = CLUSTER_INIT;
	struct pw_error err = PW_ERROR_INIT;
	struct strbuf info = STRBUF_INIT;
	int ret = CMD_OK;

	if (cluster_init(&c, &err) < 0) {
		cmd_errorf("db", "%s", pw_error_message(&err));
		ret = CMD_ERROR;
		goto done;
	}
	if (!strcmp(action, "url")) {
		cluster_conninfo(&c, &info);
		printf("%s\n", info.buf);
	} else if (!strcmp(action, "status")) {
		long pid = cluster_postmaster_pid(&c);
		int running = cluster_is_running(&c);
		struct strbuf proc = STRBUF_INIT;
		struct stat st;

		printf("database: embedded, %s\n", c.dir.buf);
		if (!cluster_is_initialized(&c)) {
			printf("state: not initialized (created on first use)\n");
			ret = CMD_FAIL;
		} else if (!running) {
			printf("state: stopped\n");
			ret = CMD_FAIL;
		} else {
			strbuf_addf(&proc, "/proc/%ld", pid);
			if (pid && stat(proc.buf, &st) == 0)
				printf("state: running (pid %ld, uid %u)\n", pid,
				       (unsigned)st.st_uid);
			else
				printf("state: running\n");
		}
		strbuf_release(&proc);
	} else if (!strcmp(action, "start")) {
		struct store s = STORE_INIT;

		if (store_open(&s, NULL, &err) < 0) {
			cmd_errorf("db", "%s", pw_error_message(&err));
			ret = CMD_ERROR;
		} else {
			printf("embedded database running in %s\n", c.dir.buf);
		}
		store_release(&s);
	} else if (!strcmp(action, "stop")) {
		if (cluster_stop(&c, &err) < 0) {
			cmd_errorf("db", "%s", pw_error_message(&err));
			ret = CMD_ERROR;
		} else {
			printf("embedded database stopped\n");
		}
	}
done:
	cluster_release(&c);
	strbuf_release(&info);
	pw_error_release(&err);
	return ret;
}

static int db_replay(const char *conninfo)
{
	struct store s = STORE_INIT;
	struct pw_error err = PW_ERROR_INIT;
	size_t stored = 0, left = 0;
	int ret = CMD_OK, r;

	if (store_open(&s, conninfo, &err) < 0) {
		cmd_errorf("db", "%s", pw_error_message(&err));
		ret = CMD_ERROR;
		goto done;
	}
	r = store_results_replay(&s, &stored, &left, &err);
	printf("replayed %zu spooled result file%s, %zu left\n", stored, stored == 1 ? "" : "s",
	       left);
	if (r < 0) {
		cmd_errorf("db", "%s", pw_error_message(&err));
		ret = CMD_ERROR;
	}
done:
	store_release(&s);
	pw_error_release(&err);
	return ret;
}

int cmd_db(int argc, char **argv)
{
	struct cli_options o;
	struct strbuf named = STRBUF_INIT;
	const char *conninfo, *action;
	int ret;

	cli_options_init(&o, "db", CLI_GROUP_DATABASE);
	o.synopsis = synopsis;
	o.notes = notes;
	if (cli_next(&o, argc, argv) != CLI_END)
		return o.exit_code;
	if (optind != argc - 1)
		return cli_usage_error(&o, "%s",
		                       optind == argc
		                               ? "what to do? (status, start, stop, url, replay)"
		                               : "give one action");
	conninfo = o.database;
	action = argv[optind];
	if (strcmp(action, "status") && strcmp(action, "start") && strcmp(action, "stop") &&
	    strcmp(action, "url") && strcmp(action, "replay")) {
		cmd_errorf("db", "unknown action '%s' (status, start, stop, url, replay)", action);
		return CMD_ERROR;
	}
	if (!strcmp(action, "replay")) {
		ret = db_replay(conninfo);
	} else if (store_conninfo_named(conninfo, &named)) {
		if (!strcmp(action, "url")) {
			printf("%s\n", named.buf);
			ret = CMD_OK;
		} else if (!strcmp(action, "status") || !strcmp(action, "start")) {
			ret = db_named_status(named.buf);
		} else {
			cmd_errorf("db",
			           "'db %s' manages the embedded database only; this one is "
			           "named by --database or PERFWARDEN_DATABASE_URL",
			           action);
			ret = CMD_ERROR;
		}
	} else {
		ret = db_embedded(action);
	}
	strbuf_release(&named);
	return ret;
}
