#ifndef PERFWARDEN_JOBS_H
#define PERFWARDEN_JOBS_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"

/*
 * The CI service's job queue in PostgreSQL (store/migrations/0004_jobs.sql):
 * jobs (one pushed range each), the webhook deliveries already seen, and the
 * commit statuses owed to the forges.
 *
 * A job goes queued → running (claimed under a lease) → done, or back to
 * queued after an infrastructure failure until its attempts are used up,
 * then failed. Every state change of a running job names the lease owner
 * that claimed it: a worker that lost its lease (it was too slow to renew,
 * and another worker took the job over) changes nothing, so a job is
 * finished exactly once. Enqueueing and finishing commit durably
 * (synchronous_commit = on, whatever the server's default): what the forge
 * was told was queued, and the verdict whose statuses were sent, survive a
 * crash of the database.
 */

enum store_job_state {
	STORE_JOB_QUEUED,
	STORE_JOB_RUNNING,
	STORE_JOB_DONE,
	STORE_JOB_FAILED,
};

#define STORE_JOB_NSTATES 4

/* The channel NOTIFYed (payload: the job id) whenever a job becomes claimable. */
#define STORE_JOBS_CHANNEL "perfwarden_jobs"

/* "queued", "running", "done", "failed". Static string. */
const char *store_job_state_name(enum store_job_state state);

/* Parse a state name; PW_EINVALID naming the bad value. */
int store_job_state_parse(const char *name, enum store_job_state *out, struct pw_error *err);

/* What to enqueue. Strings are borrowed; the optional ones may be NULL. */
struct store_job_request {
	const char *repo;        /* local path or URL to measure (required) */
	const char *repo_name;   /* "owner/name" on the forge */
	const char *forge;       /* "github", "gitea", "gitlab" */
	const char *base;        /* the range's base; NULL or "": judge the tip alone */
	const char *tip;         /* required */
	const char *ref;         /* "refs/heads/main" */
	const char *delivery_id; /* "<forge>:<id>": a second request with it enqueues nothing */
	int max_attempts;        /* <= 0: 3 */
	const char *content_key; /* what the job is ("<forge> <repo> <before> <after>"): a
	                            second request with it enqueues nothing; NULL: none */
	const char *base_ref;    /* base is the merge base of this ref and the tip, found by
	                            the worker (a new branch); NULL: base is final */
};

/*
 * Enqueue one job and NOTIFY the workers, in one transaction. With a
 * delivery id already seen, or a content key some job already has, nothing
 * is enqueued (nor recorded): *duplicate = 1 and *id is the job the first
 * request made (0 when it made none). PW_EINVALID for a
 * request without repo or tip, PW_EDB when the database refuses.
 */
int store_job_enqueue(struct store *s, const struct store_job_request *rq, int64_t *id,
                      int *duplicate, struct pw_error *err);

/*
 * Record a delivery that enqueues nothing (a deleted branch, a tag): 0 with
 * *duplicate = 1 when it was seen before, so a redelivery reads the same.
 */
int store_delivery_record(struct store *s, const char *delivery_id, int *duplicate,
                          struct pw_error *err);

/* One job as stored. All strings owned (store_job_release); NULL where the column is. */
struct store_job {
	int64_t id;
	char *repo;
	char *repo_name;
	char *forge;
	char *base; /* "" when the tip is judged alone */
	char *tip;
	char *ref;
	char *delivery_id;
	enum store_job_state state;
	int attempts;
	int max_attempts;
	char *lease_owner;
	char *lease_expires; /* ISO 8601 */
	char *worker;        /* who finished it */
	int exit_code;       /* -1 when not finished */
	char *summary;
	char *result_json;
	char *error;
	char *created_at;
	char *started_at;
	char *finished_at;
	char *base_ref; /* NULL: base is final */
};

#define STORE_JOB_INIT                                                                             \
	{                                                                                          \
		0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, STORE_JOB_QUEUED, 0, 0, NULL, NULL,   \
		        NULL, -1, NULL, NULL, NULL, NULL, NULL, NULL, NULL                         \
	}

/* Free the strings; the job is STORE_JOB_INIT again. */
void store_job_release(struct store_job *job);

/*
 * Claim the oldest claimable job (queued and due, or running with an expired
 * lease) with SELECT ... FOR UPDATE SKIP LOCKED: it becomes running, its
 * attempts grow by one and `owner` holds it for `lease_s` seconds. First,
 * running jobs whose lease expired with no attempt left are marked failed.
 * *claimed = 0 when there is nothing to do; else `out` (released first) is
 * the claimed job.
 */
int store_job_claim(struct store *s, const char *owner, int lease_s, struct store_job *out,
                    int *claimed, struct pw_error *err);

/*
 * Extend `owner`'s lease on job `id` to now + lease_s. *held = 0 when the
 * lease is no longer `owner`'s (expired and taken over, or the job ended).
 */
int store_job_renew(struct store *s, int64_t id, const char *owner, int lease_s, int *held,
                    struct pw_error *err);

/*
 * Record the base `owner`'s job resolved from its base_ref ("" judges the
 * tip alone) and clear base_ref, so a retry judges the same range. PW_EDB
 * when the database refuses; a lost lease changes nothing and is no error.
 */
int store_job_set_base(struct store *s, int64_t id, const char *owner, const char *base,
                       struct pw_error *err);

/* A commit status to send; strings borrowed. */
struct store_notification_request {
	const char *forge; /* github, gitea, gitlab, webhook */
	const char *repo_name;
	const char *sha;
	const char *context;
	const char *state; /* notify_state_name(NOTIFY_GITHUB-ish) names: success, failure... */
	const char *description;
	const char *target_url; /* may be NULL */
};

/*
 * Finish `owner`'s job: done with `exit_code`, `summary` and the check's
 * JSON `result_json` (may be NULL), and the `n` notifications to send,
 * pending, all in one transaction. *held = 0 (and nothing written) when the
 * lease was lost.
 */
int store_job_finish(struct store *s, int64_t id, const char *owner, const char *worker,
                     int exit_code, const char *summary, const char *result_json,
                     const struct store_notification_request *notes, size_t n, int *held,
                     struct pw_error *err);

/*
 * An attempt of `owner`'s job failed with `error`. When `permanent`, or the
 * job has no attempt left, it becomes failed; else queued again, due in
 * `retry_delay_s` seconds. *state_out (may be NULL) is the state it is left
 * in; *held = 0 when the lease was lost (nothing written).
 */
int store_job_fail(struct store *s, int64_t id, const char *owner, const char *error, int permanent,
                   int retry_delay_s, enum store_job_state *state_out, int *held,
                   struct pw_error *err);

/* Load one job by id; PW_ENOTFOUND when there is none. */
int store_job_get(struct store *s, int64_t id, struct store_job *out, struct pw_error *err);

/*
 * List jobs, oldest first (`state` < 0: every state; `limit` 0: all). The
 * array is the caller's: store_jobs_free().
 */
int store_jobs_list(struct store *s, int state, size_t limit, struct store_job **out, size_t *n,
                    struct pw_error *err);
void store_jobs_free(struct store_job *jobs, size_t n);

/* The number of jobs in each state, indexed by enum store_job_state. */
int store_jobs_count(struct store *s, long counts[STORE_JOB_NSTATES], struct pw_error *err);

/* LISTEN on STORE_JOBS_CHANNEL on this connection. */
int store_jobs_listen(struct store *s, struct pw_error *err);

/*
 * Wait up to `timeout_ms` (poll on the connection's socket, no busy loop)
 * for a notification on a LISTENing connection. *notified = 1 when one (or
 * more: all are consumed) arrived, 0 on timeout or an interrupting signal.
 * PW_EDB when the connection broke.
 */
int store_jobs_wait(struct store *s, int timeout_ms, int *notified, struct pw_error *err);

/* A stored notification. Strings owned. */
struct store_notification {
	int64_t id;
	int64_t job_id;
	char *forge;
	char *repo_name;
	char *sha;
	char *context;
	char *state;
	char *description;
	char *target_url; /* NULL when none */
	char *status;     /* pending, sent, failed */
	int attempts;
	char *last_error;
};

/*
 * The notifications not sent yet (pending or failed), oldest first, of job
 * `job_id` (0: of every job). Free with store_notifications_free().
 */
int store_notifications_unsent(struct store *s, int64_t job_id, struct store_notification **out,
                               size_t *n, struct pw_error *err);

/* All notifications of job `job_id` (0: every job), oldest first. */
int store_notifications_list(struct store *s, int64_t job_id, struct store_notification **out,
                             size_t *n, struct pw_error *err);

void store_notifications_free(struct store_notification *notes, size_t n);

/*
 * Record one attempt to send notification `id`: sent, or failed with
 * `error` (already free of tokens) and the last HTTP status (0: none).
 */
int store_notification_mark(struct store *s, int64_t id, int sent, long http_status,
                            const char *error, struct pw_error *err);

#endif
