/*
 * `perfwarden show COMMIT`: everything stored about one commit — its
 * metadata, every run ever stored (benchmark × environment × spec, newest
 * first, older measurements marked superseded) with verdict, timestamps,
 * per-metric summaries, logs and, with --json, the raw samples — and every
 * judgement given on it.
 */
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "judgements.h"
#include "query.h"
#include "stats.h"

static const char usage_text[] =
        "usage: perfwarden show [--repo DIR] [--json] [--database CONNINFO] COMMIT\n"
        "\n"
        "  COMMIT   a full or abbreviated (4+ hex digits) commit hash\n"
        "  --json   {commit, repository, parents, author, email, author_time, subject,\n"
        "           runs_order, runs: [{id, benchmark, environment, spec_hash, newest,\n"
        "           verdict, run_verdict, verdict_metric, verdict_judge, started_at,\n"
        "           finished_at, build_log_tail, diff_report, stderr_tail, metadata,\n"
        "           samples: [{wall_ns, user_ns, ..., exit_code, term_signal, timed_out}]}],\n"
        "           judgements: [{id, created_at, baseline, benchmark, environment,\n"
        "           spec_hash, metric, judge, verdict, ratio, ci_lo, ci_hi, p_value,\n"
        "           rounds, message, details}]}\n"
        "           (null for a metric the machine could not measure)\n"
        "\n"
        "Every run ever stored is listed: per benchmark, environment and spec the\n"
        "newest first (finished_at, then id); `newest` is false for the older ones.\n"
        "`verdict` is the newest judgement's (wall time preferred; its metric and\n"
        "judge beside it) on the newest run of a key, else the run's own measurement\n"
        "verdict (`run_verdict`). `judgements` lists every verdict given, newest first.\n";



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
		printf("  samples      %zu\n", r->nsamples);
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
		        out, json_pack("{s:I,s:s,s:s?,s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:I,"
		                       "s:s?,s:o}",
		                       "id", (json_int_t)j->id, "created_at", j->created_at,
		                       "baseline", j->baseline, "benchmark", j->benchmark,
		                       "environment", j->fingerprint, "spec_hash", j->spec_hash,
		                       "metric", j->metric, "judge", j->judge, "verdict", j->verdict,
		                       "ratio", number_json(j->ratio), "ci_lo", number_json(j->ci_lo),
		                       "ci_hi", number_json(j->ci_hi), "p_value",
		                       number_json(j->p_value), "rounds", (json_int_t)j->rounds,
		                       "message", j->message, "details",
		                       details ? details : json_object()));
	}
	return out;
}

static json_t *metric_json(int64_t v)
{
	return v == SAMPLE_ABSENT ? json_null() : json_integer(v);
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

		for (j = 0; j < r->nsamples; j++) {
			const struct sample *x = &r->samples[j];

			json_array_append_new(
			        samples,
			        json_pack(
			                "{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:i,s:i,"
			                "s:b}",
			                "wall_ns", metric_json(x->wall_ns), "user_ns",
			                metric_json(x->user_ns), "sys_ns", metric_json(x->sys_ns),
			                "maxrss_kib", metric_json(x->maxrss_kib), "minflt",
			                metric_json(x->minflt), "majflt", metric_json(x->majflt),
			                "nvcsw", metric_json(x->nvcsw), "nivcsw",
			                metric_json(x->nivcsw), "instructions",
			                metric_json(x->instructions), "cycles",
			                metric_json(x->cycles), "branch_misses",
			                metric_json(x->branch_misses), "cache_misses",
			                metric_json(x->cache_misses), "exit_code", x->exit_code,
			                "term_signal", x->term_signal, "timed_out", x->timed_out));
		}
		if (r->metadata_json)
			meta = json_loads(r->metadata_json, 0, NULL);
		json_array_append_new(
		        runs,
		        json_pack("{s:I,s:s,s:s,s:s?,s:b,s:s?,s:s?,s:s?,s:s?,s:s?,s:s?,s:s?,s:s?,s:s?,"
		                  "s:o,s:o}",
		                  "id", (json_int_t)r->id, "benchmark", r->benchmark, "environment",
		                  r->fingerprint, "spec_hash", r->spec_hash, "newest", r->newest,
		                  "verdict", store_run_shown_verdict(r), "run_verdict", r->verdict,
		                  "verdict_metric", r->judged_metric, "verdict_judge", r->judge,
		                  "started_at", r->started_at, "finished_at", r->finished_at,
		                  "build_log_tail", r->build_log_tail, "diff_report",
		                  r->diff_report, "stderr_tail", r->stderr_tail, "metadata",
		                  meta ? meta : json_object(), "samples", samples));
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
	static const struct option options[] = {
	        {"repo", required_argument, NULL, 'r'},
	        {"json", no_argument, NULL, 'j'},
	        {"database", required_argument, NULL, 'd'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	struct store_commit_info info = STORE_COMMIT_INFO_INIT;
	struct store_judgement_list js = STORE_JUDGEMENT_LIST_INIT;
	struct store s = STORE_INIT;
	struct pw_error err = PW_ERROR_INIT;
	const char *conninfo = NULL, *repo = NULL;
	char real[PATH_MAX];
	int c, json = 0, ret = CMD_OK, r;

	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (c) {
		case 'r':
			repo = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'd':
			conninfo = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return CMD_OK;
		default:
			fputs(usage_text, stderr);
			return CMD_ERROR;
		}
	}
	if (optind != argc - 1) {
		fputs(usage_text, stderr);
		return CMD_ERROR;
	}
	if (!store_hash_prefix_valid(argv[optind])) {
		cmd_errorf("show", "'%s' is not a commit hash (4 to 40 hexadecimal digits)",
		           argv[optind]);
		return CMD_ERROR;
	}
	if (repo && !strstr(repo, "://") && realpath(repo, real))
		repo = real;
	if (store_open(&s, conninfo, &err) < 0) {
		cmd_errorf("show", "%s", pw_error_message(&err));
		ret = CMD_ERROR;
		goto done;
	}
	r = store_commit_load(&s, repo, argv[optind], &info, &err);
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
	pw_error_release(&err);
	return ret;
}
