/*
 * The service's configuration file: which address `serve` listens on and
 * with which webhook secret, where workers find golden sets and how long
 * their leases are, and, per forge repository, where it lives and how to
 * send its commit statuses. Git-config syntax, parsed by libgit2 through
 * checkout_config_foreach(); this module only maps keys to fields.
 */
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "checkout.h"
#include "config.h"
#include "paths.h"

void config_init(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->body_limit = CONFIG_DEFAULT_BODY_LIMIT;
	c->request_timeout_s = CONFIG_DEFAULT_REQUEST_TIMEOUT_S;
	c->connections = CONFIG_DEFAULT_CONNECTIONS;
	c->connections_per_ip = CONFIG_DEFAULT_CONNECTIONS_PER_IP;
	c->lease_s = 60;
	c->attempts = 3;
	c->retry_delay_s = 30;
	c->poll_s = 10;
	c->cpu = -1;
	c->notify_timeout_ms = 20000;
	c->notify_attempts = 3;
}

void config_release(struct config *c)
{
	size_t i;

	free(c->path);
	free(c->listen);
	free(c->secret);
	free(c->public_url);
	free(c->database);
	free(c->golden_dir);
	free(c->workdir);
	free(c->spec);
	free(c->webhook_url);
	for (i = 0; i < c->nhosts; i++)
		free(c->hosts[i]);
	free(c->hosts);
	for (i = 0; i < c->nallow; i++)
		free(c->allow[i]);
	free(c->allow);
	for (i = 0; i < c->nrepos; i++) {
		free(c->repos[i].name);
		free(c->repos[i].location);
		free(c->repos[i].forge);
		free(c->repos[i].api);
		free(c->repos[i].token);
	}
	free(c->repos);
	config_init(c);
}

struct parse {
	struct config *c;
	struct pw_error *err;
};

static int set_string(char **field, const char *value)
{
	free(*field);
	*field = strdup(value);
	if (!*field)
		abort();
	return 0;
}

static int add_string(char ***list, size_t *n, const char *value)
{
	char **grown = realloc(*list, (*n + 1) * sizeof(**list));

	if (!grown)
		abort();
	*list = grown;
	grown[*n] = NULL;
	set_string(&grown[*n], value);
	(*n)++;
	return 0;
}

static int parse_long(const char *value, long lo, long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(value, &end, 10);
	if (errno || end == value || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int parse_bool(const char *value, int *out)
{
	if (!value || !strcasecmp(value, "true") || !strcasecmp(value, "yes") ||
	    !strcasecmp(value, "on") || !strcmp(value, "1")) {
		*out = 1;
		return 0;
	}
	if (!strcasecmp(value, "false") || !strcasecmp(value, "no") || !strcasecmp(value, "off") ||
	    !strcmp(value, "0") || !*value) {
		*out = 0;
		return 0;
	}
	return -1;
}

static struct config_repository *repo_section(struct config *c, const char *name, size_t len)
{
	struct config_repository *r;
	size_t i;

	for (i = 0; i < c->nrepos; i++)
		if (strlen(c->repos[i].name) == len && !strncmp(c->repos[i].name, name, len))
			return &c->repos[i];
	r = realloc(c->repos, (c->nrepos + 1) * sizeof(*r));
	if (!r)
		abort();
	c->repos = r;
	r = &c->repos[c->nrepos++];
	memset(r, 0, sizeof(*r));
	r->name = strndup(name, len);
	if (!r->name)
		abort();
	return r;
}

static int bad_value(struct parse *p, const char *name, const char *what)
{
	return pw_error_set(p->err, PW_EINVALID, "'%s': %s must be %s", p->c->path, name, what);
}

static int on_repository(struct parse *p, const char *name, const char *sub, size_t sublen,
                         const char *key, const char *value)
{
	struct config_repository *r = repo_section(p->c, sub, sublen);

	if (!strcmp(key, "location"))
		return set_string(&r->location, value);
	if (!strcmp(key, "api"))
		return set_string(&r->api, value);
	if (!strcmp(key, "token"))
		return set_string(&r->token, value);
	if (!strcmp(key, "forge")) {
		if (strcasecmp(value, "github") && strcasecmp(value, "gitea") &&
		    strcasecmp(value, "gitlab"))
			return bad_value(p, name, "github, gitea or gitlab");
		set_string(&r->forge, value);
		for (char *q = r->forge; *q; q++)
			if (*q >= 'A' && *q <= 'Z')
				*q = (char)(*q - 'A' + 'a');
		return 0;
	}
	return pw_error_set(p->err, PW_EINVALID, "'%s': unknown key '%s'", p->c->path, name);
}

static int on_entry(const char *name, const char *value, unsigned depth, void *payload)
{
	struct parse *p = payload;
	struct config *c = p->c;
	const char *dot = strchr(name, '.'), *last = strrchr(name, '.');
	const char *key = last ? last + 1 : name;
	size_t seclen = dot ? (size_t)(dot - name) : strlen(name);
	long v;

	(void)depth;
	if (!value)
		value = "true";
	if (dot && last != dot && seclen == 10 && !strncmp(name, "repository", 10))
		return on_repository(p, name, dot + 1, (size_t)(last - dot - 1), key, value);
	if (!dot || last != dot)
		goto unknown;
#define IS(sec, k) (seclen == strlen(sec) && !strncmp(name, sec, seclen) && !strcmp(key, k))
	if (IS("server", "listen"))
		return set_string(&c->listen, value);
	if (IS("server", "secret"))
		return set_string(&c->secret, value);
	if (IS("server", "public-url"))
		return set_string(&c->public_url, value);
	if (IS("server", "body-limit")) {
		if (parse_long(value, 1024, 64L * 1024 * 1024, &v) < 0)
			return bad_value(p, name, "a byte count between 1024 and 67108864");
		c->body_limit = (size_t)v;
		return 0;
	}
	if (IS("server", "request-timeout")) {
		if (parse_long(value, 1, 3600, &v) < 0)
			return bad_value(p, name, "a number of seconds between 1 and 3600");
		c->request_timeout_s = (int)v;
		return 0;
	}
	if (IS("server", "connections")) {
		if (parse_long(value, 4, 65536, &v) < 0)
			return bad_value(p, name, "a number between 4 and 65536");
		c->connections = (unsigned)v;
		return 0;
	}
	if (IS("server", "connections-per-ip")) {
		if (parse_long(value, 1, 65536, &v) < 0)
			return bad_value(p, name, "a number between 1 and 65536");
		c->connections_per_ip = (unsigned)v;
		return 0;
	}
	if (IS("server", "host")) {
		if (!*value || strpbrk(value, "/: \t@"))
			return bad_value(p, name, "a host name (no scheme, path or port)");
		return add_string(&c->hosts, &c->nhosts, value);
	}
	if (IS("server", "unsigned-hooks")) {
		if (!strcmp(value, "loopback")) {
			c->unsigned_loopback = 1;
			return 0;
		}
		if (!strcmp(value, "no") || !strcmp(value, "false")) {
			c->unsigned_loopback = 0;
			return 0;
		}
		return bad_value(p, name, "'loopback' (a test setup) or 'no'");
	}
	if (IS("allow", "repository")) {
		if (!*value)
			return bad_value(p, name, "a location or a pattern");
		return add_string(&c->allow, &c->nallow, value);
	}
	if (IS("database", "url"))
		return set_string(&c->database, value);
	if (IS("worker", "golden-dir"))
		return set_string(&c->golden_dir, value);
	if (IS("worker", "workdir"))
		return set_string(&c->workdir, value);
	if (IS("worker", "spec"))
		return set_string(&c->spec, value);
	if (IS("worker", "lease")) {
		if (parse_long(value, 1, 86400, &v) < 0)
			return bad_value(p, name, "a number of seconds between 1 and 86400");
		c->lease_s = (int)v;
		return 0;
	}
	if (IS("worker", "attempts")) {
		if (parse_long(value, 1, 100, &v) < 0)
			return bad_value(p, name, "a number between 1 and 100");
		c->attempts = (int)v;
		return 0;
	}
	if (IS("worker", "retry-delay")) {
		if (parse_long(value, 0, 86400, &v) < 0)
			return bad_value(p, name, "a number of seconds between 0 and 86400");
		c->retry_delay_s = (int)v;
		return 0;
	}
	if (IS("worker", "poll")) {
		if (parse_long(value, 1, 3600, &v) < 0)
			return bad_value(p, name, "a number of seconds between 1 and 3600");
		c->poll_s = (int)v;
		return 0;
	}
	if (IS("worker", "each")) {
		if (parse_bool(value, &c->each) < 0)
			return bad_value(p, name, "true or false");
		return 0;
	}
	if (IS("worker", "fail-inconclusive")) {
		if (parse_bool(value, &c->fail_inconclusive) < 0)
			return bad_value(p, name, "true or false");
		return 0;
	}
	if (IS("worker", "cpu")) {
		if (parse_long(value, 0, 4095, &v) < 0)
			return bad_value(p, name, "a cpu number");
		c->cpu = (int)v;
		return 0;
	}
	if (IS("notify", "webhook"))
		return set_string(&c->webhook_url, value);
	if (IS("notify", "timeout")) {
		if (parse_long(value, 1, 600, &v) < 0)
			return bad_value(p, name, "a number of seconds between 1 and 600");
		c->notify_timeout_ms = v * 1000;
		return 0;
	}
	if (IS("notify", "attempts")) {
		if (parse_long(value, 1, 20, &v) < 0)
			return bad_value(p, name, "a number between 1 and 20");
		c->notify_attempts = (int)v;
		return 0;
	}
#undef IS
unknown:
	return pw_error_set(p->err, PW_EINVALID, "'%s': unknown key '%s'", c->path, name);
}

int config_load(struct config *c, const char *path, struct pw_error *err)
{
	struct strbuf def = STRBUF_INIT;
	struct parse p = {c, err};
	const char *env = getenv("PERFWARDEN_CONFIG");
	int ret = 0, named = 1;

	config_init(c);
	if (!path || !*path)
		path = env && *env ? env : NULL;
	if (!path) {
		named = 0;
		paths_home(&def);
		strbuf_addstr(&def, "/config");
		if (access(def.buf, F_OK) < 0)
			goto done;
		path = def.buf;
	}
	set_string(&c->path, path);
	ret = checkout_config_foreach(path, on_entry, &p, err);
	if (ret == PW_ENOTFOUND && !named)
		ret = 0;
	if (ret < 0 && ret != PW_ENOTFOUND && ret != PW_EINVALID && ret != PW_EIO)
		ret = PW_EINVALID;
done:
	strbuf_release(&def);
	return ret;
}

const char *config_secret(const struct config *c)
{
	const char *env = getenv("PERFWARDEN_WEBHOOK_SECRET");

	if (c->secret && *c->secret)
		return c->secret;
	return env && *env ? env : NULL;
}

/* Whether locations `a` and `b` have one repository key (checkout_repo_key). */
static int same_repository(const char *a, const char *b)
{
	struct strbuf ka = STRBUF_INIT, kb = STRBUF_INIT;
	int same;

	if (!strcmp(a, b))
		return 1;
	checkout_repo_key(&ka, a, NULL);
	checkout_repo_key(&kb, b, NULL);
	same = !strcmp(strbuf_str(&ka), strbuf_str(&kb));
	strbuf_release(&ka);
	strbuf_release(&kb);
	return same;
}

const struct config_repository *config_repository_find(const struct config *c, const char *name,
                                                       const char *location)
{
	size_t i;

	if (name)
		for (i = 0; i < c->nrepos; i++)
			if (!strcmp(c->repos[i].name, name))
				return &c->repos[i];
	if (location)
		for (i = 0; i < c->nrepos; i++)
			if (c->repos[i].location && same_repository(c->repos[i].location, location))
				return &c->repos[i];
	return NULL;
}

static int is_local(const char *location)
{
	return !strncmp(location, "file://", 7) || !strstr(location, "://");
}

/* A local location or pattern as a path: "file:///x" and "file://localhost/x" are "/x". */
static const char *local_path(const char *location)
{
	if (!strncmp(location, "file://localhost/", 17))
		return location + 16;
	if (!strncmp(location, "file://", 7))
		return location + 7;
	return location;
}

/* Whether `s` has a ".." path segment (after "/", or at its start). */
static int has_dotdot(const char *s)
{
	const char *p;

	for (p = strstr(s, ".."); p; p = strstr(p + 1, ".."))
		if ((p == s || p[-1] == '/' || p[-1] == '\\') &&
		    (!p[2] || p[2] == '/' || p[2] == '\\'))
			return 1;
	return 0;
}

int config_repository_allowed(const struct config *c, const char *location, struct strbuf *why)
{
	int local = is_local(location);
	size_t i;

	if (has_dotdot(location) || strcasestr(location, "%2e") || strcasestr(location, "%2f")) {
		strbuf_addf(
		        why,
		        "repository '%s' is not allowed: it has a '..' segment or an encoded '.' "
		        "or '/'",
		        location);
		return 0;
	}
	if (local && local_path(location)[0] != '/') {
		strbuf_addf(why, "repository '%s' is not allowed: a local path must be absolute",
		            location);
		return 0;
	}
	for (i = 0; i < c->nrepos; i++)
		if (c->repos[i].location && !strcmp(c->repos[i].location, location))
			return 1;
	for (i = 0; i < c->nallow; i++) {
		const char *pattern = c->allow[i];

		if (is_local(pattern) != local)
			continue;
		if (local ? fnmatch(local_path(pattern), local_path(location), FNM_PATHNAME) == 0
		          : fnmatch(pattern, location, FNM_PATHNAME) == 0)
			return 1;
	}
	if (local)
		strbuf_addf(why,
		            "repository '%s' is not allowed: a local path is measured only when an "
		            "[allow] repository pattern names it",
		            location);
	else
		strbuf_addf(why,
		            "repository '%s' is not allowed: no [allow] repository pattern in '%s' "
		            "matches it",
		            location, c->path ? c->path : "the config");
	return 0;
}

const char *config_token(const struct config_repository *r, const char *forge)
{
	const char *env = NULL;

	if (r && r->token && *r->token)
		return r->token;
	if (!forge)
		return NULL;
	if (!strcmp(forge, "github"))
		env = getenv("PERFWARDEN_GITHUB_TOKEN");
	else if (!strcmp(forge, "gitea"))
		env = getenv("PERFWARDEN_GITEA_TOKEN");
	else if (!strcmp(forge, "gitlab"))
		env = getenv("PERFWARDEN_GITLAB_TOKEN");
	return env && *env ? env : NULL;
}

const char *config_api_url(const struct config_repository *r, const char *forge)
{
	if (r && r->api && *r->api)
		return r->api;
	if (forge && !strcmp(forge, "github"))
		return "https://api.github.com";
	return NULL;
}
