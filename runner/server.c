/*
 * The HTTP front of the CI service: libmicrohttpd on a socket this module
 * binds itself (so a bind failure says why), one internal thread, so the one
 * store connection is never shared between threads. Webhook deliveries go
 * to runner/intake with their body read under a hard limit; GET /health is
 * answered here; every other GET belongs to runner/api (JSON API and
 * dashboard).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>

#include "api.h"
#include "intake.h"
#include "jobs.h"
#include "server.h"

/* A client sending this many times the body limit is cut off instead of drained. */
#define SERVER_DRAIN_FACTOR 16

struct server {
	struct MHD_Daemon *daemon;
	int fd;
	struct store store;
	const struct config *config;
	size_t body_limit;
	struct strbuf url;
	struct strbuf database;
	void (*log)(void *arg, const char *line);
	void *log_arg;
};

/* One request's state between libmicrohttpd's calls. */
struct request {
	int is_hook;
	enum webhook_forge forge;
	struct strbuf body;
	int too_large;
	size_t dropped;
};

__attribute__((format(printf, 2, 3))) static void server_log(struct server *srv, const char *fmt,
                                                             ...)
{
	struct strbuf line = STRBUF_INIT;
	va_list ap;

	if (!srv->log)
		return;
	va_start(ap, fmt);
	strbuf_vaddf(&line, fmt, ap);
	va_end(ap);
	srv->log(srv->log_arg, line.buf);
	strbuf_release(&line);
}

static void mhd_logger(void *cls, const char *fmt, va_list ap)
{
	struct server *srv = cls;
	struct strbuf line = STRBUF_INIT;

	if (!srv->log)
		return;
	strbuf_vaddf(&line, fmt, ap);
	strbuf_rtrim(&line);
	srv->log(srv->log_arg, line.buf);
	strbuf_release(&line);
}

int server_parse_listen(const char *addr, struct strbuf *host, unsigned *port, struct pw_error *err)
{
	const char *colon, *hend, *hstart = addr;
	char *end;
	long v;

	if (!addr || !*addr)
		goto bad;
	if (*addr == '[') {
		hend = strchr(addr, ']');
		if (!hend || hend[1] != ':')
			goto bad;
		hstart = addr + 1;
		colon = hend + 1;
	} else {
		colon = strrchr(addr, ':');
		if (!colon || memchr(addr, ':', (size_t)(colon - addr)))
			goto bad;
		hend = colon;
	}
	if (hend == hstart)
		goto bad;
	errno = 0;
	v = strtol(colon + 1, &end, 10);
	if (errno || end == colon + 1 || *end || v < 0 || v > 65535)
		goto bad;
	strbuf_add(host, hstart, (size_t)(hend - hstart));
	*port = (unsigned)v;
	return 0;
bad:
	return pw_error_set(err, PW_EINVALID,
	                    "invalid listen address '%s' (expected HOST:PORT, e.g. 127.0.0.1:8080)",
	                    addr ? addr : "");
}

static int is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		const unsigned char *b = in6->sin6_addr.s6_addr;

		if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr))
			return 1;
		return IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) && b[12] == 127;
	}
	return 0;
}

/* Resolve, check loopback vs secret, bind and listen; the URL of what was bound into srv->url. */
static int bind_listen(struct server *srv, const char *addr, struct pw_error *err)
{
	struct addrinfo hints, *ai = NULL;
	struct strbuf host = STRBUF_INIT, port = STRBUF_INIT;
	struct sockaddr_storage bound;
	socklen_t blen = sizeof(bound);
	char numeric[NI_MAXHOST];
	unsigned portnum = 0;
	int ret, gai, one = 1;

	if ((ret = server_parse_listen(addr, &host, &portnum, err)) < 0)
		goto done;
	strbuf_addf(&port, "%u", portnum);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE;
	if ((gai = getaddrinfo(host.buf, port.buf, &hints, &ai)) != 0) {
		ret = pw_error_set(err, PW_EINVALID, "could not resolve '%s': %s", host.buf,
		                   gai_strerror(gai));
		goto done;
	}
	if (!is_loopback(ai->ai_addr) && !config_secret(srv->config)) {
		ret = pw_error_set(err, PW_EINVALID,
		                   "refusing to listen on '%s' without a webhook secret (set "
		                   "server.secret in the config or PERFWARDEN_WEBHOOK_SECRET)",
		                   addr);
		goto done;
	}
	srv->fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
	if (srv->fd < 0) {
		ret = pw_error_errno(err, PW_EIO, "could not create a socket for '%s'", addr);
		goto done;
	}
	setsockopt(srv->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(srv->fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(srv->fd, 64) < 0) {
		ret = pw_error_errno(err, PW_EIO, "could not listen on '%s'", addr);
		goto done;
	}
	if (getsockname(srv->fd, (struct sockaddr *)&bound, &blen) < 0 ||
	    getnameinfo((struct sockaddr *)&bound, blen, numeric, sizeof(numeric), NULL, 0,
	                NI_NUMERICHOST) != 0) {
		ret = pw_error_errno(err, PW_EIO, "could not read the address of '%s'", addr);
		goto done;
	}
	strbuf_addf(&srv->url, bound.ss_family == AF_INET6 ? "http://[%s]:%u" : "http://%s:%u",
	            numeric,
	            ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
	                                              : ((struct sockaddr_in *)&bound)->sin_port));
done:
	if (ai)
		freeaddrinfo(ai);
	strbuf_release(&host);
	strbuf_release(&port);
	return ret;
}

static enum MHD_Result respond(struct MHD_Connection *conn, int status, const char *type,
                               const char *body, size_t len, const char *cache_control)
{
	struct MHD_Response *r =
	        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ok;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (cache_control)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, cache_control);
	ok = MHD_queue_response(conn, (unsigned)status, r);
	MHD_destroy_response(r);
	return ok;
}

static enum MHD_Result respond_json(struct MHD_Connection *conn, int status, json_t *doc)
{
	char *text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
	struct strbuf body = STRBUF_INIT;
	enum MHD_Result ok;

	strbuf_addstr(&body, text ? text : "{}");
	strbuf_addch(&body, '\n');
	ok = respond(conn, status, "application/json", body.buf, body.len, "no-store");
	free(text);
	json_decref(doc);
	strbuf_release(&body);
	return ok;
}

static enum MHD_Result respond_error(struct MHD_Connection *conn, int status, const char *msg)
{
	return respond_json(conn, status, json_pack("{s:s}", "error", msg));
}

/* Reconnect when the connection dropped since the last request; 0 when usable. */
static int store_ready(struct server *srv, struct pw_error *err)
{
	if (!srv->store.conn) {
		store_release(&srv->store);
		return store_open(&srv->store, srv->database.len ? srv->database.buf : NULL, err);
	}
	return store_reconnect(&srv->store, 2, err);
}

static enum MHD_Result handle_health(struct server *srv, struct MHD_Connection *conn)
{
	struct pw_error err = PW_ERROR_INIT;
	long counts[STORE_JOB_NSTATES];
	json_t *doc, *jobs;
	int i, ok;

	ok = store_ready(srv, &err) == 0 && store_jobs_count(&srv->store, counts, &err) == 0;
	doc = json_pack("{s:s, s:s}", "status", ok ? "ok" : "unavailable", "database",
	                ok ? "ok" : pw_error_message(&err));
	if (ok) {
		jobs = json_object();
		for (i = 0; i < STORE_JOB_NSTATES; i++)
			json_object_set_new(jobs, store_job_state_name((enum store_job_state)i),
			                    json_integer(counts[i]));
		json_object_set_new(doc, "jobs", jobs);
	}
	pw_error_release(&err);
	return respond_json(conn, ok ? 200 : 503, doc);
}

static const char *query_param(void *ctx, const char *key)
{
	return MHD_lookup_connection_value(ctx, MHD_GET_ARGUMENT_KIND, key);
}

static enum MHD_Result handle_get(struct server *srv, struct MHD_Connection *conn, const char *url)
{
	struct api_response resp = API_RESPONSE_INIT;
	struct pw_error err = PW_ERROR_INIT;
	enum MHD_Result ok;
	int ret;

	if (!strcmp(url, "/health"))
		return handle_health(srv, conn);
	if ((ret = store_ready(srv, &err)) == 0)
		ret = api_route(&srv->store, url, query_param, conn, &resp, &err);
	if (ret == PW_ENOTFOUND && !resp.body.len) {
		ok = respond_error(conn, 404, "not found");
	} else if (ret < 0) {
		server_log(srv, "GET %s 500: %s", url, pw_error_message(&err));
		ok = respond_error(conn, 500, pw_error_message(&err));
	} else {
		ok = respond(conn, resp.status, resp.content_type, strbuf_str(&resp.body),
		             resp.body.len, resp.cache_control);
	}
	api_response_release(&resp);
	pw_error_release(&err);
	return ok;
}

static enum MHD_Result handle_hook(struct server *srv, struct MHD_Connection *conn,
                                   struct request *rq)
{
	struct intake in = {&srv->store, srv->config, NULL};
	struct intake_request ir;
	struct intake_response resp = INTAKE_RESPONSE_INIT;
	struct pw_error err = PW_ERROR_INIT;
	const char *delivery = NULL;
	enum MHD_Result ok;

	if (store_ready(srv, &err) < 0) {
		server_log(srv, "POST /hooks/%s 503: %s", webhook_forge_name(rq->forge),
		           pw_error_message(&err));
		pw_error_release(&err);
		return respond_error(conn, 503,
		                     "the job queue is not available; deliver again later");
	}
	if (rq->forge == WEBHOOK_GITLAB)
		delivery = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Idempotency-Key");
	if (!delivery)
		delivery = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		                                       webhook_delivery_header(rq->forge));
	ir.forge = rq->forge;
	ir.body = strbuf_str(&rq->body);
	ir.body_len = rq->body.len;
	ir.signature = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	                                           webhook_signature_header(rq->forge));
	ir.event =
	        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, webhook_event_header(rq->forge));
	ir.delivery = delivery;
	if (intake_webhook(&in, &ir, &resp, &err) < 0)
		server_log(srv, "POST /hooks/%s %d: %s", webhook_forge_name(rq->forge), resp.status,
		           pw_error_message(&err));
	else if (resp.job_id)
		server_log(srv, "POST /hooks/%s %d job %lld", webhook_forge_name(rq->forge),
		           resp.status, (long long)resp.job_id);
	else
		server_log(srv, "POST /hooks/%s %d %.*s", webhook_forge_name(rq->forge),
		           resp.status, (int)(resp.body.len ? resp.body.len - 1 : 0),
		           strbuf_str(&resp.body));
	ok = respond(conn, resp.status, "application/json", strbuf_str(&resp.body), resp.body.len,
	             "no-store");
	intake_response_release(&resp);
	pw_error_release(&err);
	return ok;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
	struct server *srv = cls;
	struct request *rq = *con_cls;

	(void)version;
	if (!rq) {
		const char *len;

		rq = calloc(1, sizeof(*rq));
		if (!rq)
			return MHD_NO;
		*con_cls = rq;
		if (!strncmp(url, "/hooks/", 7) &&
		    webhook_forge_parse(url + 7, &rq->forge, NULL) == 0 &&
		    !strcmp(url + 7, webhook_forge_name(rq->forge)))
			rq->is_hook = 1;
		if (!strcmp(method, MHD_HTTP_METHOD_POST)) {
			if (!rq->is_hook)
				return respond_error(conn, 404,
				                     "no such hook (POST /hooks/github, "
				                     "/hooks/gitea or /hooks/gitlab)");
			len = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
			                                  MHD_HTTP_HEADER_CONTENT_LENGTH);
			if (len && strtoull(len, NULL, 10) > srv->body_limit) {
				server_log(srv, "POST %s 413 (Content-Length %s)", url, len);
				return respond_error(conn, 413, "request body too large");
			}
			return MHD_YES;
		}
		if (!strcmp(method, MHD_HTTP_METHOD_GET) || !strcmp(method, MHD_HTTP_METHOD_HEAD))
			return rq->is_hook ? respond_error(conn, 405, "webhooks are POSTed")
			                   : handle_get(srv, conn, url);
		return respond_error(conn, 405, "method not allowed");
	}
	if (*upload_data_size) {
		if (!rq->too_large && rq->body.len + *upload_data_size > srv->body_limit) {
			rq->too_large = 1;
			strbuf_release(&rq->body);
		}
		if (rq->too_large) {
			rq->dropped += *upload_data_size;
			if (rq->dropped > SERVER_DRAIN_FACTOR * srv->body_limit)
				return MHD_NO;
		} else {
			strbuf_add(&rq->body, upload_data, *upload_data_size);
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (rq->too_large) {
		server_log(srv, "POST %s 413 (body over %zu bytes)", url, srv->body_limit);
		return respond_error(conn, 413, "request body too large");
	}
	return handle_hook(srv, conn, rq);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	struct request *rq = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (!rq)
		return;
	strbuf_release(&rq->body);
	free(rq);
	*con_cls = NULL;
}

int server_start(struct server **out, const struct server_options *opts, struct pw_error *err)
{
	struct server *srv = calloc(1, sizeof(*srv));
	const char *listen_addr = opts->listen;
	int ret;

	*out = NULL;
	if (!srv)
		abort();
	srv->fd = -1;
	srv->config = opts->config;
	srv->body_limit = opts->config->body_limit;
	srv->log = opts->log;
	srv->log_arg = opts->log_arg;
	if (opts->database)
		strbuf_addstr(&srv->database, opts->database);
	else if (opts->config->database)
		strbuf_addstr(&srv->database, opts->config->database);
	if (!listen_addr)
		listen_addr = opts->config->listen ? opts->config->listen : CONFIG_DEFAULT_LISTEN;
	if ((ret = bind_listen(srv, listen_addr, err)) < 0)
		goto fail;
	if ((ret = store_open(&srv->store, srv->database.len ? srv->database.buf : NULL, err)) < 0)
		goto fail;
	srv->daemon = MHD_start_daemon(
	        MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL, on_request, srv,
	        MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, srv, MHD_OPTION_LISTEN_SOCKET, srv->fd,
	        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30, MHD_OPTION_CONNECTION_LIMIT,
	        (unsigned)64, MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv, MHD_OPTION_END);
	if (!srv->daemon) {
		ret = pw_error_set(err, PW_EIO, "could not start the HTTP server on '%s'",
		                   listen_addr);
		goto fail;
	}
	*out = srv;
	return 0;
fail:
	server_free(srv);
	return ret;
}

const char *server_url(const struct server *srv)
{
	return strbuf_str(&srv->url);
}

void server_free(struct server *srv)
{
	if (!srv)
		return;
	if (srv->daemon)
		MHD_stop_daemon(srv->daemon); /* closes the listening socket too */
	else if (srv->fd >= 0)
		close(srv->fd);
	store_release(&srv->store);
	strbuf_release(&srv->url);
	strbuf_release(&srv->database);
	free(srv);
}
