#ifndef PERFWARDEN_PROC_H
#define PERFWARDEN_PROC_H

#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "sample.h"
#include "sandbox.h"
#include "strbuf.h"

/*
 * runner/measure/proc: start ONE process the way a measurement needs it and return
 * its resource use as a `struct sample`.
 *
 * The child:
 *  - is exec'd directly from argv (no shell; set `shell_command` to get
 *    "/bin/sh -c COMMAND" explicitly);
 *  - gets exactly the environment in `env` (NULL: an empty environment) —
 *    nothing is inherited implicitly. A bare program name is looked up in the
 *    PATH of `env`, else in "/usr/local/bin:/usr/bin:/bin";
 *  - runs in its own process group, with stdin from /dev/null;
 *  - is pinned to `cpu` with sched_setaffinity (-1: not pinned);
 *  - has resource limits (address space, file size, process count) so a
 *    runaway cannot hurt the runner (see struct proc_limits for defaults);
 *  - runs by default with a FIXED memory layout: personality(ADDR_NO_RANDOMIZE).
 *    Policy: perfwarden prefers low run-to-run noise over averaging alignment
 *    effects, and compares commits under the same layout policy. The policy
 *    actually in force is recorded in proc_result.aslr_fixed (0 when the kernel
 *    refused personality(), or when PROC_ASLR_RANDOM was asked for).
 *
 * Measurement: wall time is CLOCK_MONOTONIC from just before execve() (taken in
 * the child) to the moment the process is seen to exit; user/sys time, max
 * RSS, faults and context switches come from wait4(); hardware counters
 * (instructions, cycles, branch misses, cache misses; user space only) from
 * perf_event_open, counting only the child and its descendants, enabled on
 * exec. Where the machine has no counters they are SAMPLE_ABSENT: that is not
 * an error (see proc_counters_available()).
 *
 * Timeout: at `timeout_ms` the whole process group gets SIGTERM, then SIGKILL
 * after PROC_KILL_GRACE_MS; the sample is flagged timed_out. Whenever the
 * child exits (timeout or not) anything left in its process group is killed
 * with SIGKILL, so no stray grandchild outlives a measurement.
 */

#define PROC_KILL_GRACE_MS   300
#define PROC_STDERR_TAIL_MAX (64 * 1024)
#define PROC_STDOUT_MAX      (16 * 1024 * 1024)

/* Resource limits. 0 = the default below; PROC_LIMIT_NONE = leave as inherited. */
#define PROC_LIMIT_NONE          INT64_C(-1)
#define PROC_DEFAULT_AS_BYTES    (INT64_C(8) << 30) /* 8 GiB address space */
#define PROC_DEFAULT_FSIZE_BYTES (INT64_C(1) << 30) /* 1 GiB per written file */
#define PROC_DEFAULT_NPROC       INT64_C(4096)      /* per user; root ignores it */

struct proc_limits {
	int64_t as_bytes;    /* RLIMIT_AS */
	int64_t fsize_bytes; /* RLIMIT_FSIZE */
	int64_t nproc;       /* RLIMIT_NPROC */
};

enum proc_aslr {
	PROC_ASLR_FIXED = 0, /* default: personality(ADDR_NO_RANDOMIZE) */
	PROC_ASLR_RANDOM,    /* leave the kernel's randomisation on */
};

enum proc_stdout {
	PROC_STDOUT_NULL = 0, /* default: /dev/null */
	PROC_STDOUT_FILE,     /* to `stdout_path` (created or truncated, 0644) */
	PROC_STDOUT_CAPTURE,  /* into proc_result.stdout_buf (last PROC_STDOUT_MAX bytes) */
};

/* What to run and how. Start from PROC_SPEC_INIT and set what matters. Nothing is owned. */
struct proc_spec {
	const char *const *argv;   /* NULL-terminated; argv[0] is the program */
	const char *shell_command; /* when set: run "/bin/sh -c shell_command", argv unused */
	const char *cwd;           /* NULL: the runner's current directory */
	const char *const *env;    /* NULL-terminated "K=V" list; NULL: empty environment */
	int cpu;                   /* -1: no pinning */
	int64_t timeout_ms;        /* 0: no timeout */
	struct proc_limits limits; /* 0 fields take the defaults */
	enum proc_aslr aslr;
	enum proc_stdout stdout_mode;
	const char *stdout_path; /* for PROC_STDOUT_FILE */
	int no_counters;         /* 1: do not open hardware counters */
	/*
	 * Where it runs (runner/measure/sandbox): NULL, an ordinary child that
	 * dies with perfwarden (PR_SET_PDEATHSIG); else as the run user, in
	 * the namespaces and cgroup the machine gives, with `sandbox_flags`
	 * (enum sandbox_spawn_flags, e.g. SANDBOX_SPAWN_NETWORK).
	 */
	const struct sandbox *sandbox;
	unsigned sandbox_flags;
};

#define PROC_SPEC_INIT                                                                             \
	{                                                                                          \
		NULL, NULL, NULL, NULL, -1, 0, {0, 0, 0}, PROC_ASLR_FIXED, PROC_STDOUT_NULL, NULL, \
		        0, NULL, 0                                                                 \
	}

/* What one run produced. proc_result_init() before use, proc_result_release() after. */
struct proc_result {
	struct sample sample;
	struct strbuf stderr_tail; /* last PROC_STDERR_TAIL_MAX bytes of stderr */
	struct strbuf stdout_buf;  /* PROC_STDOUT_CAPTURE only */
	int aslr_fixed;            /* 1: ran with ADDR_NO_RANDOMIZE in force */
	int cpu;                   /* the cpu it was pinned to, or -1 */
};

void proc_result_init(struct proc_result *res);
void proc_result_release(struct proc_result *res);

/*
 * Run the process described by `spec` to its end (or its timeout) and fill
 * `res` (reset first). Returns 0 whenever the process was started — a crash,
 * a non-zero exit or a timeout is a sample (res->sample.exit_code,
 * term_signal, timed_out), not an error. Returns a negative code when it
 * could not be run. The command's own fault: PW_ENOTFOUND when its program
 * does not exist ("could not run 'x': No such file or directory"),
 * PW_EINVALID when it cannot be executed (not executable, not a program) or
 * the spec names no program. perfwarden's or the machine's fault: PW_EIO for
 * setup and syscall failures (bad cwd, unusable stdout_path, cpu not allowed,
 * limits, the sandbox, fork).
 */
int proc_run(const struct proc_spec *spec, struct proc_result *res, struct pw_error *err);

/*
 * Whether this machine gives perfwarden hardware counters. Probed once per
 * process (thread-safe) and cached. Returns 1 or 0; when 0 and `why` is
 * non-NULL, *why is a borrowed static string saying why
 * (e.g. "perf_event_open: No such file or directory").
 */
int proc_counters_available(const char **why);

/*
 * Instruction counts: one run of a command under
 * `valgrind --tool=cachegrind --cache-sim=no --trace-children=yes`, a
 * deterministic metric independent of machine noise. Every process of the
 * command's tree is counted: the program, or for a shell command the shell,
 * every program of its pipelines, and all their children, each into its own
 * cachegrind file (cg.PID in a private temporary directory, removed
 * afterwards); the count is the sum of their "Ir" totals.
 *
 * What to know about the tree:
 *  - a process that forks without exec'ing (a subshell running builtins, a
 *    forking server) writes its own file that includes what its parent had
 *    counted up to the fork, so that part is counted twice. The total stays
 *    deterministic, so a change still shows;
 *  - valgrind cannot trace a setuid, setgid or setcap program: exec'ing one
 *    fails with "Permission denied" inside the command (nothing is skipped
 *    silently; the error says so when the command fails because of it);
 *  - a process still running when the command's first process exits is
 *    killed with the process group and not counted.
 *
 * The run uses spec's argv/env/cwd/ASLR policy and limits, except: no
 * address-space limit (valgrind reserves a lot of it), stdout to /dev/null,
 * stderr to a file in the temporary directory (so a job nobody is waiting
 * for never blocks on a full pipe), and the cpu and timeout given to
 * proc_count_start() (spec->cpu and spec->timeout_ms are not used there).
 * At the timeout the whole process group gets SIGTERM, then SIGKILL.
 */

/* Cachegrind is 20-100x slower than a native run: the usual timeout factor. */
#define PROC_COUNT_TIMEOUT_FACTOR 100

struct proc_count {
	int64_t instructions;     /* Ir summed over every process of the tree */
	size_t processes;         /* how many processes were counted (cachegrind files) */
	char *top_command;        /* owned: the command line of the largest contributor */
	int64_t top_instructions; /* its own count */
};

#define PROC_COUNT_INIT                                                                            \
	{                                                                                          \
		0, 0, NULL, 0                                                                      \
	}

/* Free top_command; the struct is PROC_COUNT_INIT again. */
void proc_count_release(struct proc_count *count);

/* A count running in the background; see proc_count_start(). */
struct proc_count_job;

/*
 * Start counting the instructions of `spec` and return at once (after
 * valgrind was exec'd). valgrind is pinned to `cpu` (-1: not pinned), for
 * instance the spare cpu while the timing cpu works (system_spare_cpu()), and
 * killed, with its whole process group, after `timeout_ms` (0: no timeout)
 * counted from now. On success *out is the running job: finish it with
 * proc_count_finish(), and always free it with proc_count_job_free().
 *
 * Returns 0; PW_ENOTFOUND when valgrind is not installed or the program does
 * not exist; PW_EINVALID for a spec without a program or a negative timeout;
 * PW_EIO when valgrind could not be started (e.g. the cpu is not allowed).
 * *out is NULL on failure.
 */
int proc_count_start(const struct proc_spec *spec, int cpu, int64_t timeout_ms,
                     struct proc_count_job **out, struct pw_error *err);

/*
 * Wait (blocking) until the job's command exits or times out, and fill `out`
 * (PROC_COUNT_INIT or released before; released first). Returns 0;
 * PW_ETIMEOUT on timeout; PW_ERROR when the command exited non-zero or was
 * killed by a signal (the status and the end of its own stderr in the
 * message); PW_EINVALID when cachegrind's files cannot be read, or when the
 * job was finished already; PW_EIO otherwise. Once only per job.
 */
int proc_count_finish(struct proc_count_job *job, struct proc_count *out, struct pw_error *err);

/* The pid (and process group) of the job's valgrind while it runs; -1 once finished. */
pid_t proc_count_job_pid(const struct proc_count_job *job);

/*
 * Free the job. An unfinished job's whole process group is killed with
 * SIGKILL and its valgrind reaped, so nothing of it is left running. The
 * temporary directory is removed. Accepts NULL.
 */
void proc_count_job_free(struct proc_count_job *job);

/*
 * proc_count_start() on spec->cpu, then proc_count_finish(): the count of
 * one run of `spec`, with the same return values. Callers usually pass
 * spec->timeout_ms * PROC_COUNT_TIMEOUT_FACTOR as `timeout_ms`.
 */
int proc_instructions(const struct proc_spec *spec, int64_t timeout_ms, struct proc_count *out,
                      struct pw_error *err);

#endif
