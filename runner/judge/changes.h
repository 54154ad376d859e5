#ifndef PERFWARDEN_CHANGES_H
#define PERFWARDEN_CHANGES_H

#include <stddef.h>

#include "error.h"
#include "query.h"

/*
 * Level changes over a benchmark's stored history (`history --changes`, the
 * dashboard's /api/changes), held to the judge's discipline.
 *
 * The series (the one every caller uses): one value per commit, oldest
 * first — the median of the commit's newest run — for the commits whose
 * runs are valid timings: at least one sample, and a measurement that did
 * not fail (wrong output, crash, timeout, build failure).
 *
 * A level change found by stats_change_points() (a rank test over whole
 * segments, p < 0.01) is only *confirmed* when it has the evidence a verdict
 * needs: its size is at least `min_step` (the threshold; 2% by default), and
 * a commit of the step — after the last commit at the old level, up to the
 * first at the new — was judged `slower` (for a rise) or `faster` (for a
 * fall) by check's interleaved comparison. Commits measured at different
 * times can differ by the machine's drift alone, so a step that no
 * interleaved judgement backs is reported as unconfirmed and never drawn as
 * a change.
 */
#define CHANGES_MIN_STEP 0.02

struct change_point {
	size_t index;         /* the same commit's index in the series (changes_series) */
	size_t row;           /* the first commit at the new level (index into h->rows) */
	size_t before_row;    /* the last commit at the old level */
	double ratio;         /* median after / median before, over the neighbouring segments */
	double p_value;       /* of the rank test that accepted the split */
	int confirmed;        /* backed by a judgement (see above) */
	size_t confirmed_row; /* the commit whose verdict backs it, when confirmed */
	const char *why;      /* static: why it is not confirmed, NULL when it is */
};

/*
 * The series of `h` (newest-first rows): *values and *rows are malloc'd
 * arrays of *n entries, oldest first, rows[i] the index into h->rows.
 */
void changes_series(const struct store_history *h, double **values, size_t **rows, size_t *n);

/*
 * Every level change of `h`, confirmed or not, oldest first; *out is
 * malloc'd (NULL when none). `min_step` <= 0 means CHANGES_MIN_STEP.
 * Errors from stats_change_points().
 */
int changes_find(const struct store_history *h, double min_step, struct change_point **out,
                 size_t *nout, struct pw_error *err);

#endif
