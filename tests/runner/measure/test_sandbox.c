/*
 * Tests of runner/measure/sandbox through runner/measure/proc on real processes:
 * a command's exit status and the signal that killed it pass through the
 * namespace's init unchanged, the command is not root (when the tests are),
 * a daemonised child dies with the command, a timeout still kills it, the
 * wall time stays the command's, and the golden directory given to
 * sandbox_hide() is out of sight. Parts the machine does not give are
 * skipped, as `system show` would say.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "proc.h"
#include "sandbox.h"

static const char *const path_env[] = {"PATH=/usr/bin:/bin", NULL};
static struct sandbox box = SANDBOX_INIT;

static int setup(void **state)
{
	struct pw_error err = PW_ERROR_INIT;
	int ret;

	(void)state;
	ret = sandbox_probe(&box, &err);
	if (ret < 0)
		fprintf(stderr, "sandbox: %s\n", pw_error_message(&err));
	pw_error_release(&err);
	return ret < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	sandbox_release(&box);
	return 0;
}

static int run(const char *cmd, int64_t timeout_ms, struct proc_result *res)
{
	struct proc_spec spec = PROC_SPEC_INIT;
	struct pw_error err = PW_ERROR_INIT;
	int ret;

	spec.shell_command = cmd;
	spec.env = path_env;
	spec.cwd = "/";
	spec.timeout_ms = timeout_ms;
	spec.sandbox = &box;
	proc_result_init(res);
	ret = proc_run(&spec, res, &err);
	if (ret < 0)
		fail_msg("proc_run('%s'): %s", cmd, pw_error_message(&err));
	pw_error_release(&err);
	return ret;
}

/* How many processes of this machine run a command line starting with `prefix`. */
static int count_processes(const char *prefix)
{
	struct dirent *de;
	DIR *d = opendir("/proc");
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d))) {
		char path[300], cmd[256];
		FILE *f;
		size_t len;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", de->d_name);
		if (!(f = fopen(path, "r")))
			continue;
		len = fread(cmd, 1, sizeof(cmd) - 1, f);
		fclose(f);
		cmd[len] = '\0';
		for (size_t i = 0; i + 1 < len; i++)
			if (!cmd[i])
				cmd[i] = ' ';
		if (!strncmp(cmd, prefix, strlen(prefix)))
			n++;
	}
	closedir(d);
	return n;
}

static void test_sandbox__exit_status_and_signal_pass_through(void **state)
{
	struct proc_result res;

	(void)state;
	run("exit 3", 10000, &res);
	assert_int_equal(res.sample.exit_code, 3);
	assert_int_equal(res.sample.term_signal, 0);
	proc_result_release(&res);

	/* the command is not PID 1: a signal it sends itself kills it as usual */
	run("kill -SEGV $$", 10000, &res);
	assert_int_equal(res.sample.term_signal, SIGSEGV);
	proc_result_release(&res);

	run("kill -ABRT $$", 10000, &res);
	assert_int_equal(res.sample.term_signal, SIGABRT);
	proc_result_release(&res);
}

static void test_sandbox__commands_never_run_as_root(void **state)
{
	struct proc_result res;
	struct proc_spec spec = PROC_SPEC_INIT;
	struct pw_error err = PW_ERROR_INIT;

	(void)state;
	if (geteuid() != 0)
		skip();
	assert_true(box.flags & SANDBOX_USER);
	assert_int_not_equal(box.uid, 0);
	proc_result_init(&res);
	spec.shell_command = "id -u";
	spec.env = path_env;
	spec.cwd = "/";
	spec.stdout_mode = PROC_STDOUT_CAPTURE;
	spec.sandbox = &box;
	assert_int_equal(proc_run(&spec, &res, &err), 0);
	assert_int_equal(atoi(strbuf_str(&res.stdout_buf)), (int)box.uid);
	proc_result_release(&res);
	pw_error_release(&err);
}

static void test_sandbox__a_daemon_dies_with_its_command(void **state)
{
	char cmd[200], prefix[64];
	struct proc_result res;
	unsigned tag = (unsigned)getpid() * 1000u + (unsigned)(time(NULL) % 1000);

	(void)state;
	if (!(box.flags & (SANDBOX_PIDNS | SANDBOX_CGROUP)))
		skip(); /* without either, a setsid'd child leaves the process group */
	snprintf(prefix, sizeof(prefix), "sleep 77.%u", tag);
	snprintf(cmd, sizeof(cmd), "setsid %s </dev/null >/dev/null 2>&1 & sleep 0.2", prefix);
	run(cmd, 10000, &res);
	assert_int_equal(res.sample.exit_code, 0);
	for (int i = 0; i < 50 && count_processes(prefix); i++)
		usleep(20000);
	assert_int_equal(count_processes(prefix), 0);
	proc_result_release(&res);
}

static void test_sandbox__the_timeout_still_kills_and_the_wall_time_is_the_commands(void **state)
{
	struct proc_result res;

	(void)state;
	run("trap '' TERM; sleep 30", 300, &res);
	assert_true(res.sample.timed_out);
	assert_true(res.sample.wall_ns >= 300 * 1000000LL);
	assert_true(res.sample.wall_ns < 5000 * 1000000LL);
	proc_result_release(&res);

	run("sleep 0.25", 10000, &res);
	assert_false(res.sample.timed_out);
	assert_true(res.sample.wall_ns >= 250 * 1000000LL);
	assert_true(res.sample.wall_ns < 1000 * 1000000LL);
	proc_result_release(&res);
}

static void test_sandbox__hidden_directories_are_out_of_sight(void **state)
{
	char dir[] = "/tmp/pwtest-sandbox.XXXXXX", file[100], cmd[300];
	struct proc_result res;
	FILE *f;

	(void)state;
	if (!(box.flags & SANDBOX_MOUNTNS))
		skip();
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chmod(dir, 0755), 0);
	snprintf(file, sizeof(file), "%s/golden.out", dir);
	f = fopen(file, "w");
	assert_non_null(f);
	fputs("1 2 3\n", f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(sandbox_hide(&box, dir, "/nonexistent/workdir"), 1);
	snprintf(cmd, sizeof(cmd), "test ! -e %s", file);
	run(cmd, 10000, &res);
	assert_int_equal(res.sample.exit_code, 0);
	proc_result_release(&res);
	/* a directory holding the workdir is not hidden */
	assert_int_equal(sandbox_hide(&box, "/tmp", dir), 0);
	unlink(file);
	rmdir(dir);
}

/*
 * A command's peak memory is its own: a runner that holds 96 MiB (touched)
 * must not lend it to a shell that exits at once, as a child forked straight
 * from it would (Linux carries a process's peak across execve()).
 */
static void test_sandbox__a_small_command_reads_its_own_peak_memory(void **state)
{
	size_t big = (size_t)96 << 20;
	char *ballast = malloc(big);
	struct proc_result res;

	(void)state;
	assert_non_null(ballast);
	memset(ballast, 1, big);
	run("exit 0", 5000, &res);
	assert_int_equal(res.sample.exit_code, 0);
	assert_true(res.sample.maxrss_kib > 0);
	if (res.sample.maxrss_kib >= 16 * 1024)
		fail_msg("'exit 0' read a peak of %" PRId64 " KiB: the runner's own size",
		         (int64_t)res.sample.maxrss_kib);
	proc_result_release(&res);
	free(ballast);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_sandbox__exit_status_and_signal_pass_through),
	        cmocka_unit_test(test_sandbox__commands_never_run_as_root),
	        cmocka_unit_test(test_sandbox__a_daemon_dies_with_its_command),
	        cmocka_unit_test(
	                test_sandbox__the_timeout_still_kills_and_the_wall_time_is_the_commands),
	        cmocka_unit_test(test_sandbox__a_small_command_reads_its_own_peak_memory),
	        /* last: it hides a directory for good, then removes it */
	        cmocka_unit_test(test_sandbox__hidden_directories_are_out_of_sight),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
