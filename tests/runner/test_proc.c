/*
 * Tests of runner/proc on real processes: exit codes, times, timeouts that
 * kill whole process groups, signals, exec failures, cpu pinning, the exact
 * environment, resource limits, the fixed memory layout, captured output,
 * hardware counters (absent on machines without them) and cachegrind counts.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "proc.h"

static const char *const path_env[] = {"PATH=/usr/bin:/bin", NULL};
static char tmpdir[] = "/tmp/pwtest-proc.XXXXXX";

static int make_tmpdir(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
	(void)state;
	return rmdir(tmpdir);
}

static int run_shell(const char *cmd, struct proc_spec *spec, struct proc_result *res,
                     struct pw_error *err)
{
	spec->shell_command = cmd;
	if (!spec->env)
		spec->env = path_env;
	return proc_run(spec, res, err);
}

static void test_proc__true_exits_zero_with_sane_times(void **state)
{
	const char *argv[] = {"/bin/true", NULL};
	struct proc_spec spec = PROC_SPEC_INIT;
	struct proc_result res;
	struct pw_error err = PW_ERROR_INIT;

	(void)state;
	proc_result_init(&res);
	spec.argv = argv;
	assert_int_equal(proc_run(&spec, &res, &err), 0);
	assert_int_equal(res.sample.exit_code, 0);
	assert_int_equal(res.sample.term_signal, 0);
	assert_int_equal(res.sample.timed_out, 0);
	assert_true(res.sample.wall_ns > 0);
	assert_true(res.sample.wall_ns < INT64_C(2000000000));
	assert_true(res.sample.user_ns >= 0 && res.sample.sys_ns >= 0);
	assert_true(res.sample.user_ns + res.sample.sys_ns < INT64_C(2000000000));
	assert_true(res.sample.maxrss_kib > 0);
	assert_true(res.sample.minflt > 0);
	proc_result_release(&res);
	pw_error_release(&err);
}

static void test_proc__exit_code_is_reported(void **state)
{
	struct proc_spec spec = PROC_SPEC_INIT;
	struct proc_result res;

	(void)state;
	proc_result_init(&res);
	assert_int_equal(run_shell("exit 3", &spec, &res, NULL), 0);
	assert_int_equal(res.sample.exit_code, 3);
	assert_int_equal(res.sample.term_signal, 0);
	proc_result_release(&res);
}

static void test_proc__cpu_burning_child_has_user_time(void **state)
{
	struct proc_spec spec = PROC_SPEC_INIT;
	struct proc_result res;

	(void)state;
	proc_result_init(&res);
	assert_int_equal(
	        run_shell("i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done", &spec, &res, NULL),
	        0);
	assert_int_equal(res.sample.exit_code, 0);
	assert_true(res.sample.user_ns > 0);
	assert_true(res.sample.wall_ns >= res.sample.user_ns / 2);
	proc_result_release(&res);
}

static void test_proc__sleeping_child_is_killed_at_the_timeout(void **state)
{
	struct proc_spec spec = PROC_SPEC_INIT;
	struct proc_result res;

	(void)state;
	proc_result_init(&res);
	spec.timeout_ms = 300;
	assert_int_equal(run_shell("sleep 30", &spec, &res, NULL), 0);
	assert_int_equal(res.sample.timed_out, 1);
	assert_int_equal(res.sample.term_signal, SIGTERM);
	assert_true(res.sample.wall_ns >= INT64_C(290000000));
	assert_true(res.sample.wall_ns < INT64_C(2000000000));
	proc_result_release(&res);
}

static int pid_is_gone(pid_t pid)
{
	char path[64], buf[512];
	FILE *f;
	char *rp;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 1;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	rp = strrchr(buf, ')');
	return rp && (rp[2] == 'Z' || rp[2] == 'X');
}

static void test_proc__child_ignoring_sigterm_dies_with_its_grandchild(void **state)
{
	char cmd[512], pidfile[300];
	struct proc_spec spec = PROC_SPEC_INIT;
	struct proc_result res;
	struct strbuf text = STRBUF_INIT;
	pid_t grandchild;
	int i;

	(void)state;
	snprintf(pidfile, sizeof(pidfile), "%s/grandchild.pid", tmpdir);
	snprintf(cmd, sizeof(cmd),
	         "trap '' TERM; sleep 60 & echo $! > %s; while :; do sleep 1; done", pidfile);
	proc_result_init(&res);
	spec.timeout_ms = 300;
	assert_int_equal(run_shell(cmd, &spec, &res, NULL), 0);
	assert_int_equal(res.sample.timed_out, 1);
	assert_int_equal(res.sample.term_signal, SIGKILL);
	assert_true(res.sample.wall_ns < INT64_C(300 + PROC_KILL_GRACE_MS + 1500) * 1000000);

	assert_int_equal(strbuf_read_file(&text, pidfile), 0);
	grandchild = (pid_t)atoi(text.buf);
	assert_true(grandchild > 1);
	for (i = 0; i < 200 && !pid_is_gone(grandchild); i++)
		usleep(10000);
	assert_true(pid_is_gone(grandchild));

	unlink(pidfile);
	strbuf_release(&text);
	proc_result_release(&res);
}

static void test_proc__segfaulting_child_reports_the_signal(void **state)
{
	struct proc_spec spec = PROC_SPEC_INIT;
	struct proc_result res;

	(void)state;
	proc_result_init(&res);
	assert_int_equal(run_shell("kill -SEGV $$", &spec, &res, NULL), 0);
	assert_int_equal(res.sample.term_signal, SIGSEGV);
	assert_int_equal(res.sample.exit_code, -1);
	assert_int_equal(res.sample.timed_out, 0);
	proc_result_release(&res);
}

static void test_proc__missing_program_is_a_clear_error(void **state)
{
	const char *bare[] = {"perfwarden-no-such-program", NULL};
	const char *slashed[] = {"/nonexistent/dir/prog", "x", NULL};
	struct proc_spec spec = PROC_SPEC_INIT;
	struct proc_result res;
	struct pw_error err = PW_ERROR_INIT;

	(void)state;
	proc_result_init(&res);
	spec.argv = bare;
	spec.env = path_env;
	assert_int_equal(proc_run(&spec, &res, &err), PW_ENOTFOUND);
	assert_string_equal(
	        pw_error_message(&err),
	        "could not run 'perfwarden-no-such-program': No such file or directory");
	spec.argv = slashed;
	assert_int_equal(proc_run(&spec, &res, &err), PW_ENOTFOUND);
	assert_string_equal(pw_error_message(&err),
	                    "could not run '/nonexistent/dir/prog': No such file or directory");
	proc_result_release(&res);
	pw_error_release(&err);
}

static void test_proc__bad_working_directory_is_a_clear_error(void **state)
{
	const char *argv[] = {"/bin/true", NULL};
	struct proc_spec spec = PROC_SPEC_INIT;
	struct proc_result res;
	struct pw_error err = PW_ERROR_INIT;

	(void)state;
	proc_result_init(&res);
	spec.argv = argv;
	spec.cwd = "/nonexistent/workdir";
	assert_int_equal(proc_run(&spec, &res, &err), PW_EIO);
	assert_non_null(strstr(pw_error_message(&err), "'/nonexistent/workdir'"));
	assert_non_null(strstr(pw_error_message(&err), "No such file or directory"));
	proc_result_release(&res);
	pw_error_release(&err);
}

static void test_proc__child_is_pinned_to_the_requested_cpu(void **state)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int cpus[2] = {0, (int)ncpu - 1}, i;

	(void)state;
	for (i = 0; i < 2; i++) {
		struct proc_spec spec = PROC_SPEC_INIT;
		struct proc_result res;
		char want[64];

		proc_result_init(&res);
		spec.cpu = cpus[i];
		spec.stdout_mode = PROC_STDOUT_CAPTURE;
		assert_int_equal(
		        run_shell("grep Cpus_allowed_list /proc/self/status", &spec, &res, NULL),
		        0);
		snprintf(want, sizeof(want), "Cpus_allowed_list:\t%d\n", cpus[i]);
		assert_string_equal(strbuf_str(&res.stdout_buf), want);
		assert_int_equal(res.cpu, cpus[i]);
		proc_result_release(&res);
	}
}

static void test_proc__environment_is_exactly_the_given_one(void **state)
{
	const char *env[] = {"FOO=bar baz", "PATH=/usr/bin:/bin", NULL};
	const char *argv[] = {"env", NULL};
	struct proc_spec spec = PROC_SPEC_INIT;
	struct proc_result res;

	(void)state;
	setenv("PERFWARDEN_TEST_LEAK", "1", 1);
	proc_result_init(&res);
	spec.argv = argv;
	spec.env = env;
	spec.stdout_mode = PROC_STDOUT_CAPTURE;
	assert_int_equal(proc_run(&spec, &res, NULL), 0);
	assert_string_equal(strbuf_str(&res.stdout_buf), "FOO=bar baz\nPATH=/usr/bin:/bin\n");

	argv[0] = "/usr/bin/env";
	spec.env = NULL;
	assert_int_equal(proc_run(&spec, &res, NULL), 0);
	assert_int_equal(res.sample.exit_code, 0);
	assert_string_equal(strbuf_str(&res.stdout_buf), "");
	proc_result_release(&res);
}

static void test_proc__memory_limit_stops_a_runaway_allocation(void **state)
{
	const char *argv[] = {"python3", "-c", "x = bytearray(2 << 30)", NULL};
	struct proc_spec spec = PROC_SPEC_INIT;
	struct proc_result res;

	(void)state;
	proc_result_init(&res);
	spec.argv = argv;
	spec.env = path_env;
	spec.limits.as_bytes = INT64_C(256) << 20;
	assert_int_equal(proc_run(&spec, &res, NULL), 0);
	assert_int_not_equal(res.sample.exit_code, 0);
	assert_non_null(strstr(strbuf_str(&res.stderr_tail), "MemoryError"));
	assert_true(res.sample.maxrss_kib < 256 * 1024);
	proc_result_release(&res);
}

static void test_proc__file_size_limit_stops_a_runaway_writer(void **state)
{
	struct proc_spec spec = PROC_SPEC_INIT;
	struct proc_result res;

	const char *argv[] = {"head", "-c", "100000", "/dev/zero", NULL};
	char path[300];
	struct stat st;

	(void)state;
	snprintf(path, sizeof(path), "%s/fsize.out", tmpdir);
	proc_result_init(&res);
	spec.argv = argv;
	spec.env = path_env;
	spec.limits.fsize_bytes = 4096;
	spec.stdout_mode = PROC_STDOUT_FILE;
	spec.stdout_path = path;
	assert_int_equal(proc_run(&spec, &res, NULL), 0);
	assert_int_equal(res.sample.term_signal, SIGXFSZ);
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_size <= 4096);
	unlink(path);
	proc_result_release(&res);
}

static void test_proc__layout_is_fixed_by_default_and_recorded(void **state)
{
	struct proc_spec spec = PROC_SPEC_INIT;
	struct proc_result res;

	(void)state;
	proc_result_init(&res);
	spec.stdout_mode = PROC_STDOUT_CAPTURE;
	assert_int_equal(run_shell("cat /proc/self/personality", &spec, &res, NULL), 0);
	assert_int_equal(res.aslr_fixed, 1);
	assert_string_equal(strbuf_str(&res.stdout_buf), "00040000\n");

	spec.aslr = PROC_ASLR_RANDOM;
	assert_int_equal(run_shell("cat /proc/self/personality", &spec, &res, NULL), 0);
	assert_int_equal(res.aslr_fixed, 0);
	assert_string_equal(strbuf_str(&res.stdout_buf), "00000000\n");
	proc_result_release(&res);
}

static void test_proc__stderr_keeps_its_last_64_kib(void **state)
{
	struct proc_spec spec = PROC_SPEC_INIT;
	struct proc_result res;
	const char *tail;

	(void)state;
	proc_result_init(&res);
	assert_int_equal(
	        run_shell("head -c 200000 /dev/zero | tr '\\0' a >&2; echo END >&2; echo out",
	                  &spec, &res, NULL),
	        0);
	assert_int_equal(res.sample.exit_code, 0);
	assert_int_equal(res.stderr_tail.len, PROC_STDERR_TAIL_MAX);
	tail = strbuf_str(&res.stderr_tail);
	assert_string_equal(tail + res.stderr_tail.len - 4, "END\n");
	assert_int_equal(tail[0], 'a');
	assert_int_equal(res.stdout_buf.len, 0);
	proc_result_release(&res);
}

static void test_proc__stdout_goes_to_the_given_file(void **state)
{
	struct proc_spec spec = PROC_SPEC_INIT;
	struct proc_result res;
	struct strbuf text = STRBUF_INIT;
	char path[300];

	(void)state;
	snprintf(path, sizeof(path), "%s/stdout.out", tmpdir);
	proc_result_init(&res);
	spec.stdout_mode = PROC_STDOUT_FILE;
	spec.stdout_path = path;
	assert_int_equal(run_shell("echo hello; echo oops >&2", &spec, &res, NULL), 0);
	assert_int_equal(strbuf_read_file(&text, spec.stdout_path), 0);
	assert_string_equal(text.buf, "hello\n");
	assert_string_equal(strbuf_str(&res.stderr_tail), "oops\n");
	unlink(spec.stdout_path);
	strbuf_release(&text);
	proc_result_release(&res);
}

static void test_proc__counters_are_absent_or_counted(void **state)
{
	const char *argv[] = {"/bin/true", NULL};
	struct proc_spec spec = PROC_SPEC_INIT;
	struct proc_result res;
	const char *why = NULL;

	(void)state;
	proc_result_init(&res);
	spec.argv = argv;
	assert_int_equal(proc_run(&spec, &res, NULL), 0);
	if (proc_counters_available(&why)) {
		assert_true(res.sample.instructions > 0);
		assert_true(res.sample.cycles > 0);
	} else {
		assert_non_null(why);
		assert_non_null(strstr(why, "perf_event_open"));
		assert_int_equal(res.sample.instructions, SAMPLE_ABSENT);
		assert_int_equal(res.sample.cycles, SAMPLE_ABSENT);
		assert_int_equal(res.sample.branch_misses, SAMPLE_ABSENT);
		assert_int_equal(res.sample.cache_misses, SAMPLE_ABSENT);
	}
	proc_result_release(&res);
}

static void test_proc__cachegrind_count_is_positive_and_repeatable(void **state)
{
	const char *argv[] = {"/bin/echo", "hello", NULL};
	struct proc_spec spec = PROC_SPEC_INIT;
	struct pw_error err = PW_ERROR_INIT;
	int64_t a = 0, b = 0;

	(void)state;
	spec.argv = argv;
	spec.env = path_env;
	spec.timeout_ms = 1000;
	if (proc_instructions(&spec, &a, &err))
		fail_msg("%s", pw_error_message(&err));
	assert_int_equal(proc_instructions(&spec, &b, &err), 0);
	assert_true(a > 1000);
	assert_int_equal(a, b);

	argv[0] = "/bin/false";
	assert_int_equal(proc_instructions(&spec, &a, &err), PW_ERROR);
	assert_non_null(strstr(pw_error_message(&err), "exited with 1"));

	argv[0] = "/nonexistent/prog";
	assert_int_equal(proc_instructions(&spec, &a, &err), PW_ENOTFOUND);
	assert_string_equal(pw_error_message(&err),
	                    "could not run '/nonexistent/prog': No such file or directory");
	pw_error_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_proc__true_exits_zero_with_sane_times),
	        cmocka_unit_test(test_proc__exit_code_is_reported),
	        cmocka_unit_test(test_proc__cpu_burning_child_has_user_time),
	        cmocka_unit_test(test_proc__sleeping_child_is_killed_at_the_timeout),
	        cmocka_unit_test(test_proc__child_ignoring_sigterm_dies_with_its_grandchild),
	        cmocka_unit_test(test_proc__segfaulting_child_reports_the_signal),
	        cmocka_unit_test(test_proc__missing_program_is_a_clear_error),
	        cmocka_unit_test(test_proc__bad_working_directory_is_a_clear_error),
	        cmocka_unit_test(test_proc__child_is_pinned_to_the_requested_cpu),
	        cmocka_unit_test(test_proc__environment_is_exactly_the_given_one),
	        cmocka_unit_test(test_proc__memory_limit_stops_a_runaway_allocation),
	        cmocka_unit_test(test_proc__file_size_limit_stops_a_runaway_writer),
	        cmocka_unit_test(test_proc__layout_is_fixed_by_default_and_recorded),
	        cmocka_unit_test(test_proc__stderr_keeps_its_last_64_kib),
	        cmocka_unit_test(test_proc__stdout_goes_to_the_given_file),
	        cmocka_unit_test(test_proc__counters_are_absent_or_counted),
	        cmocka_unit_test(test_proc__cachegrind_count_is_positive_and_repeatable),
	};

	return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
