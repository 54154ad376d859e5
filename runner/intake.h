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
 * server (runner/server) hands in the raw body and the header values; this
 * module checks the signature, parses the push, finds the repository to
 * measure, works out the range and enqueues it once per delivery.
 */
struct intake {
	struct store *store;         /* borrowed; used from one thread at a time */
	const struct config *config; /* borrowed */
	const char *cache_dir;       /* clones of URL repositories; NULL: $PERFWARDEN_HOME/repos */
};

struct intake_request {
	enum webhook_forge forge;
	const char *body;
	size_t body_len;
	const char *signature; /* the forge's signature header value, or NULL */
	const char *event;     /* the event header value, or NULL */
	const char *delivery;  /* the delivery id header value, or NULL */
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
 *   200 {"status": "ignored"} for events that are not pushes (GitHub's ping),
 *       deleted branches and tags;
 *   400 a push body that is not JSON or lacks a field;
 *   202 {"status": "queued", "job": N} for a new range;
 *   200 {"status": "duplicate", "job": N} for a delivery id seen before;
 *   422 a new branch whose merge base cannot be found (the repository is not
 *       reachable or lacks the commit);
 *   503 the database failed (the forge will redeliver).
 * Without a configured secret every delivery is accepted (the server only
 * allows that on loopback). The repository measured is the config's
 * location for the payload's owner/name, else the clone URL (a file:// URL
 * becomes its path). A new branch (before = 0...) is judged from its merge
 * base with the default branch (the payload's default_branch, else HEAD);
 * when the push is on the default branch itself, the tip alone.
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
