/*
 * Tests for runner/measure/build: real `sh -c` builds in a fresh temporary
 * directory — success and failure with their logs, a timeout that must kill
 * a whole process group (including a child that ignores SIGTERM), a log
 * bigger than the kept tail, and the reuse marker.
 */
#include <errno.h>
#include <fcntl.h>
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

#include "build.h"
#include "checkout.h"

static char tmpdir[] = "/tmp/pw-test-build-XXXXXX";
static struct strbuf dir = STRBUF_INIT; /* a fresh "checkout" per test */

static int setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	strbuf_release(&dir);
	return checkout_remove_tree(tmpdir, NULL);
}

static int fresh_dir(void **state)
{
	static int n;

	(void)state;
	strbuf_reset(&dir);
	strbuf_addf(&dir, "%s/checkout%d", tmpdir, ++n);
	return mkdir(dir.buf, 0755);
}

static void run_ok(const char *command, int64_t timeout_ms, unsigned flags,
                   struct build_result *res)
{
	struct pw_error err = PW_ERROR_INIT;

	if (build_run(dir.buf, command, timeout_ms, flags, res, &err) < 0)
		fail_msg("build_run: %s", pw_error_message(&err));
	pw_error_release(&err);
}

/* Whether process `pid` is gone (or a zombie nobody reaped yet: dead all the same). */
static int process_gone(pid_t pid)
{
	struct strbuf stat = STRBUF_INIT, path = STRBUF_INIT;
	const char *close_paren;
	int gone;

	if (kill(pid, 0) < 0 && errno == ESRCH)
		return 1;
	strbuf_addf(&path, "/proc/%ld/stat", (long)pid);
	gone = strbuf_read_file(&stat, path.buf) < 0;
	close_paren = strrchr(strbuf_str(&stat), ')');
	if (!gone && close_paren && close_paren[1] == ' ' && close_paren[2] == 'Z')
		gone = 1;
	strbuf_release(&stat);
	strbuf_release(&path);
	return gone;
}

static pid_t read_pid(const char *name)
{
	struct strbuf path = STRBUF_INIT, content = STRBUF_INIT;
	pid_t pid;

	strbuf_addf(&path, "%s/%s", dir.buf, name);
	assert_int_equal(strbuf_read_file(&content, path.buf), 0);
	pid = (pid_t)atol(content.buf);
	assert_true(pid > 1);
	strbuf_release(&path);
	strbuf_release(&content);
	return pid;
}

static void test_build__success_keeps_output_and_marks_the_checkout(void **state)
{
	struct build_result res = BUILD_RESULT_INIT;
	struct strbuf marker = STRBUF_INIT, content = STRBUF_INIT;

	(void)state;
	run_ok("echo compiling; echo 'warning: careful' >&2; pwd; test -t 0 || echo no-tty", 10000,
	       0, &res);
	assert_int_equal(res.status, BUILD_OK);
	assert_string_equal(build_status_name(res.status), "ok");
	assert_int_equal(res.exit_code, 0);
	assert_int_equal(res.term_signal, 0);
	assert_false(res.reused);
	assert_true(res.duration_ns > 0);
	strbuf_addf(&content, "compiling\nwarning: careful\n%s\nno-tty\n", dir.buf);
	assert_string_equal(res.log.buf, content.buf);
	strbuf_addf(&marker, "%s/%s", dir.buf, BUILD_MARKER);
	strbuf_reset(&content);
	assert_int_equal(strbuf_read_file(&content, marker.buf), 0);
	assert_non_null(strstr(content.buf, "echo compiling"));
	build_result_release(&res);
	strbuf_release(&marker);
	strbuf_release(&content);
}

static void test_build__failure_reports_exit_code_and_output_tail(void **state)
{
	struct build_result res = BUILD_RESULT_INIT;
	struct strbuf marker = STRBUF_INIT;

	(void)state;
	run_ok("echo compiling main.c; echo 'main.c:3: error: expected ;' >&2; exit 3", 10000, 0,
	       &res);
	assert_int_equal(res.status, BUILD_FAILED);
	assert_string_equal(build_status_name(res.status), "failed");
	assert_int_equal(res.exit_code, 3);
	assert_string_equal(res.log.buf, "compiling main.c\nmain.c:3: error: expected ;\n");
	strbuf_addf(&marker, "%s/%s", dir.buf, BUILD_MARKER);
	assert_int_not_equal(access(marker.buf, F_OK), 0);

	run_ok("kill -SEGV $$", 10000, 0, &res);
	assert_int_equal(res.status, BUILD_FAILED);
	assert_int_equal(res.exit_code, -1);
	assert_int_equal(res.term_signal, SIGSEGV);

	run_ok("no-such-compiler --version", 10000, 0, &res);
	assert_int_equal(res.status, BUILD_FAILED);
	assert_int_equal(res.exit_code, 127);
	assert_non_null(strstr(res.log.buf, "no-such-compiler"));
	build_result_release(&res);
	strbuf_release(&marker);
}

static void test_build__timeout_kills_the_group_even_a_child_ignoring_term(void **state)
{
	struct build_result res = BUILD_RESULT_INIT;
	pid_t child, grandchild;

	(void)state;
	run_ok("sh -c 'trap \"\" TERM; echo $$ > child.pid; "
	       "sh -c \"trap \\\"\\\" TERM; echo \\$\\$ > grandchild.pid; "
	       "while :; do sleep 1; done\" & while :; do sleep 1; done' & "
	       "echo started; wait",
	       700, 0, &res);
	assert_int_equal(res.status, BUILD_TIMED_OUT);
	assert_string_equal(build_status_name(res.status), "timed-out");
	assert_string_equal(res.log.buf, "started\n");
	/* SIGTERM at 0.7 s; the children that ignore it get SIGKILL after the grace */
	assert_true(res.duration_ns >= INT64_C(700000000));
	assert_true(res.duration_ns < INT64_C(700000000) + BUILD_KILL_GRACE_MS * INT64_C(1000000) +
	                                      INT64_C(3000000000));
	child = read_pid("child.pid");
	grandchild = read_pid("grandchild.pid");
	usleep(200000); /* let init reap the orphans */
	assert_true(process_gone(child));
	assert_true(process_gone(grandchild));

	/* a shell that ignores TERM itself dies at the end of the grace period */
	run_ok("trap '' TERM; sleep 60; exit 0", 300, 0, &res);
	assert_int_equal(res.status, BUILD_TIMED_OUT);
	assert_int_equal(res.term_signal, SIGKILL);
	assert_true(res.duration_ns >= INT64_C(300000000) + BUILD_KILL_GRACE_MS * INT64_C(1000000) -
	                                       INT64_C(50000000));
	build_result_release(&res);
}

static void test_build__leftover_background_process_is_stopped(void **state)
{
	struct build_result res = BUILD_RESULT_INIT;
	pid_t daemon;

	(void)state;
	run_ok("sleep 60 & echo $! > daemon.pid; echo done", 30000, 0, &res);
	assert_int_equal(res.status, BUILD_OK);
	assert_true(res.duration_ns < INT64_C(5000000000));
	assert_string_equal(res.log.buf, "done\n");
	daemon = read_pid("daemon.pid");
	usleep(200000);
	assert_true(process_gone(daemon));
	build_result_release(&res);
}

static void test_build__megabyte_of_output_keeps_the_last_64k(void **state)
{
	struct build_result res = BUILD_RESULT_INIT;
	struct strbuf all = STRBUF_INIT;
	int i;

	(void)state;
	run_ok("seq 1 200000; echo 'final line' >&2", 30000, 0, &res);
	assert_int_equal(res.status, BUILD_OK);
	for (i = 1; i <= 200000; i++)
		strbuf_addf(&all, "%d\n", i);
	strbuf_addstr(&all, "final line\n");
	assert_true(all.len > 1000000);
	assert_int_equal(res.log.len, BUILD_LOG_MAX);
	assert_int_equal(res.log.dropped, all.len - BUILD_LOG_MAX);
	assert_memory_equal(res.log.buf, all.buf + all.len - BUILD_LOG_MAX, BUILD_LOG_MAX);
	build_result_release(&res);
	strbuf_release(&all);
}

static void test_build__marker_reuses_a_successful_build(void **state)
{
	struct build_result res = BUILD_RESULT_INIT;
	struct strbuf count = STRBUF_INIT, path = STRBUF_INIT;
	const char *cmd = "echo built >> count.txt";

	(void)state;
	strbuf_addf(&path, "%s/count.txt", dir.buf);
	run_ok(cmd, 10000, 0, &res);
	assert_false(res.reused);
	run_ok(cmd, 10000, 0, &res);
	assert_true(res.reused);
	assert_int_equal(res.status, BUILD_OK);
	assert_int_equal(strbuf_read_file(&count, path.buf), 0);
	assert_string_equal(count.buf, "built\n");

	/* another command, or BUILD_FORCE, builds again */
	run_ok("echo other >> count.txt", 10000, 0, &res);
	assert_false(res.reused);
	run_ok("echo other >> count.txt", 10000, BUILD_FORCE, &res);
	assert_false(res.reused);
	strbuf_reset(&count);
	assert_int_equal(strbuf_read_file(&count, path.buf), 0);
	assert_string_equal(count.buf, "built\nother\nother\n");

	/* a failed rebuild forgets the earlier success */
	run_ok("exit 1", 10000, BUILD_FORCE, &res);
	assert_int_equal(res.status, BUILD_FAILED);
	run_ok("exit 1", 10000, 0, &res);
	assert_false(res.reused);
	run_ok("echo other >> count.txt", 10000, 0, &res);
	assert_false(res.reused);
	build_result_release(&res);
	strbuf_release(&count);
	strbuf_release(&path);
}

static void test_build__build_sees_no_descriptor_of_the_runner(void **state)
{
	struct build_result res = BUILD_RESULT_INIT;
	struct strbuf cmd = STRBUF_INIT;
	int fd = open("/dev/null", O_RDONLY); /* deliberately without O_CLOEXEC */

	(void)state;
	assert_true(fd > 2);
	strbuf_addf(&cmd, "test -e /proc/$$/fd/%d && echo leaked || echo clean", fd);
	run_ok(cmd.buf, 10000, 0, &res);
	assert_string_equal(res.log.buf, "clean\n");
	close(fd);
	build_result_release(&res);
	strbuf_release(&cmd);
}

static void test_build__bad_input_is_refused(void **state)
{
	struct build_result res = BUILD_RESULT_INIT;
	struct pw_error err = PW_ERROR_INIT;

	(void)state;
	assert_int_equal(build_run("/nonexistent/checkout", "true", 1000, 0, &res, &err),
	                 PW_ENOTFOUND);
	assert_string_equal(
	        pw_error_message(&err),
	        "could not build in '/nonexistent/checkout': No such file or directory");
	assert_int_equal(build_run(dir.buf, "", 1000, 0, &res, &err), PW_EINVALID);
	assert_int_equal(build_run(dir.buf, "true", 0, 0, &res, &err), PW_EINVALID);
	build_result_release(&res);
	pw_error_release(&err);
}

#define T(f) cmocka_unit_test_setup(f, fresh_dir)

int main(void)
{
	const struct CMUnitTest tests[] = {
	        T(test_build__success_keeps_output_and_marks_the_checkout),
	        T(test_build__failure_reports_exit_code_and_output_tail),
	        T(test_build__timeout_kills_the_group_even_a_child_ignoring_term),
	        T(test_build__leftover_background_process_is_stopped),
	        T(test_build__megabyte_of_output_keeps_the_last_64k),
	        T(test_build__marker_reuses_a_successful_build),
	        T(test_build__build_sees_no_descriptor_of_the_runner),
	        T(test_build__bad_input_is_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
