#ifndef PERFWARDEN_WEBHOOK_H
#define PERFWARDEN_WEBHOOK_H

#include <stddef.h>

#include "error.h"

/*
 * Incoming forge webhooks, as pure functions: check a delivery's signature
 * and turn a push event's JSON body into a `struct webhook_push`. No I/O and
 * no HTTP here; the server hands in the raw body and the header values it
 * received, and decides what to do with the answer.
 */

enum webhook_forge {
	WEBHOOK_GITHUB,
	WEBHOOK_GITEA,
	WEBHOOK_GITLAB,
};

/* "github", "gitea" or "gitlab". Static string. */
const char *webhook_forge_name(enum webhook_forge forge);

/* Parse a forge name (case-insensitive); 0, or PW_EINVALID naming the bad value. */
int webhook_forge_parse(const char *name, enum webhook_forge *out, struct pw_error *err);

/*
 * Header names a server needs, per forge (static strings, matched
 * case-insensitively as HTTP does):
 *   signature: X-Hub-Signature-256 / X-Gitea-Signature / X-Gitlab-Token
 *   event:     X-GitHub-Event / X-Gitea-Event / X-Gitlab-Event
 *   delivery:  X-GitHub-Delivery / X-Gitea-Delivery / X-Gitlab-Event-UUID
 *              (GitLab 17.4+ also sends Idempotency-Key, which is the same
 *              across retries of one event: prefer it when present)
 */
const char *webhook_signature_header(enum webhook_forge forge);
const char *webhook_event_header(enum webhook_forge forge);
const char *webhook_delivery_header(enum webhook_forge forge);

/*
 * Whether the event header's value names a push (GitHub/Gitea "push",
 * GitLab "Push Hook" or "Tag Push Hook"). NULL is not a push. Other events
 * (GitHub's "ping", for one) should be acknowledged and ignored.
 */
int webhook_is_push_event(enum webhook_forge forge, const char *event);

/*
 * HMAC-SHA256 of `data` keyed with `key`, written as 64 lowercase hex digits
 * and a NUL into `hex`.
 */
void webhook_hmac_sha256_hex(const void *key, size_t key_len, const void *data, size_t len,
                             char hex[65]);

/*
 * Check one delivery against the configured `secret`:
 *   GitHub: `signature` is the X-Hub-Signature-256 value, "sha256=<64 hex>",
 *           the HMAC-SHA256 of the raw body;
 *   Gitea:  the X-Gitea-Signature value, "<64 hex>" (same HMAC, no prefix);
 *   GitLab: the X-Gitlab-Token value, the secret itself.
 * Comparisons take constant time (CRYPTO_memcmp over fixed-size digests).
 * Returns 0 when the delivery is authentic; PW_EINVALID when no secret is
 * configured (NULL or "") or the header is missing (NULL) or malformed;
 * PW_EMISMATCH when it is well-formed but wrong. The message never contains
 * the secret or the received signature.
 */
int webhook_verify(enum webhook_forge forge, const char *secret, const void *body, size_t body_len,
                   const char *signature, struct pw_error *err);

enum webhook_push_flags {
	WEBHOOK_PUSH_CREATED = 1 << 0, /* before is all zeros: a new branch or tag */
	WEBHOOK_PUSH_DELETED = 1 << 1, /* after is all zeros: nothing to measure */
	WEBHOOK_PUSH_TAG = 1 << 2,     /* ref is under refs/tags/ */
};

/*
 * One push event. All strings are owned by the struct (freed by
 * webhook_push_release); the optional ones are NULL when the payload or the
 * caller did not give them.
 */
struct webhook_push {
	enum webhook_forge forge;
	char *repo_full_name; /* "owner/name" (GitLab: path_with_namespace) */
	char *clone_url;      /* http(s) or file URL, or a local path */
	char *ssh_url;        /* optional */
	char *html_url;       /* optional */
	char *ref;            /* "refs/heads/main" */
	char *ref_name;       /* ref without refs/heads/ or refs/tags/: "main" */
	char *before;         /* hex object id; all zeros for a created ref */
	char *after;          /* hex object id; all zeros for a deleted ref */
	char *default_branch; /* optional */
	char *delivery_id;    /* optional: copied from the caller's header value */
	unsigned flags;       /* enum webhook_push_flags */
};

#define WEBHOOK_PUSH_INIT                                                                          \
	{                                                                                          \
		WEBHOOK_GITHUB, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0      \
	}

void webhook_push_init(struct webhook_push *push);

/* Free the strings; the struct is WEBHOOK_PUSH_INIT again. */
void webhook_push_release(struct webhook_push *push);

/* Release and free a heap-allocated push; accepts NULL. */
void webhook_push_free(struct webhook_push *push);

/*
 * Parse a push event body of `forge` into `push` (released first, so a
 * struct may be reused). `delivery_id` is the delivery header's value, or
 * NULL. Field sources:
 *   GitHub/Gitea: repository.full_name, repository.clone_url / ssh_url /
 *                 html_url / default_branch, ref, before, after;
 *   GitLab:       project.path_with_namespace, project.git_http_url (else
 *                 repository.git_http_url), project.git_ssh_url / web_url /
 *                 default_branch, ref, before, after.
 * `before` and `after` must be 40 (SHA-1) or 64 (SHA-256) hex digits and
 * `ref` must start with "refs/". Returns 0, or PW_EINVALID for a body that
 * is not JSON or lacks a field, with a message naming the field
 * ("invalid github push payload: missing 'repository.clone_url'"); on
 * failure `push` is left released.
 */
int webhook_push_parse(struct webhook_push *push, enum webhook_forge forge, const char *body,
                       size_t body_len, const char *delivery_id, struct pw_error *err);

#endif
