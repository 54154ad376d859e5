/*
 * runner/service/config.c: the service config file read through libgit2's parser
 * from real files in a temporary directory: every key of the documented
 * example lands in its field, repositories are found by name and location,
 * tokens and the secret fall back to the environment, and typos or bad
 * values are refused naming the key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"

static char dir[64];
static char path[128];

static void write_config(const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/pwconfig.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/config", dir);
	unsetenv("PERFWARDEN_CONFIG");
	unsetenv("PERFWARDEN_WEBHOOK_SECRET");
	unsetenv("PERFWARDEN_GITEA_TOKEN");
	setenv("PERFWARDEN_HOME", dir, 1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	rmdir(dir);
	return 0;
}

static void test_config__the_documented_example_reads_whole(void **state)
{
	struct config c;
	struct pw_error err = PW_ERROR_INIT;
	const struct config_repository *r;

	(void)state;
	write_config("[server]\n\tlisten = 127.0.0.1:9090\n\tsecret = abc\n"
	             "\tpublic-url = http://ci.example:8080\n\tbody-limit = 4096\n"
	             "[database]\n\turl = host=/tmp dbname=pw\n"
	             "[worker]\n\tgolden-dir = /srv/golden\n\tlease = 20\n\tattempts = 5\n"
	             "\tretry-delay = 0\n\tpoll = 3\n\teach = true\n\tfail-inconclusive = yes\n"
	             "\tcpu = 1\n"
	             "[notify]\n\twebhook = https://hooks.example/T/B/x\n\ttimeout = 7\n"
	             "\tattempts = 2\n"
	             "[repository \"acme/widget.v2\"]\n\tlocation = /srv/git/widget.git\n"
	             "\tforge = Gitea\n\tapi = https://gitea.example/api/v1\n\ttoken = tok\n");
	assert_int_equal(config_load(&c, path, &err), 0);
	assert_string_equal(c.listen, "127.0.0.1:9090");
	assert_string_equal(config_secret(&c), "abc");
	assert_string_equal(c.public_url, "http://ci.example:8080");
	assert_int_equal(c.body_limit, 4096);
	assert_string_equal(c.database, "host=/tmp dbname=pw");
	assert_string_equal(c.golden_dir, "/srv/golden");
	assert_int_equal(c.lease_s, 20);
	assert_int_equal(c.attempts, 5);
	assert_int_equal(c.retry_delay_s, 0);
	assert_int_equal(c.poll_s, 3);
	assert_int_equal(c.each, 1);
	assert_int_equal(c.fail_inconclusive, 1);
	assert_int_equal(c.cpu, 1);
	assert_string_equal(c.webhook_url, "https://hooks.example/T/B/x");
	assert_int_equal(c.notify_timeout_ms, 7000);
	assert_int_equal(c.notify_attempts, 2);
	assert_int_equal(c.nrepos, 1);
	r = config_repository_find(&c, "acme/widget.v2", NULL);
	assert_non_null(r);
	assert_string_equal(r->forge, "gitea");
	assert_string_equal(config_api_url(r, r->forge), "https://gitea.example/api/v1");
	assert_string_equal(config_token(r, r->forge), "tok");
	assert_ptr_equal(config_repository_find(&c, NULL, "/srv/git/widget.git"), r);
	assert_null(config_repository_find(&c, "acme/other", "/elsewhere"));
	config_release(&c);
	pw_error_release(&err);
}

static void test_config__secrets_and_tokens_fall_back_to_the_environment(void **state)
{
	struct config c;
	struct pw_error err = PW_ERROR_INIT;
	const struct config_repository *r;

	(void)state;
	write_config("[repository \"o/r\"]\n\tforge = github\n");
	assert_int_equal(config_load(&c, path, &err), 0);
	r = config_repository_find(&c, "o/r", NULL);
	assert_null(config_secret(&c));
	assert_null(config_token(r, "github"));
	assert_string_equal(config_api_url(r, "github"), "https://api.github.com");
	assert_null(config_api_url(r, "gitea"));
	setenv("PERFWARDEN_WEBHOOK_SECRET", "from-env", 1);
	setenv("PERFWARDEN_GITHUB_TOKEN", "gh-env", 1);
	assert_string_equal(config_secret(&c), "from-env");
	assert_string_equal(config_token(r, "github"), "gh-env");
	unsetenv("PERFWARDEN_WEBHOOK_SECRET");
	unsetenv("PERFWARDEN_GITHUB_TOKEN");
	config_release(&c);
	pw_error_release(&err);
}

static void test_config__typos_and_bad_values_are_refused(void **state)
{
	struct config c;
	struct pw_error err = PW_ERROR_INIT;

	(void)state;
	write_config("[worker]\n\tleese = 5\n");
	assert_int_equal(config_load(&c, path, &err), PW_EINVALID);
	assert_non_null(strstr(pw_error_message(&err), "unknown key 'worker.leese'"));
	config_release(&c);
	write_config("[worker]\n\tlease = soon\n");
	assert_int_equal(config_load(&c, path, &err), PW_EINVALID);
	assert_non_null(strstr(pw_error_message(&err), "worker.lease"));
	config_release(&c);
	write_config("[repository \"x/y\"]\n\tforge = bitbucket\n");
	assert_int_equal(config_load(&c, path, &err), PW_EINVALID);
	assert_non_null(strstr(pw_error_message(&err), "github, gitea or gitlab"));
	config_release(&c);
	write_config("[server\n\tlisten = x\n");
	assert_int_equal(config_load(&c, path, &err), PW_EINVALID);
	config_release(&c);
	pw_error_release(&err);
}

static void test_config__which_file(void **state)
{
	struct config c;
	struct pw_error err = PW_ERROR_INIT;

	(void)state;
	unlink(path);
	/* no file anywhere: every default */
	assert_int_equal(config_load(&c, NULL, &err), 0);
	assert_null(c.path);
	assert_int_equal(c.lease_s, 60);
	assert_int_equal(c.body_limit, CONFIG_DEFAULT_BODY_LIMIT);
	config_release(&c);
	/* a file named but missing is an error */
	assert_int_equal(config_load(&c, "/nonexistent/perfwarden.config", &err), PW_ENOTFOUND);
	config_release(&c);
	/* $PERFWARDEN_HOME/config is found by itself */
	write_config("[worker]\n\tlease = 9\n");
	assert_int_equal(config_load(&c, NULL, &err), 0);
	assert_int_equal(c.lease_s, 9);
	config_release(&c);
	pw_error_release(&err);
}

/* Whether `location` is allowed; the reason must name it when not. */
static int allowed(const struct config *c, const char *location)
{
	struct strbuf why = STRBUF_INIT;
	int ok = config_repository_allowed(c, location, &why);

	if (!ok) {
		assert_non_null(strstr(why.buf, location));
		assert_non_null(strstr(why.buf, "not allowed"));
	}
	strbuf_release(&why);
	return ok;
}

static void test_config__only_listed_repositories_are_allowed(void **state)
{
	struct config c;
	struct pw_error err = PW_ERROR_INIT;

	(void)state;
	/* nothing listed: nothing from a webhook */
	write_config("[server]\n\tsecret = x\n");
	assert_int_equal(config_load(&c, path, &err), 0);
	assert_false(allowed(&c, "https://github.com/acme/widget.git"));
	assert_false(allowed(&c, "/srv/git/widget.git"));
	config_release(&c);

	write_config("[server]\n\trequest-timeout = 3\n\tconnections = 100\n"
	             "\tconnections-per-ip = 8\n\thost = ci.example.org\n"
	             "\tunsigned-hooks = loopback\n"
	             "[allow]\n\trepository = https://github.com/acme/*\n"
	             "\trepository = file:///srv/git/*.git\n"
	             "[repository \"acme/mapped\"]\n\tlocation = /srv/other/mapped\n");
	assert_int_equal(config_load(&c, path, &err), 0);
	assert_int_equal(c.request_timeout_s, 3);
	assert_int_equal(c.connections, 100);
	assert_int_equal(c.connections_per_ip, 8);
	assert_int_equal(c.nhosts, 1);
	assert_string_equal(c.hosts[0], "ci.example.org");
	assert_true(c.unsigned_loopback);
	assert_true(allowed(&c, "https://github.com/acme/widget.git"));
	assert_true(allowed(&c, "https://github.com/acme/widget"));
	/* '*' stays within one path segment; no climbing out; other owners, hosts, schemes */
	assert_false(allowed(&c, "https://github.com/acme/x/../../evil/widget"));
	assert_false(allowed(&c, "https://github.com/acme/a/b"));
	assert_false(allowed(&c, "https://github.com/acme/%2e%2e"));
	assert_false(allowed(&c, "https://github.com/evil/widget.git"));
	assert_false(allowed(&c, "https://github.com.evil.example/acme/widget.git"));
	assert_false(allowed(&c, "http://github.com/acme/widget.git"));
	/* local paths only as a local pattern lists them, as a path or a file:// URL */
	assert_true(allowed(&c, "/srv/git/widget.git"));
	assert_true(allowed(&c, "file:///srv/git/widget.git"));
	assert_false(allowed(&c, "/srv/git/widget"));
	assert_false(allowed(&c, "/srv/git/../../etc/x.git"));
	assert_false(allowed(&c, "srv/git/widget.git"));
	assert_false(allowed(&c, "/home/user/widget.git"));
	/* a location the operator wrote in a [repository] section */
	assert_true(allowed(&c, "/srv/other/mapped"));
	config_release(&c);

	write_config("[server]\n\tunsigned-hooks = yes\n");
	assert_true(config_load(&c, path, &err) == PW_EINVALID);
	assert_non_null(strstr(pw_error_message(&err), "server.unsigned-hooks"));
	config_release(&c);
	write_config("[server]\n\thost = http://x/\n");
	assert_true(config_load(&c, path, &err) == PW_EINVALID);
	assert_non_null(strstr(pw_error_message(&err), "server.host"));
	config_release(&c);
	pw_error_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_config__the_documented_example_reads_whole),
	        cmocka_unit_test(test_config__secrets_and_tokens_fall_back_to_the_environment),
	        cmocka_unit_test(test_config__typos_and_bad_values_are_refused),
	        cmocka_unit_test(test_config__which_file),
	        cmocka_unit_test(test_config__only_listed_repositories_are_allowed),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
