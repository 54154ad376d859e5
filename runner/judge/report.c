/*
 * Reports: the same results as a table for people, JSON for machines, JUnit
 * XML for CI systems and Markdown for review comments. Every format is built
 * into a strbuf or a jansson document; the cmd_* files decide where it goes.
 */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "proc.h"
#include "report.h"
#include "stats.h"

void report_duration(double ns, struct strbuf *out)
{
	if (isnan(ns))
		strbuf_addstr(out, "-");
	else if (ns >= 1e9)
		strbuf_addf(out, "%.3f s", ns / 1e9);
	else if (ns >= 1e6)
		strbuf_addf(out, "%.1f ms", ns / 1e6);
	else if (ns >= 1e3)
		strbuf_addf(out, "%.1f us", ns / 1e3);
	else
		strbuf_addf(out, "%.0f ns", ns);
}

static json_t *real_or_null(double v)
{
	return isnan(v) || isinf(v) ? json_null() : json_real(v);
}

static void add_ratio(double ratio, struct strbuf *out)
{
	if (isnan(ratio))
		strbuf_addstr(out, "-");
	else
		strbuf_addf(out, "%+.1f%%", (ratio - 1.0) * 100.0);
}

/* ---- a small aligned table ---- */

struct table {
	size_t ncols;
	char **cells; /* row-major */
	size_t nrows;
};

static void table_row(struct table *t, ...)
{
	va_list ap;
	size_t i;

	t->cells = realloc(t->cells, (t->nrows + 1) * t->ncols * sizeof(*t->cells));
	if (!t->cells)
		abort();
	va_start(ap, t);
	for (i = 0; i < t->ncols; i++) {
		const char *s = va_arg(ap, const char *);

		t->cells[t->nrows * t->ncols + i] = strdup(s ? s : "");
		if (!t->cells[t->nrows * t->ncols + i])
			abort();
	}
	va_end(ap);
	t->nrows++;
}

/* Display width, counting UTF-8 continuation bytes as nothing. */
static size_t width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

static void table_print(struct table *t, struct strbuf *out)
{
	size_t *w = calloc(t->ncols, sizeof(*w));
	size_t r, c;

	if (!w)
		abort();
	for (r = 0; r < t->nrows; r++)
		for (c = 0; c < t->ncols; c++)
			if (width(t->cells[r * t->ncols + c]) > w[c])
				w[c] = width(t->cells[r * t->ncols + c]);
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			const char *s = t->cells[r * t->ncols + c];
			size_t pad = w[c] - width(s);

			strbuf_addstr(out, s);
			if (c + 1 < t->ncols)
				while (pad-- + 2 > 0)
					strbuf_addch(out, ' ');
		}
		strbuf_rtrim(out);
		strbuf_addch(out, '\n');
	}
	for (r = 0; r < t->nrows * t->ncols; r++)
		free(t->cells[r]);
	free(t->cells);
	free(w);
	t->cells = NULL;
	t->nrows = 0;
}

/* ---- perfwarden run ---- */

static void summary_of(const struct pipeline_bench *b, struct stats_summary *s)
{
	size_t n;
	double *v = pipeline_bench_values(b, &n);

	memset(s, 0, sizeof(*s));
	s->median = s->min = s->iqr = NAN;
	if (n)
		stats_summarize(v, n, s, NULL);
	free(v);
}

/* Whether nothing verifies the entry's output though it passed (it reads "unverified"). */
static int unverified(const struct check_entry *e)
{
	return e->verification && !strcmp(e->verification, "unverified") &&
	       !verdict_is_failure(e->verdict) && e->verdict != VERDICT_NO_SPEC;
}

static const char *shown_verdict(enum verdict v, const char *metric);

/*
 * The verdict as people read it: "more-memory" for a slower peak memory,
 * "faster (unverified)" when nothing verifies the output.
 */
static const char *verdict_label(const struct check_entry *e, struct strbuf *buf)
{
	strbuf_reset(buf);
	strbuf_addstr(buf, shown_verdict(e->verdict, e->metric));
	if (unverified(e))
		strbuf_addstr(buf, " (unverified)");
	return buf->buf;
}

void report_run_table(const struct pipeline_commit *pcs, size_t n, struct strbuf *out)
{
	struct table t = {7, NULL, 0};
	size_t i, k;

	table_row(&t, "commit", "benchmark", "median", "min", "spread (IQR)", "runs", "verdict");
	for (i = 0; i < n; i++) {
		const struct pipeline_commit *pc = &pcs[i];

		if (!pc->nbenches) {
			table_row(&t, pc->commit.short_hash, "-", "-", "-", "-", "0",
			          verdict_name(pc->status));
			continue;
		}
		for (k = 0; k < pc->nbenches; k++) {
			const struct pipeline_bench *b = &pc->benches[k];
			struct strbuf med = STRBUF_INIT, min = STRBUF_INIT, iqr = STRBUF_INIT,
			              runs = STRBUF_INIT;
			struct stats_summary s;

			summary_of(b, &s);
			report_duration(s.median, &med);
			report_duration(s.min, &min);
			if (!isnan(s.iqr) && s.median > 0)
				strbuf_addf(&iqr, "%.2f%%", 100.0 * s.iqr / s.median);
			else
				strbuf_addstr(&iqr, "-");
			strbuf_addf(&runs, "%zu%s", b->nsamples, b->reused ? " (stored)" : "");
			table_row(&t, pc->commit.short_hash, b->name, med.buf, min.buf, iqr.buf,
			          runs.buf, pipeline_bench_verdict_name(b));
			strbuf_release(&med);
			strbuf_release(&min);
			strbuf_release(&iqr);
			strbuf_release(&runs);
		}
	}
	table_print(&t, out);
	for (i = 0; i < n; i++) {
		const struct pipeline_commit *pc = &pcs[i];

		if (pc->status != VERDICT_OK)
			strbuf_addf(out, "\n%s %s: %s\n", pc->commit.short_hash,
			            verdict_name(pc->status),
			            pc->message.buf ? pc->message.buf : "");
		for (k = 0; k < pc->nbenches; k++)
			if (pc->benches[k].verdict != VERDICT_OK && pc->status == VERDICT_OK &&
			    pc->benches[k].report.len)
				strbuf_addf(out, "\n%s %s %s:\n%s\n", pc->commit.short_hash,
				            pc->benches[k].name,
				            verdict_name(pc->benches[k].verdict),
				            pc->benches[k].report.buf);
	}
}

json_t *report_run_json(const struct pipeline_commit *pcs, size_t n, json_t *environment,
                        const char *fingerprint)
{
	json_t *root = json_object(), *commits = json_array();
	size_t i, k, s;

	const char *why = NULL;
	int counters = proc_counters_available(&why);

	json_object_set_new(root, "fingerprint", json_string(fingerprint));
	json_object_set_new(root, "hardware_counters",
	                    counters ? json_true() : json_string(why ? why : "not available"));
	json_object_set(root, "environment", environment ? environment : json_null());
	for (i = 0; i < n; i++) {
		const struct pipeline_commit *pc = &pcs[i];
		json_t *c = json_object(), *benches = json_array();

		json_object_set_new(c, "commit", json_string(pc->commit.hash));
		json_object_set_new(c, "subject",
		                    json_string(pc->commit.subject ? pc->commit.subject : ""));
		json_object_set_new(c, "status", json_string(verdict_name(pc->status)));
		if (pc->message.len)
			json_object_set_new(c, "message", json_string(pc->message.buf));
		if (pc->build_log.len && pc->status == VERDICT_BUILD_FAILED)
			json_object_set_new(c, "build_log", json_string(pc->build_log.buf));
		for (k = 0; k < pc->nbenches; k++) {
			const struct pipeline_bench *b = &pc->benches[k];
			json_t *bj = json_object(), *samples = json_array();
			struct stats_summary st;

			summary_of(b, &st);
			json_object_set_new(bj, "benchmark", json_string(b->name));
			json_object_set_new(bj, "verdict",
			                    json_string(pipeline_bench_verdict_name(b)));
			json_object_set_new(bj, "verification",
			                    json_string(spec_benchmark_verification(b->spec)));
			json_object_set_new(bj, "runs", json_integer((json_int_t)b->nsamples));
			json_object_set_new(bj, "median_ns", real_or_null(st.median));
			json_object_set_new(bj, "min_ns", real_or_null(st.min));
			json_object_set_new(bj, "iqr_ns", real_or_null(st.iqr));
			json_object_set_new(bj, "reused", json_boolean(b->reused));
			json_object_set_new(bj, "instructions",
			                    b->instructions == SAMPLE_ABSENT
			                            ? json_null()
			                            : json_integer(b->instructions));
			if (b->report.len)
				json_object_set_new(bj, "report", json_string(b->report.buf));
			if (b->stderr_tail.len)
				json_object_set_new(bj, "stderr_tail",
				                    json_string(b->stderr_tail.buf));
			json_object_set(bj, "metadata", b->metadata ? b->metadata : json_null());
			for (s = 0; s < b->nsamples; s++)
				json_array_append_new(samples, sample_json(&b->samples[s]));
			json_object_set_new(bj, "samples", samples);
			json_array_append_new(benches, bj);
		}
		json_object_set_new(c, "benchmarks", benches);
		json_array_append_new(commits, c);
	}
	json_object_set_new(root, "commits", commits);
	return root;
}

/* ---- perfwarden check ---- */

static int counts_instructions(const struct check_result *r)
{
	return r->metric && !strcmp(r->metric, "instructions");
}

/* What the value column holds: "wall q25", "cpu q25" or "instructions". */
static const char *value_heading(const struct check_result *r)
{
	if (counts_instructions(r))
		return "instructions";
	return r->metric && !strcmp(r->metric, "cpu") ? "cpu q25" : "wall q25";
}

/* "wall time", "cpu time" (user + system) or "instructions". */
static const char *metric_phrase(const struct check_result *r)
{
	if (counts_instructions(r))
		return "instructions";
	return r->metric && !strcmp(r->metric, "cpu") ? "cpu time (user + system)" : "wall time";
}

/* A count with thousands grouped: "1,234,567". */
static void add_count(double n, struct strbuf *out)
{
	struct strbuf digits = STRBUF_INIT;
	size_t i;

	if (isnan(n) || n < 0 || n > 1e18) {
		strbuf_addstr(out, "-");
		return;
	}
	strbuf_addf(&digits, "%.0f", n);
	for (i = 0; i < digits.len; i++) {
		if (i && (digits.len - i) % 3 == 0)
			strbuf_addch(out, ',');
		strbuf_addch(out, digits.buf[i]);
	}
	strbuf_release(&digits);
}

static void value_text(const struct check_result *r, double v, struct strbuf *out)
{
	if (counts_instructions(r))
		add_count(v, out);
	else
		report_duration(v, out);
}

/* An entry's value in its own unit: a duration, a count, MiB of memory, or the harness's unit. */
static void entry_value_text(const struct check_result *r, const struct check_entry *e,
                             struct strbuf *out)
{
	if (!e->unit)
		value_text(r, e->value, out);
	else if (isnan(e->value))
		strbuf_addstr(out, "-");
	else if (!strcmp(e->unit, "ns"))
		report_duration(e->value, out);
	else if (!strcmp(e->unit, "instructions"))
		add_count(e->value, out);
	else if (!strcmp(e->unit, "KiB"))
		strbuf_addf(out, "%.1f MiB", e->value / 1024);
	else
		strbuf_addf(out, "%.4g%s%s", e->value, *e->unit ? " " : "", e->unit);
}

/* Whether a benchmark's net effect starts after the base (the base did not measure it). */
static int net_moved(const struct check_result *r, const struct check_net *n)
{
	return n->from[0] && strcmp(n->from, r->base);
}

/*
 * The verdict as a table reads it: of peak memory, slower and faster are
 * `more-memory` and `less-memory` (JSON keeps the verdict and names the metric).
 */
static const char *shown_verdict(enum verdict v, const char *metric)
{
	if (metric && !strcmp(metric, "memory") && v == VERDICT_SLOWER)
		return "more-memory";
	if (metric && !strcmp(metric, "memory") && v == VERDICT_FASTER)
		return "less-memory";
	return verdict_name(v);
}

void report_series_label(const char *benchmark, const char *metric, struct strbuf *out)
{
	strbuf_addstr(out, benchmark ? benchmark : "-");
	if (!metric || !strcmp(metric, "wall") || !strcmp(metric, "cpu") ||
	    !strcmp(metric, "instructions") || !strcmp(metric, "time") ||
	    !strcmp(metric, "value") || !strcmp(metric, "latency"))
		return;
	strbuf_addf(out, " (%s)", metric);
}

static void resolvable_text(double resolvable, struct strbuf *out)
{
	if (isnan(resolvable) || resolvable <= 0)
		strbuf_addstr(out, "unknown");
	else
		strbuf_addf(out, resolvable < 0.1 ? "±%.2g%%" : "±%.0f%%", resolvable * 100);
}

static void ci_text(double lo, double hi, struct strbuf *out)
{
	if (isnan(lo) || isnan(hi)) {
		strbuf_addstr(out, "-");
		return;
	}
	strbuf_addf(out, "[%+.1f%%, %+.1f%%]", (lo - 1) * 100, (hi - 1) * 100);
}

static void p_text(double p, struct strbuf *out)
{
	if (isnan(p))
		strbuf_addstr(out, "-");
	else if (p < 0.001)
		strbuf_addf(out, "%.1e", p);
	else
		strbuf_addf(out, "%.3f", p);
}

/* The first line of `s`, at most `max` bytes. */
static void first_line(const char *s, size_t max, struct strbuf *out)
{
	size_t n = s ? strcspn(s, "\n") : 0;

	if (n > max)
		n = max;
	if (s)
		strbuf_add(out, s, n);
}

static size_t count_verdict(const struct check_result *r, enum verdict v, size_t *net)
{
	size_t i, n = 0;

	for (i = 0; i < r->nentries; i++)
		n += r->entries[i].verdict == v;
	if (net)
		for (*net = 0, i = 0; i < r->nnet; i++)
			*net += r->net[i].verdict == v;
	return n;
}

/* What the judge is and what its false-alarm guarantee is, in one line (no newline). */
void report_check_judge_line(const struct check_result *r, struct strbuf *out)
{
	const char *judge = r->judge ? r->judge : "";

	if (counts_instructions(r)) {
		strbuf_addf(out,
		            "judge %s on instructions (cachegrind, the whole process tree): counts "
		            "are deterministic, so a change of the threshold's size is real",
		            judge);
		return;
	}
	strbuf_addf(out,
	            "judge %s on %s (%s of interleaved rounds): a false slower/faster anywhere "
	            "in this push at most %g%% (p < %.1e per look: %zu comparisons x %zu looks)",
	            judge, metric_phrase(r), r->estimator ? r->estimator : "lower quartile",
	            r->alpha * 100, r->alpha_change, r->comparisons - r->memory_comparisons,
	            r->looks);
	if (r->memory_comparisons && isfinite(r->alpha_change_memory))
		strbuf_addf(out,
		            "; peak memory: p < %.1e (a tenth of the rate over %zu comparisons)",
		            r->alpha_change_memory, r->memory_comparisons);
}

/* How the push ends for inconclusive verdicts, as a phrase. */
static const char *inconclusive_effect(const struct check_result *r)
{
	return r->flags & CHECK_FAIL_INCONCLUSIVE
	               ? "fails the gate (--fail-inconclusive)"
	               : "not ok, not failed: passes the gate unless --fail-inconclusive";
}

/* What perfwarden itself failed to do (check_result.errors), one line each. */
static void errors_text(const struct check_result *r, const char *indent, struct strbuf *out)
{
	size_t i;

	for (i = 0; i < r->nerrors; i++)
		strbuf_addf(out, "%s%s\n", indent, r->errors[i].message);
}

/* ---- the explanations of the regressions (runner/explain) ---- */

/* One line per explanation: its headline, or why there is none. */
static void explanations_text(const struct check_result *r, struct strbuf *out)
{
	struct strbuf head = STRBUF_INIT;
	size_t i, k;

	if (!r->nexplanations)
		return;
	strbuf_addstr(out, "\nwhere it went (perfwarden explain COMMIT for the whole profile):\n");
	for (i = 0; i < r->nexplanations; i++) {
		const struct check_explanation *x = &r->explanations[i];

		strbuf_reset(&head);
		explain_headline(&x->result, &head);
		strbuf_addf(out, "  %.10s %s: ", x->commit, x->benchmark);
		if (x->error)
			strbuf_addf(out, "not explained: %s\n", x->error);
		else if (head.len)
			strbuf_addf(out, "%s\n", head.buf);
		else
			strbuf_addstr(out, "no profile could explain it\n");
		for (k = 0; k < 2 && !x->error; k++)
			if (x->result.side[k].why.len)
				strbuf_addf(out, "    %s %.10s: %s\n", k ? "culprit" : "baseline",
				            x->result.side[k].hash, x->result.side[k].why.buf);
	}
	strbuf_release(&head);
}

static json_t *explanations_json(const struct check_result *r)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < r->nexplanations; i++) {
		const struct check_explanation *x = &r->explanations[i];
		json_t *doc = x->error ? json_object() : explain_json(&x->result);

		json_object_set_new(doc, "commit", json_string(x->commit));
		json_object_set_new(doc, "baseline_commit", json_string(x->baseline));
		json_object_set_new(doc, "benchmark", json_string(x->benchmark));
		json_object_set_new(doc, "error", x->error ? json_string(x->error) : json_null());
		json_array_append_new(a, doc);
	}
	return a;
}

static void explanations_markdown(const struct check_result *r, struct strbuf *out)
{
	size_t i;

	for (i = 0; i < r->nexplanations; i++) {
		const struct check_explanation *x = &r->explanations[i];

		strbuf_addf(out, "\n#### Where `%.10s` %s regressed\n\n", x->commit, x->benchmark);
		if (x->error)
			strbuf_addf(out, "Not explained: %s\n", x->error);
		else
			explain_format_markdown(&x->result, out);
	}
}

void report_check_table(const struct check_result *r, struct strbuf *out)
{
	struct table t = {10, NULL, 0};
	size_t i, inconclusive, net_inconclusive;

	for (i = 0; i < r->ncalibration; i++)
		if (r->calibration[i].message)
			strbuf_addf(out, "calibration %s\n", r->calibration[i].message);
	report_check_judge_line(r, out);
	strbuf_addstr(out, "\n\n");
	table_row(&t, "commit", "benchmark", "verdict", value_heading(r), "change", "interval", "p",
	          "rounds", "runs", "note");
	for (i = 0; i < r->nentries; i++) {
		const struct check_entry *e = &r->entries[i];
		struct strbuf commit = STRBUF_INIT, val = STRBUF_INIT, ratio = STRBUF_INIT,
		              ci = STRBUF_INIT, p = STRBUF_INIT, rounds = STRBUF_INIT,
		              runs = STRBUF_INIT, note = STRBUF_INIT, label = STRBUF_INIT,
		              shown = STRBUF_INIT;

		strbuf_addf(&commit, "%.10s%s", e->short_hash, e->is_base ? " (base)" : "");
		strbuf_addf(&runs, "%zu", e->runs);
		report_series_label(e->benchmark, e->metric, &label);
		if (e->verdict == VERDICT_UNCHANGED) {
			strbuf_addstr(&val, "-");
			strbuf_addstr(&ratio, "none");
			strbuf_addf(&note, "= %.10s: identical build, not run", e->baseline);
			table_row(&t, commit.buf, label.buf, verdict_label(e, &shown), val.buf,
			          ratio.buf, "-", "-", "-", runs.buf, note.buf);
			goto next;
		}
		entry_value_text(r, e, &val);
		add_ratio(e->ratio, &ratio);
		ci_text(e->ci_lo, e->ci_hi, &ci);
		p_text(e->p_value, &p);
		if (e->rounds)
			strbuf_addf(&rounds, "%zu", e->rounds);
		else
			strbuf_addstr(&rounds, "-");
		if (verdict_is_failure(e->verdict) || e->verdict == VERDICT_NO_SPEC) {
			first_line(e->message, 70, &note);
		} else if (e->verdict == VERDICT_INCONCLUSIVE) {
			first_line(e->subject, 40, &note);
			strbuf_addstr(&note, " — could resolve ");
			resolvable_text(e->resolvable, &note);
		} else {
			first_line(e->subject, 50, &note);
		}
		table_row(&t, commit.buf, label.buf, verdict_label(e, &shown), val.buf, ratio.buf,
		          ci.buf, p.buf, rounds.buf, runs.buf, note.buf);
	next:
		strbuf_release(&shown);
		strbuf_release(&label);
		strbuf_release(&commit);
		strbuf_release(&val);
		strbuf_release(&ratio);
		strbuf_release(&ci);
		strbuf_release(&p);
		strbuf_release(&rounds);
		strbuf_release(&runs);
		strbuf_release(&note);
		strbuf_release(&label);
	}
	table_print(&t, out);
	for (i = 0; i < r->nentries; i++) {
		const struct check_entry *e = &r->entries[i];

		if ((e->verdict == VERDICT_WRONG_OUTPUT || e->verdict == VERDICT_TEST_FAILED) &&
		    e->message)
			strbuf_addf(out, "\n%.10s %s %s:\n%s\n", e->short_hash,
			            e->benchmark ? e->benchmark : "",
			            e->verdict == VERDICT_WRONG_OUTPUT ? "wrong output"
			                                               : "test failed",
			            e->message);
		else if ((e->verdict == VERDICT_SLOWER || e->verdict == VERDICT_FASTER ||
		          e->verdict == VERDICT_INCONCLUSIVE) &&
		         e->message) {
			struct strbuf label = STRBUF_INIT;

			report_series_label(e->benchmark, e->metric, &label);
			strbuf_addf(out, "\n%.10s %s: %s%s\n", e->short_hash, label.buf,
			            e->metric && !strcmp(e->metric, "memory") ? "peak memory " : "",
			            e->message);
			strbuf_release(&label);
		}
	}
	if (r->culprit[0])
		strbuf_addf(out, "\nfirst slower commit: %s\n", r->culprit);
	if (r->nnet) {
		strbuf_addf(out, "\nnet effect %.10s..%.10s:\n", r->base[0] ? r->base : "(root)",
		            r->tip);
		for (i = 0; i < r->nnet; i++) {
			const struct check_net *n = &r->net[i];
			struct strbuf ratio = STRBUF_INIT, ci = STRBUF_INIT, p = STRBUF_INIT,
			              label = STRBUF_INIT;

			add_ratio(n->ratio, &ratio);
			ci_text(n->ci_lo, n->ci_hi, &ci);
			p_text(n->p_value, &p);
			report_series_label(n->benchmark, n->metric, &label);
			strbuf_addf(out, "  %s: %s %s %s p=%s", label.buf,
			            shown_verdict(n->verdict, n->metric), ratio.buf, ci.buf, p.buf);
			strbuf_release(&label);
			if (n->rounds)
				strbuf_addf(out, " in %zu rounds", n->rounds);
			if (n->message) {
				strbuf_addstr(out, " — ");
				first_line(n->message, 160, out);
			}
			if (net_moved(r, n))
				strbuf_addf(out, " (from %.10s, the first commit that measured it)",
				            n->from);
			strbuf_addch(out, '\n');
			strbuf_release(&ratio);
			strbuf_release(&ci);
			strbuf_release(&p);
		}
	}
	inconclusive = count_verdict(r, VERDICT_INCONCLUSIVE, &net_inconclusive);
	strbuf_addf(out, "\n%zu rounds, %zu timing runs (calibration included)\n", r->rounds,
	            r->total_runs);
	strbuf_addf(out, "%zu unchanged (identical builds, not run: they pass)\n", r->unchanged);
	strbuf_addf(out, "%zu inconclusive", inconclusive);
	if (net_inconclusive)
		strbuf_addf(out, " (and %zu net)", net_inconclusive);
	strbuf_addf(out, ": %s\n", inconclusive_effect(r));
	explanations_text(r, out);
	if (r->nerrors) {
		strbuf_addf(out,
		            "\n%zu error%s of perfwarden's own (exit 2 unless a verdict fails):\n",
		            r->nerrors, r->nerrors == 1 ? "" : "s");
		errors_text(r, "  ", out);
	}
}

static json_t *calibration_json(const struct check_calibration *c)
{
	json_t *j = json_object();

	json_object_set_new(j, "benchmark", c->benchmark ? json_string(c->benchmark) : json_null());
	json_object_set_new(j, "commit", json_string(c->commit));
	json_object_set_new(j, "runs", json_integer((json_int_t)c->runs));
	json_object_set_new(j, "median", real_or_null(c->median));
	json_object_set_new(j, "q25", real_or_null(c->q25));
	json_object_set_new(j, "min", real_or_null(c->min));
	json_object_set_new(j, "noise", real_or_null(c->noise));
	json_object_set_new(j, "skew", real_or_null(c->skew));
	json_object_set_new(j, "floor", real_or_null(c->floor));
	json_object_set_new(j, "resolvable", real_or_null(c->resolvable));
	json_object_set_new(j, "first_look", json_integer((json_int_t)c->first_look));
	json_object_set_new(j, "max_rounds", json_integer((json_int_t)c->max_rounds));
	json_object_set_new(j, "message", c->message ? json_string(c->message) : json_null());
	return j;
}

/* check_result.errors: [{"message": ..., "spooled": path or null}]. */
static json_t *errors_json(const struct check_result *r)
{
	json_t *errors = json_array();
	size_t i;

	for (i = 0; i < r->nerrors; i++) {
		const struct check_error *e = &r->errors[i];

		json_array_append_new(
		        errors, json_pack("{s:s, s:o}", "message", e->message, "spooled",
		                          e->spooled ? json_string(e->spooled) : json_null()));
	}
	return errors;
}

json_t *report_check_json(const struct check_result *r)
{
	json_t *root = json_object(), *results = json_array(), *net = json_object(),
	       *benches = json_array(), *cal = json_array();
	struct strbuf line = STRBUF_INIT;
	size_t i, net_inconclusive;
	int worst = 0;

	for (i = 0; i < r->nentries; i++) {
		const struct check_entry *e = &r->entries[i];
		json_t *j = json_object();

		json_object_set_new(j, "commit", json_string(e->hash));
		json_object_set_new(j, "short", json_string(e->short_hash));
		json_object_set_new(j, "subject", json_string(e->subject ? e->subject : ""));
		json_object_set_new(j, "benchmark",
		                    e->benchmark ? json_string(e->benchmark) : json_null());
		json_object_set_new(j, "metric", e->metric ? json_string(e->metric) : json_null());
		json_object_set_new(j, "verdict", json_string(verdict_name(e->verdict)));
		json_object_set_new(j, "verification",
		                    e->verification ? json_string(unverified(e) ? "unverified"
		                                                                : e->verification)
		                                    : json_null());
		json_object_set_new(j, "base", json_boolean(e->is_base));
		json_object_set_new(j, "ratio", real_or_null(e->ratio));
		json_object_set_new(j, "ci",
		                    isnan(e->ci_lo) ? json_null()
		                                    : json_pack("[ff]", e->ci_lo, e->ci_hi));
		json_object_set_new(j, "p_value", real_or_null(e->p_value));
		json_object_set_new(j, "baseline",
		                    e->baseline[0] ? json_string(e->baseline) : json_null());
		json_object_set_new(j, "value", real_or_null(e->value));
		json_object_set_new(j, "value_unit",
		                    json_string(e->unit                  ? e->unit
		                                : counts_instructions(r) ? "instructions"
		                                                         : "ns"));
		json_object_set_new(j, "rounds", json_integer((json_int_t)e->rounds));
		json_object_set_new(j, "runs", json_integer((json_int_t)e->runs));
		json_object_set_new(j, "resolvable", real_or_null(e->resolvable));
		json_object_set_new(j, "instructions",
		                    e->instructions < 0
		                            ? json_null()
		                            : json_integer((json_int_t)e->instructions));
		json_object_set_new(j, "median_ns", real_or_null(e->median_ns));
		json_object_set_new(j, "noise", real_or_null(e->noise));
		json_object_set_new(j, "message",
		                    e->message ? json_string(e->message) : json_null());
		if (e->detail)
			json_object_set_new(j, "detail", json_string(e->detail));
		json_array_append_new(results, j);
	}
	for (i = 0; i < r->nnet; i++) {
		const struct check_net *n = &r->net[i];
		json_t *j = json_object();

		if (verdict_is_failure(n->verdict))
			worst = 3;
		else if (n->verdict == VERDICT_SLOWER && worst < 2)
			worst = 2;
		else if (n->verdict == VERDICT_INCONCLUSIVE && worst < 1)
			worst = 1;
		json_object_set_new(j, "benchmark",
		                    n->benchmark ? json_string(n->benchmark) : json_null());
		json_object_set_new(j, "metric", n->metric ? json_string(n->metric) : json_null());
		json_object_set_new(j, "from", n->from[0] ? json_string(n->from) : json_null());
		json_object_set_new(j, "verdict", json_string(verdict_name(n->verdict)));
		json_object_set_new(j, "ratio", real_or_null(n->ratio));
		json_object_set_new(j, "ci",
		                    isnan(n->ci_lo) ? json_null()
		                                    : json_pack("[ff]", n->ci_lo, n->ci_hi));
		json_object_set_new(j, "p_value", real_or_null(n->p_value));
		json_object_set_new(j, "rounds", json_integer((json_int_t)n->rounds));
		json_object_set_new(j, "message",
		                    n->message ? json_string(n->message) : json_null());
		json_array_append_new(benches, j);
	}
	for (i = 0; i < r->ncalibration; i++)
		json_array_append_new(cal, calibration_json(&r->calibration[i]));
	json_object_set_new(net, "base", r->base[0] ? json_string(r->base) : json_null());
	json_object_set_new(net, "tip", json_string(r->tip));
	json_object_set_new(net, "verdict",
	                    json_string(worst == 3   ? "fail"
	                                : worst == 2 ? "slower"
	                                : worst == 1 ? "inconclusive"
	                                             : "ok"));
	json_object_set_new(net, "benchmarks", benches);
	json_object_set_new(root, "results", results);
	json_object_set_new(root, "net", net);
	json_object_set_new(root, "metric", json_string(r->metric ? r->metric : "wall"));
	json_object_set_new(root, "estimator",
	                    json_string(r->estimator ? r->estimator : "lower quartile"));
	json_object_set_new(root, "judge", r->judge ? json_string(r->judge) : json_null());
	report_check_judge_line(r, &line);
	json_object_set_new(root, "judge_line", json_string(strbuf_str(&line)));
	json_object_set_new(root, "alpha", real_or_null(r->alpha));
	json_object_set_new(root, "comparisons", json_integer((json_int_t)r->comparisons));
	json_object_set_new(root, "looks", json_integer((json_int_t)r->looks));
	json_object_set_new(root, "alpha_change", real_or_null(r->alpha_change));
	json_object_set_new(root, "memory_comparisons",
	                    json_integer((json_int_t)r->memory_comparisons));
	json_object_set_new(root, "alpha_change_memory", real_or_null(r->alpha_change_memory));
	json_object_set_new(root, "calibration", cal);
	json_object_set_new(root, "commits", json_integer((json_int_t)r->commits));
	json_object_set_new(root, "measured", json_integer((json_int_t)r->measured));
	json_object_set_new(root, "rounds", json_integer((json_int_t)r->rounds));
	json_object_set_new(root, "total_runs", json_integer((json_int_t)r->total_runs));
	json_object_set_new(root, "unchanged", json_integer((json_int_t)r->unchanged));
	json_object_set_new(root, "inconclusive",
	                    json_integer((json_int_t)count_verdict(r, VERDICT_INCONCLUSIVE,
	                                                           &net_inconclusive)));
	json_object_set_new(root, "fail_inconclusive",
	                    json_boolean(r->flags & CHECK_FAIL_INCONCLUSIVE));
	if (r->culprit[0])
		json_object_set_new(root, "culprit", json_string(r->culprit));
	if (r->flags & CHECK_BISECT || r->culprit[0])
		json_object_set_new(root, "builds", json_integer((json_int_t)r->builds));
	json_object_set_new(root, "explanations", explanations_json(r));
	json_object_set_new(root, "errors", errors_json(r));
	json_object_set_new(root, "exit_code", json_integer(check_exit_code(r)));
	strbuf_release(&line);
	return root;
}

static void xml_escape(const char *s, struct strbuf *out)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '<':
			strbuf_addstr(out, "&lt;");
			break;
		case '>':
			strbuf_addstr(out, "&gt;");
			break;
		case '&':
			strbuf_addstr(out, "&amp;");
			break;
		case '"':
			strbuf_addstr(out, "&quot;");
			break;
		case '\'':
			strbuf_addstr(out, "&apos;");
			break;
		default:
			/* XML 1.0 allows no control characters but tab, newline, return */
			if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
				strbuf_addch(out, '?');
			else
				strbuf_addch(out, (char)c);
		}
	}
}

static int entry_fails(const struct check_result *r, const struct check_entry *e)
{
	return verdict_is_failure(e->verdict) || e->verdict == VERDICT_SLOWER ||
	       (e->verdict == VERDICT_INCONCLUSIVE && (r->flags & CHECK_FAIL_INCONCLUSIVE));
}

static int entry_skipped(const struct check_result *r, const struct check_entry *e)
{
	return e->verdict == VERDICT_INCONCLUSIVE && !(r->flags & CHECK_FAIL_INCONCLUSIVE);
}

/* The one-line reason an inconclusive verdict gives, for attributes and summaries. */
static void inconclusive_reason(const struct check_entry *e, struct strbuf *out)
{
	strbuf_addstr(out, "inconclusive: the rounds could resolve ");
	resolvable_text(e->resolvable, out);
	if (e->rounds)
		strbuf_addf(out, " after %zu rounds", e->rounds);
}

void report_check_junit(const struct check_result *r, struct strbuf *out)
{
	size_t i, failures = 0, skipped = 0;

	for (i = 0; i < r->nentries; i++) {
		failures += entry_fails(r, &r->entries[i]);
		skipped += entry_skipped(r, &r->entries[i]);
	}
	strbuf_addstr(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	strbuf_addf(
	        out,
	        "<testsuites name=\"perfwarden\" tests=\"%zu\" failures=\"%zu\" skipped=\"%zu\">\n",
	        r->nentries, failures, skipped);
	strbuf_addf(out,
	            "  <testsuite name=\"perfwarden check\" tests=\"%zu\" failures=\"%zu\" "
	            "skipped=\"%zu\">\n",
	            r->nentries, failures, skipped);
	strbuf_addstr(out, "    <properties>\n      <property name=\"judge\" value=\"");
	{
		struct strbuf line = STRBUF_INIT;

		report_check_judge_line(r, &line);
		xml_escape(line.buf, out);
		strbuf_release(&line);
	}
	strbuf_addstr(out, "\"/>\n");
	for (i = 0; i < r->ncalibration; i++) {
		strbuf_addstr(out, "      <property name=\"calibration\" value=\"");
		xml_escape(r->calibration[i].message, out);
		strbuf_addstr(out, "\"/>\n");
	}
	strbuf_addstr(out, "    </properties>\n");
	for (i = 0; i < r->nentries; i++) {
		const struct check_entry *e = &r->entries[i];
		struct strbuf name = STRBUF_INIT, ratio = STRBUF_INIT, why = STRBUF_INIT;

		strbuf_addf(&name, "%.10s ", e->short_hash);
		if (e->benchmark)
			report_series_label(e->benchmark, e->metric, &name);
		else
			strbuf_addstr(&name, "(no benchmark)");
		add_ratio(e->ratio, &ratio);
		strbuf_addstr(out, "    <testcase classname=\"");
		xml_escape(e->benchmark ? e->benchmark : "perfwarden", out);
		strbuf_addstr(out, "\" name=\"");
		xml_escape(name.buf, out);
		strbuf_addf(out, "\" time=\"%.6f\">",
		            isnan(e->median_ns) ? 0.0 : e->median_ns / 1e9);
		if (e->verdict == VERDICT_INCONCLUSIVE)
			inconclusive_reason(e, &why);
		if (entry_skipped(r, e)) {
			strbuf_addstr(out, "\n      <skipped message=\"");
			xml_escape(why.buf, out);
			strbuf_addstr(out, "\">");
			xml_escape(e->message ? e->message : "", out);
			strbuf_addstr(out, "</skipped>\n    ");
		} else if (entry_fails(r, e)) {
			strbuf_addstr(out, "\n      <failure type=\"");
			strbuf_addstr(out, shown_verdict(e->verdict, e->metric));
			strbuf_addstr(out, "\" message=\"");
			if (e->verdict == VERDICT_INCONCLUSIVE) {
				xml_escape(why.buf, out);
			} else {
				xml_escape(shown_verdict(e->verdict, e->metric), out);
				if (e->verdict == VERDICT_SLOWER) {
					strbuf_addstr(out, " ");
					xml_escape(ratio.buf, out);
				}
			}
			strbuf_addstr(out, "\">");
			xml_escape(e->message ? e->message : "", out);
			if (e->detail) {
				strbuf_addstr(out, "\n");
				xml_escape(e->detail, out);
			}
			strbuf_addstr(out, "</failure>\n    ");
		} else if (e->verdict == VERDICT_UNCHANGED) {
			strbuf_addstr(out, "\n      <system-out>");
			strbuf_addf(&why, "unchanged: identical build to %.10s, not run",
			            e->baseline);
			xml_escape(why.buf, out);
			if (e->message) {
				strbuf_addstr(out, "\n");
				xml_escape(e->message, out);
			}
			strbuf_addstr(out, "</system-out>\n    ");
		} else {
			strbuf_addstr(out, "\n      <system-out>");
			xml_escape(verdict_label(e, &why), out);
			strbuf_addstr(out, " ");
			xml_escape(ratio.buf, out);
			if (unverified(e))
				strbuf_addstr(out,
				              "\nunverified: no golden set and no test command "
				              "checks this benchmark's output");
			strbuf_addstr(out, "</system-out>\n    ");
		}
		strbuf_addstr(out, "</testcase>\n");
		strbuf_release(&name);
		strbuf_release(&ratio);
		strbuf_release(&why);
	}
	if (r->nerrors) {
		struct strbuf errors = STRBUF_INIT;

		errors_text(r, "", &errors);
		strbuf_addstr(out, "    <system-err>");
		xml_escape(errors.buf, out);
		strbuf_addstr(out, "</system-err>\n");
		strbuf_release(&errors);
	}
	strbuf_addstr(out, "  </testsuite>\n</testsuites>\n");
}

static void md_cell(const char *s, struct strbuf *out)
{
	for (; s && *s && *s != '\n'; s++) {
		if (*s == '|')
			strbuf_addstr(out, "\\|");
		else
			strbuf_addch(out, *s);
	}
}

static const char *md_mark(const struct check_result *r, const struct check_entry *e)
{
	if (entry_fails(r, e))
		return "❌ ";
	if (e->verdict == VERDICT_INCONCLUSIVE)
		return "❔ ";
	if (e->verdict == VERDICT_UNCHANGED)
		return "⚪ ";
	return e->verdict == VERDICT_FASTER ? "🚀 " : "";
}

void report_check_markdown(const struct check_result *r, struct strbuf *out)
{
	size_t i, inconclusive, net_inconclusive;
	int code = check_exit_code(r);
	struct strbuf line = STRBUF_INIT;

	inconclusive = count_verdict(r, VERDICT_INCONCLUSIVE, &net_inconclusive);
	strbuf_addf(out, "### perfwarden: %s",
	            code == 1 ? "regression"
	            : code    ? "error"
	                      : "passed");
	if (inconclusive + net_inconclusive)
		strbuf_addf(out, " (%zu inconclusive)", inconclusive + net_inconclusive);
	strbuf_addstr(out, "\n\n");
	for (i = 0; i < r->ncalibration; i++) {
		strbuf_addstr(out, "> calibration ");
		md_cell(r->calibration[i].message, out);
		strbuf_addstr(out, "\n>\n");
	}
	report_check_judge_line(r, &line);
	strbuf_addstr(out, "> ");
	md_cell(line.buf, out);
	strbuf_addstr(out, "\n\n");
	strbuf_addf(
	        out,
	        "| commit | benchmark | verdict | %s | change | interval | p | rounds | runs |\n",
	        value_heading(r));
	strbuf_addstr(out, "|---|---|---|---:|---:|---|---:|---:|---:|\n");
	for (i = 0; i < r->nentries; i++) {
		const struct check_entry *e = &r->entries[i];
		struct strbuf val = STRBUF_INIT, ratio = STRBUF_INIT, ci = STRBUF_INIT,
		              p = STRBUF_INIT;

		strbuf_addf(out, "| `%.10s`%s | ", e->short_hash, e->is_base ? " (base)" : "");
		report_series_label(e->benchmark, e->metric, &val);
		md_cell(val.buf, out);
		strbuf_reset(&val);
		if (e->verdict == VERDICT_UNCHANGED) {
			strbuf_addf(out, " | %s**unchanged**%s | = `%.10s` | | | | | %zu |\n",
			            md_mark(r, e), unverified(e) ? " (unverified)" : "",
			            e->baseline, e->runs);
			strbuf_release(&val);
			continue;
		}
		entry_value_text(r, e, &val);
		add_ratio(e->ratio, &ratio);
		ci_text(e->ci_lo, e->ci_hi, &ci);
		p_text(e->p_value, &p);
		strbuf_addf(out, " | %s**%s**%s", md_mark(r, e),
		            shown_verdict(e->verdict, e->metric),
		            unverified(e) ? " (unverified)" : "");
		if (e->verdict == VERDICT_INCONCLUSIVE) {
			strbuf_addstr(out, " (resolves ");
			resolvable_text(e->resolvable, out);
			strbuf_addstr(out, ")");
		}
		strbuf_addf(out, " | %s | %s | %s | %s | ", val.buf, ratio.buf, ci.buf, p.buf);
		if (e->rounds)
			strbuf_addf(out, "%zu", e->rounds);
		else
			strbuf_addstr(out, "-");
		strbuf_addf(out, " | %zu |\n", e->runs);
		strbuf_release(&val);
		strbuf_release(&ratio);
		strbuf_release(&ci);
		strbuf_release(&p);
	}
	if (r->nnet) {
		strbuf_addstr(out, "\n**Net effect of the push:**");
		for (i = 0; i < r->nnet; i++) {
			struct strbuf ratio = STRBUF_INIT, label = STRBUF_INIT;

			add_ratio(r->net[i].ratio, &ratio);
			strbuf_addstr(out, " ");
			report_series_label(r->net[i].benchmark, r->net[i].metric, &label);
			md_cell(label.buf, out);
			strbuf_release(&label);
			strbuf_addf(out, " %s (%s)",
			            shown_verdict(r->net[i].verdict, r->net[i].metric), ratio.buf);
			if (net_moved(r, &r->net[i]))
				strbuf_addf(out, " from `%.10s`", r->net[i].from);
			if (i + 1 < r->nnet)
				strbuf_addch(out, ';');
			strbuf_release(&ratio);
		}
		strbuf_addstr(out, "\n");
	}
	strbuf_addf(
	        out,
	        "\n<sub>%s is the lower quartile of the runs (instructions: the count); "
	        "change is against the baseline, with its interval and p. "
	        "❌ fails the gate · 🚀 faster · "
	        "❔ inconclusive: %s, the rounds could not resolve the threshold · "
	        "⚪ unchanged: the build is byte-identical to the commit shown, not run, passes. "
	        "%zu rounds, %zu runs; %zu unchanged, %zu inconclusive.</sub>\n",
	        value_heading(r), inconclusive_effect(r), r->rounds, r->total_runs, r->unchanged,
	        inconclusive);
	for (i = 0; i < r->nentries; i++) {
		const struct check_entry *e = &r->entries[i];

		if ((e->verdict == VERDICT_WRONG_OUTPUT || e->verdict == VERDICT_TEST_FAILED) &&
		    e->message)
			strbuf_addf(out,
			            "\n<details><summary>%.10s %s: "
			            "%s</summary>\n\n```\n%s\n```\n</details>\n",
			            e->short_hash, e->benchmark ? e->benchmark : "",
			            e->verdict == VERDICT_WRONG_OUTPUT ? "wrong output"
			                                               : "test failed",
			            e->message);
	}
	explanations_markdown(r, out);
	if (r->nerrors) {
		strbuf_addstr(out, "\n**perfwarden failed:**\n\n");
		errors_text(r, "- ", out);
	}
	strbuf_release(&line);
}
