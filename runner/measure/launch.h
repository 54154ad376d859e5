/*
 * runner/measure/launch: what perfwarden and perfwarden-launch say to each
 * other. Every command perfwarden measures or builds is started through
 * perfwarden-launch (runner/measure/launch/), a small program of its own:
 * the child perfwarden forks prepares itself (stdio, limits, cpu, namespaces,
 * run user) and execs the launcher, and the launcher forks the command.
 *
 * Two reasons. Linux keeps a process's peak resident size across execve(),
 * and a forked child starts with its parent's: a command forked straight
 * from perfwarden could never read below perfwarden's own size (tens of MiB
 * under a sanitizer), so its peak memory is the launcher's few hundred KiB
 * plus its own. And the launcher is a fresh program, so its fork() is an
 * ordinary one even when perfwarden's child is a raw clone (a PID namespace's
 * init) that must not call into the C library's fork.
 *
 * The launcher finds its descriptors at fixed numbers:
 *   LAUNCH_RELAY_FD   a pipe to write one struct launch_report to (required);
 *   LAUNCH_STATUS_FD  the caller's status pipe (struct launch_msg), or closed;
 *   LAUNCH_PARENT_FD  a pidfd of perfwarden, to see it gone, or closed.
 * Its arguments: perfwarden-launch PATH ARGV0 [ARGS...]; the environment is
 * the command's.
 */
#ifndef PW_LAUNCH_H
#define PW_LAUNCH_H

#include <stdint.h>
#include <sys/resource.h>

#define LAUNCH_NAME      "perfwarden-launch"
#define LAUNCH_RELAY_FD  3
#define LAUNCH_STATUS_FD 4
#define LAUNCH_PARENT_FD 5

/* What the launcher (or the init before it) writes to the relay: one message, atomically. */
enum launch_report_kind {
	LAUNCH_EXIT = 1, /* the command ended: wstatus, ru, end_ns */
	LAUNCH_SETUP,    /* the sandbox's init could not set up: step, err */
	LAUNCH_FAILED,   /* the launcher could not start the command: step, err */
};

struct launch_report {
	int32_t kind;
	int32_t step;
	int32_t err;
	int32_t wstatus;
	int64_t end_ns; /* CLOCK_MONOTONIC as the launcher reaped the command */
	struct rusage ru;
};

/*
 * The status pipe: one LAUNCH_READY message with the CLOCK_MONOTONIC time just
 * before the command's execve(), and another only when a step failed (the
 * stage, errno). EOF after the first message means the command is running.
 */
enum launch_stage {
	LAUNCH_READY = 0,
	LAUNCH_EXEC,  /* execve() of the command */
	LAUNCH_CHDIR, /* the rest: perfwarden's child, before the launcher */
	LAUNCH_STDIO,
	LAUNCH_LIMITS,
	LAUNCH_AFFINITY,
	LAUNCH_SANDBOX,
	LAUNCH_LAUNCHER, /* execve() of perfwarden-launch itself */
	LAUNCH_FORK,     /* the launcher's fork() */
};

struct launch_msg {
	int32_t stage;
	int32_t err;
	int64_t start_ns;
	int32_t aslr_fixed; /* the command runs with ADDR_NO_RANDOMIZE */
	int32_t pad;
};

#endif
