/*
 * Tests for runner/judge/check on a real git repository made in a fresh
 * temporary directory, with a benchmark that is a few lines of shell (a run
 * costs milliseconds) and a budget of a few rounds. The history:
 *
 *   base - c1 - c2 - c3 - c4 - c5 - c6
 *
 * base and c1 measure fine; c2's build fails; c3 writes a wrong grid; c4
 * exits with status 3; c5 and c6 measure fine again. Every commit's benchmark
 * script differs, so none is `unchanged`.
 *
 * What a user relies on: each commit is judged against the last good commit
 * before it (c5 against c1, the broken ones between skipped), every broken
 * commit says why, a push whose base did not measure is judged from its
 * first commit that did (the gate still sees it), and a database that goes away during a check
 * costs neither the verdicts nor the runs: each failure is reported with a message (the spool file
 * where the runs were kept), and the exit code says 2.
 */
#include <setjmp.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../store/fixture.h"
#include "check.h"

/*
 * libgit2 1.5 (Debian 12) leaks PCRE2 match data whenever a remote is created
 * (fixed upstream by libgit2/libgit2#6382); tell LeakSanitizer, in sanitizer
 * builds, that this one is not ours.
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libpcre2-8.so\n";
}

#define GRID     "1 2 3 4\n5 6 7 8\n9 10 11 12\n"
#define WRITE(g) "printf '" g "' > \"$PERFWARDEN_OUTPUT\""
#define GOOD     WRITE("1 2 3 4\\n5 6 7 8\\n9 10 11 12\\n")
#define WRONG    WRITE("1 2 3 4\\n5 6 7 8\\n9 11 10 12\\n")

static struct strbuf repo_dir = STRBUF_INIT, golden_dir = STRBUF_INIT, work_dir = STRBUF_INIT;
static char hash[7][CHECKOUT_HASH_HEX + 1]; /* base, c1 .. c6 */

__attribute__((format(printf, 1, 2))) static void sh(const char *fmt, ...)
{
	struct strbuf cmd = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&cmd, fmt, ap);
	va_end(ap);
	if (system(cmd.buf) != 0)
		fail_msg("command failed: %s", cmd.buf);
	strbuf_release(&cmd);
}

static void head_into(char *out)
{
	struct strbuf cmd = STRBUF_INIT;
	FILE *f;

	strbuf_addf(&cmd, "git -C '%s' rev-parse HEAD", repo_dir.buf);
	f = popen(cmd.buf, "r");
	assert_non_null(f);
	assert_non_null(fgets(out, CHECKOUT_HASH_HEX + 1, f));
	assert_int_equal(pclose(f), 0);
	strbuf_release(&cmd);
}

static void write_file(const char *name, const char *content)
{
	struct strbuf path = STRBUF_INIT, text = STRBUF_INIT;

	strbuf_addf(&path, "%s/%s", repo_dir.buf, name);
	strbuf_addstr(&text, content);
	if (strbuf_write_file(&text, path.buf) < 0)
		fail_msg("could not write '%s'", path.buf);
	strbuf_release(&path);
	strbuf_release(&text);
}

/* Commit `n`: its build script and benchmark script (which ends naming the commit). */
static void commit(int n, const char *build, const char *bench, const char *subject)
{
	struct strbuf script = STRBUF_INIT;

	strbuf_addf(&script, "%s\n# commit %d\n", bench, n);
	write_file("build.sh", build);
	write_file("bench.sh", script.buf);
	sh("cd '%s' && git add -A && git commit -qm '%s'", repo_dir.buf, subject);
	head_into(hash[n]);
	strbuf_release(&script);
}

static int setup(void **state)
{
	struct strbuf golden = STRBUF_INIT, grid = STRBUF_INIT;

	if (fixture_setup(state) < 0)
		return -1;
	/* builds and benchmarks run as an unprivileged user when the tests run as root */
	if (chmod(fixture_dir, 0755) < 0)
		return -1;
	setenv("HOME", fixture_dir, 1);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("GIT_AUTHOR_NAME", "Ada Lovelace", 1);
	setenv("GIT_AUTHOR_EMAIL", "ada@example.org", 1);
	setenv("GIT_COMMITTER_NAME", "Ada Lovelace", 1);
	setenv("GIT_COMMITTER_EMAIL", "ada@example.org", 1);
	strbuf_addf(&repo_dir, "%s/repo", fixture_dir);
	strbuf_addf(&golden_dir, "%s/golden", fixture_dir);
	strbuf_addf(&work_dir, "%s/work", fixture_dir);
	sh("mkdir -p '%s' && echo 78 > '%s/grid.sum' && git init -q -b main '%s'", golden_dir.buf,
	   golden_dir.buf, repo_dir.buf);
	strbuf_addf(&golden, "%s/grid.out", golden_dir.buf);
	strbuf_addstr(&grid, GRID);
	if (strbuf_write_file(&grid, golden.buf) < 0)
		return -1;
	/* threshold 500%: no timing of a few shell lines reaches it, verdicts here are not timing
	 */
	write_file(".perfwarden", "[build]\n\tcommand = sh build.sh\n\ttimeout = 10\n"
	                          "[benchmark \"grid\"]\n\tcommand = sh bench.sh\n\tgolden = grid\n"
	                          "\trepeat = 1\n\twarmup = 0\n\ttimeout = 5\n\tmax-repeat = 6\n"
	                          "\tthreshold = 500%\n");
	commit(0, "true", GOOD, "base: measures fine");
	commit(1, "true", GOOD, "c1: measures fine");
	commit(2, "echo 'bench.sh:1: error: it broke' >&2; exit 2", GOOD, "c2: breaks the build");
	commit(3, "true", WRONG, "c3: swaps two cells");
	commit(4, "true", "echo 'it fell over' >&2; exit 3", "c4: crashes");
	commit(5, "true", GOOD, "c5: fixed");
	commit(6, "true", GOOD, "c6: measures fine");
	strbuf_release(&golden);
	strbuf_release(&grid);
	return 0;
}

static int teardown(void **state)
{
	strbuf_release(&repo_dir);
	strbuf_release(&golden_dir);
	strbuf_release(&work_dir);
	return fixture_teardown(state);
}

static struct pipeline *open_pipeline(unsigned flags)
{
	struct pipeline_options po = PIPELINE_OPTIONS_INIT;
	struct pw_error err = PW_ERROR_INIT;
	struct pipeline *p = NULL;

	po.repo = repo_dir.buf;
	po.golden_dir = golden_dir.buf;
	po.workdir = work_dir.buf;
	po.flags = flags;
	if (pipeline_open(&p, &po, &err) < 0)
		fail_msg("pipeline_open: %s", pw_error_message(&err));
	pw_error_release(&err);
	return p;
}

/* Check the range `from..to` (hashes) with the smallest budget: one look. */
static int check(struct pipeline *p, const char *from, const char *to, struct check_result *res,
                 struct pw_error *err)
{
	struct check_options co = CHECK_OPTIONS_INIT;
	struct strbuf range = STRBUF_INIT;
	int ret;

	strbuf_addf(&range, "%s..%s", from, to);
	co.range = range.buf;
	co.flags = CHECK_NO_CONFIRM;
	ret = check_run(p, &co, res, err);
	strbuf_release(&range);
	return ret;
}

static const struct check_entry *entry_of(const struct check_result *res, int n)
{
	size_t i;

	for (i = 0; i < res->nentries; i++)
		if (!strcmp(res->entries[i].hash, hash[n]))
			return &res->entries[i];
	fail_msg("no entry for commit %d (%.10s)", n, hash[n]);
	return NULL;
}

static void test_check__each_commit_is_judged_against_the_last_good_one_before_it(void **state)
{
	struct pipeline *p = open_pipeline(PIPELINE_NO_STORE);
	struct check_result res = CHECK_RESULT_INIT;
	struct pw_error err = PW_ERROR_INIT;
	const struct check_entry *e;

	(void)state;
	if (check(p, hash[0], hash[5], &res, &err) < 0)
		fail_msg("check: %s", pw_error_message(&err));
	/* wall time and peak memory of the three good commits, one failure each of the others */
	assert_int_equal(res.nentries, 9);
	assert_int_equal(res.nerrors, 0);
	assert_string_equal(entry_of(&res, 1)->metric, "wall");
	assert_true(entry_of(&res, 0)->is_base);
	assert_string_equal(entry_of(&res, 0)->baseline, "");

	e = entry_of(&res, 1);
	assert_string_equal(e->baseline, hash[0]);
	assert_false(verdict_is_failure(e->verdict));
	assert_true(e->rounds > 0);

	/* the broken commits are judged against nothing */
	assert_int_equal(entry_of(&res, 2)->verdict, VERDICT_BUILD_FAILED);
	assert_int_equal(entry_of(&res, 3)->verdict, VERDICT_WRONG_OUTPUT);
	assert_int_equal(entry_of(&res, 4)->verdict, VERDICT_CRASHED);
	assert_string_equal(entry_of(&res, 2)->baseline, "");
	assert_string_equal(entry_of(&res, 3)->baseline, "");
	assert_string_equal(entry_of(&res, 4)->baseline, "");

	/* and skipped as baselines: c5 is judged against c1, on rounds both ran */
	e = entry_of(&res, 5);
	assert_string_equal(e->baseline, hash[1]);
	assert_false(verdict_is_failure(e->verdict));
	assert_true(e->rounds > 0);

	/* the push: the tip against the base; the broken commits in between do not fail it */
	assert_int_equal(res.nnet, 2); /* wall time and memory */
	assert_false(verdict_is_failure(res.net[0].verdict));
	assert_false(verdict_is_failure(res.net[1].verdict));
	assert_string_equal(res.net[1].metric, "memory");
	assert_int_equal(check_exit_code(&res), 0);
	res.flags |= CHECK_EACH;
	assert_int_equal(check_exit_code(&res), 1);

	check_result_release(&res);
	pipeline_free(p);
	pw_error_release(&err);
}

static void test_check__broken_commits_say_why(void **state)
{
	struct pipeline *p = open_pipeline(PIPELINE_NO_STORE);
	struct check_result res = CHECK_RESULT_INIT;
	struct pw_error err = PW_ERROR_INIT;
	const struct check_entry *e;

	(void)state;
	if (check(p, hash[1], hash[4], &res, &err) < 0)
		fail_msg("check: %s", pw_error_message(&err));

	e = entry_of(&res, 2);
	assert_string_equal(e->message, "the build failed with exit status 2");
	assert_non_null(e->detail);
	assert_non_null(strstr(e->detail, "bench.sh:1: error: it broke"));

	e = entry_of(&res, 3);
	assert_non_null(e->message);
	assert_non_null(strstr(e->message, "row 3, column 2: expected 10, got 11"));

	e = entry_of(&res, 4);
	assert_non_null(e->message);
	assert_non_null(strstr(e->message, "'sh bench.sh'"));
	assert_non_null(strstr(e->message, "3"));
	assert_non_null(e->detail);
	assert_non_null(strstr(e->detail, "it fell over"));

	/* the tip is broken: the push fails, and that is a verdict, not an error */
	assert_int_equal(res.net[0].verdict, VERDICT_CRASHED);
	assert_int_equal(res.nerrors, 0);
	assert_int_equal(check_exit_code(&res), 1);

	check_result_release(&res);
	pipeline_free(p);
	pw_error_release(&err);
}

static void
test_check__a_push_whose_base_did_not_measure_starts_at_its_first_good_commit(void **state)
{
	struct pipeline *p = open_pipeline(PIPELINE_NO_STORE);
	struct check_result res = CHECK_RESULT_INIT;
	struct pw_error err = PW_ERROR_INIT;

	(void)state;
	/* c2 (the base) did not build, c3 and c4 broke: the net effect runs from c5 to c6 */
	if (check(p, hash[2], hash[6], &res, &err) < 0)
		fail_msg("check: %s", pw_error_message(&err));
	assert_int_equal(res.nnet, 2); /* wall time and memory */
	assert_string_equal(res.net[0].from, hash[5]);
	assert_string_equal(res.net[1].from, hash[5]);
	assert_false(verdict_is_failure(res.net[0].verdict));
	assert_true(res.net[0].rounds > 0);
	assert_true(isfinite(res.net[0].ratio));
	assert_int_equal(check_exit_code(&res), 0);
	check_result_release(&res);

	/* with nothing measured before the tip there is no net change to judge, and it says so */
	if (check(p, hash[2], hash[5], &res, &err) < 0)
		fail_msg("check: %s", pw_error_message(&err));
	assert_int_equal(res.nnet, 2);
	assert_string_equal(res.net[0].from, "");
	assert_int_equal(res.net[0].rounds, 0);
	assert_non_null(strstr(res.net[0].message, "no commit before the tip measured it"));

	check_result_release(&res);
	pipeline_free(p);
	pw_error_release(&err);
}

static void stop_database(void)
{
	struct cluster c = CLUSTER_INIT;
	struct pw_error err = PW_ERROR_INIT;

	if (cluster_init(&c, &err) < 0 || cluster_stop(&c, &err) < 0)
		fail_msg("could not stop the database: %s", pw_error_message(&err));
	cluster_release(&c);
	pw_error_release(&err);
}

static const struct check_error *error_with(const struct check_result *res, const char *needle)
{
	size_t i;

	for (i = 0; i < res->nerrors; i++)
		if (strstr(res->errors[i].message, needle))
			return &res->errors[i];
	return NULL;
}

static void test_check__a_database_gone_mid_way_costs_no_verdict_and_no_run(void **state)
{
	struct pipeline *p = open_pipeline(0); /* starts the embedded database */
	struct check_result res = CHECK_RESULT_INIT;
	struct pw_error err = PW_ERROR_INIT;
	struct strbuf what = STRBUF_INIT;
	const struct check_error *x;
	size_t i;
	int spooled = 0;

	(void)state;
	stop_database();
	if (check(p, hash[0], hash[1], &res, &err) < 0)
		fail_msg("check: %s", pw_error_message(&err));

	/* the verdicts stand (wall time and memory of each) */
	assert_int_equal(res.nentries, 4);
	assert_string_equal(entry_of(&res, 1)->baseline, hash[0]);
	assert_false(verdict_is_failure(entry_of(&res, 1)->verdict));

	/* every failure is said, none as "unknown error" */
	assert_true(res.nerrors >= 3);
	for (i = 0; i < res.nerrors; i++) {
		assert_string_not_equal(res.errors[i].message, "unknown error");
		assert_true(res.errors[i].code < 0);
	}
	/* the runs of both commits were spooled, and the message says where */
	for (i = 0; i < 2; i++) {
		strbuf_reset(&what);
		strbuf_addf(&what, "could not store the results of %.12s", hash[i]);
		x = error_with(&res, what.buf);
		assert_non_null(x);
		assert_non_null(x->spooled);
		assert_non_null(strstr(x->message, x->spooled));
		assert_int_equal(access(x->spooled, F_OK), 0);
		spooled++;
	}
	assert_int_equal(spooled, 2);
	/* and the verdict that could not be recorded is named */
	strbuf_reset(&what);
	strbuf_addf(&what, "could not record the verdict of 'grid' on %.7s against %.7s", hash[1],
	            hash[0]);
	x = error_with(&res, what.buf);
	assert_non_null(x);
	assert_null(x->spooled);
	assert_int_equal(check_exit_code(&res), 2);

	check_result_release(&res);
	pipeline_free(p);
	pw_error_release(&err);
	strbuf_release(&what);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(
	                test_check__each_commit_is_judged_against_the_last_good_one_before_it),
	        cmocka_unit_test(test_check__broken_commits_say_why),
	        cmocka_unit_test(
	                test_check__a_push_whose_base_did_not_measure_starts_at_its_first_good_commit),
	        cmocka_unit_test(test_check__a_database_gone_mid_way_costs_no_verdict_and_no_run),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
