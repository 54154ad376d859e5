/*
 * `perfwarden compare A B`: two commits side by side. For every benchmark
 * measured on both with the same spec and in the same environment (the
 * newest such pair of runs, store_run_pairs(); runs of different specs or
 * machines are never mixed) and every metric measured on both, the medians, the ratio B/A and
 * its 95% bootstrap confidence interval (runner/judge/stats.h, fixed seed: the
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

#include "checkout.h"
#include "cli.h"
#include "cmd.h"
#include "query.h"
#include "stats.h"

static const char synopsis[] =
        "usage: perfwarden compare [--repo DIR] [--json | --csv] [--database CONNINFO] A B\n"
        "\n"
        "A and B are revisions (HEAD, branches, tags, HEAD~2, hash prefixes), resolved in\n"
        "--repo DIR or the current directory's repository; without one, commit hashes\n"
        "(4+ hex digits). Ratios are B / A.\n"
        "\n";

static const char notes[] =
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
	const char *metric; /* a stored metric's name, or a harness case's metric */
	const char *unit;
	size_t na, nb;
	double median_a, median_b;
	struct stats_ci ci; /* NAN bounds when it cannot be computed */
};

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
		            r->spec_hash ? r->spec_hash : "-",
		            r->fingerprint ? r->fingerprint : "-");
	}
	if (!shown)
		strbuf_addstr(out, " no runs");
}

/* The values of a harness case's metric `metric` in run r, into out; how many. */
static size_t series_values(const struct store_run_info *r, const char *metric, double *out)
{
	size_t i, n = 0;

	for (i = 0; i < r->nvalues; i++)
		if (!strcmp(r->values[i].metric, metric))
			out[n++] = r->values[i].value;
	return n;
}

/* One comparison of va[0..na) and vb[0..nb) into the next slot of *out. */
static void compare_one(const struct store_run_info *ra, const struct store_run_info *rb,
                        const char *metric, const char *unit, const double *va, size_t na,
                        const double *vb, size_t nb, struct comparison **out, size_t *n,
                        size_t *alloc)
{
	struct comparison *c;

	if (*n == *alloc) {
		*alloc = *alloc ? 2 * *alloc : 16;
		*out = realloc(*out, *alloc * sizeof(**out));
		if (!*out)
			abort();
	}
	c = &(*out)[(*n)++];
	c->benchmark = ra->benchmark;
	c->environment = ra->fingerprint;
	c->spec_hash = ra->spec_hash;
	c->run_a = ra->id;
	c->run_b = rb->id;
	c->metric = metric;
	c->unit = unit;
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

static size_t compare_runs(const struct store_commit_info *a, const struct store_commit_info *b,
                           struct comparison **out)
{
	struct store_run_pair *pairs = NULL;
	size_t i, n = 0, alloc = 0, npairs = store_run_pairs(a, b, &pairs);
	int k;

	*out = NULL;
	for (i = 0; i < npairs; i++) {
		const struct store_run_info *ra = pairs[i].a, *rb = pairs[i].b;
		double *va, *vb;

		va = calloc(ra->nsamples + ra->nvalues + 1, sizeof(*va));
		vb = calloc(rb->nsamples + rb->nvalues + 1, sizeof(*vb));
		if (!va || !vb)
			abort();
		for (k = 0; k < STORE_METRIC_COUNT; k++) {
			size_t na = cli_run_values(ra, (enum store_metric)k, va);
			size_t nb = cli_run_values(rb, (enum store_metric)k, vb);

			if (na && nb)
				compare_one(ra, rb, store_metric_name((enum store_metric)k),
				            store_metric_unit((enum store_metric)k), va, na, vb, nb,
				            out, &n, &alloc);
		}
		/* a harness case's run: each of its metrics */
		for (size_t v = 0; v < ra->nvalues; v++) {
			const struct store_run_value *x = &ra->values[v];
			size_t na, nb;

			if (v && !strcmp(ra->values[v - 1].metric, x->metric))
				continue;
			na = series_values(ra, x->metric, va);
			nb = series_values(rb, x->metric, vb);
			if (na && nb)
				compare_one(ra, rb, x->metric, x->unit ? x->unit : "", va, na, vb,
				            nb, out, &n, &alloc);
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
			printf("%s: runs %lld and %lld, spec %.12s, environment %.16s\n",
			       c[i].benchmark, (long long)c[i].run_a, (long long)c[i].run_b,
			       c[i].spec_hash ? c[i].spec_hash : "-", c[i].environment);
	putchar('\n');
	printf("%-14s  %-14s  %4s  %12s  %4s  %12s  %7s  %17s\n", "BENCHMARK", "METRIC", "N(A)",
	       "MEDIAN(A)", "N(B)", "MEDIAN(B)", "B/A", "95% CI");
	for (i = 0; i < n; i++) {
		const char *unit = c[i].unit;
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
		       c[i].metric, c[i].na, ma, c[i].nb, mb, ratio, ci);
	}
}

static void csv_number(double v)
{
	if (!isnan(v))
		printf("%.15g", v);
}

/* A CSV field, quoted when it holds a comma, a quote or a newline (a harness's metric may). */
static void csv_text(const char *s)
{
	if (!strpbrk(s, ",\"\n")) {
		fputs(s, stdout);
		return;
	}
	putchar('"');
	for (; *s; s++) {
		if (*s == '"')
			putchar('"');
		putchar(*s);
	}
	putchar('"');
}

static void print_csv(const struct comparison *c, size_t n)
{
	size_t i;

	printf("benchmark,environment,metric,unit,a_samples,a_median,b_samples,b_median,ratio,"
	       "ci_low,ci_high\n");
	for (i = 0; i < n; i++) {
		/* a series name may hold commas (a harness's case, a combination of params) */
		csv_text(c[i].benchmark);
		printf(",%s,", c[i].environment);
		csv_text(c[i].metric);
		putchar(',');
		csv_text(c[i].unit);
		printf(",%zu,", c[i].na);
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
		                  "spec_hash",
		                  c[i].spec_hash ? json_string(c[i].spec_hash) : json_null(),
		                  "run_a", (json_int_t)c[i].run_a, "run_b", (json_int_t)c[i].run_b,
		                  "metric", c[i].metric, "unit", c[i].unit, "a_samples",
		                  (json_int_t)c[i].na, "a_median", number(c[i].median_a),
		                  "b_samples", (json_int_t)c[i].nb, "b_median",
		                  number(c[i].median_b), "ratio", number(c[i].ci.estimate),
		                  "ci_low", number(c[i].ci.lo), "ci_high", number(c[i].ci.hi)));
	doc = json_pack("{s:s,s:s,s:o}", "a", a->hash, "b", b->hash, "comparisons", list);
	text = json_dumps(doc, JSON_INDENT(2) | JSON_REAL_PRECISION(15));
	if (text)
		printf("%s\n", text);
	free(text);
	json_decref(doc);
}

int cmd_compare(int argc, char **argv)
{
	struct cli_options o;
	struct store_commit_info a = STORE_COMMIT_INFO_INIT, b = STORE_COMMIT_INFO_INIT;
	struct store s = STORE_INIT;
	struct pw_error err = PW_ERROR_INIT;
	struct comparison *cmp = NULL;
	const char *conninfo = NULL, *repo = NULL;
	struct strbuf key = STRBUF_INIT, hashes[2] = {STRBUF_INIT, STRBUF_INIT};
	int json, csv, ret = CMD_OK, r;
	size_t n;

	cli_options_init(&o, "compare",
	                 CLI_GROUP_STORED_REPO | CLI_GROUP_JSON | CLI_GROUP_CSV |
	                         CLI_GROUP_DATABASE);
	o.synopsis = synopsis;
	o.notes = notes;
	if (cli_next(&o, argc, argv) != CLI_END)
		return o.exit_code;
	if (optind != argc - 2)
		return cli_usage_error(&o, "give two commits, A and B");
	conninfo = o.database;
	repo = o.repo;
	json = o.json;
	csv = o.csv;
	if ((ret = cli_resolve_commits(&o, argv + optind, 2, hashes)) != CMD_OK)
		goto done;
	if (repo) {
		if (checkout_repo_key(&key, repo, &err) < 0) {
			cmd_errorf("compare", "%s", pw_error_message(&err));
			ret = CMD_ERROR;
			goto done;
		}
		repo = key.buf;
	}
	if (store_open(&s, conninfo, &err) < 0) {
		cmd_errorf("compare", "%s", pw_error_message(&err));
		ret = CMD_ERROR;
		goto done;
	}
	if ((r = store_commit_load(&s, repo, hashes[0].buf, &a, &err)) < 0 ||
	    (r = store_commit_load(&s, repo, hashes[1].buf, &b, &err)) < 0) {
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
	strbuf_release(&key);
	strbuf_release(&hashes[0]);
	strbuf_release(&hashes[1]);
	pw_error_release(&err);
	return ret;
}
