/*
 * `perfwarden compare A B`: two commits side by side. For every benchmark
 * measured on both with the same spec and in the same environment (the
 * newest such pair of runs; runs of different specs or machines are never
 * mixed) and every metric measured on both, the medians, the ratio B/A and
 * its 95% bootstrap confidence interval (runner/stats.h, fixed seed: the
 * same data always gives the same interval). Which spec and environment
 * were compared is printed with them.
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
        "  --json   {a, b, comparisons: [{benchmark, environment, spec_hash, run_a, run_b,\n"
        "           metric, unit, a_samples, a_median, b_samples, b_median, ratio, ci_low,\n"
        "           ci_high}]}\n"
        "  --csv    the fields up to ci_high, one line per benchmark and metric\n"
        "Per benchmark, the newest runs of A and B that share a spec and an environment\n"
        "are compared; runs of different specs or environments never are. The interval\n"
        "is a 95% percentile bootstrap of the ratio of medians (2000 resamples, fixed\n"
        "seed). Exit 1 when a commit is unknown or no benchmark was measured on both\n"
        "with the same spec and environment.\n";

struct comparison {
	const char *benchmark;
	const char *environment;
	const char *spec_hash;
	int64_t run_a, run_b;
	enum store_metric metric;
	size_t na, nb;
	double median_a, median_b;
	struct stats_ci ci; /* NAN bounds when it cannot be computed */
};

/* Two runs to compare: one benchmark, one spec, one environment. */
struct pair {
	const struct store_run_info *a, *b;
};

static int same(const char *x, const char *y)
{
	return x && y && !strcmp(x, y);
}

/* When the older of the pair finished (ISO 8601 text compares in time order). */
static const char *pair_time(const struct pair *p)
{
	const char *ta = p->a->finished_at ? p->a->finished_at : "";
	const char *tb = p->b->finished_at ? p->b->finished_at : "";

	return strcmp(ta, tb) < 0 ? ta : tb;
}

/*
 * Per benchmark, the newest runs of A and B that share a spec hash and an
 * environment: of every such (spec, environment), the one whose older run
 * is the newest. Benchmarks without one are left out. Returns how many.
 */
static size_t pair_runs(const struct store_commit_info *a, const struct store_commit_info *b,
                        struct pair **out)
{
	size_t i, k, n = 0;

	*out = calloc(a->nruns + 1, sizeof(**out));
	if (!*out)
		abort();
	for (i = 0; i < a->nruns; i++) {
		struct pair p;

		p.a = &a->runs[i];
		if (!p.a->newest) /* older measurements of A are not compared */
			continue;
		p.b = store_commit_newest_run(b, p.a->benchmark, p.a->fingerprint, p.a->spec_hash);
		if (!p.b || !same(p.b->spec_hash, p.a->spec_hash) ||
		    !same(p.b->fingerprint, p.a->fingerprint))
			continue;
		for (k = 0; k < n; k++)
			if (!strcmp((*out)[k].a->benchmark, p.a->benchmark))
				break;
		if (k == n)
			(*out)[n++] = p;
		else if (strcmp(pair_time(&p), pair_time(&(*out)[k])) > 0)
			(*out)[k] = p;
	}
	return n;
}

/* What each commit has, for the message when nothing can be compared. */
static void describe_runs(const struct store_commit_info *c, struct strbuf *out)
{
	size_t i, shown = 0;

	strbuf_addf(out, "%.12s:", c->hash);
	for (i = 0; i < c->nruns; i++) {
		const struct store_run_info *r = &c->runs[i];

		if (!r->newest)
			continue;
		if (shown++ == 4) {
			strbuf_addstr(out, " ...");
			break;
		}
		strbuf_addf(out, " %s (spec %.12s, environment %.12s)", r->benchmark,
		            r->spec_hash ? r->spec_hash : "-", r->fingerprint ? r->fingerprint : "-");
	}
	if (!shown)
		strbuf_addstr(out, " no runs");
}

static size_t compare_runs(const struct store_commit_info *a, const struct store_commit_info *b,
                           struct comparison **out)
{
	struct pair *pairs = NULL;
	size_t i, n = 0, alloc = 0, npairs = pair_runs(a, b, &pairs);
	int k;

	*out = NULL;
	for (i = 0; i < npairs; i++) {
		const struct store_run_info *ra = pairs[i].a, *rb = pairs[i].b;
		double *va, *vb;

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
			c->spec_hash = ra->spec_hash;
			c->run_a = ra->id;
			c->run_b = rb->id;
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
	free(pairs);
	return n;
}

static void print_table(const struct store_commit_info *a, const struct store_commit_info *b,
                        const struct comparison *c, size_t n)
{
	size_t i;

	printf("A  %.12s  %s\nB  %.12s  %s\n", a->hash, a->subject ? a->subject : "", b->hash,
	       b->subject ? b->subject : "");
	for (i = 0; i < n; i++)
		if (!i || strcmp(c[i].benchmark, c[i - 1].benchmark))
			printf("%s: runs %lld and %lld, spec %.12s, environment %.16s\n", c[i].benchmark,
			       (long long)c[i].run_a, (long long)c[i].run_b,
			       c[i].spec_hash ? c[i].spec_hash : "-", c[i].environment);
	putchar('\n');
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
		        json_pack("{s:s,s:s,s:o,s:I,s:I,s:s,s:s,s:I,s:o,s:I,s:o,s:o,s:o,s:o}",
		                  "benchmark", c[i].benchmark, "environment", c[i].environment,
		                  "spec_hash", c[i].spec_hash ? json_string(c[i].spec_hash) : json_null(),
		                  "run_a", (json_int_t)c[i].run_a, "run_b", (json_int_t)c[i].run_b,
		                  "metric",
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
		struct strbuf what = STRBUF_INIT;

		describe_runs(&a, &what);
		strbuf_addstr(&what, "; ");
		describe_runs(&b, &what);
		cmd_errorf("compare",
		           "no benchmark was measured on both %.12s and %.12s with the same spec "
		           "and environment (%s)",
		           a.hash, b.hash, what.buf);
		strbuf_release(&what);
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
