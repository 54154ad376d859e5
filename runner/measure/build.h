#ifndef PERFWARDEN_BUILD_H
#define PERFWARDEN_BUILD_H

#include <stdint.h>

#include "error.h"
#include "sandbox.h"
#include "strbuf.h"

/*
 * Builds a checked-out commit: runs the spec's build command with
 * `sh -c COMMAND` in the checkout, stdin from /dev/null, stdout and stderr
 * merged into one log of which the last BUILD_LOG_MAX bytes are kept, in its
 * own process group, with a timeout. At the timeout the whole group gets
 * SIGTERM, and SIGKILL BUILD_KILL_GRACE_MS later; processes the build left
 * running in its group after it exited are killed too. (A process that
 * leaves the group with setsid() escapes build_run(); build_run_sandboxed()
 * catches it with the sandbox's PID namespace or cgroup.)
 *
 * After a successful build a marker (BUILD_MARKER, holding the command) is
 * written in the checkout; a later build of the same checkout with the same
 * command is skipped (result->reused) unless BUILD_FORCE.
 */

#define BUILD_LOG_MAX       (64 * 1024)
#define BUILD_KILL_GRACE_MS 2000
#define BUILD_MARKER        ".perfwarden-build"

enum build_status {
	BUILD_OK = 0,
	BUILD_FAILED,    /* non-zero exit, or killed by a signal it did not get from us */
	BUILD_TIMED_OUT, /* killed by perfwarden at the timeout */
};

enum build_flags {
	BUILD_FORCE = 1 << 0, /* build even when the marker says it is done */
};

struct build_result {
	enum build_status status;
	int exit_code;       /* the shell's exit status, or -1 when killed by a signal */
	int term_signal;     /* the signal that ended it, else 0 */
	int64_t duration_ns; /* CLOCK_MONOTONIC, start to exit (0 when reused) */
	int reused;          /* skipped: the marker showed an earlier successful build */
	struct strbuf log;   /* merged output, last BUILD_LOG_MAX bytes (log.dropped: the rest) */
};

#define BUILD_RESULT_INIT                                                                          \
	{                                                                                          \
		BUILD_OK, 0, 0, 0, 0, STRBUF_INIT                                                  \
	}

void build_result_init(struct build_result *res);

/* Free the log; the result is BUILD_RESULT_INIT again. */
void build_result_release(struct build_result *res);

/* "ok", "failed" or "timed-out". */
const char *build_status_name(enum build_status status);

/*
 * Build in directory `dir` with `command` and `timeout_ms` (> 0), filling
 * `res` (released first). A build that fails or times out is a result, not
 * an error: the function returns 0 and res->status says what happened.
 * A negative code means the build could not be started (no such directory:
 * PW_ENOTFOUND; fork/pipe failure: PW_EIO) or PW_EINVALID for bad arguments.
 */
int build_run(const char *dir, const char *command, int64_t timeout_ms, unsigned flags,
              struct build_result *res, struct pw_error *err);

/*
 * build_run() in the sandbox `sb` (runner/measure/sandbox; NULL: none) with
 * `spawn_flags` (enum sandbox_spawn_flags): as the run user, with HOME set to
 * that user's home when it has one, in the namespaces and cgroup the machine
 * gives — so nothing the build starts, setsid'd or not, outlives it there.
 * A sandbox that cannot be set up is PW_EIO (not a failed build).
 */
int build_run_sandboxed(const struct sandbox *sb, unsigned spawn_flags, const char *dir,
                        const char *command, int64_t timeout_ms, unsigned flags,
                        struct build_result *res, struct pw_error *err);

#endif
