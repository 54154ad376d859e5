/*
 * Judging a range of commits: the heart of `perfwarden check` (check.h has
 * the method). Each commit is prepared through the pipeline (checkout,
 * build, warm-ups, the artefacts' digest); commits whose artefacts equal
 * their baseline's read `unchanged` and are never run; the rest are run in
 * interleaved rounds, and each open comparison is put to the sequential
 * lower-quartile judge (runner/judge/judge) on the rounds its two commits shared,
 * until it is decided or the round budget is spent. The net verdict (tip
 * against base) is one more comparison, measured in the same rounds.
 * Bisection asks the same rounds the narrower question of one probe at a
 * time.
 */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "record.h"
#include "stats.h"

#define CHECK_CALIBRATION_RUNS   10
#define CHECK_LOOK_GROWTH        1.4
#define CHECK_QUANTILE           0.25
#define CHECK_ALPHA_OK           0.02 /* each side of the test that rules a change out */
#define CHECK_MEMORY_ALPHA_SHARE 0.1  /* of the push's alpha, for peak memory (see alpha_change) */
#define CHECK_MIN_FIRST_LOOK     6    /* fewer rounds can never decide anything at CHECK_ALPHA_OK */
#define CHECK_NO_ROUND           SIZE_MAX

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

/*
 * What one series of a check judges: a benchmark's process (wall time, CPU
 * time or its instruction count), its peak memory, or one case its harness
 * reports (spec `format`) on one of the case's metrics.
 */
enum series_kind {
	SERIES_WALL,
	SERIES_CPU,
	SERIES_INSTRUCTIONS,
	SERIES_MEMORY,
	SERIES_CASE,
};

struct series {
	char *bench;     /* the spec's benchmark */
	char *label;     /* as users and the judgements see it: "bench" or "bench/case" */
	char *case_name; /* SERIES_CASE: the harness's case; else NULL */
	char *metric;    /* "wall", "cpu", "instructions", "memory" or the case's metric */
	enum series_kind kind;
	int higher; /* higher is better: judged on 1 / value */
};

struct check_ctx {
	struct pipeline *p;
	const struct check_options *opts;
	struct judged_commit *jc;
	size_t n;
	int has_base;
	struct series *series; /* what is judged, in the tip's spec order */
	size_t nseries;
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

	for (i = 0; i < r->nerrors; i++) {
		free(r->errors[i].message);
		free(r->errors[i].spooled);
	}
	free(r->errors);
	for (i = 0; i < r->nentries; i++) {
		free(r->entries[i].subject);
		free(r->entries[i].benchmark);
		free(r->entries[i].metric);
		free(r->entries[i].unit);
		free(r->entries[i].message);
		free(r->entries[i].detail);
	}
	free(r->entries);
	for (i = 0; i < r->nnet; i++) {
		free(r->net[i].benchmark);
		free(r->net[i].metric);
		free(r->net[i].message);
	}
	free(r->net);
	for (i = 0; i < r->ncalibration; i++) {
		free(r->calibration[i].benchmark);
		free(r->calibration[i].message);
	}
	free(r->calibration);
	for (i = 0; i < r->nexplanations; i++) {
		free(r->explanations[i].benchmark);
		free(r->explanations[i].error);
		explain_result_release(&r->explanations[i].result);
	}
	free(r->explanations);
	*r = (struct check_result)CHECK_RESULT_INIT;
}

/* One failure of perfwarden's own into r->errors: its code, message and spool file (or NULL). */
__attribute__((format(printf, 4, 5))) static void
error_add(struct check_result *r, int code, const char *spooled, const char *fmt, ...)
{
	struct check_error *e;
	struct strbuf m = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&m, fmt, ap);
	va_end(ap);
	r->errors = xrealloc(r->errors, (r->nerrors + 1) * sizeof(*r->errors));
	e = &r->errors[r->nerrors++];
	e->code = code;
	e->message = strbuf_detach(&m, NULL);
	e->spooled = xstrdup(spooled);
}

static int bench_index(const struct pipeline_commit *pc, const char *name)
{
	size_t i;

	for (i = 0; i < pc->nbenches; i++)
		if (!strcmp(pc->benches[i].name, name))
			return (int)i;
	return -1;
}

/* The bench of `pc` that series k belongs to, or -1. */
static int bench_of(const struct check_ctx *c, const struct pipeline_commit *pc, size_t k)
{
	return bench_index(pc, c->series[k].bench);
}

/* Series k's values in bench b (a harness case's metric); NULL when it reported none. */
static const struct pipeline_series *case_of(const struct check_ctx *c,
                                             const struct pipeline_bench *b, size_t k)
{
	return pipeline_bench_series(b, c->series[k].case_name, c->series[k].metric);
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

/* The rule that judges series k, as stored with its verdicts. */
static const char *judge_name(const struct check_ctx *c, size_t k)
{
	return c->series[k].kind == SERIES_INSTRUCTIONS ? "instructions/1" : JUDGE_SEQ_NAME;
}

static const char *metric_name(const struct check_options *opts)
{
	if (opts->metric == JUDGE_METRIC_INSTRUCTIONS)
		return "instructions";
	return (opts->flags & CHECK_CPU_TIME) ? "cpu" : "wall";
}

/* Series k's value of one run: wall time, user + system CPU time, or peak memory (KiB). */
static double run_value(const struct check_ctx *c, size_t k, const struct sample *s)
{
	if (c->series[k].kind == SERIES_CPU)
		return (double)(s->user_ns + s->sys_ns);
	if (c->series[k].kind == SERIES_MEMORY)
		return s->maxrss_kib > 0 ? (double)s->maxrss_kib : NAN;
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
	if ((ret = pipeline_prepare(c->p, rev, &j->pc, err)) < 0) {
		pw_error_prefix(err, "could not prepare %.12s", rev);
		return ret;
	}
	j->prepared = j->built = 1;
	j->tracks = calloc(j->pc.nbenches ? j->pc.nbenches : 1, sizeof(*j->tracks));
	if (!j->tracks)
		abort();
	for (k = 0; k < j->pc.nbenches; k++) {
		const char *m = j->pc.benches[k].spec ? j->pc.benches[k].spec->metric : NULL;
		int judged = c->opts->metric == JUDGE_METRIC_INSTRUCTIONS ||
		             (m && !strcmp(m, "instructions"));

		if (!(pipeline_flags(c->p) & PIPELINE_INSTRUCTIONS) && !judged)
			continue;
		/* the judge needs the counts now; beside time they come from the spare cpu */
		if (judged)
			ret = pipeline_count_instructions(c->p, &j->pc, k, err);
		else
			ret = pipeline_count_start(c->p, &j->pc, k, err);
		if (ret < 0) {
			pw_error_prefix(err, "could not count the instructions of '%s' on %s",
			                j->pc.benches[k].name, j->pc.commit.short_hash);
			return ret;
		}
	}
	return 0;
}

/* Commit i's measured verdict for benchmark `name`; no-spec until it is prepared. */
static enum verdict commit_verdict(const struct check_ctx *c, size_t i, size_t name)
{
	const struct judged_commit *j = &c->jc[i];

	enum verdict v;
	int bi;

	if (!j->prepared)
		return VERDICT_NO_SPEC;
	bi = bench_of(c, &j->pc, name);
	v = measured_verdict(&j->pc, bi);
	/* a case this commit's harness has not reported (yet) has nothing to compare */
	if (c->series[name].kind == SERIES_CASE && bi >= 0 && !verdict_is_failure(v) &&
	    !case_of(c, &j->pc.benches[bi], name))
		return VERDICT_NO_SPEC;
	return v;
}

/* Good for benchmark `name`: measured fine so far (a baseline candidate). */
static int commit_good(const struct check_ctx *c, size_t i, size_t name)
{
	return judge_can_be_baseline(commit_verdict(c, i, name));
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

/* The last good commit before i for `name` (judge_baseline_index); SIZE_MAX when none. */
static size_t baseline_of(const struct check_ctx *c, size_t i, size_t name)
{
	enum verdict *verdicts = xrealloc(NULL, c->n * sizeof(*verdicts));
	size_t j, base;

	for (j = 0; j < c->n; j++)
		verdicts[j] = commit_verdict(c, j, name);
	if (judge_baseline_index(verdicts, c->n, i, &base, NULL) < 0)
		base = SIZE_MAX;
	free(verdicts);
	return base;
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
 * Where the push's net effect on benchmark `name` starts: the base, or, when
 * the base did not measure it (the push adds the spec, the base's build
 * failed), the first commit before the tip that did. SIZE_MAX: none did.
 */
static size_t net_from(const struct check_ctx *c, size_t name)
{
	size_t i;

	/* the tip is not its own start, unless the range is the base alone */
	for (i = 0; i + 1 < c->n || (i == 0 && c->n == 1 && c->has_base); i++)
		if (commit_good(c, i, name))
			return i;
	return SIZE_MAX;
}

/*
 * (Re)build the comparisons from what is known of the commits: each good,
 * changed commit against its baseline's proxy, and the tip against where
 * the net effect starts (net_from). Comparisons no longer wanted (a side
 * failed) are retired.
 */
static void plan(struct check_ctx *c, int with_each, int with_net)
{
	size_t k, i;

	for (k = 0; k < c->ncmp; k++)
		c->cmp[k].live = c->cmp[k].manual &&
		                 commit_good(c, c->cmp[k].base, c->cmp[k].name) &&
		                 commit_good(c, c->cmp[k].cand, c->cmp[k].name);
	for (k = 0; k < c->nseries; k++) {
		if (with_each)
			for (i = c->has_base ? 1 : 0; i < c->n; i++) {
				size_t b;

				if (!commit_good(c, i, k) || is_unchanged(c, i, k) ||
				    (b = baseline_of(c, i, k)) == SIZE_MAX)
					continue;
				comparison_want(c, proxy_of(c, b, k), i, k, 0, 0);
			}
		if (with_net && c->n > 1 && net_from(c, k) != SIZE_MAX &&
		    commit_good(c, c->n - 1, k)) {
			size_t pb = proxy_of(c, net_from(c, k), k), pt = proxy_of(c, c->n - 1, k);
			const struct comparison *same = comparison_find(c, pb, pt, k, 0);

			/* the tip's own comparison may be the push's already */
			if (pb != pt && !(same && same->live))
				comparison_want(c, pb, pt, k, 1, 0);
		}
	}
}

/*
 * Whether commit i runs the benchmark of series `name` in the next round:
 * some open comparison of a series of that benchmark wants it (a count of
 * instructions needs no round).
 */
static int active(const struct check_ctx *c, size_t i, size_t name)
{
	size_t k;

	for (k = 0; k < c->ncmp; k++) {
		const struct comparison *x = &c->cmp[k];

		if (x->live && x->open && (x->base == i || x->cand == i) &&
		    c->series[x->name].kind != SERIES_INSTRUCTIONS &&
		    !strcmp(c->series[x->name].bench, c->series[name].bench))
			return 1;
	}
	return 0;
}

/* Whether series k is the first of its benchmark (the one a round runs it for). */
static int first_of_bench(const struct check_ctx *c, size_t k)
{
	size_t j;

	for (j = 0; j < k; j++)
		if (!strcmp(c->series[j].bench, c->series[k].bench))
			return 0;
	return 1;
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
	int bi = bench_of(c, &j->pc, name);
	struct pipeline_bench *b = &j->pc.benches[bi];
	size_t before = b->nsamples, k;
	int ret;

	if ((ret = pipeline_measure_more(c->p, &j->pc, (size_t)bi, times, err)) < 0) {
		pw_error_prefix(err, "could not run '%s' of %s", b->name, j->pc.commit.short_hash);
		return ret;
	}
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

/* One value of a series with the round it was measured in. */
struct round_value {
	size_t round;
	double v;
};

/*
 * Series k's values of commit i in rounds (calibration runs left out), one
 * per run in the order measured. A harness case's run stands for the lower
 * quartile of the repetitions it reported (inverted first where higher is
 * better): repetitions within one process share its layout, its cache and
 * the load of that moment, so they are not independent of each other —
 * judged as if they were, an unchanged case read 16% faster at p 5e-4 in a
 * test of pytest-benchmark — while runs in their rounds are what the judge's
 * tests assume. Returns how many (*out is the caller's).
 */
static size_t round_values(const struct check_ctx *c, size_t i, size_t k, struct round_value **out)
{
	const struct judged_commit *j = &c->jc[i];
	int bi = bench_of(c, &j->pc, k);
	const struct pipeline_bench *b = &j->pc.benches[bi];
	const struct track *t = &j->tracks[bi];
	const struct pipeline_series *x = NULL;
	double *reps = NULL;
	size_t n = 0, r, e;

	if (c->series[k].kind == SERIES_CASE)
		x = case_of(c, b, k);
	*out = xrealloc(NULL, (t->n + 1) * sizeof(**out));
	if (x)
		reps = xrealloc(NULL, (x->nvalues + 1) * sizeof(*reps));
	for (r = 0; r < (x ? x->nvalues : t->n); r = e) {
		size_t run = x ? x->run[r] : r, m = 0;

		for (e = r; x && e < x->nvalues && x->run[e] == run; e++)
			reps[m++] = c->series[k].higher ? 1 / x->values[e] : x->values[e];
		if (!x)
			e = r + 1;
		if (run >= t->n || t->round[run] == CHECK_NO_ROUND)
			continue;
		(*out)[n].round = t->round[run];
		if (x)
			stats_quantile(reps, m, CHECK_QUANTILE, &(*out)[n].v, NULL);
		else
			(*out)[n].v = run_value(c, k, &b->samples[run]);
		n++;
	}
	free(reps);
	return n;
}

/*
 * The values of comparison x on the rounds both commits ran: base[k] and
 * cand[k] from the same round (should a round hold several runs, paired in
 * order, as many as both have). Returns how many pairs (caller frees both),
 * and the rounds they came from in *rounds.
 */
static size_t shared_rounds(const struct check_ctx *c, const struct comparison *x, double **base,
                            double **cand, size_t *rounds)
{
	struct round_value *vb = NULL, *vc = NULL;
	size_t nb = round_values(c, x->base, x->name, &vb);
	size_t nc = round_values(c, x->cand, x->name, &vc);
	size_t a = 0, b = 0, n = 0;

	*rounds = 0;
	*base = xrealloc(NULL, (nb + 1) * sizeof(**base));
	*cand = xrealloc(NULL, (nc + 1) * sizeof(**cand));
	while (a < nb && b < nc) {
		size_t r = vb[a].round, ea = a, eb = b;

		if (vc[b].round < r) {
			b++;
			continue;
		}
		if (r < vc[b].round) {
			a++;
			continue;
		}
		while (ea < nb && vb[ea].round == r)
			ea++;
		while (eb < nc && vc[eb].round == r)
			eb++;
		for (; a < ea && b < eb; a++, b++) {
			(*base)[n] = vb[a].v;
			(*cand)[n++] = vc[b].v;
		}
		a = ea;
		b = eb;
		(*rounds)++;
	}
	free(vb);
	free(vc);
	return n;
}

/*
 * The p one look of a comparison needs (one-sided). Bonferroni with weights:
 * peak memory barely varies between runs, so its comparisons share a tenth
 * of the push's alpha (CHECK_MEMORY_ALPHA_SHARE) and decide within a few
 * rounds more, while time, which needs the evidence, keeps nine tenths
 * instead of half. Either family alone gets all of it.
 */
static double alpha_change(const struct check_ctx *c, int memory)
{
	size_t mm = c->out->memory_comparisons;
	size_t mt = c->out->comparisons > mm ? c->out->comparisons - mm : 0;
	size_t l = c->out->looks ? c->out->looks : 1;
	size_t m = memory ? mm : mt;
	double share = 1;

	if (mm && mt)
		share = memory ? CHECK_MEMORY_ALPHA_SHARE : 1 - CHECK_MEMORY_ALPHA_SHARE;
	return c->opts->alpha * share / (double)(2 * (m ? m : 1) * l);
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

/* Whether every value is one the judge can take a ratio of: finite and positive. */
static int all_positive(const double *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!(v[i] > 0) || !isfinite(v[i]))
			return 0;
	return 1;
}

/*
 * A higher-is-better series was judged on 1 / value: say its ratio and
 * interval in the metric's own terms (a throughput that fell reads 0.8,
 * and `slower`, for worse).
 */
static void unflip(struct judge_result *jr)
{
	double lo = jr->ci_lo;

	jr->ratio = 1 / jr->ratio;
	jr->ci_lo = 1 / jr->ci_hi;
	jr->ci_hi = 1 / lo;
	strbuf_addstr(&jr->message, "; higher is better: judged on 1/value, ratio shown as is");
}

/* A count of instructions per commit (no rounds): comparison x judged at once. */
static int judge_count(struct check_ctx *c, struct comparison *x, struct pw_error *err)
{
	struct judge_options jo = JUDGE_OPTIONS_INIT;
	int bb = bench_of(c, &c->jc[x->base].pc, x->name);
	int cb = bench_of(c, &c->jc[x->cand].pc, x->name);
	double vb = (double)c->jc[x->base].pc.benches[bb].instructions;
	double vc = (double)c->jc[x->cand].pc.benches[cb].instructions;

	jo.metric = JUDGE_METRIC_INSTRUCTIONS;
	x->open = 0;
	x->judged = 1;
	if (vb < 0 || vc < 0) {
		judge_result_release(&x->jr);
		x->jr.verdict = VERDICT_INCONCLUSIVE;
		strbuf_addstr(&x->jr.message,
		              "inconclusive: no instruction count (is valgrind installed?)");
		return 0;
	}
	return judge_compare(&vb, 1, &vc, 1, &jo, &x->jr, err);
}

/* Put comparison x to the judge if this is one of its looks. */
static int look(struct check_ctx *c, struct comparison *x, int force_final, struct pw_error *err)
{
	struct judge_seq_options jo = JUDGE_SEQ_OPTIONS_INIT;
	const struct spec_benchmark *sb;
	double *vb = NULL, *vc = NULL;
	size_t rounds, n, first = c->first_look[x->name];
	size_t max = c->max_rounds[x->name];
	int ret = 0, bi;

	if (c->series[x->name].kind == SERIES_INSTRUCTIONS)
		return judge_count(c, x, err);
	n = shared_rounds(c, x, &vb, &vc, &rounds);
	if (c->opts->flags & CHECK_NO_CONFIRM)
		max = first;
	if (!force_final && !is_look(rounds, first, max))
		goto done;
	bi = bench_of(c, &c->jc[x->cand].pc, x->name);
	sb = c->jc[x->cand].pc.benches[bi].spec;
	jo.threshold =
	        c->series[x->name].kind == SERIES_MEMORY ? sb->memory_threshold : sb->threshold;
	jo.quantile = CHECK_QUANTILE;
	jo.alpha_change = alpha_change(c, c->series[x->name].kind == SERIES_MEMORY);
	jo.alpha_ok = CHECK_ALPHA_OK;
	jo.min_rounds = first < CHECK_MIN_FIRST_LOOK ? first : CHECK_MIN_FIRST_LOOK;
	jo.final_look = rounds >= max || force_final;
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
	if (!all_positive(vb, n) || !all_positive(vc, n)) {
		judge_result_release(&x->jr);
		x->jr.verdict = VERDICT_INCONCLUSIVE;
		strbuf_addf(
		        &x->jr.message,
		        "inconclusive: its %s values are not all positive, so no ratio can judge "
		        "them",
		        c->series[x->name].metric);
		x->judged = 1;
		x->open = 0;
		goto done;
	}
	if ((ret = judge_quantile(vb, n, vc, n, &jo, &x->jr, err)) < 0)
		goto done;
	if (c->series[x->name].higher)
		unflip(&x->jr);
	x->judged = 1;
	x->rounds = rounds;
	if (x->jr.verdict != VERDICT_UNSURE)
		x->open = 0;
done:
	free(vb);
	free(vc);
	return ret;
}

static size_t collect_series(struct check_ctx *c);
static void share_alpha(struct check_ctx *c);

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
		for (k = 0; k < c->nseries; k++) {
			if (!first_of_bench(c, k) || !active(c, i, k))
				continue;
			pipeline_progress_position(c->p, 0, 0);
			if ((ret = run_more(c, i, k, 1, r, err)) < 0)
				return ret;
			failed |= ret;
		}
	}
	c->round++;
	c->out->rounds = c->round;
	/* a harness may report a case first now: its comparisons join the push's */
	if (collect_series(c)) {
		plan(c, with_each, with_net);
		share_alpha(c);
	} else if (failed) {
		plan(c, with_each, with_net);
	}
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

	for (k = 0; k < c->nseries; k++)
		limit += c->max_rounds[k];
	plan(c, with_each, with_net);
	for (k = 0; k < c->ncmp; k++)
		if (c->cmp[k].live && c->cmp[k].open &&
		    c->series[c->cmp[k].name].kind == SERIES_INSTRUCTIONS &&
		    (ret = judge_count(c, &c->cmp[k], err)) < 0)
			return ret;
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
	bi = bench_of(c, &c->jc[who].pc, name);
	sb = c->jc[who].pc.benches[bi].spec;
	max = (size_t)sb->max_repeat;
	c->max_rounds[name] = max;
	c->first_look[name] = CHECK_MIN_FIRST_LOOK < max ? CHECK_MIN_FIRST_LOOK : max;
	/* the noise of time is calibrated; memory and a harness's cases share its rounds */
	if (c->series[name].kind != SERIES_WALL && c->series[name].kind != SERIES_CPU)
		return 0;
	if ((ret = run_more(c, who, name, CHECK_CALIBRATION_RUNS, CHECK_NO_ROUND, err)) != 0)
		return ret < 0 ? ret : 0;
	v = xrealloc(NULL, c->jc[who].pc.benches[bi].nsamples * sizeof(*v));
	for (k = 0; k < c->jc[who].pc.benches[bi].nsamples; k++)
		if (c->jc[who].tracks[bi].round[k] == CHECK_NO_ROUND)
			v[n++] = run_value(c, name, &c->jc[who].pc.benches[bi].samples[k]);
	if (n < 3 || stats_summarize(v, n, &s, NULL) < 0 || !(s.median > 0))
		goto done;
	c->out->calibration = xrealloc(c->out->calibration,
	                               (c->out->ncalibration + 1) * sizeof(*c->out->calibration));
	cal = &c->out->calibration[c->out->ncalibration++];
	memset(cal, 0, sizeof(*cal));
	cal->benchmark = xstrdup(c->series[name].label);
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
		            c->series[name].label, n, cal->commit, cal->noise * 100,
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

/* The unit of series k's values. */
static const char *series_unit(const struct check_ctx *c, size_t k, const struct pipeline_bench *b)
{
	const struct pipeline_series *x;

	switch (c->series[k].kind) {
	case SERIES_INSTRUCTIONS:
		return "instructions";
	case SERIES_MEMORY:
		return "KiB";
	case SERIES_CASE:
		x = case_of(c, b, k);
		return x ? x->unit : "";
	default:
		return "ns";
	}
}

/*
 * The value of series k shown for the commit's runs: the lower quartile of
 * its values (the upper one where higher is better: the same part the judge
 * looks at), or the instruction count; and the wall-time median.
 */
static void run_stats(const struct check_ctx *c, size_t i, int bi, size_t k, struct check_entry *e)
{
	const struct pipeline_bench *b = &c->jc[i].pc.benches[bi];
	const struct pipeline_series *x =
	        c->series[k].kind == SERIES_CASE ? case_of(c, b, k) : NULL;
	size_t n = x ? x->nvalues : b->nsamples, j;
	double *v, *w;

	e->runs = b->nsamples;
	e->metric = xstrdup(c->series[k].metric);
	e->unit = xstrdup(series_unit(c, k, b));
	if (b->instructions != SAMPLE_ABSENT)
		e->instructions = b->instructions;
	if (c->series[k].kind == SERIES_INSTRUCTIONS)
		e->value = e->instructions >= 0 ? (double)e->instructions : NAN;
	v = xrealloc(NULL, (n + 1) * sizeof(*v));
	w = xrealloc(NULL, (b->nsamples + 1) * sizeof(*w));
	for (j = 0; j < n; j++)
		v[j] = x ? x->values[j] : run_value(c, k, &b->samples[j]);
	for (j = 0; j < b->nsamples; j++)
		w[j] = (double)b->samples[j].wall_ns;
	if (n && c->series[k].kind != SERIES_INSTRUCTIONS)
		stats_quantile(v, n, c->series[k].higher ? 1 - CHECK_QUANTILE : CHECK_QUANTILE,
		               &e->value, NULL);
	if (b->nsamples)
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

/*
 * Whether commit i has an entry for series k: it has the benchmark, and the
 * case when k is one; a benchmark that failed says so once (its first series).
 */
static int entry_wanted(const struct check_ctx *c, size_t i, size_t k)
{
	const struct pipeline_commit *pc = &c->jc[i].pc;
	int bi = bench_of(c, pc, k);

	if (bi < 0)
		return 0;
	if (verdict_is_failure(measured_verdict(pc, bi)))
		return first_of_bench(c, k);
	return c->series[k].kind != SERIES_CASE || case_of(c, &pc->benches[bi], k);
}

static void fill_entry(struct check_ctx *c, size_t i, size_t name, struct check_entry *e)
{
	const struct pipeline_commit *pc = &c->jc[i].pc;
	int bi = name == SIZE_MAX ? -1 : bench_of(c, pc, name);
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
	e->benchmark = xstrdup(c->series[name].label);
	e->verification = spec_benchmark_verification(pc->benches[bi].spec);
	run_stats(c, i, bi, name, e);
	if (pc->benches[bi].report.len)
		e->message = xstrdup(pc->benches[bi].report.buf);
	if (e->verdict == VERDICT_BUILD_FAILED && pc->build_log.len)
		e->detail = xstrdup(pc->build_log.buf);
	else if ((e->verdict == VERDICT_CRASHED || e->verdict == VERDICT_TIMEOUT ||
	          e->verdict == VERDICT_TEST_FAILED) &&
	         pc->benches[bi].stderr_tail.len)
		e->detail = xstrdup(pc->benches[bi].stderr_tail.buf);
	if (verdict_is_failure(e->verdict)) {
		free(e->metric); /* the benchmark failed, not one of its metrics */
		e->metric = NULL;
		return;
	}
	if (e->is_base)
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
		if (first_of_bench(c, name)) /* a commit x benchmark, whatever its series */
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
		    net_from(c, name) != SIZE_MAX &&
		    c->cmp[k].base == proxy_of(c, net_from(c, name), name))
			return &c->cmp[k];
	return NULL;
}

/* One net entry per benchmark of the tip (or one for the tip without benchmarks). */
static void fill_net(struct check_ctx *c)
{
	size_t tip = c->n - 1, k, from;

	for (k = 0; k < c->nseries || (!c->nseries && k == 0); k++) {
		struct check_net *net;
		int bi = c->nseries ? bench_of(c, &c->jc[tip].pc, k) : -1;
		const struct comparison *x;

		if (c->nseries && !entry_wanted(c, tip, k))
			continue;
		c->out->net = xrealloc(c->out->net, (c->out->nnet + 1) * sizeof(*c->out->net));
		net = &c->out->net[c->out->nnet++];
		memset(net, 0, sizeof(*net));
		net->ratio = net->ci_lo = net->ci_hi = net->p_value = NAN;
		net->benchmark = bi >= 0 ? xstrdup(c->series[k].label) : NULL;
		net->metric = bi >= 0 ? xstrdup(c->series[k].metric) : NULL;
		net->verdict = measured_verdict(&c->jc[tip].pc, bi);
		if (verdict_is_failure(net->verdict) || bi < 0) {
			const struct pipeline_commit *pc = &c->jc[tip].pc;

			net->message = xstrdup(bi >= 0 && pc->benches[bi].report.len
			                               ? pc->benches[bi].report.buf
			                               : pc->message.buf);
			continue;
		}
		if ((from = net_from(c, k)) == SIZE_MAX) {
			net->message = xstrdup("no baseline to compare with: no commit before the "
			                       "tip measured it");
			continue;
		}
		memcpy(net->from, c->jc[from].pc.commit.hash, sizeof(net->from));
		if (proxy_of(c, from, k) == proxy_of(c, tip, k)) {
			net->verdict = c->n > 1 ? VERDICT_UNCHANGED : VERDICT_OK;
			net->ratio = net->ci_lo = net->ci_hi = 1;
			net->message = xstrdup(c->n == 1 ? "the base alone"
			                       : from == 0 && c->has_base
			                               ? "unchanged: the tip's artefacts are "
			                                 "byte-identical to the base's"
			                               : "unchanged: the tip's artefacts are "
			                                 "byte-identical to those of the first "
			                                 "commit that measured it");
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

/* Series (label, metric) of benchmark `bench` is one; add it unless known. 1 when added. */
static int series_add(struct check_ctx *c, const struct spec_benchmark *sb, const char *case_name,
                      enum series_kind kind, const char *metric, int higher)
{
	struct strbuf label = STRBUF_INIT;
	struct series *x;
	size_t k, max = (size_t)sb->max_repeat;

	strbuf_addstr(&label, sb->name);
	if (case_name)
		strbuf_addf(&label, "/%s", case_name);
	for (k = 0; k < c->nseries; k++)
		if (!strcmp(c->series[k].label, label.buf) &&
		    !strcmp(c->series[k].metric, metric)) {
			strbuf_release(&label);
			return 0;
		}
	c->series = xrealloc(c->series, (c->nseries + 1) * sizeof(*c->series));
	c->first_look = xrealloc(c->first_look, (c->nseries + 1) * sizeof(*c->first_look));
	c->max_rounds = xrealloc(c->max_rounds, (c->nseries + 1) * sizeof(*c->max_rounds));
	x = &c->series[c->nseries];
	x->bench = xstrdup(sb->name);
	x->label = strbuf_detach(&label, NULL);
	x->case_name = xstrdup(case_name);
	x->metric = xstrdup(metric);
	x->kind = kind;
	x->higher = higher;
	c->max_rounds[c->nseries] = max;
	c->first_look[c->nseries] = CHECK_MIN_FIRST_LOOK < max ? CHECK_MIN_FIRST_LOOK : max;
	c->nseries++;
	return 1;
}

/*
 * What benchmark b is judged on: its process's time (the spec's `metric`,
 * else check's; not for a harness benchmark unless its spec says so), its
 * peak memory (unless memory-threshold = off), and each case its harness
 * reported on the spec's metric or the case's first, where the harness says
 * which way is better. `check --metric instructions` judges counts only. At
 * least the process is judged, so that every benchmark has a verdict.
 */
static size_t bench_series(struct check_ctx *c, const struct pipeline_bench *b)
{
	const struct spec_benchmark *sb = b->spec;
	const char *m = sb->metric;
	int own = m && (!strcmp(m, "wall") || !strcmp(m, "cpu") || !strcmp(m, "instructions"));
	size_t added = 0, before = c->nseries, i;
	enum series_kind kind = SERIES_WALL;

	if (c->opts->metric == JUDGE_METRIC_INSTRUCTIONS)
		return (size_t)series_add(c, sb, NULL, SERIES_INSTRUCTIONS, "instructions", 0);
	if (own)
		kind = !strcmp(m, "wall")  ? SERIES_WALL
		       : !strcmp(m, "cpu") ? SERIES_CPU
		                           : SERIES_INSTRUCTIONS;
	else if (c->opts->flags & CHECK_CPU_TIME)
		kind = SERIES_CPU;
	if (own || !sb->has_format)
		added += (size_t)series_add(c, sb, NULL, kind,
		                            kind == SERIES_WALL  ? "wall"
		                            : kind == SERIES_CPU ? "cpu"
		                                                 : "instructions",
		                            0);
	if (sb->memory_threshold > 0)
		added += (size_t)series_add(c, sb, NULL, SERIES_MEMORY, "memory", 0);
	for (i = 0; i < b->nseries; i++) {
		const struct pipeline_series *x = &b->series[i];

		if (x->direction == HARNESS_UNDIRECTED ||
		    (m && !own ? strcmp(x->metric, m) != 0 : !x->primary))
			continue;
		added += (size_t)series_add(c, sb, x->name, SERIES_CASE, x->metric,
		                            x->direction == HARNESS_HIGHER_IS_BETTER);
	}
	for (i = 0; i < c->nseries; i++)
		if (!strcmp(c->series[i].bench, sb->name))
			break;
	if (i == c->nseries && before == c->nseries)
		added += (size_t)series_add(c, sb, NULL, kind, kind == SERIES_CPU ? "cpu" : "wall",
		                            0);
	return added;
}

/*
 * The series to judge: per benchmark, in the tip's spec order, then any
 * others seen; cases a harness reports later are added as they come.
 * Returns how many were added.
 */
static size_t collect_series(struct check_ctx *c)
{
	size_t j, k, added = 0;

	for (k = c->n; k-- > 0;)
		for (j = 0; c->jc[k].prepared && j < c->jc[k].pc.nbenches; j++)
			if (c->jc[k].pc.benches[j].spec)
				added += bench_series(c, &c->jc[k].pc.benches[j]);
	return added;
}

/* Count the comparisons the push's alpha is shared among, and the looks. */
static void share_alpha(struct check_ctx *c)
{
	size_t k, m = 0, mm = 0, looks = 1;

	for (k = 0; k < c->ncmp; k++) {
		if (!c->cmp[k].live)
			continue;
		m++;
		if (c->series[c->cmp[k].name].kind == SERIES_MEMORY)
			mm++;
	}
	for (k = 0; k < c->nseries; k++) {
		size_t l = count_looks(c->first_look[k], c->max_rounds[k]);

		if (c->opts->flags & CHECK_NO_CONFIRM)
			l = 1;
		looks = l > looks ? l : looks;
	}
	/* a bisection adds about log2(n) probes and the culprit's own comparison */
	if (c->opts->flags & CHECK_BISECT)
		m += (size_t)ceil(log2((double)c->n + 1)) + 1;
	c->out->comparisons = m ? m : 1;
	c->out->memory_comparisons = mm;
	c->out->looks = looks;
	c->out->alpha = c->opts->alpha;
	/* two-sided, like the p shown */
	c->out->alpha_change = 2 * alpha_change(c, 0);
	c->out->alpha_change_memory = mm ? 2 * alpha_change(c, 1) : NAN;
}

/* Instruction counts: one count per commit, judged at once (no rounds). */
static int judge_counts(struct check_ctx *c, struct pw_error *err)
{
	size_t k;
	int ret;

	plan(c, !(c->opts->flags & CHECK_BISECT), 1);
	for (k = 0; k < c->ncmp; k++)
		if (c->cmp[k].live && (ret = judge_count(c, &c->cmp[k], err)) < 0)
			return ret;
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
	out->alpha_change_memory = NAN;
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
	for (k = 0; k < c->nseries; k++) {
		free(c->series[k].bench);
		free(c->series[k].label);
		free(c->series[k].case_name);
		free(c->series[k].metric);
	}
	free(c->series);
	for (k = 0; k < c->ncmp; k++)
		judge_result_release(&c->cmp[k].jr);
	free(c->cmp);
	free(c->first_look);
	free(c->max_rounds);
}

/*
 * Store what this check measured (appended to the store's history). Each
 * commit that could not be stored is one of out->errors, with the spool
 * file its runs were kept in when they were.
 */
static void save_all(struct check_ctx *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		struct pw_error serr = PW_ERROR_INIT;
		struct strbuf spooled = STRBUF_INIT;
		size_t k;
		int ret;

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
		if ((ret = pipeline_save(c->p, &c->jc[i].pc, &spooled, &serr)) < 0)
			error_add(c->out, ret, spooled.len ? spooled.buf : NULL, "%s",
			          pw_error_message(&serr));
		pw_error_release(&serr);
		strbuf_release(&spooled);
	}
}

/*
 * The stored verdict of `benchmark` on commit `cand` against `base`, into
 * `row`: 1 when there is one, 0 when not, or when the store could not be
 * asked (then one of out->errors says so).
 */
static int find_stored(struct check_ctx *c, size_t cand, size_t base, size_t name,
                       struct store_judgement_row *row)
{
	struct pw_error ferr = PW_ERROR_INIT;
	int ret = record_find(c->p, &c->jc[cand].pc, &c->jc[base].pc, c->series[name].label,
	                      c->series[name].metric, judge_name(c, name), row, &ferr);

	if (ret < 0 && ret != PW_ENOTFOUND)
		error_add(c->out, ret, NULL,
		          "could not look up the stored verdict of '%s' on %s: %s",
		          c->series[name].label, c->jc[cand].pc.commit.short_hash,
		          pw_error_message(&ferr));
	pw_error_release(&ferr);
	return ret == 0;
}

/* Record one verdict of `name` on commit `cand` against `base`; a failure is one of out->errors. */
static void record(struct check_ctx *c, size_t cand, size_t base, size_t name,
                   const struct store_judgement *j)
{
	struct pw_error jerr = PW_ERROR_INIT;
	int ret = record_judgement(c->p, &c->jc[cand].pc, &c->jc[base].pc, c->series[name].label, j,
	                           NULL, &jerr);

	if (ret < 0)
		error_add(c->out, ret, NULL,
		          "could not record the verdict of '%s' on %s against %s: %s",
		          c->series[name].label, c->jc[cand].pc.commit.short_hash,
		          c->jc[base].pc.commit.short_hash, pw_error_message(&jerr));
	pw_error_release(&jerr);
}

static void judgement_of(const struct check_ctx *c, const struct comparison *x,
                         struct store_judgement *j, char **details)
{
	int memory = c->series[x->name].kind == SERIES_MEMORY;
	json_t *d = json_pack(
	        "{s:b, s:f, s:f, s:f, s:I}", "net", x->net, "quantile", CHECK_QUANTILE,
	        "alpha_change", memory ? c->out->alpha_change_memory : c->out->alpha_change,
	        "alpha_ok", CHECK_ALPHA_OK, "comparisons",
	        (json_int_t)(memory ? c->out->memory_comparisons
	                            : c->out->comparisons - c->out->memory_comparisons));

	if (isfinite(x->jr.min_detectable))
		json_object_set_new(d, "resolvable", json_real(x->jr.min_detectable));
	*details = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(d);
	memset(j, 0, sizeof(*j));
	j->metric = c->series[x->name].metric;
	j->judge = judge_name(c, x->name);
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
 * run because their artefacts were unchanged. Each verdict that could not be
 * recorded is one of out->errors.
 */
static void store_judgements(struct check_ctx *c)
{
	size_t k, i;

	for (k = 0; k < c->ncmp; k++) {
		const struct comparison *x = &c->cmp[k];
		struct store_judgement j;
		char *details = NULL;

		if (!x->judged || x->reused)
			continue;
		judgement_of(c, x, &j, &details);
		record(c, x->cand, x->base, x->name, &j);
		free(details);
	}
	for (i = 0; i < c->n; i++)
		for (k = 0; k < c->nseries; k++) {
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
			known = find_stored(c, i, px, k, &row) && row.verdict &&
			        !strcmp(row.verdict, "unchanged");
			store_judgement_row_release(&row);
			if (known)
				continue;
			memset(&u, 0, sizeof(u));
			judge_result_init(&u.jr);
			u.base = px;
			u.cand = i;
			u.name = k;
			u.jr.verdict = VERDICT_UNCHANGED;
			u.jr.ratio = u.jr.ci_lo = u.jr.ci_hi = 1;
			strbuf_addf(&u.jr.message, "unchanged: artefacts byte-identical to %s's",
			            c->jc[px].pc.commit.short_hash);
			judgement_of(c, &u, &j, &details);
			record(c, i, px, k, &j);
			free(details);
			judge_result_release(&u.jr);
		}
}

/*
 * Take the verdicts this push already has in the store (same commits,
 * baseline, benchmark, spec, environment, metric and judge) instead of
 * measuring again: a push checked twice gets the same answer. When the
 * store cannot be asked, that is said once and everything is measured.
 */
static void reuse_judgements(struct check_ctx *c)
{
	struct store_judgement_row row = STORE_JUDGEMENT_ROW_INIT;
	size_t k, before = c->out->nerrors;

	for (k = 0; k < c->ncmp && c->out->nerrors == before; k++) {
		struct comparison *x = &c->cmp[k];
		enum verdict v;

		/* a verdict this binary does not know (a newer one's) is measured again */
		if (!x->live || !x->open || !find_stored(c, x->cand, x->base, x->name, &row) ||
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
	for (k = 0; k < c->nseries; k++)
		if ((ret = calibrate(c, k, err)) < 0)
			return ret;
	plan(c, with_each, with_net);
	share_alpha(c);
	return decide(c, with_each, with_net, err);
}

static int bisect_middle(struct check_ctx *c, size_t *culprit, struct pw_error *err);
static void explain_regressions(struct check_ctx *c);

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
	collect_series(&c);
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
			if ((ret = pipeline_count_finish(p, &c.jc[i].pc, k, err)) < 0) {
				pw_error_prefix(
				        err, "could not count the instructions of '%s' on %s",
				        c.jc[i].pc.benches[k].name, c.jc[i].pc.commit.short_hash);
				goto done;
			}
	for (i = 0; i < c.n; i++) {
		if (!c.jc[i].prepared)
			continue;
		out->measured++;
		if (!c.jc[i].pc.nbenches) {
			fill_entry(&c, i, SIZE_MAX, entry_add(out));
			continue;
		}
		for (k = 0; k < c.nseries; k++)
			for (size_t j = k; first_of_bench(&c, k) && j < c.nseries; j++)
				if (!strcmp(c.series[j].bench, c.series[k].bench) &&
				    entry_wanted(&c, i, j))
					fill_entry(&c, i, j, entry_add(out));
	}
	fill_net(&c);
	save_all(&c);
	store_judgements(&c);
	/* bisection's probes are not explained: `perfwarden explain CULPRIT` is */
	if (!(opts->flags & (CHECK_NO_EXPLAIN | CHECK_BISECT)))
		explain_regressions(&c);
done:
	/* what was measured before perfwarden failed is kept all the same */
	if (ret < 0 && c.jc)
		save_all(&c);
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
	for (k = 0; k < c->nseries; k++) {
		if (!commit_good(c, idx, k) || !commit_good(c, 0, k)) {
			*outcome = JUDGE_PROBE_SKIP;
			return 0;
		}
		if (proxy_of(c, 0, k) != proxy_of(c, idx, k))
			comparison_want(c, proxy_of(c, 0, k), proxy_of(c, idx, k), k, 0, 1);
	}
	if ((ret = decide(c, 0, 0, err)) < 0)
		return ret;
	for (k = 0; k < c->nseries; k++) {
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
		for (k = 0; k < c->nseries; k++)
			if (commit_good(c, parent, k) && commit_good(c, first, k) &&
			    proxy_of(c, parent, k) != proxy_of(c, first, k))
				comparison_want(c, proxy_of(c, parent, k), first, k, 0, 1);
		if ((ret = decide(c, 0, 0, err)) < 0)
			goto done;
		for (k = 0; k < c->nseries; k++) {
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
		free(e->metric);
		free(e->unit);
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
	return r->nerrors ? 2 : 0;
}

/* ---- explaining the regressions ---- */

static size_t commit_index(const struct check_ctx *c, const char *hash)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (c->jc[i].prepared && !strcmp(c->jc[i].pc.commit.hash, hash))
			return i;
	return SIZE_MAX;
}

/*
 * Profile every commit with a slower or more-memory verdict against its
 * baseline (runner/explain), once per commit, baseline and benchmark: time
 * (callgrind) for a slower time, memory (massif) for more memory. Both
 * commits are still checked out and built. What cannot be profiled is said
 * in the explanation; nothing here changes a verdict or the exit code.
 */
/* The explain flag a verdict asks for: memory (massif) for peak memory, else time (callgrind). */
static unsigned explain_what(const struct check_entry *e)
{
	return e->metric && !strcmp(e->metric, "memory") ? EXPLAIN_MEMORY : EXPLAIN_TIME;
}

/* Whether entry e is a regression of benchmark `bench` (len bytes) of commit against baseline. */
static int regression_of(const struct check_entry *e, const char *commit, const char *baseline,
                         const char *bench, size_t len)
{
	return e->verdict == VERDICT_SLOWER && !e->is_base && e->benchmark && e->baseline[0] &&
	       !strcmp(e->hash, commit) && !strcmp(e->baseline, baseline) &&
	       !strncmp(e->benchmark, bench, len) &&
	       (!e->benchmark[len] || e->benchmark[len] == '/');
}

static void explain_regressions(struct check_ctx *c)
{
	struct check_result *r = c->out;
	struct explain_options eo = EXPLAIN_OPTIONS_INIT;
	struct pw_error err = PW_ERROR_INIT;
	size_t i, k;

	eo.timeout_ms = c->opts->explain_timeout_ms ? c->opts->explain_timeout_ms
	                                            : CHECK_EXPLAIN_TIMEOUT_MS;
	for (i = 0; i < r->nentries; i++) {
		const struct check_entry *e = &r->entries[i];
		struct check_explanation *x;
		size_t len, ci, bi;
		int done = 0;

		if (e->verdict != VERDICT_SLOWER || e->is_base || !e->benchmark || !e->baseline[0])
			continue;
		len = strcspn(e->benchmark, "/");
		for (k = 0; k < r->nexplanations; k++)
			done |= regression_of(
			        e, r->explanations[k].commit, r->explanations[k].baseline,
			        r->explanations[k].benchmark, strlen(r->explanations[k].benchmark));
		if (done)
			continue;
		/* one explanation per commit, baseline and benchmark: every part its verdicts ask
		 */
		eo.flags = 0;
		for (k = i; k < r->nentries; k++)
			if (regression_of(&r->entries[k], e->hash, e->baseline, e->benchmark, len))
				eo.flags |= explain_what(&r->entries[k]);
		r->explanations = xrealloc(r->explanations,
		                           (r->nexplanations + 1) * sizeof(*r->explanations));
		x = &r->explanations[r->nexplanations++];
		memset(x, 0, sizeof(*x));
		memcpy(x->commit, e->hash, sizeof(x->commit));
		memcpy(x->baseline, e->baseline, sizeof(x->baseline));
		x->benchmark = strndup(e->benchmark, len);
		if (!x->benchmark)
			abort();
		ci = commit_index(c, e->hash);
		bi = commit_index(c, e->baseline);
		if (ci == SIZE_MAX || bi == SIZE_MAX) {
			x->error = xstrdup("the commit or its baseline was not checked out");
			continue;
		}
		if (explain_prepared(c->p, &c->jc[bi].pc, &c->jc[ci].pc, x->benchmark, &eo,
		                     &x->result, &err) < 0) {
			x->error = xstrdup(pw_error_message(&err));
			pw_error_clear(&err);
		}
	}
	pw_error_release(&err);
}
