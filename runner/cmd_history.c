/*
 * `perfwarden history`: one benchmark's timings over the commits, newest
 * first — median, min, IQR, sample count, verdict and the ratio to the
 * previous (older) commit — as an aligned table, JSON or CSV. The numbers
 * come from store/query.h; --branch orders the commits along the branch's
 * first-parent chain (runner/checkout.h).
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
#include "stats.h"

static const char usage_text[] =
        "usage: perfwarden history [--repo DIR] [--benchmark NAME] [--metric METRIC]\n"
        "                          [--branch REF] [--environment FINGERPRINT] [--limit N]\n"
        "                          [--json | --csv] [--database CONNINFO]\n"
        "\n"
        "  --repo DIR        the repository (default: any repository in the database)\n"
        "  --benchmark NAME  the benchmark (default: julia)\n"
        "  --metric METRIC   wall (default), user, sys, maxrss, minflt, majflt, nvcsw,\n"
        "                    nivcsw, instructions, cycles, branch_misses, cache_misses\n"
        "  --branch REF      follow REF's first-parent chain in --repo (default: order by\n"
        "                    author time)\n"
        "  --limit N         at most N commits (default 50; 0: all)\n"
        "  --changes         also find level changes over the shown commits' medians\n"
        "                    (binary segmentation, permutation-tested with a fixed seed);\n"
        "                    a change is confirmed only when it is at least 2% and a commit\n"
        "                    of its step was judged slower/faster by an interleaved check\n"
        "  --json            {benchmark, metric, unit, commits: [{commit, subject, author_time,\n"
        "                    verdict, run_verdict, verdict_metric, verdict_judge, samples,\n"
        "                    median, min, iqr, ratio_prev}],\n"
        "                    changes: [{commit, ratio, p_value, confirmed, confirmed_by,\n"
        "                    unconfirmed_because}] with --changes}, values in unit\n"
        "  --csv             a header line, then one line per commit, values in unit\n"
        "\n"
        "Each commit shows its newest run (a commit measured again keeps its older\n"
        "runs). The verdict is the newest judgement's of that run (one on METRIC\n"
        "preferred, then wall time; --json names its metric and judge), else the\n"
        "run's own measurement verdict (run_verdict).\n";


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

static void print_table(const struct store_history *h, enum store_metric m)
{
	const char *unit = store_metric_unit(m);
	size_t i;

	printf("%-12s  %-10s  %-12s  %4s  %12s  %12s  %12s  %7s  %s\n", "COMMIT", "DATE", "VERDICT",
	       "N", "MEDIAN", "MIN", "IQR", "RATIO", "SUBJECT");
	for (i = 0; i < h->nrows; i++) {
		const struct store_history_row *r = &h->rows[i];
		char med[32], min[32], iqr[32], date[32], ratio[16];

		cli_human(med, sizeof(med), r->median, unit);
		cli_human(min, sizeof(min), r->min, unit);
		cli_human(iqr, sizeof(iqr), r->iqr, unit);
		iso_date(date, sizeof(date), r->author_time, 0);
		if (isnan(r->ratio_prev))
			snprintf(ratio, sizeof(ratio), "-");
		else
			snprintf(ratio, sizeof(ratio), "%.3f", r->ratio_prev);
		printf("%-12.12s  %-10s  %-12s  %4zu  %12s  %12s  %12s  %7s  %s\n", r->hash, date,
		       r->verdict ? r->verdict : "-", r->count, med, min, iqr, ratio,
		       r->subject ? r->subject : "");
	}
}

static void print_csv(const struct store_history *h, enum store_metric m)
{
	const char *unit = store_metric_unit(m);
	const char *sfx = *unit ? "_" : "";
	size_t i;

	printf("commit,author_time,verdict,samples,median%s%s,min%s%s,iqr%s%s,ratio_prev,subject\n",
	       sfx, unit, sfx, unit, sfx, unit);
	for (i = 0; i < h->nrows; i++) {
		const struct store_history_row *r = &h->rows[i];
		char date[32];

		iso_date(date, sizeof(date), r->author_time, 1);
		printf("%s,%s,", r->hash, r->author_time ? date : "");
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

static void print_json(const struct store_history *h, const char *benchmark, enum store_metric m,
                       json_t *changes)
{
	json_t *commits = json_array(), *doc;
	size_t i;
	char *text;

	for (i = 0; i < h->nrows; i++) {
		const struct store_history_row *r = &h->rows[i];
		char date[32];

		iso_date(date, sizeof(date), r->author_time, 1);
		json_array_append_new(
		        commits,
		        json_pack("{s:s,s:s?,s:s?,s:s?,s:s?,s:s?,s:s?,s:I,s:o,s:o,s:o,s:o}",
		                  "commit", r->hash, "subject", r->subject, "author_time",
		                  r->author_time ? date : NULL, "verdict", r->verdict, "run_verdict",
		                  r->run_verdict, "verdict_metric", r->verdict_metric,
		                  "verdict_judge", r->verdict_judge, "samples",
		                  (json_int_t)r->count, "median", json_number(r->median), "min",
		                  json_number(r->min), "iqr", json_number(r->iqr), "ratio_prev",
		                  json_number(r->ratio_prev)));
	}
	doc = json_pack("{s:s,s:s,s:s,s:o}", "benchmark", benchmark, "metric", store_metric_name(m),
	                "unit", store_metric_unit(m), "commits", commits);
	if (changes)
		json_object_set_new(doc, "changes", changes);
	text = json_dumps(doc, JSON_INDENT(2) | JSON_REAL_PRECISION(15));
	if (text)
		printf("%s\n", text);
	free(text);
	json_decref(doc);
}

/* The stored location of a repository: the absolute path of its work tree, or a URL as given. */
static void repo_location(struct strbuf *out, const char *dir)
{
	char real[PATH_MAX];

	size_t len;

	if (!strstr(dir, "://") && realpath(dir, real))
		strbuf_addstr(out, real);
	else
		strbuf_addstr(out, dir);
	len = out->len;
	if (len > 5 && !strcmp(out->buf + len - 5, "/.git"))
		strbuf_setlen(out, len - 5); /* as runner/pipeline stores it */
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
			       h->rows[ch[i].confirmed_row].hash, h->rows[ch[i].confirmed_row].verdict);
		else
			printf("                not confirmed: %s; to judge the step: perfwarden check "
			       "%.12s..%.12s\n",
			       ch[i].why, h->rows[ch[i].before_row].hash, r->hash);
	}
}

static json_t *changes_json(const struct store_history *h, const struct change_point *ch, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(
		        a, json_pack("{s:s,s:f,s:f,s:b,s:s?,s:s?}", "commit", h->rows[ch[i].row].hash,
		                     "ratio", ch[i].ratio, "p_value", ch[i].p_value, "confirmed",
		                     ch[i].confirmed, "confirmed_by",
		                     ch[i].confirmed ? h->rows[ch[i].confirmed_row].hash : NULL,
		                     "unconfirmed_because", ch[i].why));
	return a;
}

int cmd_history(int argc, char **argv)
{
	static const struct option options[] = {
	        {"repo", required_argument, NULL, 'r'},
	        {"benchmark", required_argument, NULL, 'b'},
	        {"metric", required_argument, NULL, 'm'},
	        {"branch", required_argument, NULL, 'B'},
	        {"environment", required_argument, NULL, 'e'},
	        {"limit", required_argument, NULL, 'n'},
	        {"json", no_argument, NULL, 'j'},
	        {"csv", no_argument, NULL, 'c'},
	        {"changes", no_argument, NULL, 'C'},
	        {"database", required_argument, NULL, 'd'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	struct store_history_query q = {NULL, "julia", STORE_METRIC_WALL, NULL, NULL, 0, 50};
	struct store_history h = STORE_HISTORY_INIT;
	struct checkout_list list = CHECKOUT_LIST_INIT;
	struct store s = STORE_INIT;
	struct pw_error err = PW_ERROR_INIT;
	struct strbuf location = STRBUF_INIT;
	const char *conninfo = NULL, *repo = NULL, *branch = NULL, **hashes = NULL;
	struct change_point *changes = NULL;
	size_t nchanges = 0;
	int c, json = 0, csv = 0, want_changes = 0, ret = CMD_OK, r;
	char *end;

	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (c) {
		case 'r':
			repo = optarg;
			break;
		case 'b':
			q.benchmark = optarg;
			break;
		case 'm':
			if (store_metric_parse(optarg, &q.metric) < 0) {
				cmd_errorf("history", "unknown metric '%s' (see --help)", optarg);
				return CMD_ERROR;
			}
			break;
		case 'B':
			branch = optarg;
			break;
		case 'e':
			q.fingerprint = optarg;
			break;
		case 'n':
			q.limit = strtoul(optarg, &end, 10);
			if (*end || !*optarg || *optarg == '-') {
				cmd_errorf("history", "--limit wants a number, not '%s'", optarg);
				return CMD_ERROR;
			}
			break;
		case 'j':
			json = 1;
			break;
		case 'c':
			csv = 1;
			break;
		case 'C':
			want_changes = 1;
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
	if (optind != argc || (json && csv)) {
		fputs(usage_text, stderr);
		return CMD_ERROR;
	}
	if (repo) {
		repo_location(&location, repo);
		q.repo_location = location.buf;
	}
	if (branch) {
		if (branch_hashes(repo ? repo : ".", branch, &list, &hashes, &err) < 0) {
			cmd_errorf("history", "%s", pw_error_message(&err));
			ret = err.code == PW_ENOTFOUND ? CMD_FAIL : CMD_ERROR;
			goto done;
		}
		q.hashes = hashes;
		q.nhashes = list.ncommits;
	}
	if (store_open(&s, conninfo, &err) < 0) {
		cmd_errorf("history", "%s", pw_error_message(&err));
		ret = CMD_ERROR;
		goto done;
	}
	r = store_history_query(&s, &q, &h, &err);
	if (r < 0) {
		cmd_errorf("history", "%s", pw_error_message(&err));
		ret = r == PW_ENOTFOUND ? CMD_FAIL : CMD_ERROR;
		goto done;
	}
	if (want_changes && changes_find(&h, 0, &changes, &nchanges, &err) < 0) {
		cmd_errorf("history", "%s", pw_error_message(&err));
		ret = CMD_ERROR;
		goto done;
	}
	if (json) {
		print_json(&h, q.benchmark, q.metric, want_changes ? changes_json(&h, changes, nchanges)
		                                                   : NULL);
	} else if (csv) {
		print_csv(&h, q.metric);
	} else {
		print_table(&h, q.metric);
		if (want_changes)
			print_changes(&h, changes, nchanges);
	}
done:
	free(changes);
	store_history_release(&h);
	checkout_list_release(&list);
	free(hashes);
	store_release(&s);
	strbuf_release(&location);
	pw_error_release(&err);
	return ret;
}
