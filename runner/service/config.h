#ifndef PERFWARDEN_CONFIG_H
#define PERFWARDEN_CONFIG_H

#include <stddef.h>

#include "error.h"

/*
 * The CI service's configuration file (`perfwarden serve`, `worker`,
 * `notify`, `enqueue`): git-config syntax, read by libgit2's parser through
 * checkout_config_foreach(). Which file: --config FILE, else
 * $PERFWARDEN_CONFIG, else $PERFWARDEN_HOME/config when it exists, else
 * none (every default below).
 *
 *   [server]
 *   	listen = 127.0.0.1:8080        # host:port; port 0 picks a free one
 *   	secret = ...                   # webhook secret; else $PERFWARDEN_WEBHOOK_SECRET
 *   	public-url = http://ci.example:8080   # links in commit statuses
 *   	body-limit = 1048576           # bytes; larger webhook bodies get 413
 *   	request-timeout = 10           # seconds a connection has for each request, from
 *   	                               # its start (or the last answer) to the answer sent:
 *   	                               # a total deadline, not reset by every byte
 *   	connections = 512              # open connections at most
 *   	connections-per-ip = 32        # open connections from one address at most
 *   	host = ci.example.org          # Host headers answered besides loopback names, the
 *   	                               # public-url's host and IP literals (repeatable)
 *   	unsigned-hooks = loopback      # accept unsigned webhooks: a test setup only; needs
 *   	                               # a loopback listen address and no secret, and only
 *   	                               # loopback peers and loopback Host headers are served
 *   [allow]
 *   	repository = https://github.com/acme/widget.git  # a location webhooks may have
 *   	                               # measured, or a pattern (repeatable; fnmatch: '*'
 *   	                               # stops at '/', so "https://github.com/acme/" and a
 *   	                               # '*' is one owner's repositories); local paths and
 *   	                               # file:// only when a pattern names them
 *   [database]
 *   	url = postgresql://...         # else --database / $PERFWARDEN_DATABASE_URL / embedded
 *   [worker]
 *   	golden-dir = /srv/perfwarden/golden
 *   	workdir = /srv/perfwarden/work # each worker uses <workdir>/slot-N
 *   	spec = FILE                    # a spec overriding each commit's .perfwarden
 *   	lease = 60                     # seconds; renewed every lease/3
 *   	attempts = 3                   # tries for infrastructure failures
 *   	retry-delay = 30               # seconds before a failed attempt is retried
 *   	poll = 10                      # seconds between looks at the queue when no
 *   	                               # NOTIFY came (expired leases, delayed retries)
 *   	each = false                   # a status for every judged commit, not only the tip
 *   	fail-inconclusive = false      # an inconclusive verdict fails the job and its
 *   	                               # status (check --fail-inconclusive); else success
 *   	cpu = 3
 *   [notify]
 *   	webhook = https://hooks.slack.example/...   # generic JSON webhook ({"text": ...})
 *   	timeout = 20                   # seconds per request
 *   	attempts = 3
 *   [repository "acme/widget"]       # the forge's owner/name
 *   	location = /srv/git/widget.git # what to measure (path or URL)
 *   	forge = gitea                  # github, gitea, gitlab
 *   	api = https://gitea.example/api/v1
 *   	token = ...                    # else $PERFWARDEN_GITEA_TOKEN (GITHUB, GITLAB)
 *
 * Unknown sections or keys are errors (a typo must not silently do nothing).
 */

struct config_repository {
	char *name;     /* the subsection: "acme/widget" */
	char *location; /* NULL: the payload's clone URL */
	char *forge;    /* NULL: no statuses */
	char *api;      /* NULL: the forge's public default (github only) */
	char *token;    /* NULL: from the environment */
};

struct config {
	char *path; /* the file read, NULL when none */
	char *listen;
	char *secret;
	char *public_url;
	size_t body_limit;
	int request_timeout_s;
	unsigned connections;
	unsigned connections_per_ip;
	char **hosts; /* server.host values */
	size_t nhosts;
	int unsigned_loopback; /* server.unsigned-hooks = loopback */
	char **allow;          /* allow.repository patterns */
	size_t nallow;
	char *database;
	char *golden_dir;
	char *workdir;
	char *spec;
	int lease_s;
	int attempts;
	int retry_delay_s;
	int poll_s;
	int each;
	int fail_inconclusive; /* the worker's checks use CHECK_FAIL_INCONCLUSIVE */
	int cpu;               /* -1: the pipeline's default */
	char *webhook_url;
	long notify_timeout_ms;
	int notify_attempts;
	struct config_repository *repos;
	size_t nrepos;
};

#define CONFIG_DEFAULT_LISTEN             "127.0.0.1:8080"
#define CONFIG_DEFAULT_BODY_LIMIT         (1024 * 1024)
#define CONFIG_DEFAULT_REQUEST_TIMEOUT_S  10
#define CONFIG_DEFAULT_CONNECTIONS        512
#define CONFIG_DEFAULT_CONNECTIONS_PER_IP 32

/* Set every default; no file is read. Release with config_release(). */
void config_init(struct config *c);

/*
 * config_init(), then read the file (see above for which). PW_ENOTFOUND when
 * an explicitly named file does not exist; PW_EINVALID for a syntax error,
 * an unknown key or a bad value, naming the file and key.
 */
int config_load(struct config *c, const char *path, struct pw_error *err);

void config_release(struct config *c);

/* The webhook secret: the file's, else $PERFWARDEN_WEBHOOK_SECRET, else NULL. Borrowed. */
const char *config_secret(const struct config *c);

/*
 * The repository section named `name`, else (when `location` is given) the
 * first whose location is the same repository (one checkout_repo_key()); NULL
 * when none. Borrowed.
 */
const struct config_repository *config_repository_find(const struct config *c, const char *name,
                                                       const char *location);

/*
 * Whether a webhook may have `location` measured (a URL, a local path or a
 * file:// URL): a [repository] section whose `location` it is (the operator
 * chose it), or an [allow] repository pattern that matches it. Patterns are
 * fnmatch() globs whose '*' does not cross '/'; a file:// pattern matches
 * as its path, and a local path (or file:// URL) is allowed only by a
 * pattern that is a path or file:// URL itself. A location with a '..'
 * segment is never allowed. 1 when allowed; else 0 with the reason in `why`.
 */
int config_repository_allowed(const struct config *c, const char *location, struct strbuf *why);

/*
 * The token for `forge` ("github"...): the repository's own, else
 * $PERFWARDEN_<FORGE>_TOKEN; NULL when none. Borrowed.
 */
const char *config_token(const struct config_repository *r, const char *forge);

/* The API URL of `forge`: the repository's, else https://api.github.com for github, else NULL. */
const char *config_api_url(const struct config_repository *r, const char *forge);

#endif
