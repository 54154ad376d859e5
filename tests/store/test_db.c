/*
 * store/db.c: connecting and migrating. Migrations from an empty database,
 * from each earlier version, re-applied (idempotent); a database newer than
 * the binary refused; an unreachable database reported in one line that
 * names the socket and database but never the password.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>

#include "fixture.h"
#include "store_internal.h"

static void test_db__migrates_an_empty_database(void **state)
{
	struct store s = STORE_INIT;
	struct pw_error err = PW_ERROR_INIT;
	int version = -1;

	(void)state;
	assert_int_equal(store_open(&s, NULL, &err), 0);
	assert_int_equal(store_schema_version(&s, &version, &err), 0);
	assert_true(store_schema_latest() >= 2);
	assert_int_equal(version, store_schema_latest());
	assert_int_equal(
	        fixture_count("SELECT count(*) FROM pg_tables WHERE tablename IN "
	                      "('repositories','commits','environments','runs','samples')"),
	        5);
	store_release(&s);
	pw_error_release(&err);
}

static void test_db__reapplying_changes_nothing(void **state)
{
	struct store s = STORE_INIT;
	struct pw_error err = PW_ERROR_INIT;

	(void)state;
	assert_int_equal(store_open(&s, NULL, &err), 0);
	assert_int_equal(store_migrate(&s, -1, &err), 0);
	store_release(&s);
	assert_int_equal(store_open(&s, NULL, &err), 0);
	/* max, not count: a version may be unused while branches merge (0006 before 0007) */
	assert_int_equal(fixture_count("SELECT max(version) FROM schema_migrations"),
	                 store_schema_latest());
	store_release(&s);
	pw_error_release(&err);
}

static void test_db__migrates_from_each_earlier_version(void **state)
{
	struct pw_error err = PW_ERROR_INIT;
	int from, version;

	(void)state;
	for (from = 1; from < store_schema_latest(); from++) {
		struct store s = STORE_INIT;
		PGconn *conn;

		assert_int_equal(store_connect(&s, NULL, &err), 0);
		conn = fixture_connect();
		PQclear(PQexec(conn, "DROP SCHEMA public CASCADE; CREATE SCHEMA public"));
		PQfinish(conn);
		assert_int_equal(store_migrate(&s, from, &err), 0);
		assert_int_equal(store_schema_version(&s, &version, &err), 0);
		assert_true(version <= from);
		if (version < from) { /* no migration numbered `from` */
			store_release(&s);
			continue;
		}
		store_release(&s);
		assert_int_equal(store_open(&s, NULL, &err), 0);
		assert_int_equal(store_schema_version(&s, &version, &err), 0);
		assert_int_equal(version, store_schema_latest());
		store_release(&s);
	}
	assert_int_equal(fixture_count("SELECT count(*) FROM pg_indexes WHERE indexname = "
	                               "'runs_benchmark_commit'"),
	                 1);
	pw_error_release(&err);
}

static void test_db__version_3_summarizes_runs_stored_before_it(void **state)
{
	struct store s = STORE_INIT;
	struct pw_error err = PW_ERROR_INIT;
	PGconn *conn;
	PGresult *res;

	(void)state;
	assert_int_equal(store_connect(&s, NULL, &err), 0);
	conn = fixture_connect();
	PQclear(PQexec(conn, "DROP SCHEMA public CASCADE; CREATE SCHEMA public"));
	assert_int_equal(store_migrate(&s, 2, &err), 0);
	res = PQexec(conn,
	             "INSERT INTO repositories (location, name) VALUES ('/r', 'r');"
	             "INSERT INTO commits (repository_id, hash) VALUES (1, 'abcd');"
	             "INSERT INTO environments (fingerprint) VALUES ('e');"
	             "INSERT INTO runs (commit_id, benchmark, environment_id, spec_hash) "
	             "VALUES (1, 'julia', 1, 's');"
	             "INSERT INTO samples (run_id, seq, wall_ns) VALUES (1, 0, 10), (1, 1, 20), "
	             "(1, 2, 30), (1, 3, 40)");
	assert_int_equal(PQresultStatus(res), PGRES_COMMAND_OK);
	PQclear(res);
	store_release(&s);
	assert_int_equal(store_open(&s, NULL, &err), 0);
	res = PQexec(conn, "SELECT summary->'wall_ns'->>'median', summary->'wall_ns'->>'q1', "
	                   "summary->'wall_ns'->>'n', summary ? 'cycles' FROM runs");
	assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
	assert_string_equal(PQgetvalue(res, 0, 0), "25");
	assert_string_equal(PQgetvalue(res, 0, 1), "17.5");
	assert_string_equal(PQgetvalue(res, 0, 2), "4");
	assert_string_equal(PQgetvalue(res, 0, 3), "f"); /* never measured: left out */
	PQclear(res);
	PQfinish(conn);
	store_release(&s);
	pw_error_release(&err);
}

static void test_db__refuses_a_newer_database(void **state)
{
	struct store s = STORE_INIT;
	struct pw_error err = PW_ERROR_INIT;

	(void)state;
	assert_int_equal(store_open(&s, NULL, &err), 0);
	store_release(&s);
	assert_int_equal(fixture_count("WITH x AS (INSERT INTO schema_migrations (version, name) "
	                               "VALUES (9999, '9999_future') RETURNING 1) SELECT count(*) "
	                               "FROM x"),
	                 1);
	assert_int_equal(store_open(&s, NULL, &err), PW_EDB);
	assert_non_null(strstr(pw_error_message(&err), "schema version 9999"));
	assert_non_null(strstr(pw_error_message(&err), "upgrade perfwarden"));
	store_release(&s);
	pw_error_release(&err);
}

static void test_db__unreachable_database_is_one_line_without_password(void **state)
{
	struct store s = STORE_INIT;
	struct pw_error err = PW_ERROR_INIT;
	const char *msg;

	(void)state;
	assert_int_equal(store_open(&s, "host=/nonexistent dbname=x user=u password=hunter2", &err),
	                 PW_EDB);
	msg = pw_error_message(&err);
	assert_non_null(strstr(msg, "/nonexistent"));
	assert_non_null(strstr(msg, "'x'"));
	assert_null(strstr(msg, "hunter2"));
	assert_null(strchr(msg, '\n'));
	store_release(&s);
	/* the same through the environment variable, as a URL */
	setenv("PERFWARDEN_DATABASE_URL", "postgresql://u:hunter2@127.0.0.1:1/pwdb", 1);
	assert_int_equal(store_open(&s, NULL, &err), PW_EDB);
	msg = pw_error_message(&err);
	assert_non_null(strstr(msg, "127.0.0.1"));
	assert_non_null(strstr(msg, "'pwdb'"));
	assert_null(strstr(msg, "hunter2"));
	assert_null(strchr(msg, '\n'));
	unsetenv("PERFWARDEN_DATABASE_URL");
	store_release(&s);
	pw_error_release(&err);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_db__a_server_that_never_answers_is_given_up_on(void **state)
{
	struct store s = STORE_INIT;
	struct pw_error err = PW_ERROR_INIT;
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	char conninfo[128];
	double start, took;
	int fd;

	(void)state;
	/* a listener that accepts connections (the kernel does) and never says a word */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	snprintf(conninfo, sizeof(conninfo), "host=127.0.0.1 port=%d dbname=silent sslmode=disable",
	         ntohs(sa.sin_port));
	unsetenv("PGCONNECT_TIMEOUT");
	start = now_s();
	assert_int_equal(store_open(&s, conninfo, &err), PW_EDB);
	took = now_s() - start;
	assert_true(took < STORE_CONNECT_TIMEOUT_S + 5);
	assert_non_null(strstr(pw_error_message(&err), "timeout"));
	assert_non_null(strstr(pw_error_message(&err), "'silent'"));
	close(fd);
	store_release(&s);
	pw_error_release(&err);
}

static void test_db__a_statement_is_cancelled_after_the_timeout(void **state)
{
	struct store s = STORE_INIT;
	struct pw_error err = PW_ERROR_INIT;
	PGresult *res;
	double start;

	(void)state;
	assert_int_equal(store_open(&s, NULL, &err), 0);
	res = PQexec(s.conn, "SHOW statement_timeout");
	assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
	assert_string_equal(PQgetvalue(res, 0, 0), "1min");
	PQclear(res);
	assert_int_equal(store_statement_timeout(&s, 200, &err), 0);
	start = now_s();
	assert_int_equal(store_exec(&s, "SELECT pg_sleep(20)", &err), PW_EDB);
	assert_true(now_s() - start < 5);
	assert_non_null(strstr(pw_error_message(&err), "statement timeout"));
	/* the connection is still usable, and a new session after a lost one is bounded too */
	assert_int_equal(store_exec(&s, "SELECT 1", &err), 0);
	PQclear(PQexec(s.conn, "SELECT pg_terminate_backend(pg_backend_pid())"));
	assert_int_equal(store_reconnect(&s, 3, &err), 0);
	res = PQexec(s.conn, "SHOW statement_timeout");
	assert_string_equal(PQgetvalue(res, 0, 0), "1min");
	PQclear(res);
	store_release(&s);
	pw_error_release(&err);
}

static void test_db__malformed_conninfo_is_invalid(void **state)
{
	struct store s = STORE_INIT;
	struct pw_error err = PW_ERROR_INIT;

	(void)state;
	assert_int_equal(store_open(&s, "host=/x dbname", &err), PW_EINVALID);
	store_release(&s);
	pw_error_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_db__unreachable_database_is_one_line_without_password),
	        cmocka_unit_test(test_db__malformed_conninfo_is_invalid),
	        cmocka_unit_test(test_db__a_server_that_never_answers_is_given_up_on),
	        cmocka_unit_test(test_db__a_statement_is_cancelled_after_the_timeout),
	        cmocka_unit_test(test_db__migrates_an_empty_database),
	        cmocka_unit_test(test_db__reapplying_changes_nothing),
	        cmocka_unit_test(test_db__migrates_from_each_earlier_version),
	        cmocka_unit_test(test_db__version_3_summarizes_runs_stored_before_it),
	        cmocka_unit_test(test_db__refuses_a_newer_database),
	};
	int failed;

	if (fixture_setup(NULL) < 0)
		return 1;
	failed = cmocka_run_group_tests(tests, NULL, NULL);
	fixture_teardown(NULL);
	return failed;
}
