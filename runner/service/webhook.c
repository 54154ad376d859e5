/*
 * Forge webhook intake, minus the HTTP: the server (runner/service/server) receives a
 * POST, hands the raw body and the relevant header values here, and gets back
 * "authentic or not" and a parsed push event (repository, clone URL, ref,
 * before..after, delivery id) from which it enqueues a job. Pure functions:
 * OpenSSL's libcrypto for HMAC-SHA256, jansson for JSON.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "webhook.h"

#define HMAC_SHA256_LEN 32

const char *webhook_forge_name(enum webhook_forge forge)
{
	switch (forge) {
	case WEBHOOK_GITHUB:
		return "github";
	case WEBHOOK_GITEA:
		return "gitea";
	case WEBHOOK_GITLAB:
		return "gitlab";
	}
	return "unknown";
}

int webhook_forge_parse(const char *name, enum webhook_forge *out, struct pw_error *err)
{
	static const enum webhook_forge all[] = {WEBHOOK_GITHUB, WEBHOOK_GITEA, WEBHOOK_GITLAB};
	size_t i;

	for (i = 0; name && i < sizeof(all) / sizeof(all[0]); i++) {
		if (!strcasecmp(name, webhook_forge_name(all[i]))) {
			*out = all[i];
			return 0;
		}
	}
	return pw_error_set(err, PW_EINVALID,
	                    "unknown forge '%s': expected github, gitea or gitlab",
	                    name ? name : "");
}

const char *webhook_signature_header(enum webhook_forge forge)
{
	switch (forge) {
	case WEBHOOK_GITHUB:
		return "X-Hub-Signature-256";
	case WEBHOOK_GITEA:
		return "X-Gitea-Signature";
	case WEBHOOK_GITLAB:
		return "X-Gitlab-Token";
	}
	return "";
}

const char *webhook_event_header(enum webhook_forge forge)
{
	switch (forge) {
	case WEBHOOK_GITHUB:
		return "X-GitHub-Event";
	case WEBHOOK_GITEA:
		return "X-Gitea-Event";
	case WEBHOOK_GITLAB:
		return "X-Gitlab-Event";
	}
	return "";
}

const char *webhook_delivery_header(enum webhook_forge forge)
{
	switch (forge) {
	case WEBHOOK_GITHUB:
		return "X-GitHub-Delivery";
	case WEBHOOK_GITEA:
		return "X-Gitea-Delivery";
	case WEBHOOK_GITLAB:
		return "X-Gitlab-Event-UUID";
	}
	return "";
}

int webhook_is_push_event(enum webhook_forge forge, const char *event)
{
	if (!event)
		return 0;
	if (forge == WEBHOOK_GITLAB)
		return !strcasecmp(event, "Push Hook") || !strcasecmp(event, "Tag Push Hook");
	return !strcasecmp(event, "push");
}

static void hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
                        unsigned char mac[HMAC_SHA256_LEN])
{
	unsigned int mac_len = HMAC_SHA256_LEN;
	static const unsigned char empty;

	/* HMAC() treats a NULL key as "reuse the last key"; an empty key is legal. */
	if (!key)
		key = &empty;
	if (!data)
		data = &empty;
	if (!HMAC(EVP_sha256(), key, (int)key_len, data, len, mac, &mac_len))
		abort(); /* only fails on allocation failure, like strbuf */
}

void webhook_hmac_sha256_hex(const void *key, size_t key_len, const void *data, size_t len,
                             char hex[65])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char mac[HMAC_SHA256_LEN];
	size_t i;

	hmac_sha256(key, key_len, data, len, mac);
	for (i = 0; i < HMAC_SHA256_LEN; i++) {
		hex[2 * i] = digits[mac[i] >> 4];
		hex[2 * i + 1] = digits[mac[i] & 0xf];
	}
	hex[64] = '\0';
}

static int hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode exactly 64 hex digits into 32 bytes; -1 when `hex` is anything else. */
static int decode_mac(const char *hex, unsigned char mac[HMAC_SHA256_LEN])
{
	size_t i;

	if (strlen(hex) != 2 * HMAC_SHA256_LEN)
		return -1;
	for (i = 0; i < HMAC_SHA256_LEN; i++) {
		int hi = hex_value((unsigned char)hex[2 * i]);
		int lo = hex_value((unsigned char)hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		mac[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

static int verify_hmac(enum webhook_forge forge, const char *secret, const void *body,
                       size_t body_len, const char *signature, struct pw_error *err)
{
	const char *header = webhook_signature_header(forge);
	unsigned char want[HMAC_SHA256_LEN], got[HMAC_SHA256_LEN];
	const char *hex = signature;

	if (forge == WEBHOOK_GITHUB) {
		if (strncmp(signature, "sha256=", 7))
			return pw_error_set(err, PW_EINVALID,
			                    "malformed '%s' header: expected 'sha256=<hex>'",
			                    header);
		hex = signature + 7;
	}
	if (decode_mac(hex, got) < 0)
		return pw_error_set(err, PW_EINVALID,
		                    "malformed '%s' header: expected 64 hex digits", header);
	hmac_sha256(secret, strlen(secret), body, body_len, want);
	if (CRYPTO_memcmp(want, got, sizeof(want)))
		return pw_error_set(err, PW_EMISMATCH,
		                    "bad '%s' header: the signature does not match the body",
		                    header);
	return 0;
}

static int verify_token(const char *secret, const char *token, struct pw_error *err)
{
	unsigned char want[SHA256_DIGEST_LENGTH], got[SHA256_DIGEST_LENGTH];

	/* Hash both sides so the comparison's time depends on neither length. */
	SHA256((const unsigned char *)secret, strlen(secret), want);
	SHA256((const unsigned char *)token, strlen(token), got);
	if (CRYPTO_memcmp(want, got, sizeof(want)))
		return pw_error_set(err, PW_EMISMATCH,
		                    "bad 'X-Gitlab-Token' header: the token does not match");
	return 0;
}

int webhook_verify(enum webhook_forge forge, const char *secret, const void *body, size_t body_len,
                   const char *signature, struct pw_error *err)
{
	if (!secret || !*secret)
		return pw_error_set(err, PW_EINVALID,
		                    "cannot verify %s webhook: no webhook secret is configured",
		                    webhook_forge_name(forge));
	if (!signature || !*signature)
		return pw_error_set(err, PW_EINVALID, "missing '%s' header",
		                    webhook_signature_header(forge));
	if (forge == WEBHOOK_GITLAB)
		return verify_token(secret, signature, err);
	return verify_hmac(forge, secret, body, body_len, signature, err);
}

void webhook_push_init(struct webhook_push *push)
{
	struct webhook_push blank = WEBHOOK_PUSH_INIT;

	*push = blank;
}

void webhook_push_release(struct webhook_push *push)
{
	if (!push)
		return;
	free(push->repo_full_name);
	free(push->clone_url);
	free(push->ssh_url);
	free(push->html_url);
	free(push->ref);
	free(push->ref_name);
	free(push->before);
	free(push->after);
	free(push->default_branch);
	free(push->delivery_id);
	webhook_push_init(push);
}

void webhook_push_free(struct webhook_push *push)
{
	if (!push)
		return;
	webhook_push_release(push);
	free(push);
}

static char *xstrdup(const char *s)
{
	char *copy = strdup(s);

	if (!copy)
		abort();
	return copy;
}

/* Follow a dotted path ("repository.clone_url") through nested objects. */
static json_t *lookup(json_t *root, const char *path)
{
	struct strbuf key = STRBUF_INIT;
	json_t *node = root;
	const char *dot;

	while (node && (dot = strchr(path, '.'))) {
		strbuf_reset(&key);
		strbuf_add(&key, path, (size_t)(dot - path));
		node = json_is_object(node) ? json_object_get(node, strbuf_str(&key)) : NULL;
		path = dot + 1;
	}
	strbuf_release(&key);
	return json_is_object(node) ? json_object_get(node, path) : NULL;
}

/*
 * Copy the string at the first of `paths` (NULL-terminated) that holds a
 * non-empty string into *out. A required field that none holds is an error
 * naming the first path.
 */
static int take_string(char **out, json_t *root, const char *const *paths, int required,
                       enum webhook_forge forge, struct pw_error *err)
{
	const char *const *p;

	for (p = paths; *p; p++) {
		json_t *value = lookup(root, *p);

		if (json_is_string(value) && json_string_length(value) > 0) {
			if (strlen(json_string_value(value)) != json_string_length(value))
				return pw_error_set(
				        err, PW_EINVALID,
				        "invalid %s push payload: '%s' contains a NUL byte",
				        webhook_forge_name(forge), *p);
			*out = xstrdup(json_string_value(value));
			return 0;
		}
		if (value && !json_is_null(value) && !json_is_string(value))
			return pw_error_set(err, PW_EINVALID,
			                    "invalid %s push payload: '%s' is not a string",
			                    webhook_forge_name(forge), *p);
	}
	if (!required)
		return 0;
	return pw_error_set(err, PW_EINVALID, "invalid %s push payload: missing '%s'",
	                    webhook_forge_name(forge), paths[0]);
}

static int is_object_id(const char *s)
{
	size_t n = strlen(s), i;

	if (n != 40 && n != 64)
		return 0;
	for (i = 0; i < n; i++)
		if (hex_value((unsigned char)s[i]) < 0)
			return 0;
	return 1;
}

static int is_zero_id(const char *s)
{
	return strspn(s, "0") == strlen(s);
}

static int check_object_id(const char *value, const char *field, enum webhook_forge forge,
                           struct pw_error *err)
{
	if (is_object_id(value))
		return 0;
	return pw_error_set(err, PW_EINVALID,
	                    "invalid %s push payload: '%s' is not a 40 or 64 digit hex object id",
	                    webhook_forge_name(forge), field);
}

static int fill_flags_and_names(struct webhook_push *push, struct pw_error *err)
{
	const char *forge = webhook_forge_name(push->forge);

	if (strncmp(push->ref, "refs/", 5))
		return pw_error_set(err, PW_EINVALID,
		                    "invalid %s push payload: 'ref' is not a full ref name: '%s'",
		                    forge, push->ref);
	if (check_object_id(push->before, "before", push->forge, err) ||
	    check_object_id(push->after, "after", push->forge, err))
		return PW_EINVALID;
	if (is_zero_id(push->before))
		push->flags |= WEBHOOK_PUSH_CREATED;
	if (is_zero_id(push->after))
		push->flags |= WEBHOOK_PUSH_DELETED;
	if (!strncmp(push->ref, "refs/tags/", 10)) {
		push->flags |= WEBHOOK_PUSH_TAG;
		push->ref_name = xstrdup(push->ref + 10);
	} else if (!strncmp(push->ref, "refs/heads/", 11)) {
		push->ref_name = xstrdup(push->ref + 11);
	} else {
		push->ref_name = xstrdup(push->ref + 5);
	}
	return 0;
}

int webhook_push_parse(struct webhook_push *push, enum webhook_forge forge, const char *body,
                       size_t body_len, const char *delivery_id, struct pw_error *err)
{
	static const char *const gh_name[] = {"repository.full_name", NULL};
	static const char *const gh_clone[] = {"repository.clone_url", NULL};
	static const char *const gh_ssh[] = {"repository.ssh_url", NULL};
	static const char *const gh_html[] = {"repository.html_url", NULL};
	static const char *const gh_default[] = {"repository.default_branch", NULL};
	static const char *const gl_name[] = {"project.path_with_namespace", NULL};
	static const char *const gl_clone[] = {"project.git_http_url", "repository.git_http_url",
	                                       NULL};
	static const char *const gl_ssh[] = {"project.git_ssh_url", "repository.git_ssh_url", NULL};
	static const char *const gl_html[] = {"project.web_url", "repository.homepage", NULL};
	static const char *const gl_default[] = {"project.default_branch", NULL};
	static const char *const ref[] = {"ref", NULL};
	static const char *const before[] = {"before", NULL};
	static const char *const after[] = {"after", NULL};
	int gl = forge == WEBHOOK_GITLAB;
	json_error_t jerr;
	json_t *root = NULL;
	int rc;

	webhook_push_release(push);
	push->forge = forge;
	root = json_loadb(body ? body : "", body ? body_len : 0, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		rc = pw_error_set(
		        err, PW_EINVALID,
		        "invalid %s push payload: malformed JSON at line %d column %d: %s",
		        webhook_forge_name(forge), jerr.line, jerr.column, jerr.text);
		goto done;
	}
	if (!json_is_object(root)) {
		rc = pw_error_set(err, PW_EINVALID,
		                  "invalid %s push payload: the body is not a JSON object",
		                  webhook_forge_name(forge));
		goto done;
	}
	if ((rc = take_string(&push->repo_full_name, root, gl ? gl_name : gh_name, 1, forge,
	                      err)) ||
	    (rc = take_string(&push->clone_url, root, gl ? gl_clone : gh_clone, 1, forge, err)) ||
	    (rc = take_string(&push->ssh_url, root, gl ? gl_ssh : gh_ssh, 0, forge, err)) ||
	    (rc = take_string(&push->html_url, root, gl ? gl_html : gh_html, 0, forge, err)) ||
	    (rc = take_string(&push->default_branch, root, gl ? gl_default : gh_default, 0, forge,
	                      err)) ||
	    (rc = take_string(&push->ref, root, ref, 1, forge, err)) ||
	    (rc = take_string(&push->before, root, before, 1, forge, err)) ||
	    (rc = take_string(&push->after, root, after, 1, forge, err)))
		goto done;
	if ((rc = fill_flags_and_names(push, err)))
		goto done;
	if (delivery_id && *delivery_id)
		push->delivery_id = xstrdup(delivery_id);
	rc = 0;

done:
	json_decref(root);
	if (rc)
		webhook_push_release(push);
	return rc;
}
