#ifndef PERFWARDEN_INTAKE_H
#define PERFWARDEN_INTAKE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "db.h"
#include "error.h"
#include "strbuf.h"
#include "webhook.h"

/*
 * From a forge's webhook delivery to a job in the queue, without HTTP: the
 * server (runner/service/server) hands in the raw body and the header values; this
 * module checks the signature, parses the push, finds the repository to
 * measure, checks that it is allowed and enqueues the range once per
 * delivery and once per content. It opens no repository: the worker does.
 */
struct intake {
	struct store *store;         /* borrowed; used from one thread at a time */
	const struct config *config; /* borrowed */
};

struct intake_request {
	enum webhook_forge forge;
	const char *body;
	size_t body_len;
	const char *signature; /* the forge's signature header value, or NULL */
	const char *event;     /* the event header value, or NULL */
	const char *delivery;  /* the delivery id header value, or NULL */
	int unsigned_ok;       /* no secret configured, and the server allows an unsigned
	                          delivery from this peer (server.unsigned-hooks = loopback) */
};

/* The HTTP answer: status and a JSON body {"status": ..., "job": N} / {"error": ...}. */
struct intake_response {
	int status;
	struct strbuf body;
	int64_t job_id; /* the job enqueued (or the duplicate's), 0 when none */
};

#define INTAKE_RESPONSE_INIT                                                                       \
	{                                                                                          \
		0, STRBUF_INIT, 0                                                                  \
	}

void intake_response_release(struct intake_response *resp);

/*
 * Handle one delivery; `resp` always gets an answer:
 *   401 bad or missing signature (when a secret is configured): nothing enqueued;
 *   403 no secret is configured and `unsigned_ok` is not set, or the
 *       repository is not allowed (config_repository_allowed; the reason is
 *       in the answer);
 *   200 {"status": "ignored"} for events that are not pushes (GitHub's ping),
 *       deleted branches and tags;
 *   400 a push body that is not JSON or lacks a field;
 *   202 {"status": "queued", "job": N} for a new range;
 *   200 {"status": "duplicate", "job": N} for a delivery id seen before, or a
 *       push (forge, repository, before, after) already queued;
 *   503 the database failed (the forge will redeliver).
 * The repository measured is the config's location for the payload's
 * owner/name, else the clone URL (a file:// URL becomes its path). A new
 * branch (before = 0...) is queued with base_ref = its default branch (the
 * payload's default_branch, else HEAD): the worker judges it from their merge
 * base (the tip alone on the default branch itself).
 * Returns 0, or a negative code when a 5xx was answered (message in `err`).
 */
int intake_webhook(struct intake *in, const struct intake_request *rq, struct intake_response *resp,
                   struct pw_error *err);

/*
 * The repository location a clone URL names: "file:///x" → "/x", a path
 * stays, any other URL stays as is. Appended to `out`.
 */
void intake_location_from_url(const char *url, struct strbuf *out);

#endif
