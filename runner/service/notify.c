/*
 * The last step of a job: telling developers where they look. Once the judge
 * has a verdict, the worker (or `perfwarden notify --retry`) posts a commit
 * status to GitHub, Gitea or GitLab, or a line of text to a chat webhook.
 * Network failures are expected here, so every request is bounded in time
 * and retried with backoff, and no message built here ever shows a token.
 * The only runner module that uses libcurl; bodies are built with jansson.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

#include "notify.h"

#define RESPONSE_MAX       (64 * 1024)
#define SERVER_MESSAGE_MAX 200
#define WORD_REACH         20 /* bytes a truncation may step back to end on a word */

static const char *const forge_names[] = {"github", "gitea", "gitlab", "webhook"};

const char *notify_forge_name(enum notify_forge forge)
{
	if ((unsigned)forge < sizeof(forge_names) / sizeof(forge_names[0]))
		return forge_names[forge];
	return "unknown";
}

int notify_forge_parse(const char *name, enum notify_forge *out, struct pw_error *err)
{
	size_t i;

	for (i = 0; name && i < sizeof(forge_names) / sizeof(forge_names[0]); i++) {
		if (!strcasecmp(name, forge_names[i])) {
			*out = (enum notify_forge)i;
			return 0;
		}
	}
	return pw_error_set(err, PW_EINVALID,
	                    "unknown forge '%s': expected github, gitea, gitlab or webhook",
	                    name ? name : "");
}

const char *notify_state_name(enum notify_forge forge, enum notify_state state)
{
	int gitlab = forge == NOTIFY_GITLAB;

	switch (state) {
	case NOTIFY_PENDING:
		return "pending";
	case NOTIFY_RUNNING:
		return gitlab ? "running" : "pending";
	case NOTIFY_SUCCESS:
		return "success";
	case NOTIFY_WARNING:
		return forge == NOTIFY_GITEA ? "warning" : "success";
	case NOTIFY_FAILURE:
		return gitlab ? "failed" : "failure";
	case NOTIFY_ERROR:
		return gitlab ? "failed" : "error";
	case NOTIFY_CANCELED:
		return gitlab ? "canceled" : "error";
	}
	return gitlab ? "failed" : "error";
}

enum notify_state notify_state_for_verdict(const char *verdict)
{
	static const struct {
		const char *verdict;
		enum notify_state state;
	} map[] = {
	        {"ok", NOTIFY_SUCCESS},           {"faster", NOTIFY_SUCCESS},
	        {"slower", NOTIFY_FAILURE},       {"wrong-output", NOTIFY_FAILURE},
	        {"build-failed", NOTIFY_FAILURE}, {"crashed", NOTIFY_FAILURE},
	        {"timeout", NOTIFY_FAILURE},      {"unsure", NOTIFY_WARNING},
	        {"unchanged", NOTIFY_SUCCESS},    {"inconclusive", NOTIFY_SUCCESS},
	        {"pending", NOTIFY_PENDING},      {"running", NOTIFY_RUNNING},
	        {"test-failed", NOTIFY_FAILURE},  {"unverified", NOTIFY_SUCCESS},
	};
	size_t i;

	for (i = 0; verdict && i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(verdict, map[i].verdict))
			return map[i].state;
	return NOTIFY_ERROR;
}

static char *xstrdup(const char *s)
{
	char *copy = strdup(s);

	if (!copy)
		abort();
	return copy;
}

static int is_http_url(const char *url)
{
	return url && (!strncasecmp(url, "http://", 7) || !strncasecmp(url, "https://", 8)) &&
	       url[strcspn(url, "\r\n")] == '\0';
}

static int has_control_chars(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

int notify_init(struct notify *n, enum notify_forge forge, const char *api_url, const char *token,
                struct pw_error *err)
{
	struct notify blank = NOTIFY_INIT;
	struct strbuf shown = STRBUF_INIT;
	int rc = 0;

	*n = blank;
	n->forge = forge;
	if ((unsigned)forge >= sizeof(forge_names) / sizeof(forge_names[0])) {
		rc = pw_error_set(err, PW_EINVALID, "unknown forge %d", (int)forge);
		goto done;
	}
	if (!api_url || !*api_url) {
		rc = pw_error_set(err, PW_EINVALID, "no %s URL configured",
		                  notify_forge_name(forge));
		goto done;
	}
	if (!is_http_url(api_url)) {
		notify_redact_url(&shown, api_url, forge == NOTIFY_WEBHOOK);
		rc = pw_error_set(err, PW_EINVALID,
		                  "invalid %s URL '%s': expected http:// or https://",
		                  notify_forge_name(forge), strbuf_str(&shown));
		goto done;
	}
	if (forge != NOTIFY_WEBHOOK && (!token || !*token)) {
		rc = pw_error_set(err, PW_EINVALID, "no %s token configured",
		                  notify_forge_name(forge));
		goto done;
	}
	if (token && has_control_chars(token)) {
		rc = pw_error_set(err, PW_EINVALID,
		                  "invalid %s token: it contains control characters",
		                  notify_forge_name(forge));
		goto done;
	}
	n->api_url = xstrdup(api_url);
	if (token && *token)
		n->token = xstrdup(token);

done:
	strbuf_release(&shown);
	return rc;
}

void notify_release(struct notify *n)
{
	struct notify blank = NOTIFY_INIT;

	if (!n)
		return;
	free(n->api_url);
	free(n->token);
	*n = blank;
}

void notify_free(struct notify *n)
{
	if (!n)
		return;
	notify_release(n);
	free(n);
}

void notify_redact_url(struct strbuf *out, const char *url, int hide_path)
{
	const char *scheme_end, *authority, *authority_end, *at, *path_end;

	if (!url)
		return;
	scheme_end = strstr(url, "://");
	if (!scheme_end) {
		strbuf_addstr(out, "***");
		return;
	}
	authority = scheme_end + 3;
	authority_end = authority + strcspn(authority, "/?#");
	strbuf_add(out, url, (size_t)(authority - url));
	at = memchr(authority, '@', (size_t)(authority_end - authority));
	while (at && memchr(at + 1, '@', (size_t)(authority_end - at - 1)))
		at = memchr(at + 1, '@', (size_t)(authority_end - at - 1));
	if (at) {
		strbuf_addstr(out, "***@");
		authority = at + 1;
	}
	strbuf_add(out, authority, (size_t)(authority_end - authority));
	path_end = authority_end + strcspn(authority_end, "?#");
	if (hide_path && path_end > authority_end + 1)
		strbuf_addstr(out, "/***");
	else
		strbuf_add(out, authority_end, (size_t)(path_end - authority_end));
	if (*path_end == '?')
		strbuf_addstr(out, "?***");
}

/* Replace every occurrence of `secret` in `sb` by "***". */
static void scrub(struct strbuf *sb, const char *secret)
{
	struct strbuf clean = STRBUF_INIT;
	size_t secret_len = secret ? strlen(secret) : 0;
	const char *p, *hit;

	if (!secret_len || !sb->len || !strstr(sb->buf, secret))
		return;
	for (p = sb->buf; (hit = strstr(p, secret)); p = hit + secret_len) {
		strbuf_add(&clean, p, (size_t)(hit - p));
		strbuf_addstr(&clean, "***");
	}
	strbuf_addstr(&clean, p);
	strbuf_release(sb);
	*sb = clean;
}

/* Move a cut back to the last space within a short reach, so no word is split. */
static size_t word_boundary(const char *line, size_t cut)
{
	size_t k;

	if (line[cut] == ' ')
		return cut;
	for (k = cut; k > 0 && cut - k < WORD_REACH; k--)
		if (line[k - 1] == ' ')
			return k - 1;
	return cut;
}

void notify_truncate(struct strbuf *out, const char *s, size_t max)
{
	struct strbuf line = STRBUF_INIT;
	size_t cut;

	for (; s && *s; s++)
		strbuf_addch(&line, ((unsigned char)*s < 0x20 || *s == 0x7f) ? ' ' : *s);
	if (line.len <= max) {
		strbuf_add(out, line.buf, line.len);
		goto done;
	}
	cut = max >= 3 ? max - 3 : max;
	while (cut > 0 && ((unsigned char)line.buf[cut] & 0xc0) == 0x80)
		cut--;
	cut = word_boundary(line.buf, cut);
	while (cut > 0 && line.buf[cut - 1] == ' ')
		cut--;
	strbuf_add(out, line.buf, cut);
	if (max >= 3)
		strbuf_addstr(out, "...");

done:
	strbuf_release(&line);
}

static int known(double x)
{
	return !isnan(x) && !isinf(x);
}

/*
 * Append one part of a description: the first after the "benchmark: " prefix
 * as is, later ones after ", ". `sep` tracks which.
 */
static void add_part(struct strbuf *sb, const char **sep, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void add_part(struct strbuf *sb, const char **sep, const char *fmt, ...)
{
	va_list ap;

	strbuf_addstr(sb, *sep);
	*sep = ", ";
	va_start(ap, fmt);
	strbuf_vaddf(sb, fmt, ap);
	va_end(ap);
}

static void add_p_value(struct strbuf *sb, const char **sep, double p_value)
{
	if (!known(p_value) || p_value < 0)
		return;
	if (p_value < 0.001)
		add_part(sb, sep, "p<0.001");
	else
		add_part(sb, sep, "p=%.3f", p_value);
}

int notify_describe(struct strbuf *out, const char *benchmark, const char *verdict, double ratio,
                    double p_value, long cells_differ, struct pw_error *err)
{
	struct strbuf text = STRBUF_INIT;
	int have_ratio = known(ratio) && ratio > 0;
	double change_pct = 100.0 * (ratio - 1.0);
	const char *sep = "";

	if (!verdict || !*verdict)
		return pw_error_set(err, PW_EINVALID, "cannot describe a result without a verdict");
	if (benchmark && *benchmark)
		strbuf_addf(&text, "%s: ", benchmark);

	if (!strcmp(verdict, "slower") || !strcmp(verdict, "faster")) {
		if (have_ratio)
			add_part(&text, &sep, "%.1f%% %s", fabs(change_pct), verdict);
		else
			add_part(&text, &sep, "%s", verdict);
		add_p_value(&text, &sep, p_value);
	} else if (!strcmp(verdict, "ok")) {
		add_part(&text, &sep, "no significant change");
		if (have_ratio)
			strbuf_addf(&text, " (%+.1f%%)", change_pct);
	} else if (!strcmp(verdict, "unsure")) {
		add_part(&text, &sep, "unsure");
		if (have_ratio)
			add_part(&text, &sep, "%+.1f%%", change_pct);
		add_p_value(&text, &sep, p_value);
	} else if (!strcmp(verdict, "inconclusive")) {
		add_part(&text, &sep, "inconclusive");
		if (have_ratio)
			add_part(&text, &sep, "%+.1f%%", change_pct);
		add_p_value(&text, &sep, p_value);
	} else if (!strcmp(verdict, "unchanged")) {
		add_part(&text, &sep, "unchanged: identical build");
	} else if (!strcmp(verdict, "wrong-output")) {
		add_part(&text, &sep, "wrong output");
		if (cells_differ == 1)
			add_part(&text, &sep, "1 cell differs");
		else if (cells_differ >= 0)
			add_part(&text, &sep, "%ld cells differ", cells_differ);
	} else if (!strcmp(verdict, "build-failed")) {
		add_part(&text, &sep, "build failed");
	} else if (!strcmp(verdict, "crashed")) {
		add_part(&text, &sep, "crashed");
	} else if (!strcmp(verdict, "timeout")) {
		add_part(&text, &sep, "timed out");
	} else {
		add_part(&text, &sep, "%s", verdict);
	}

	notify_truncate(out, strbuf_str(&text), NOTIFY_DESCRIPTION_MAX);
	strbuf_release(&text);
	return 0;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_setup(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t collect(char *data, size_t size, size_t nmemb, void *userdata)
{
	/* Past the cap the rest is dropped, not an error: only the start is shown. */
	strbuf_add(userdata, data, size * nmemb);
	return size * nmemb;
}

static void sleep_ms(long ms)
{
	struct timespec left = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&left, &left) < 0 && errno == EINTR)
		;
}

static int retryable_curl_error(CURLcode code)
{
	switch (code) {
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_GOT_NOTHING:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_PARTIAL_FILE:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return 1;
	default:
		return 0;
	}
}

/* The server's own word on a refusal ("message" or "error" in a JSON body), if any. */
static void add_server_message(struct strbuf *msg, const struct strbuf *response)
{
	json_t *root = json_loadb(strbuf_str(response), response->len, 0, NULL);
	json_t *text = NULL;

	if (root) {
		text = json_object_get(root, "message");
		if (!json_is_string(text))
			text = json_object_get(root, "error");
	}
	if (json_is_string(text) && json_string_length(text) > 0) {
		strbuf_addstr(msg, " (");
		notify_truncate(msg, json_string_value(text), SERVER_MESSAGE_MAX);
		strbuf_addstr(msg, ")");
	}
	json_decref(root);
}

static struct curl_slist *add_header(struct curl_slist *list, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

static struct curl_slist *add_header(struct curl_slist *list, const char *fmt, ...)
{
	struct strbuf line = STRBUF_INIT;
	struct curl_slist *grown;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&line, fmt, ap);
	va_end(ap);
	grown = curl_slist_append(list, strbuf_str(&line));
	strbuf_release(&line);
	if (!grown)
		abort();
	return grown;
}

static struct curl_slist *request_headers(const struct notify *n)
{
	struct curl_slist *h = NULL;

	h = add_header(h, "Content-Type: application/json");
	switch (n->forge) {
	case NOTIFY_GITHUB:
		h = add_header(h, "Accept: application/vnd.github+json");
		h = add_header(h, "X-GitHub-Api-Version: 2022-11-28");
		h = add_header(h, "Authorization: Bearer %s", n->token);
		break;
	case NOTIFY_GITEA:
		h = add_header(h, "Accept: application/json");
		h = add_header(h, "Authorization: token %s", n->token);
		break;
	case NOTIFY_GITLAB:
		h = add_header(h, "Accept: application/json");
		h = add_header(h, "PRIVATE-TOKEN: %s", n->token);
		break;
	case NOTIFY_WEBHOOK:
		if (n->token)
			h = add_header(h, "Authorization: Bearer %s", n->token);
		break;
	}
	return h;
}

/*
 * How long to wait before attempt `attempt` + 1: backoff_ms doubling per
 * attempt up to backoff_max_ms, or longer when the server asked for it with
 * Retry-After (seconds), itself capped at retry_after_max_ms.
 */
static long backoff_wait_ms(const struct notify *n, int attempt, long retry_after_s)
{
	long cap = n->backoff_max_ms > 0 ? n->backoff_max_ms : LONG_MAX / 2;
	long wait = n->backoff_ms > 0 ? n->backoff_ms : 0;
	long asked;
	int i;

	for (i = 1; i < attempt && wait < cap; i++)
		wait *= 2;
	if (wait > cap)
		wait = cap;
	if (retry_after_s > 0) {
		asked = retry_after_s < n->retry_after_max_ms / 1000 + 1 ? retry_after_s * 1000
		                                                         : n->retry_after_max_ms;
		if (asked > n->retry_after_max_ms)
			asked = n->retry_after_max_ms;
		if (asked > wait)
			wait = asked;
	}
	return wait;
}

/*
 * POST `body` to `url` with the target's headers, retrying as the header
 * describes. `what` and `shown` make the failure message: "could not <what>
 * '<shown>': <cause>".
 */
static int post_json(const struct notify *n, const char *url, const char *body, const char *what,
                     const char *shown, struct notify_result *res, struct pw_error *err)
{
	struct notify_result local = {0, 0};
	struct strbuf response = STRBUF_INIT;
	struct strbuf cause = STRBUF_INIT;
	struct curl_slist *headers = NULL;
	char curl_message[CURL_ERROR_SIZE];
	int max_attempts = n->max_attempts > 0 ? n->max_attempts : 1;
	CURLcode code = CURLE_OK;
	CURL *curl = NULL;
	int rc = PW_ERROR;

	if (!res)
		res = &local;
	res->http_status = 0;
	res->attempts = 0;
	pthread_once(&curl_once, curl_setup);
	curl = curl_easy_init();
	if (!curl) {
		rc = pw_error_set(err, PW_ERROR, "could not %s '%s': libcurl did not start", what,
		                  shown);
		goto done;
	}
	headers = request_headers(n);
	strbuf_setmax(&response, RESPONSE_MAX, 0);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_POST, 1L);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "perfwarden");
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, n->connect_timeout_ms);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, n->timeout_ms);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_message);

	for (;;) {
		curl_off_t retry_after = 0;
		int retry;

		strbuf_reset(&response);
		curl_message[0] = '\0';
		res->attempts++;
		res->http_status = 0;
		code = curl_easy_perform(curl);
		if (code == CURLE_OK) {
			curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &res->http_status);
			if (res->http_status >= 200 && res->http_status < 300) {
				rc = 0;
				goto done;
			}
			retry = res->http_status >= 500 || res->http_status == 429;
			if (retry)
				curl_easy_getinfo(curl, CURLINFO_RETRY_AFTER, &retry_after);
		} else {
			retry = retryable_curl_error(code);
		}
		if (!retry || res->attempts >= max_attempts)
			break;
		sleep_ms(backoff_wait_ms(n, res->attempts, (long)retry_after));
	}

	if (code == CURLE_OK) {
		strbuf_addf(&cause, "HTTP %ld", res->http_status);
		add_server_message(&cause, &response);
	} else {
		strbuf_addstr(&cause, curl_message[0] ? curl_message : curl_easy_strerror(code));
	}
	if (res->attempts > 1)
		strbuf_addf(&cause, " after %d attempts", res->attempts);
	scrub(&cause, n->token);
	rc = pw_error_set(err, code == CURLE_OPERATION_TIMEDOUT ? PW_ETIMEOUT : PW_ERROR,
	                  "could not %s '%s': %s", what, shown, strbuf_str(&cause));

done:
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
	strbuf_release(&response);
	strbuf_release(&cause);
	return rc;
}

static int is_hex_id(const char *s)
{
	size_t len = s ? strlen(s) : 0;

	return (len == 40 || len == 64) && strspn(s, "0123456789abcdefABCDEF") == len;
}

static int add_escaped(struct strbuf *sb, CURL *curl, const char *s, size_t len)
{
	char *escaped = curl_easy_escape(curl, s, (int)len);

	if (!escaped)
		return -1;
	strbuf_addstr(sb, escaped);
	curl_free(escaped);
	return 0;
}

/* {api}/repos/{owner}/{repo}/statuses/{sha} or {api}/projects/{id}/statuses/{sha}. */
static int status_url(struct strbuf *url, const struct notify *n, const struct notify_status *st,
                      struct pw_error *err)
{
	size_t base_len = strlen(n->api_url);
	const char *slash;
	CURL *curl = NULL;
	int rc = 0;

	while (base_len > 0 && n->api_url[base_len - 1] == '/')
		base_len--;
	pthread_once(&curl_once, curl_setup);
	curl = curl_easy_init();
	if (!curl) {
		rc = pw_error_set(err, PW_ERROR, "could not start libcurl");
		goto done;
	}
	strbuf_add(url, n->api_url, base_len);
	if (n->forge == NOTIFY_GITLAB) {
		strbuf_addstr(url, "/projects/");
		if (add_escaped(url, curl, st->repo, strlen(st->repo)))
			goto escape_failed;
	} else {
		slash = strchr(st->repo, '/');
		if (!slash || slash == st->repo || !slash[1] || strchr(slash + 1, '/')) {
			rc = pw_error_set(err, PW_EINVALID,
			                  "invalid %s repository '%s': expected 'owner/name'",
			                  notify_forge_name(n->forge), st->repo);
			goto done;
		}
		strbuf_addstr(url, "/repos/");
		if (add_escaped(url, curl, st->repo, (size_t)(slash - st->repo)))
			goto escape_failed;
		strbuf_addch(url, '/');
		if (add_escaped(url, curl, slash + 1, strlen(slash + 1)))
			goto escape_failed;
	}
	strbuf_addf(url, "/statuses/%s", st->sha);
	goto done;

escape_failed:
	rc = pw_error_set(err, PW_ERROR, "could not escape repository '%s'", st->repo);
done:
	curl_easy_cleanup(curl);
	return rc;
}

static void set_string(json_t *obj, const char *key, const char *value)
{
	if (value && json_object_set_new(obj, key, json_string(value)))
		abort();
}

static char *status_body(const struct notify *n, const struct notify_status *st)
{
	struct strbuf context = STRBUF_INIT;
	struct strbuf description = STRBUF_INIT;
	json_t *root = json_object();
	char *body;

	if (st->context && *st->context)
		strbuf_addf(&context, "perfwarden/%s", st->context);
	else
		strbuf_addstr(&context, "perfwarden");
	set_string(root, "state", notify_state_name(n->forge, st->state));
	set_string(root, n->forge == NOTIFY_GITLAB ? "name" : "context", strbuf_str(&context));
	if (st->description) {
		notify_truncate(&description, st->description, NOTIFY_DESCRIPTION_MAX);
		set_string(root, "description", strbuf_str(&description));
	}
	set_string(root, "target_url", st->target_url);
	body = json_dumps(root, JSON_COMPACT);
	if (!body)
		abort();
	json_decref(root);
	strbuf_release(&context);
	strbuf_release(&description);
	return body;
}

int notify_post_status(const struct notify *n, const struct notify_status *st,
                       struct notify_result *res, struct pw_error *err)
{
	struct strbuf url = STRBUF_INIT;
	struct strbuf shown = STRBUF_INIT;
	char *body = NULL;
	int rc;

	if (res)
		res->http_status = res->attempts = 0;
	if (!n->api_url || n->forge == NOTIFY_WEBHOOK) {
		rc = pw_error_set(err, PW_EINVALID, "cannot post a commit status to a %s target",
		                  n->api_url ? notify_forge_name(n->forge) : "unconfigured");
		goto done;
	}
	if (!st->repo || !*st->repo) {
		rc = pw_error_set(err, PW_EINVALID,
		                  "cannot post a commit status without a repository");
		goto done;
	}
	if (!is_hex_id(st->sha)) {
		rc = pw_error_set(err, PW_EINVALID,
		                  "invalid commit '%s': expected 40 or 64 hex digits",
		                  st->sha ? st->sha : "");
		goto done;
	}
	if ((rc = status_url(&url, n, st, err)))
		goto done;
	notify_redact_url(&shown, strbuf_str(&url), 0);
	body = status_body(n, st);
	rc = post_json(n, strbuf_str(&url), body, "post status to", strbuf_str(&shown), res, err);

done:
	free(body);
	strbuf_release(&url);
	strbuf_release(&shown);
	return rc;
}

int notify_post_text(const struct notify *n, const char *text, struct notify_result *res,
                     struct pw_error *err)
{
	struct strbuf shown = STRBUF_INIT;
	json_t *root = NULL;
	char *body = NULL;
	int rc;

	if (res)
		res->http_status = res->attempts = 0;
	if (!n->api_url || n->forge != NOTIFY_WEBHOOK) {
		rc = pw_error_set(err, PW_EINVALID,
		                  "cannot post text to a %s target: use a webhook",
		                  n->api_url ? notify_forge_name(n->forge) : "unconfigured");
		goto done;
	}
	root = json_pack("{s:s}", "text", text ? text : "");
	if (!root) {
		rc = pw_error_set(err, PW_EINVALID, "cannot post text that is not valid UTF-8");
		goto done;
	}
	body = json_dumps(root, JSON_COMPACT);
	if (!body)
		abort();
	notify_redact_url(&shown, n->api_url, 1);
	rc = post_json(n, n->api_url, body, "post to webhook", strbuf_str(&shown), res, err);

done:
	json_decref(root);
	free(body);
	strbuf_release(&shown);
	return rc;
}
