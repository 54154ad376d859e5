/*
 * The job queue of the CI service: intake (runner/service/intake, `perfwarden
 * enqueue`) adds jobs and NOTIFYs; workers (runner/service/worker) LISTEN, claim the
 * oldest job with FOR UPDATE SKIP LOCKED under a lease, renew it while they
 * measure, and finish or fail it naming that lease. The commit statuses
 * owed to forges are written in the same transaction as the verdict, so a
 * forge that is down never loses one (`perfwarden notify --retry`).
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "jobs.h"
#include "store_internal.h"

static const char *const state_names[STORE_JOB_NSTATES] = {"queued", "running", "done", "failed"};

const char *store_job_state_name(enum store_job_state state)
{
	return (unsigned)state < STORE_JOB_NSTATES ? state_names[state] : "unknown";
}

int store_job_state_parse(const char *name, enum store_job_state *out, struct pw_error *err)
{
	int i;

	for (i = 0; i < STORE_JOB_NSTATES; i++)
		if (name && !strcmp(name, state_names[i])) {
			*out = (enum store_job_state)i;
			return 0;
		}
	return pw_error_set(err, PW_EINVALID,
	                    "unknown job state '%s' (queued, running, done or failed)",
	                    name ? name : "");
}

static char *dup_or_null(PGresult *res, int row, int col)
{
	if (PQgetisnull(res, row, col))
		return NULL;
	return strdup(PQgetvalue(res, row, col));
}

static const char *empty_null(const char *s)
{
	return s && *s ? s : NULL;
}

void store_job_release(struct store_job *job)
{
	struct store_job init = STORE_JOB_INIT;

	free(job->repo);
	free(job->repo_name);
	free(job->forge);
	free(job->base);
	free(job->tip);
	free(job->ref);
	free(job->delivery_id);
	free(job->lease_owner);
	free(job->lease_expires);
	free(job->worker);
	free(job->summary);
	free(job->result_json);
	free(job->error);
	free(job->created_at);
	free(job->started_at);
	free(job->finished_at);
	free(job->base_ref);
	*job = init;
}

#define JOB_COLUMNS                                                                                \
	"id, repo, repo_name, forge, base, tip, ref, delivery_id, state, attempts, max_attempts, " \
	"lease_owner, to_char(lease_expires AT TIME ZONE 'UTC', "                                  \
	"'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), worker, exit_code, summary, result::text, error, "     \
	"to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "               \
	"to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "               \
	"to_char(finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), base_ref"

static void job_from_row(PGresult *res, int row, struct store_job *job)
{
	enum store_job_state st = STORE_JOB_QUEUED;

	store_job_release(job);
	job->id = strtoll(PQgetvalue(res, row, 0), NULL, 10);
	job->repo = dup_or_null(res, row, 1);
	job->repo_name = dup_or_null(res, row, 2);
	job->forge = dup_or_null(res, row, 3);
	job->base = dup_or_null(res, row, 4);
	job->tip = dup_or_null(res, row, 5);
	job->ref = dup_or_null(res, row, 6);
	job->delivery_id = dup_or_null(res, row, 7);
	store_job_state_parse(PQgetvalue(res, row, 8), &st, NULL);
	job->state = st;
	job->attempts = atoi(PQgetvalue(res, row, 9));
	job->max_attempts = atoi(PQgetvalue(res, row, 10));
	job->lease_owner = dup_or_null(res, row, 11);
	job->lease_expires = dup_or_null(res, row, 12);
	job->worker = dup_or_null(res, row, 13);
	job->exit_code = PQgetisnull(res, row, 14) ? -1 : atoi(PQgetvalue(res, row, 14));
	job->summary = dup_or_null(res, row, 15);
	job->result_json = dup_or_null(res, row, 16);
	job->error = dup_or_null(res, row, 17);
	job->created_at = dup_or_null(res, row, 18);
	job->started_at = dup_or_null(res, row, 19);
	job->finished_at = dup_or_null(res, row, 20);
	job->base_ref = dup_or_null(res, row, 21);
}

static int insert_delivery(struct store *s, const char *delivery_id, int *duplicate,
                           int64_t *job_id, struct pw_error *err)
{
	const char *params[1] = {delivery_id};
	PGresult *res;
	int ret;

	*duplicate = 0;
	res = PQexecParams(s->conn,
	                   "INSERT INTO deliveries (delivery_id) VALUES ($1) "
	                   "ON CONFLICT (delivery_id) DO NOTHING RETURNING delivery_id",
	                   1, NULL, params, NULL, NULL, 0);
	if ((ret = store_check(s, res, PGRES_TUPLES_OK, "could not record the delivery", err)) < 0)
		goto done;
	if (PQntuples(res) == 1)
		goto done;
	*duplicate = 1;
	PQclear(res);
	res = PQexecParams(s->conn, "SELECT job_id FROM deliveries WHERE delivery_id = $1", 1, NULL,
	                   params, NULL, NULL, 0);
	if ((ret = store_check(s, res, PGRES_TUPLES_OK, "could not read the delivery", err)) < 0)
		goto done;
	if (job_id && PQntuples(res) == 1 && !PQgetisnull(res, 0, 0))
		*job_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
done:
	PQclear(res);
	return ret;
}

int store_delivery_record(struct store *s, const char *delivery_id, int *duplicate,
                          struct pw_error *err)
{
	*duplicate = 0;
	if (!delivery_id || !*delivery_id)
		return 0;
	return insert_delivery(s, delivery_id, duplicate, NULL, err);
}

int store_job_enqueue(struct store *s, const struct store_job_request *rq, int64_t *id,
                      int *duplicate, struct pw_error *err)
{
	struct strbuf attempts = STRBUF_INIT;
	const char *params[10];
	PGresult *res = NULL;
	int ret, dup = 0;

	*id = 0;
	*duplicate = 0;
	if (!rq->repo || !*rq->repo || !rq->tip || !*rq->tip)
		return pw_error_set(err, PW_EINVALID, "a job needs a repository and a tip commit");
	/* the forge is told "queued" once this commits: it must survive a crash */
	if ((ret = store_exec(s, "BEGIN; SET LOCAL synchronous_commit = on", err)) < 0)
		return ret;
	if (empty_null(rq->delivery_id)) {
		if ((ret = insert_delivery(s, rq->delivery_id, &dup, id, err)) < 0)
			goto rollback;
		if (dup) {
			*duplicate = 1;
			goto rollback;
		}
	}
	strbuf_addf(&attempts, "%d", rq->max_attempts > 0 ? rq->max_attempts : 3);
	params[0] = rq->repo;
	params[1] = empty_null(rq->repo_name);
	params[2] = empty_null(rq->forge);
	params[3] = rq->base ? rq->base : "";
	params[4] = rq->tip;
	params[5] = empty_null(rq->ref);
	params[6] = empty_null(rq->delivery_id);
	params[7] = attempts.buf;
	params[8] = empty_null(rq->content_key);
	params[9] = empty_null(rq->base_ref);
	res = PQexecParams(s->conn,
	                   "INSERT INTO jobs (repo, repo_name, forge, base, tip, ref, delivery_id, "
	                   "max_attempts, content_key, base_ref) VALUES ($1, $2, $3, $4, $5, $6, "
	                   "$7, $8, $9, $10) ON CONFLICT (content_key) DO NOTHING RETURNING id",
	                   10, NULL, params, NULL, NULL, 0);
	if ((ret = store_check(s, res, PGRES_TUPLES_OK, "could not enqueue the job", err)) < 0)
		goto rollback;
	if (PQntuples(res) == 0) {
		PQclear(res);
		res = PQexecParams(s->conn, "SELECT id FROM jobs WHERE content_key = $1", 1, NULL,
		                   params + 8, NULL, NULL, 0);
		if ((ret = store_check(s, res, PGRES_TUPLES_OK, "could not read the job", err)) < 0)
			goto rollback;
		if (PQntuples(res) == 1)
			*id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		*duplicate = 1;
		store_exec_quiet(s, "ROLLBACK");
		goto done;
	}
	*id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	params[0] = PQgetvalue(res, 0, 0);
	params[1] = empty_null(rq->delivery_id);
	PQclear(PQexecParams(s->conn, "SELECT pg_notify('" STORE_JOBS_CHANNEL "', $1)", 1, NULL,
	                     params, NULL, NULL, 0));
	if (params[1]) {
		PGresult *up = PQexecParams(
		        s->conn, "UPDATE deliveries SET job_id = $1 WHERE delivery_id = $2", 2,
		        NULL, params, NULL, NULL, 0);

		ret = store_check(s, up, PGRES_COMMAND_OK, "could not record the delivery", err);
		PQclear(up);
		if (ret < 0)
			goto rollback;
	}
	ret = store_exec(s, "COMMIT", err);
	if (ret < 0)
		*id = 0;
	goto done;
rollback:
	store_exec_quiet(s, "ROLLBACK");
	if (ret < 0)
		*id = 0;
done:
	PQclear(res);
	strbuf_release(&attempts);
	return ret;
}

int store_job_claim(struct store *s, const char *owner, int lease_s, struct store_job *out,
                    int *claimed, struct pw_error *err)
{
	struct strbuf lease = STRBUF_INIT;
	const char *params[2];
	PGresult *res = NULL;
	int ret;

	*claimed = 0;
	res = PQexec(s->conn,
	             "UPDATE jobs SET state = 'failed', lease_owner = NULL, finished_at = now(), "
	             "error = 'the worker lost its lease ' || attempts || ' time(s)' || "
	             "coalesce(' (last error: ' || error || ')', '') "
	             "WHERE state = 'running' AND lease_expires < now() "
	             "AND attempts >= max_attempts");
	if ((ret = store_check(s, res, PGRES_COMMAND_OK, "could not expire jobs", err)) < 0)
		goto done;
	PQclear(res);
	strbuf_addf(&lease, "%d", lease_s > 0 ? lease_s : 1);
	params[0] = owner;
	params[1] = lease.buf;
	res = PQexecParams(s->conn,
	                   "UPDATE jobs SET state = 'running', attempts = attempts + 1, "
	                   "lease_owner = $1, lease_expires = now() + $2 * interval '1 second', "
	                   "started_at = coalesce(started_at, now()) "
	                   "WHERE id = (SELECT id FROM jobs WHERE (state = 'queued' AND run_after "
	                   "<= now()) OR (state = 'running' AND lease_expires < now()) "
	                   "ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) "
	                   "RETURNING " JOB_COLUMNS,
	                   2, NULL, params, NULL, NULL, 0);
	if ((ret = store_check(s, res, PGRES_TUPLES_OK, "could not claim a job", err)) < 0)
		goto done;
	if (PQntuples(res) == 1) {
		job_from_row(res, 0, out);
		*claimed = 1;
	}
done:
	PQclear(res);
	strbuf_release(&lease);
	return ret;
}

/* Run a statement that names (id, owner) and report whether it touched the row. */
static int owned_update(struct store *s, const char *sql, int nparams, const char *const *params,
                        const char *what, int *held, struct pw_error *err)
{
	PGresult *res = PQexecParams(s->conn, sql, nparams, NULL, params, NULL, NULL, 0);
	int ret = store_check(s, res, PGRES_COMMAND_OK, what, err);

	if (!ret)
		*held = atoi(PQcmdTuples(res)) > 0;
	PQclear(res);
	return ret;
}

int store_job_renew(struct store *s, int64_t id, const char *owner, int lease_s, int *held,
                    struct pw_error *err)
{
	struct strbuf idb = STRBUF_INIT, lease = STRBUF_INIT;
	const char *params[3];
	int ret;

	*held = 0;
	strbuf_addf(&idb, "%" PRId64, id);
	strbuf_addf(&lease, "%d", lease_s > 0 ? lease_s : 1);
	params[0] = idb.buf;
	params[1] = owner;
	params[2] = lease.buf;
	ret = owned_update(s,
	                   "UPDATE jobs SET lease_expires = now() + $3 * interval '1 second' "
	                   "WHERE id = $1 AND lease_owner = $2 AND state = 'running'",
	                   3, params, "could not renew the lease", held, err);
	strbuf_release(&idb);
	strbuf_release(&lease);
	return ret;
}

int store_job_set_base(struct store *s, int64_t id, const char *owner, const char *base,
                       struct pw_error *err)
{
	struct strbuf idb = STRBUF_INIT;
	const char *params[3];
	int ret, held = 0;

	strbuf_addf(&idb, "%" PRId64, id);
	params[0] = idb.buf;
	params[1] = owner;
	params[2] = base ? base : "";
	ret = owned_update(s,
	                   "UPDATE jobs SET base = $3, base_ref = NULL "
	                   "WHERE id = $1 AND lease_owner = $2 AND state = 'running'",
	                   3, params, "could not record the job's base", &held, err);
	strbuf_release(&idb);
	return ret;
}

int store_job_finish(struct store *s, int64_t id, const char *owner, const char *worker,
                     int exit_code, const char *summary, const char *result_json,
                     const struct store_notification_request *notes, size_t n, int *held,
                     struct pw_error *err)
{
	struct strbuf idb = STRBUF_INIT, code = STRBUF_INIT;
	const char *params[8];
	size_t i;
	int ret;

	*held = 0;
	strbuf_addf(&idb, "%" PRId64, id);
	strbuf_addf(&code, "%d", exit_code);
	/* the statuses are sent once this commits: a crash must not undo it */
	if ((ret = store_exec(s, "BEGIN; SET LOCAL synchronous_commit = on", err)) < 0)
		goto done;
	params[0] = idb.buf;
	params[1] = owner;
	params[2] = worker;
	params[3] = code.buf;
	params[4] = summary;
	params[5] = result_json;
	if ((ret = owned_update(s,
	                        "UPDATE jobs SET state = 'done', lease_owner = NULL, "
	                        "lease_expires = NULL, worker = $3, exit_code = $4, summary = $5, "
	                        "result = $6::jsonb, error = NULL, finished_at = now() "
	                        "WHERE id = $1 AND lease_owner = $2 AND state = 'running'",
	                        6, params, "could not finish the job", held, err)) < 0 ||
	    !*held)
		goto rollback;
	for (i = 0; i < n; i++) {
		PGresult *res;

		params[1] = notes[i].forge;
		params[2] = notes[i].repo_name;
		params[3] = notes[i].sha;
		params[4] = notes[i].context;
		params[5] = notes[i].state;
		params[6] = notes[i].description;
		params[7] = empty_null(notes[i].target_url);
		res = PQexecParams(
		        s->conn,
		        "INSERT INTO notifications (job_id, forge, repo_name, sha, context, "
		        "state, description, target_url) VALUES ($1, $2, $3, $4, $5, $6, "
		        "$7, $8) ON CONFLICT (job_id, forge, sha, context) DO UPDATE SET "
		        "state = EXCLUDED.state, description = EXCLUDED.description, "
		        "target_url = EXCLUDED.target_url, status = 'pending'",
		        8, NULL, params, NULL, NULL, 0);
		ret = store_check(s, res, PGRES_COMMAND_OK, "could not store the notification",
		                  err);
		PQclear(res);
		if (ret < 0)
			goto rollback;
	}
	ret = store_exec(s, "COMMIT", err);
	if (ret < 0)
		*held = 0;
	goto done;
rollback:
	store_exec_quiet(s, "ROLLBACK");
done:
	strbuf_release(&idb);
	strbuf_release(&code);
	return ret;
}

int store_job_fail(struct store *s, int64_t id, const char *owner, const char *error, int permanent,
                   int retry_delay_s, enum store_job_state *state_out, int *held,
                   struct pw_error *err)
{
	struct strbuf idb = STRBUF_INIT, delay = STRBUF_INIT;
	const char *params[5];
	PGresult *res;
	int ret;

	*held = 0;
	strbuf_addf(&idb, "%" PRId64, id);
	strbuf_addf(&delay, "%d", retry_delay_s > 0 ? retry_delay_s : 0);
	params[0] = idb.buf;
	params[1] = owner;
	params[2] = error ? error : "unknown error";
	params[3] = permanent ? "t" : "f";
	params[4] = delay.buf;
	res = PQexecParams(
	        s->conn,
	        "UPDATE jobs SET error = $3, lease_owner = NULL, lease_expires = NULL, "
	        "state = CASE WHEN $4::boolean OR attempts >= max_attempts "
	        "THEN 'failed' ELSE 'queued' END, "
	        "finished_at = CASE WHEN $4::boolean OR attempts >= max_attempts "
	        "THEN now() END, "
	        "run_after = now() + $5 * interval '1 second' "
	        "WHERE id = $1 AND lease_owner = $2 AND state = 'running' RETURNING state",
	        5, NULL, params, NULL, NULL, 0);
	if ((ret = store_check(s, res, PGRES_TUPLES_OK, "could not record the job's failure",
	                       err)) < 0)
		goto done;
	if (PQntuples(res) == 1) {
		enum store_job_state st = STORE_JOB_FAILED;

		*held = 1;
		store_job_state_parse(PQgetvalue(res, 0, 0), &st, NULL);
		if (state_out)
			*state_out = st;
		if (st == STORE_JOB_QUEUED)
			PQclear(PQexecParams(s->conn,
			                     "SELECT pg_notify('" STORE_JOBS_CHANNEL "', $1)", 1,
			                     NULL, params, NULL, NULL, 0));
	}
done:
	PQclear(res);
	strbuf_release(&idb);
	strbuf_release(&delay);
	return ret;
}

int store_job_get(struct store *s, int64_t id, struct store_job *out, struct pw_error *err)
{
	struct strbuf idb = STRBUF_INIT;
	const char *params[1];
	PGresult *res;
	int ret;

	strbuf_addf(&idb, "%" PRId64, id);
	params[0] = idb.buf;
	res = PQexecParams(s->conn, "SELECT " JOB_COLUMNS " FROM jobs WHERE id = $1", 1, NULL,
	                   params, NULL, NULL, 0);
	if ((ret = store_check(s, res, PGRES_TUPLES_OK, "could not read the job", err)) < 0)
		goto done;
	if (PQntuples(res) != 1) {
		ret = pw_error_set(err, PW_ENOTFOUND, "no job %" PRId64, id);
		goto done;
	}
	job_from_row(res, 0, out);
done:
	PQclear(res);
	strbuf_release(&idb);
	return ret;
}

int store_jobs_list(struct store *s, int state, size_t limit, struct store_job **out, size_t *n,
                    struct pw_error *err)
{
	struct strbuf sql = STRBUF_INIT;
	const char *params[1];
	PGresult *res;
	int ret, i, nparams = 0;

	*out = NULL;
	*n = 0;
	strbuf_addstr(&sql, "SELECT " JOB_COLUMNS " FROM jobs");
	if (state >= 0) {
		strbuf_addstr(&sql, " WHERE state = $1");
		params[nparams++] = store_job_state_name((enum store_job_state)state);
	}
	strbuf_addstr(&sql, " ORDER BY id");
	if (limit)
		strbuf_addf(&sql, " LIMIT %zu", limit);
	res = PQexecParams(s->conn, sql.buf, nparams, NULL, params, NULL, NULL, 0);
	if ((ret = store_check(s, res, PGRES_TUPLES_OK, "could not list the jobs", err)) < 0)
		goto done;
	if (PQntuples(res) > 0) {
		*out = calloc((size_t)PQntuples(res), sizeof(**out));
		if (!*out)
			abort();
	}
	for (i = 0; i < PQntuples(res); i++) {
		struct store_job init = STORE_JOB_INIT;

		(*out)[i] = init;
		job_from_row(res, i, &(*out)[i]);
	}
	*n = (size_t)PQntuples(res);
done:
	PQclear(res);
	strbuf_release(&sql);
	return ret;
}

void store_jobs_free(struct store_job *jobs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		store_job_release(&jobs[i]);
	free(jobs);
}

int store_jobs_count(struct store *s, long counts[STORE_JOB_NSTATES], struct pw_error *err)
{
	PGresult *res = PQexec(s->conn, "SELECT state, count(*) FROM jobs GROUP BY state");
	int ret, i;

	for (i = 0; i < STORE_JOB_NSTATES; i++)
		counts[i] = 0;
	if ((ret = store_check(s, res, PGRES_TUPLES_OK, "could not count the jobs", err)) < 0)
		goto done;
	for (i = 0; i < PQntuples(res); i++) {
		enum store_job_state st;

		if (!store_job_state_parse(PQgetvalue(res, i, 0), &st, NULL))
			counts[st] = strtol(PQgetvalue(res, i, 1), NULL, 10);
	}
done:
	PQclear(res);
	return ret;
}

int store_jobs_listen(struct store *s, struct pw_error *err)
{
	return store_exec(s, "LISTEN " STORE_JOBS_CHANNEL, err);
}

static int drain_notifies(struct store *s)
{
	PGnotify *note;
	int got = 0;

	while ((note = PQnotifies(s->conn))) {
		got = 1;
		PQfreemem(note);
	}
	return got;
}

int store_jobs_wait(struct store *s, int timeout_ms, int *notified, struct pw_error *err)
{
	struct pollfd pfd;
	int r;

	*notified = 0;
	if (!PQconsumeInput(s->conn))
		goto lost;
	if ((*notified = drain_notifies(s)))
		return 0;
	pfd.fd = PQsocket(s->conn);
	pfd.events = POLLIN;
	pfd.revents = 0;
	if (pfd.fd < 0)
		goto lost;
	r = poll(&pfd, 1, timeout_ms);
	if (r < 0 && errno != EINTR)
		return pw_error_errno(err, PW_EIO, "could not wait for jobs");
	if (r <= 0)
		return 0;
	if (!PQconsumeInput(s->conn))
		goto lost;
	*notified = drain_notifies(s);
	return 0;
lost:
	return pw_error_set(err, PW_EDB, "lost the connection to the database (%s)",
	                    strbuf_str(&s->where));
}

#define NOTE_COLUMNS                                                                               \
	"id, coalesce(job_id, 0), forge, repo_name, sha, context, state, description, "            \
	"target_url, "                                                                             \
	"status, attempts, last_error"

static int notes_query(struct store *s, const char *where, int64_t job_id,
                       struct store_notification **out, size_t *n, struct pw_error *err)
{
	struct strbuf sql = STRBUF_INIT, idb = STRBUF_INIT;
	const char *params[1];
	PGresult *res;
	int ret, i;

	*out = NULL;
	*n = 0;
	strbuf_addf(&idb, "%" PRId64, job_id);
	params[0] = idb.buf;
	strbuf_addf(&sql,
	            "SELECT " NOTE_COLUMNS " FROM notifications WHERE %s AND ($1 = 0 OR job_id = "
	            "$1) ORDER BY id",
	            where);
	res = PQexecParams(s->conn, sql.buf, 1, NULL, params, NULL, NULL, 0);
	if ((ret = store_check(s, res, PGRES_TUPLES_OK, "could not read the notifications", err)) <
	    0)
		goto done;
	if (PQntuples(res) > 0) {
		*out = calloc((size_t)PQntuples(res), sizeof(**out));
		if (!*out)
			abort();
	}
	for (i = 0; i < PQntuples(res); i++) {
		struct store_notification *note = &(*out)[i];

		note->id = strtoll(PQgetvalue(res, i, 0), NULL, 10);
		note->job_id = strtoll(PQgetvalue(res, i, 1), NULL, 10);
		note->forge = dup_or_null(res, i, 2);
		note->repo_name = dup_or_null(res, i, 3);
		note->sha = dup_or_null(res, i, 4);
		note->context = dup_or_null(res, i, 5);
		note->state = dup_or_null(res, i, 6);
		note->description = dup_or_null(res, i, 7);
		note->target_url = dup_or_null(res, i, 8);
		note->status = dup_or_null(res, i, 9);
		note->attempts = atoi(PQgetvalue(res, i, 10));
		note->last_error = dup_or_null(res, i, 11);
	}
	*n = (size_t)PQntuples(res);
done:
	PQclear(res);
	strbuf_release(&sql);
	strbuf_release(&idb);
	return ret;
}

int store_notifications_unsent(struct store *s, int64_t job_id, struct store_notification **out,
                               size_t *n, struct pw_error *err)
{
	return notes_query(s, "status <> 'sent'", job_id, out, n, err);
}

int store_notifications_list(struct store *s, int64_t job_id, struct store_notification **out,
                             size_t *n, struct pw_error *err)
{
	return notes_query(s, "true", job_id, out, n, err);
}

void store_notifications_free(struct store_notification *notes, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(notes[i].forge);
		free(notes[i].repo_name);
		free(notes[i].sha);
		free(notes[i].context);
		free(notes[i].state);
		free(notes[i].description);
		free(notes[i].target_url);
		free(notes[i].status);
		free(notes[i].last_error);
	}
	free(notes);
}

int store_notification_mark(struct store *s, int64_t id, int sent, long http_status,
                            const char *error, struct pw_error *err)
{
	struct strbuf idb = STRBUF_INIT, code = STRBUF_INIT;
	const char *params[4];
	PGresult *res;
	int ret;

	strbuf_addf(&idb, "%" PRId64, id);
	strbuf_addf(&code, "%ld", http_status);
	params[0] = idb.buf;
	params[1] = sent ? "sent" : "failed";
	params[2] = http_status ? code.buf : NULL;
	params[3] = sent ? NULL : (error ? error : "unknown error");
	res = PQexecParams(s->conn,
	                   "UPDATE notifications SET status = $2, attempts = attempts + 1, "
	                   "http_status = $3, last_error = $4, "
	                   "sent_at = CASE WHEN $2 = 'sent' THEN now() END WHERE id = $1",
	                   4, NULL, params, NULL, NULL, 0);
	ret = store_check(s, res, PGRES_COMMAND_OK, "could not record the notification", err);
	PQclear(res);
	strbuf_release(&idb);
	strbuf_release(&code);
	return ret;
}
