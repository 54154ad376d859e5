/*
 * Tests for runner/service/webhook.c: HMAC test vectors, signature checks for each
 * forge (good, bad, missing, malformed), and push payloads shaped like the
 * ones GitHub, Gitea and GitLab document, including created/deleted/tag
 * pushes and broken bodies.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "webhook.h"

#define OLD  "6113728f27ae82c7b1a177c8d03f9e96e0adf246"
#define NEW  "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c"
#define ZERO "0000000000000000000000000000000000000000"

/* A GitHub push event, trimmed to the documented fields perfwarden reads and a few it ignores. */
static const char github_push[] =
        "{\"ref\":\"refs/heads/main\",\"before\":\"" OLD "\",\"after\":\"" NEW "\","
        "\"created\":false,\"deleted\":false,\"forced\":false,"
        "\"repository\":{\"id\":186853002,\"name\":\"julia\",\"full_name\":\"octo/julia\","
        "\"private\":false,\"html_url\":\"https://github.com/octo/julia\","
        "\"clone_url\":\"https://github.com/octo/julia.git\","
        "\"ssh_url\":\"git@github.com:octo/julia.git\",\"default_branch\":\"main\","
        "\"master_branch\":\"main\"},"
        "\"pusher\":{\"name\":\"octo\",\"email\":\"octo@example.com\"},"
        "\"head_commit\":{\"id\":\"" NEW "\",\"message\":\"speed up escape test\"},"
        "\"commits\":[{\"id\":\"" NEW "\",\"message\":\"speed up escape test\"}]}";

/* A Gitea push event (same repository keys as GitHub, plus compare_url). */
static const char gitea_push[] =
        "{\"ref\":\"refs/heads/feature/simd\",\"before\":\"" ZERO "\",\"after\":\"" NEW "\","
        "\"compare_url\":\"https://gitea.example.com/team/julia/compare/" ZERO "..." NEW "\","
        "\"commits\":[{\"id\":\"" NEW "\",\"message\":\"simd\\n\"}],"
        "\"repository\":{\"id\":7,\"owner\":{\"login\":\"team\"},\"name\":\"julia\","
        "\"full_name\":\"team/julia\",\"html_url\":\"https://gitea.example.com/team/julia\","
        "\"ssh_url\":\"git@gitea.example.com:team/julia.git\","
        "\"clone_url\":\"file:///srv/git/team/julia.git\",\"default_branch\":\"main\"},"
        "\"pusher\":{\"login\":\"dev\"},\"sender\":{\"login\":\"dev\"}}";

/* A GitLab "Push Hook" event: project.* is current, repository.* is the legacy copy. */
static const char gitlab_push[] =
        "{\"object_kind\":\"push\",\"event_name\":\"push\",\"before\":\"" OLD "\","
        "\"after\":\"" NEW "\",\"ref\":\"refs/heads/main\",\"ref_protected\":true,"
        "\"checkout_sha\":\"" NEW "\",\"user_name\":\"Dev\",\"project_id\":15,"
        "\"project\":{\"id\":15,\"name\":\"julia\",\"web_url\":\"https://gitlab.example.com/grp/"
        "julia\","
        "\"git_ssh_url\":\"git@gitlab.example.com:grp/julia.git\","
        "\"git_http_url\":\"https://gitlab.example.com/grp/julia.git\",\"namespace\":\"grp\","
        "\"path_with_namespace\":\"grp/julia\",\"default_branch\":\"main\"},"
        "\"repository\":{\"name\":\"julia\",\"url\":\"git@gitlab.example.com:grp/julia.git\","
        "\"homepage\":\"https://gitlab.example.com/grp/julia\","
        "\"git_http_url\":\"https://gitlab.example.com/grp/julia.git\","
        "\"git_ssh_url\":\"git@gitlab.example.com:grp/julia.git\"},"
        "\"commits\":[{\"id\":\"" NEW "\",\"message\":\"faster\"}],\"total_commits_count\":1}";

static void test_webhook__hmac_matches_rfc4231_case_2(void **state)
{
	char hex[65];

	(void)state;
	webhook_hmac_sha256_hex("Jefe", 4, "what do ya want for nothing?", 28, hex);
	assert_string_equal(hex,
	                    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

static void test_webhook__hmac_matches_openssl_dgst(void **state)
{
	/* printf '{"zen":"Keep it logically awesome."}' | openssl dgst -sha256 -hmac
	 * 'perfwarden-s3cret' */
	const char *body = "{\"zen\":\"Keep it logically awesome.\"}";
	char hex[65];

	(void)state;
	webhook_hmac_sha256_hex("perfwarden-s3cret", 17, body, strlen(body), hex);
	assert_string_equal(hex,
	                    "ade7c219c3ad7df1175bd0563cf52a642e2f9b3774dbd2b8fa1b1df4032898ed");
}

static void test_webhook__github_signature_is_checked(void **state)
{
	const char *body = "{\"zen\":\"Keep it logically awesome.\"}";
	const char *good =
	        "sha256=ade7c219c3ad7df1175bd0563cf52a642e2f9b3774dbd2b8fa1b1df4032898ed";
	const char *upper =
	        "sha256=ADE7C219C3AD7DF1175BD0563CF52A642E2F9B3774DBD2B8FA1B1DF4032898ED";
	const char *flipped =
	        "sha256=ade7c219c3ad7df1175bd0563cf52a642e2f9b3774dbd2b8fa1b1df4032898ee";
	struct pw_error err = PW_ERROR_INIT;

	(void)state;
	assert_int_equal(
	        webhook_verify(WEBHOOK_GITHUB, "perfwarden-s3cret", body, strlen(body), good, &err),
	        0);
	assert_int_equal(webhook_verify(WEBHOOK_GITHUB, "perfwarden-s3cret", body, strlen(body),
	                                upper, &err),
	                 0);
	assert_int_equal(webhook_verify(WEBHOOK_GITHUB, "perfwarden-s3cret", body, strlen(body),
	                                flipped, &err),
	                 PW_EMISMATCH);
	assert_non_null(strstr(pw_error_message(&err), "X-Hub-Signature-256"));
	assert_null(strstr(pw_error_message(&err), "perfwarden-s3cret"));
	/* the right signature for another secret, and for a body changed by one byte */
	assert_int_equal(webhook_verify(WEBHOOK_GITHUB, "other", body, strlen(body), good, &err),
	                 PW_EMISMATCH);
	assert_int_equal(webhook_verify(WEBHOOK_GITHUB, "perfwarden-s3cret", body, strlen(body) - 1,
	                                good, &err),
	                 PW_EMISMATCH);
	pw_error_release(&err);
}

static void test_webhook__missing_or_malformed_signature_fails(void **state)
{
	static const char *const bad[] = {
	        "",
	        "sha256=",
	        "sha1=ade7c219c3ad7df1175bd0563cf52a642e2f9b3774dbd2b8fa1b1df4032898ed",
	        "ade7c219c3ad7df1175bd0563cf52a642e2f9b3774dbd2b8fa1b1df4032898ed",
	        "sha256=ade7c219c3ad7df1175bd0563cf52a642e2f9b3774dbd2b8fa1b1df4032898",
	        "sha256=ade7c219c3ad7df1175bd0563cf52a642e2f9b3774dbd2b8fa1b1df4032898ed00",
	        "sha256=zde7c219c3ad7df1175bd0563cf52a642e2f9b3774dbd2b8fa1b1df4032898ed",
	};
	const char *body = "{}";
	struct pw_error err = PW_ERROR_INIT;
	size_t i;

	(void)state;
	assert_int_equal(webhook_verify(WEBHOOK_GITHUB, "s", body, 2, NULL, &err), PW_EINVALID);
	assert_string_equal(pw_error_message(&err), "missing 'X-Hub-Signature-256' header");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(webhook_verify(WEBHOOK_GITHUB, "s", body, 2, bad[i], &err),
		                 PW_EINVALID);
	assert_int_equal(webhook_verify(WEBHOOK_GITEA, "s", body, 2, "sha256=00", &err),
	                 PW_EINVALID);
	assert_int_equal(webhook_verify(WEBHOOK_GITEA, "s", body, 2, NULL, &err), PW_EINVALID);
	assert_string_equal(pw_error_message(&err), "missing 'X-Gitea-Signature' header");
	assert_int_equal(webhook_verify(WEBHOOK_GITLAB, "s", body, 2, NULL, &err), PW_EINVALID);
	/* no secret configured: nothing can be verified */
	assert_int_equal(webhook_verify(WEBHOOK_GITLAB, NULL, body, 2, "s", &err), PW_EINVALID);
	assert_int_equal(webhook_verify(WEBHOOK_GITHUB, "", body, 2, "sha256=00", &err),
	                 PW_EINVALID);
	assert_non_null(strstr(pw_error_message(&err), "no webhook secret"));
	pw_error_release(&err);
}

static void test_webhook__gitea_signature_has_no_prefix(void **state)
{
	struct pw_error err = PW_ERROR_INIT;
	char hex[65];

	(void)state;
	webhook_hmac_sha256_hex("gitea-secret", 12, gitea_push, strlen(gitea_push), hex);
	assert_int_equal(webhook_verify(WEBHOOK_GITEA, "gitea-secret", gitea_push,
	                                strlen(gitea_push), hex, &err),
	                 0);
	assert_int_equal(webhook_verify(WEBHOOK_GITEA, "gitea-secreT", gitea_push,
	                                strlen(gitea_push), hex, &err),
	                 PW_EMISMATCH);
	assert_non_null(strstr(pw_error_message(&err), "X-Gitea-Signature"));
	pw_error_release(&err);
}

static void test_webhook__gitlab_token_must_equal_the_secret(void **state)
{
	struct pw_error err = PW_ERROR_INIT;

	(void)state;
	assert_int_equal(webhook_verify(WEBHOOK_GITLAB, "tok-123", "{}", 2, "tok-123", &err), 0);
	assert_int_equal(webhook_verify(WEBHOOK_GITLAB, "tok-123", "{}", 2, "tok-124", &err),
	                 PW_EMISMATCH);
	assert_int_equal(webhook_verify(WEBHOOK_GITLAB, "tok-123", "{}", 2, "tok-1234", &err),
	                 PW_EMISMATCH);
	assert_int_equal(webhook_verify(WEBHOOK_GITLAB, "tok-123", "{}", 2, "tok-12", &err),
	                 PW_EMISMATCH);
	assert_null(strstr(pw_error_message(&err), "tok-1"));
	pw_error_release(&err);
}

static void test_webhook__github_push_is_parsed(void **state)
{
	struct webhook_push push = WEBHOOK_PUSH_INIT;
	struct pw_error err = PW_ERROR_INIT;

	(void)state;
	assert_int_equal(webhook_push_parse(&push, WEBHOOK_GITHUB, github_push, strlen(github_push),
	                                    "72d3162e-cc78-11e3-81ab-4c9367dc0958", &err),
	                 0);
	assert_int_equal(push.forge, WEBHOOK_GITHUB);
	assert_string_equal(push.repo_full_name, "octo/julia");
	assert_string_equal(push.clone_url, "https://github.com/octo/julia.git");
	assert_string_equal(push.ssh_url, "git@github.com:octo/julia.git");
	assert_string_equal(push.html_url, "https://github.com/octo/julia");
	assert_string_equal(push.ref, "refs/heads/main");
	assert_string_equal(push.ref_name, "main");
	assert_string_equal(push.before, OLD);
	assert_string_equal(push.after, NEW);
	assert_string_equal(push.default_branch, "main");
	assert_string_equal(push.delivery_id, "72d3162e-cc78-11e3-81ab-4c9367dc0958");
	assert_int_equal(push.flags, 0);
	webhook_push_release(&push);
	pw_error_release(&err);
}

static void test_webhook__gitea_new_branch_is_flagged_created(void **state)
{
	struct webhook_push *push = calloc(1, sizeof(*push));
	struct pw_error err = PW_ERROR_INIT;

	(void)state;
	webhook_push_init(push);
	assert_int_equal(webhook_push_parse(push, WEBHOOK_GITEA, gitea_push, strlen(gitea_push),
	                                    "f6a0e2c4-9d2b-4f3c-8a3e-0c1b2a3d4e5f", &err),
	                 0);
	assert_string_equal(push->repo_full_name, "team/julia");
	assert_string_equal(push->clone_url, "file:///srv/git/team/julia.git");
	assert_string_equal(push->ref_name, "feature/simd");
	assert_string_equal(push->default_branch, "main");
	assert_string_equal(push->delivery_id, "f6a0e2c4-9d2b-4f3c-8a3e-0c1b2a3d4e5f");
	assert_int_equal(push->flags, WEBHOOK_PUSH_CREATED);
	webhook_push_free(push);
	webhook_push_free(NULL);
	pw_error_release(&err);
}

static void test_webhook__gitlab_push_reads_project_urls(void **state)
{
	struct webhook_push push = WEBHOOK_PUSH_INIT;
	struct pw_error err = PW_ERROR_INIT;

	(void)state;
	assert_int_equal(webhook_push_parse(&push, WEBHOOK_GITLAB, gitlab_push, strlen(gitlab_push),
	                                    NULL, &err),
	                 0);
	assert_string_equal(push.repo_full_name, "grp/julia");
	assert_string_equal(push.clone_url, "https://gitlab.example.com/grp/julia.git");
	assert_string_equal(push.ssh_url, "git@gitlab.example.com:grp/julia.git");
	assert_string_equal(push.html_url, "https://gitlab.example.com/grp/julia");
	assert_string_equal(push.default_branch, "main");
	assert_string_equal(push.before, OLD);
	assert_string_equal(push.after, NEW);
	assert_null(push.delivery_id);
	assert_int_equal(push.flags, 0);
	webhook_push_release(&push);
	pw_error_release(&err);
}

static void test_webhook__gitlab_legacy_repository_url_is_a_fallback(void **state)
{
	const char *body =
	        "{\"object_kind\":\"tag_push\",\"before\":\"" ZERO "\",\"after\":\"" NEW "\","
	        "\"ref\":\"refs/tags/v1.2\",\"project\":{\"path_with_namespace\":\"grp/julia\"},"
	        "\"repository\":{\"git_http_url\":\"http://gitlab.local/grp/julia.git\"}}";
	struct webhook_push push = WEBHOOK_PUSH_INIT;
	struct pw_error err = PW_ERROR_INIT;

	(void)state;
	assert_int_equal(webhook_push_parse(&push, WEBHOOK_GITLAB, body, strlen(body),
	                                    "Idempotency-7f1c", &err),
	                 0);
	assert_string_equal(push.clone_url, "http://gitlab.local/grp/julia.git");
	assert_null(push.default_branch);
	assert_null(push.ssh_url);
	assert_string_equal(push.ref_name, "v1.2");
	assert_int_equal(push.flags, WEBHOOK_PUSH_TAG | WEBHOOK_PUSH_CREATED);
	webhook_push_release(&push);
	pw_error_release(&err);
}

static void test_webhook__deleted_branch_is_flagged(void **state)
{
	const char *body = "{\"ref\":\"refs/heads/old\",\"before\":\"" OLD "\",\"after\":\"" ZERO
	                   "\",\"deleted\":true,\"repository\":{\"full_name\":\"o/r\","
	                   "\"clone_url\":\"/srv/git/r.git\"}}";
	struct webhook_push push = WEBHOOK_PUSH_INIT;
	struct pw_error err = PW_ERROR_INIT;

	(void)state;
	assert_int_equal(webhook_push_parse(&push, WEBHOOK_GITHUB, body, strlen(body), NULL, &err),
	                 0);
	assert_int_equal(push.flags, WEBHOOK_PUSH_DELETED);
	assert_string_equal(push.clone_url, "/srv/git/r.git");
	webhook_push_release(&push);
	pw_error_release(&err);
}

static void expect_invalid(enum webhook_forge forge, const char *body, const char *message)
{
	struct webhook_push push = WEBHOOK_PUSH_INIT;
	struct pw_error err = PW_ERROR_INIT;

	assert_int_equal(
	        webhook_push_parse(&push, forge, body, body ? strlen(body) : 0, "id", &err),
	        PW_EINVALID);
	if (!strstr(pw_error_message(&err), message))
		fail_msg("message '%s' lacks '%s'", pw_error_message(&err), message);
	assert_null(push.repo_full_name);
	assert_null(push.delivery_id);
	pw_error_release(&err);
}

static void test_webhook__broken_payloads_name_the_problem(void **state)
{
	(void)state;
	expect_invalid(WEBHOOK_GITHUB, "", "malformed JSON");
	expect_invalid(WEBHOOK_GITHUB, NULL, "malformed JSON");
	expect_invalid(WEBHOOK_GITHUB, "{\"ref\":", "malformed JSON");
	expect_invalid(WEBHOOK_GITHUB, "[1,2]", "not a JSON object");
	expect_invalid(WEBHOOK_GITHUB, "{\"ref\":\"refs/heads/a\",\"ref\":\"refs/heads/b\"}",
	               "malformed JSON");
	expect_invalid(WEBHOOK_GITHUB, "{}",
	               "invalid github push payload: missing 'repository.full_name'");
	expect_invalid(WEBHOOK_GITHUB, "{\"repository\":{\"full_name\":\"o/r\"}}",
	               "missing 'repository.clone_url'");
	expect_invalid(WEBHOOK_GITHUB, "{\"repository\":\"o/r\"}",
	               "missing 'repository.full_name'");
	expect_invalid(WEBHOOK_GITHUB, "{\"repository\":{\"full_name\":42,\"clone_url\":\"x\"}}",
	               "'repository.full_name' is not a string");
	expect_invalid(WEBHOOK_GITEA,
	               "{\"repository\":{\"full_name\":\"o/r\",\"clone_url\":\"x\"},"
	               "\"before\":\"" OLD "\",\"after\":\"" NEW "\"}",
	               "invalid gitea push payload: missing 'ref'");
	expect_invalid(WEBHOOK_GITHUB,
	               "{\"repository\":{\"full_name\":\"o/r\",\"clone_url\":\"x\"},"
	               "\"ref\":\"refs/heads/m\",\"before\":\"" OLD "\"}",
	               "missing 'after'");
	expect_invalid(WEBHOOK_GITHUB,
	               "{\"repository\":{\"full_name\":\"o/r\",\"clone_url\":\"x\"},"
	               "\"ref\":\"refs/heads/m\",\"before\":\"" OLD "\",\"after\":\"abc\"}",
	               "'after' is not a 40 or 64 digit hex object id");
	expect_invalid(WEBHOOK_GITHUB,
	               "{\"repository\":{\"full_name\":\"o/r\",\"clone_url\":\"x\"},"
	               "\"ref\":\"main\",\"before\":\"" OLD "\",\"after\":\"" NEW "\"}",
	               "'ref' is not a full ref name");
	expect_invalid(WEBHOOK_GITLAB, github_push,
	               "invalid gitlab push payload: missing 'project.path_with_namespace'");
	expect_invalid(WEBHOOK_GITLAB,
	               "{\"project\":{\"path_with_namespace\":\"g/p\"},\"repository\":{}}",
	               "missing 'project.git_http_url'");
}

static void test_webhook__push_parse_reuses_a_struct(void **state)
{
	struct webhook_push push = WEBHOOK_PUSH_INIT;
	struct pw_error err = PW_ERROR_INIT;

	(void)state;
	assert_int_equal(webhook_push_parse(&push, WEBHOOK_GITHUB, github_push, strlen(github_push),
	                                    "one", &err),
	                 0);
	assert_int_equal(webhook_push_parse(&push, WEBHOOK_GITLAB, gitlab_push, strlen(gitlab_push),
	                                    "two", &err),
	                 0);
	assert_string_equal(push.repo_full_name, "grp/julia");
	assert_string_equal(push.delivery_id, "two");
	assert_int_equal(webhook_push_parse(&push, WEBHOOK_GITLAB, "{", 1, "three", &err),
	                 PW_EINVALID);
	assert_null(push.repo_full_name);
	webhook_push_release(&push);
	pw_error_release(&err);
}

static void test_webhook__forge_names_and_headers(void **state)
{
	struct pw_error err = PW_ERROR_INIT;
	enum webhook_forge forge;

	(void)state;
	assert_int_equal(webhook_forge_parse("GitLab", &forge, &err), 0);
	assert_int_equal(forge, WEBHOOK_GITLAB);
	assert_int_equal(webhook_forge_parse("bitbucket", &forge, &err), PW_EINVALID);
	assert_non_null(strstr(pw_error_message(&err), "'bitbucket'"));
	assert_int_equal(webhook_forge_parse(NULL, &forge, &err), PW_EINVALID);
	assert_string_equal(webhook_signature_header(WEBHOOK_GITHUB), "X-Hub-Signature-256");
	assert_string_equal(webhook_delivery_header(WEBHOOK_GITEA), "X-Gitea-Delivery");
	assert_string_equal(webhook_delivery_header(WEBHOOK_GITLAB), "X-Gitlab-Event-UUID");
	assert_true(webhook_is_push_event(WEBHOOK_GITHUB, "push"));
	assert_false(webhook_is_push_event(WEBHOOK_GITHUB, "ping"));
	assert_false(webhook_is_push_event(WEBHOOK_GITEA, NULL));
	assert_true(webhook_is_push_event(WEBHOOK_GITLAB, "Tag Push Hook"));
	assert_false(webhook_is_push_event(WEBHOOK_GITLAB, "push"));
	pw_error_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_webhook__hmac_matches_rfc4231_case_2),
	        cmocka_unit_test(test_webhook__hmac_matches_openssl_dgst),
	        cmocka_unit_test(test_webhook__github_signature_is_checked),
	        cmocka_unit_test(test_webhook__missing_or_malformed_signature_fails),
	        cmocka_unit_test(test_webhook__gitea_signature_has_no_prefix),
	        cmocka_unit_test(test_webhook__gitlab_token_must_equal_the_secret),
	        cmocka_unit_test(test_webhook__github_push_is_parsed),
	        cmocka_unit_test(test_webhook__gitea_new_branch_is_flagged_created),
	        cmocka_unit_test(test_webhook__gitlab_push_reads_project_urls),
	        cmocka_unit_test(test_webhook__gitlab_legacy_repository_url_is_a_fallback),
	        cmocka_unit_test(test_webhook__deleted_branch_is_flagged),
	        cmocka_unit_test(test_webhook__broken_payloads_name_the_problem),
	        cmocka_unit_test(test_webhook__push_parse_reuses_a_struct),
	        cmocka_unit_test(test_webhook__forge_names_and_headers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
