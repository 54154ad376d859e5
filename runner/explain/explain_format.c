/*
 * explain's outputs: the terminal table, the JSON document and the Markdown
 * summary of runner/explain/explain's comparison. Nothing here prints; the
 * commands and check's reports take the text.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explain.h"

/* 1234567 → "1,234,567" */
static void add_count(struct strbuf *out, int64_t v)
{
	char digits[32];
	size_t n, i;

	if (v < 0) {
		strbuf_addch(out, '-');
		v = -v;
	}
	n = (size_t)snprintf(digits, sizeof(digits), "%" PRId64, v);
	for (i = 0; i < n; i++) {
		strbuf_addch(out, digits[i]);
		if ((n - i - 1) % 3 == 0 && i + 1 < n)
			strbuf_addch(out, ',');
	}
}

static void add_signed(struct strbuf *out, int64_t v)
{
	if (v > 0)
		strbuf_addch(out, '+');
	add_count(out, v);
}

static void add_bytes(struct strbuf *out, int64_t v)
{
	double a = (double)(v < 0 ? -v : v);

	if (a >= 1024.0 * 1024 * 1024)
		strbuf_addf(out, "%.2f GiB", (double)v / (1024.0 * 1024 * 1024));
	else if (a >= 1024.0 * 1024)
		strbuf_addf(out, "%.2f MiB", (double)v / (1024.0 * 1024));
	else if (a >= 1024.0)
		strbuf_addf(out, "%.1f KiB", (double)v / 1024.0);
	else
		strbuf_addf(out, "%" PRId64 " B", v);
}

static double pct(int64_t part, int64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

/* "name (object)" for functions outside the project's main program */
static void fn_label(struct strbuf *out, const struct explain_fn *f)
{
	strbuf_addstr(out, f->name);
	if (*f->object && (!*f->file || f->file[0] == '/' || f->file[0] == '.'))
		strbuf_addf(out, " (%s)", f->object);
}

static void pad(struct strbuf *out, size_t from, size_t width)
{
	while (out->len < from + width)
		strbuf_addch(out, ' ');
	strbuf_addch(out, ' ');
}

static void cell(struct strbuf *out, size_t *col, size_t width, const char *fmt_text)
{
	strbuf_addstr(out, fmt_text);
	pad(out, *col, width);
	*col = out->len;
}

static void side_line(const struct explain_side *s, const char *role, int time, int heap,
                      struct strbuf *out)
{
	strbuf_addf(out, "%s %s", role, s->short_hash);
	if (s->subject)
		strbuf_addf(out, " (%s)", s->subject);
	strbuf_addstr(out, ": ");
	if (!s->has_time && !s->has_heap)
		strbuf_addstr(out, "no profile");
	else {
		const char *sep = "";

		if (time && s->has_time) {
			strbuf_addf(out, "callgrind%s", s->time_reused ? " (from the store)" : "");
			sep = ", ";
		}
		if (heap && s->has_heap)
			strbuf_addf(out, "%smassif%s", sep,
			            s->heap_reused ? " (from the store)" : "");
		if (s->profile_ms)
			strbuf_addf(out, ", profiled in %.1f s", (double)s->profile_ms / 1000.0);
	}
	if (s->why.len)
		strbuf_addf(out, " — %s", s->why.buf);
	strbuf_addch(out, '\n');
}

void explain_headline(const struct explain_result *r, struct strbuf *out)
{
	const struct explain_line *best = NULL;
	size_t i;

	if (r->has_time && r->nfns && r->fns[0].share > 0) {
		const struct explain_fn *f = &r->fns[0];

		strbuf_addf(out, "`%s()`", f->name);
		for (i = 0; i < r->nvia; i++)
			strbuf_addf(out, "%s`%s()`", i ? " in " : " (from ", r->via[i]);
		if (r->nvia)
			strbuf_addch(out, ')');
		strbuf_addf(out, " %+.1f%% of instructions",
		            pct(f->self[1] - f->self[0], r->total[0]));
		for (i = 0; i < r->nlines; i++)
			if (!best || r->lines[i].share > best->share)
				best = &r->lines[i];
		if (best) {
			strbuf_addf(out, ": %s:%d", best->file,
			            best->line[1] ? best->line[1] : best->line[0]);
			if (best->text)
				strbuf_addf(out, " `%s`", best->text);
		}
	}
	if (r->has_heap && r->nsites && r->sites[0].share > 0) {
		const struct explain_site *s = &r->sites[0];

		if (out->len)
			strbuf_addstr(out, "; ");
		strbuf_addf(out, "`%s()` %s", s->fn, s->bytes[1] > s->bytes[0] ? "+" : "");
		add_bytes(out, s->bytes[1] - s->bytes[0]);
		strbuf_addstr(out, " at the heap's peak");
		if (*s->file && (s->line[1] || s->line[0]))
			strbuf_addf(out, ": %s:%d", s->file, s->line[1] ? s->line[1] : s->line[0]);
		if (s->text)
			strbuf_addf(out, " `%s`", s->text);
	}
}

void explain_format_table(const struct explain_result *r, struct strbuf *out)
{
	struct strbuf t = STRBUF_INIT;
	size_t i, col;

	strbuf_addf(out, "explain %s: %s against %s\n", r->benchmark, r->side[1].short_hash,
	            r->side[0].short_hash);
	side_line(&r->side[0], "baseline", 1, 1, out);
	side_line(&r->side[1], "culprit ", 1, 1, out);
	if (r->has_time) {
		int64_t change = r->total[1] - r->total[0];

		strbuf_addf(out, "\n%s (callgrind %s): ",
		            strcmp(r->event, "Ir") ? r->event : "instructions", r->event);
		add_count(out, r->total[0]);
		strbuf_addstr(out, " -> ");
		add_count(out, r->total[1]);
		strbuf_addf(out, " (%+.2f%%)\n", pct(change, r->total[0]));
		if (r->work_caveat)
			strbuf_addf(out, "note: %s\n", r->work_caveat);
		strbuf_addch(out, '\n');
		col = out->len;
		cell(out, &col, 36, "function");
		cell(out, &col, 15, "self before");
		cell(out, &col, 15, "self after");
		cell(out, &col, 15, "self change");
		cell(out, &col, 8, "share");
		cell(out, &col, 15, "incl before");
		strbuf_addstr(out, "incl after\n");
		for (i = 0; i < r->nfns; i++) {
			const struct explain_fn *f = &r->fns[i];

			col = out->len;
			strbuf_reset(&t);
			fn_label(&t, f);
			cell(out, &col, 36, t.buf);
			strbuf_reset(&t);
			add_count(&t, f->self[0]);
			cell(out, &col, 15, f->present[0] ? t.buf : "-");
			strbuf_reset(&t);
			add_count(&t, f->self[1]);
			cell(out, &col, 15, f->present[1] ? t.buf : "-");
			strbuf_reset(&t);
			add_signed(&t, f->self[1] - f->self[0]);
			cell(out, &col, 15, t.buf);
			strbuf_reset(&t);
			strbuf_addf(&t, "%.1f%%", 100.0 * f->share);
			cell(out, &col, 8, t.buf);
			strbuf_reset(&t);
			add_count(&t, f->incl[0]);
			cell(out, &col, 15, f->present[0] ? t.buf : "-");
			strbuf_reset(&t);
			add_count(&t, f->incl[1]);
			strbuf_addf(out, "%s\n", f->present[1] ? t.buf : "-");
		}
		if (!r->nfns)
			strbuf_addstr(out, "(no function's cost changed)\n");
		if (r->nlines) {
			size_t last = (size_t)-1;

			strbuf_addstr(
			        out,
			        "\nlines whose cost changed (including the calls they make)\n");
			for (i = 0; i < r->nlines; i++) {
				const struct explain_line *l = &r->lines[i];

				if (l->fn != last) {
					strbuf_addf(out, "%s\n", r->fns[l->fn].name);
					last = l->fn;
				}
				strbuf_reset(&t);
				strbuf_addf(&t, "  %s:%d", l->file,
				            l->line[1] ? l->line[1] : l->line[0]);
				if (!l->line[1])
					strbuf_addstr(&t, " (gone)");
				else if (!l->line[0])
					strbuf_addstr(&t, " (new)");
				col = out->len;
				cell(out, &col, 24, t.buf);
				strbuf_reset(&t);
				add_signed(&t, l->cost[1] - l->cost[0]);
				cell(out, &col, 16, t.buf);
				strbuf_reset(&t);
				strbuf_addf(&t, "%.1f%%", 100.0 * l->share);
				cell(out, &col, 7, t.buf);
				strbuf_addf(out, "%s\n", l->text ? l->text : "(source not found)");
			}
		} else if (r->lines_missing) {
			strbuf_addstr(out, "\nno source lines: the build has no debug information "
			                   "(build with -g to see lines; functions are shown)\n");
		}
		strbuf_addstr(out, "\n");
		col = out->len;
		cell(out, &col, 24, "counter (simulated)");
		cell(out, &col, 16, "baseline");
		cell(out, &col, 16, "culprit");
		strbuf_addstr(out, "change\n");
		for (i = 0; i < r->ncounters; i++) {
			const struct explain_counter *c = &r->counters[i];

			col = out->len;
			cell(out, &col, 24, c->name);
			strbuf_reset(&t);
			add_count(&t, c->value[0]);
			cell(out, &col, 16, t.buf);
			strbuf_reset(&t);
			add_count(&t, c->value[1]);
			cell(out, &col, 16, t.buf);
			strbuf_addf(out, "%+.2f%%\n", pct(c->value[1] - c->value[0], c->value[0]));
		}
		if (r->ncounters < 3)
			strbuf_addstr(out, "(cache and branch misses: explain --cache-sim)\n");
		if (r->cycles_why)
			strbuf_addf(out, "cycles: not counted on this machine (%s)\n",
			            r->cycles_why);
	}
	if (r->has_heap) {
		strbuf_addstr(out, "\nheap at its peak (massif): ");
		add_bytes(out, r->heap_peak[0]);
		strbuf_addstr(out, " -> ");
		add_bytes(out, r->heap_peak[1]);
		strbuf_addf(out, " (%+.1f%%)\n\n",
		            pct(r->heap_peak[1] - r->heap_peak[0], r->heap_peak[0]));
		col = out->len;
		cell(out, &col, 40, "allocation site");
		cell(out, &col, 12, "before");
		cell(out, &col, 12, "after");
		cell(out, &col, 7, "share");
		strbuf_addstr(out, "line\n");
		for (i = 0; i < r->nsites; i++) {
			const struct explain_site *s = &r->sites[i];

			strbuf_reset(&t);
			strbuf_addstr(&t, s->fn);
			if (*s->file)
				strbuf_addf(&t, " %s:%d", s->file,
				            s->line[1] ? s->line[1] : s->line[0]);
			col = out->len;
			cell(out, &col, 40, t.buf);
			strbuf_reset(&t);
			add_bytes(&t, s->bytes[0]);
			cell(out, &col, 12, t.buf);
			strbuf_reset(&t);
			add_bytes(&t, s->bytes[1]);
			cell(out, &col, 12, t.buf);
			strbuf_reset(&t);
			strbuf_addf(&t, "%.1f%%", 100.0 * s->share);
			cell(out, &col, 7, t.buf);
			strbuf_addf(out, "%s\n", s->text ? s->text : "");
		}
	}
	strbuf_reset(&t);
	explain_headline(r, &t);
	if (t.len)
		strbuf_addf(out, "\nin short: %s\n", t.buf);
	strbuf_release(&t);
}

static json_t *side_json(const struct explain_side *s)
{
	return json_pack("{s:s, s:s, s:s?, s:b, s:b, s:b, s:b, s:I, s:s?}", "commit", s->hash,
	                 "short", s->short_hash, "subject", s->subject, "callgrind", s->has_time,
	                 "massif", s->has_heap, "callgrind_from_store", s->time_reused,
	                 "massif_from_store", s->heap_reused, "profile_ms",
	                 (json_int_t)s->profile_ms, "why", s->why.len ? s->why.buf : NULL);
}

static json_t *pair(int64_t a, int64_t b)
{
	return json_pack("[I, I]", (json_int_t)a, (json_int_t)b);
}

json_t *explain_json(const struct explain_result *r)
{
	json_t *doc = json_object(), *fns = json_array(), *lines = json_array(),
	       *counters = json_array();
	struct strbuf head = STRBUF_INIT;
	size_t i;

	json_object_set_new(doc, "benchmark", json_string(r->benchmark));
	json_object_set_new(doc, "baseline", side_json(&r->side[0]));
	json_object_set_new(doc, "culprit", side_json(&r->side[1]));
	if (r->has_time) {
		json_object_set_new(doc, "event", json_string(r->event));
		json_object_set_new(doc, "total", pair(r->total[0], r->total[1]));
		json_object_set_new(doc, "change",
		                    json_real(r->total[0] ? (double)(r->total[1] - r->total[0]) /
		                                                    (double)r->total[0]
		                                          : 0.0));
		for (i = 0; i < r->nfns; i++) {
			const struct explain_fn *f = &r->fns[i];

			json_array_append_new(
			        fns, json_pack("{s:s, s:s, s:s, s:o, s:o, s:f, s:[b, b]}", "name",
			                       f->name, "object", f->object, "file", f->file,
			                       "self", pair(f->self[0], f->self[1]), "inclusive",
			                       pair(f->incl[0], f->incl[1]), "share", f->share,
			                       "present", f->present[0], f->present[1]));
		}
		for (i = 0; i < r->nlines; i++) {
			const struct explain_line *l = &r->lines[i];

			json_array_append_new(
			        lines,
			        json_pack("{s:s, s:s, s:i, s:i, s:s?, s:o, s:f}", "function",
			                  r->fns[l->fn].name, "file", l->file, "line", l->line[1],
			                  "baseline_line", l->line[0], "text", l->text, "cost",
			                  pair(l->cost[0], l->cost[1]), "share", l->share));
		}
		for (i = 0; i < r->ncounters; i++)
			json_array_append_new(
			        counters,
			        json_pack("{s:s, s:o}", "name", r->counters[i].name, "values",
			                  pair(r->counters[i].value[0], r->counters[i].value[1])));
		json_object_set_new(doc, "lines_missing", json_boolean(r->lines_missing));
		json_object_set_new(doc, "work_caveat",
		                    r->work_caveat ? json_string(r->work_caveat) : json_null());
	}
	json_object_set_new(doc, "functions", fns);
	json_object_set_new(doc, "lines", lines);
	json_object_set_new(doc, "counters", counters);
	json_object_set_new(doc, "cycles", json_null());
	json_object_set_new(doc, "cycles_why",
	                    r->cycles_why ? json_string(r->cycles_why) : json_null());
	if (r->has_heap) {
		json_t *sites = json_array();

		for (i = 0; i < r->nsites; i++) {
			const struct explain_site *s = &r->sites[i];

			json_array_append_new(
			        sites,
			        json_pack("{s:s, s:s, s:i, s:i, s:s?, s:o, s:f}", "function", s->fn,
			                  "file", s->file, "line", s->line[1], "baseline_line",
			                  s->line[0], "text", s->text, "bytes",
			                  pair(s->bytes[0], s->bytes[1]), "share", s->share));
		}
		json_object_set_new(doc, "memory",
		                    json_pack("{s:o, s:o}", "peak_bytes",
		                              pair(r->heap_peak[0], r->heap_peak[1]), "sites",
		                              sites));
	} else {
		json_object_set_new(doc, "memory", json_null());
	}
	{
		json_t *via = json_array();

		for (i = 0; i < r->nvia; i++)
			json_array_append_new(via, json_string(r->via[i]));
		json_object_set_new(doc, "via", via);
	}
	explain_headline(r, &head);
	json_object_set_new(doc, "headline", json_string(head.buf ? head.buf : ""));
	strbuf_release(&head);
	return doc;
}

/* Markdown table cells: no pipes or newlines inside */
static void md_code(struct strbuf *out, const char *s)
{
	strbuf_addch(out, '`');
	for (; s && *s; s++)
		strbuf_addch(out, *s == '|' ? '/' : *s == '`' ? '\'' : *s == '\n' ? ' ' : *s);
	strbuf_addch(out, '`');
}

void explain_format_markdown(const struct explain_result *r, struct strbuf *out)
{
	struct strbuf head = STRBUF_INIT;
	size_t i;

	explain_headline(r, &head);
	strbuf_addf(out, "**Why %s changed** (%s against %s): %s\n\n", r->benchmark,
	            r->side[1].short_hash, r->side[0].short_hash,
	            head.len ? head.buf : "no profile could explain it");
	for (i = 0; i < 2; i++)
		if (r->side[i].why.len)
			strbuf_addf(out, "- %s %s: %s\n", i ? "culprit" : "baseline",
			            r->side[i].short_hash, r->side[i].why.buf);
	if (r->has_time && r->work_caveat)
		strbuf_addf(out, "\n> Note: %s.\n", r->work_caveat);
	if (r->has_time && r->nfns) {
		strbuf_addf(out,
		            "\n| function | self %s before | after | change | share |\n"
		            "|---|---:|---:|---:|---:|\n",
		            r->event);
		for (i = 0; i < r->nfns && i < 5; i++) {
			const struct explain_fn *f = &r->fns[i];

			strbuf_addstr(out, "| ");
			md_code(out, f->name);
			strbuf_addstr(out, " | ");
			add_count(out, f->self[0]);
			strbuf_addstr(out, " | ");
			add_count(out, f->self[1]);
			strbuf_addstr(out, " | ");
			add_signed(out, f->self[1] - f->self[0]);
			strbuf_addf(out, " | %.1f%% |\n", 100.0 * f->share);
		}
	}
	if (r->has_time && r->nlines) {
		strbuf_addstr(out, "\n| line | source | change | share |\n|---|---|---:|---:|\n");
		for (i = 0; i < r->nlines && i < 6; i++) {
			const struct explain_line *l = &r->lines[i];

			strbuf_addf(out, "| %s:%d | ", l->file,
			            l->line[1] ? l->line[1] : l->line[0]);
			md_code(out, l->text ? l->text : "");
			strbuf_addstr(out, " | ");
			add_signed(out, l->cost[1] - l->cost[0]);
			strbuf_addf(out, " | %.1f%% |\n", 100.0 * l->share);
		}
	}
	if (r->has_heap && r->nsites) {
		strbuf_addstr(out, "\n| allocation site | peak before | after | share |\n"
		                   "|---|---:|---:|---:|\n");
		for (i = 0; i < r->nsites && i < 5; i++) {
			const struct explain_site *s = &r->sites[i];

			strbuf_addstr(out, "| ");
			md_code(out, s->fn);
			if (*s->file)
				strbuf_addf(out, " %s:%d", s->file,
				            s->line[1] ? s->line[1] : s->line[0]);
			strbuf_addstr(out, " | ");
			add_bytes(out, s->bytes[0]);
			strbuf_addstr(out, " | ");
			add_bytes(out, s->bytes[1]);
			strbuf_addf(out, " | %.1f%% |\n", 100.0 * s->share);
		}
	}
	strbuf_addch(out, '\n');
	strbuf_release(&head);
}
