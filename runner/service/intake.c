/*
 * Webhook intake: the part of `perfwarden serve` that turns one signed push
 * delivery into one job. It only validates and queues — no repository is
 * opened or cloned while the forge waits: a new branch's base is found by
 * the worker (runner/service/worker). Signature checks and payload parsing are
 * runner/service/webhook's; which repositories may be measured is the config's
 * (config_repository_allowed); the queue is store/jobs. The HTTP side (sockets,
 * body limits, Host and peer checks) is runner/service/server's.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "intake.h"
#include "jobs.h"

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

int intake_webhook(struct intake *in, const struct intake_request *rq, struct intake_response *resp,
                   struct pw_error *err)
{
	struct webhook_push push = WEBHOOK_PUSH_INIT;
	struct store_job_request job = {0};
	struct strbuf delivery = STRBUF_INIT, location = STRBUF_INIT, why = STRBUF_INIT;
	struct strbuf content = STRBUF_INIT, base_ref = STRBUF_INIT;
	struct pw_error perr = PW_ERROR_INIT;
	const struct config_repository *cr;
	const char *secret = config_secret(in->config);
	int ret = 0, dup = 0;

	resp->job_id = 0;
	if (secret &&
	    webhook_verify(rq->forge, secret, rq->body, rq->body_len, rq->signature, &perr) < 0) {
		answer_error(resp, 401, pw_error_message(&perr));
		goto done;
	}
	if (!secret && !rq->unsigned_ok) {
		answer_error(resp, 403,
		             "unsigned webhooks are refused: no webhook secret is configured "
		             "(server.secret or PERFWARDEN_WEBHOOK_SECRET; server.unsigned-hooks = "
		             "loopback allows them from loopback only, for tests)");
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
	if (!config_repository_allowed(in->config, location.buf, &why)) {
		answer_error(resp, 403, why.buf);
		goto done;
	}
	if (push.flags & WEBHOOK_PUSH_CREATED) {
		if (push.default_branch && *push.default_branch)
			strbuf_addf(&base_ref, "refs/heads/%s", push.default_branch);
		else
			strbuf_addstr(&base_ref, "HEAD");
	}
	strbuf_addf(&content, "%s %s %s %s", webhook_forge_name(rq->forge), location.buf,
	            push.before, push.after);
	job.repo = location.buf;
	job.repo_name = push.repo_full_name;
	job.forge = webhook_forge_name(rq->forge);
	job.base = push.flags & WEBHOOK_PUSH_CREATED ? "" : push.before;
	job.base_ref = base_ref.len ? base_ref.buf : NULL;
	job.tip = push.after;
	job.ref = push.ref;
	job.delivery_id = delivery.len ? delivery.buf : NULL;
	job.content_key = content.buf;
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
	strbuf_release(&content);
	strbuf_release(&base_ref);
	pw_error_release(&perr);
	return ret;
}
