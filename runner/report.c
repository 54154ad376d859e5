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

void report_run_table(const struct pipeline_commit *pcs, size_t n, struct strbuf *out)
{
	struct table t = { 7, NULL, 0 };
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
			table_row(&t, pc->commit.short_hash, b->name, med.buf, min.buf, iqr.buf, runs.buf,
				  verdict_name(b->verdict));
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
			strbuf_addf(out, "\n%s %s: %s\n", pc->commit.short_hash, verdict_name(pc->status),
				    pc->message.buf ? pc->message.buf : "");
		for (k = 0; k < pc->nbenches; k++)
			if (pc->benches[k].verdict != VERDICT_OK && pc->status == VERDICT_OK &&
			    pc->benches[k].report.len)
				strbuf_addf(out, "\n%s %s %s:\n%s\n", pc->commit.short_hash,
					    pc->benches[k].name, verdict_name(pc->benches[k].verdict),
					    pc->benches[k].report.buf);
	}
}

static json_t *sample_json(const struct sample *s)
{
	json_t *j = json_object();

#define METRIC(f) json_object_set_new(j, #f, s->f == SAMPLE_ABSENT ? json_null() : json_integer(s->f))
	METRIC(wall_ns);
	METRIC(user_ns);
	METRIC(sys_ns);
	METRIC(maxrss_kib);
	METRIC(minflt);
	METRIC(majflt);
	METRIC(nvcsw);
	METRIC(nivcsw);
	METRIC(instructions);
	METRIC(cycles);
	METRIC(branch_misses);
	METRIC(cache_misses);
#undef METRIC
	json_object_set_new(j, "exit_code", json_integer(s->exit_code));
	json_object_set_new(j, "signal", json_integer(s->term_signal));
	json_object_set_new(j, "timed_out", json_boolean(s->timed_out));
	return j;
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
		json_object_set_new(c, "subject", json_string(pc->commit.subject ? pc->commit.subject : ""));
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
			json_object_set_new(bj, "verdict", json_string(verdict_name(b->verdict)));
			json_object_set_new(bj, "runs", json_integer((json_int_t)b->nsamples));
			json_object_set_new(bj, "median_ns", real_or_null(st.median));
			json_object_set_new(bj, "min_ns", real_or_null(st.min));
			json_object_set_new(bj, "iqr_ns", real_or_null(st.iqr));
			json_object_set_new(bj, "reused", json_boolean(b->reused));
			json_object_set_new(bj, "instructions", b->instructions == SAMPLE_ABSENT
									? json_null()
									: json_integer(b->instructions));
			if (b->report.len)
				json_object_set_new(bj, "report", json_string(b->report.buf));
			if (b->stderr_tail.len)
				json_object_set_new(bj, "stderr_tail", json_string(b->stderr_tail.buf));
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

void report_check_table(const struct check_result *r, struct strbuf *out)
{
	struct table t = { 9, NULL, 0 };
	size_t i;

	table_row(&t, "commit", "benchmark", "verdict", "median", "change", "interval", "p", "runs",
		  "note");
	for (i = 0; i < r->nentries; i++) {
		const struct check_entry *e = &r->entries[i];
		struct strbuf commit = STRBUF_INIT, med = STRBUF_INIT, ratio = STRBUF_INIT,
			      ci = STRBUF_INIT, p = STRBUF_INIT, runs = STRBUF_INIT, note = STRBUF_INIT;

		strbuf_addf(&commit, "%.10s%s", e->short_hash, e->is_base ? " (base)" : "");
		report_duration(e->median_ns, &med);
		add_ratio(e->ratio, &ratio);
		ci_text(e->ci_lo, e->ci_hi, &ci);
		p_text(e->p_value, &p);
		strbuf_addf(&runs, "%zu", e->runs);
		if (verdict_is_failure(e->verdict) || e->verdict == VERDICT_NO_SPEC)
			first_line(e->message, 70, &note);
		else
			first_line(e->subject, 50, &note);
		table_row(&t, commit.buf, e->benchmark ? e->benchmark : "-", verdict_name(e->verdict),
			  med.buf, ratio.buf, ci.buf, p.buf, runs.buf, note.buf);
		strbuf_release(&commit);
		strbuf_release(&med);
		strbuf_release(&ratio);
		strbuf_release(&ci);
		strbuf_release(&p);
		strbuf_release(&runs);
		strbuf_release(&note);
	}
	table_print(&t, out);
	for (i = 0; i < r->nentries; i++) {
		const struct check_entry *e = &r->entries[i];

		if (e->verdict == VERDICT_WRONG_OUTPUT && e->message)
			strbuf_addf(out, "\n%.10s %s wrong output:\n%s\n", e->short_hash,
				    e->benchmark ? e->benchmark : "", e->message);
		else if ((e->verdict == VERDICT_SLOWER || e->verdict == VERDICT_FASTER) && e->message)
			strbuf_addf(out, "\n%.10s %s: %s\n", e->short_hash, e->benchmark, e->message);
	}
	if (r->culprit[0])
		strbuf_addf(out, "\nfirst slower commit: %s\n", r->culprit);
	if (r->nnet) {
		strbuf_addf(out, "\nnet effect %.10s..%.10s:\n", r->base[0] ? r->base : "(root)", r->tip);
		for (i = 0; i < r->nnet; i++) {
			const struct check_net *n = &r->net[i];
			struct strbuf ratio = STRBUF_INIT, ci = STRBUF_INIT, p = STRBUF_INIT;

			add_ratio(n->ratio, &ratio);
			ci_text(n->ci_lo, n->ci_hi, &ci);
			p_text(n->p_value, &p);
			strbuf_addf(out, "  %s: %s %s %s p=%s", n->benchmark ? n->benchmark : "-",
				    verdict_name(n->verdict), ratio.buf, ci.buf, p.buf);
			if (n->message) {
				strbuf_addstr(out, " — ");
				first_line(n->message, 120, out);
			}
			strbuf_addch(out, '\n');
			strbuf_release(&ratio);
			strbuf_release(&ci);
			strbuf_release(&p);
		}
	}
}

json_t *report_check_json(const struct check_result *r)
{
	json_t *root = json_object(), *results = json_array(), *net = json_object(),
	       *benches = json_array();
	size_t i;
	int worst = 0;

	for (i = 0; i < r->nentries; i++) {
		const struct check_entry *e = &r->entries[i];
		json_t *j = json_object();

		json_object_set_new(j, "commit", json_string(e->hash));
		json_object_set_new(j, "short", json_string(e->short_hash));
		json_object_set_new(j, "subject", json_string(e->subject ? e->subject : ""));
		json_object_set_new(j, "benchmark", e->benchmark ? json_string(e->benchmark) : json_null());
		json_object_set_new(j, "verdict", json_string(verdict_name(e->verdict)));
		json_object_set_new(j, "base", json_boolean(e->is_base));
		json_object_set_new(j, "ratio", real_or_null(e->ratio));
		json_object_set_new(j, "ci", isnan(e->ci_lo) ? json_null()
							      : json_pack("[ff]", e->ci_lo, e->ci_hi));
		json_object_set_new(j, "p_value", real_or_null(e->p_value));
		json_object_set_new(j, "baseline", e->baseline[0] ? json_string(e->baseline) : json_null());
		json_object_set_new(j, "runs", json_integer((json_int_t)e->runs));
		json_object_set_new(j, "median_ns", real_or_null(e->median_ns));
		json_object_set_new(j, "noise", real_or_null(e->noise));
		json_object_set_new(j, "message", e->message ? json_string(e->message) : json_null());
		if (e->detail)
			json_object_set_new(j, "detail", json_string(e->detail));
		json_array_append_new(results, j);
	}
	for (i = 0; i < r->nnet; i++) {
		const struct check_net *n = &r->net[i];
		json_t *j = json_object();

		if (verdict_is_failure(n->verdict))
			worst = 2;
		else if (n->verdict == VERDICT_SLOWER && worst < 1)
			worst = 1;
		json_object_set_new(j, "benchmark", n->benchmark ? json_string(n->benchmark) : json_null());
		json_object_set_new(j, "verdict", json_string(verdict_name(n->verdict)));
		json_object_set_new(j, "ratio", real_or_null(n->ratio));
		json_object_set_new(j, "ci", isnan(n->ci_lo) ? json_null()
							      : json_pack("[ff]", n->ci_lo, n->ci_hi));
		json_object_set_new(j, "p_value", real_or_null(n->p_value));
		json_object_set_new(j, "message", n->message ? json_string(n->message) : json_null());
		json_array_append_new(benches, j);
	}
	json_object_set_new(net, "base", r->base[0] ? json_string(r->base) : json_null());
	json_object_set_new(net, "tip", json_string(r->tip));
	json_object_set_new(net, "verdict", json_string(worst == 2 ? "fail" : worst ? "slower" : "ok"));
	json_object_set_new(net, "benchmarks", benches);
	json_object_set_new(root, "results", results);
	json_object_set_new(root, "net", net);
	json_object_set_new(root, "metric", json_string(r->metric ? r->metric : "wall"));
	json_object_set_new(root, "commits", json_integer((json_int_t)r->commits));
	json_object_set_new(root, "measured", json_integer((json_int_t)r->measured));
	if (r->culprit[0])
		json_object_set_new(root, "culprit", json_string(r->culprit));
	if (r->flags & CHECK_BISECT || r->culprit[0])
		json_object_set_new(root, "builds", json_integer((json_int_t)r->builds));
	json_object_set_new(root, "exit_code", json_integer(check_exit_code(r)));
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

static int entry_fails(const struct check_entry *e)
{
	return verdict_is_failure(e->verdict) || e->verdict == VERDICT_SLOWER;
}

void report_check_junit(const struct check_result *r, struct strbuf *out)
{
	size_t i, failures = 0;

	for (i = 0; i < r->nentries; i++)
		failures += entry_fails(&r->entries[i]);
	strbuf_addstr(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	strbuf_addf(out, "<testsuites name=\"perfwarden\" tests=\"%zu\" failures=\"%zu\">\n",
		    r->nentries, failures);
	strbuf_addf(out, "  <testsuite name=\"perfwarden check\" tests=\"%zu\" failures=\"%zu\">\n",
		    r->nentries, failures);
	for (i = 0; i < r->nentries; i++) {
		const struct check_entry *e = &r->entries[i];
		struct strbuf name = STRBUF_INIT, ratio = STRBUF_INIT;

		strbuf_addf(&name, "%.10s %s", e->short_hash, e->benchmark ? e->benchmark : "(no benchmark)");
		add_ratio(e->ratio, &ratio);
		strbuf_addstr(out, "    <testcase classname=\"");
		xml_escape(e->benchmark ? e->benchmark : "perfwarden", out);
		strbuf_addstr(out, "\" name=\"");
		xml_escape(name.buf, out);
		strbuf_addf(out, "\" time=\"%.6f\">", isnan(e->median_ns) ? 0.0 : e->median_ns / 1e9);
		if (entry_fails(e)) {
			strbuf_addstr(out, "\n      <failure type=\"");
			strbuf_addstr(out, verdict_name(e->verdict));
			strbuf_addstr(out, "\" message=\"");
			xml_escape(verdict_name(e->verdict), out);
			if (e->verdict == VERDICT_SLOWER) {
				strbuf_addstr(out, " ");
				xml_escape(ratio.buf, out);
			}
			strbuf_addstr(out, "\">");
			xml_escape(e->message ? e->message : "", out);
			if (e->detail) {
				strbuf_addstr(out, "\n");
				xml_escape(e->detail, out);
			}
			strbuf_addstr(out, "</failure>\n    ");
		} else {
			strbuf_addstr(out, "\n      <system-out>");
			xml_escape(verdict_name(e->verdict), out);
			strbuf_addstr(out, " ");
			xml_escape(ratio.buf, out);
			strbuf_addstr(out, "</system-out>\n    ");
		}
		strbuf_addstr(out, "</testcase>\n");
		strbuf_release(&name);
		strbuf_release(&ratio);
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

void report_check_markdown(const struct check_result *r, struct strbuf *out)
{
	size_t i;
	int code = check_exit_code(r);

	strbuf_addf(out, "### perfwarden: %s\n\n", code ? "regression" : "passed");
	strbuf_addstr(out, "| commit | benchmark | verdict | median | change | interval | p | runs |\n");
	strbuf_addstr(out, "|---|---|---|---:|---:|---|---:|---:|\n");
	for (i = 0; i < r->nentries; i++) {
		const struct check_entry *e = &r->entries[i];
		struct strbuf med = STRBUF_INIT, ratio = STRBUF_INIT, ci = STRBUF_INIT, p = STRBUF_INIT;
		const char *mark = entry_fails(e) ? "❌ " : e->verdict == VERDICT_FASTER ? "🚀 " : "";

		report_duration(e->median_ns, &med);
		add_ratio(e->ratio, &ratio);
		ci_text(e->ci_lo, e->ci_hi, &ci);
		p_text(e->p_value, &p);
		strbuf_addf(out, "| `%.10s`%s | ", e->short_hash, e->is_base ? " (base)" : "");
		md_cell(e->benchmark ? e->benchmark : "-", out);
		strbuf_addf(out, " | %s**%s** | %s | %s | %s | %s | %zu |\n", mark,
			    verdict_name(e->verdict), med.buf, ratio.buf, ci.buf, p.buf, e->runs);
		strbuf_release(&med);
		strbuf_release(&ratio);
		strbuf_release(&ci);
		strbuf_release(&p);
	}
	if (r->nnet) {
		strbuf_addstr(out, "\n**Net effect of the push:**");
		for (i = 0; i < r->nnet; i++) {
			struct strbuf ratio = STRBUF_INIT;

			add_ratio(r->net[i].ratio, &ratio);
			strbuf_addstr(out, " ");
			md_cell(r->net[i].benchmark ? r->net[i].benchmark : "-", out);
			strbuf_addf(out, " %s (%s)%s", verdict_name(r->net[i].verdict), ratio.buf,
				    i + 1 < r->nnet ? ";" : "");
			strbuf_release(&ratio);
		}
		strbuf_addstr(out, "\n");
	}
	for (i = 0; i < r->nentries; i++) {
		const struct check_entry *e = &r->entries[i];

		if (e->verdict == VERDICT_WRONG_OUTPUT && e->message)
			strbuf_addf(out, "\n<details><summary>%.10s %s: wrong output</summary>\n\n```\n%s\n```\n</details>\n",
				    e->short_hash, e->benchmark ? e->benchmark : "", e->message);
	}
}
