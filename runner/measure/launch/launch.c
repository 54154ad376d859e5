/*
 * perfwarden-launch: starts one command for perfwarden and reports how it
 * ended (see runner/measure/launch.h for why it exists and the protocol).
 *
 * It forks the command, waits for it — as a PID namespace's init it reaps
 * whatever ends up under it — and writes the command's wait status, resource
 * use and end time to the relay, then exits. It outlives SIGTERM, SIGINT and
 * SIGHUP sent to the run's process group (the command gets them too) so that
 * a command which ends on them is still reported; SIGKILL, and perfwarden's
 * death (PR_SET_PDEATHSIG), end it.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "launch.h"

extern char **environ;

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int fd_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

static void relay(int kind, int step, int err)
{
	struct launch_report m;

	memset(&m, 0, sizeof(m));
	m.kind = kind;
	m.step = step;
	m.err = err;
	if (write(LAUNCH_RELAY_FD, &m, sizeof(m)) < 0) {
		/* nothing left to tell it with */
	}
}

static void status(int stage, int err)
{
	struct launch_msg m;

	if (!fd_open(LAUNCH_STATUS_FD))
		return;
	memset(&m, 0, sizeof(m));
	m.stage = stage;
	m.err = err;
	if (stage == LAUNCH_READY) {
		int cur = personality(0xffffffff);

		m.aslr_fixed = cur != -1 && (cur & ADDR_NO_RANDOMIZE);
		m.start_ns = mono_ns();
	}
	if (write(LAUNCH_STATUS_FD, &m, sizeof(m)) < 0)
		_exit(127);
}

static void on_signal(int sig)
{
	(void)sig;
}

/* The command's side of the fork: arm the parent-death signal, say ready, exec. */
static void run_command(pid_t launcher, const char *path, char **argv)
{
	int err;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != launcher)
		_exit(127);
	close(LAUNCH_RELAY_FD);
	if (fd_open(LAUNCH_PARENT_FD))
		close(LAUNCH_PARENT_FD);
	if (fd_open(LAUNCH_STATUS_FD))
		fcntl(LAUNCH_STATUS_FD, F_SETFD, FD_CLOEXEC);
	status(LAUNCH_READY, 0);
	execve(path, argv, environ);
	err = errno;
	if (fd_open(LAUNCH_STATUS_FD)) {
		status(LAUNCH_EXEC, err);
	} else {
		/* a build: its output is the only place to say it */
		const char *msg = strerror(err);

		(void)!write(2, "perfwarden: could not run ", 26);
		(void)!write(2, path, strlen(path));
		(void)!write(2, ": ", 2);
		(void)!write(2, msg, strlen(msg));
		(void)!write(2, "\n", 1);
	}
	_exit(127);
}

int main(int argc, char **argv)
{
	static const int survive[] = {SIGTERM, SIGINT, SIGHUP};
	struct sigaction sa;
	pid_t self = getpid(), cmd;
	size_t i;

	if (argc < 3 || !fd_open(LAUNCH_RELAY_FD)) {
		fputs("perfwarden-launch: started by perfwarden to run one command; "
		      "not for use on its own\n",
		      stderr);
		return 127;
	}
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (fd_open(LAUNCH_PARENT_FD)) {
		struct pollfd pfd = {LAUNCH_PARENT_FD, POLLIN, 0};

		if (poll(&pfd, 1, 0) > 0 && (pfd.revents & POLLIN))
			_exit(127); /* perfwarden is already gone */
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* a handler, unlike SIG_IGN, is not inherited by the command */
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(survive) / sizeof(survive[0]); i++)
		sigaction(survive[i], &sa, NULL);

	cmd = fork();
	if (cmd < 0) {
		int err = errno;

		status(LAUNCH_FORK, err);
		relay(LAUNCH_FAILED, LAUNCH_FORK, err);
		return 127;
	}
	if (cmd == 0)
		run_command(self, argv[1], argv + 2);

	/* Hold nothing but the relay: the command's output ends when the command's does. */
	syscall(SYS_close_range, 0U, (unsigned)LAUNCH_RELAY_FD - 1, 0U);
	syscall(SYS_close_range, (unsigned)LAUNCH_RELAY_FD + 1, ~0U, 0U);
	for (;;) {
		struct launch_report m;
		struct rusage ru;
		int st = 0;
		/* PID 1 of a namespace reaps everything; otherwise only the command is ours */
		pid_t w = wait4(self == 1 ? -1 : cmd, &st, 0, &ru);

		if (w == cmd) {
			memset(&m, 0, sizeof(m));
			m.end_ns = mono_ns();
			m.kind = LAUNCH_EXIT;
			m.wstatus = st;
			m.ru = ru;
			if (write(LAUNCH_RELAY_FD, &m, sizeof(m)) < 0)
				return 127;
			return 0;
		}
		if (w < 0 && errno != EINTR)
			return 127;
	}
}
