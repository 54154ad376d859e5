/*
 * Judging a range of commits: the heart of `perfwarden check` (check.h has
 * the method). Each commit is prepared through the pipeline (checkout,
 * build, warm-ups, the artefacts' digest); commits whose artefacts equal
 * their baseline's read `unchanged` and are never run; the rest are run in
 * interleaved rounds, and each open comparison is put to the sequential
 * lower-quartile judge (runner/judge) on the rounds its two commits shared,
 * until it is decided or the round budget is spent. The net verdict (tip
 * against base) is one more comparison, measured in the same rounds.
 * Bisection asks the same rounds the narrower question of one probe at a
 * time.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "judgements.h"
#include "stats.h"

#define CHECK_CALIBRATION_RUNS 10
#define CHECK_LOOK_GROWTH      1.4
#define CHECK_QUANTILE         0.25
#define CHECK_ALPHA_OK         0.02 /* each side of the test that rules a change out */
#define CHECK_MIN_FIRST_LOOK   6    /* fewer rounds can never decide anything at CHECK_ALPHA_OK */
#define CHECK_NO_ROUND         SIZE_MAX

/* The rounds in which one commit ran one benchmark, parallel to its samples. */
struct track {
	size_t *round; /* CHECK_NO_ROUND for calibration runs */
	size_t n, alloc;
};

struct judged_commit {
	struct pipeline_commit pc;
	int prepared;
	int built;            /* built by this check (not only read) */
	struct track *tracks; /* one per benchmark of pc */
};

struct comparison {
	size_t base, cand; /* commits */
	size_t name;       /* benchmark name index */
	int net;           /* the push: tip against base */
	int open;          /* still measuring */
	int live;          /* still part of the plan (a failure may retire it) */
	int manual;        /* asked for by bisection, not derived by plan() */
	int judged;        /* jr holds a verdict */
	int reused;        /* the verdict was read from the store (the same push, checked before) */
	size_t rounds;
	struct judge_result jr;
};

struct check_ctx {
	struct pipeline *p;
	const struct check_options *opts;
	struct judged_commit *jc;
	size_t n;
	int has_base;
	char **names;
	size_t nnames;
	struct comparison *cmp;
	size_t ncmp;
	size_t round;                    /* rounds run so far */
	size_t *first_look, *max_rounds; /* per name */
	struct check_result *out;
};

static char *xstrdup(const char *s)
{
	char *d;

	if (!s)
		return NULL;
	if (!(d = strdup(s)))
		abort();
	return d;
}

static void *xrealloc(void *p, size_t n)
{
	if (!(p = realloc(p, n ? n : 1)))
		abort();
	return p;
}

void check_result_release(struct check_result *r)
{
	size_t i;

	for (i = 0; i < r->nentries; i++) {
		free(r->entries[i].subject);
		free(r->entries[i].benchmark);
		free(r->entries[i].message);
		free(r->entries[i].detail);
	}
	free(r->entries);
	for (i = 0; i < r->nnet; i++) {
		free(r->net[i].benchmark);
		free(r->net[i].message);
	}
	free(r->net);
	for (i = 0; i < r->ncalibration; i++) {
		free(r->calibration[i].benchmark);
		free(r->calibration[i].message);
	}
	free(r->calibration);
	*r = (struct check_result)CHECK_RESULT_INIT;
}

static int bench_index(const struct pipeline_commit *pc, const char *name)
{
	size_t i;

	for (i = 0; i < pc->nbenches; i++)
		if (!strcmp(pc->benches[i].name, name))
			return (int)i;
	return -1;
}

/* The commit's verdict for one benchmark, before judging its speed. */
static enum verdict measured_verdict(const struct pipeline_commit *pc, int bi)
{
	if (pc->status != VERDICT_OK)
		return pc->status;
	if (bi < 0)
		return VERDICT_NO_SPEC;
	return pc->benches[bi].verdict;
}

static const char *metric_name(const struct check_options *opts)
{
	if (opts->metric == JUDGE_METRIC_INSTRUCTIONS)
		return "instructions";
	return (opts->flags & CHECK_CPU_TIME) ? "cpu" : "wall";
}

/* The judged value of one run: wall time, or user + system CPU time. */
static double run_value(const struct check_ctx *c, const struct sample *s)
{
	if (c->opts->flags & CHECK_CPU_TIME)
		return (double)(s->user_ns + s->sys_ns);
	return (double)s->wall_ns;
}

/* ---- commits ---- */

static void judged_release(struct judged_commit *jc, size_t n)
{
	size_t i, k;

	for (i = 0; i < n; i++) {
		for (k = 0; jc[i].tracks && k < jc[i].pc.nbenches; k++)
			free(jc[i].tracks[k].round);
		free(jc[i].tracks);
		pipeline_commit_release(&jc[i].pc);
	}
	free(jc);
}

static int prepare(struct check_ctx *c, size_t i, struct pw_error *err)
{
	struct judged_commit *j = &c->jc[i];
	char rev[CHECKOUT_HASH_HEX + 1];
	size_t k;
	int ret;

	if (j->prepared)
		return 0;
	memcpy(rev, j->pc.commit.hash, sizeof(rev));
	if ((ret = pipeline_prepare(c->p, rev, &j->pc, err)) < 0)
		return ret;
	j->prepared = j->built = 1;
	j->tracks = calloc(j->pc.nbenches ? j->pc.nbenches : 1, sizeof(*j->tracks));
	if (!j->tracks)
		abort();
	for (k = 0; k < j->pc.nbenches; k++) {
		if (!(pipeline_flags(c->p) & PIPELINE_INSTRUCTIONS) &&
		    c->opts->metric != JUDGE_METRIC_INSTRUCTIONS)
			continue;
		/* the judge needs the counts now; beside time they come from the spare cpu */
		if (c->opts->metric == JUDGE_METRIC_INSTRUCTIONS)
			ret = pipeline_count_instructions(c->p, &j->pc, k, err);
		else
			ret = pipeline_count_start(c->p, &j->pc, k, err);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* Good for benchmark `name`: measured fine so far (a baseline candidate). */
static int commit_good(const struct check_ctx *c, size_t i, size_t name)
{
	const struct judged_commit *j = &c->jc[i];

	if (!j->prepared)
		return 0;
	return !verdict_is_failure(measured_verdict(&j->pc, bench_index(&j->pc, c->names[name]))) &&
	       bench_index(&j->pc, c->names[name]) >= 0;
}

/*
 * The commit whose timings stand for commit i on benchmark `name`: i itself,
 * or, when i's artefacts and spec equal its baseline's, that baseline's.
 */
static size_t proxy_of(const struct check_ctx *c, size_t i, size_t name)
{
	const struct pipeline_commit *a = &c->jc[i].pc, *b;
	size_t j;

	for (j = i; j-- > 0;) {
		if (!commit_good(c, j, name))
			continue;
		b = &c->jc[j].pc;
		if (a->artefacts.hex[0] && !strcmp(a->artefacts.hex, b->artefacts.hex) && a->spec &&
		    b->spec && !strcmp(a->spec->hash, b->spec->hash))
			return proxy_of(c, j, name);
		return i;
	}
	return i;
}

static int is_unchanged(const struct check_ctx *c, size_t i, size_t name)
{
	return commit_good(c, i, name) && proxy_of(c, i, name) != i;
}

/* The last good commit before i for `name`; SIZE_MAX when none. */
static size_t baseline_of(const struct check_ctx *c, size_t i, size_t name)
{
	size_t j;

	for (j = i; j-- > 0;)
		if (commit_good(c, j, name))
			return j;
	return SIZE_MAX;
}

/* ---- comparisons ---- */

static struct comparison *comparison_find(struct check_ctx *c, size_t base, size_t cand,
                                          size_t name, int net)
{
	size_t k;

	for (k = 0; k < c->ncmp; k++)
		if (c->cmp[k].base == base && c->cmp[k].cand == cand && c->cmp[k].name == name &&
		    c->cmp[k].net == net)
			return &c->cmp[k];
	return NULL;
}

static void comparison_want(struct check_ctx *c, size_t base, size_t cand, size_t name, int net,
                            int manual)
{
	struct comparison *x = comparison_find(c, base, cand, name, net);

	if (x) {
		x->live = 1;
		x->manual |= manual;
		return;
	}
	c->cmp = xrealloc(c->cmp, (c->ncmp + 1) * sizeof(*c->cmp));
	x = &c->cmp[c->ncmp++];
	memset(x, 0, sizeof(*x));
	x->base = base;
	x->cand = cand;
	x->name = name;
	x->net = net;
	x->open = x->live = 1;
	x->manual = manual;
	judge_result_init(&x->jr);
}

/*
 * (Re)build the comparisons from what is known of the commits: each good,
 * changed commit against its baseline's proxy, and the tip against the
 * base. Comparisons no longer wanted (a side failed) are retired.
 */
static void plan(struct check_ctx *c, int with_each, int with_net)
{
	size_t k, i;

	for (k = 0; k < c->ncmp; k++)
		c->cmp[k].live = c->cmp[k].manual &&
		                 commit_good(c, c->cmp[k].base, c->cmp[k].name) &&
		                 commit_good(c, c->cmp[k].cand, c->cmp[k].name);
	for (k = 0; k < c->nnames; k++) {
		if (with_each)
			for (i = c->has_base ? 1 : 0; i < c->n; i++) {
				size_t b;

				if (!commit_good(c, i, k) || is_unchanged(c, i, k) ||
				    (b = baseline_of(c, i, k)) == SIZE_MAX)
					continue;
				comparison_want(c, proxy_of(c, b, k), i, k, 0, 0);
			}
		if (with_net && c->has_base && c->n > 1 && commit_good(c, 0, k) &&
		    commit_good(c, c->n - 1, k)) {
			size_t pb = proxy_of(c, 0, k), pt = proxy_of(c, c->n - 1, k);
			const struct comparison *same = comparison_find(c, pb, pt, k, 0);

			/* the tip's own comparison may be the push's already */
			if (pb != pt && !(same && same->live))
				comparison_want(c, pb, pt, k, 1, 0);
		}
	}
}

/* Whether commit i runs benchmark `name` in the next round. */
static int active(const struct check_ctx *c, size_t i, size_t name)
{
	size_t k;

	for (k = 0; k < c->ncmp; k++) {
		const struct comparison *x = &c->cmp[k];

		if (x->live && x->open && x->name == name && (x->base == i || x->cand == i))
			return 1;
	}
	return 0;
}

static void track_add(struct track *t, size_t round)
{
	if (t->n == t->alloc) {
		t->alloc = t->alloc ? 2 * t->alloc : 32;
		t->round = xrealloc(t->round, t->alloc * sizeof(*t->round));
	}
	t->round[t->n++] = round;
}

/* Run benchmark `name` of commit i `times` more; 1 when it failed now. */
static int run_more(struct check_ctx *c, size_t i, size_t name, size_t times, size_t round,
                    struct pw_error *err)
{
	struct judged_commit *j = &c->jc[i];
	int bi = bench_index(&j->pc, c->names[name]);
	struct pipeline_bench *b = &j->pc.benches[bi];
	size_t before = b->nsamples, k;
	int ret;

	if ((ret = pipeline_measure_more(c->p, &j->pc, (size_t)bi, times, err)) < 0)
		return ret;
	if (verdict_is_failure(measured_verdict(&j->pc, bi))) {
		/* a failing run's sample is kept by the pipeline; it is not a timing */
		while (b->nsamples > j->tracks[bi].n && b->nsamples > before)
			b->nsamples--;
		return 1;
	}
	for (k = before; k < b->nsamples; k++)
		track_add(&j->tracks[bi], round);
	c->out->total_runs += b->nsamples - before;
	return 0;
}

/*
 * The values of comparison x on the rounds both commits ran: base[k],
 * cand[k] from the same round k. Returns how many (caller frees both).
 */
static size_t shared_rounds(const struct check_ctx *c, const struct comparison *x, double **base,
                            double **cand)
{
	const struct judged_commit *jb = &c->jc[x->base], *jc = &c->jc[x->cand];
	int bb = bench_index(&jb->pc, c->names[x->name]);
	int cb = bench_index(&jc->pc, c->names[x->name]);
	const struct track *tb = &jb->tracks[bb], *tc = &jc->tracks[cb];
	size_t a = 0, b = 0, n = 0;

	*base = xrealloc(NULL, (tb->n + 1) * sizeof(**base));
	*cand = xrealloc(NULL, (tc->n + 1) * sizeof(**cand));
	while (a < tb->n && b < tc->n) {
		if (tb->round[a] == CHECK_NO_ROUND) {
			a++;
		} else if (tc->round[b] == CHECK_NO_ROUND || tc->round[b] < tb->round[a]) {
			b++;
		} else if (tb->round[a] < tc->round[b]) {
			a++;
		} else {
			(*base)[n] = run_value(c, &jb->pc.benches[bb].samples[a++]);
			(*cand)[n++] = run_value(c, &jc->pc.benches[cb].samples[b++]);
		}
	}
	return n;
}

static double alpha_change(const struct check_ctx *c)
{
	size_t m = c->out->comparisons ? c->out->comparisons : 1;
	size_t l = c->out->looks ? c->out->looks : 1;

	return c->opts->alpha / (double)(2 * m * l);
}

/*
 * The looks: after `first` rounds, then each time the rounds have grown by
 * CHECK_LOOK_GROWTH (rounded up to even), and at `max`. Few looks keep the
 * share of alpha each gets large; the growth bounds the overshoot.
 */
static int is_look(size_t n, size_t first, size_t max)
{
	size_t at = first;

	while (at < max) {
		if (n == at)
			return 1;
		at = (size_t)ceil((double)at * CHECK_LOOK_GROWTH);
		at += at % 2;
	}
	return n == max;
}

static size_t count_looks(size_t first, size_t max)
{
	size_t at = first, l = 1;

	while (at < max) {
		at = (size_t)ceil((double)at * CHECK_LOOK_GROWTH);
		at += at % 2;
		l++;
	}
	return l;
}

/* Put comparison x to the judge if this is one of its looks. */
static int look(struct check_ctx *c, struct comparison *x, int force_final, struct pw_error *err)
{
	struct judge_seq_options jo = JUDGE_SEQ_OPTIONS_INIT;
	const struct spec_benchmark *sb;
	double *vb = NULL, *vc = NULL;
	size_t n = shared_rounds(c, x, &vb, &vc), first = c->first_look[x->name];
	size_t max = c->max_rounds[x->name];
	int ret = 0, bi;

	if (c->opts->flags & CHECK_NO_CONFIRM)
		max = first;
	if (!force_final && !is_look(n, first, max))
		goto done;
	bi = bench_index(&c->jc[x->cand].pc, c->names[x->name]);
	sb = c->jc[x->cand].pc.benches[bi].spec;
	jo.threshold = sb->threshold;
	jo.quantile = CHECK_QUANTILE;
	jo.alpha_change = alpha_change(c);
	jo.alpha_ok = CHECK_ALPHA_OK;
	jo.min_rounds = first < CHECK_MIN_FIRST_LOOK ? first : CHECK_MIN_FIRST_LOOK;
	jo.final_look = n >= max || force_final;
	jo.paired = 1; /* shared_rounds() gives base[k] and cand[k] of the same round */
	if (!n) {
		judge_result_release(&x->jr);
		x->jr.verdict = VERDICT_INCONCLUSIVE;
		strbuf_addstr(&x->jr.message,
		              "inconclusive: the two commits never ran in one round");
		x->judged = 1;
		x->open = 0;
		goto done;
	}
	if ((ret = judge_quantile(vb, n, vc, n, &jo, &x->jr, err)) < 0)
		goto done;
	x->judged = 1;
	x->rounds = n;
	if (x->jr.verdict != VERDICT_UNSURE)
		x->open = 0;
done:
	free(vb);
	free(vc);
	return ret;
}

/* Whether any live comparison is open. */
static int any_open(const struct check_ctx *c)
{
	size_t k;

	for (k = 0; k < c->ncmp; k++)
		if (c->cmp[k].live && c->cmp[k].open)
			return 1;
	return 0;
}

/*
 * One round: every commit still in question runs each of its open
 * benchmarks once, oldest to newest on even rounds and newest to oldest on
 * odd ones. A commit that fails now (crash, wrong output) leaves the plan.
 */
static int run_round(struct check_ctx *c, int with_each, int with_net, struct pw_error *err)
{
	size_t r = c->round, s, k, i;
	int failed = 0, ret;

	for (s = 0; s < c->n; s++) {
		i = r % 2 == 0 ? s : c->n - 1 - s;
		for (k = 0; k < c->nnames; k++) {
			if (!active(c, i, k))
				continue;
			pipeline_progress_position(c->p, 0, 0);
			if ((ret = run_more(c, i, k, 1, r, err)) < 0)
				return ret;
			failed |= ret;
		}
	}
	c->round++;
	c->out->rounds = c->round;
	if (failed)
		plan(c, with_each, with_net);
	for (k = 0; k < c->ncmp; k++)
		if (c->cmp[k].live && c->cmp[k].open && (ret = look(c, &c->cmp[k], 0, err)) < 0)
			return ret;
	return 0;
}

/* Rounds until every live comparison is decided (or its budget spent). */
static int decide(struct check_ctx *c, int with_each, int with_net, struct pw_error *err)
{
	size_t guard = 0, limit = 0, k;
	int ret;

	for (k = 0; k < c->nnames; k++)
		limit += c->max_rounds[k];
	plan(c, with_each, with_net);
	while (any_open(c)) {
		if ((ret = run_round(c, with_each, with_net, err)) < 0)
			return ret;
		if (++guard > limit + 2) {
			/* every comparison has had its budget: close what is left */
			for (k = 0; k < c->ncmp; k++)
				if (c->cmp[k].live && c->cmp[k].open &&
				    (ret = look(c, &c->cmp[k], 1, err)) < 0)
					return ret;
			for (k = 0; k < c->ncmp; k++)
				c->cmp[k].open = 0;
		}
	}
	return 0;
}

/* ---- calibration ---- */

/*
 * The change that `rounds` interleaved rounds can resolve at the noise of
 * `v` (the calibration runs): the median half-width of the judge's interval
 * over smoothed bootstrap draws of two sides of `rounds` runs each.
 */
static double resolvable(const double *v, size_t n, size_t rounds)
{
	struct stats_rng rng;
	struct stats_summary s;
	double *a = xrealloc(NULL, rounds * sizeof(*a)), *b = xrealloc(NULL, rounds * sizeof(*b));
	struct judge_seq_options jo = JUDGE_SEQ_OPTIONS_INIT;
	double width[101], h, w, res = NAN;
	size_t d, i, ok = 0;

	jo.quantile = CHECK_QUANTILE;
	jo.alpha_ok = CHECK_ALPHA_OK;
	jo.paired = 1;
	if (stats_summarize(v, n, &s, NULL) < 0 || !(s.min > 0))
		goto done;
	/* Silverman's bandwidth on the log scale */
	h = 0.9 * fmin(s.stddev / s.mean, s.iqr / 1.34 / s.median) * pow((double)n, -0.2);
	if (!(h > 0))
		h = 1e-4;
	stats_rng_seed(&rng, STATS_BOOTSTRAP_SEED);
	for (d = 0; d < 101; d++) {
		for (i = 0; i < rounds; i++) {
			a[i] = v[stats_rng_below(&rng, n)] * exp(h * stats_rng_normal(&rng));
			b[i] = v[stats_rng_below(&rng, n)] * exp(h * stats_rng_normal(&rng));
		}
		if (isfinite(w = judge_resolvable(a, b, rounds, &jo)))
			width[ok++] = w;
	}
	if (ok)
		stats_median(width, ok, &res, NULL);
done:
	free(a);
	free(b);
	return res;
}

static int calibrate(struct check_ctx *c, size_t name, struct pw_error *err)
{
	struct check_calibration *cal;
	const struct spec_benchmark *sb;
	struct stats_summary s;
	double *v = NULL, q10, q90, t;
	size_t i, who = SIZE_MAX, k, n = 0, max;
	int bi, ret = 0;

	for (i = 0; i < c->n && who == SIZE_MAX; i++)
		if (commit_good(c, i, name))
			who = proxy_of(c, i, name);
	if (who == SIZE_MAX)
		return 0;
	bi = bench_index(&c->jc[who].pc, c->names[name]);
	sb = c->jc[who].pc.benches[bi].spec;
	max = (size_t)sb->max_repeat;
	c->max_rounds[name] = max;
	c->first_look[name] = CHECK_MIN_FIRST_LOOK < max ? CHECK_MIN_FIRST_LOOK : max;
	if (c->opts->metric == JUDGE_METRIC_INSTRUCTIONS)
		return 0;
	if ((ret = run_more(c, who, name, CHECK_CALIBRATION_RUNS, CHECK_NO_ROUND, err)) != 0)
		return ret < 0 ? ret : 0;
	v = xrealloc(NULL, c->jc[who].pc.benches[bi].nsamples * sizeof(*v));
	for (k = 0; k < c->jc[who].pc.benches[bi].nsamples; k++)
		if (c->jc[who].tracks[bi].round[k] == CHECK_NO_ROUND)
			v[n++] = run_value(c, &c->jc[who].pc.benches[bi].samples[k]);
	if (n < 3 || stats_summarize(v, n, &s, NULL) < 0 || !(s.median > 0))
		goto done;
	c->out->calibration = xrealloc(c->out->calibration,
	                               (c->out->ncalibration + 1) * sizeof(*c->out->calibration));
	cal = &c->out->calibration[c->out->ncalibration++];
	memset(cal, 0, sizeof(*cal));
	cal->benchmark = xstrdup(c->names[name]);
	memcpy(cal->commit, c->jc[who].pc.commit.hash, sizeof(cal->commit));
	cal->runs = n;
	cal->median = s.median;
	cal->min = s.min;
	stats_quantile(v, n, CHECK_QUANTILE, &cal->q25, NULL);
	stats_quantile(v, n, 0.1, &q10, NULL);
	stats_quantile(v, n, 0.9, &q90, NULL);
	cal->noise = STATS_MAD_NORMAL * s.mad / s.median;
	cal->skew = s.median > q10 ? (q90 - s.median) / (s.median - q10) : NAN;
	cal->floor = (cal->q25 - s.min) / s.min;
	cal->max_rounds = max;
	cal->resolvable = resolvable(v, n, max);
	t = sb->threshold;
	cal->first_look = c->first_look[name];
	cal->message = NULL;
	{
		struct strbuf m = STRBUF_INIT;

		strbuf_addf(&m,
		            "%s: %zu runs of %.7s: noise %.3g%% (MAD/median), %s, lower quartile "
		            "%.2g%% above the fastest; %zu rounds resolve about %.3g%%",
		            c->names[name], n, cal->commit, cal->noise * 100,
		            isnan(cal->skew)  ? "shape unknown"
		            : cal->skew > 1.5 ? "one-sided (interference adds time)"
		                              : "roughly symmetric",
		            cal->floor * 100, max, cal->resolvable * 100);
		if (cal->resolvable > t)
			strbuf_addf(&m,
			            " — more than the %g%% threshold: expect inconclusive verdicts "
			            "for changes near it (raise max-repeat or the threshold)",
			            t * 100);
		cal->message = strbuf_detach(&m, NULL);
	}
done:
	free(v);
	return ret;
}

/* ---- results ---- */

static struct check_entry *entry_add(struct check_result *r)
{
	struct check_entry *e;

	r->entries = xrealloc(r->entries, (r->nentries + 1) * sizeof(*r->entries));
	e = &r->entries[r->nentries++];
	memset(e, 0, sizeof(*e));
	e->ratio = e->ci_lo = e->ci_hi = e->p_value = e->median_ns = e->noise = NAN;
	e->value = e->resolvable = NAN;
	e->instructions = -1;
	return e;
}

/* Lower quartile of the judged metric and wall median over the commit's runs. */
static void run_stats(const struct check_ctx *c, size_t i, int bi, struct check_entry *e)
{
	const struct pipeline_bench *b = &c->jc[i].pc.benches[bi];
	double *v, *w;
	size_t k;

	e->runs = b->nsamples;
	if (b->instructions != SAMPLE_ABSENT)
		e->instructions = b->instructions;
	if (c->opts->metric == JUDGE_METRIC_INSTRUCTIONS)
		e->value = e->instructions >= 0 ? (double)e->instructions : NAN;
	if (!b->nsamples)
		return;
	v = xrealloc(NULL, b->nsamples * sizeof(*v));
	w = xrealloc(NULL, b->nsamples * sizeof(*w));
	for (k = 0; k < b->nsamples; k++) {
		v[k] = run_value(c, &b->samples[k]);
		w[k] = (double)b->samples[k].wall_ns;
	}
	if (c->opts->metric != JUDGE_METRIC_INSTRUCTIONS)
		stats_quantile(v, b->nsamples, CHECK_QUANTILE, &e->value, NULL);
	stats_median(w, b->nsamples, &e->median_ns, NULL);
	free(v);
	free(w);
}

static void copy_judgement(struct check_entry *e, const struct check_ctx *c,
                           const struct comparison *x)
{
	memcpy(e->baseline, c->jc[x->base].pc.commit.hash, sizeof(e->baseline));
	e->verdict = x->jr.verdict == VERDICT_UNSURE ? VERDICT_INCONCLUSIVE : x->jr.verdict;
	e->ratio = x->jr.ratio;
	e->ci_lo = x->jr.ci_lo;
	e->ci_hi = x->jr.ci_hi;
	e->p_value = x->jr.p_value;
	e->noise = x->jr.noise;
	e->resolvable = x->jr.min_detectable;
	e->rounds = x->rounds;
	free(e->message);
	e->message = x->jr.message.len ? xstrdup(x->jr.message.buf) : NULL;
}

/* The judged comparison of `cand`, against `base` when there is one (else any base). */
static const struct comparison *comparison_of(const struct check_ctx *c, size_t base, size_t cand,
                                              size_t name, int net)
{
	const struct comparison *any = NULL;
	size_t k;

	for (k = 0; k < c->ncmp; k++) {
		const struct comparison *x = &c->cmp[k];

		if (!x->judged || x->cand != cand || x->name != name || x->net != net)
			continue;
		if (x->base == base)
			return x;
		if (!any && x->live)
			any = x;
	}
	return any;
}

static void fill_entry(struct check_ctx *c, size_t i, size_t name, struct check_entry *e)
{
	const struct pipeline_commit *pc = &c->jc[i].pc;
	int bi = name == SIZE_MAX ? -1 : bench_index(pc, c->names[name]);
	const struct comparison *x;

	memcpy(e->hash, pc->commit.hash, sizeof(e->hash));
	memcpy(e->short_hash, pc->commit.short_hash, sizeof(e->short_hash));
	e->subject = xstrdup(pc->commit.subject);
	e->measured = c->jc[i].prepared;
	e->is_base = c->has_base && i == 0;
	e->verdict = measured_verdict(pc, bi);
	if (bi < 0) {
		if (pc->message.len)
			e->message = xstrdup(pc->message.buf);
		return;
	}
	e->benchmark = xstrdup(pc->benches[bi].name);
	run_stats(c, i, bi, e);
	if (pc->benches[bi].report.len)
		e->message = xstrdup(pc->benches[bi].report.buf);
	if (e->verdict == VERDICT_BUILD_FAILED && pc->build_log.len)
		e->detail = xstrdup(pc->build_log.buf);
	else if ((e->verdict == VERDICT_CRASHED || e->verdict == VERDICT_TIMEOUT) &&
	         pc->benches[bi].stderr_tail.len)
		e->detail = xstrdup(pc->benches[bi].stderr_tail.buf);
	if (verdict_is_failure(e->verdict) || e->is_base)
		return;
	if (is_unchanged(c, i, name)) {
		size_t px = proxy_of(c, i, name);
		struct strbuf m = STRBUF_INIT, names = STRBUF_INIT;

		e->verdict = VERDICT_UNCHANGED;
		memcpy(e->baseline, c->jc[px].pc.commit.hash, sizeof(e->baseline));
		e->ratio = e->ci_lo = e->ci_hi = 1;
		strbuf_addstr(&names, pc->artefacts.names.buf);
		strbuf_rtrim(&names);
		for (char *nl = strchr(names.buf, '\n'); nl; nl = strchr(nl, '\n'))
			*nl = ',';
		strbuf_addf(&m,
		            "unchanged: what the build made is byte-identical to %s's (%s), so it "
		            "cannot be faster or slower; not run",
		            c->jc[px].pc.commit.short_hash, names.buf);
		strbuf_release(&names);
		free(e->message);
		e->message = strbuf_detach(&m, NULL);
		c->out->unchanged++;
		return;
	}
	x = comparison_of(c,
	                  baseline_of(c, i, name) == SIZE_MAX
	                          ? SIZE_MAX
	                          : proxy_of(c, baseline_of(c, i, name), name),
	                  i, name, 0);
	if (x)
		copy_judgement(e, c, x);
}

/* The comparison that judged the push for benchmark `name`: the net one, or the tip's own. */
static const struct comparison *net_comparison(const struct check_ctx *c, size_t name)
{
	size_t k;

	for (k = 0; k < c->ncmp; k++)
		if (c->cmp[k].net && c->cmp[k].name == name && c->cmp[k].judged)
			return &c->cmp[k];
	for (k = 0; k < c->ncmp; k++)
		if (!c->cmp[k].net && c->cmp[k].name == name && c->cmp[k].judged &&
		    c->cmp[k].cand == proxy_of(c, c->n - 1, name) &&
		    c->cmp[k].base == proxy_of(c, 0, name))
			return &c->cmp[k];
	return NULL;
}

/* One net entry per benchmark of the tip (or one for the tip without benchmarks). */
static void fill_net(struct check_ctx *c)
{
	size_t tip = c->n - 1, k;

	for (k = 0; k < c->nnames || (!c->nnames && k == 0); k++) {
		struct check_net *net;
		int bi = c->nnames ? bench_index(&c->jc[tip].pc, c->names[k]) : -1;
		const struct comparison *x;

		if (c->nnames && bi < 0)
			continue;
		c->out->net = xrealloc(c->out->net, (c->out->nnet + 1) * sizeof(*c->out->net));
		net = &c->out->net[c->out->nnet++];
		memset(net, 0, sizeof(*net));
		net->ratio = net->ci_lo = net->ci_hi = net->p_value = NAN;
		net->benchmark = bi >= 0 ? xstrdup(c->names[k]) : NULL;
		net->verdict = measured_verdict(&c->jc[tip].pc, bi);
		if (verdict_is_failure(net->verdict) || bi < 0) {
			const struct pipeline_commit *pc = &c->jc[tip].pc;

			net->message = xstrdup(bi >= 0 && pc->benches[bi].report.len
			                               ? pc->benches[bi].report.buf
			                               : pc->message.buf);
			continue;
		}
		if (!c->has_base || !commit_good(c, 0, k)) {
			net->message =
			        xstrdup("no baseline to compare with: the base did not measure");
			continue;
		}
		if (proxy_of(c, 0, k) == proxy_of(c, tip, k)) {
			net->verdict = c->n > 1 ? VERDICT_UNCHANGED : VERDICT_OK;
			net->ratio = net->ci_lo = net->ci_hi = 1;
			net->message = xstrdup(c->n > 1 ? "unchanged: the tip's artefacts are "
			                                  "byte-identical to the base's"
			                                : "the base alone");
			continue;
		}
		x = net_comparison(c, k);
		if (x) {
			net->verdict = x->jr.verdict == VERDICT_UNSURE ? VERDICT_INCONCLUSIVE
			                                               : x->jr.verdict;
			net->ratio = x->jr.ratio;
			net->ci_lo = x->jr.ci_lo;
			net->ci_hi = x->jr.ci_hi;
			net->p_value = x->jr.p_value;
			net->rounds = x->rounds;
			net->message = x->jr.message.len ? xstrdup(x->jr.message.buf) : NULL;
		} else {
			net->verdict = VERDICT_INCONCLUSIVE;
			net->message =
			        xstrdup("inconclusive: the tip was not judged against the base");
		}
	}
}

/* The benchmark names to judge: the tip's spec order, then any others seen. */
static void collect_names(struct check_ctx *c)
{
	size_t i, j, k;

	for (k = c->n; k-- > 0;) {
		for (j = 0; j < c->jc[k].pc.nbenches; j++) {
			const char *name = c->jc[k].pc.benches[j].name;

			for (i = 0; i < c->nnames; i++)
				if (!strcmp(c->names[i], name))
					break;
			if (i < c->nnames)
				continue;
			c->names = xrealloc(c->names, (c->nnames + 1) * sizeof(*c->names));
			c->names[c->nnames++] = xstrdup(name);
		}
	}
	c->first_look = xrealloc(NULL, (c->nnames + 1) * sizeof(*c->first_look));
	c->max_rounds = xrealloc(NULL, (c->nnames + 1) * sizeof(*c->max_rounds));
	for (k = 0; k < c->nnames; k++) {
		c->first_look[k] = CHECK_MIN_FIRST_LOOK;
		c->max_rounds[k] = SPEC_DEFAULT_MAX_REPEAT;
	}
}

/* Count the comparisons the push's alpha is shared among, and the looks. */
static void share_alpha(struct check_ctx *c)
{
	size_t k, m = 0, looks = 1;

	for (k = 0; k < c->ncmp; k++)
		if (c->cmp[k].live)
			m++;
	for (k = 0; k < c->nnames; k++) {
		size_t l = count_looks(c->first_look[k], c->max_rounds[k]);

		if (c->opts->flags & CHECK_NO_CONFIRM)
			l = 1;
		looks = l > looks ? l : looks;
	}
	/* a bisection adds about log2(n) probes and the culprit's own comparison */
	if (c->opts->flags & CHECK_BISECT)
		m += (size_t)ceil(log2((double)c->n + 1)) + 1;
	c->out->comparisons = m ? m : 1;
	c->out->looks = looks;
	c->out->alpha = c->opts->alpha;
	c->out->alpha_change = 2 * alpha_change(c); /* two-sided, like the p shown */
}

/* Instruction counts: one count per commit, judged at once (no rounds). */
static int judge_counts(struct check_ctx *c, struct pw_error *err)
{
	struct judge_options jo = JUDGE_OPTIONS_INIT;
	size_t k;
	int ret;

	jo.metric = JUDGE_METRIC_INSTRUCTIONS;
	plan(c, !(c->opts->flags & CHECK_BISECT), 1);
	for (k = 0; k < c->ncmp; k++) {
		struct comparison *x = &c->cmp[k];
		int bb = bench_index(&c->jc[x->base].pc, c->names[x->name]);
		int cb = bench_index(&c->jc[x->cand].pc, c->names[x->name]);
		double vb = (double)c->jc[x->base].pc.benches[bb].instructions;
		double vc = (double)c->jc[x->cand].pc.benches[cb].instructions;

		if (!x->live)
			continue;
		x->open = 0;
		x->judged = 1;
		if (vb < 0 || vc < 0) {
			judge_result_release(&x->jr);
			x->jr.verdict = VERDICT_INCONCLUSIVE;
			strbuf_addstr(
			        &x->jr.message,
			        "inconclusive: no instruction count (is valgrind installed?)");
			continue;
		}
		if ((ret = judge_compare(&vb, 1, &vc, 1, &jo, &x->jr, err)) < 0)
			return ret;
	}
	return 0;
}

static int resolve_range(struct pipeline *p, const char *range, struct checkout_list *list,
                         struct pw_error *err)
{
	struct strbuf r = STRBUF_INIT;
	int ret;

	if (strstr(range, "..")) {
		ret = checkout_resolve(pipeline_repo(p), range, list, err);
	} else {
		struct checkout_commit c = CHECKOUT_COMMIT_INIT;

		ret = checkout_commit_lookup(pipeline_repo(p), range, &c, err);
		if (ret == 0 && c.nparents)
			strbuf_addf(&r, "%s..%s", c.parents[0], c.hash);
		else if (ret == 0)
			strbuf_addstr(&r, c.hash);
		checkout_commit_release(&c);
		if (ret == 0)
			ret = checkout_resolve(pipeline_repo(p), r.buf, list, err);
	}
	strbuf_release(&r);
	if (ret == 0 && !list->ncommits)
		ret = pw_error_set(err, PW_EINVALID, "the range '%s' holds no commit", range);
	return ret;
}

static int ctx_init(struct check_ctx *c, struct pipeline *p, const struct check_options *opts,
                    const char *range, struct check_result *out, struct pw_error *err)
{
	struct checkout_list list = CHECKOUT_LIST_INIT;
	size_t i, off;
	int ret;

	memset(c, 0, sizeof(*c));
	c->p = p;
	c->opts = opts;
	c->out = out;
	out->flags = opts->flags;
	out->metric = metric_name(opts);
	out->estimator = opts->metric == JUDGE_METRIC_INSTRUCTIONS ? "count" : "lower quartile";
	out->judge = opts->metric == JUDGE_METRIC_INSTRUCTIONS ? "instructions/1" : JUDGE_SEQ_NAME;
	out->alpha = opts->alpha;
	if ((ret = resolve_range(p, range, &list, err)) < 0)
		goto done;
	off = list.has_base ? 1 : 0;
	c->has_base = list.has_base;
	c->n = list.ncommits + off;
	c->jc = calloc(c->n, sizeof(*c->jc));
	if (!c->jc)
		abort();
	for (i = 0; i < c->n; i++) {
		const struct checkout_commit *cc =
		        off && i == 0 ? &list.base : &list.commits[i - off];

		c->jc[i].pc = (struct pipeline_commit)PIPELINE_COMMIT_INIT;
		memcpy(c->jc[i].pc.commit.hash, cc->hash, sizeof(cc->hash));
	}
	if (off)
		memcpy(out->base, list.base.hash, sizeof(out->base));
	memcpy(out->tip, list.commits[list.ncommits - 1].hash, sizeof(out->tip));
	out->commits = list.ncommits;
done:
	checkout_list_release(&list);
	return ret;
}

static void ctx_release(struct check_ctx *c)
{
	size_t k;

	if (c->jc)
		judged_release(c->jc, c->n);
	for (k = 0; k < c->nnames; k++)
		free(c->names[k]);
	free(c->names);
	for (k = 0; k < c->ncmp; k++)
		judge_result_release(&c->cmp[k].jr);
	free(c->cmp);
	free(c->first_look);
	free(c->max_rounds);
}

/* Store what this check measured (appended to the store's history). */
static int save_all(struct check_ctx *c, struct pw_error *err)
{
	size_t i;
	int ret = 0;

	for (i = 0; i < c->n; i++) {
		struct pw_error serr = PW_ERROR_INIT;
		size_t k;

		if (!c->jc[i].prepared || !c->jc[i].pc.nbenches)
			continue;
		/*
		 * A bench this check never ran and never counted has nothing to
		 * store (unchanged artefacts; a commit only a probe would need); a
		 * counted one keeps its count, of the whole process tree, in its run.
		 */
		for (k = 0; k < c->jc[i].pc.nbenches; k++) {
			struct pipeline_bench *b = &c->jc[i].pc.benches[k];

			if (!b->nsamples && b->verdict == VERDICT_OK &&
			    b->instructions == SAMPLE_ABSENT) {
				b->stored = 1;
				b->nstored = 0;
			}
		}
		if (pipeline_save(c->p, &c->jc[i].pc, &serr) < 0 && ret == 0)
			ret = pw_error_set(err, PW_EDB, "%s", pw_error_message(&serr));
		pw_error_release(&serr);
	}
	return ret;
}

static void judgement_of(const struct check_ctx *c, const struct comparison *x,
                         struct store_judgement *j, char **details)
{
	json_t *d = json_pack("{s:b, s:f, s:f, s:f, s:I}", "net", x->net, "quantile",
	                      CHECK_QUANTILE, "alpha_change", c->out->alpha_change, "alpha_ok",
	                      CHECK_ALPHA_OK, "comparisons", (json_int_t)c->out->comparisons);

	if (isfinite(x->jr.min_detectable))
		json_object_set_new(d, "resolvable", json_real(x->jr.min_detectable));
	*details = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(d);
	memset(j, 0, sizeof(*j));
	j->metric = c->out->metric;
	j->judge = c->out->judge;
	j->verdict = verdict_name(x->jr.verdict == VERDICT_UNSURE ? VERDICT_INCONCLUSIVE
	                                                          : x->jr.verdict);
	j->message = x->jr.message.len ? x->jr.message.buf : NULL;
	j->details_json = *details;
	j->ratio = x->jr.ratio;
	j->ci_lo = x->jr.ci_lo;
	j->ci_hi = x->jr.ci_hi;
	j->p_value = x->jr.p_value;
	j->rounds = (int64_t)x->rounds;
}

/*
 * Every verdict this check gave, into the store's judgements (its runs are
 * stored first): the comparisons it measured, and the commits it did not
 * run because their artefacts were unchanged.
 */
static int store_judgements(struct check_ctx *c, struct pw_error *err)
{
	struct pw_error jerr = PW_ERROR_INIT;
	size_t k, i;
	int ret = 0;

	for (k = 0; k < c->ncmp; k++) {
		const struct comparison *x = &c->cmp[k];
		struct store_judgement j;
		char *details = NULL;

		if (!x->judged || x->reused)
			continue;
		judgement_of(c, x, &j, &details);
		if (pipeline_store_judgement(c->p, &c->jc[x->cand].pc, &c->jc[x->base].pc,
		                             c->names[x->name], &j, NULL, &jerr) < 0 &&
		    !ret)
			ret = pw_error_set(err, PW_EDB, "%s", pw_error_message(&jerr));
		free(details);
		pw_error_clear(&jerr);
	}
	for (i = 0; i < c->n; i++)
		for (k = 0; k < c->nnames; k++) {
			struct comparison u;
			struct store_judgement j;
			char *details = NULL;
			size_t px;

			struct store_judgement_row row = STORE_JUDGEMENT_ROW_INIT;
			int known;

			if (!is_unchanged(c, i, k))
				continue;
			px = proxy_of(c, i, k);
			/* said before, for the same pair: nothing new to keep */
			known = pipeline_find_judgement(c->p, &c->jc[i].pc, &c->jc[px].pc,
			                                c->names[k], c->out->metric, c->out->judge,
			                                &row, NULL) == 0 &&
			        row.verdict && !strcmp(row.verdict, "unchanged");
			store_judgement_row_release(&row);
			if (known)
				continue;
			memset(&u, 0, sizeof(u));
			judge_result_init(&u.jr);
			u.base = px;
			u.cand = i;
			u.jr.verdict = VERDICT_UNCHANGED;
			u.jr.ratio = u.jr.ci_lo = u.jr.ci_hi = 1;
			strbuf_addf(&u.jr.message, "unchanged: artefacts byte-identical to %s's",
			            c->jc[px].pc.commit.short_hash);
			judgement_of(c, &u, &j, &details);
			if (pipeline_store_judgement(c->p, &c->jc[i].pc, &c->jc[px].pc, c->names[k],
			                             &j, NULL, &jerr) < 0 &&
			    !ret)
				ret = pw_error_set(err, PW_EDB, "%s", pw_error_message(&jerr));
			free(details);
			judge_result_release(&u.jr);
			pw_error_clear(&jerr);
		}
	pw_error_release(&jerr);
	return ret;
}

/*
 * Take the verdicts this push already has in the store (same commits,
 * baseline, benchmark, spec, environment, metric and judge) instead of
 * measuring again: a push checked twice gets the same answer.
 */
static void reuse_judgements(struct check_ctx *c)
{
	struct store_judgement_row row = STORE_JUDGEMENT_ROW_INIT;
	size_t k;

	for (k = 0; k < c->ncmp; k++) {
		struct comparison *x = &c->cmp[k];
		enum verdict v;

		if (!x->live || !x->open ||
		    pipeline_find_judgement(c->p, &c->jc[x->cand].pc, &c->jc[x->base].pc,
		                            c->names[x->name], c->out->metric, c->out->judge, &row,
		                            NULL) < 0 ||
		    verdict_parse(row.verdict, &v, NULL) < 0)
			continue;
		judge_result_release(&x->jr);
		x->jr.verdict = v;
		x->jr.ratio = row.ratio;
		x->jr.ci_lo = row.ci_lo;
		x->jr.ci_hi = row.ci_hi;
		x->jr.p_value = row.p_value;
		strbuf_addf(&x->jr.message, "%s (stored %s)",
		            row.message ? row.message : row.verdict,
		            row.created_at ? row.created_at : "earlier");
		x->rounds = (size_t)row.rounds;
		{
			json_t *d = json_loads(row.details_json ? row.details_json : "{}", 0, NULL);

			x->jr.min_detectable = json_number_value(json_object_get(d, "resolvable"));
			if (!json_is_number(json_object_get(d, "resolvable")))
				x->jr.min_detectable = NAN;
			json_decref(d);
		}
		x->judged = x->reused = 1;
		x->open = 0;
	}
	store_judgement_row_release(&row);
}

/* Calibrate every benchmark and measure until the wanted comparisons are decided. */
static int measure_and_judge(struct check_ctx *c, int with_each, int with_net, struct pw_error *err)
{
	size_t k;
	int ret;

	if (c->opts->metric == JUDGE_METRIC_INSTRUCTIONS)
		return judge_counts(c, err);
	plan(c, with_each, with_net);
	reuse_judgements(c);
	if (!any_open(c)) {
		share_alpha(c);
		return 0;
	}
	for (k = 0; k < c->nnames; k++)
		if ((ret = calibrate(c, k, err)) < 0)
			return ret;
	plan(c, with_each, with_net);
	share_alpha(c);
	return decide(c, with_each, with_net, err);
}

static int bisect_middle(struct check_ctx *c, size_t *culprit, struct pw_error *err);

int check_run(struct pipeline *p, const struct check_options *opts, struct check_result *out,
              struct pw_error *err)
{
	struct check_ctx c;
	size_t i, k;
	int ret;

	check_result_release(out);
	if ((ret = ctx_init(&c, p, opts, opts->range, out, err)) < 0)
		goto done;
	if (opts->flags & CHECK_BISECT) {
		if ((ret = prepare(&c, 0, err)) < 0 || (ret = prepare(&c, c.n - 1, err)) < 0)
			goto done;
	} else {
		for (i = 0; i < c.n; i++) {
			pipeline_progress_position(p, i + 1, c.n);
			if ((ret = prepare(&c, i, err)) < 0)
				goto done;
		}
		pipeline_progress_position(p, 0, 0);
	}
	collect_names(&c);
	if ((ret = measure_and_judge(&c, !(opts->flags & CHECK_BISECT), 1, err)) < 0)
		goto done;
	if (opts->flags & CHECK_BISECT) {
		const struct comparison *x = NULL;
		size_t culprit = 0;

		for (k = 0; k < c.ncmp; k++)
			if (c.cmp[k].live && c.cmp[k].net && c.cmp[k].jr.verdict == VERDICT_SLOWER)
				x = &c.cmp[k];
		if (x && c.has_base && c.n > 2) {
			if ((ret = bisect_middle(&c, &culprit, err)) < 0)
				goto done;
			if (culprit)
				memcpy(out->culprit, c.jc[culprit].pc.commit.hash,
				       sizeof(out->culprit));
		}
	}
	for (i = 0; i < c.n; i++)
		for (k = 0; c.jc[i].prepared && k < c.jc[i].pc.nbenches; k++)
			if ((ret = pipeline_count_finish(p, &c.jc[i].pc, k, err)) < 0)
				goto done;
	for (i = 0; i < c.n; i++) {
		if (!c.jc[i].prepared)
			continue;
		out->measured++;
		if (!c.jc[i].pc.nbenches) {
			fill_entry(&c, i, SIZE_MAX, entry_add(out));
			continue;
		}
		for (k = 0; k < c.nnames; k++)
			if (bench_index(&c.jc[i].pc, c.names[k]) >= 0)
				fill_entry(&c, i, k, entry_add(out));
	}
	fill_net(&c);
	if ((ret = save_all(&c, err)) == 0)
		ret = store_judgements(&c, err);
done:
	ctx_release(&c);
	return ret;
}

/* ---- bisection ---- */

/*
 * Probe commit idx against the good commit 0: slower on any benchmark is
 * bad; a failure, or a comparison the budget could not decide, is skipped.
 */
static int probe(struct check_ctx *c, size_t idx, enum judge_probe *outcome, struct pw_error *err)
{
	size_t k;
	int ret, undecided = 0;

	if ((ret = prepare(c, idx, err)) < 0)
		return ret;
	*outcome = JUDGE_PROBE_GOOD;
	for (k = 0; k < c->nnames; k++) {
		if (!commit_good(c, idx, k) || !commit_good(c, 0, k)) {
			*outcome = JUDGE_PROBE_SKIP;
			return 0;
		}
		if (proxy_of(c, 0, k) != proxy_of(c, idx, k))
			comparison_want(c, proxy_of(c, 0, k), proxy_of(c, idx, k), k, 0, 1);
	}
	if ((ret = decide(c, 0, 0, err)) < 0)
		return ret;
	for (k = 0; k < c->nnames; k++) {
		const struct comparison *x =
		        comparison_find(c, proxy_of(c, 0, k), proxy_of(c, idx, k), k, 0);

		if (!x)
			continue;
		if (x->jr.verdict == VERDICT_SLOWER)
			*outcome = JUDGE_PROBE_BAD;
		else if (x->jr.verdict == VERDICT_INCONCLUSIVE)
			undecided = 1;
	}
	if (*outcome == JUDGE_PROBE_GOOD && undecided)
		*outcome = JUDGE_PROBE_SKIP;
	return 0;
}

/*
 * Binary search over the commits (0 good, n-1 slower) for the first slower
 * one. *culprit is its index only when its own comparison with its parent
 * reads slower on some benchmark; else 0 (no culprit is named).
 */
static int bisect_middle(struct check_ctx *c, size_t *culprit, struct pw_error *err)
{
	struct judge_bisect b = JUDGE_BISECT_INIT;
	size_t idx, first, last, i, k;
	int ret;

	*culprit = 0;
	if ((ret = judge_bisect_init(&b, c->n, err)) < 0)
		return ret;
	while (judge_bisect_next(&b, &idx) == 1) {
		enum judge_probe outcome;

		if ((ret = probe(c, idx, &outcome, err)) < 0 ||
		    (ret = judge_bisect_report(&b, idx, outcome, err)) < 0)
			goto done;
	}
	if ((ret = judge_bisect_culprit(&b, &first, &last, err)) < 0)
		goto done;
	if (first == last && first > 0) {
		size_t parent = first - 1;

		if ((ret = prepare(c, parent, err)) < 0 || (ret = prepare(c, first, err)) < 0)
			goto done;
		for (k = 0; k < c->nnames; k++)
			if (commit_good(c, parent, k) && commit_good(c, first, k) &&
			    proxy_of(c, parent, k) != proxy_of(c, first, k))
				comparison_want(c, proxy_of(c, parent, k), first, k, 0, 1);
		if ((ret = decide(c, 0, 0, err)) < 0)
			goto done;
		for (k = 0; k < c->nnames; k++) {
			const struct comparison *x =
			        comparison_find(c, proxy_of(c, parent, k), first, k, 0);

			if (x && x->jr.verdict == VERDICT_SLOWER)
				*culprit = first;
		}
	}
	ret = 0;
done:
	c->out->builds = 0;
	for (i = 0; i < c->n; i++)
		if (c->jc[i].built)
			c->out->builds++;
	judge_bisect_release(&b);
	return ret;
}

int check_bisect(struct pipeline *p, const char *good, const char *bad,
                 const struct check_options *opts, struct check_result *out, struct pw_error *err)
{
	struct strbuf range = STRBUF_INIT;
	struct check_options o = *opts;
	size_t i, kept = 0;
	int ret;

	o.flags |= CHECK_BISECT;
	strbuf_addf(&range, "%s..%s", good, bad);
	o.range = range.buf;
	ret = check_run(p, &o, out, err);
	strbuf_release(&range);
	if (ret < 0)
		return ret;
	/* the culprit's judgement against its parent is the answer; nothing else */
	for (i = 0; i < out->nentries; i++) {
		struct check_entry *e = &out->entries[i];

		if (out->culprit[0] && !strcmp(e->hash, out->culprit)) {
			out->entries[kept++] = *e;
			continue;
		}
		free(e->subject);
		free(e->benchmark);
		free(e->message);
		free(e->detail);
	}
	out->nentries = kept;
	return 0;
}

int check_exit_code(const struct check_result *r)
{
	size_t i;

	for (i = 0; i < r->nnet; i++) {
		enum verdict v = r->net[i].verdict;

		if (verdict_is_failure(v) || v == VERDICT_SLOWER ||
		    (v == VERDICT_INCONCLUSIVE && (r->flags & CHECK_FAIL_INCONCLUSIVE)))
			return 1;
	}
	if (r->flags & CHECK_EACH)
		for (i = 0; i < r->nentries; i++) {
			const struct check_entry *e = &r->entries[i];

			if (e->is_base || !e->measured)
				continue;
			if (verdict_is_failure(e->verdict) || e->verdict == VERDICT_SLOWER ||
			    (e->verdict == VERDICT_INCONCLUSIVE &&
			     (r->flags & CHECK_FAIL_INCONCLUSIVE)))
				return 1;
		}
	return 0;
}
