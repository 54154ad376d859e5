/*
 * store/cluster.c: the embedded default PostgreSQL. Tests run as root here,
 * so the ordinary path IS the root path: the server must run as an
 * unprivileged user, listen on the socket only, and survive concurrent starts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "fixture.h"

static void test_cluster__starts_on_demand_and_stops(void **state)
{
	struct cluster c = CLUSTER_INIT;
	struct pw_error err = PW_ERROR_INIT;

	(void)state;
	assert_int_equal(cluster_init(&c, &err), 0);
	assert_false(cluster_is_initialized(&c));
	assert_false(cluster_is_running(&c));
	assert_int_equal(cluster_start(&c, &err), 0);
	assert_true(cluster_is_initialized(&c));
	assert_true(cluster_is_running(&c));
	/* already running is success */
	assert_int_equal(cluster_start(&c, &err), 0);
	assert_int_equal(cluster_stop(&c, &err), 0);
	assert_false(cluster_is_running(&c));
	assert_int_equal(cluster_postmaster_pid(&c), 0);
	/* stopping a stopped cluster is success; it restarts with its data */
	assert_int_equal(cluster_stop(&c, &err), 0);
	assert_int_equal(cluster_start(&c, &err), 0);
	assert_true(cluster_is_running(&c));
	cluster_release(&c);
	pw_error_release(&err);
}

static void test_cluster__server_never_runs_as_root(void **state)
{
	struct cluster c = CLUSTER_INIT;
	struct pw_error err = PW_ERROR_INIT;
	struct strbuf proc = STRBUF_INIT;
	struct stat st;
	long pid;

	(void)state;
	assert_int_equal(cluster_init(&c, &err), 0);
	assert_int_equal(cluster_start(&c, &err), 0);
	pid = cluster_postmaster_pid(&c);
	assert_true(pid > 0);
	strbuf_addf(&proc, "/proc/%ld", pid);
	assert_int_equal(stat(proc.buf, &st), 0);
	assert_int_not_equal(st.st_uid, 0);
	assert_int_equal(st.st_uid, c.run_uid);
	/* the cluster directory belongs to that user and is private */
	assert_int_equal(stat(c.dir.buf, &st), 0);
	assert_int_equal(st.st_uid, c.run_uid);
	assert_int_equal(st.st_mode & 0777, 0700);
	strbuf_release(&proc);
	cluster_release(&c);
	pw_error_release(&err);
}

static void test_cluster__listens_on_the_socket_only(void **state)
{
	PGconn *conn;
	PGresult *res;

	(void)state;
	assert_int_equal(fixture_count("SELECT 1"), -1); /* not started yet: no server */
	{
		struct cluster c = CLUSTER_INIT;

		assert_int_equal(cluster_init(&c, NULL), 0);
		assert_int_equal(cluster_start(&c, NULL), 0);
		cluster_release(&c);
	}
	conn = fixture_connect();
	assert_int_equal(PQstatus(conn), CONNECTION_OK);
	res = PQexec(conn, "SHOW listen_addresses");
	assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
	assert_string_equal(PQgetvalue(res, 0, 0), "");
	PQclear(res);
	PQfinish(conn);
}

static void test_cluster__concurrent_starts_both_succeed(void **state)
{
	pid_t kids[3];
	int i, status;

	(void)state;
	for (i = 0; i < 3; i++) {
		kids[i] = fork();
		assert_true(kids[i] >= 0);
		if (kids[i] == 0) {
			struct store s = STORE_INIT;
			struct pw_error err = PW_ERROR_INIT;
			int r = store_open(&s, NULL, &err);

			if (r < 0)
				fprintf(stderr, "child %d: %s\n", i, pw_error_message(&err));
			store_release(&s);
			_exit(r < 0 ? 1 : 0);
		}
	}
	for (i = 0; i < 3; i++) {
		assert_int_equal(waitpid(kids[i], &status, 0), kids[i]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	/* every migration applied, exactly once (max, not count: a version may be unused while
	 * branches merge, 0006 before 0007) */
	assert_int_equal(fixture_count("SELECT max(version) FROM schema_migrations"),
	                 store_schema_latest());
	assert_int_equal(
	        fixture_count("SELECT count(*) - count(DISTINCT name) FROM schema_migrations"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_cluster__starts_on_demand_and_stops,
	                                        fixture_setup, fixture_teardown),
	        cmocka_unit_test_setup_teardown(test_cluster__server_never_runs_as_root,
	                                        fixture_setup, fixture_teardown),
	        cmocka_unit_test_setup_teardown(test_cluster__listens_on_the_socket_only,
	                                        fixture_setup, fixture_teardown),
	        cmocka_unit_test_setup_teardown(test_cluster__concurrent_starts_both_succeed,
	                                        fixture_setup, fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
