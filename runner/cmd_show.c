/*
 * `perfwarden show COMMIT`: everything stored about one commit — its
 * metadata and every run (benchmark × environment × spec) with verdict,
 * timestamps, per-metric summaries, logs and, with --json, the raw samples.
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
#include "query.h"
#include "stats.h"

static const char usage_text[] =
        "usage: perfwarden show [--repo DIR] [--json] [--database CONNINFO] COMMIT\n"
        "\n"
        "  COMMIT   a full or abbreviated (4+ hex digits) commit hash\n"
        "  --json   {commit, repository, parents, author, email, author_time, subject,\n"
        "           runs: [{id, benchmark, environment, spec_hash, verdict, started_at,\n"
        "           finished_at, build_log_tail, diff_report, stderr_tail, metadata,\n"
        "           samples: [{wall_ns, user_ns, ..., exit_code, term_signal, timed_out}]}]}\n"
        "           (null for a metric the machine could not measure)\n";



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

static void print_people(const struct store_commit_info *c)
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
		printf("\nrun %lld: %s\n", (long long)r->id, r->benchmark);
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
}

static json_t *metric_json(int64_t v)
{
	return v == SAMPLE_ABSENT ? json_null() : json_integer(v);
}

static void print_json(const struct store_commit_info *c)
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
		        json_pack("{s:I,s:s,s:s,s:s?,s:s?,s:s?,s:s?,s:s?,s:s?,s:s?,s:o,s:o}", "id",
		                  (json_int_t)r->id, "benchmark", r->benchmark, "environment",
		                  r->fingerprint, "spec_hash", r->spec_hash, "verdict", r->verdict,
		                  "started_at", r->started_at, "finished_at", r->finished_at,
		                  "build_log_tail", r->build_log_tail, "diff_report",
		                  r->diff_report, "stderr_tail", r->stderr_tail, "metadata",
		                  meta ? meta : json_object(), "samples", samples));
	}
	doc = json_pack("{s:s,s:s,s:o,s:s?,s:s?,s:s?,s:s?,s:o}", "commit", c->hash, "repository",
	                c->repo_location, "parents", parents, "author", c->author, "email",
	                c->email, "author_time", c->author_time, "subject", c->subject, "runs",
	                runs);
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
	if (json)
		print_json(&info);
	else
		print_people(&info);
done:
	store_commit_info_release(&info);
	store_release(&s);
	pw_error_release(&err);
	return ret;
}
