#ifndef PERFWARDEN_NOTIFY_H
#define PERFWARDEN_NOTIFY_H

#include "error.h"
#include "strbuf.h"

/*
 * Sending verdicts back over HTTP (libcurl): a commit status on GitHub,
 * Gitea or GitLab, or a line of text to a generic JSON webhook (Slack's
 * `{"text": ...}` shape). The only runner module that speaks libcurl.
 *
 * Every request has a connect timeout and a total timeout, and is retried a
 * bounded number of times with exponential backoff on connection errors,
 * timeouts, HTTP 5xx and 429 (honouring Retry-After up to a cap); other 4xx
 * answers are final. Tokens never appear in an error message: URLs in
 * messages are redacted (notify_redact_url) and the token is scrubbed from
 * whatever the server or libcurl said.
 */

enum notify_forge {
	NOTIFY_GITHUB,
	NOTIFY_GITEA,
	NOTIFY_GITLAB,
	NOTIFY_WEBHOOK, /* generic JSON webhook: POST {"text": "..."} to api_url itself */
};

/* "github", "gitea", "gitlab" or "webhook". Static string. */
const char *notify_forge_name(enum notify_forge forge);

/* Parse a forge name (case-insensitive); 0, or PW_EINVALID naming the bad value. */
int notify_forge_parse(const char *name, enum notify_forge *out, struct pw_error *err);

/*
 * A commit status, mapped per forge:
 *              GitHub    Gitea     GitLab
 *   PENDING    pending   pending   pending
 *   RUNNING    pending   pending   running
 *   SUCCESS    success   success   success
 *   WARNING    success   warning   success   (a warning never fails a build)
 *   FAILURE    failure   failure   failed
 *   ERROR      error     error     failed
 *   CANCELED   error     error     canceled
 */
enum notify_state {
	NOTIFY_PENDING,
	NOTIFY_RUNNING,
	NOTIFY_SUCCESS,
	NOTIFY_WARNING,
	NOTIFY_FAILURE,
	NOTIFY_ERROR,
	NOTIFY_CANCELED,
};

/* The state's name as `forge` spells it (table above). Static string. */
const char *notify_state_name(enum notify_forge forge, enum notify_state state);

/*
 * The state a verdict maps to: "ok", "faster", "unchanged" (an identical
 * build cannot be slower), "inconclusive" (not ok, but the gate passes it by
 * default: a caller whose check fails inconclusive verdicts posts FAILURE
 * instead) → SUCCESS; "slower", "wrong-output", "build-failed", "crashed",
 * "timeout" → FAILURE; "unsure" → WARNING;
 * "pending"/"running" → PENDING/RUNNING; anything else → ERROR.
 */
enum notify_state notify_state_for_verdict(const char *verdict);

/*
 * Where and how to send. notify_init() copies `api_url` and `token` and sets
 * the default limits below, which the caller may change before posting.
 *   api_url: GitHub "https://api.github.com", Gitea "https://HOST/api/v1",
 *            GitLab "https://HOST/api/v4" (a trailing slash is fine), or for
 *            NOTIFY_WEBHOOK the full URL to POST to. http(s) only.
 *   token:   required for the forges; optional for a webhook (sent as
 *            "Authorization: Bearer" when given).
 */
struct notify {
	enum notify_forge forge;
	char *api_url;
	char *token;
	long connect_timeout_ms; /* default 5000 */
	long timeout_ms;         /* per attempt, default 20000 */
	int max_attempts;        /* default 3 (1: no retry) */
	long backoff_ms;         /* before the 2nd attempt, doubling after; default 500 */
	long backoff_max_ms;     /* cap on one backoff wait; default 30000 */
	long retry_after_max_ms; /* cap on an honoured Retry-After; default 60000 */
};

#define NOTIFY_INIT                                                                                \
	{                                                                                          \
		NOTIFY_GITHUB, NULL, NULL, 5000, 20000, 3, 500, 30000, 60000                       \
	}

/*
 * Set up `n` (any earlier contents are not freed). Returns 0, or
 * PW_EINVALID when api_url is missing or not http(s), or a forge lacks a
 * token; `n` is then safe to release.
 */
int notify_init(struct notify *n, enum notify_forge forge, const char *api_url, const char *token,
                struct pw_error *err);

/* Free the copied strings; `n` is NOTIFY_INIT again. */
void notify_release(struct notify *n);

/* Release and free a heap-allocated notify; accepts NULL. */
void notify_free(struct notify *n);

/* One commit status. Strings are borrowed. */
struct notify_status {
	const char *repo; /* GitHub/Gitea "owner/name"; GitLab a project id or "group/name" */
	const char *sha;  /* the commit: 40 or 64 hex digits */
	enum notify_state state;
	const char *context;     /* benchmark or "summary": sent as "perfwarden/<context>" */
	const char *description; /* one line; truncated to NOTIFY_DESCRIPTION_MAX */
	const char *target_url;  /* link to the dashboard, or NULL */
};

/* What happened, for callers that log or test it. */
struct notify_result {
	long http_status; /* last HTTP status, 0 when no answer came */
	int attempts;     /* requests made */
};

/*
 * Post `st` to the forge's commit status API:
 *   GitHub: POST {api}/repos/{owner}/{repo}/statuses/{sha}, Authorization: Bearer TOKEN,
 *           {state, description, target_url, context};
 *   Gitea:  the same path, Authorization: token TOKEN, the same body;
 *   GitLab: POST {api}/projects/{url-encoded id or path}/statuses/{sha}, PRIVATE-TOKEN: TOKEN,
 *           {state, name, description, target_url}.
 * A NULL context is sent as "perfwarden". Any 2xx answer is success.
 * Returns 0; PW_EINVALID for a bad status (repo not owner/name, sha not
 * hex) or for a NOTIFY_WEBHOOK target, without sending anything; PW_ETIMEOUT when the last attempt
 * timed out; PW_ERROR for any other final failure, e.g. "could not post status to
 * 'http://127.0.0.1:PORT/repos/o/r/statuses/SHA': HTTP 500 after 3 attempts".
 * `res` may be NULL.
 */
int notify_post_status(const struct notify *n, const struct notify_status *st,
                       struct notify_result *res, struct pw_error *err);

/*
 * Post {"text": text} to a NOTIFY_WEBHOOK target (Slack-compatible). Same
 * retries and returns as notify_post_status; the URL in messages shows only
 * scheme, host and port, since webhook URLs carry their secret in the path.
 */
int notify_post_text(const struct notify *n, const char *text, struct notify_result *res,
                     struct pw_error *err);

/* GitHub's limit on a status description, in bytes here (conservative for UTF-8). */
#define NOTIFY_DESCRIPTION_MAX 140

/*
 * Append `s` to `out` as one line of at most `max` bytes: control characters
 * become spaces, and a longer text is cut at a UTF-8 character boundary,
 * trailing spaces dropped, and ends in "..." (the result stays within `max`).
 */
void notify_truncate(struct strbuf *out, const char *s, size_t max);

/*
 * Append a one-line description of a verdict to `out`, from plain values:
 *   benchmark:    "julia", or NULL for a verdict about the whole commit
 *   verdict:      "slower", "faster", "ok", "unsure", "inconclusive", "unchanged",
 *                 "wrong-output", "build-failed", "crashed", "timeout" (others are
 *                 shown as is)
 *   ratio:        new time / old time (1.041 = 4.1% slower); <= 0 or NaN: unknown
 *   p_value:      the test's p value; < 0 or NaN: unknown
 *   cells_differ: for wrong output; < 0: unknown
 * e.g. "julia: 4.1% slower, p=0.002", "julia: wrong output, 2 cells differ",
 * "julia: no significant change (+0.4%)", "julia: inconclusive, +0.4%, p=0.300"
 * (the verdict part always starts "inconclusive"), "julia: unchanged:
 * identical build", "build failed". The text is
 * truncated to NOTIFY_DESCRIPTION_MAX. Returns 0, or PW_EINVALID when
 * verdict is NULL or empty.
 */
int notify_describe(struct strbuf *out, const char *benchmark, const char *verdict, double ratio,
                    double p_value, long cells_differ, struct pw_error *err);

/*
 * Append a form of `url` that is safe to show: user info becomes "***@", a
 * query string becomes "?***", a fragment is dropped, and with
 * `hide_path` everything after the path's first slash becomes "***".
 */
void notify_redact_url(struct strbuf *out, const char *url, int hide_path);

#endif
