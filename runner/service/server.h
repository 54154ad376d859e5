#ifndef PERFWARDEN_SERVER_H
#define PERFWARDEN_SERVER_H

#include "config.h"
#include "error.h"

/*
 * `perfwarden serve`'s HTTP server (libmicrohttpd, one internal thread):
 *   POST /hooks/github, /hooks/gitea, /hooks/gitlab   webhook intake (runner/service/intake)
 *   GET  /health                                      {"status", "database", "jobs": {...}}
 *   any other GET                                     runner/service/api (JSON API, dashboard)
 * Webhook bodies over the config's body limit are answered 413: at once
 * when Content-Length says so, else as soon as the limit is passed (the rest
 * is read and dropped, not kept); a client sending more than 16 times the
 * limit is disconnected. Other methods get 405, unknown hook paths 404.
 *
 * Bounds: at most server.connections open connections, server.connections-per-ip
 * from one address, and each request must be answered within
 * server.request-timeout seconds of the connection's start (or its previous
 * answer), however slowly its bytes trickle in: past that the connection is
 * shut down. A request whose Host header names a host this server does not
 * serve (not a loopback name, an IP literal, the public URL's host, the
 * machine's name or a server.host) is refused with 403 (DNS rebinding).
 * Unsigned webhooks reach intake as acceptable only with
 * server.unsigned-hooks = loopback, from a loopback peer, with a loopback Host.
 */
struct server_options {
	const struct config *config; /* borrowed, must outlive the server */
	const char *listen;          /* "host:port" (port 0: a free one); NULL: the config's */
	const char *database;        /* conninfo; NULL: the config's, else the default */
	/* One line per request and event ("POST /hooks/github 202 job 4"); may be NULL. */
	void (*log)(void *arg, const char *line);
	void *log_arg;
};

struct server;

/*
 * Connect the store, bind and start serving in a background thread.
 * Refuses (PW_EINVALID) to listen on an address that is not loopback when
 * no webhook secret is configured or server.unsigned-hooks is set, and
 * malformed listen addresses; PW_EIO
 * when the address cannot be bound (in use, not local), PW_EDB when the
 * database cannot be reached. The result is the caller's: server_free().
 */
int server_start(struct server **out, const struct server_options *opts, struct pw_error *err);

/* "http://127.0.0.1:PORT" with the port actually bound. Borrowed. */
const char *server_url(const struct server *srv);

/* Stop accepting, finish the requests in flight, close the store; NULL is fine. */
void server_free(struct server *srv);

/*
 * Parse "host:port" / "[v6]:port" into `host` and *port (0..65535). PW_EINVALID
 * naming the address when malformed.
 */
int server_parse_listen(const char *addr, struct strbuf *host, unsigned *port,
                        struct pw_error *err);

#endif
