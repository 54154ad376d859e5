/*
 * `perfwarden history`: each benchmark's timings over the commits, newest
 * first (one benchmark with --benchmark, else every one stored, in turn) — median, min, IQR, sample
 * count, verdict and the ratio to the previous (older) commit — as an aligned table, JSON or CSV.
 * The numbers come from store/query.h; --branch orders the commits along the branch's first-parent
 * chain (runner/measure/checkout.h).
 */
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "checkout.h"
#include "changes.h"
#include "cli.h"
#include "cmd.h"
#include "paths.h"
#include "query.h"
#include "spec.h"
#include "stats.h"

static const char synopsis[] =
        "usage: perfwarden history [--repo DIR] [--benchmark NAME] [--metric METRIC]\n"
        "                          [--branch REF] [--environment FINGERPRINT] [--limit N]\n"
        "                          [--json | --csv] [--database CONNINFO]\n"
        "\n";

static const char own_help[] =
        "  --branch REF       follow REF's first-parent chain in --repo (default: order by\n"
        "                     author time)\n"
        "  --changes          also find level changes over the shown commits' medians\n"
        "                     (binary segmentation, permutation-tested with a fixed seed);\n"
        "                     a change is confirmed only when it is at least 2% and a commit\n"
        "                     of its step was judged slower/faster by an interleaved check\n";

static const char notes[] =
        "Without --benchmark every benchmark of the repository (of the database without\n"
        "--repo) is shown in turn, each under its name; --limit counts per benchmark.\n"
        "\n"
        "--json gives {benchmark, benchmarks, metric, unit, commits: [{benchmark, commit,\n"
        "subject, author_time, verdict, run_verdict, verdict_metric, verdict_judge,\n"
        "samples, median, min, iqr, ratio_prev}], changes: [{benchmark, commit, ratio,\n"
        "p_value, confirmed, confirmed_by, unconfirmed_because}] with --changes};\n"
        "benchmark is --benchmark's, or the only one, else null; benchmarks lists those\n"
        "shown. --csv a header line, then one line per benchmark and commit; values in\n"
        "unit.\n"
        "\n"
        "Each commit shows its newest run (a commit measured again keeps its older\n"
        "runs). The verdict is the newest judgement's of that run (one on METRIC\n"
        "preferred, then wall time; --json names its metric and judge), else the\n"
        "run's own measurement verdict (run_verdict).\n"
        "\n"
        "A harness case's series (--benchmark BENCH/CASE, a benchmark with a format)\n"
        "shows its first metric in its own unit, or --metric NAME, one of the case's.\n"
        "A benchmark with params is one series per combination, BENCH@NAME=VALUE,...;\n"
        "--benchmark BENCH shows each of them in turn.\n"
        "--metric build and --metric artefact_size show each commit's build time (ns)\n"
        "and the size of what it built (bytes), where `check` recorded them.\n";

static void iso_date(char *out, size_t size, int64_t t, int with_time)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!t || !gmtime_r(&tt, &tm))
		snprintf(out, size, "-");
	else
		strftime(out, size, with_time ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%d", &tm);
}

static void csv_field(FILE *f, const char *s)
{
	if (!s)
		return;
	if (!strpbrk(s, ",\"\n\r")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void csv_number(FILE *f, double v)
{
	if (!isnan(v))
		fprintf(f, "%.15g", v);
}

static json_t *json_number(double v)
{
	return isnan(v) ? json_null() : json_real(v);
}

/* One benchmark's history and, with --changes, its change points. */
struct bench_history {
	const char *name;
	struct store_history h;
	struct change_point *changes;
	size_t nchanges;
};

/* The unit of the values shown: a harness case's own, else the metric's. */
static const char *history_unit(const struct store_history *h, enum store_metric m)
{
	size_t i;

	for (i = 0; i < h->nrows; i++)
		if (h->rows[i].unit)
			return h->rows[i].unit;
	return store_metric_unit(m);
}

/* The metric's name: a harness case's (its first unless --metric said), else the stored one's. */
static const char *history_metric(const struct store_history *h, enum store_metric m)
{
	size_t i;

	for (i = 0; i < h->nrows; i++)
		if (h->rows[i].unit && h->rows[i].metric)
			return h->rows[i].metric;
	return store_metric_name(m);
}

/* The unit every benchmark shown has in common, else "" (each commit's JSON names its own). */
static const char *histories_unit(const struct bench_history *b, size_t n, enum store_metric m)
{
	const char *unit = n ? history_unit(&b[0].h, m) : store_metric_unit(m);
	size_t k;

	for (k = 1; k < n; k++)
		if (strcmp(unit, history_unit(&b[k].h, m)))
			return "";
	return unit;
}

/* Likewise the metric's name, else the stored metric's. */
static const char *histories_metric(const struct bench_history *b, size_t n, enum store_metric m)
{
	const char *name = n ? history_metric(&b[0].h, m) : store_metric_name(m);
	size_t k;

	for (k = 1; k < n; k++)
		if (strcmp(name, history_metric(&b[k].h, m)))
			return store_metric_name(m);
	return name;
}

static void print_table(const struct store_history *h, enum store_metric m)
{
	const char *unit = history_unit(h, m);
	size_t i;

	printf("%-12s  %-10s  %-12s  %4s  %12s  %12s  %12s  %7s  %s\n", "COMMIT", "DATE", "VERDICT",
	       "N", "MEDIAN", "MIN", "IQR", "RATIO", "SUBJECT");
	for (i = 0; i < h->nrows; i++) {
		const struct store_history_row *r = &h->rows[i];
		char med[32], min[32], iqr[32], date[32], ratio[16], verdict[48];

		cli_human(med, sizeof(med), r->median, unit);
		cli_human(min, sizeof(min), r->min, unit);
		cli_human(iqr, sizeof(iqr), r->iqr, unit);
		iso_date(date, sizeof(date), r->author_time, 0);
		if (isnan(r->ratio_prev))
			snprintf(ratio, sizeof(ratio), "-");
		else
			snprintf(ratio, sizeof(ratio), "%.3f", r->ratio_prev);
		/* a judge's verdict on a run nothing verifies says so */
		snprintf(verdict, sizeof(verdict), "%s%s", r->verdict ? r->verdict : "-",
		         r->verdict && r->run_verdict && !strcmp(r->run_verdict, "unverified") &&
		                         strcmp(r->verdict, "unverified")
		                 ? " (unverified)"
		                 : "");
		printf("%-12.12s  %-10s  %-12s  %4zu  %12s  %12s  %12s  %7s  %s\n", r->hash, date,
		       verdict, r->count, med, min, iqr, ratio, r->subject ? r->subject : "");
	}
}

static void print_csv(const struct bench_history *b, size_t n, enum store_metric m)
{
	const char *unit = histories_unit(b, n, m);
	const char *sfx = *unit ? "_" : "";
	size_t i, k;

	printf("benchmark,commit,author_time,verdict,samples,median%s%s,min%s%s,iqr%s%s,ratio_prev,"
	       "subject\n",
	       sfx, unit, sfx, unit, sfx, unit);
	for (k = 0; k < n; k++) {
		for (i = 0; i < b[k].h.nrows; i++) {
			const struct store_history_row *r = &b[k].h.rows[i];
			char date[32];

			iso_date(date, sizeof(date), r->author_time, 1);
			csv_field(stdout, b[k].name);
			printf(",%s,%s,", r->hash, r->author_time ? date : "");
			csv_field(stdout, r->verdict);
			printf(",%zu,", r->count);
			csv_number(stdout, r->median);
			putchar(',');
			csv_number(stdout, r->min);
			putchar(',');
			csv_number(stdout, r->iqr);
			putchar(',');
			csv_number(stdout, r->ratio_prev);
			putchar(',');
			csv_field(stdout, r->subject);
			putchar('\n');
		}
	}
}

static void commits_json(json_t *commits, const struct bench_history *b)
{
	size_t i;

	for (i = 0; i < b->h.nrows; i++) {
		const struct store_history_row *r = &b->h.rows[i];
		char date[32];

		iso_date(date, sizeof(date), r->author_time, 1);
		json_array_append_new(
		        commits,
		        json_pack("{s:s,s:s?,s:s,s:s?,s:s?,s:s?,s:s?,s:s?,s:s?,s:I,s:o,s:o,s:o,s:o,"
		                  "s:s?}",
		                  "benchmark", b->name, "environment", b->h.fingerprint, "commit",
		                  r->hash, "subject", r->subject, "author_time",
		                  r->author_time ? date : NULL, "verdict", r->verdict,
		                  "run_verdict", r->run_verdict, "verdict_metric",
		                  r->verdict_metric, "verdict_judge", r->verdict_judge, "samples",
		                  (json_int_t)r->count, "median", json_number(r->median), "min",
		                  json_number(r->min), "iqr", json_number(r->iqr), "ratio_prev",
		                  json_number(r->ratio_prev), "unit",
		                  r->unit)); /* a harness case's own unit; null: the metric's */
	}
}

static int branch_hashes(const char *dir, const char *ref, struct checkout_list *list,
                         const char ***hashes, struct pw_error *err)
{
	struct checkout_repo *repo = NULL;
	struct strbuf cache = STRBUF_INIT;
	size_t i;
	int ret;

	paths_home(&cache);
	strbuf_addstr(&cache, "/repos");
	if ((ret = checkout_repo_open(&repo, dir, cache.buf, err)) < 0 ||
	    (ret = checkout_first_parents(repo, ref, 0, list, err)) < 0)
		goto done;
	*hashes = calloc(list->ncommits + 1, sizeof(**hashes));
	if (!*hashes)
		abort();
	for (i = 0; i < list->ncommits; i++)
		(*hashes)[i] = list->commits[i].hash;
done:
	checkout_repo_free(repo);
	strbuf_release(&cache);
	return ret;
}

static void print_changes(const struct store_history *h, const struct change_point *ch, size_t n)
{
	size_t i, confirmed = 0;

	for (i = 0; i < n; i++)
		confirmed += ch[i].confirmed;
	if (!n) {
		printf("\nno change points among these %zu commits\n", h->nrows);
		return;
	}
	printf("\nchange points (oldest first; %zu confirmed by a judgement):\n", confirmed);
	for (i = 0; i < n; i++) {
		const struct store_history_row *r = &h->rows[ch[i].row];

		printf("  %-12.12s  %+.1f%%  p=%.3g  %s\n", r->hash, (ch[i].ratio - 1) * 100,
		       ch[i].p_value, r->subject ? r->subject : "");
		if (ch[i].confirmed)
			printf("                confirmed: %.12s read %s\n",
			       h->rows[ch[i].confirmed_row].hash,
			       h->rows[ch[i].confirmed_row].verdict);
		else
			printf("                not confirmed: %s; to judge the step: perfwarden "
			       "check "
			       "%.12s..%.12s\n",
			       ch[i].why, h->rows[ch[i].before_row].hash, r->hash);
	}
}

static void changes_json(json_t *a, const struct bench_history *b)
{
	const struct store_history *h = &b->h;
	const struct change_point *ch = b->changes;
	size_t i;

	for (i = 0; i < b->nchanges; i++)
		json_array_append_new(
		        a,
		        json_pack("{s:s,s:s,s:f,s:f,s:b,s:s?,s:s?}", "benchmark", b->name, "commit",
		                  h->rows[ch[i].row].hash, "ratio", ch[i].ratio, "p_value",
		                  ch[i].p_value, "confirmed", ch[i].confirmed, "confirmed_by",
		                  ch[i].confirmed ? h->rows[ch[i].confirmed_row].hash : NULL,
		                  "unconfirmed_because", ch[i].why));
}

/*
 * The JSON document: `benchmark` is --benchmark's, or the one benchmark when
 * there is one, else null; `benchmarks` names every benchmark shown.
 */
static void print_json(const struct bench_history *b, size_t n, const char *benchmark,
                       enum store_metric m, int want_changes)
{
	json_t *commits = json_array(), *names = json_array(), *changes = json_array(), *doc;
	const char *env = n ? b[0].h.fingerprint : NULL;
	size_t k;
	char *text;

	for (k = 0; k < n; k++) {
		if (env && (!b[k].h.fingerprint || strcmp(env, b[k].h.fingerprint)))
			env = NULL; /* each benchmark's newest machine differs: see each commit */
		json_array_append_new(names, json_string(b[k].name));
		commits_json(commits, &b[k]);
		changes_json(changes, &b[k]);
	}
	if (!benchmark && n == 1)
		benchmark = b[0].name;
	doc = json_pack("{s:s?,s:o,s:s,s:s,s:s?,s:o}", "benchmark", benchmark, "benchmarks", names,
	                "metric", histories_metric(b, n, m), "unit", histories_unit(b, n, m),
	                "environment", env, "commits", commits);
	if (want_changes)
		json_object_set_new(doc, "changes", changes);
	else
		json_decref(changes);
	text = json_dumps(doc, JSON_INDENT(2) | JSON_REAL_PRECISION(15));
	if (text)
		printf("%s\n", text);
	free(text);
	json_decref(doc);
}

enum { OPT_BRANCH = CLI_NEXT, OPT_CHANGES };

static const struct option own_options[] = {
        {"branch", required_argument, NULL, OPT_BRANCH},
        {"changes", no_argument, NULL, OPT_CHANGES},
        {NULL, 0, NULL, 0},
};

/* The command line into `o`, --branch and --changes; -1: exit with o->exit_code. */
static int parse_options(int argc, char **argv, struct cli_options *o, const char **branch,
                         int *want_changes)
{
	int c;

	cli_options_init(o, "history",
	                 CLI_GROUP_STORED_REPO | CLI_GROUP_BENCHMARK | CLI_GROUP_METRIC |
	                         CLI_GROUP_CASE_METRIC | CLI_GROUP_ENVIRONMENT | CLI_GROUP_LIMIT |
	                         CLI_GROUP_JSON | CLI_GROUP_CSV | CLI_GROUP_DATABASE);
	o->synopsis = synopsis;
	o->own_help = own_help;
	o->notes = notes;
	o->own = own_options;
	o->limit = 50;
	while ((c = cli_next(o, argc, argv)) > 0) {
		if (c == OPT_BRANCH)
			*branch = optarg;
		else if (c == OPT_CHANGES)
			*want_changes = 1;
	}
	if (c == CLI_EXIT)
		return -1;
	if (optind != argc) {
		o->exit_code = cli_usage_error(o, "unexpected argument '%s'", argv[optind]);
		return -1;
	}
	return 0;
}

/* Restrict `q` to `branch`'s first-parent chain in `dir`; an exit code, CMD_OK when done. */
static int query_branch(const char *dir, const char *branch, struct store_history_query *q,
                        struct checkout_list *list, const char ***hashes)
{
	struct pw_error err = PW_ERROR_INIT;
	int ret = CMD_OK;

	if (branch_hashes(dir, branch, list, hashes, &err) < 0) {
		cmd_errorf("history", "%s", pw_error_message(&err));
		ret = err.code == PW_ENOTFOUND ? CMD_FAIL : CMD_ERROR;
	} else {
		q->hashes = *hashes;
		q->nhashes = list->ncommits;
	}
	pw_error_release(&err);
	return ret;
}

/*
 * The benchmarks to show into *names (n): --benchmark's, else every one
 * stored for the query's repository and environment. An exit code: CMD_OK, or
 * after the message CMD_FAIL when nothing was stored, CMD_ERROR.
 */
static int which_benchmarks(struct store *s, const struct cli_options *o,
                            const struct store_history_query *q, char ***names, size_t *n)
{
	struct pw_error err = PW_ERROR_INIT;
	int ret = CMD_OK;

	if (store_benchmark_names(s, q->repo_location, q->fingerprint, names, n, &err) < 0) {
		cmd_errorf("history", "%s", pw_error_message(&err));
		ret = CMD_ERROR;
	} else if (o->benchmark && !(*n = spec_select_series(*names, *n, o->benchmark))) {
		/* not stored as named, nor a benchmark with params: said by the query */
		free(*names);
		*names = calloc(2, sizeof(**names));
		if (!*names || !((*names)[0] = strdup(o->benchmark)))
			abort();
		*n = 1;
	} else if (!*n) {
		cmd_errorf("history", "no runs stored%s%s%s%s%s", q->repo_location ? " in '" : "",
		           q->repo_location ? q->repo_location : "", q->repo_location ? "'" : "",
		           q->fingerprint ? " in environment " : "",
		           q->fingerprint ? q->fingerprint : "");
		ret = CMD_FAIL;
	}
	pw_error_release(&err);
	return ret;
}

/*
 * Read the history `q` asks for, of each benchmark in `b` (n), and with
 * `want_changes` their change points. An exit code: CMD_OK when loaded, else
 * the message printed.
 */
static int load_history(struct store *s, struct store_history_query q, struct bench_history *b,
                        size_t n, int want_changes)
{
	struct pw_error err = PW_ERROR_INIT;
	int ret = CMD_OK, r;
	size_t k;

	for (k = 0; k < n && ret == CMD_OK; k++) {
		q.benchmark = b[k].name;
		if ((r = store_history_query(s, &q, &b[k].h, &err)) < 0)
			ret = r == PW_ENOTFOUND ? CMD_FAIL : CMD_ERROR;
		else if (want_changes &&
		         changes_find(&b[k].h, 0, &b[k].changes, &b[k].nchanges, &err) < 0)
			ret = CMD_ERROR;
	}
	if (ret != CMD_OK)
		cmd_errorf("history", "%s", pw_error_message(&err));
	pw_error_release(&err);
	return ret;
}

/* The table: one per benchmark, each under its name when there are several. */
static void print_history(const struct cli_options *o, const struct bench_history *b, size_t n,
                          int want_changes)
{
	size_t k;

	if (o->json) {
		print_json(b, n, o->benchmark, o->metric, want_changes);
		return;
	}
	if (o->csv) {
		print_csv(b, n, o->metric);
		return;
	}
	for (k = 0; k < n; k++) {
		if (n > 1)
			printf("%sbenchmark %s\n", k ? "\n" : "", b[k].name);
		print_table(&b[k].h, o->metric);
		if (want_changes)
			print_changes(&b[k].h, b[k].changes, b[k].nchanges);
	}
}

int cmd_history(int argc, char **argv)
{
	struct cli_options o;
	struct store_history_query q = {NULL, NULL, STORE_METRIC_WALL, NULL, NULL, 0, 50, NULL};
	struct checkout_list list = CHECKOUT_LIST_INIT;
	struct store s = STORE_INIT;
	struct strbuf location = STRBUF_INIT;
	struct pw_error err = PW_ERROR_INIT;
	const char *repo = NULL, *branch = NULL, **hashes = NULL;
	struct bench_history *b = NULL;
	char **names = NULL;
	size_t k, n = 0;
	int want_changes = 0, ret = CMD_OK;

	if (parse_options(argc, argv, &o, &branch, &want_changes) < 0)
		return o.exit_code;
	q.metric = o.metric;
	q.series_metric = o.series_metric;
	q.fingerprint = o.environment;
	q.limit = o.limit;
	repo = o.repo;
	if (repo) {
		if (checkout_repo_key(&location, repo, &err) < 0) {
			cmd_errorf("history", "%s", pw_error_message(&err));
			ret = CMD_ERROR;
			goto done;
		}
		q.repo_location = location.buf;
	}
	if (branch && (ret = query_branch(repo ? repo : ".", branch, &q, &list, &hashes)) != CMD_OK)
		goto done;
	if (store_open(&s, o.database, &err) < 0) {
		cmd_errorf("history", "%s", pw_error_message(&err));
		ret = CMD_ERROR;
		goto done;
	}
	if ((ret = which_benchmarks(&s, &o, &q, &names, &n)) != CMD_OK)
		goto done;
	b = calloc(n + 1, sizeof(*b));
	if (!b)
		abort();
	for (k = 0; k < n; k++)
		b[k].name = names[k];
	if ((ret = load_history(&s, q, b, n, want_changes)) == CMD_OK)
		print_history(&o, b, n, want_changes);
done:
	for (k = 0; b && k < n; k++) {
		free(b[k].changes);
		store_history_release(&b[k].h);
	}
	free(b);
	store_names_free(names, n);
	checkout_list_release(&list);
	free(hashes);
	store_release(&s);
	strbuf_release(&location);
	pw_error_release(&err);
	return ret;
}
