/*
 * Webhook intake: the part of `perfwarden serve` that turns one signed push
 * delivery into one job. Signature checks and payload parsing are
 * runner/webhook's; the merge base of a new branch is runner/checkout's;
 * the queue is store/jobs. The HTTP side (sockets, body limits) is
 * runner/server's.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "checkout.h"
#include "intake.h"
#include "jobs.h"
#include "paths.h"

void intake_response_release(struct intake_response *resp)
{
	strbuf_release(&resp->body);
	resp->status = 0;
	resp->job_id = 0;
}

static void answer(struct intake_response *resp, int status, json_t *doc)
{
	char *text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);

	resp->status = status;
	strbuf_reset(&resp->body);
	strbuf_addstr(&resp->body, text ? text : "{}");
	strbuf_addch(&resp->body, '\n');
	free(text);
	json_decref(doc);
}

static void answer_error(struct intake_response *resp, int status, const char *message)
{
	answer(resp, status, json_pack("{s:s}", "error", message));
}

static void answer_status(struct intake_response *resp, int status, const char *what,
                          const char *reason)
{
	json_t *doc = json_pack("{s:s}", "status", what);

	if (reason)
		json_object_set_new(doc, "reason", json_string(reason));
	if (resp->job_id)
		json_object_set_new(doc, "job", json_integer(resp->job_id));
	answer(resp, status, doc);
}

void intake_location_from_url(const char *url, struct strbuf *out)
{
	if (!strncmp(url, "file://", 7)) {
		const char *path = url + 7;

		if (!strncmp(path, "localhost/", 10))
			path += 9;
		strbuf_addstr(out, path);
		return;
	}
	strbuf_addstr(out, url);
}

/* The base to judge a new branch from; "" when the tip is to be judged alone. */
static int new_branch_base(struct intake *in, const char *location, const struct webhook_push *push,
                           char base[CHECKOUT_HASH_HEX + 1], struct pw_error *err)
{
	struct strbuf cache = STRBUF_INIT, def = STRBUF_INIT;
	struct checkout_repo *repo = NULL;
	int ret;

	base[0] = '\0';
	if (in->cache_dir) {
		strbuf_addstr(&cache, in->cache_dir);
	} else {
		paths_home(&cache);
		strbuf_addstr(&cache, "/repos");
	}
	if ((ret = checkout_repo_open(&repo, location, cache.buf, err)) < 0)
		goto done;
	if (push->default_branch && *push->default_branch)
		strbuf_addf(&def, "refs/heads/%s", push->default_branch);
	else
		strbuf_addstr(&def, "HEAD");
	ret = checkout_merge_base(repo, def.buf, push->after, base, err);
	if (ret == PW_ENOTFOUND) {
		/* no default branch yet, or unrelated histories: the tip alone */
		struct checkout_commit tip = CHECKOUT_COMMIT_INIT;

		ret = checkout_commit_lookup(repo, push->after, &tip, err);
		checkout_commit_release(&tip);
		base[0] = '\0';
		goto done;
	}
	if (ret < 0)
		goto done;
	if (!strcmp(base, push->after))
		base[0] = '\0';
done:
	checkout_repo_free(repo);
	strbuf_release(&cache);
	strbuf_release(&def);
	return ret;
}

int intake_webhook(struct intake *in, const struct intake_request *rq, struct intake_response *resp,
                   struct pw_error *err)
{
	struct webhook_push push = WEBHOOK_PUSH_INIT;
	struct store_job_request job = {0};
	struct strbuf delivery = STRBUF_INIT, location = STRBUF_INIT, why = STRBUF_INIT;
	struct pw_error perr = PW_ERROR_INIT;
	const struct config_repository *cr;
	const char *secret = config_secret(in->config);
	char base[CHECKOUT_HASH_HEX + 1] = "";
	int ret = 0, dup = 0;

	resp->job_id = 0;
	if (secret &&
	    webhook_verify(rq->forge, secret, rq->body, rq->body_len, rq->signature, &perr) < 0) {
		answer_error(resp, 401, pw_error_message(&perr));
		goto done;
	}
	if (!webhook_is_push_event(rq->forge, rq->event)) {
		strbuf_addf(&why, "not a push event ('%s')", rq->event ? rq->event : "none");
		answer_status(resp, 200, "ignored", why.buf);
		goto done;
	}
	if (webhook_push_parse(&push, rq->forge, rq->body, rq->body_len, rq->delivery, &perr) < 0) {
		answer_error(resp, 400, pw_error_message(&perr));
		goto done;
	}
	if (rq->delivery && *rq->delivery)
		strbuf_addf(&delivery, "%s:%s", webhook_forge_name(rq->forge), rq->delivery);
	if (push.flags & (WEBHOOK_PUSH_DELETED | WEBHOOK_PUSH_TAG)) {
		if ((ret = store_delivery_record(in->store, delivery.len ? delivery.buf : NULL,
		                                 &dup, err)) < 0)
			goto db_failed;
		answer_status(resp, 200, dup ? "duplicate" : "ignored",
		              push.flags & WEBHOOK_PUSH_DELETED ? "branch deleted" : "tag");
		goto done;
	}
	cr = config_repository_find(in->config, push.repo_full_name, NULL);
	if (cr && cr->location)
		strbuf_addstr(&location, cr->location);
	else
		intake_location_from_url(push.clone_url, &location);
	if (push.flags & WEBHOOK_PUSH_CREATED) {
		if (new_branch_base(in, location.buf, &push, base, &perr) < 0) {
			strbuf_addf(&why, "could not find where branch '%s' starts: %s",
			            push.ref_name ? push.ref_name : push.ref,
			            pw_error_message(&perr));
			answer_error(resp, 422, why.buf);
			goto done;
		}
	}
	job.repo = location.buf;
	job.repo_name = push.repo_full_name;
	job.forge = webhook_forge_name(rq->forge);
	job.base = push.flags & WEBHOOK_PUSH_CREATED ? base : push.before;
	job.tip = push.after;
	job.ref = push.ref;
	job.delivery_id = delivery.len ? delivery.buf : NULL;
	job.max_attempts = in->config->attempts;
	if ((ret = store_job_enqueue(in->store, &job, &resp->job_id, &dup, err)) < 0)
		goto db_failed;
	if (dup)
		answer_status(resp, 200, "duplicate", NULL);
	else
		answer_status(resp, 202, "queued", NULL);
	goto done;
db_failed:
	answer_error(resp, 503, "the job queue is not available; deliver again later");
done:
	webhook_push_release(&push);
	strbuf_release(&delivery);
	strbuf_release(&location);
	strbuf_release(&why);
	pw_error_release(&perr);
	return ret;
}
