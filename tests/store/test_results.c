/*
 * store/results.c and store/spool.c: one commit's results written in one
 * transaction and read back with every metric (NULL for what was not
 * measured); a connection killed just before COMMIT leaves nothing partial,
 * is retried, and when it keeps failing the results land in the spool and
 * replay stores them. Batches (store_results_write_many) store each commit
 * once, the later of two runs with one key winning; NULL environment details
 * keep the stored ones.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "fixture.h"
#include "query.h"
#include "results.h"
#include "spool.h"

static const char hash_a[] = "0123456789abcdef0123456789abcdef01234567";
static const char hash_b[] = "89abcdef0123456789abcdef0123456789abcdef";

static struct sample samples[3];
static struct store_run_result runs[2];
static const char *parents_b[] = {hash_a};

static void make_results(struct store_results *r, const char *hash)
{
	size_t i;

	for (i = 0; i < 3; i++) {
		struct sample x = SAMPLE_INIT;

		x.wall_ns = 1000000000LL + (int64_t)i;
		x.user_ns = 900000000LL + (int64_t)i;
		x.sys_ns = 1000 + (int64_t)i;
		x.maxrss_kib = 4096;
		x.minflt = 10;
		x.majflt = 0;
		x.nvcsw = 3;
		x.nivcsw = 4;
		x.instructions = i == 1 ? SAMPLE_ABSENT : 123456789012LL;
		x.cycles = 98765432109LL;
		x.branch_misses = 55;
		x.cache_misses = SAMPLE_ABSENT;
		x.exit_code = 0;
		x.term_signal = 0;
		x.timed_out = i == 2;
		samples[i] = x;
	}
	memset(runs, 0, sizeof(runs));
	runs[0].benchmark = "julia";
	runs[0].spec_hash = "spec-1";
	runs[0].started_us = 1700000000000000LL;
	runs[0].finished_us = 1700000005000000LL;
	runs[0].verdict = "ok";
	runs[0].build_log_tail = "built\n";
	runs[0].stderr_tail = "warning: x\n";
	runs[0].metadata_json = "{\"repeat\": 3}";
	runs[0].samples = samples;
	runs[0].nsamples = 3;
	runs[1].benchmark = "julia-small";
	runs[1].spec_hash = "spec-1";
	runs[1].verdict = "wrong-output";
	runs[1].diff_report = "{\"cells\": 2}";
	runs[1].samples = samples;
	runs[1].nsamples = 2;
	memset(r, 0, sizeof(*r));
	r->repo_location = "/srv/repo";
	r->repo_name = "repo";
	r->commit.hash = hash;
	r->commit.parents = strcmp(hash, hash_b) ? NULL : parents_b;
	r->commit.nparents = strcmp(hash, hash_b) ? 0 : 1;
	r->commit.author = "Ada Lovelace";
	r->commit.email = "ada@example.com";
	r->commit.author_time = strcmp(hash, hash_b) ? 1700000000 : 1700000100;
	r->commit.subject = "Speed up, with 'quotes' and \"quotes\"";
	r->env_fingerprint = "env-test";
	r->env_details_json = "{\"cpu\": \"test\"}";
	r->runs = runs;
	r->nruns = 2;
}

static size_t spool_files(void)
{
	struct spool_list l = SPOOL_LIST_INIT;
	size_t n;

	assert_int_equal(spool_list(&l, NULL), 0);
	n = l.n;
	spool_list_release(&l);
	return n;
}

static void wipe(void)
{
	assert_int_equal(fixture_count("WITH x AS (DELETE FROM repositories RETURNING 1) "
	                               "SELECT count(*) FROM x") >= 0,
	                 1);
}

static void test_results__round_trip_keeps_every_metric(void **state)
{
	struct store s = STORE_INIT;
	struct pw_error err = PW_ERROR_INIT;
	struct store_results r;
	struct store_commit_info info = STORE_COMMIT_INFO_INIT;
	size_t i;

	(void)state;
	wipe();
	make_results(&r, hash_a);
	assert_int_equal(store_open(&s, NULL, &err), 0);
	assert_int_equal(store_results_write(&s, &r, &err), 0);
	assert_int_equal(store_commit_load(&s, NULL, "0123", &info, &err), 0);
	assert_string_equal(info.hash, hash_a);
	assert_string_equal(info.repo_location, "/srv/repo");
	assert_string_equal(info.author, "Ada Lovelace");
	assert_string_equal(info.subject, r.commit.subject);
	assert_string_equal(info.author_time, "2023-11-14T22:13:20Z");
	assert_int_equal(info.nruns, 2);
	assert_string_equal(info.runs[0].benchmark, "julia");
	assert_string_equal(info.runs[0].verdict, "ok");
	assert_string_equal(info.runs[0].fingerprint, "env-test");
	assert_string_equal(info.runs[0].started_at, "2023-11-14T22:13:20.000000Z");
	assert_string_equal(info.runs[0].build_log_tail, "built\n");
	assert_string_equal(info.runs[0].stderr_tail, "warning: x\n");
	assert_null(info.runs[0].diff_report);
	assert_string_equal(info.runs[1].diff_report, "{\"cells\": 2}");
	assert_int_equal(info.runs[0].nsamples, 3);
	assert_int_equal(info.runs[1].nsamples, 2);
	for (i = 0; i < 3; i++) {
		const struct sample *x = &info.runs[0].samples[i];

		assert_int_equal(x->wall_ns, samples[i].wall_ns);
		assert_int_equal(x->user_ns, samples[i].user_ns);
		assert_int_equal(x->sys_ns, samples[i].sys_ns);
		assert_int_equal(x->maxrss_kib, samples[i].maxrss_kib);
		assert_int_equal(x->minflt, samples[i].minflt);
		assert_int_equal(x->majflt, samples[i].majflt);
		assert_int_equal(x->nvcsw, samples[i].nvcsw);
		assert_int_equal(x->nivcsw, samples[i].nivcsw);
		assert_int_equal(x->instructions, samples[i].instructions);
		assert_int_equal(x->cycles, samples[i].cycles);
		assert_int_equal(x->branch_misses, samples[i].branch_misses);
		assert_int_equal(x->cache_misses, SAMPLE_ABSENT);
		assert_int_equal(x->exit_code, 0);
		assert_int_equal(x->timed_out, samples[i].timed_out);
	}
	/* absent is NULL in the table, not 0 or -1 */
	assert_int_equal(fixture_count("SELECT count(*) FROM samples WHERE cache_misses IS NULL"),
	                 5);
	assert_int_equal(fixture_count("SELECT count(*) FROM samples WHERE instructions IS NULL"),
	                 2);
	store_commit_info_release(&info);
	store_release(&s);
	pw_error_release(&err);
}

static void test_results__writing_a_key_again_adds_a_run_and_keeps_the_first(void **state)
{
	struct store s = STORE_INIT;
	struct pw_error err = PW_ERROR_INIT;
	struct store_results r;
	struct store_commit_info info = STORE_COMMIT_INFO_INIT;
	int64_t id1 = 0, id2 = 0;

	(void)state;
	wipe();
	make_results(&r, hash_a);
	assert_int_equal(store_open(&s, NULL, &err), 0);
	assert_int_equal(
	        store_run_find(&s, "/srv/repo", hash_a, "julia", "spec-1", "env-test", &id1, &err),
	        PW_ENOTFOUND);
	assert_int_equal(store_results_write(&s, &r, &err), 0);
	assert_int_equal(
	        store_run_find(&s, "/srv/repo", hash_a, "julia", "spec-1", "env-test", &id1, &err),
	        0);
	/* another spec or environment is not a reusable run */
	assert_int_equal(
	        store_run_find(&s, "/srv/repo", hash_a, "julia", "spec-2", "env-test", &id2, &err),
	        PW_ENOTFOUND);
	assert_int_equal(
	        store_run_find(&s, "/srv/repo", hash_a, "julia", "spec-1", "env-other", &id2, &err),
	        PW_ENOTFOUND);
	samples[0].wall_ns = 42; /* --force: measured again, with other timings */
	runs[0].verdict = "crashed";
	assert_int_equal(store_results_write(&s, &r, &err), 0);
	/* a second run, and the first one's row and samples untouched */
	assert_int_equal(fixture_count("SELECT count(*) FROM runs"), 4);
	assert_int_equal(fixture_count("SELECT count(*) FROM samples"), 10);
	assert_int_equal(fixture_count("SELECT count(*) FROM samples WHERE wall_ns = 42"), 2);
	assert_int_equal(fixture_count("SELECT count(*) FROM samples WHERE wall_ns = 1000000000"),
	                 2);
	assert_int_equal(fixture_count("SELECT count(*) FROM runs WHERE verdict = 'ok'"), 1);
	/* the newest is the one found for reuse */
	assert_int_equal(
	        store_run_find(&s, "/srv/repo", hash_a, "julia", "spec-1", "env-test", &id2, &err),
	        0);
	assert_true(id2 > id1);
	/* show lists both, newest first within the key, and marks the newest */
	assert_int_equal(store_commit_load(&s, "/srv/repo", hash_a, &info, &err), 0);
	assert_int_equal(info.nruns, 4);
	assert_string_equal(info.runs[0].benchmark, "julia");
	assert_int_equal(info.runs[0].id, id2);
	assert_int_equal(info.runs[0].newest, 1);
	assert_string_equal(info.runs[0].verdict, "crashed");
	assert_int_equal(info.runs[0].samples[0].wall_ns, 42);
	assert_int_equal(info.runs[1].id, id1);
	assert_int_equal(info.runs[1].newest, 0);
	assert_string_equal(info.runs[1].verdict, "ok");
	assert_int_equal(info.runs[1].samples[0].wall_ns, 1000000000);
	assert_ptr_equal(store_commit_newest_run(&info, "julia", "env-test", "spec-1"),
	                 &info.runs[0]);
	assert_ptr_equal(store_commit_newest_run(&info, "julia", NULL, "spec-x"), &info.runs[0]);
	assert_null(store_commit_newest_run(&info, "julia", "env-other", NULL));
	store_commit_info_release(&info);
	store_release(&s);
	pw_error_release(&err);
}

/* At equal finished_at the later write is the newer: readers do not pick at random. */
static void test_results__readers_take_the_newest_run(void **state)
{
	struct store s = STORE_INIT;
	struct pw_error err = PW_ERROR_INIT;
	struct store_results r;
	struct store_commit_info info = STORE_COMMIT_INFO_INIT;
	int64_t id = 0;
	int k;

	(void)state;
	wipe();
	make_results(&r, hash_a);
	assert_int_equal(store_open(&s, NULL, &err), 0);
	runs[0].finished_us = 1700000009000000LL; /* the later measurement, written first */
	samples[0].wall_ns = 9;
	assert_int_equal(store_results_write(&s, &r, &err), 0);
	runs[0].finished_us = 1700000001000000LL;
	samples[0].wall_ns = 1;
	assert_int_equal(store_results_write(&s, &r, &err), 0);
	for (k = 0; k < 2; k++) { /* equal finished_at: the higher id */
		runs[0].finished_us = 1700000009000000LL;
		samples[0].wall_ns = 100 + k;
		assert_int_equal(store_results_write(&s, &r, &err), 0);
	}
	assert_int_equal(
	        store_run_find(&s, "/srv/repo", hash_a, "julia", "spec-1", "env-test", &id, &err),
	        0);
	assert_int_equal(id, fixture_count("SELECT max(id) FROM runs WHERE benchmark = 'julia'"));
	assert_int_equal(store_commit_load(&s, "/srv/repo", hash_a, &info, &err), 0);
	assert_int_equal(info.nruns, 8);
	assert_int_equal(info.runs[0].id, id);
	assert_int_equal(info.runs[0].samples[0].wall_ns, 101);
	assert_int_equal(info.runs[1].samples[0].wall_ns, 100);
	assert_int_equal(info.runs[2].samples[0].wall_ns, 9);
	assert_int_equal(info.runs[3].samples[0].wall_ns, 1);
	for (k = 0; k < 8; k++)
		assert_int_equal(info.runs[k].newest, k == 0 || k == 4);
	store_commit_info_release(&info);
	store_release(&s);
	pw_error_release(&err);
}

struct killer {
	int times; /* how many more commits to sabotage */
	int killed;
};

static void kill_backend(struct store *s, void *arg)
{
	struct killer *k = arg;
	PGconn *conn;
	PGresult *res;
	char pid[32];
	const char *params[1] = {pid};

	if (k->times <= 0)
		return;
	k->times--;
	snprintf(pid, sizeof(pid), "%d", PQbackendPID(s->conn));
	conn = fixture_connect();
	res = PQexecParams(conn, "SELECT pg_terminate_backend($1::int)", 1, NULL, params, NULL,
	                   NULL, 0);
	if (PQresultStatus(res) == PGRES_TUPLES_OK && !strcmp(PQgetvalue(res, 0, 0), "t"))
		k->killed++;
	PQclear(res);
	PQfinish(conn);
}

static void test_results__killed_connection_leaves_nothing_partial(void **state)
{
	struct store s = STORE_INIT;
	struct pw_error err = PW_ERROR_INIT;
	struct store_results r;
	struct killer k = {1, 0};

	(void)state;
	wipe();
	make_results(&r, hash_a);
	assert_int_equal(store_open(&s, NULL, &err), 0);
	s.before_commit = kill_backend;
	s.before_commit_arg = &k;
	assert_int_equal(store_results_write(&s, &r, &err), PW_EDB);
	assert_int_equal(k.killed, 1);
	assert_int_equal(fixture_count("SELECT count(*) FROM runs"), 0);
	assert_int_equal(fixture_count("SELECT count(*) FROM samples"), 0);
	assert_int_equal(fixture_count("SELECT count(*) FROM commits"), 0);
	store_release(&s);
	pw_error_release(&err);
}

static void test_results__lost_connection_is_retried(void **state)
{
	struct store s = STORE_INIT;
	struct pw_error err = PW_ERROR_INIT;
	struct store_results r;
	struct killer k = {1, 0};
	size_t before = spool_files();

	(void)state;
	wipe();
	make_results(&r, hash_a);
	assert_int_equal(store_open(&s, NULL, &err), 0);
	s.before_commit = kill_backend;
	s.before_commit_arg = &k;
	assert_int_equal(store_results_save(&s, &r, NULL, &err), 0);
	assert_int_equal(k.killed, 1);
	assert_int_equal(fixture_count("SELECT count(*) FROM runs"), 2);
	assert_int_equal(fixture_count("SELECT count(*) FROM samples"), 5);
	assert_int_equal(spool_files(), before);
	store_release(&s);
	pw_error_release(&err);
}

static void test_results__unstorable_results_are_spooled_and_replayed(void **state)
{
	struct store s = STORE_INIT;
	struct pw_error err = PW_ERROR_INIT;
	struct strbuf path = STRBUF_INIT;
	struct store_results r;
	struct killer k = {100, 0};
	struct store_commit_info info = STORE_COMMIT_INFO_INIT;
	size_t stored = 0, left = 0;

	(void)state;
	wipe();
	make_results(&r, hash_b);
	assert_int_equal(store_open(&s, NULL, &err), 0);
	s.before_commit = kill_backend;
	s.before_commit_arg = &k;
	assert_int_equal(store_results_save(&s, &r, &path, &err), PW_EDB);
	assert_true(k.killed >= 2);
	assert_non_null(strstr(pw_error_message(&err), path.buf));
	assert_int_equal(access(path.buf, F_OK), 0);
	assert_int_equal(spool_files(), 1);
	assert_int_equal(fixture_count("SELECT count(*) FROM runs"), 0);
	store_release(&s);

	/* the database is back: replay stores it once and removes the file */
	assert_int_equal(store_open(&s, NULL, &err), 0);
	if (store_results_replay(&s, &stored, &left, &err) < 0)
		fail_msg("replay: %s", pw_error_message(&err));
	assert_int_equal(stored, 1);
	assert_int_equal(left, 0);
	assert_int_equal(spool_files(), 0);
	assert_int_equal(store_commit_load(&s, "/srv/repo", hash_b, &info, &err), 0);
	assert_int_equal(info.nparents, 1);
	assert_string_equal(info.parents[0], hash_a);
	assert_int_equal(info.nruns, 2);
	assert_int_equal(info.runs[0].nsamples, 3);
	assert_int_equal(info.runs[0].samples[1].instructions, SAMPLE_ABSENT);
	assert_int_equal(info.runs[0].samples[0].instructions, 123456789012LL);
	assert_int_equal(info.runs[0].samples[2].timed_out, 1);
	assert_string_equal(info.runs[0].stderr_tail, "warning: x\n");
	store_commit_info_release(&info);
	store_release(&s);
	strbuf_release(&path);
	pw_error_release(&err);
}

/* A spooled measurement of a commit the store already has is added beside it. */
static void test_results__spool_replay_appends_to_what_is_stored(void **state)
{
	struct store s = STORE_INIT;
	struct pw_error err = PW_ERROR_INIT;
	struct strbuf path = STRBUF_INIT;
	struct store_results r;
	size_t stored = 0, left = 0;

	(void)state;
	wipe();
	make_results(&r, hash_a);
	assert_int_equal(store_open(&s, NULL, &err), 0);
	assert_int_equal(store_results_write(&s, &r, &err), 0);
	samples[0].wall_ns = 77;
	assert_int_equal(spool_write(&r, &path, &err), 0);
	assert_int_equal(store_results_replay(&s, &stored, &left, &err), 0);
	assert_int_equal(stored, 1);
	assert_int_equal(left, 0);
	assert_int_equal(fixture_count("SELECT count(*) FROM runs"), 4);
	assert_int_equal(fixture_count("SELECT count(*) FROM samples"), 10);
	assert_int_equal(fixture_count("SELECT count(*) FROM samples WHERE wall_ns = 1000000000"),
	                 2);
	assert_int_equal(fixture_count("SELECT count(*) FROM samples WHERE wall_ns = 77"), 2);
	store_release(&s);
	strbuf_release(&path);
	pw_error_release(&err);
}

/* A garbled spool file is reported and kept; it does not block the files after it. */
static void test_results__replay_keeps_a_garbled_file_and_stores_the_others(void **state)
{
	struct store s = STORE_INIT;
	struct pw_error err = PW_ERROR_INIT;
	struct strbuf good = STRBUF_INIT, bad = STRBUF_INIT, dir = STRBUF_INIT,
	              garbled = STRBUF_INIT;
	struct store_results r;
	size_t stored = 0, left = 0;

	(void)state;
	wipe();
	make_results(&r, hash_a);
	spool_dir(&dir);
	assert_int_equal(spool_write(&r, &good, &err), 0);
	/* named to sort first: the replay goes oldest first */
	strbuf_addf(&bad, "%s/0-garbled.json", dir.buf);
	strbuf_addstr(&garbled, "{\"perfwarden_spool\": 1");
	assert_int_equal(strbuf_write_file(&garbled, bad.buf), 0);
	assert_int_equal(spool_files(), 2);
	assert_int_equal(store_open(&s, NULL, &err), 0);
	assert_int_equal(store_results_replay(&s, &stored, &left, &err), PW_EINVALID);
	assert_non_null(strstr(pw_error_message(&err), bad.buf));
	assert_int_equal(stored, 1);
	assert_int_equal(left, 1);
	assert_int_equal(access(good.buf, F_OK), -1);
	assert_int_equal(access(bad.buf, F_OK), 0);
	assert_int_equal(fixture_count("SELECT count(*) FROM runs"), 2);
	unlink(bad.buf);
	store_release(&s);
	strbuf_release(&good);
	strbuf_release(&bad);
	strbuf_release(&dir);
	strbuf_release(&garbled);
	pw_error_release(&err);
}

static void test_results__deleting_a_repository_takes_its_samples(void **state)
{
	struct store s = STORE_INIT;
	struct pw_error err = PW_ERROR_INIT;
	struct store_results r;

	(void)state;
	wipe();
	make_results(&r, hash_a);
	assert_int_equal(store_open(&s, NULL, &err), 0);
	assert_int_equal(store_results_write(&s, &r, &err), 0);
	assert_int_equal(fixture_count("SELECT count(*) FROM samples"), 5);
	wipe();
	assert_int_equal(fixture_count("SELECT count(*) FROM runs"), 0);
	assert_int_equal(fixture_count("SELECT count(*) FROM samples"), 0);
	store_release(&s);
	pw_error_release(&err);
}

static void test_results__bad_results_are_refused_whole(void **state)
{
	struct store s = STORE_INIT;
	struct pw_error err = PW_ERROR_INIT;
	struct store_results r[2];

	(void)state;
	wipe();
	make_results(&r[0], hash_a);
	r[1] = r[0];
	r[1].commit.hash = hash_b;
	runs[1].benchmark = "julia"; /* the same (benchmark, spec) twice in one commit */
	assert_int_equal(store_open(&s, NULL, &err), 0);
	assert_int_equal(store_results_write_many(&s, r, 2, &err), PW_EINVALID);
	assert_non_null(strstr(pw_error_message(&err), "twice"));
	assert_int_equal(fixture_count("SELECT count(*) FROM commits"), 0);
	runs[1].benchmark = "julia-small";
	assert_int_equal(store_results_write_many(&s, r, 2, &err), 0);
	assert_int_equal(fixture_count("SELECT count(*) FROM commits"), 2);
	assert_int_equal(fixture_count("SELECT count(*) FROM samples"), 10);
	store_release(&s);
	pw_error_release(&err);
}

static void test_results__invalid_utf8_in_logs_does_not_lose_the_run(void **state)
{
	struct store s = STORE_INIT;
	struct pw_error err = PW_ERROR_INIT;
	struct store_results r;
	struct store_commit_info info = STORE_COMMIT_INFO_INIT;
	struct spool_entry *e = NULL;
	struct strbuf path = STRBUF_INIT;

	(void)state;
	wipe();
	make_results(&r, hash_a);
	runs[0].build_log_tail = "cc: \xff\xfe broken \xc3";
	r.commit.subject = "caf\xe9";
	assert_int_equal(store_open(&s, NULL, &err), 0);
	assert_int_equal(store_results_write(&s, &r, &err), 0);
	assert_int_equal(store_commit_load(&s, NULL, hash_a, &info, &err), 0);
	assert_string_equal(info.runs[0].build_log_tail,
	                    "cc: \xef\xbf\xbd\xef\xbf\xbd broken \xef\xbf\xbd");
	assert_string_equal(info.subject, "caf\xef\xbf\xbd");
	store_commit_info_release(&info);
	/* the spool keeps it too */
	assert_int_equal(spool_write(&r, &path, &err), 0);
	assert_int_equal(spool_read(path.buf, &e, &err), 0);
	assert_non_null(strstr(e->results.runs[0].build_log_tail, "broken"));
	spool_entry_free(e);
	unlink(path.buf);
	store_release(&s);
	strbuf_release(&path);
	pw_error_release(&err);
}

static void test_results__no_database_at_all_spools(void **state)
{
	struct store s = STORE_INIT;
	struct pw_error err = PW_ERROR_INIT;
	struct store_results r;
	struct spool_entry *e = NULL;
	struct strbuf path = STRBUF_INIT;

	(void)state;
	make_results(&r, hash_a);
	assert_int_equal(store_open(&s, "host=/nonexistent dbname=x", &err), PW_EDB);
	assert_int_equal(store_results_save(&s, &r, &path, &err), PW_EDB);
	assert_int_equal(spool_read(path.buf, &e, &err), 0);
	assert_string_equal(e->results.commit.hash, hash_a);
	assert_int_equal(e->results.nruns, 2);
	assert_int_equal(e->results.runs[0].samples[2].wall_ns, samples[2].wall_ns);
	spool_entry_free(e);
	unlink(path.buf);
	/* a garbled spool file is reported, kept, and does not block the others */
	assert_int_equal(strbuf_write_file(&path, path.buf), 0);
	assert_int_equal(spool_read(path.buf, &e, &err), PW_EINVALID);
	unlink(path.buf);
	store_release(&s);
	strbuf_release(&path);
	pw_error_release(&err);
}

static void test_results__null_env_details_keep_the_stored_ones(void **state)
{
	struct store s = STORE_INIT;
	struct pw_error err = PW_ERROR_INIT;
	struct store_results r;
	int64_t id = 0;

	(void)state;
	wipe();
	make_results(&r, hash_a);
	assert_int_equal(store_open(&s, NULL, &err), 0);
	assert_int_equal(store_results_write(&s, &r, &err), 0);
	make_results(&r, hash_b);
	r.env_details_json = NULL; /* e.g. replayed from a runner that could not read them */
	assert_int_equal(store_results_write(&s, &r, &err), 0);
	assert_int_equal(fixture_count("SELECT count(*) FROM environments WHERE fingerprint = "
	                               "'env-test' AND details = '{\"cpu\": \"test\"}'"),
	                 1);
	assert_int_equal(store_environment_upsert(&s, "env-test", NULL, &id, &err), 0);
	assert_int_equal(fixture_count("SELECT count(*) FROM environments WHERE details = "
	                               "'{\"cpu\": \"test\"}'"),
	                 1);
	/* new details do replace them, and a new environment without any gets {} */
	assert_int_equal(store_environment_upsert(&s, "env-test", "{\"cpu\": \"new\"}", &id, &err),
	                 0);
	assert_int_equal(store_environment_upsert(&s, "env-bare", NULL, &id, &err), 0);
	assert_int_equal(fixture_count("SELECT count(*) FROM environments WHERE "
	                               "(fingerprint = 'env-test' AND details->>'cpu' = 'new') OR "
	                               "(fingerprint = 'env-bare' AND details = '{}')"),
	                 2);
	store_release(&s);
	pw_error_release(&err);
}

#define BATCH 40

/*
 * A large batch (planned for its size, not the small-batch prepared plan)
 * is all or nothing, and stores everything once; a commit given twice is
 * stored as if written one by one: both runs are kept, the later the newer.
 */
static void test_results__a_large_batch_stores_each_commit_once(void **state)
{
	static char hashes[BATCH][41];
	static struct sample later[2];
	struct store s = STORE_INIT;
	struct pw_error err = PW_ERROR_INIT;
	struct store_results r[BATCH + 1];
	struct store_run_result again = {0};
	struct killer k = {1, 0};
	long long ids;
	size_t i;

	(void)state;
	wipe();
	for (i = 0; i < BATCH; i++) {
		make_results(&r[i], hash_a);
		snprintf(hashes[i], sizeof(hashes[i]), "%040zx", i + 1);
		r[i].commit.hash = hashes[i];
		r[i].commit.author_time = 1700000000 + (int64_t)i;
	}
	later[0] = samples[0];
	later[1] = samples[1];
	later[0].wall_ns = later[1].wall_ns = 7;
	again = runs[0];
	again.verdict = "slower";
	again.samples = later;
	again.nsamples = 2;
	r[BATCH] = r[3];
	r[BATCH].runs = &again;
	r[BATCH].nruns = 1;
	r[BATCH].commit.subject = "the later description";
	assert_int_equal(store_open(&s, NULL, &err), 0);
	/* killed before COMMIT: nothing of the whole batch remains */
	s.before_commit = kill_backend;
	s.before_commit_arg = &k;
	assert_int_equal(store_results_write_many(&s, r, BATCH + 1, &err), PW_EDB);
	assert_int_equal(k.killed, 1);
	assert_int_equal(fixture_count("SELECT count(*) FROM commits"), 0);
	assert_int_equal(fixture_count("SELECT count(*) FROM runs"), 0);
	assert_int_equal(fixture_count("SELECT count(*) FROM samples"), 0);
	assert_int_equal(store_reconnect(&s, 3, &err), 0);
	if (store_results_write_many(&s, r, BATCH + 1, &err) < 0)
		fail_msg("write_many: %s", pw_error_message(&err));
	assert_int_equal(fixture_count("SELECT count(*) FROM commits"), BATCH);
	assert_int_equal(fixture_count("SELECT count(*) FROM runs"), 2 * BATCH + 1);
	assert_int_equal(fixture_count("SELECT count(*) FROM samples"), 5 * BATCH + 2);
	assert_int_equal(fixture_count("SELECT count(*) FROM runs r JOIN commits c ON c.id = "
	                               "r.commit_id WHERE r.verdict = 'slower' AND "
	                               "c.subject = 'the later description' AND "
	                               "c.hash = '0000000000000000000000000000000000000004'"),
	                 1);
	assert_int_equal(fixture_count("SELECT count(*) FROM samples WHERE wall_ns = 7"), 2);
	/* every run's summary matches its samples */
	assert_int_equal(fixture_count("SELECT count(*) FROM runs r WHERE (summary->'wall_ns'->>"
	                               "'n')::int = (SELECT count(*) FROM samples x WHERE "
	                               "x.run_id = r.id)"),
	                 2 * BATCH + 1);
	/* the later entry of commit 4's julia is its newest run */
	assert_int_equal(fixture_count("SELECT r.id FROM runs r JOIN commits c ON c.id = "
	                               "r.commit_id WHERE c.hash = "
	                               "'0000000000000000000000000000000000000004' AND "
	                               "r.benchmark = 'julia' ORDER BY r.finished_at DESC, "
	                               "r.id DESC LIMIT 1"),
	                 fixture_count("SELECT id FROM runs WHERE verdict = 'slower'"));
	/* the same batch again appends it all once more and keeps every commit's id */
	ids = fixture_count("SELECT sum(id) FROM commits");
	assert_int_equal(store_results_write_many(&s, r, BATCH + 1, &err), 0);
	assert_int_equal(fixture_count("SELECT count(*) FROM commits"), BATCH);
	assert_int_equal(fixture_count("SELECT count(*) FROM runs"), 2 * (2 * BATCH + 1));
	assert_int_equal(fixture_count("SELECT count(*) FROM samples"), 2 * (5 * BATCH + 2));
	assert_int_equal(fixture_count("SELECT sum(id) FROM commits"), ids);
	store_release(&s);
	pw_error_release(&err);
}

static void test_results__connection_lost_while_idle_is_retried(void **state)
{
	struct store s = STORE_INIT;
	struct pw_error err = PW_ERROR_INIT;
	struct store_results r;
	struct killer k = {1, 0};
	size_t before = spool_files();

	(void)state;
	wipe();
	make_results(&r, hash_a);
	assert_int_equal(store_open(&s, NULL, &err), 0);
	assert_int_equal(store_results_write(&s, &r, &err), 0); /* statements prepared */
	wipe();
	kill_backend(&s, &k); /* the server restarted or dropped us between commits */
	assert_int_equal(k.killed, 1);
	assert_int_equal(store_results_save(&s, &r, NULL, &err), 0);
	assert_int_equal(fixture_count("SELECT count(*) FROM runs"), 2);
	assert_int_equal(fixture_count("SELECT count(*) FROM samples"), 5);
	assert_int_equal(spool_files(), before);
	/* and the connection keeps working */
	make_results(&r, hash_b);
	assert_int_equal(store_results_write(&s, &r, &err), 0);
	assert_int_equal(fixture_count("SELECT count(*) FROM samples"), 10);
	store_release(&s);
	pw_error_release(&err);
}

static void test_results__refused_results_leave_nothing_and_the_connection_usable(void **state)
{
	struct store s = STORE_INIT;
	struct pw_error err = PW_ERROR_INIT;
	struct store_results r;

	(void)state;
	wipe();
	make_results(&r, hash_a);
	runs[1].metadata_json = "{not json";
	assert_int_equal(store_open(&s, NULL, &err), 0);
	assert_int_equal(store_results_write(&s, &r, &err), PW_EDB);
	assert_non_null(strstr(pw_error_message(&err), "could not store the results"));
	assert_int_equal(fixture_count("SELECT count(*) FROM commits"), 0);
	assert_int_equal(fixture_count("SELECT count(*) FROM runs"), 0);
	runs[1].metadata_json = NULL;
	assert_int_equal(store_results_write(&s, &r, &err), 0);
	assert_int_equal(fixture_count("SELECT count(*) FROM samples"), 5);
	store_release(&s);
	pw_error_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_results__round_trip_keeps_every_metric),
	        cmocka_unit_test(test_results__writing_a_key_again_adds_a_run_and_keeps_the_first),
	        cmocka_unit_test(test_results__readers_take_the_newest_run),
	        cmocka_unit_test(test_results__spool_replay_appends_to_what_is_stored),
	        cmocka_unit_test(test_results__replay_keeps_a_garbled_file_and_stores_the_others),
	        cmocka_unit_test(test_results__killed_connection_leaves_nothing_partial),
	        cmocka_unit_test(test_results__lost_connection_is_retried),
	        cmocka_unit_test(test_results__unstorable_results_are_spooled_and_replayed),
	        cmocka_unit_test(test_results__deleting_a_repository_takes_its_samples),
	        cmocka_unit_test(test_results__bad_results_are_refused_whole),
	        cmocka_unit_test(test_results__invalid_utf8_in_logs_does_not_lose_the_run),
	        cmocka_unit_test(test_results__no_database_at_all_spools),
	        cmocka_unit_test(test_results__null_env_details_keep_the_stored_ones),
	        cmocka_unit_test(test_results__a_large_batch_stores_each_commit_once),
	        cmocka_unit_test(test_results__connection_lost_while_idle_is_retried),
	        cmocka_unit_test(
	                test_results__refused_results_leave_nothing_and_the_connection_usable),
	};
	struct store s = STORE_INIT;
	int failed;

	if (fixture_setup(NULL) < 0)
		return 1;
	if (store_open(&s, NULL, NULL) < 0)
		return 1;
	store_release(&s);
	failed = cmocka_run_group_tests(tests, NULL, NULL);
	fixture_teardown(NULL);
	return failed;
}
