/*
 * Tests of runner/measure/proc on real processes: exit codes, times, timeouts that
 * kill whole process groups, signals, exec failures, cpu pinning, the exact
 * environment, resource limits, the fixed memory layout, captured output,
 * hardware counters (absent on machines without them), and cachegrind counts
 * of whole process trees, in the foreground and in the background.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
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

/* The same without a sandbox: the runner's 96 MiB are not the command's peak. */
static void test_proc__a_small_command_reads_its_own_peak_memory(void **state)
{
	const char *argv[] = {"/bin/true", NULL};
	size_t big = (size_t)96 << 20;
	char *ballast = malloc(big);
	struct proc_spec spec = PROC_SPEC_INIT;
	struct proc_result res;

	(void)state;
	assert_non_null(ballast);
	memset(ballast, 1, big);
	proc_result_init(&res);
	spec.argv = argv;
	assert_int_equal(proc_run(&spec, &res, NULL), 0);
	assert_true(res.sample.maxrss_kib > 0);
	if (res.sample.maxrss_kib >= 16 * 1024)
		fail_msg("/bin/true read a peak of %" PRId64 " KiB: the runner's own size",
		         (int64_t)res.sample.maxrss_kib);
	proc_result_release(&res);
	free(ballast);
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

/* --- instruction counts under cachegrind --- */

/* 1 when valgrind is installed; else says so, for the test to skip. */
static int have_valgrind(void)
{
	if (access("/usr/bin/valgrind", X_OK) == 0 ||
	    access("/usr/local/bin/valgrind", X_OK) == 0 || access("/bin/valgrind", X_OK) == 0)
		return 1;
	print_message("valgrind is not installed (ci/setup installs it): skipped\n");
	return 0;
}

/*
 * A fresh directory with "loop": loop N [EXIT] runs N iterations of a known
 * loop (about 6 instructions each) and exits with EXIT (default 0).
 */
static void make_loop(struct strbuf *dir)
{
	static const char source[] = "#include <stdlib.h>\n"
	                             "int main(int argc, char **argv)\n"
	                             "{\n"
	                             "\tvolatile unsigned long sum = 0;\n"
	                             "\tlong i, n = argc > 1 ? atol(argv[1]) : 0;\n"
	                             "\n"
	                             "\tfor (i = 0; i < n; i++)\n"
	                             "\t\tsum += (unsigned long)i;\n"
	                             "\treturn argc > 2 ? atoi(argv[2]) : 0;\n"
	                             "}\n";
	const char *cc_argv[] = {"cc", "-O1", "-o", "loop", "loop.c", NULL};
	struct strbuf src = STRBUF_INIT, path = STRBUF_INIT;
	struct proc_spec spec = PROC_SPEC_INIT;
	struct proc_result res;
	struct pw_error err = PW_ERROR_INIT;

	strbuf_addf(dir, "%s/loop.XXXXXX", tmpdir);
	assert_non_null(mkdtemp(dir->buf));
	strbuf_addstr(&src, source);
	strbuf_addf(&path, "%s/loop.c", dir->buf);
	assert_int_equal(strbuf_write_file(&src, path.buf), 0);
	proc_result_init(&res);
	spec.argv = cc_argv;
	spec.env = path_env;
	spec.cwd = dir->buf;
	spec.limits.as_bytes = PROC_LIMIT_NONE;
	if (proc_run(&spec, &res, &err))
		fail_msg("%s", pw_error_message(&err));
	if (res.sample.exit_code)
		fail_msg("cc failed: %s", strbuf_str(&res.stderr_tail));
	proc_result_release(&res);
	pw_error_release(&err);
	strbuf_release(&src);
	strbuf_release(&path);
}

static void remove_loop(struct strbuf *dir)
{
	static const char *const names[] = {"loop", "loop.c", "out", "old.cg", NULL};
	struct strbuf path = STRBUF_INIT;
	size_t i;

	for (i = 0; names[i]; i++) {
		strbuf_reset(&path);
		strbuf_addf(&path, "%s/%s", dir->buf, names[i]);
		unlink(path.buf);
	}
	assert_int_equal(rmdir(dir->buf), 0);
	strbuf_release(&path);
	strbuf_release(dir);
}

/* How many live processes have `marker` in their command line. */
static int processes_with(const char *marker)
{
	struct strbuf path = STRBUF_INIT, cmdline = STRBUF_INIT;
	struct dirent *de;
	DIR *d = opendir("/proc");
	int found = 0;
	size_t i;

	assert_non_null(d);
	while ((de = readdir(d))) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		strbuf_reset(&path);
		strbuf_reset(&cmdline);
		strbuf_addf(&path, "/proc/%s/cmdline", de->d_name);
		if (strbuf_read_file(&cmdline, path.buf) < 0)
			continue;
		for (i = 0; i < cmdline.len; i++)
			if (!cmdline.buf[i])
				cmdline.buf[i] = ' ';
		if (strstr(strbuf_str(&cmdline), marker))
			found++;
	}
	closedir(d);
	strbuf_release(&path);
	strbuf_release(&cmdline);
	return found;
}

/* Wait up to 2 s for the processes with `marker` to be gone (killed ones may linger a moment). */
static int processes_left(const char *marker)
{
	int i, n = 0;

	for (i = 0; i < 200 && (n = processes_with(marker)) > 0; i++)
		usleep(10000);
	return n;
}

/* What perfwarden counted before whole trees were: valgrind on the first process only. */
static int64_t count_first_process_only(const char *dir, const char *cmd)
{
	struct strbuf opt = STRBUF_INIT, file = STRBUF_INIT, text = STRBUF_INIT;
	const char *argv[] = {
	        "valgrind", "-q", "--tool=cachegrind", "--cache-sim=no", NULL, "/bin/sh", "-c",
	        cmd,        NULL};
	struct proc_spec spec = PROC_SPEC_INIT;
	struct proc_result res;
	const char *summary;
	int64_t n;

	strbuf_addf(&file, "%s/old.cg", dir);
	strbuf_addf(&opt, "--cachegrind-out-file=%s", file.buf);
	argv[4] = opt.buf;
	proc_result_init(&res);
	spec.argv = argv;
	spec.env = path_env;
	spec.cwd = dir;
	spec.limits.as_bytes = PROC_LIMIT_NONE;
	assert_int_equal(proc_run(&spec, &res, NULL), 0);
	assert_int_equal(res.sample.exit_code, 0);
	assert_int_equal(strbuf_read_file(&text, file.buf), 0);
	summary = strstr(text.buf, "\nsummary:");
	assert_non_null(summary);
	n = strtoll(summary + 9, NULL, 10);
	proc_result_release(&res);
	strbuf_release(&opt);
	strbuf_release(&file);
	strbuf_release(&text);
	return n;
}

static int64_t count_of(const char *dir, const char *cmd)
{
	struct proc_spec spec = PROC_SPEC_INIT;
	struct proc_count count = PROC_COUNT_INIT;
	struct pw_error err = PW_ERROR_INIT;
	int64_t n;

	spec.shell_command = cmd;
	spec.env = path_env;
	spec.cwd = dir;
	if (proc_instructions(&spec, 60000, &count, &err))
		fail_msg("%s", pw_error_message(&err));
	n = count.instructions;
	proc_count_release(&count);
	pw_error_release(&err);
	return n;
}

static void assert_within_a_hundredth_percent(int64_t a, int64_t b)
{
	double d = (double)(a > b ? a - b : b - a);

	if (d > 1e-4 * (double)(a > b ? a : b))
		fail_msg("%" PRId64 " and %" PRId64 " differ by more than 0.01%%", a, b);
}

static void test_proc__count_is_positive_and_repeatable(void **state)
{
	const char *argv[] = {"/bin/echo", "hello", NULL};
	struct proc_spec spec = PROC_SPEC_INIT;
	struct proc_count a = PROC_COUNT_INIT, b = PROC_COUNT_INIT;
	struct pw_error err = PW_ERROR_INIT;

	(void)state;
	if (!have_valgrind())
		skip();
	spec.argv = argv;
	spec.env = path_env;
	if (proc_instructions(&spec, 100000, &a, &err))
		fail_msg("%s", pw_error_message(&err));
	assert_int_equal(proc_instructions(&spec, 100000, &b, &err), 0);
	assert_true(a.instructions > 1000);
	assert_int_equal(a.instructions, b.instructions);
	assert_int_equal(a.processes, 1);
	assert_string_equal(a.top_command, "/bin/echo hello");
	assert_int_equal(a.top_instructions, a.instructions);

	argv[0] = "/bin/false";
	assert_int_equal(proc_instructions(&spec, 100000, &a, &err), PW_ERROR);
	assert_non_null(strstr(pw_error_message(&err), "exited with 1"));

	argv[0] = "/nonexistent/prog";
	assert_int_equal(proc_instructions(&spec, 100000, &a, &err), PW_ENOTFOUND);
	assert_string_equal(pw_error_message(&err),
	                    "could not run '/nonexistent/prog': No such file or directory");
	proc_count_release(&a);
	proc_count_release(&b);
	pw_error_release(&err);
}

static void test_proc__count_of_a_pipeline_covers_every_program_in_it(void **state)
{
	const char *loop_argv[] = {"./loop", "10000000", NULL};
	struct strbuf dir = STRBUF_INIT;
	struct proc_spec spec = PROC_SPEC_INIT;
	struct proc_count pipeline = PROC_COUNT_INIT;
	struct pw_error err = PW_ERROR_INIT;
	int64_t alone, first_only;

	(void)state;
	if (!have_valgrind())
		skip();
	make_loop(&dir);
	spec.argv = loop_argv;
	spec.env = path_env;
	spec.cwd = dir.buf;
	if (proc_instructions(&spec, 60000, &pipeline, &err))
		fail_msg("%s", pw_error_message(&err));
	alone = pipeline.instructions;
	assert_int_equal(pipeline.processes, 1);

	spec.shell_command = "./loop 10000000 | cat > out";
	spec.env = path_env;
	spec.cwd = dir.buf;
	if (proc_instructions(&spec, 60000, &pipeline, &err))
		fail_msg("%s", pw_error_message(&err));
	first_only = count_first_process_only(dir.buf, spec.shell_command);
	print_message("loop alone %" PRId64 ", pipeline %" PRId64
	              " in %zu processes (top '%s' %" PRId64 "), first process only %" PRId64 "\n",
	              alone, pipeline.instructions, pipeline.processes, pipeline.top_command,
	              pipeline.top_instructions, first_only);

	assert_true(alone > 50000000);
	assert_true(pipeline.instructions >= alone);
	assert_true((double)alone / (double)pipeline.instructions > 0.90);
	assert_true(pipeline.processes >= 3); /* sh, loop, cat */
	assert_string_equal(pipeline.top_command, "./loop 10000000");
	assert_within_a_hundredth_percent(pipeline.top_instructions, alone);
	assert_true((double)first_only / (double)pipeline.instructions < 0.01);

	proc_count_release(&pipeline);
	pw_error_release(&err);
	remove_loop(&dir);
}

static void test_proc__count_of_a_pipeline_is_the_same_on_two_runs(void **state)
{
	struct strbuf dir = STRBUF_INIT;
	int64_t a, b;

	(void)state;
	if (!have_valgrind())
		skip();
	make_loop(&dir);
	a = count_of(dir.buf, "./loop 1000000 | cat > out");
	b = count_of(dir.buf, "./loop 1000000 | cat > out");
	print_message("two runs: %" PRId64 " and %" PRId64 "\n", a, b);
	assert_within_a_hundredth_percent(a, b);
	remove_loop(&dir);
}

static void test_proc__count_of_a_failing_command_names_its_exit_status(void **state)
{
	struct strbuf dir = STRBUF_INIT;
	struct proc_spec spec = PROC_SPEC_INIT;
	struct proc_count count = PROC_COUNT_INIT;
	struct pw_error err = PW_ERROR_INIT;

	(void)state;
	if (!have_valgrind())
		skip();
	make_loop(&dir);
	spec.shell_command = "echo about to fail >&2; ./loop 1000 3";
	spec.env = path_env;
	spec.cwd = dir.buf;
	assert_int_equal(proc_instructions(&spec, 60000, &count, &err), PW_ERROR);
	assert_string_equal(pw_error_message(&err),
	                    "'echo about to fail >&2; ./loop 1000 3' exited "
	                    "with 3 under valgrind: about to fail");
	assert_int_equal(count.instructions, 0);
	pw_error_release(&err);
	remove_loop(&dir);
}

static void
test_proc__count_in_the_background_returns_at_once_and_gives_the_same_count(void **state)
{
	struct strbuf dir = STRBUF_INIT;
	struct proc_spec spec = PROC_SPEC_INIT;
	struct proc_count count = PROC_COUNT_INIT;
	struct proc_count_job *job = NULL;
	struct pw_error err = PW_ERROR_INIT;
	cpu_set_t cpus;
	siginfo_t si;
	int64_t sync;
	pid_t pid;

	(void)state;
	if (!have_valgrind())
		skip();
	make_loop(&dir);
	sync = count_of(dir.buf, "./loop 10000000 | cat > out");

	spec.shell_command = "./loop 10000000 | cat > out";
	spec.env = path_env;
	spec.cwd = dir.buf;
	if (proc_count_start(&spec, 0, 60000, &job, &err))
		fail_msg("%s", pw_error_message(&err));
	pid = proc_count_job_pid(job);
	assert_true(pid > 0);
	CPU_ZERO(&cpus);
	assert_int_equal(sched_getaffinity(pid, sizeof(cpus), &cpus), 0);
	assert_int_equal(CPU_COUNT(&cpus), 1);
	assert_true(CPU_ISSET(0, &cpus));
	memset(&si, 0, sizeof(si));
	assert_int_equal(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT), 0);
	assert_int_equal(si.si_pid, 0); /* still counting */

	if (proc_count_finish(job, &count, &err))
		fail_msg("%s", pw_error_message(&err));
	assert_within_a_hundredth_percent(count.instructions, sync);
	assert_int_equal(proc_count_job_pid(job), -1);
	assert_int_equal(proc_count_finish(job, &count, &err), PW_EINVALID);
	proc_count_job_free(job);

	proc_count_release(&count);
	pw_error_release(&err);
	remove_loop(&dir);
}

static void test_proc__freeing_an_unfinished_count_leaves_no_process_behind(void **state)
{
	struct strbuf dir = STRBUF_INIT, cmd = STRBUF_INIT;
	struct proc_spec spec = PROC_SPEC_INIT;
	struct proc_count_job *job = NULL;
	struct pw_error err = PW_ERROR_INIT;
	pid_t pid;
	int i;

	(void)state;
	if (!have_valgrind())
		skip();
	make_loop(&dir);
	strbuf_addf(&cmd, "%s/loop 100000000000 | cat > out", dir.buf);
	spec.shell_command = cmd.buf;
	spec.env = path_env;
	spec.cwd = dir.buf;
	if (proc_count_start(&spec, -1, 0, &job, &err))
		fail_msg("%s", pw_error_message(&err));
	pid = proc_count_job_pid(job);
	for (i = 0; i < 500 && processes_with(dir.buf) < 2; i++) /* the shell and the loop */
		usleep(10000);
	assert_true(processes_with(dir.buf) >= 2);

	proc_count_job_free(job);
	assert_int_equal(kill(pid, 0), -1);
	assert_int_equal(errno, ESRCH);
	assert_int_equal(processes_left(dir.buf), 0);

	strbuf_release(&cmd);
	pw_error_release(&err);
	remove_loop(&dir);
}

static void test_proc__count_that_times_out_kills_the_whole_tree(void **state)
{
	struct strbuf dir = STRBUF_INIT, cmd = STRBUF_INIT;
	struct proc_spec spec = PROC_SPEC_INIT;
	struct proc_count count = PROC_COUNT_INIT;
	struct proc_count_job *job = NULL;
	struct pw_error err = PW_ERROR_INIT;
	struct timespec t0, t1;
	double elapsed_s;

	(void)state;
	if (!have_valgrind())
		skip();
	make_loop(&dir);
	strbuf_addf(&cmd, "%s/loop 100000000000 | cat > out", dir.buf);
	spec.shell_command = cmd.buf;
	spec.env = path_env;
	spec.cwd = dir.buf;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (proc_count_start(&spec, -1, 1500, &job, &err))
		fail_msg("%s", pw_error_message(&err));
	assert_int_equal(proc_count_finish(job, &count, &err), PW_ETIMEOUT);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	elapsed_s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	assert_non_null(strstr(pw_error_message(&err), "timed out after 1500 ms"));
	assert_true(elapsed_s >= 1.4 && elapsed_s < 6);
	assert_int_equal(processes_left(dir.buf), 0);
	proc_count_job_free(job);

	strbuf_release(&cmd);
	pw_error_release(&err);
	remove_loop(&dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_proc__true_exits_zero_with_sane_times),
	        cmocka_unit_test(test_proc__a_small_command_reads_its_own_peak_memory),
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
	        cmocka_unit_test(test_proc__count_is_positive_and_repeatable),
	        cmocka_unit_test(test_proc__count_of_a_pipeline_covers_every_program_in_it),
	        cmocka_unit_test(test_proc__count_of_a_pipeline_is_the_same_on_two_runs),
	        cmocka_unit_test(test_proc__count_of_a_failing_command_names_its_exit_status),
	        cmocka_unit_test(
	                test_proc__count_in_the_background_returns_at_once_and_gives_the_same_count),
	        cmocka_unit_test(test_proc__freeing_an_unfinished_count_leaves_no_process_behind),
	        cmocka_unit_test(test_proc__count_that_times_out_kills_the_whole_tree),
	};

	return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
