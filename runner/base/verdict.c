/*
 * The verdict vocabulary: names users see, parsing them back, and which
 * verdicts mean a broken commit. Shared by measuring (a run crashed, its
 * output is wrong), judging (slower, faster) and the store's readers.
 */
#include <string.h>

#include "verdict.h"

static const char *const verdict_names[] = {
        [VERDICT_OK] = "ok",
        [VERDICT_SLOWER] = "slower",
        [VERDICT_FASTER] = "faster",
        [VERDICT_UNSURE] = "unsure",
        [VERDICT_WRONG_OUTPUT] = "wrong-output",
        [VERDICT_BUILD_FAILED] = "build-failed",
        [VERDICT_CRASHED] = "crashed",
        [VERDICT_TIMEOUT] = "timeout",
        [VERDICT_NO_SPEC] = "no-spec",
        [VERDICT_BAD_SPEC] = "bad-spec",
        [VERDICT_INCONCLUSIVE] = "inconclusive",
        [VERDICT_UNCHANGED] = "unchanged",
        [VERDICT_TEST_FAILED] = "test-failed",
        [VERDICT_UNVERIFIED] = "unverified",
};

#define NVERDICTS (sizeof(verdict_names) / sizeof(verdict_names[0]))

const char *verdict_name(enum verdict v)
{
	if ((size_t)v >= NVERDICTS)
		return "unknown";
	return verdict_names[v];
}

int verdict_parse(const char *name, enum verdict *out, struct pw_error *err)
{
	size_t i;

	for (i = 0; name && i < NVERDICTS; i++) {
		if (!strcmp(name, verdict_names[i])) {
			*out = (enum verdict)i;
			return 0;
		}
	}
	return pw_error_set(err, PW_EINVALID, "unknown verdict '%s'", name ? name : "");
}

int verdict_is_failure(enum verdict v)
{
	return v == VERDICT_WRONG_OUTPUT || v == VERDICT_BUILD_FAILED || v == VERDICT_CRASHED ||
	       v == VERDICT_TIMEOUT || v == VERDICT_BAD_SPEC || v == VERDICT_TEST_FAILED;
}
