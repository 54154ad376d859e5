#ifndef PERFWARDEN_SANDBOX_H
#define PERFWARDEN_SANDBOX_H

#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <jansson.h>

#include "error.h"
#include "strbuf.h"

/*
 * runner/measure/sandbox: where perfwarden runs what a pushed commit brings —
 * its build, its benchmarks, their setup and test commands. What a machine
 * gives is probed once (sandbox_probe) and used by every start of such a
 * process (runner/measure/proc, runner/measure/build):
 *
 *  - SANDBOX_USER: the process runs as an unprivileged user, never as root.
 *    When perfwarden runs as root it picks $PERFWARDEN_RUN_USER, else the
 *    system user `perfwarden-run` (ci/setup creates it), else `nobody`; with
 *    none of them (or $PERFWARDEN_RUN_USER naming root) it refuses to run
 *    anything. Run as another user, perfwarden runs things as itself. The
 *    limits of runner/measure/proc (RLIMIT_NPROC above all) then hold.
 *  - SANDBOX_PIDNS: a PID namespace of its own, whose init is a small
 *    process of perfwarden's that starts the command, reaps, and passes the
 *    command's exit status, end time and resource use back. When the command
 *    exits, or perfwarden dies (PR_SET_PDEATHSIG on the init), the init
 *    exits and the kernel kills everything left in the namespace —
 *    daemonised (setsid) children included.
 *  - SANDBOX_MOUNTNS: a mount namespace of its own with a fresh /proc (the
 *    command sees its own processes only), where the directories given to
 *    sandbox_hide() (the golden sets) are covered by an empty tmpfs.
 *  - SANDBOX_NETNS: a network namespace holding only a loopback interface
 *    (brought up), unless the spec asks for the network. It is made once per
 *    probe and shared by the runs (making and tearing one down per run cost
 *    milliseconds and disturbed the timing of short benchmarks).
 *  - SANDBOX_CGROUP: a cgroup (v2) per run under perfwarden's own, killed as a
 *    whole (cgroup.kill) when the run ends; where the pids and memory
 *    controllers are delegated, pids.max and memory.max are set too.
 *
 * Everything that is not available is said (sandbox_describe) and skipped;
 * only the user is required (as root).
 */

enum sandbox_flags {
	SANDBOX_USER = 1 << 0,
	SANDBOX_PIDNS = 1 << 1,
	SANDBOX_MOUNTNS = 1 << 2,
	SANDBOX_NETNS = 1 << 3,
	SANDBOX_CGROUP = 1 << 4,
	SANDBOX_CGROUP_PIDS = 1 << 5,   /* pids.max is set in each run's cgroup */
	SANDBOX_CGROUP_MEMORY = 1 << 6, /* memory.max is set in each run's cgroup */
};

/* The default run user ci/setup creates. */
#define SANDBOX_DEFAULT_USER "perfwarden-run"

struct sandbox {
	unsigned flags; /* what this machine gives */
	uid_t uid;      /* with SANDBOX_USER: who runs the commands */
	gid_t gid;
	char *user;            /* their name ("" when perfwarden is not root: itself) */
	char *home;            /* their home directory, when it exists; else NULL */
	char *cgroup_dir;      /* with SANDBOX_CGROUP: the directory runs' cgroups go into */
	char *cgroup_controls; /* the controllers there ("" when none) */
	struct strbuf notes;   /* one line per thing that is not available, and why */
	int netns_fd;          /* with SANDBOX_NETNS: the one network namespace runs share */
	char **hidden;         /* with SANDBOX_MOUNTNS: directories covered by an empty tmpfs */
	size_t nhidden;
};

#define SANDBOX_INIT                                                                               \
	{                                                                                          \
		0, 0, 0, NULL, NULL, NULL, NULL, STRBUF_INIT, -1, NULL, 0                          \
	}

/*
 * Probe what this machine gives into `sb` (SANDBOX_INIT or released), and
 * remove the cgroups of earlier perfwarden processes that are gone (killing
 * what was left in them). Returns 0; PW_EUNSUPPORTED when perfwarden runs as
 * root and no unprivileged user can be had (the message says how to make
 * one). `sb` is usable (and released with sandbox_release) either way.
 */
int sandbox_probe(struct sandbox *sb, struct pw_error *err);
void sandbox_release(struct sandbox *sb);

/* What `sb` gives and what not, as {user, uid, pid_namespace, ...}; the caller's. */
json_t *sandbox_json(const struct sandbox *sb);

/* One line for people: "user perfwarden-run, pid+mount+network namespaces, cgroup (kill)". */
void sandbox_describe(const struct sandbox *sb, struct strbuf *out);

/*
 * Hand `path` and everything below it (not following symlinks) to the run
 * user, so that a build or benchmark can write there. Nothing to do when
 * commands run as perfwarden's own user. 0 or PW_EIO.
 */
int sandbox_chown_tree(const struct sandbox *sb, const char *path, struct pw_error *err);

/*
 * Check that the run user can enter `dir` (every directory above it must
 * let it through). 0, or PW_EIO with a message saying what to change.
 */
int sandbox_check_reach(const struct sandbox *sb, const char *dir, struct pw_error *err);

/*
 * With a mount namespace, cover directory `dir` (its real path) with an empty
 * read-only tmpfs in every sandbox, so that what runs there cannot read it —
 * the golden sets, above all, which a benchmark could otherwise copy into
 * its output. Nothing happens without SANDBOX_MOUNTNS, or when `dir` does
 * not exist or holds `keep` (e.g. the workdir; NULL: none). 1 when hidden.
 */
int sandbox_hide(struct sandbox *sb, const char *dir, const char *keep);

/* A process started in the sandbox; see sandbox_spawn(). */
struct sandbox_proc {
	int relay_fd;        /* the launcher's report; -1 when none */
	int relay_w;         /* its other end, in the child only (sandbox_exec) */
	int cgroup_procs_fd; /* the run's cgroup.procs (for the child to join); -1 */
	char *cgroup;        /* the run's cgroup directory; NULL when none */
	unsigned flags;      /* what this process got */
	uid_t uid;           /* for sandbox_child_enter() */
	gid_t gid;
	int pdeath_check_fd; /* a pidfd of the parent, for the init's race check; -1 */
	pid_t parent_pid;    /* perfwarden, for the child's race check */
	int netns_fd;        /* the sandbox's network namespace to enter; borrowed */
	char *const *hidden; /* the sandbox's directories to cover; borrowed */
	int cpu;             /* the init's cpu, or -1 */
	size_t nhidden;
	/* filled by sandbox_proc_finish() from the init's report */
	int has_status;
	int wstatus;
	int64_t end_ns; /* CLOCK_MONOTONIC when the command's exit was seen */
	struct rusage ru;
};

/* Start a sandbox_proc empty (nothing open, no cgroup). */
void sandbox_proc_init(struct sandbox_proc *proc);

/* What a spawn may use of the sandbox. */
enum sandbox_spawn_flags {
	SANDBOX_SPAWN_NETWORK = 1 << 0, /* keep the machine's network (the spec asked) */
	SANDBOX_SPAWN_PLAIN = 1 << 1,   /* no namespaces or cgroup: only the user */
};

/*
 * fork() for a command in the sandbox `sb` (NULL: an ordinary fork with
 * PR_SET_PDEATHSIG, nothing else). Returns like fork(): -1 with errno, the
 * pid perfwarden watches and kills (its process group is the command's), or
 * 0 in the child — which prepares itself (limits, affinity; things that
 * need root), calls sandbox_child_enter(proc), and ends in sandbox_exec():
 * the exec of perfwarden-launch, which starts the command and reports its
 * exit status, resource use and end time to sandbox_proc_finish() once the
 * pid has been reaped (runner/measure/launch.h).
 *
 * With SANDBOX_PIDNS, the pid returned is the namespace's init, a raw clone:
 * until its exec the child may make system calls only (no allocation, no
 * stdio, nothing that takes a lock). The caller's descriptors are inherited
 * by the child as by fork(). The init runs on `cpu` (-1: anywhere), the
 * command's: free the moment the command exits, it sees the end at once.
 * `proc` is the caller's (sandbox_proc_release).
 */
pid_t sandbox_spawn(const struct sandbox *sb, unsigned spawn_flags, int cpu,
                    struct sandbox_proc *proc);

/*
 * In the child of sandbox_spawn(), after its own preparation
 * (async-signal-safe): join the run's cgroup, drop to the run user, arm
 * PR_SET_PDEATHSIG. Returns 0, or -1 with errno.
 */
int sandbox_child_enter(const struct sandbox_proc *proc);

/*
 * The child's last step: exec perfwarden-launch with `launch_argv` (from
 * sandbox_launch_argv, made before the spawn) and `envp`, handing it the
 * relay, `status_fd` (the caller's status pipe for struct launch_msg, or -1)
 * and the parent's pidfd. Returns only on failure: -1 with errno.
 */
int sandbox_exec(const struct sandbox_proc *proc, char *const *launch_argv, char *const *envp,
                 int status_fd);

/* Where perfwarden-launch is (next to perfwarden, else in the build), or NULL. */
const char *sandbox_launcher(void);

/*
 * The launcher's arguments for running `path` as `argv`: {launcher, path,
 * argv..., NULL}, borrowing every string; the caller frees the array. NULL
 * with `err` set when the launcher cannot be found.
 */
char **sandbox_launch_argv(const char *path, char *const *argv, struct pw_error *err);

/*
 * After the spawned pid was reaped: read the init's report (has_status,
 * wstatus, ru, end_ns) and kill and remove the run's cgroup with anything
 * left in it. When the init failed to set the sandbox up, 1 with the reason
 * in `why` (appended); else 0.
 */
int sandbox_proc_finish(struct sandbox_proc *proc, struct strbuf *why);

/* Kill everything of the run still alive (its cgroup); the pid itself is the caller's. */
void sandbox_proc_kill(struct sandbox_proc *proc);

/* Close what is open and remove the cgroup (killing what is in it); PROC_INIT again. */
void sandbox_proc_release(struct sandbox_proc *proc);

#endif
