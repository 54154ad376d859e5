#ifndef PERFWARDEN_WORKER_H
#define PERFWARDEN_WORKER_H

#include <signal.h>
#include <stddef.h>

#include "check.h"
#include "config.h"
#include "db.h"
#include "error.h"
#include "jobs.h"
#include "pipeline.h"

/*
 * `perfwarden worker`: claims jobs from the queue (store/jobs), judges each
 * pushed range with runner/judge/check on this machine, stores the verdict with
 * the commit statuses it owes, and sends them (runner/service/notify).
 *
 * While a job runs, a second thread renews the lease every lease/3 seconds
 * on its own database connection; a worker that dies stops renewing, and
 * after the lease expires another worker claims the job again (its runs
 * already stored are reused: the store keeps one run per commit, benchmark,
 * environment and spec). Before anything is cloned, a job a webhook queued
 * must still be allowed by the config (config_repository_allowed), and a
 * local repository must be one. A new branch's base (job->base_ref) is
 * resolved here, as the merge base with the tip, and recorded with the job.
 * Infrastructure failures (repository unreachable, database lost, a
 * checkout or process that could not start) put the job back in the queue
 * until its attempts are used up; a job that can never be judged fails at
 * once, on its first attempt: not allowed, not a git repository, a commit or
 * ref that is not there, an empty or malformed range, a bad spec.
 *
 * Between jobs the worker LISTENs for the queue's NOTIFY and sleeps on the
 * connection's socket, waking at least every `idle_ms` to take over
 * expired leases and delayed retries.
 */
enum worker_mode {
	WORKER_FOREVER, /* until *stop is set */
	WORKER_ONCE,    /* one job (if any is claimable), then return */
	WORKER_DRAIN,   /* until no job is claimable */
};

struct worker_options {
	const struct config *config; /* borrowed */
	struct pipeline_options po;  /* repo is set per job; golden_dir/workdir/spec/cpu: the
	                                command line's, else the config's */
	enum worker_mode mode;
	int lease_s;                 /* 0: the config's */
	int idle_ms;                 /* 0: the config's poll */
	volatile sig_atomic_t *stop; /* set from a signal handler; may be NULL */
	/* One line per event ("job 4: done, exit 1: grid: 97.0% slower, p=0.001"). */
	void (*log)(void *arg, const char *line);
	void *log_arg;
};

/*
 * Run the worker loop. When the database goes away, a worker that runs until
 * stopped says so once and tries again every 2 s for as long as it takes
 * (its job's lease expires meanwhile, so the job is taken up again).
 * Returns 0 when it stopped as asked (mode, *stop); PW_EDB when the database
 * stayed unreachable (--once, --drain); PW_EIO when no work slot
 * could be had. Jobs that fail are a job's outcome, not an error here.
 * `*jobs_done` (may be NULL) counts the jobs this worker finished.
 */
int worker_run(const struct worker_options *opts, size_t *jobs_done, struct pw_error *err);

/*
 * Send the unsent notifications (pending or failed) of job `job_id` (0:
 * of every job) and record each outcome. Forge, API URL and token come
 * from `config` (tokens never appear in the recorded errors). Counts go to
 * *sent and *failed (may be NULL). Returns 0 unless the database failed.
 */
int worker_send_notifications(struct store *s, const struct config *config, int64_t job_id,
                              void (*log)(void *arg, const char *line), void *log_arg, size_t *sent,
                              size_t *failed, struct pw_error *err);

#endif
