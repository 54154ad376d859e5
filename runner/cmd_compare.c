/*
 * `perfwarden compare A B`: two commits side by side. For every benchmark
 * measured on both (in the same environment) and every metric measured on
 * both, the medians, the ratio B/A and its 95% bootstrap confidence interval
 * (runner/stats.h, fixed seed: the same data always gives the same interval).
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
        "usage: perfwarden compare [--repo DIR] [--json | --csv] [--database CONNINFO] A B\n"
        "\n"
        "  A, B     commit hashes (4+ hex digits); ratios are B / A\n"
        "  --json   {a, b, comparisons: [{benchmark, environment, metric, unit, a_samples,\n"
        "           a_median, b_samples, b_median, ratio, ci_low, ci_high}]}\n"
        "  --csv    the same fields, one line per benchmark and metric\n"
        "The interval is a 95% percentile bootstrap of the ratio of medians (2000\n"
        "resamples, fixed seed). Exit 1 when a commit is unknown or nothing was\n"
        "measured on both.\n";

struct comparison {
	const char *benchmark;
	const char *environment;
	enum store_metric metric;
	size_t na, nb;
	double median_a, median_b;
	struct stats_ci ci; /* NAN bounds when it cannot be computed */
};



/* B's newest run for A's run: same benchmark and environment, the same spec preferred. */
static const struct store_run_info *match(const struct store_commit_info *b,
                                          const struct store_run_info *ra)
{
	return store_commit_newest_run(b, ra->benchmark, ra->fingerprint, ra->spec_hash);
}

static size_t compare_runs(const struct store_commit_info *a, const struct store_commit_info *b,
                           struct comparison **out)
{
	size_t i, n = 0, alloc = 0;
	int k;

	*out = NULL;
	for (i = 0; i < a->nruns; i++) {
		const struct store_run_info *ra = &a->runs[i], *rb;
		double *va, *vb;

		if (!ra->newest || !(rb = match(b, ra)))
			continue; /* older measurements of A are not compared */
		va = calloc(ra->nsamples + 1, sizeof(*va));
		vb = calloc(rb->nsamples + 1, sizeof(*vb));
		if (!va || !vb)
			abort();
		for (k = 0; k < STORE_METRIC_COUNT; k++) {
			struct comparison *c;
			size_t na = cli_run_values(ra, (enum store_metric)k, va);
			size_t nb = cli_run_values(rb, (enum store_metric)k, vb);

			if (!na || !nb)
				continue;
			if (n == alloc) {
				alloc = alloc ? 2 * alloc : 16;
				*out = realloc(*out, alloc * sizeof(**out));
				if (!*out)
					abort();
			}
			c = &(*out)[n++];
			c->benchmark = ra->benchmark;
			c->environment = ra->fingerprint;
			c->metric = (enum store_metric)k;
			c->na = na;
			c->nb = nb;
			stats_median(va, na, &c->median_a, NULL);
			stats_median(vb, nb, &c->median_b, NULL);
			if (stats_bootstrap_ratio(va, na, vb, nb, STATS_BOOTSTRAP_RESAMPLES, 0.95,
			                          STATS_BOOTSTRAP_SEED, &c->ci, NULL) < 0) {
				c->ci.estimate = c->median_a > 0 ? c->median_b / c->median_a : NAN;
				c->ci.lo = c->ci.hi = NAN;
			}
		}
		free(va);
		free(vb);
	}
	return n;
}

static void print_table(const struct store_commit_info *a, const struct store_commit_info *b,
                        const struct comparison *c, size_t n)
{
	size_t i;

	printf("A  %.12s  %s\nB  %.12s  %s\n\n", a->hash, a->subject ? a->subject : "", b->hash,
	       b->subject ? b->subject : "");
	printf("%-14s  %-14s  %4s  %12s  %4s  %12s  %7s  %17s\n", "BENCHMARK", "METRIC", "N(A)",
	       "MEDIAN(A)", "N(B)", "MEDIAN(B)", "B/A", "95% CI");
	for (i = 0; i < n; i++) {
		const char *unit = store_metric_unit(c[i].metric);
		char ma[32], mb[32], ratio[16], ci[40];

		cli_human(ma, sizeof(ma), c[i].median_a, unit);
		cli_human(mb, sizeof(mb), c[i].median_b, unit);
		if (isnan(c[i].ci.estimate))
			snprintf(ratio, sizeof(ratio), "-");
		else
			snprintf(ratio, sizeof(ratio), "%.3f", c[i].ci.estimate);
		if (isnan(c[i].ci.lo))
			snprintf(ci, sizeof(ci), "-");
		else
			snprintf(ci, sizeof(ci), "[%.3f, %.3f]", c[i].ci.lo, c[i].ci.hi);
		printf("%-14s  %-14s  %4zu  %12s  %4zu  %12s  %7s  %17s\n", c[i].benchmark,
		       store_metric_name(c[i].metric), c[i].na, ma, c[i].nb, mb, ratio, ci);
	}
}

static void csv_number(double v)
{
	if (!isnan(v))
		printf("%.15g", v);
}

static void print_csv(const struct comparison *c, size_t n)
{
	size_t i;

	printf("benchmark,environment,metric,unit,a_samples,a_median,b_samples,b_median,ratio,"
	       "ci_low,ci_high\n");
	for (i = 0; i < n; i++) {
		/* benchmark names and fingerprints are identifiers: no quoting needed */
		printf("%s,%s,%s,%s,%zu,", c[i].benchmark, c[i].environment,
		       store_metric_name(c[i].metric), store_metric_unit(c[i].metric), c[i].na);
		csv_number(c[i].median_a);
		printf(",%zu,", c[i].nb);
		csv_number(c[i].median_b);
		putchar(',');
		csv_number(c[i].ci.estimate);
		putchar(',');
		csv_number(c[i].ci.lo);
		putchar(',');
		csv_number(c[i].ci.hi);
		putchar('\n');
	}
}

static json_t *number(double v)
{
	return isnan(v) ? json_null() : json_real(v);
}

static void print_json(const struct store_commit_info *a, const struct store_commit_info *b,
                       const struct comparison *c, size_t n)
{
	json_t *list = json_array(), *doc;
	size_t i;
	char *text;

	for (i = 0; i < n; i++)
		json_array_append_new(
		        list,
		        json_pack("{s:s,s:s,s:s,s:s,s:I,s:o,s:I,s:o,s:o,s:o,s:o}", "benchmark",
		                  c[i].benchmark, "environment", c[i].environment, "metric",
		                  store_metric_name(c[i].metric), "unit",
		                  store_metric_unit(c[i].metric), "a_samples", (json_int_t)c[i].na,
		                  "a_median", number(c[i].median_a), "b_samples",
		                  (json_int_t)c[i].nb, "b_median", number(c[i].median_b), "ratio",
		                  number(c[i].ci.estimate), "ci_low", number(c[i].ci.lo), "ci_high",
		                  number(c[i].ci.hi)));
	doc = json_pack("{s:s,s:s,s:o}", "a", a->hash, "b", b->hash, "comparisons", list);
	text = json_dumps(doc, JSON_INDENT(2) | JSON_REAL_PRECISION(15));
	if (text)
		printf("%s\n", text);
	free(text);
	json_decref(doc);
}

int cmd_compare(int argc, char **argv)
{
	static const struct option options[] = {
	        {"repo", required_argument, NULL, 'r'}, {"json", no_argument, NULL, 'j'},
	        {"csv", no_argument, NULL, 'c'},        {"database", required_argument, NULL, 'd'},
	        {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0},
	};
	struct store_commit_info a = STORE_COMMIT_INFO_INIT, b = STORE_COMMIT_INFO_INIT;
	struct store s = STORE_INIT;
	struct pw_error err = PW_ERROR_INIT;
	struct comparison *cmp = NULL;
	const char *conninfo = NULL, *repo = NULL;
	char real[PATH_MAX];
	int c, json = 0, csv = 0, ret = CMD_OK, r, i;
	size_t n;

	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (c) {
		case 'r':
			repo = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'c':
			csv = 1;
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
	if (optind != argc - 2 || (json && csv)) {
		fputs(usage_text, stderr);
		return CMD_ERROR;
	}
	for (i = optind; i < argc; i++) {
		if (!store_hash_prefix_valid(argv[i])) {
			cmd_errorf("compare",
			           "'%s' is not a commit hash (4 to 40 hexadecimal digits)",
			           argv[i]);
			return CMD_ERROR;
		}
	}
	if (repo && !strstr(repo, "://") && realpath(repo, real))
		repo = real;
	if (store_open(&s, conninfo, &err) < 0) {
		cmd_errorf("compare", "%s", pw_error_message(&err));
		ret = CMD_ERROR;
		goto done;
	}
	if ((r = store_commit_load(&s, repo, argv[optind], &a, &err)) < 0 ||
	    (r = store_commit_load(&s, repo, argv[optind + 1], &b, &err)) < 0) {
		cmd_errorf("compare", "%s", pw_error_message(&err));
		ret = r == PW_ENOTFOUND ? CMD_FAIL : CMD_ERROR;
		goto done;
	}
	n = compare_runs(&a, &b, &cmp);
	if (!n) {
		cmd_errorf("compare",
		           "no benchmark was measured on both %.12s and %.12s in the "
		           "same environment",
		           a.hash, b.hash);
		ret = CMD_FAIL;
		goto done;
	}
	if (json)
		print_json(&a, &b, cmp, n);
	else if (csv)
		print_csv(cmp, n);
	else
		print_table(&a, &b, cmp, n);
done:
	free(cmp);
	store_commit_info_release(&a);
	store_commit_info_release(&b);
	store_release(&s);
	pw_error_release(&err);
	return ret;
}
