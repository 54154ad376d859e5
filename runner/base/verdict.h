#ifndef PERFWARDEN_VERDICT_H
#define PERFWARDEN_VERDICT_H

#include "error.h"

/*
 * The verdict of one commit for one benchmark. Strings (verdict_name /
 * verdict_parse) are the ones users see in tables and JSON.
 *
 * VERDICT_UNSURE ("unsure") is not a final verdict: judge_compare() returns it
 * when the runs so far can neither confirm nor rule out a change of the
 * threshold's size; the pipeline then measures more (interleaved A/B rounds)
 * and judges those pairs with judge_compare_paired(). At the cap (max_repeat)
 * neither returns it.
 */
enum verdict {
	VERDICT_OK,
	VERDICT_SLOWER,
	VERDICT_FASTER,
	VERDICT_UNSURE,
	VERDICT_WRONG_OUTPUT,
	VERDICT_BUILD_FAILED,
	VERDICT_CRASHED,
	VERDICT_TIMEOUT,
	VERDICT_NO_SPEC,  /* the commit carries no .perfwarden: nothing to measure */
	VERDICT_BAD_SPEC, /* its .perfwarden cannot be read: the commit is broken */
	/* the budget is spent and neither a change of the threshold's size nor its absence is shown
	 */
	VERDICT_INCONCLUSIVE,
	/* the build is byte-identical to the baseline's (runner/artefact): it cannot differ */
	VERDICT_UNCHANGED,
	/* the benchmark's own test command failed on this build: the commit is wrong */
	VERDICT_TEST_FAILED,
	/*
	 * A measurement's verdict only: the runs went fine but nothing verifies
	 * the benchmark (no golden set, no test). Timed and judged like ok, never
	 * read as correct: stored and shown as "unverified".
	 */
	VERDICT_UNVERIFIED,
};

/*
 * "ok", "slower", "faster", "unsure", "wrong-output", "build-failed", "crashed",
 * "timeout", "no-spec", "bad-spec", "inconclusive", "unchanged", "test-failed",
 * "unverified"; "unknown" for
 * a value outside the enum.
 */
const char *verdict_name(enum verdict v);

/* The verdict named `name` into *out; PW_EINVALID (message names it) for an unknown name. */
int verdict_parse(const char *name, enum verdict *out, struct pw_error *err);

/*
 * 1 for verdicts that mean the commit is broken (wrong-output, build-failed,
 * crashed, timeout, bad-spec, test-failed): it fails the build and is never a baseline.
 * no-spec is not a failure (there is nothing to judge) but is never a
 * baseline either, having no timings. `slower`
 * fails `perfwarden check` too but is not a failure in this sense: its
 * timings are valid and it is the baseline of the next commit (so the commit
 * that undoes a slowdown reads `faster`).
 */
int verdict_is_failure(enum verdict v);

#endif
