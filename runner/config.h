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
	int cpu; /* -1: the pipeline's default */
	char *webhook_url;
	long notify_timeout_ms;
	int notify_attempts;
	struct config_repository *repos;
	size_t nrepos;
};

#define CONFIG_DEFAULT_LISTEN     "127.0.0.1:8080"
#define CONFIG_DEFAULT_BODY_LIMIT (1024 * 1024)

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
 * first whose location equals it; NULL when none. Borrowed.
 */
const struct config_repository *config_repository_find(const struct config *c, const char *name,
                                                       const char *location);

/*
 * The token for `forge` ("github"...): the repository's own, else
 * $PERFWARDEN_<FORGE>_TOKEN; NULL when none. Borrowed.
 */
const char *config_token(const struct config_repository *r, const char *forge);

/* The API URL of `forge`: the repository's, else https://api.github.com for github, else NULL. */
const char *config_api_url(const struct config_repository *r, const char *forge);

#endif
