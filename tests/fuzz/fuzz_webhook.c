/*
 * Fuzz target for webhook payloads: the first byte picks the forge (GitHub,
 * Gitea, GitLab), the rest is the request body. A body either parses into
 * a push whose before/after are hex object ids and whose ref starts with
 * "refs/", or is refused with a message naming what is wrong.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "webhook.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int is_hex_id(const char *s)
{
	size_t n = s ? strspn(s, "0123456789abcdefABCDEF") : 0;

	return s && !s[n] && (n == 40 || n == 64);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pw_error err = PW_ERROR_INIT;
	struct webhook_push push = WEBHOOK_PUSH_INIT;
	enum webhook_forge forge;

	if (!size)
		return 0;
	forge = (enum webhook_forge)(data[0] % (WEBHOOK_GITLAB + 1));
	if (webhook_push_parse(&push, forge, (const char *)data + 1, size - 1, "fuzz", &err) == 0) {
		if (!is_hex_id(push.before) || !is_hex_id(push.after) || !push.ref ||
		    strncmp(push.ref, "refs/", 5))
			abort(); /* the contract webhook.h states */
		webhook_push_release(&push);
	} else if (!strcmp(pw_error_message(&err), "unknown error")) {
		abort();
	}
	pw_error_release(&err);
	return 0;
}
