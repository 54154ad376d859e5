/*
 * build: the step between checkout and measurement. It runs the spec's build
 * command in a commit's worktree under `sh -c`, in a process group of its
 * own so that a timeout can stop everything the build started, and keeps the
 * tail of the merged output for the report. It has its own small
 * fork/exec (runner/measure/proc is for measured benchmark runs): a pipe for the
 * log, a pidfd to learn of the exit without polling, and a marker file so a
 * commit that was built once with the same command is not built again.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "build.h"
#include "launch.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

#define BUILD_DRAIN_MS 1000 /* reading on after the exit, for output still in flight */

void build_result_init(struct build_result *res)
{
	struct build_result blank = BUILD_RESULT_INIT;

	*res = blank;
}

void build_result_release(struct build_result *res)
{
	strbuf_release(&res->log);
	build_result_init(res);
}

const char *build_status_name(enum build_status status)
{
	switch (status) {
	case BUILD_OK:
		return "ok";
	case BUILD_FAILED:
		return "failed";
	case BUILD_TIMED_OUT:
		return "timed-out";
	}
	return "unknown";
}

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int marker_says_built(const char *marker, const char *command)
{
	struct strbuf content = STRBUF_INIT;
	int same = strbuf_read_file(&content, marker) == 0 &&
	           !strcmp(content.buf ? content.buf : "", command);

	strbuf_release(&content);
	return same;
}

static void child_fail(const char *what)
{
	const char *msg = strerror(errno);

	(void)!write(2, "perfwarden: could not ", 22);
	(void)!write(2, what, strlen(what));
	(void)!write(2, ": ", 2);
	(void)!write(2, msg, strlen(msg));
	(void)!write(2, "\n", 1);
	_exit(127);
}

/* In the child, between fork and exec: async-signal-safe calls only. */
static void exec_build(const char *dir, char *const *launch_argv, int out_fd, int null_fd,
                       const struct sandbox_proc *box, char *const *envp)
{
	static const int reset[] = {SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGPIPE, SIGCHLD};
	sigset_t none;
	size_t i;

	if (!(box->flags & SANDBOX_PIDNS))
		setpgid(0, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (i = 0; i < sizeof(reset) / sizeof(reset[0]); i++)
		signal(reset[i], SIG_DFL);
	if (dup2(null_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(out_fd, 2) < 0)
		_exit(127);
	/* the build gets no descriptor of the runner's (the launcher's own are placed at exec) */
	close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
	if (chdir(dir) < 0)
		child_fail("enter the checkout");
	if (sandbox_child_enter(box) < 0)
		child_fail("enter the sandbox as the run user");
	sandbox_exec(box, launch_argv, envp, -1);
	child_fail("start " LAUNCH_NAME);
}

static int min_wait_ms(int64_t now, int64_t a, int64_t b)
{
	int64_t next = a < b ? a : b, ms;

	if (next == INT64_MAX)
		return -1;
	ms = (next - now + 999999) / 1000000;
	return ms < 0 ? 0 : (ms > 60000 ? 60000 : (int)ms);
}

/* Supervise the started build until it exited and its output is read. */
static void supervise(pid_t pid, int out_fd, int64_t start, int64_t timeout_ms,
                      struct sandbox_proc *box, struct build_result *res, int *wstatus)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	int64_t deadline = start + timeout_ms * 1000000, kill_at = INT64_MAX,
	        drain_until = INT64_MAX;
	int pipe_open = 1, exited = 0, term_sent = 0, kill_sent = 0;
	char chunk[65536];

	while (pipe_open || !exited) {
		struct pollfd fds[2];
		int64_t now = mono_ns();
		int nfds = 0, wait_ms;

		if (!exited && !term_sent && now >= deadline) {
			kill(-pid, SIGTERM);
			term_sent = 1;
			res->status = BUILD_TIMED_OUT;
			kill_at = now + (int64_t)BUILD_KILL_GRACE_MS * 1000000;
		}
		if (!exited && term_sent && !kill_sent && now >= kill_at) {
			kill(-pid, SIGKILL);
			kill_sent = 1;
		}
		if (exited && now >= drain_until)
			break; /* something outside the group still holds the pipe */

		wait_ms = min_wait_ms(now, exited ? drain_until : (term_sent ? kill_at : deadline),
		                      INT64_MAX);
		if (!exited && pidfd < 0 && (wait_ms < 0 || wait_ms > 20))
			wait_ms = 20;
		if (pipe_open) {
			fds[nfds].fd = out_fd;
			fds[nfds].revents = 0;
			fds[nfds++].events = POLLIN;
		}
		if (!exited && pidfd >= 0) {
			fds[nfds].fd = pidfd;
			fds[nfds].revents = 0;
			fds[nfds++].events = POLLIN;
		}
		if (poll(fds, (nfds_t)nfds, wait_ms) < 0 && errno != EINTR)
			break;
		if (pipe_open && fds[0].revents) {
			ssize_t n = read(out_fd, chunk, sizeof(chunk));

			if (n > 0)
				strbuf_add(&res->log, chunk, (size_t)n);
			else if (n == 0 || (errno != EINTR && errno != EAGAIN))
				pipe_open = 0;
		}
		if (!exited) {
			siginfo_t info;

			memset(&info, 0, sizeof(info));
			if (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
			    info.si_pid == pid) {
				res->duration_ns = mono_ns() - start;
				/* the zombie still holds the group id: stop what it left behind */
				kill(-pid, SIGKILL);
				sandbox_proc_kill(box);
				while (waitpid(pid, wstatus, 0) < 0 && errno == EINTR)
					;
				exited = 1;
				drain_until = mono_ns() + (int64_t)BUILD_DRAIN_MS * 1000000;
			}
		}
	}
	if (pidfd >= 0)
		close(pidfd);
}

int build_run(const char *dir, const char *command, int64_t timeout_ms, unsigned flags,
              struct build_result *res, struct pw_error *err)
{
	return build_run_sandboxed(NULL, 0, dir, command, timeout_ms, flags, res, err);
}

/* perfwarden's environment, with HOME set to `home` when given; the caller frees the array. */
static char **build_environment(const char *home, struct strbuf *home_var)
{
	size_t n = 0, k = 0, i;
	char **envp;

	while (environ && environ[n])
		n++;
	envp = calloc(n + 2, sizeof(*envp));
	if (!envp)
		abort();
	for (i = 0; i < n; i++)
		if (!home || strncmp(environ[i], "HOME=", 5))
			envp[k++] = environ[i];
	if (home) {
		strbuf_addf(home_var, "HOME=%s", home);
		envp[k++] = home_var->buf;
	}
	envp[k] = NULL;
	return envp;
}

int build_run_sandboxed(const struct sandbox *sb, unsigned spawn_flags, const char *dir,
                        const char *command, int64_t timeout_ms, unsigned flags,
                        struct build_result *res, struct pw_error *err)
{
	char *const sh_argv[] = {(char *)"sh", (char *)"-c", (char *)command, NULL};
	struct sandbox_proc box;
	struct strbuf home_var = STRBUF_INIT, why = STRBUF_INIT;
	char **envp = NULL, **launch_argv = NULL;
	struct strbuf marker = STRBUF_INIT, done_text = STRBUF_INIT;
	int fds[2] = {-1, -1}, null_fd = -1, wstatus = 0, ret = 0;
	struct stat st;
	int64_t start;
	pid_t pid;

	sandbox_proc_init(&box);
	build_result_release(res);
	strbuf_setmax(&res->log, BUILD_LOG_MAX, STRBUF_KEEP_TAIL);
	if (!command || !*command || timeout_ms <= 0) {
		ret = pw_error_set(err, PW_EINVALID,
		                   "a build needs a command and a positive timeout");
		goto done;
	}
	if (stat(dir, &st) < 0) {
		ret = pw_error_errno(err, PW_ENOTFOUND, "could not build in '%s'", dir);
		goto done;
	}
	if (!S_ISDIR(st.st_mode)) {
		ret = pw_error_set(err, PW_ENOTFOUND, "could not build in '%s': Not a directory",
		                   dir);
		goto done;
	}
	strbuf_addf(&marker, "%s/%s", dir, BUILD_MARKER);
	if (!(flags & BUILD_FORCE) && marker_says_built(marker.buf, command)) {
		res->reused = 1;
		goto done;
	}
	if (unlink(marker.buf) < 0 && errno != ENOENT) {
		ret = pw_error_errno(err, PW_EIO, "could not remove '%s'", marker.buf);
		goto done;
	}
	if (pipe2(fds, O_CLOEXEC) < 0 || (null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) {
		ret = pw_error_errno(err, PW_EIO, "could not prepare the build of '%s'", dir);
		goto done;
	}
	if (!(launch_argv = sandbox_launch_argv("/bin/sh", sh_argv, err))) {
		ret = PW_EIO;
		goto done;
	}
	envp = build_environment(sb && sb->user && *sb->user ? sb->home : NULL, &home_var);
	start = mono_ns();
	pid = sandbox_spawn(sb, spawn_flags, -1, &box);
	if (pid < 0) {
		ret = pw_error_errno(err, PW_EIO, "could not start the build in '%s'", dir);
		goto done;
	}
	if (pid == 0)
		exec_build(dir, launch_argv, fds[1], null_fd, &box, envp);
	setpgid(pid, pid); /* also in the parent, so the group exists before any kill */
	close(fds[1]);
	fds[1] = -1;
	supervise(pid, fds[0], start, timeout_ms, &box, res, &wstatus);
	if (sandbox_proc_finish(&box, &why)) {
		ret = pw_error_set(err, PW_EIO, "could not start the build in '%s': %s", dir,
		                   why.buf);
		goto done;
	}
	if (box.has_status) {
		wstatus = box.wstatus;
		res->duration_ns = box.end_ns - start;
	}

	if (WIFEXITED(wstatus)) {
		res->exit_code = WEXITSTATUS(wstatus);
	} else {
		res->exit_code = -1;
		res->term_signal = WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0;
	}
	if (res->status != BUILD_TIMED_OUT)
		res->status = res->exit_code == 0 ? BUILD_OK : BUILD_FAILED;
	if (res->status == BUILD_OK) {
		strbuf_addstr(&done_text, command);
		if (strbuf_write_file(&done_text, marker.buf) < 0)
			ret = pw_error_errno(err, PW_EIO, "could not write '%s'", marker.buf);
	}
done:
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	if (null_fd >= 0)
		close(null_fd);
	strbuf_release(&marker);
	strbuf_release(&done_text);
	strbuf_release(&home_var);
	strbuf_release(&why);
	sandbox_proc_release(&box);
	free(envp);
	free(launch_argv);
	return ret;
}
