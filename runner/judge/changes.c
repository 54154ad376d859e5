/*
 * changes: level changes over a stored history, and whether a judgement
 * backs them (see changes.h). `perfwarden history --changes` and the
 * dashboard's API read them from here, so both draw the same changes from
 * the same series.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "changes.h"
#include "judge.h"
#include "stats.h"

static int failed(const char *verdict)
{
	enum verdict v;

	return verdict && verdict_parse(verdict, &v, NULL) == 0 && verdict_is_failure(v);
}

void changes_series(const struct store_history *h, double **values, size_t **rows, size_t *n)
{
	size_t i;

	*values = calloc(h->nrows ? h->nrows : 1, sizeof(**values));
	*rows = calloc(h->nrows ? h->nrows : 1, sizeof(**rows));
	if (!*values || !*rows)
		abort();
	*n = 0;
	for (i = h->nrows; i-- > 0;) {
		const struct store_history_row *r = &h->rows[i];

		if (!r->count || isnan(r->median) ||
		    failed(r->run_verdict ? r->run_verdict : r->verdict))
			continue;
		(*values)[*n] = r->median;
		(*rows)[(*n)++] = i;
	}
}

/* The commit of the step rows[k-1] (exclusive) .. rows[k] (inclusive) judged in `want`'s direction.
 */
static int backing(const struct store_history *h, size_t older, size_t newer, const char *want,
                   size_t *out)
{
	size_t r;

	for (r = newer; r < older; r++)
		if (h->rows[r].verdict && !strcmp(h->rows[r].verdict, want)) {
			*out = r;
			return 1;
		}
	return 0;
}

int changes_find(const struct store_history *h, double min_step, struct change_point **out,
                 size_t *nout, struct pw_error *err)
{
	struct stats_change_options opts = STATS_CHANGE_OPTIONS_INIT;
	struct stats_change *ch = NULL;
	double *x = NULL;
	size_t *rows = NULL, n = 0, nch = 0, i;
	int ret;

	*out = NULL;
	*nout = 0;
	if (!(min_step > 0))
		min_step = CHANGES_MIN_STEP;
	changes_series(h, &x, &rows, &n);
	if (n > 1000)
		opts.permutations = 199; /* long dashboards: keep the answer interactive */
	if ((ret = stats_change_points(x, n, &opts, &ch, &nch, err)) < 0 || !nch)
		goto done;
	if (!(*out = calloc(nch, sizeof(**out))))
		abort();
	for (i = 0; i < nch; i++) {
		struct change_point *c = &(*out)[i];
		size_t k = ch[i].index;

		c->index = k;
		c->row = rows[k];
		c->before_row = rows[k - 1];
		c->ratio = ch[i].ratio;
		c->p_value = ch[i].p_value;
		if (fabs(log(c->ratio)) < log(1 + min_step))
			c->why = "smaller than the threshold";
		else if (!backing(h, rows[k - 1], rows[k], c->ratio > 1 ? "slower" : "faster",
		                  &c->confirmed_row))
			c->why = "no interleaved judgement of the step agrees (drift between "
			         "measurements?)";
		else
			c->confirmed = 1;
	}
	*nout = nch;
done:
	free(ch);
	free(x);
	free(rows);
	return ret;
}
