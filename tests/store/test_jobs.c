/*
 * store/jobs.c against a real embedded PostgreSQL: deliveries are
 * idempotent; claims take the oldest job and skip one another's locked rows;
 * a lease holds until it expires and then passes to the next claimant, after
 * which the old owner can change nothing; failures retry a bounded number of
 * times; NOTIFY wakes a LISTENing connection without polling; a finished job
 * keeps its notifications until they are marked sent.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <time.h>

#include <cmocka.h>

#include "fixture.h"
#include "jobs.h"

static struct store_job_request request(const char *tip, const char *delivery)
{
	struct store_job_request rq = {"/srv/git/widget.git", "acme/widget", "gitea", "",   tip,
	                               "refs/heads/main",     delivery,      2,       NULL, NULL};

	return rq;
}

static int64_t enqueue(struct store *s, const char *tip, const char *delivery)
{
	struct store_job_request rq = request(tip, delivery);
	struct pw_error err = PW_ERROR_INIT;
	int64_t id = 0;
	int dup = -1;

	assert_int_equal(store_job_enqueue(s, &rq, &id, &dup, &err), 0);
	assert_int_equal(dup, 0);
	pw_error_release(&err);
	return id;
}

static void open_store(struct store *s)
{
	struct pw_error err = PW_ERROR_INIT;

	assert_int_equal(store_open(s, NULL, &err), 0);
	pw_error_release(&err);
}

static void test_jobs__a_redelivery_enqueues_nothing(void **state)
{
	struct store s = STORE_INIT;
	struct store_job_request rq = request("aaaa", "github:d-1");
	struct pw_error err = PW_ERROR_INIT;
	int64_t id = 0, again = 0;
	int dup = 0;

	(void)state;
	open_store(&s);
	id = enqueue(&s, "aaaa", "github:d-1");
	assert_true(id > 0);
	assert_int_equal(store_job_enqueue(&s, &rq, &again, &dup, &err), 0);
	assert_int_equal(dup, 1);
	assert_int_equal(again, id);
	assert_int_equal(
	        fixture_count("SELECT count(*) FROM jobs WHERE delivery_id = 'github:d-1'"), 1);
	assert_int_equal(store_delivery_record(&s, "github:d-2", &dup, &err), 0);
	assert_int_equal(dup, 0);
	assert_int_equal(store_delivery_record(&s, "github:d-2", &dup, &err), 0);
	assert_int_equal(dup, 1);
	store_release(&s);
	pw_error_release(&err);
}

static void test_jobs__one_push_queues_one_job_whatever_its_delivery_ids(void **state)
{
	struct store s = STORE_INIT;
	struct store_job_request rq = request("bbbb", NULL);
	struct store_job job = STORE_JOB_INIT;
	struct pw_error err = PW_ERROR_INIT;
	int64_t first = 0, again = 0;
	int dup = -1, i;

	(void)state;
	open_store(&s);
	rq.content_key = "gitea /srv/git/widget.git aaaa bbbb";
	rq.base_ref = "refs/heads/main";
	assert_int_equal(store_job_enqueue(&s, &rq, &first, &dup, &err), 0);
	assert_int_equal(dup, 0);
	assert_true(first > 0);
	/* replays: none, then fresh delivery ids each time */
	for (i = 0; i < 3; i++) {
		char delivery[32];

		snprintf(delivery, sizeof(delivery), "gitea:replay-%d", i);
		rq.delivery_id = i ? delivery : NULL;
		assert_int_equal(store_job_enqueue(&s, &rq, &again, &dup, &err), 0);
		assert_int_equal(dup, 1);
		assert_int_equal(again, first);
	}
	/* the same push under a fresh delivery id is not remembered as that delivery */
	rq.content_key = "gitea /srv/git/widget.git aaaa cccc";
	rq.delivery_id = "gitea:replay-1";
	assert_int_equal(store_job_enqueue(&s, &rq, &again, &dup, &err), 0);
	assert_int_equal(dup, 0);
	assert_true(again > first);
	assert_int_equal(store_job_get(&s, first, &job, &err), 0);
	assert_string_equal(job.base_ref, "refs/heads/main");
	store_job_release(&job);
	assert_int_equal(store_job_get(&s, again, &job, &err), 0);
	store_job_release(&job);
	/* enqueue by hand has no content key: the same range twice is two jobs */
	assert_true(enqueue(&s, "bbbb", NULL) != enqueue(&s, "bbbb", NULL));
	store_release(&s);
	pw_error_release(&err);
}

static void test_jobs__claims_skip_rows_another_worker_holds(void **state)
{
	struct store s = STORE_INIT;
	struct store_job job = STORE_JOB_INIT;
	struct pw_error err = PW_ERROR_INIT;
	PGconn *other = fixture_connect();
	int64_t first, second;
	int claimed = 0;
	char sql[128];

	(void)state;
	open_store(&s);
	PQclear(PQexec(other, "UPDATE jobs SET state = 'done'"));
	first = enqueue(&s, "bbbb", NULL);
	second = enqueue(&s, "cccc", NULL);
	/* another worker's claim transaction is in flight on the oldest job */
	PQclear(PQexec(other, "BEGIN"));
	snprintf(sql, sizeof(sql), "SELECT id FROM jobs WHERE id = %lld FOR UPDATE",
	         (long long)first);
	PQclear(PQexec(other, sql));
	assert_int_equal(store_job_claim(&s, "w1", 30, &job, &claimed, &err), 0);
	assert_int_equal(claimed, 1);
	assert_int_equal(job.id, second);
	assert_int_equal(job.state, STORE_JOB_RUNNING);
	assert_int_equal(job.attempts, 1);
	assert_string_equal(job.lease_owner, "w1");
	PQclear(PQexec(other, "ROLLBACK"));
	assert_int_equal(store_job_claim(&s, "w1", 30, &job, &claimed, &err), 0);
	assert_int_equal(claimed, 1);
	assert_int_equal(job.id, first);
	assert_int_equal(store_job_claim(&s, "w1", 30, &job, &claimed, &err), 0);
	assert_int_equal(claimed, 0);
	PQfinish(other);
	store_job_release(&job);
	store_release(&s);
	pw_error_release(&err);
}

static void test_jobs__an_expired_lease_passes_to_the_next_worker(void **state)
{
	struct store a = STORE_INIT, b = STORE_INIT;
	struct store_job job = STORE_JOB_INIT;
	struct pw_error err = PW_ERROR_INIT;
	struct timespec pause = {1, 300 * 1000000L};
	int64_t id;
	int claimed = 0, held = 0;

	(void)state;
	open_store(&a);
	open_store(&b);
	PQclear(PQexec((PGconn *)a.conn, "UPDATE jobs SET state = 'done'"));
	id = enqueue(&a, "dddd", NULL);
	assert_int_equal(store_job_claim(&a, "A", 1, &job, &claimed, &err), 0);
	assert_int_equal(claimed, 1);
	assert_int_equal(store_job_claim(&b, "B", 1, &job, &claimed, &err), 0);
	assert_int_equal(claimed, 0);
	assert_int_equal(store_job_renew(&a, id, "A", 1, &held, &err), 0);
	assert_int_equal(held, 1);
	nanosleep(&pause, NULL);
	assert_int_equal(store_job_claim(&b, "B", 30, &job, &claimed, &err), 0);
	assert_int_equal(claimed, 1);
	assert_int_equal(job.id, id);
	assert_int_equal(job.attempts, 2);
	/* the old owner can neither renew, nor finish, nor fail it any more */
	assert_int_equal(store_job_renew(&a, id, "A", 1, &held, &err), 0);
	assert_int_equal(held, 0);
	assert_int_equal(store_job_finish(&a, id, "A", "A", 1, "late", NULL, NULL, 0, &held, &err),
	                 0);
	assert_int_equal(held, 0);
	assert_int_equal(store_job_fail(&a, id, "A", "late", 1, 0, NULL, &held, &err), 0);
	assert_int_equal(held, 0);
	assert_int_equal(store_job_finish(&b, id, "B", "B", 0, "grid: ok", "{\"exit_code\": 0}",
	                                  NULL, 0, &held, &err),
	                 0);
	assert_int_equal(held, 1);
	assert_int_equal(store_job_get(&a, id, &job, &err), 0);
	assert_int_equal(job.state, STORE_JOB_DONE);
	assert_string_equal(job.worker, "B");
	assert_int_equal(job.exit_code, 0);
	assert_string_equal(job.summary, "grid: ok");
	assert_null(job.lease_owner);
	store_job_release(&job);
	store_release(&a);
	store_release(&b);
	pw_error_release(&err);
}

static void test_jobs__failures_retry_then_fail_with_the_reason(void **state)
{
	struct store s = STORE_INIT;
	struct store_job job = STORE_JOB_INIT;
	struct pw_error err = PW_ERROR_INIT;
	enum store_job_state left;
	int64_t id;
	int claimed = 0, held = 0;

	(void)state;
	open_store(&s);
	PQclear(PQexec((PGconn *)s.conn, "UPDATE jobs SET state = 'done'"));
	id = enqueue(&s, "eeee", NULL); /* max_attempts 2 */
	assert_int_equal(store_job_claim(&s, "w", 30, &job, &claimed, &err), 0);
	assert_int_equal(store_job_fail(&s, id, "w", "clone failed", 0, 0, &left, &held, &err), 0);
	assert_int_equal(held, 1);
	assert_int_equal(left, STORE_JOB_QUEUED);
	assert_int_equal(store_job_claim(&s, "w", 30, &job, &claimed, &err), 0);
	assert_int_equal(claimed, 1);
	assert_int_equal(job.attempts, 2);
	assert_int_equal(
	        store_job_fail(&s, id, "w", "clone failed again", 0, 0, &left, &held, &err), 0);
	assert_int_equal(left, STORE_JOB_FAILED);
	assert_int_equal(store_job_get(&s, id, &job, &err), 0);
	assert_string_equal(job.error, "clone failed again");
	assert_int_equal(store_job_claim(&s, "w", 30, &job, &claimed, &err), 0);
	assert_int_equal(claimed, 0);
	/* a permanent failure does not wait for the attempts */
	id = enqueue(&s, "ffff", NULL);
	assert_int_equal(store_job_claim(&s, "w", 30, &job, &claimed, &err), 0);
	assert_int_equal(store_job_fail(&s, id, "w", "empty range", 1, 0, &left, &held, &err), 0);
	assert_int_equal(left, STORE_JOB_FAILED);
	/* a retry delay keeps a job out of reach until it is due */
	id = enqueue(&s, "abab", NULL);
	assert_int_equal(store_job_claim(&s, "w", 30, &job, &claimed, &err), 0);
	assert_int_equal(store_job_fail(&s, id, "w", "db hiccup", 0, 60, &left, &held, &err), 0);
	assert_int_equal(left, STORE_JOB_QUEUED);
	assert_int_equal(store_job_claim(&s, "w", 30, &job, &claimed, &err), 0);
	assert_int_equal(claimed, 0);
	store_job_release(&job);
	store_release(&s);
	pw_error_release(&err);
}

static void test_jobs__notify_wakes_a_listener_without_polling(void **state)
{
	struct store listener = STORE_INIT, producer = STORE_INIT;
	struct pw_error err = PW_ERROR_INIT;
	struct timespec t0, t1;
	int notified = -1;

	(void)state;
	open_store(&listener);
	open_store(&producer);
	assert_int_equal(store_jobs_listen(&listener, &err), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(store_jobs_wait(&listener, 200, &notified, &err), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_int_equal(notified, 0);
	assert_true((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 >= 150);
	enqueue(&producer, "9999", NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(store_jobs_wait(&listener, 10000, &notified, &err), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_int_equal(notified, 1);
	assert_true(t1.tv_sec - t0.tv_sec < 5);
	store_release(&listener);
	store_release(&producer);
	pw_error_release(&err);
}

static void test_jobs__notifications_stay_until_sent(void **state)
{
	struct store s = STORE_INIT;
	struct store_job job = STORE_JOB_INIT;
	struct store_notification *notes = NULL;
	struct store_notification_request rq[2] = {
	        {"gitea", "acme/widget", "1234", "grid", "failure", "grid: 4.1% slower, p=0.002",
	         "http://ci/commit/1234"},
	        {"webhook", "acme/widget", "1234", "summary", "failure", "perfwarden FAILED", NULL},
	};
	struct pw_error err = PW_ERROR_INIT;
	size_t n = 0;
	int64_t id;
	int claimed = 0, held = 0;

	(void)state;
	open_store(&s);
	PQclear(PQexec((PGconn *)s.conn, "UPDATE jobs SET state = 'done'"));
	id = enqueue(&s, "1234", NULL);
	assert_int_equal(store_job_claim(&s, "w", 30, &job, &claimed, &err), 0);
	assert_int_equal(
	        store_job_finish(&s, id, "w", "w", 1, "grid: slower", NULL, rq, 2, &held, &err), 0);
	assert_int_equal(held, 1);
	assert_int_equal(store_notifications_unsent(&s, id, &notes, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(notes[0].description, "grid: 4.1% slower, p=0.002");
	assert_string_equal(notes[0].status, "pending");
	assert_null(notes[1].target_url);
	assert_int_equal(store_notification_mark(&s, notes[0].id, 1, 201, NULL, &err), 0);
	assert_int_equal(store_notification_mark(&s, notes[1].id, 0, 500, "HTTP 500", &err), 0);
	store_notifications_free(notes, n);
	assert_int_equal(store_notifications_unsent(&s, id, &notes, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(notes[0].status, "failed");
	assert_string_equal(notes[0].last_error, "HTTP 500");
	assert_int_equal(notes[0].attempts, 1);
	store_notifications_free(notes, n);
	store_job_release(&job);
	store_release(&s);
	pw_error_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_jobs__a_redelivery_enqueues_nothing),
	        cmocka_unit_test(test_jobs__one_push_queues_one_job_whatever_its_delivery_ids),
	        cmocka_unit_test(test_jobs__claims_skip_rows_another_worker_holds),
	        cmocka_unit_test(test_jobs__an_expired_lease_passes_to_the_next_worker),
	        cmocka_unit_test(test_jobs__failures_retry_then_fail_with_the_reason),
	        cmocka_unit_test(test_jobs__notify_wakes_a_listener_without_polling),
	        cmocka_unit_test(test_jobs__notifications_stay_until_sent),
	};

	return cmocka_run_group_tests(tests, fixture_setup, fixture_teardown);
}
