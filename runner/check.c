/*
 * Judging a range of commits: the heart of `perfwarden check`. Each commit is
 * measured through the pipeline (or reused from the store), then judged per
 * benchmark against the last good commit before it with runner/judge. When
 * the first samples cannot tell, both sides get more runs, interleaved
 * (baseline, candidate, baseline, ...) so a drift of the machine hits both
 * alike, up to the benchmark's max-repeat. The net effect of the push (tip
 * against base) decides the exit code; bisection finds the first slower
 * commit without measuring every one.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "stats.h"

/* Confirmation runs are added in rounds of this many baseline/candidate pairs. */
#define CHECK_CONFIRM_PAIRS 5

struct judged_commit {
	struct pipeline_commit pc;
	int measured;
	int built; /* measured now rather than reused from the store */
};

static char *xstrdup(const char *s)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		abort();
	return d;
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
	*r = (struct check_result)CHECK_RESULT_INIT;
}

static struct check_entry *entry_add(struct check_result *r)
{
	struct check_entry *e;

	r->entries = realloc(r->entries, (r->nentries + 1) * sizeof(*r->entries));
	if (!r->entries)
		abort();
	e = &r->entries[r->nentries++];
	memset(e, 0, sizeof(*e));
	e->ratio = e->ci_lo = e->ci_hi = e->p_value = e->median_ns = e->noise = NAN;
	return e;
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

/*
 * The values judged: wall time, user + system CPU time (CHECK_CPU_TIME), or
 * the one cachegrind instruction count.
 */
static double *metric_values(const struct pipeline_bench *b, enum judge_metric metric,
			     unsigned flags, size_t *n)
{
	double *v;
	size_t i;

	if (metric == JUDGE_METRIC_TIME && !(flags & CHECK_CPU_TIME))
		return pipeline_bench_values(b, n);
	v = malloc((b->nsamples ? b->nsamples : 1) * sizeof(*v));
	if (!v)
		abort();
	if (metric == JUDGE_METRIC_TIME) {
		for (i = 0; i < b->nsamples; i++)
			v[i] = (double)(b->samples[i].user_ns + b->samples[i].sys_ns);
		*n = b->nsamples;
		return v;
	}
	*n = b->instructions == SAMPLE_ABSENT ? 0 : 1;
	v[0] = (double)b->instructions;
	return v;
}

static const char *metric_name(const struct check_options *opts)
{
	if (opts->metric == JUDGE_METRIC_INSTRUCTIONS)
		return "instructions";
	return (opts->flags & CHECK_CPU_TIME) ? "cpu" : "wall";
}

static double median_of(const struct pipeline_bench *b)
{
	size_t n;
	double *v = pipeline_bench_values(b, &n), m = NAN;

	if (n)
		stats_median(v, n, &m, NULL);
	free(v);
	return m;
}

/*
 * Judge the samples of `b` from index `from_b` on against those of `c` from
 * `from_c` on.
 */
static int judge_slices(const struct pipeline_bench *b, size_t from_b, const struct pipeline_bench *c,
			size_t from_c, int paired, const struct judge_options *jo, unsigned flags,
			const char *name, struct judge_result *res, struct pw_error *err)
{
	size_t nb, nc;
	double *vb = metric_values(b, jo->metric, flags, &nb);
	double *vc = metric_values(c, jo->metric, flags, &nc);
	int ret;

	if (nb <= from_b || nc <= from_c)
		ret = pw_error_set(err, PW_EINVALID, "benchmark \"%s\": no %s to judge", name,
				   jo->metric == JUDGE_METRIC_TIME ? "samples" : "instruction count");
	else if (paired)
		ret = judge_compare_paired(vb + from_b, vc + from_c,
					   nb - from_b < nc - from_c ? nb - from_b : nc - from_c, jo,
					   res, err);
	else
		ret = judge_compare(vb + from_b, nb - from_b, vc + from_c, nc - from_c, jo, res, err);
	free(vb);
	free(vc);
	return ret;
}

/*
 * Judge benchmark `name` of `cand` against `base`. The samples measured so
 * far were taken at different times (each commit in turn), so a drift of the
 * machine between them looks like a change. Hence any verdict other than a
 * clear "ok" is confirmed by fresh runs of both, interleaved (base, cand,
 * base, ...), and judged on those alone, as pairs: the two runs of a pair
 * ran back to back, so a burst of load hits both and cancels in their ratio
 * (judge_compare_paired). Rounds are added while the judge is unsure, up to
 * the benchmark's max-repeat. Sets *more when runs were added (both commits
 * then need saving).
 */
static int judge_pair(struct pipeline *p, const struct check_options *opts,
		      struct pipeline_commit *base, struct pipeline_commit *cand, const char *name,
		      struct judge_result *res, int *more, struct pw_error *err)
{
	int bb = bench_index(base, name), cb = bench_index(cand, name);
	const struct spec_benchmark *sb = cand->benches[cb].spec;
	struct pipeline_bench *b = &base->benches[bb], *c = &cand->benches[cb];
	struct judge_options jo = JUDGE_OPTIONS_INIT;
	size_t from_b = 0, from_c = 0, k;
	int interleaved = 0, pairs_can_decide, ret;

	jo.threshold = sb->threshold;
	jo.alpha = opts->alpha;
	jo.max_repeat = (size_t)sb->max_repeat;
	jo.metric = opts->metric;
	if (jo.min_repeat > (size_t)sb->repeat)
		jo.min_repeat = (size_t)sb->repeat;
	if (jo.min_repeat > jo.max_repeat)
		jo.min_repeat = jo.max_repeat;
	/* a max-repeat too small for the paired test ever to reach alpha: judge unpaired */
	pairs_can_decide = stats_wilcoxon_min_p(jo.max_repeat) < jo.alpha;
	for (;;) {
		if ((ret = judge_slices(b, from_b, c, from_c, interleaved && pairs_can_decide, &jo,
					opts->flags, name, res, err)) < 0)
			return ret;
		if ((opts->flags & CHECK_NO_CONFIRM) || opts->metric != JUDGE_METRIC_TIME)
			break;
		if (!interleaved && res->verdict == VERDICT_OK)
			break;
		if (interleaved && (res->verdict != VERDICT_UNSURE ||
				    (b->nsamples - from_b >= jo.max_repeat &&
				     c->nsamples - from_c >= jo.max_repeat)))
			break;
		if (!interleaved) {
			from_b = b->nsamples;
			from_c = c->nsamples;
			interleaved = 1;
		}
		for (k = 0; k < CHECK_CONFIRM_PAIRS; k++) {
			if (b->nsamples - from_b < jo.max_repeat &&
			    (ret = pipeline_measure_more(p, base, (size_t)bb, 1, err)) < 0)
				return ret;
			if (c->nsamples - from_c < jo.max_repeat &&
			    (ret = pipeline_measure_more(p, cand, (size_t)cb, 1, err)) < 0)
				return ret;
		}
		*more = 1;
		if (b->verdict != VERDICT_OK || c->verdict != VERDICT_OK)
			return 0; /* it failed while confirming: the failure speaks */
	}
	if (res->verdict == VERDICT_UNSURE)
		res->verdict = VERDICT_OK;
	return 0;
}

static void record_judgement(struct pipeline_bench *b, const struct pipeline_commit *base,
			     const struct judge_result *jr)
{
	json_t *j = json_object();

	json_object_set_new(j, "baseline", json_string(base->commit.hash));
	json_object_set_new(j, "verdict", json_string(verdict_name(jr->verdict)));
	json_object_set_new(j, "ratio", json_real(jr->ratio));
	json_object_set_new(j, "ci", json_pack("[ff]", jr->ci_lo, jr->ci_hi));
	if (!isnan(jr->p_value))
		json_object_set_new(j, "p_value", json_real(jr->p_value));
	json_object_set_new(j, "noise", json_real(jr->noise));
	json_object_set_new(j, "message", json_string(strbuf_str(&jr->message)));
	json_object_set_new(b->metadata, "judgement", j);
	json_object_set_new(b->metadata, "baseline", json_string(base->commit.hash));
	json_object_set_new(b->metadata, "ratio", json_real(jr->ratio));
	json_object_set_new(b->metadata, "ci", json_pack("[ff]", jr->ci_lo, jr->ci_hi));
	if (!isnan(jr->p_value))
		json_object_set_new(b->metadata, "p_value", json_real(jr->p_value));
	b->judged = 1;
	b->judgement = jr->verdict;
}

static void fill_entry(struct check_entry *e, const struct pipeline_commit *pc, int bi)
{
	memcpy(e->hash, pc->commit.hash, sizeof(e->hash));
	memcpy(e->short_hash, pc->commit.short_hash, sizeof(e->short_hash));
	e->subject = xstrdup(pc->commit.subject);
	e->measured = 1;
	e->verdict = measured_verdict(pc, bi);
	if (bi >= 0) {
		const struct pipeline_bench *b = &pc->benches[bi];

		e->benchmark = xstrdup(b->name);
		e->runs = b->nsamples;
		e->median_ns = b->nsamples ? median_of(b) : NAN;
		if (b->report.len)
			e->message = xstrdup(b->report.buf);
		if (e->verdict == VERDICT_BUILD_FAILED && pc->build_log.len)
			e->detail = xstrdup(pc->build_log.buf);
		else if ((e->verdict == VERDICT_CRASHED || e->verdict == VERDICT_TIMEOUT) &&
			 b->stderr_tail.len)
			e->detail = xstrdup(b->stderr_tail.buf);
	} else if (pc->message.len) {
		e->message = xstrdup(pc->message.buf);
	}
}

static void copy_judgement(struct check_entry *e, const struct pipeline_commit *base,
			   const struct judge_result *jr)
{
	memcpy(e->baseline, base->commit.hash, sizeof(e->baseline));
	e->verdict = jr->verdict;
	e->ratio = jr->ratio;
	e->ci_lo = jr->ci_lo;
	e->ci_hi = jr->ci_hi;
	e->p_value = jr->p_value;
	e->noise = jr->noise;
	free(e->message);
	e->message = jr->message.len ? xstrdup(jr->message.buf) : NULL;
}

/* The benchmark names to judge: the tip's spec order, then any others seen. */
static void collect_names(struct judged_commit *jc, size_t n, char ***names, size_t *nnames)
{
	size_t i, j, k;

	*names = NULL;
	*nnames = 0;
	for (k = n; k-- > 0;) {
		for (j = 0; j < jc[k].pc.nbenches; j++) {
			const char *name = jc[k].pc.benches[j].name;

			for (i = 0; i < *nnames; i++)
				if (!strcmp((*names)[i], name))
					break;
			if (i < *nnames)
				continue;
			*names = realloc(*names, (*nnames + 1) * sizeof(**names));
			if (!*names)
				abort();
			(*names)[(*nnames)++] = xstrdup(name);
		}
	}
}

static int measure(struct pipeline *p, struct judged_commit *jc, struct pw_error *err)
{
	char rev[CHECKOUT_HASH_HEX + 1];
	size_t i;
	int ret;

	if (jc->measured)
		return 0;
	memcpy(rev, jc->pc.commit.hash, sizeof(rev));
	ret = pipeline_measure(p, rev, &jc->pc, err);
	if (ret < 0)
		return ret;
	jc->measured = 1;
	for (i = 0; i < jc->pc.nbenches; i++)
		if (!jc->pc.benches[i].reused)
			jc->built = 1;
	return 0;
}

/* Judge every measured commit against the last good measured one before it. */
static int judge_all(struct pipeline *p, const struct check_options *opts, struct judged_commit *jc,
		     size_t n, int has_base, struct check_result *out, struct pw_error *err)
{
	struct judge_result jr;
	char **names = NULL;
	size_t nnames = 0, i, k;
	int ret = 0;

	judge_result_init(&jr);
	collect_names(jc, n, &names, &nnames);
	for (i = 0; i < n; i++) {
		int dirty = 0;

		if (!jc[i].measured)
			continue;
		if (!jc[i].pc.nbenches) {
			struct check_entry *e = entry_add(out);

			fill_entry(e, &jc[i].pc, -1);
			e->is_base = has_base && i == 0;
			continue;
		}
		for (k = 0; k < nnames; k++) {
			int bi = bench_index(&jc[i].pc, names[k]), judged = 0, more = 0;
			int is_base = has_base && i == 0;
			struct check_entry *e;
			size_t j = (size_t)-1;

			if (bi < 0)
				continue;
			if (!is_base && !verdict_is_failure(measured_verdict(&jc[i].pc, bi))) {
				/* The last earlier commit where this benchmark measured fine. */
				for (j = i; j-- > 0;) {
					int bj;

					if (!jc[j].measured)
						continue;
					bj = bench_index(&jc[j].pc, names[k]);
					if (bj >= 0 &&
					    !verdict_is_failure(measured_verdict(&jc[j].pc, bj)))
						break;
				}
			}
			if (j != (size_t)-1) {
				ret = judge_pair(p, opts, &jc[j].pc, &jc[i].pc, names[k], &jr, &more,
						 err);
				if (ret < 0)
					goto done;
				if (more)
					pipeline_save(p, &jc[j].pc, NULL);
				judged = !verdict_is_failure(measured_verdict(&jc[i].pc, bi));
				dirty = 1;
			}
			e = entry_add(out);
			fill_entry(e, &jc[i].pc, bi);
			e->is_base = is_base;
			if (judged) {
				copy_judgement(e, &jc[j].pc, &jr);
				record_judgement(&jc[i].pc.benches[bi], &jc[j].pc, &jr);
			}
		}
		if (dirty)
			pipeline_save(p, &jc[i].pc, NULL);
	}
	/* Confirmation runs may have added samples to commits judged earlier. */
	for (k = 0; k < out->nentries; k++) {
		struct check_entry *e = &out->entries[k];

		for (i = 0; i < n && e->benchmark; i++) {
			int bi;

			if (!jc[i].measured || strcmp(jc[i].pc.commit.hash, e->hash))
				continue;
			bi = bench_index(&jc[i].pc, e->benchmark);
			if (bi >= 0) {
				e->runs = jc[i].pc.benches[bi].nsamples;
				e->median_ns = e->runs ? median_of(&jc[i].pc.benches[bi]) : NAN;
			}
		}
	}
done:
	for (k = 0; k < nnames; k++)
		free(names[k]);
	free(names);
	judge_result_release(&jr);
	return ret;
}

/* The push as a whole: for each of the tip's benchmarks, tip against base. */
static int judge_net(struct pipeline *p, const struct check_options *opts, struct judged_commit *base,
		     struct judged_commit *tip, struct check_result *out, struct pw_error *err)
{
	struct judge_result jr;
	size_t k;
	int ret = 0;

	judge_result_init(&jr);
	for (k = 0; k < tip->pc.nbenches || (!tip->pc.nbenches && k == 0); k++) {
		struct check_net *net;
		int bi = tip->pc.nbenches ? (int)k : -1;
		int bb = bi >= 0 && base ? bench_index(&base->pc, tip->pc.benches[bi].name) : -1;
		int more = 0;

		out->net = realloc(out->net, (out->nnet + 1) * sizeof(*out->net));
		if (!out->net)
			abort();
		net = &out->net[out->nnet++];
		memset(net, 0, sizeof(*net));
		net->ratio = net->ci_lo = net->ci_hi = net->p_value = NAN;
		net->benchmark = bi >= 0 ? xstrdup(tip->pc.benches[bi].name) : NULL;
		net->verdict = measured_verdict(&tip->pc, bi);
		if (verdict_is_failure(net->verdict)) {
			net->message = xstrdup(bi >= 0 && tip->pc.benches[bi].report.len
						       ? tip->pc.benches[bi].report.buf
						       : tip->pc.message.buf);
			continue;
		}
		if (!base || bb < 0 || verdict_is_failure(measured_verdict(&base->pc, bb))) {
			net->message = xstrdup("no baseline to compare with: the base did not measure");
			continue;
		}
		if (base == tip)
			continue;
		ret = judge_pair(p, opts, &base->pc, &tip->pc, net->benchmark, &jr, &more, err);
		if (ret < 0)
			goto done;
		if (more) {
			pipeline_save(p, &base->pc, NULL);
			pipeline_save(p, &tip->pc, NULL);
		}
		net->verdict = measured_verdict(&tip->pc, bi);
		if (verdict_is_failure(net->verdict))
			continue;
		net->verdict = jr.verdict;
		net->ratio = jr.ratio;
		net->ci_lo = jr.ci_lo;
		net->ci_hi = jr.ci_hi;
		net->p_value = jr.p_value;
		net->message = jr.message.len ? xstrdup(jr.message.buf) : NULL;
	}
done:
	judge_result_release(&jr);
	return ret;
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

static void judged_release(struct judged_commit *jc, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		pipeline_commit_release(&jc[i].pc);
	free(jc);
}

static int bisect_middle(struct pipeline *p, const struct check_options *opts,
			 struct judged_commit *jc, size_t n, size_t *culprit, size_t *builds,
			 struct pw_error *err);

int check_run(struct pipeline *p, const struct check_options *opts, struct check_result *out,
	      struct pw_error *err)
{
	struct checkout_list list = CHECKOUT_LIST_INIT;
	struct judged_commit *jc = NULL;
	size_t n = 0, i, off;
	int ret;

	check_result_release(out);
	out->flags = opts->flags;
	out->metric = metric_name(opts);
	if ((ret = resolve_range(p, opts->range, &list, err)) < 0)
		goto done;
	off = list.has_base ? 1 : 0;
	n = list.ncommits + off;
	jc = calloc(n, sizeof(*jc));
	if (!jc)
		abort();
	for (i = 0; i < n; i++) {
		const struct checkout_commit *c = off && i == 0 ? &list.base : &list.commits[i - off];

		jc[i].pc = (struct pipeline_commit)PIPELINE_COMMIT_INIT;
		memcpy(jc[i].pc.commit.hash, c->hash, sizeof(c->hash));
	}
	if (off)
		memcpy(out->base, list.base.hash, sizeof(out->base));
	memcpy(out->tip, list.commits[list.ncommits - 1].hash, sizeof(out->tip));
	out->commits = list.ncommits;

	if (opts->flags & CHECK_BISECT) {
		/* base and tip first; the middle only when the tip is slower */
		if ((ret = measure(p, &jc[0], err)) < 0 || (ret = measure(p, &jc[n - 1], err)) < 0)
			goto done;
		if ((ret = judge_net(p, opts, off ? &jc[0] : NULL, &jc[n - 1], out, err)) < 0)
			goto done;
		for (i = 0; i < out->nnet; i++)
			if (out->net[i].verdict == VERDICT_SLOWER)
				break;
		if (off && n > 2 && i < out->nnet) {
			size_t culprit = 0;

			ret = bisect_middle(p, opts, jc, n, &culprit, &out->builds, err);
			if (ret < 0)
				goto done;
			if (culprit)
				memcpy(out->culprit, jc[culprit].pc.commit.hash, sizeof(out->culprit));
		}
	} else {
		for (i = 0; i < n; i++) {
			pipeline_progress_position(p, i + 1, n);
			if ((ret = measure(p, &jc[i], err)) < 0)
				goto done;
		}
		pipeline_progress_position(p, 0, 0);
	}
	for (i = 0; i < n; i++)
		if (jc[i].measured)
			out->measured++;
	if ((ret = judge_all(p, opts, jc, n, off, out, err)) < 0)
		goto done;
	if (!(opts->flags & CHECK_BISECT)) {
		for (i = 0; i < out->nnet; i++) {
			free(out->net[i].benchmark);
			free(out->net[i].message);
		}
		free(out->net);
		out->net = NULL;
		out->nnet = 0;
		ret = judge_net(p, opts, off ? &jc[0] : NULL, &jc[n - 1], out, err);
	}
done:
	if (jc)
		judged_release(jc, n);
	checkout_list_release(&list);
	return ret;
}

/* Probe outcome of commit `i` against the good commit 0 for any slowed benchmark. */
static int probe(struct pipeline *p, const struct check_options *opts, struct judged_commit *jc,
		 size_t i, enum judge_probe *outcome, struct pw_error *err)
{
	struct judge_result jr;
	size_t k;
	int ret;

	if ((ret = measure(p, &jc[i], err)) < 0)
		return ret;
	*outcome = JUDGE_PROBE_GOOD;
	judge_result_init(&jr);
	for (k = 0; k < jc[i].pc.nbenches || !jc[i].pc.nbenches; k++) {
		const char *name;
		int more = 0;

		if (!jc[i].pc.nbenches || verdict_is_failure(measured_verdict(&jc[i].pc, (int)k))) {
			*outcome = JUDGE_PROBE_SKIP;
			break;
		}
		name = jc[i].pc.benches[k].name;
		if (bench_index(&jc[0].pc, name) < 0)
			continue;
		ret = judge_pair(p, opts, &jc[0].pc, &jc[i].pc, name, &jr, &more, err);
		if (ret < 0)
			break;
		if (jr.verdict == VERDICT_SLOWER) {
			*outcome = JUDGE_PROBE_BAD;
			break;
		}
	}
	judge_result_release(&jr);
	return ret;
}

/*
 * Binary search over jc[0..n-1] (0 good, n-1 slower) for the first slower
 * commit; *culprit = its index (0 when none could be pinned).
 */
static int bisect_middle(struct pipeline *p, const struct check_options *opts,
			 struct judged_commit *jc, size_t n, size_t *culprit, size_t *builds,
			 struct pw_error *err)
{
	struct judge_bisect b = JUDGE_BISECT_INIT;
	size_t idx, first, last, i;
	int ret;

	*culprit = 0;
	if ((ret = judge_bisect_init(&b, n, err)) < 0)
		return ret;
	while (judge_bisect_next(&b, &idx) == 1) {
		enum judge_probe outcome;

		if ((ret = probe(p, opts, jc, idx, &outcome, err)) < 0)
			goto done;
		if ((ret = judge_bisect_report(&b, idx, outcome, err)) < 0)
			goto done;
	}
	if ((ret = judge_bisect_culprit(&b, &first, &last, err)) < 0)
		goto done;
	if (first == last) {
		*culprit = first;
		/* its parent, for the culprit's own ratio */
		if (first > 0 && (ret = measure(p, &jc[first - 1], err)) < 0)
			goto done;
		if ((ret = measure(p, &jc[first], err)) < 0)
			goto done;
	}
	ret = 0;
done:
	*builds = 0;
	for (i = 0; i < n; i++)
		if (jc[i].built)
			(*builds)++;
	judge_bisect_release(&b);
	return ret;
}

int check_bisect(struct pipeline *p, const char *good, const char *bad,
		 const struct check_options *opts, struct check_result *out, struct pw_error *err)
{
	struct checkout_list list = CHECKOUT_LIST_INIT;
	struct strbuf range = STRBUF_INIT;
	struct judged_commit *jc = NULL;
	struct judge_result jr;
	size_t n = 0, i, culprit = 0;
	int ret;

	check_result_release(out);
	judge_result_init(&jr);
	out->flags = opts->flags;
	out->metric = metric_name(opts);
	strbuf_addf(&range, "%s..%s", good, bad);
	if ((ret = resolve_range(p, range.buf, &list, err)) < 0)
		goto done;
	n = list.ncommits + 1;
	jc = calloc(n, sizeof(*jc));
	if (!jc)
		abort();
	for (i = 0; i < n; i++) {
		const struct checkout_commit *c = i == 0 ? &list.base : &list.commits[i - 1];

		jc[i].pc = (struct pipeline_commit)PIPELINE_COMMIT_INIT;
		memcpy(jc[i].pc.commit.hash, c->hash, sizeof(c->hash));
	}
	memcpy(out->base, list.base.hash, sizeof(out->base));
	memcpy(out->tip, list.commits[list.ncommits - 1].hash, sizeof(out->tip));
	out->commits = list.ncommits;
	if ((ret = measure(p, &jc[0], err)) < 0)
		goto done;
	if (jc[0].pc.status != VERDICT_OK || !jc[0].pc.nbenches ||
	    verdict_is_failure(measured_verdict(&jc[0].pc, 0))) {
		ret = pw_error_set(err, PW_EINVALID, "the good commit %s does not measure: %s",
				   jc[0].pc.commit.short_hash,
				   jc[0].pc.message.len ? jc[0].pc.message.buf
							: verdict_name(measured_verdict(&jc[0].pc, 0)));
		goto done;
	}
	if ((ret = bisect_middle(p, opts, jc, n, &culprit, &out->builds, err)) < 0)
		goto done;
	for (i = 0; i < n; i++)
		if (jc[i].measured)
			out->measured++;
	if (culprit) {
		struct judged_commit *c = &jc[culprit], *parent = &jc[culprit - 1];
		struct check_entry *e;
		size_t k;
		int more = 0;

		memcpy(out->culprit, c->pc.commit.hash, sizeof(out->culprit));
		for (k = 0; k < c->pc.nbenches; k++) {
			const char *name = c->pc.benches[k].name;

			if (bench_index(&parent->pc, name) < 0 ||
			    verdict_is_failure(measured_verdict(&parent->pc, bench_index(&parent->pc, name))))
				continue;
			e = entry_add(out);
			fill_entry(e, &c->pc, (int)k);
			ret = judge_pair(p, opts, &parent->pc, &c->pc, name, &jr, &more, err);
			if (ret < 0)
				goto done;
			copy_judgement(e, &parent->pc, &jr);
		}
	}
	ret = 0;
done:
	if (jc)
		judged_release(jc, n);
	judge_result_release(&jr);
	checkout_list_release(&list);
	strbuf_release(&range);
	return ret;
}

int check_exit_code(const struct check_result *r)
{
	size_t i;

	for (i = 0; i < r->nnet; i++)
		if (verdict_is_failure(r->net[i].verdict) || r->net[i].verdict == VERDICT_SLOWER)
			return 1;
	if (r->flags & CHECK_EACH)
		for (i = 0; i < r->nentries; i++) {
			const struct check_entry *e = &r->entries[i];

			if (e->is_base || !e->measured)
				continue;
			if (verdict_is_failure(e->verdict) || e->verdict == VERDICT_SLOWER)
				return 1;
		}
	return 0;
}
