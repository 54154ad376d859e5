/*
 * The HTTP front of the CI service: libmicrohttpd on a socket this module
 * binds itself (so a bind failure says why), one internal thread, so the one
 * store connection is never shared between threads. Webhook deliveries go
 * to runner/service/intake with their body read under a hard limit; GET /health is
 * answered here; every other GET belongs to runner/service/api (JSON API and
 * dashboard).
 *
 * Slow clients cannot hold the server: connections are limited in total
 * and per address, and a reaper thread shuts down every connection that has
 * not been answered within the request deadline of its start (or of its
 * previous answer) — a total deadline, which a client trickling one byte at
 * a time cannot stretch the way it stretches libmicrohttpd's idle timeout.
 * Requests whose Host header names a host this server does not serve are
 * refused before anything else (DNS rebinding).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>

#include "api.h"
#include "intake.h"
#include "jobs.h"
#include "server.h"

/* A client sending this many times the body limit is cut off instead of drained. */
#define SERVER_DRAIN_FACTOR 16

/* One open connection, as the reaper sees it. */
struct tracked {
	int fd;
	struct timespec since; /* its start, or its last answer */
	int shut;
	struct tracked *prev, *next;
};

struct server {
	struct MHD_Daemon *daemon;
	int fd;
	int listen_loopback;
	int request_timeout_s;
	pthread_t reaper;
	int reaper_running;
	int stopping;
	pthread_mutex_t mu;
	pthread_cond_t cond;
	struct tracked *conns;
	struct strbuf public_host;
	char hostname[256];
	struct store store;
	const struct config *config;
	size_t body_limit;
	struct strbuf url;
	struct strbuf database;
	void (*log)(void *arg, const char *line);
	void *log_arg;
	const char *mhd_last_fmt; /* mhd_logger's rate limit */
	struct timespec mhd_last_at;
	long mhd_repeated;
};

/* One request's state between libmicrohttpd's calls. */
struct request {
	struct strbuf host; /* the Host header's host part */
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

/*
 * libmicrohttpd's messages (from its one thread). A message repeated within
 * a second is counted, not logged: a flood of refused connections must not
 * become a flood of log lines.
 */
static void mhd_logger(void *cls, const char *fmt, va_list ap)
{
	struct server *srv = cls;
	struct strbuf line = STRBUF_INIT;
	struct timespec now;

	if (!srv->log)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (fmt == srv->mhd_last_fmt && now.tv_sec - srv->mhd_last_at.tv_sec < 1) {
		srv->mhd_repeated++;
		return;
	}
	if (srv->mhd_repeated) {
		strbuf_addf(&line, "last message repeated %ld more times", srv->mhd_repeated);
		srv->log(srv->log_arg, line.buf);
		strbuf_reset(&line);
	}
	strbuf_vaddf(&line, fmt, ap);
	strbuf_rtrim(&line);
	srv->mhd_last_fmt = fmt;
	srv->mhd_last_at = now;
	srv->mhd_repeated = 0;
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
	srv->listen_loopback = is_loopback(ai->ai_addr);
	if (!srv->listen_loopback && !config_secret(srv->config)) {
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
	if (bind(srv->fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(srv->fd, 512) < 0) {
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

/* ---- the request deadline: a reaper thread shuts down connections past it ---- */

static double seconds_since(const struct timespec *t, const struct timespec *now)
{
	return (double)(now->tv_sec - t->tv_sec) + (double)(now->tv_nsec - t->tv_nsec) / 1e9;
}

static void *reaper_main(void *arg)
{
	struct server *srv = arg;
	struct timespec now, until;
	struct tracked *t;
	long shut;

	pthread_mutex_lock(&srv->mu);
	while (!srv->stopping) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 250 * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&srv->cond, &srv->mu, &until);
		if (srv->stopping)
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		shut = 0;
		/* under the lock: a closed connection leaves the list before its fd is closed */
		for (t = srv->conns; t; t = t->next) {
			if (t->shut || seconds_since(&t->since, &now) < srv->request_timeout_s)
				continue;
			shutdown(t->fd, SHUT_RDWR);
			t->shut = 1;
			shut++;
		}
		if (shut) {
			pthread_mutex_unlock(&srv->mu);
			server_log(srv,
			           "closed %ld connection(s) not answered within the %d s deadline",
			           shut, srv->request_timeout_s);
			pthread_mutex_lock(&srv->mu);
		}
	}
	pthread_mutex_unlock(&srv->mu);
	return NULL;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
	struct server *srv = cls;
	struct tracked *t = *socket_context;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *info =
		        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);

		t = calloc(1, sizeof(*t));
		if (!t)
			abort();
		t->fd = info ? info->connect_fd : -1;
		clock_gettime(CLOCK_MONOTONIC, &t->since);
		pthread_mutex_lock(&srv->mu);
		if (t->fd >= 0) {
			t->next = srv->conns;
			if (srv->conns)
				srv->conns->prev = t;
			srv->conns = t;
		}
		pthread_mutex_unlock(&srv->mu);
		*socket_context = t;
		return;
	}
	if (!t)
		return;
	pthread_mutex_lock(&srv->mu);
	if (t->prev)
		t->prev->next = t->next;
	else if (srv->conns == t)
		srv->conns = t->next;
	if (t->next)
		t->next->prev = t->prev;
	pthread_mutex_unlock(&srv->mu);
	free(t);
	*socket_context = NULL;
}

/* A request was answered: the connection's next request has a deadline of its own. */
static void deadline_restart(struct server *srv, struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *info =
	        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct tracked *t = info ? info->socket_context : NULL;

	if (!t)
		return;
	pthread_mutex_lock(&srv->mu);
	clock_gettime(CLOCK_MONOTONIC, &t->since);
	pthread_mutex_unlock(&srv->mu);
}

/* ---- who may ask: the Host header, the peer ---- */

/* The host part of a Host header or URL authority ("[::1]:80" → "::1", "a:80" → "a"). */
static void host_part(struct strbuf *out, const char *authority, size_t len)
{
	const char *end = authority + len, *colon;

	if (len && authority[0] == '[') {
		const char *close = memchr(authority, ']', len);

		strbuf_add(out, authority + 1, close ? (size_t)(close - authority - 1) : len - 1);
		return;
	}
	colon = memchr(authority, ':', len);
	strbuf_add(out, authority, colon ? (size_t)(colon - authority) : (size_t)(end - authority));
}

static int is_ip_literal(const char *host)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

/*
 * Whether this server answers to `host` (the Host header's host part):
 * loopback names, IP literals (a DNS rebinding always sends a name), the
 * public URL's host, the machine's name and the config's server.host.
 */
static int host_served(const struct server *srv, const char *host)
{
	size_t i;

	if (!*host || !strcasecmp(host, "localhost") || is_ip_literal(host))
		return 1;
	if (srv->public_host.len && !strcasecmp(host, srv->public_host.buf))
		return 1;
	if (srv->hostname[0] && !strcasecmp(host, srv->hostname))
		return 1;
	for (i = 0; i < srv->config->nhosts; i++)
		if (!strcasecmp(host, srv->config->hosts[i]))
			return 1;
	return 0;
}

/* localhost, or a loopback IP literal, or no Host at all (HTTP/1.0) */
static int host_is_loopback(const char *host)
{
	struct sockaddr_in in;
	struct sockaddr_in6 in6;

	if (!*host || !strcasecmp(host, "localhost"))
		return 1;
	memset(&in, 0, sizeof(in));
	memset(&in6, 0, sizeof(in6));
	in.sin_family = AF_INET;
	in6.sin6_family = AF_INET6;
	if (inet_pton(AF_INET, host, &in.sin_addr) == 1)
		return is_loopback((struct sockaddr *)&in);
	if (inet_pton(AF_INET6, host, &in6.sin6_addr) == 1)
		return is_loopback((struct sockaddr *)&in6);
	return 0;
}

static int peer_is_loopback(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *info =
	        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

	return info && info->client_addr && is_loopback(info->client_addr);
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
                                   struct request *rq, const char *host)
{
	struct intake in = {&srv->store, srv->config};
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
	ir.unsigned_ok = srv->config->unsigned_loopback && srv->listen_loopback &&
	                 peer_is_loopback(conn) && host_is_loopback(host);
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
		const char *len, *host;

		rq = calloc(1, sizeof(*rq));
		if (!rq)
			return MHD_NO;
		*con_cls = rq;
		host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
		if (host)
			host_part(&rq->host, host, strlen(host));
		if (!host_served(srv, strbuf_str(&rq->host))) {
			struct strbuf why = STRBUF_INIT;
			enum MHD_Result ok;

			strbuf_addf(&why,
			            "host '%s' is not served here (server.host in the config names "
			            "the hosts to answer)",
			            rq->host.buf);
			server_log(srv, "%s %s 403: %s", method, url, why.buf);
			ok = respond_error(conn, 403, why.buf);
			strbuf_release(&why);
			return ok;
		}
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
	return handle_hook(srv, conn, rq, strbuf_str(&rq->host));
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	struct request *rq = *con_cls;

	(void)toe;
	deadline_restart(cls, conn);
	if (!rq)
		return;
	strbuf_release(&rq->body);
	strbuf_release(&rq->host);
	free(rq);
	*con_cls = NULL;
}

/* The connection limit: the config's, within what the open-files limit leaves. */
static unsigned connection_limit(unsigned wanted)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
		if (rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
			getrlimit(RLIMIT_NOFILE, &rl);
		}
		if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t)wanted + 64)
			wanted = rl.rlim_cur > 80 ? (unsigned)rl.rlim_cur - 64 : 16;
	}
	return wanted;
}

static void public_host(struct strbuf *out, const char *url)
{
	const char *start, *end;

	if (!url || !(start = strstr(url, "://")))
		return;
	start += 3;
	end = start + strcspn(start, "/?#");
	if (memchr(start, '@', (size_t)(end - start)))
		start = (const char *)memchr(start, '@', (size_t)(end - start)) + 1;
	host_part(out, start, (size_t)(end - start));
}

int server_start(struct server **out, const struct server_options *opts, struct pw_error *err)
{
	struct server *srv = calloc(1, sizeof(*srv));
	const char *listen_addr = opts->listen;
	unsigned limit;
	int ret;

	*out = NULL;
	if (!srv)
		abort();
	srv->fd = -1;
	pthread_mutex_init(&srv->mu, NULL);
	pthread_cond_init(&srv->cond, NULL);
	srv->config = opts->config;
	srv->body_limit = opts->config->body_limit;
	srv->request_timeout_s = opts->config->request_timeout_s;
	srv->log = opts->log;
	srv->log_arg = opts->log_arg;
	public_host(&srv->public_host, opts->config->public_url);
	if (gethostname(srv->hostname, sizeof(srv->hostname) - 1) < 0)
		srv->hostname[0] = '\0';
	if (opts->database)
		strbuf_addstr(&srv->database, opts->database);
	else if (opts->config->database)
		strbuf_addstr(&srv->database, opts->config->database);
	if (!listen_addr)
		listen_addr = opts->config->listen ? opts->config->listen : CONFIG_DEFAULT_LISTEN;
	if ((ret = bind_listen(srv, listen_addr, err)) < 0)
		goto fail;
	if (opts->config->unsigned_loopback && !srv->listen_loopback) {
		ret = pw_error_set(
		        err, PW_EINVALID,
		        "refusing to listen on '%s' with server.unsigned-hooks = loopback: "
		        "unsigned webhooks are a loopback-only test setup",
		        listen_addr);
		goto fail;
	}
	if ((ret = store_open(&srv->store, srv->database.len ? srv->database.buf : NULL, err)) < 0)
		goto fail;
	limit = connection_limit(opts->config->connections);
	srv->daemon = MHD_start_daemon(
	        MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL, on_request, srv,
	        MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, srv, MHD_OPTION_LISTEN_SOCKET, srv->fd,
	        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)srv->request_timeout_s,
	        MHD_OPTION_CONNECTION_LIMIT, limit, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	        opts->config->connections_per_ip < limit ? opts->config->connections_per_ip : limit,
	        MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv, MHD_OPTION_NOTIFY_COMPLETED,
	        on_completed, srv, MHD_OPTION_END);
	if (!srv->daemon) {
		ret = pw_error_set(err, PW_EIO, "could not start the HTTP server on '%s'",
		                   listen_addr);
		goto fail;
	}
	if (pthread_create(&srv->reaper, NULL, reaper_main, srv) != 0) {
		ret = pw_error_set(err, PW_EIO, "could not start the request deadline thread");
		goto fail;
	}
	srv->reaper_running = 1;
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
	if (srv->reaper_running) {
		pthread_mutex_lock(&srv->mu);
		srv->stopping = 1;
		pthread_cond_signal(&srv->cond);
		pthread_mutex_unlock(&srv->mu);
		pthread_join(srv->reaper, NULL);
	}
	pthread_mutex_destroy(&srv->mu);
	pthread_cond_destroy(&srv->cond);
	strbuf_release(&srv->public_host);
	store_release(&srv->store);
	strbuf_release(&srv->url);
	strbuf_release(&srv->database);
	free(srv);
}
