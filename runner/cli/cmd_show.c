/*
 * `perfwarden show COMMIT`: everything stored about one commit — its
 * metadata, every run ever stored (benchmark × environment × spec, newest
 * first, older measurements marked superseded) with verdict, timestamps,
 * per-metric summaries, logs and, with --json, the raw samples; a harness
 * case's values per metric; a parameterised benchmark's values — and every
 * judgement given on it.
 */
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "checkout.h"
#include "cli.h"
#include "cmd.h"
#include "judgements.h"
#include "query.h"
#include "stats.h"

static const char synopsis[] =
        "usage: perfwarden show [--repo DIR] [--json] [--database CONNINFO] COMMIT\n"
        "\n"
        "COMMIT is a revision (HEAD, a branch, a tag, HEAD~2, a hash prefix), resolved in\n"
        "--repo DIR or the current directory's repository; without one, a commit hash\n"
        "(4+ hex digits).\n"
        "\n";

static const char notes[] =
        "  --json   {commit, repository, parents, author, email, author_time, subject,\n"
        "           runs_order, runs: [{id, benchmark, environment, spec_hash, newest,\n"
        "           verdict, run_verdict, verdict_metric, verdict_judge, started_at,\n"
        "           finished_at, build_log_tail, diff_report, stderr_tail, metadata,\n"
        "           family, params, samples: [{wall_ns, user_ns, ..., exit_code,\n"
        "           term_signal, timed_out}], values: [{metric, unit, direction,\n"
        "           values, sample_seq, summary}]}],\n"
        "           judgements: [{id, created_at, baseline, benchmark, environment,\n"
        "           spec_hash, metric, judge, verdict, ratio, ci_lo, ci_hi, p_value,\n"
        "           rounds, message, details}]}\n"
        "           (null for a metric the machine could not measure)\n"
        "\n"
        "Every run ever stored is listed: per benchmark, environment and spec the\n"
        "newest first (finished_at, then id); `newest` is false for the older ones.\n"
        "`verdict` is the newest judgement's (wall time preferred; its metric and\n"
        "judge beside it) on the newest run of a key, else the run's own measurement\n"
        "verdict (`run_verdict`). `judgements` lists every verdict given, newest first.\n"
        "A harness case's run (BENCH/CASE) lists what the harness reported, per metric:\n"
        "its summary and every value in order (the text shows the first 24). A\n"
        "combination of a benchmark with `params` (BENCH@NAME=VALUE,...) names its\n"
        "family and values (`params`; null for other runs).\n";

static void print_text_block(const char *title, const char *text)
{
	const char *p = text, *nl;

	if (!text || !*text)
		return;
	printf("  %s:\n", title);
	while (*p) {
		nl = strchr(p, '\n');
		printf("    | %.*s\n", nl ? (int)(nl - p) : (int)strlen(p), p);
		if (!nl)
			break;
		p = nl + 1;
	}
}

#define SHOW_VALUES 24 /* a metric's values the text lists */

/* A harness value with its unit: times as cli_human says them, other units as they are. */
static void human_value(char *out, size_t size, double v, const char *unit)
{
	if (unit && !strcmp(unit, "ns"))
		cli_human(out, size, v, unit);
	else
		snprintf(out, size, "%.6g%s%s", v, unit && *unit ? " " : "", unit ? unit : "");
}

/* A harness case's values, per metric: its summary, then the values in order. */
static void print_values(const struct store_run_info *r)
{
	double *v = calloc(r->nvalues + 1, sizeof(*v));
	size_t i, j, k, n;

	if (!v)
		abort();
	printf("  %-18s %10s %7s %12s %12s %12s %12s\n", "VALUE", "BETTER", "N", "MEDIAN", "MIN",
	       "MAX", "IQR");
	for (i = 0; i < r->nvalues; i = j) {
		const struct store_run_value *x = &r->values[i];
		struct stats_summary sum;
		char med[32], min[32], max[32], iqr[32], one[32];

		for (j = i, n = 0; j < r->nvalues && !strcmp(r->values[j].metric, x->metric); j++)
			v[n++] = r->values[j].value;
		if (stats_summarize(v, n, &sum, NULL) < 0)
			continue;
		human_value(med, sizeof(med), sum.median, x->unit);
		human_value(min, sizeof(min), sum.min, x->unit);
		human_value(max, sizeof(max), sum.max, x->unit);
		human_value(iqr, sizeof(iqr), sum.iqr, x->unit);
		printf("  %-18s %10s %7zu %12s %12s %12s %12s\n", x->metric,
		       x->direction ? x->direction : "-", n, med, min, max, iqr);
		printf("    values:");
		for (k = 0; k < n && k < SHOW_VALUES; k++) {
			human_value(one, sizeof(one), v[k], x->unit);
			printf("%s %s", k ? "," : "", one);
		}
		if (n > SHOW_VALUES)
			printf(" ... (%zu more; --json has every one)", n - SHOW_VALUES);
		putchar('\n');
	}
	free(v);
}

/*
 * "width=100, depth=1 (of \"scale\")" for a run of a combination of a
 * parameterised benchmark (its metadata names the family; its name holds the
 * values in the spec's order); "" for any other run.
 */
static void params_line(const char *benchmark, json_t *meta, struct strbuf *out)
{
	const char *family = json_string_value(json_object_get(meta, "family")), *s;
	size_t n = family ? strlen(family) : 0;

	if (!family || strncmp(benchmark, family, n) || benchmark[n] != '@')
		return;
	for (s = benchmark + n + 1; *s && *s != '/'; s++) {
		if (*s == ',')
			strbuf_addstr(out, ", ");
		else
			strbuf_addch(out, *s);
	}
	strbuf_addf(out, " (of \"%s\")", family);
}

static void print_people(const struct store_commit_info *c, const struct store_judgement_list *js)
{
	size_t i, k;

	printf("commit      %s\n", c->hash);
	printf("repository  %s\n", c->repo_location);
	printf("parents    ");
	for (i = 0; i < c->nparents; i++)
		printf(" %s", c->parents[i]);
	printf("%s\n", c->nparents ? "" : " (none)");
	printf("author      %s <%s>\n", c->author ? c->author : "?", c->email ? c->email : "?");
	printf("date        %s\n", c->author_time ? c->author_time : "-");
	printf("subject     %s\n", c->subject ? c->subject : "");
	if (!c->nruns)
		printf("\nno runs stored for this commit\n");
	for (i = 0; i < c->nruns; i++) {
		const struct store_run_info *r = &c->runs[i];
		double *vals = calloc(r->nsamples + 1, sizeof(*vals));

		if (!vals)
			abort();
		printf("\nrun %lld: %s%s\n", (long long)r->id, r->benchmark,
		       r->newest ? "" : " (superseded by a newer run)");
		if (r->judged_verdict)
			printf("  verdict      %s (judged by %s on %s; measured %s)\n",
			       r->judged_verdict, r->judge, r->judged_metric,
			       r->verdict ? r->verdict : "-");
		else
			printf("  verdict      %s\n", r->verdict ? r->verdict : "-");
		printf("  environment  %s\n", r->fingerprint);
		printf("  spec         %s\n", r->spec_hash && *r->spec_hash ? r->spec_hash : "-");
		printf("  started      %s\n", r->started_at ? r->started_at : "-");
		printf("  finished     %s\n", r->finished_at ? r->finished_at : "-");
		{
			json_t *meta =
			        r->metadata_json ? json_loads(r->metadata_json, 0, NULL) : NULL;
			struct strbuf params = STRBUF_INIT;

			params_line(r->benchmark, meta, &params);
			if (params.len)
				printf("  params       %s\n", params.buf);
			strbuf_release(&params);
			json_decref(meta);
		}
		if (r->nsamples || !r->nvalues)
			printf("  samples      %zu\n", r->nsamples);
		if (r->nvalues)
			printf("  values       %zu (%s)\n", r->nvalues,
			       r->nsamples ? "of the commit's build" : "what its harness reported");
		if (r->nsamples)
			printf("  %-14s %12s %12s %12s %12s\n", "METRIC", "MEDIAN", "MIN", "MAX",
			       "IQR");
		for (k = 0; r->nsamples && k < STORE_METRIC_COUNT; k++) {
			struct stats_summary sum;
			char med[32], min[32], max[32], iqr[32];
			size_t n = cli_run_values(r, (enum store_metric)k, vals);
			const char *unit = store_metric_unit((enum store_metric)k);

			if (!n) {
				printf("  %-14s %12s\n", store_metric_name((enum store_metric)k),
				       "(not measured)");
				continue;
			}
			if (stats_summarize(vals, n, &sum, NULL) < 0)
				continue;
			cli_human(med, sizeof(med), sum.median, unit);
			cli_human(min, sizeof(min), sum.min, unit);
			cli_human(max, sizeof(max), sum.max, unit);
			cli_human(iqr, sizeof(iqr), sum.iqr, unit);
			printf("  %-14s %12s %12s %12s %12s\n",
			       store_metric_name((enum store_metric)k), med, min, max, iqr);
		}
		if (r->nvalues)
			print_values(r);
		print_text_block("build log (tail)", r->build_log_tail);
		print_text_block("stderr (tail)", r->stderr_tail);
		print_text_block("diff report", r->diff_report);
		if (r->metadata_json && strcmp(r->metadata_json, "{}"))
			printf("  metadata     %s\n", r->metadata_json);
		free(vals);
	}
	if (js->nrows)
		printf("\njudgements (newest first)\n");
	for (i = 0; i < js->nrows; i++) {
		const struct store_judgement_row *j = &js->rows[i];

		printf("  %s  %-12s %-14s %-8s %-20s vs %.12s%s%s\n", j->created_at, j->verdict,
		       j->benchmark, j->metric, j->judge, j->baseline ? j->baseline : "-",
		       j->message ? "  " : "", j->message ? j->message : "");
	}
}

static json_t *number_json(double x)
{
	return isfinite(x) ? json_real(x) : json_null();
}

static json_t *judgements_json(const struct store_judgement_list *js)
{
	json_t *out = json_array();
	size_t i;

	for (i = 0; i < js->nrows; i++) {
		const struct store_judgement_row *j = &js->rows[i];
		json_t *details = j->details_json ? json_loads(j->details_json, 0, NULL) : NULL;

		json_array_append_new(
		        out,
		        json_pack("{s:I,s:s,s:s?,s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:I,"
		                  "s:s?,s:o}",
		                  "id", (json_int_t)j->id, "created_at", j->created_at, "baseline",
		                  j->baseline, "benchmark", j->benchmark, "environment",
		                  j->fingerprint, "spec_hash", j->spec_hash, "metric", j->metric,
		                  "judge", j->judge, "verdict", j->verdict, "ratio",
		                  number_json(j->ratio), "ci_lo", number_json(j->ci_lo), "ci_hi",
		                  number_json(j->ci_hi), "p_value", number_json(j->p_value),
		                  "rounds", (json_int_t)j->rounds, "message", j->message, "details",
		                  details ? details : json_object()));
	}
	return out;
}

static void print_json(const struct store_commit_info *c, const struct store_judgement_list *js)
{
	json_t *parents = json_array(), *runs = json_array(), *doc;
	size_t i, j;
	char *text;

	for (i = 0; i < c->nparents; i++)
		json_array_append_new(parents, json_string(c->parents[i]));
	for (i = 0; i < c->nruns; i++) {
		const struct store_run_info *r = &c->runs[i];
		json_t *samples = json_array(), *meta = NULL;

		for (j = 0; j < r->nsamples; j++)
			json_array_append_new(samples, sample_json(&r->samples[j]));
		if (r->metadata_json)
			meta = json_loads(r->metadata_json, 0, NULL);
		if (!json_is_object(meta)) {
			json_decref(meta);
			meta = json_object();
		}
		json_array_append_new(
		        runs,
		        json_pack("{s:I,s:s,s:s,s:s?,s:b,s:s?,s:s?,s:s?,s:s?,s:s?,s:s?,s:s?,s:s?,s:"
		                  "s?,"
		                  "s:o,s:o}",
		                  "id", (json_int_t)r->id, "benchmark", r->benchmark, "environment",
		                  r->fingerprint, "spec_hash", r->spec_hash, "newest", r->newest,
		                  "verdict", store_run_shown_verdict(r), "run_verdict", r->verdict,
		                  "verdict_metric", r->judged_metric, "verdict_judge", r->judge,
		                  "started_at", r->started_at, "finished_at", r->finished_at,
		                  "build_log_tail", r->build_log_tail, "diff_report",
		                  r->diff_report, "stderr_tail", r->stderr_tail, "metadata", meta,
		                  "samples", samples));
		{
			json_t *run = json_array_get(runs, json_array_size(runs) - 1);
			json_t *family = json_object_get(meta, "family");

			json_object_set(run, "family",
			                json_is_string(family) ? family : json_null());
			json_object_set(run, "params",
			                json_is_object(json_object_get(meta, "params"))
			                        ? json_object_get(meta, "params")
			                        : json_null());
			json_object_set_new(run, "values", api_run_values_json(r));
		}
	}
	doc = json_pack("{s:s,s:s,s:o,s:s?,s:s?,s:s?,s:s?,s:s,s:o,s:o}", "commit", c->hash,
	                "repository", c->repo_location, "parents", parents, "author", c->author,
	                "email", c->email, "author_time", c->author_time, "subject", c->subject,
	                "runs_order", "benchmark, environment, spec_hash, then newest first",
	                "runs", runs, "judgements", judgements_json(js));
	text = json_dumps(doc, JSON_INDENT(2));
	if (text)
		printf("%s\n", text);
	free(text);
	json_decref(doc);
}

int cmd_show(int argc, char **argv)
{
	struct cli_options o;
	struct store_commit_info info = STORE_COMMIT_INFO_INIT;
	struct store_judgement_list js = STORE_JUDGEMENT_LIST_INIT;
	struct store s = STORE_INIT;
	struct pw_error err = PW_ERROR_INIT;
	const char *conninfo = NULL, *repo = NULL;
	struct strbuf key = STRBUF_INIT, hash = STRBUF_INIT;
	int json, ret = CMD_OK, r;

	cli_options_init(&o, "show", CLI_GROUP_STORED_REPO | CLI_GROUP_JSON | CLI_GROUP_DATABASE);
	o.synopsis = synopsis;
	o.notes = notes;
	if (cli_next(&o, argc, argv) != CLI_END)
		return o.exit_code;
	if (optind != argc - 1)
		return cli_usage_error(
		        &o, "%s", optind == argc ? "which commit?" : "give exactly one commit");
	conninfo = o.database;
	repo = o.repo;
	json = o.json;
	if ((ret = cli_resolve_commits(&o, argv + optind, 1, &hash)) != CMD_OK)
		goto done;
	if (repo) {
		if (checkout_repo_key(&key, repo, &err) < 0) {
			cmd_errorf("show", "%s", pw_error_message(&err));
			ret = CMD_ERROR;
			goto done;
		}
		repo = key.buf;
	}
	if (store_open(&s, conninfo, &err) < 0) {
		cmd_errorf("show", "%s", pw_error_message(&err));
		ret = CMD_ERROR;
		goto done;
	}
	r = store_commit_load(&s, repo, hash.buf, &info, &err);
	if (r < 0) {
		cmd_errorf("show", "%s", pw_error_message(&err));
		ret = r == PW_ENOTFOUND ? CMD_FAIL : CMD_ERROR;
		goto done;
	}
	if (store_judgements_for_commit(&s, info.repo_location, info.hash, &js, &err) < 0) {
		cmd_errorf("show", "%s", pw_error_message(&err));
		ret = CMD_ERROR;
		goto done;
	}
	if (json)
		print_json(&info, &js);
	else
		print_people(&info, &js);
done:
	store_judgement_list_release(&js);
	store_commit_info_release(&info);
	store_release(&s);
	strbuf_release(&key);
	strbuf_release(&hash);
	pw_error_release(&err);
	return ret;
}
