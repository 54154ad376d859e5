/*
 * Tests for runner/service/notify.c against a real HTTP receiver: a libmicrohttpd
 * daemon on a free loopback port, run in this process's threads, records
 * every request (method, raw path, headers, body, arrival time) and answers
 * from a script (500 twice then 201, 401, 429 with Retry-After, or hang).
 * Also the description builders and URL redaction, which need no network.
 */
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <cmocka.h>
#include <jansson.h>
#include <microhttpd.h>

#include "notify.h"

#define SHA          "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c"
#define TOKEN        "ghp_S3cretTok3n_never_shown"
#define MAX_REQUESTS 16
#define HANG         (-1)

struct request {
	char method[16];
	struct strbuf path;
	struct strbuf headers; /* "name: value\n" per header, as received */
	struct strbuf body;
	double at_ms;
};

struct receiver {
	struct MHD_Daemon *daemon;
	unsigned short port;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int stopping;
	struct request requests[MAX_REQUESTS];
	int count;
	int script[MAX_REQUESTS]; /* status per request; after the script, `otherwise` */
	int script_len;
	int otherwise;
	const char *retry_after; /* sent with 429 and 503 answers */
	const char *answer_body;
};

struct upload {
	struct strbuf body;
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static enum MHD_Result add_header_line(void *cls, enum MHD_ValueKind kind, const char *key,
                                       const char *value)
{
	(void)kind;
	strbuf_addf(cls, "%s: %s\n", key, value ? value : "");
	return MHD_YES;
}

static size_t keep_escaped(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls;
	(void)c;
	return strlen(s);
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *connection, const char *url,
                              const char *method, const char *version, const char *upload_data,
                              size_t *upload_data_size, void **con_cls)
{
	struct receiver *r = cls;
	struct upload *up = *con_cls;
	struct MHD_Response *response;
	struct request *req;
	const char *body;
	enum MHD_Result ret;
	int status;

	(void)version;
	if (!up) {
		up = calloc(1, sizeof(*up));
		*con_cls = up;
		return MHD_YES;
	}
	if (*upload_data_size) {
		strbuf_add(&up->body, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}

	pthread_mutex_lock(&r->lock);
	status = r->count < r->script_len ? r->script[r->count] : r->otherwise;
	if (r->count < MAX_REQUESTS) {
		req = &r->requests[r->count];
		snprintf(req->method, sizeof(req->method), "%s", method);
		strbuf_addstr(&req->path, url);
		MHD_get_connection_values(connection, MHD_HEADER_KIND, add_header_line,
		                          &req->headers);
		strbuf_add(&req->body, up->body.buf, up->body.len);
		req->at_ms = now_ms();
	}
	r->count++;
	if (status == HANG) {
		struct timespec until;

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 10;
		while (!r->stopping && pthread_cond_timedwait(&r->wake, &r->lock, &until) == 0)
			;
		status = 200;
	}
	pthread_mutex_unlock(&r->lock);

	body = r->answer_body ? r->answer_body : "{}";
	response =
	        MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
	MHD_add_response_header(response, "Content-Type", "application/json");
	if (r->retry_after && (status == 429 || status == 503))
		MHD_add_response_header(response, "Retry-After", r->retry_after);
	ret = MHD_queue_response(connection, (unsigned)status, response);
	MHD_destroy_response(response);
	return ret;
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
	struct upload *up = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (up) {
		strbuf_release(&up->body);
		free(up);
		*con_cls = NULL;
	}
}

static struct receiver *receiver_start(int otherwise)
{
	struct receiver *r = calloc(1, sizeof(*r));
	struct sockaddr_in addr;
	const union MHD_DaemonInfo *info;

	assert_non_null(r);
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->wake, NULL);
	r->otherwise = otherwise;
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	addr.sin_port = 0;
	r->daemon = MHD_start_daemon(
	        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL,
	        answer, r, MHD_OPTION_SOCK_ADDR, &addr, MHD_OPTION_UNESCAPE_CALLBACK, keep_escaped,
	        NULL, MHD_OPTION_NOTIFY_COMPLETED, completed, NULL, MHD_OPTION_END);
	assert_non_null(r->daemon);
	info = MHD_get_daemon_info(r->daemon, MHD_DAEMON_INFO_BIND_PORT);
	assert_non_null(info);
	r->port = info->port;
	assert_true(r->port > 0);
	return r;
}

static void receiver_script(struct receiver *r, int n, ...)
{
	va_list ap;
	int i;

	va_start(ap, n);
	for (i = 0; i < n && i < MAX_REQUESTS; i++)
		r->script[i] = va_arg(ap, int);
	va_end(ap);
	r->script_len = i;
}

static int receiver_count(struct receiver *r)
{
	int n;

	pthread_mutex_lock(&r->lock);
	n = r->count;
	pthread_mutex_unlock(&r->lock);
	return n;
}

/* Stop answering (a closed port afterwards), releasing any hanging request. */
static void receiver_close(struct receiver *r)
{
	if (!r->daemon)
		return;
	pthread_mutex_lock(&r->lock);
	r->stopping = 1;
	pthread_cond_broadcast(&r->wake);
	pthread_mutex_unlock(&r->lock);
	MHD_stop_daemon(r->daemon);
	r->daemon = NULL;
}

static void receiver_free(struct receiver *r)
{
	int i;

	receiver_close(r);
	for (i = 0; i < MAX_REQUESTS; i++) {
		strbuf_release(&r->requests[i].path);
		strbuf_release(&r->requests[i].headers);
		strbuf_release(&r->requests[i].body);
	}
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->wake);
	free(r);
}

/* The value of header `name` in request `req` (case-insensitive), or NULL. Caller frees. */
static char *header(const struct request *req, const char *name)
{
	const char *line = strbuf_str(&req->headers);
	size_t name_len = strlen(name);

	while (*line) {
		const char *end = strchr(line, '\n');

		if (!strncasecmp(line, name, name_len) && line[name_len] == ':')
			return strndup(line + name_len + 2, (size_t)(end - line - name_len - 2));
		line = end + 1;
	}
	return NULL;
}

static void assert_header(const struct request *req, const char *name, const char *want)
{
	char *got = header(req, name);

	if (!want) {
		if (got)
			fail_msg("unexpected header '%s: %s'", name, got);
		return;
	}
	if (!got)
		fail_msg("missing header '%s'", name);
	if (strcmp(got, want))
		fail_msg("header '%s' is '%s', expected '%s'", name, got, want);
	free(got);
}

static json_t *body_json(const struct request *req)
{
	json_t *root = json_loadb(req->body.buf, req->body.len, 0, NULL);

	if (!root)
		fail_msg("request body is not JSON: '%s'", strbuf_str(&req->body));
	return root;
}

static void assert_field(json_t *root, const char *key, const char *want)
{
	json_t *value = json_object_get(root, key);

	if (!want) {
		if (value)
			fail_msg("unexpected field '%s'", key);
		return;
	}
	if (!json_is_string(value))
		fail_msg("field '%s' missing or not a string", key);
	assert_string_equal(json_string_value(value), want);
}

static void make_url(struct strbuf *sb, struct receiver *r, const char *path)
{
	strbuf_reset(sb);
	strbuf_addf(sb, "http://127.0.0.1:%u%s", r->port, path);
}

/* A target at the receiver with short limits so the tests stay fast. */
static void target(struct notify *n, enum notify_forge forge, struct receiver *r, const char *path,
                   const char *token)
{
	struct strbuf url = STRBUF_INIT;
	struct pw_error err = PW_ERROR_INIT;

	make_url(&url, r, path);
	if (notify_init(n, forge, strbuf_str(&url), token, &err))
		fail_msg("notify_init: %s", pw_error_message(&err));
	n->connect_timeout_ms = 2000;
	n->timeout_ms = 5000;
	n->backoff_ms = 100;
	strbuf_release(&url);
	pw_error_release(&err);
}

static const struct notify_status slower = {
        "octo/julia",
        SHA,
        NOTIFY_FAILURE,
        "julia",
        "julia: 4.1% slower, p=0.002",
        "http://dash.example/commits/" SHA,
};

static void test_notify__github_gets_statuses_path_bearer_token_and_body(void **state)
{
	struct receiver *r = receiver_start(201);
	struct notify n = NOTIFY_INIT;
	struct notify_result res;
	struct pw_error err = PW_ERROR_INIT;
	json_t *body;

	(void)state;
	target(&n, NOTIFY_GITHUB, r, "/", TOKEN); /* a trailing slash on the API URL is fine */
	assert_int_equal(notify_post_status(&n, &slower, &res, &err), 0);
	assert_int_equal(res.http_status, 201);
	assert_int_equal(res.attempts, 1);
	assert_int_equal(receiver_count(r), 1);
	assert_string_equal(r->requests[0].method, "POST");
	assert_string_equal(strbuf_str(&r->requests[0].path), "/repos/octo/julia/statuses/" SHA);
	assert_header(&r->requests[0], "Authorization", "Bearer " TOKEN);
	assert_header(&r->requests[0], "Accept", "application/vnd.github+json");
	assert_header(&r->requests[0], "Content-Type", "application/json");
	assert_header(&r->requests[0], "PRIVATE-TOKEN", NULL);
	body = body_json(&r->requests[0]);
	assert_field(body, "state", "failure");
	assert_field(body, "context", "perfwarden/julia");
	assert_field(body, "description", "julia: 4.1% slower, p=0.002");
	assert_field(body, "target_url", "http://dash.example/commits/" SHA);
	assert_field(body, "name", NULL);
	json_decref(body);
	notify_release(&n);
	receiver_free(r);
	pw_error_release(&err);
}

static void test_notify__gitea_gets_token_authorization_and_warning_state(void **state)
{
	struct receiver *r = receiver_start(201);
	struct notify n = NOTIFY_INIT;
	struct notify_status st = {"team/julia", SHA, NOTIFY_WARNING, NULL, "unsure", NULL};
	struct pw_error err = PW_ERROR_INIT;
	json_t *body;

	(void)state;
	target(&n, NOTIFY_GITEA, r, "/api/v1", "gitea-tok");
	assert_int_equal(notify_post_status(&n, &st, NULL, &err), 0);
	assert_int_equal(receiver_count(r), 1);
	assert_string_equal(strbuf_str(&r->requests[0].path),
	                    "/api/v1/repos/team/julia/statuses/" SHA);
	assert_header(&r->requests[0], "Authorization", "token gitea-tok");
	body = body_json(&r->requests[0]);
	assert_field(body, "state", "warning");
	assert_field(body, "context", "perfwarden");
	assert_field(body, "target_url", NULL);
	json_decref(body);
	notify_release(&n);
	receiver_free(r);
	pw_error_release(&err);
}

static void test_notify__gitlab_gets_encoded_project_private_token_and_name(void **state)
{
	struct receiver *r = receiver_start(201);
	struct notify n = NOTIFY_INIT;
	struct notify_status st = {"grp/sub/julia",
	                           SHA,
	                           NOTIFY_FAILURE,
	                           "summary",
	                           "julia: wrong output, 2 cells differ",
	                           "http://dash/x"};
	struct pw_error err = PW_ERROR_INIT;
	json_t *body;

	(void)state;
	target(&n, NOTIFY_GITLAB, r, "/api/v4/", "glpat-xyz");
	assert_int_equal(notify_post_status(&n, &st, NULL, &err), 0);
	st.repo = "15";
	st.state = NOTIFY_RUNNING;
	assert_int_equal(notify_post_status(&n, &st, NULL, &err), 0);
	assert_int_equal(receiver_count(r), 2);
	assert_string_equal(strbuf_str(&r->requests[0].path),
	                    "/api/v4/projects/grp%2Fsub%2Fjulia/statuses/" SHA);
	assert_string_equal(strbuf_str(&r->requests[1].path), "/api/v4/projects/15/statuses/" SHA);
	assert_header(&r->requests[0], "PRIVATE-TOKEN", "glpat-xyz");
	assert_header(&r->requests[0], "Authorization", NULL);
	body = body_json(&r->requests[0]);
	assert_field(body, "state", "failed");
	assert_field(body, "name", "perfwarden/summary");
	assert_field(body, "context", NULL);
	assert_field(body, "description", "julia: wrong output, 2 cells differ");
	assert_field(body, "target_url", "http://dash/x");
	json_decref(body);
	body = body_json(&r->requests[1]);
	assert_field(body, "state", "running");
	json_decref(body);
	notify_release(&n);
	receiver_free(r);
	pw_error_release(&err);
}

static void test_notify__webhook_gets_slack_text(void **state)
{
	struct receiver *r = receiver_start(200);
	struct notify n = NOTIFY_INIT;
	struct pw_error err = PW_ERROR_INIT;
	json_t *body;

	(void)state;
	target(&n, NOTIFY_WEBHOOK, r, "/services/T0/B0/hooksecret", NULL);
	assert_int_equal(
	        notify_post_text(&n, "perfwarden: julia 4.1% slower on main \"x\"", NULL, &err), 0);
	assert_int_equal(receiver_count(r), 1);
	assert_string_equal(strbuf_str(&r->requests[0].path), "/services/T0/B0/hooksecret");
	assert_header(&r->requests[0], "Authorization", NULL);
	body = body_json(&r->requests[0]);
	assert_field(body, "text", "perfwarden: julia 4.1% slower on main \"x\"");
	assert_int_equal(json_object_size(body), 1);
	json_decref(body);
	/* a status cannot go to a webhook, nor text to a forge */
	assert_int_equal(notify_post_status(&n, &slower, NULL, &err), PW_EINVALID);
	notify_release(&n);
	target(&n, NOTIFY_GITHUB, r, "", TOKEN);
	assert_int_equal(notify_post_text(&n, "x", NULL, &err), PW_EINVALID);
	assert_int_equal(receiver_count(r), 1);
	notify_release(&n);
	receiver_free(r);
	pw_error_release(&err);
}

static void test_notify__server_errors_are_retried_with_backoff(void **state)
{
	struct receiver *r = receiver_start(201);
	struct notify n = NOTIFY_INIT;
	struct notify_result res;
	struct pw_error err = PW_ERROR_INIT;
	double gap1, gap2;

	(void)state;
	receiver_script(r, 2, 500, 502);
	target(&n, NOTIFY_GITHUB, r, "", TOKEN);
	n.backoff_ms = 150;
	assert_int_equal(notify_post_status(&n, &slower, &res, &err), 0);
	assert_int_equal(res.attempts, 3);
	assert_int_equal(res.http_status, 201);
	assert_int_equal(receiver_count(r), 3);
	gap1 = r->requests[1].at_ms - r->requests[0].at_ms;
	gap2 = r->requests[2].at_ms - r->requests[1].at_ms;
	if (gap1 < 150 || gap2 < 300 || gap2 > 5000)
		fail_msg("backoff gaps %.0f ms and %.0f ms, expected >= 150 and >= 300", gap1,
		         gap2);
	assert_string_equal(strbuf_str(&r->requests[2].body), strbuf_str(&r->requests[0].body));
	notify_release(&n);
	receiver_free(r);
	pw_error_release(&err);
}

static void test_notify__backoff_doubles_up_to_its_cap(void **state)
{
	struct receiver *r = receiver_start(503);
	struct notify n = NOTIFY_INIT;
	struct notify_result res;
	struct pw_error err = PW_ERROR_INIT;
	double gaps[3];
	int i;

	(void)state;
	target(&n, NOTIFY_GITEA, r, "", "tok");
	n.max_attempts = 4;
	n.backoff_ms = 100;
	n.backoff_max_ms = 250; /* 100, 200, then 250 rather than 400 */
	assert_int_equal(notify_post_status(&n, &slower, &res, &err), PW_ERROR);
	assert_int_equal(res.attempts, 4);
	assert_int_equal(receiver_count(r), 4);
	for (i = 0; i < 3; i++)
		gaps[i] = r->requests[i + 1].at_ms - r->requests[i].at_ms;
	if (gaps[0] < 100 || gaps[1] < 200 || gaps[2] < 250 || gaps[2] > 390)
		fail_msg("gaps %.0f, %.0f, %.0f ms; expected about 100, 200, 250", gaps[0], gaps[1],
		         gaps[2]);
	notify_release(&n);
	receiver_free(r);
	pw_error_release(&err);
}

static void test_notify__persistent_500_fails_after_bounded_attempts(void **state)
{
	struct receiver *r = receiver_start(500);
	struct notify n = NOTIFY_INIT;
	struct notify_result res;
	struct pw_error err = PW_ERROR_INIT;
	struct strbuf want = STRBUF_INIT;

	(void)state;
	target(&n, NOTIFY_GITHUB, r, "", TOKEN);
	n.backoff_ms = 10;
	assert_int_equal(notify_post_status(&n, &slower, &res, &err), PW_ERROR);
	assert_int_equal(res.attempts, 3);
	assert_int_equal(res.http_status, 500);
	assert_int_equal(receiver_count(r), 3);
	strbuf_addf(&want,
	            "could not post status to 'http://127.0.0.1:%u/repos/octo/julia/statuses/" SHA
	            "': HTTP 500 after 3 attempts",
	            r->port);
	assert_string_equal(pw_error_message(&err), strbuf_str(&want));
	n.max_attempts = 1;
	assert_int_equal(notify_post_status(&n, &slower, &res, &err), PW_ERROR);
	assert_int_equal(receiver_count(r), 4);
	assert_null(strstr(pw_error_message(&err), "attempts"));
	strbuf_release(&want);
	notify_release(&n);
	receiver_free(r);
	pw_error_release(&err);
}

static void test_notify__401_is_final_and_the_token_is_never_shown(void **state)
{
	struct receiver *r = receiver_start(401);
	struct notify n = NOTIFY_INIT;
	struct notify_result res;
	struct pw_error err = PW_ERROR_INIT;

	(void)state;
	/* a server that echoes the token back in its refusal */
	r->answer_body = "{\"message\":\"Bad credentials for " TOKEN "\"}";
	target(&n, NOTIFY_GITHUB, r, "", TOKEN);
	assert_int_equal(notify_post_status(&n, &slower, &res, &err), PW_ERROR);
	assert_int_equal(res.attempts, 1);
	assert_int_equal(receiver_count(r), 1);
	assert_non_null(strstr(pw_error_message(&err), "HTTP 401 (Bad credentials for ***)"));
	assert_null(strstr(pw_error_message(&err), TOKEN));
	assert_null(strstr(pw_error_message(&err), "S3cret"));
	notify_release(&n);
	receiver_free(r);
	pw_error_release(&err);
}

static void test_notify__secrets_in_urls_are_redacted_from_errors(void **state)
{
	struct receiver *r = receiver_start(503);
	struct notify n = NOTIFY_INIT;
	struct pw_error err = PW_ERROR_INIT;
	struct strbuf url = STRBUF_INIT;

	(void)state;
	strbuf_addf(&url, "http://bot:%s@127.0.0.1:%u/api?access_token=%s", TOKEN, r->port, TOKEN);
	assert_int_equal(notify_init(&n, NOTIFY_GITLAB, strbuf_str(&url), TOKEN, &err), 0);
	n.max_attempts = 2;
	n.backoff_ms = 10;
	assert_int_equal(notify_post_status(&n, &slower, NULL, &err), PW_ERROR);
	assert_int_equal(receiver_count(r), 2);
	assert_null(strstr(pw_error_message(&err), TOKEN));
	assert_non_null(strstr(pw_error_message(&err), "http://***@127.0.0.1:"));
	assert_non_null(strstr(pw_error_message(&err), "HTTP 503 after 2 attempts"));
	notify_release(&n);

	/* a chat webhook's URL carries its secret in the path */
	strbuf_reset(&url);
	strbuf_addf(&url, "http://127.0.0.1:%u/services/T0/B0/hooksecret", r->port);
	assert_int_equal(notify_init(&n, NOTIFY_WEBHOOK, strbuf_str(&url), NULL, &err), 0);
	n.max_attempts = 1;
	assert_int_equal(notify_post_text(&n, "hi", NULL, &err), PW_ERROR);
	assert_null(strstr(pw_error_message(&err), "hooksecret"));
	assert_non_null(strstr(pw_error_message(&err), "/***': HTTP 503"));
	notify_release(&n);
	strbuf_release(&url);
	receiver_free(r);
	pw_error_release(&err);
}

static void test_notify__retry_after_is_honoured_up_to_its_cap(void **state)
{
	struct receiver *r = receiver_start(201);
	struct notify n = NOTIFY_INIT;
	struct pw_error err = PW_ERROR_INIT;
	double gap;

	(void)state;
	receiver_script(r, 1, 429);
	r->retry_after = "1";
	target(&n, NOTIFY_GITEA, r, "", "tok");
	n.backoff_ms = 10;
	assert_int_equal(notify_post_status(&n, &slower, NULL, &err), 0);
	assert_int_equal(receiver_count(r), 2);
	gap = r->requests[1].at_ms - r->requests[0].at_ms;
	if (gap < 990 || gap > 5000)
		fail_msg("waited %.0f ms after 'Retry-After: 1', expected about 1000", gap);

	/* a server asking for 30 s gets the cap instead */
	receiver_free(r);
	r = receiver_start(201);
	receiver_script(r, 1, 429);
	r->retry_after = "30";
	notify_release(&n);
	target(&n, NOTIFY_GITEA, r, "", "tok");
	n.backoff_ms = 10;
	n.retry_after_max_ms = 200;
	assert_int_equal(notify_post_status(&n, &slower, NULL, &err), 0);
	gap = r->requests[1].at_ms - r->requests[0].at_ms;
	if (gap < 190 || gap > 2000)
		fail_msg("waited %.0f ms after capped 'Retry-After: 30', expected about 200", gap);
	notify_release(&n);
	receiver_free(r);
	pw_error_release(&err);
}

static void test_notify__a_hanging_server_times_out_within_bounds(void **state)
{
	struct receiver *r = receiver_start(HANG);
	struct notify n = NOTIFY_INIT;
	struct notify_result res;
	struct pw_error err = PW_ERROR_INIT;
	double start, took;

	(void)state;
	target(&n, NOTIFY_GITHUB, r, "", TOKEN);
	n.timeout_ms = 300;
	n.max_attempts = 1;
	start = now_ms();
	assert_int_equal(notify_post_status(&n, &slower, &res, &err), PW_ETIMEOUT);
	took = now_ms() - start;
	if (took < 290 || took > 2000)
		fail_msg("took %.0f ms with a 300 ms timeout", took);
	assert_int_equal(res.http_status, 0);
	assert_non_null(strstr(pw_error_message(&err), "timed out"));

	/* timeouts are retried too: two attempts, one backoff */
	n.max_attempts = 2;
	n.backoff_ms = 50;
	start = now_ms();
	assert_int_equal(notify_post_status(&n, &slower, &res, &err), PW_ETIMEOUT);
	took = now_ms() - start;
	assert_int_equal(res.attempts, 2);
	if (took < 640 || took > 3000)
		fail_msg("took %.0f ms for 2 x 300 ms timeouts and a 50 ms backoff", took);
	assert_non_null(strstr(pw_error_message(&err), "after 2 attempts"));
	assert_null(strstr(pw_error_message(&err), TOKEN));
	notify_release(&n);
	receiver_free(r);
	pw_error_release(&err);
}

static void test_notify__refused_connections_are_retried_then_reported(void **state)
{
	struct receiver *r = receiver_start(201);
	struct notify n = NOTIFY_INIT;
	struct notify_result res;
	struct pw_error err = PW_ERROR_INIT;
	double start, took;

	(void)state;
	target(&n, NOTIFY_GITLAB, r, "/api/v4", TOKEN);
	receiver_close(r); /* nothing listens on the port now */
	n.backoff_ms = 100;
	start = now_ms();
	assert_int_equal(notify_post_status(&n, &slower, &res, &err), PW_ERROR);
	took = now_ms() - start;
	assert_int_equal(res.attempts, 3);
	assert_int_equal(res.http_status, 0);
	if (took < 300 || took > 5000)
		fail_msg("took %.0f ms for 3 refused attempts with 100 + 200 ms backoff", took);
	assert_non_null(
	        strstr(pw_error_message(&err), "could not post status to 'http://127.0.0.1:"));
	assert_non_null(strstr(pw_error_message(&err), "after 3 attempts"));
	notify_release(&n);
	receiver_free(r);
	pw_error_release(&err);
}

static void test_notify__bad_statuses_are_refused_before_sending(void **state)
{
	struct receiver *r = receiver_start(201);
	struct notify n = NOTIFY_INIT;
	struct notify_status st = slower;
	struct pw_error err = PW_ERROR_INIT;

	(void)state;
	target(&n, NOTIFY_GITHUB, r, "", TOKEN);
	st.repo = "julia";
	assert_int_equal(notify_post_status(&n, &st, NULL, &err), PW_EINVALID);
	assert_string_equal(pw_error_message(&err),
	                    "invalid github repository 'julia': expected 'owner/name'");
	st.repo = "a/b/c";
	assert_int_equal(notify_post_status(&n, &st, NULL, &err), PW_EINVALID);
	st.repo = "octo/julia";
	st.sha = "HEAD";
	assert_int_equal(notify_post_status(&n, &st, NULL, &err), PW_EINVALID);
	st.sha = SHA "/../../x";
	assert_int_equal(notify_post_status(&n, &st, NULL, &err), PW_EINVALID);
	st.sha = NULL;
	assert_int_equal(notify_post_status(&n, &st, NULL, &err), PW_EINVALID);
	assert_int_equal(receiver_count(r), 0);
	notify_release(&n);
	receiver_free(r);
	pw_error_release(&err);
}

static void test_notify__init_refuses_bad_targets(void **state)
{
	struct notify n = NOTIFY_INIT;
	struct pw_error err = PW_ERROR_INIT;

	(void)state;
	assert_int_equal(notify_init(&n, NOTIFY_GITHUB, "https://api.github.com", NULL, &err),
	                 PW_EINVALID);
	assert_string_equal(pw_error_message(&err), "no github token configured");
	notify_release(&n);
	assert_int_equal(notify_init(&n, NOTIFY_GITEA, "ftp://x/api", "t", &err), PW_EINVALID);
	notify_release(&n);
	assert_int_equal(notify_init(&n, NOTIFY_GITLAB, NULL, "t", &err), PW_EINVALID);
	notify_release(&n);
	assert_int_equal(
	        notify_init(&n, NOTIFY_GITHUB, "https://api.github.com", "tok\r\nX-Evil: 1", &err),
	        PW_EINVALID);
	assert_null(strstr(pw_error_message(&err), "X-Evil"));
	notify_release(&n);
	assert_int_equal(
	        notify_init(&n, NOTIFY_WEBHOOK, "https://hooks.example/T/secret", NULL, &err), 0);
	notify_release(&n);
	notify_free(NULL);
	pw_error_release(&err);
}

static void expect_description(const char *bench, const char *verdict, double ratio, double p,
                               long cells, const char *want)
{
	struct strbuf sb = STRBUF_INIT;

	assert_int_equal(notify_describe(&sb, bench, verdict, ratio, p, cells, NULL), 0);
	assert_string_equal(strbuf_str(&sb), want);
	strbuf_release(&sb);
}

static void test_notify__descriptions_read_as_one_line(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct pw_error err = PW_ERROR_INIT;

	(void)state;
	expect_description("julia", "slower", 1.041, 0.002, -1, "julia: 4.1% slower, p=0.002");
	expect_description("julia", "faster", 0.97, 0.0001, -1, "julia: 3.0% faster, p<0.001");
	expect_description("julia", "slower", NAN, -1, -1, "julia: slower");
	expect_description("julia", "wrong-output", NAN, NAN, 2,
	                   "julia: wrong output, 2 cells differ");
	expect_description("julia", "wrong-output", NAN, NAN, 1,
	                   "julia: wrong output, 1 cell differs");
	expect_description("julia", "ok", 1.004, 0.41, -1, "julia: no significant change (+0.4%)");
	expect_description("julia", "unsure", 1.012, 0.08, -1, "julia: unsure, +1.2%, p=0.080");
	expect_description(NULL, "build-failed", NAN, NAN, -1, "build failed");
	expect_description("julia", "timeout", NAN, NAN, -1, "julia: timed out");
	expect_description("julia", "crashed", NAN, NAN, -1, "julia: crashed");
	expect_description("", "slower", 1.5, 0.01, -1, "50.0% slower, p=0.010");
	expect_description("julia", "mystery", NAN, NAN, -1, "julia: mystery");
	assert_int_equal(notify_describe(&sb, "julia", NULL, 1, 1, 1, &err), PW_EINVALID);
	assert_int_equal(notify_state_for_verdict("slower"), NOTIFY_FAILURE);
	assert_int_equal(notify_state_for_verdict("faster"), NOTIFY_SUCCESS);
	assert_int_equal(notify_state_for_verdict("unsure"), NOTIFY_WARNING);
	assert_int_equal(notify_state_for_verdict(NULL), NOTIFY_ERROR);
	assert_string_equal(notify_state_name(NOTIFY_GITLAB, NOTIFY_CANCELED), "canceled");
	assert_string_equal(notify_state_name(NOTIFY_GITHUB, NOTIFY_CANCELED), "error");
	strbuf_release(&sb);
	pw_error_release(&err);
}

static void test_notify__inconclusive_and_unchanged_are_success_statuses(void **state)
{
	(void)state;
	assert_int_equal(notify_state_for_verdict("inconclusive"), NOTIFY_SUCCESS);
	assert_int_equal(notify_state_for_verdict("unchanged"), NOTIFY_SUCCESS);
	assert_string_equal(notify_state_name(NOTIFY_GITHUB, notify_state_for_verdict("unchanged")),
	                    "success");
	expect_description("julia", "inconclusive", 1.004, 0.3, -1,
	                   "julia: inconclusive, +0.4%, p=0.300");
	expect_description(NULL, "inconclusive", NAN, NAN, -1, "inconclusive");
	expect_description("julia", "unchanged", 1, NAN, -1, "julia: unchanged: identical build");
}

static void test_notify__long_descriptions_are_cut_cleanly(void **state)
{
	struct strbuf in = STRBUF_INIT, out = STRBUF_INIT;
	json_t *utf8;
	int i;

	(void)state;
	for (i = 0; i < 60; i++)
		strbuf_addstr(&in, "\xc3\xa9 "); /* "é " is 3 bytes */
	notify_truncate(&out, strbuf_str(&in), NOTIFY_DESCRIPTION_MAX);
	assert_true(out.len <= NOTIFY_DESCRIPTION_MAX);
	assert_string_equal(out.buf + out.len - 3, "...");
	utf8 = json_string(out.buf); /* NULL unless valid UTF-8 */
	assert_non_null(utf8);
	json_decref(utf8);
	assert_true(out.buf[out.len - 4] != ' ');
	strbuf_reset(&out);
	notify_truncate(&out, "two\nlines\tand a tab", 140);
	assert_string_equal(strbuf_str(&out), "two lines and a tab");
	strbuf_reset(&out);
	notify_truncate(&out, "exactly ten", 11);
	assert_string_equal(strbuf_str(&out), "exactly ten");
	strbuf_reset(&out);
	notify_truncate(&out, "exactly ten!", 11);
	assert_string_equal(strbuf_str(&out), "exactly...");
	strbuf_release(&in);
	strbuf_release(&out);
}

static void test_notify__long_description_is_sent_truncated(void **state)
{
	struct receiver *r = receiver_start(201);
	struct notify n = NOTIFY_INIT;
	struct notify_status st = slower;
	struct strbuf longtext = STRBUF_INIT;
	struct pw_error err = PW_ERROR_INIT;
	const char *sent;
	json_t *body;
	int i;

	(void)state;
	for (i = 0; i < 30; i++)
		strbuf_addstr(&longtext, "slow down ");
	st.description = strbuf_str(&longtext);
	target(&n, NOTIFY_GITHUB, r, "", TOKEN);
	assert_int_equal(notify_post_status(&n, &st, NULL, &err), 0);
	body = body_json(&r->requests[0]);
	sent = json_string_value(json_object_get(body, "description"));
	assert_int_equal(strlen(sent), 137); /* cut after a whole word, then "..." */
	assert_string_equal(sent + 125, "down slow...");
	json_decref(body);
	strbuf_release(&longtext);
	notify_release(&n);
	receiver_free(r);
	pw_error_release(&err);
}

static void expect_redacted(const char *url, int hide_path, const char *want)
{
	struct strbuf sb = STRBUF_INIT;

	notify_redact_url(&sb, url, hide_path);
	assert_string_equal(strbuf_str(&sb), want);
	strbuf_release(&sb);
}

static void test_notify__urls_are_redacted_for_messages(void **state)
{
	(void)state;
	expect_redacted("https://api.github.com/repos/o/r/statuses/abc", 0,
	                "https://api.github.com/repos/o/r/statuses/abc");
	expect_redacted("https://user:pw@gitlab.example/api/v4?private_token=x#frag", 0,
	                "https://***@gitlab.example/api/v4?***");
	expect_redacted("https://hooks.slack.com/services/T0/B0/XYZ", 1,
	                "https://hooks.slack.com/***");
	expect_redacted("http://a@b@host:80", 1, "http://***@host:80");
	expect_redacted("not a url", 0, "***");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_notify__github_gets_statuses_path_bearer_token_and_body),
	        cmocka_unit_test(test_notify__gitea_gets_token_authorization_and_warning_state),
	        cmocka_unit_test(test_notify__gitlab_gets_encoded_project_private_token_and_name),
	        cmocka_unit_test(test_notify__webhook_gets_slack_text),
	        cmocka_unit_test(test_notify__server_errors_are_retried_with_backoff),
	        cmocka_unit_test(test_notify__backoff_doubles_up_to_its_cap),
	        cmocka_unit_test(test_notify__persistent_500_fails_after_bounded_attempts),
	        cmocka_unit_test(test_notify__401_is_final_and_the_token_is_never_shown),
	        cmocka_unit_test(test_notify__secrets_in_urls_are_redacted_from_errors),
	        cmocka_unit_test(test_notify__retry_after_is_honoured_up_to_its_cap),
	        cmocka_unit_test(test_notify__a_hanging_server_times_out_within_bounds),
	        cmocka_unit_test(test_notify__refused_connections_are_retried_then_reported),
	        cmocka_unit_test(test_notify__bad_statuses_are_refused_before_sending),
	        cmocka_unit_test(test_notify__init_refuses_bad_targets),
	        cmocka_unit_test(test_notify__descriptions_read_as_one_line),
	        cmocka_unit_test(test_notify__inconclusive_and_unchanged_are_success_statuses),
	        cmocka_unit_test(test_notify__long_descriptions_are_cut_cleanly),
	        cmocka_unit_test(test_notify__long_description_is_sent_truncated),
	        cmocka_unit_test(test_notify__urls_are_redacted_for_messages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
