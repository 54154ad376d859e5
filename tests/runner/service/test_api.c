/*
 * The JSON the dashboard pages consume (runner/service/api.c), against a real
 * embedded PostgreSQL in a fresh $PERFWARDEN_HOME and a real git repository,
 * both made here. The data set is written through store_results_save():
 *
 *   repository R (a local git repo): 16 commits c0..c15 on one branch, each
 *   with one "julia" run in environment "env-a" of 5 samples, wall =
 *   base + k * 1000 ns (k = 0..4) where base = 100 ms (c0..c7) or 150 ms
 *   (c8..c15) + i * 10 us; c3 wrong-output (diff report), c8 slower (metadata
 *   names c7 as baseline), c15 build-failed (no samples), the rest ok. c10's
 *   author time is later than c11's, so first-parent order (c11 newer) and
 *   author-time order differ. "mandel" ran on c0 and c1 in "env-b".
 *   repository P ("https://github.com/example/proj.git"): one commit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>
#include <math.h>

#include "../../store/fixture.h"
#include "api.h"
#include "query.h"
#include "report_html.h"
#include "results.h"

#define NCOMMITS      16
#define ENV_A_DETAILS "{\"cpu\": \"Test CPU 3000\", \"governor\": \"performance\"}"

/* cmocka 1.1 has no assert_double_equal. */
#define assert_near(a, b, eps) near_or_fail((a), (b), (eps), #a, __FILE__, __LINE__)

static void near_or_fail(double a, double b, double eps, const char *what, const char *file,
                         int line)
{
	if (!(fabs(a - b) <= eps))
		fail_msg("%s:%d: %s = %.17g, expected %.17g", file, line, what, a, b);
}

static struct store db = STORE_INIT;
static char repo_dir[300];
static char hashes[NCOMMITS][41];
static const char proj_hash[] = "abababababababababababababababababababab";

static int64_t wall_base(int i)
{
	return (i < 8 ? 100000000 : 150000000) + (int64_t)i * 10000;
}

static int64_t author_time(int i)
{
	int j = i == 10 ? 11 : i == 11 ? 10 : i;

	return 1700000000 + (int64_t)j * 3600;
}

static void make_repo(void)
{
	struct strbuf cmd = STRBUF_INIT;
	FILE *p;
	int i;

	snprintf(repo_dir, sizeof(repo_dir), "%s/repo", fixture_dir);
	strbuf_addf(&cmd,
	            "git init -q -b main '%s' && cd '%s' && git config user.name T && "
	            "git config user.email t@example.com",
	            repo_dir, repo_dir);
	for (i = 0; i < NCOMMITS; i++)
		strbuf_addf(&cmd,
		            " && GIT_AUTHOR_DATE='@%lld +0000' git commit -q --allow-empty -m c%d",
		            (long long)author_time(i), i);
	assert_int_equal(system(cmd.buf), 0);
	strbuf_reset(&cmd);
	strbuf_addf(&cmd, "git -C '%s' rev-list --reverse --first-parent HEAD", repo_dir);
	p = popen(cmd.buf, "r");
	assert_non_null(p);
	for (i = 0; i < NCOMMITS; i++)
		assert_int_equal(fscanf(p, "%40s", hashes[i]), 1);
	pclose(p);
	strbuf_release(&cmd);
}

static void save(const char *location, const char *name, const char *hash, const char *parent,
                 int64_t when, const char *subject, const char *env, const char *env_details,
                 const struct store_run_result *run)
{
	struct pw_error err = PW_ERROR_INIT;
	const char *parents[1] = {parent};
	struct store_results r = {0};

	r.repo_location = location;
	r.repo_name = name;
	r.commit.hash = hash;
	r.commit.parents = parents;
	r.commit.nparents = parent ? 1 : 0;
	r.commit.author = "Ada Tester";
	r.commit.email = "ada@example.com";
	r.commit.author_time = when;
	r.commit.subject = subject;
	r.env_fingerprint = env;
	r.env_details_json = env_details;
	r.runs = run;
	r.nruns = 1;
	if (store_results_save(&db, &r, NULL, &err) < 0)
		fail_msg("store_results_save: %s", pw_error_message(&err));
	pw_error_release(&err);
}

static int setup(void **state)
{
	struct pw_error err = PW_ERROR_INIT;
	struct strbuf meta = STRBUF_INIT;
	struct sample samples[5];
	char subject[16];
	int i, k;

	if (fixture_setup(state))
		return -1;
	make_repo();
	if (store_open(&db, NULL, &err) < 0) {
		fprintf(stderr, "store_open: %s\n", pw_error_message(&err));
		return -1;
	}
	for (i = 0; i < NCOMMITS; i++) {
		struct store_run_result run = {0};

		for (k = 0; k < 5; k++) {
			struct sample x = SAMPLE_INIT;

			x.wall_ns = wall_base(i) + k * 1000;
			x.user_ns = x.wall_ns / 2;
			x.sys_ns = 1000;
			x.maxrss_kib = 2048;
			x.exit_code = 0;
			samples[k] = x;
		}
		run.benchmark = "julia";
		run.spec_hash = "spec1";
		run.verdict = i == 3    ? "wrong-output"
		              : i == 8  ? "slower"
		              : i == 15 ? "build-failed"
		                        : "ok";
		run.samples = i == 15 ? NULL : samples;
		run.nsamples = i == 15 ? 0 : 5;
		if (i == 3)
			run.diff_report = "row 1, column 1: expected 0, got 7";
		if (i == 15)
			run.build_log_tail = "kernel.c:1: error: boom";
		strbuf_reset(&meta);
		if (i == 8)
			strbuf_addf(&meta,
			            "{\"baseline\": \"%s\", \"ratio\": 1.5, \"ci\": [1.45, 1.55], "
			            "\"p_value\": 0.0008}",
			            hashes[7]);
		run.metadata_json = meta.len ? meta.buf : NULL;
		snprintf(subject, sizeof(subject), "c%d", i);
		save(repo_dir, "repo", hashes[i], i ? hashes[i - 1] : NULL, author_time(i), subject,
		     "env-a", ENV_A_DETAILS, &run);
		if (i < 2) {
			run.benchmark = "mandel";
			run.verdict = "ok";
			run.metadata_json = NULL;
			save(repo_dir, "repo", hashes[i], i ? hashes[i - 1] : NULL, author_time(i),
			     subject, "env-b", NULL, &run);
		}
	}
	{
		struct store_run_result run = {0};

		run.benchmark = "julia";
		run.spec_hash = "spec1";
		run.verdict = "ok";
		run.samples = samples;
		run.nsamples = 5;
		save("https://github.com/example/proj.git", "proj", proj_hash, NULL, 1600000000,
		     "proj initial", "env-a", ENV_A_DETAILS, &run);
	}
	strbuf_release(&meta);
	pw_error_release(&err);
	return 0;
}

static int teardown(void **state)
{
	store_release(&db);
	return fixture_teardown(state);
}

/* Query parameters as "k=v&k=v" (values used as given: no %-decoding needed here). */
struct query {
	char keys[8][32];
	char values[8][200];
	int n;
};

static const char *query_param(void *ctx, const char *key)
{
	struct query *q = ctx;
	int i;

	for (i = 0; i < q->n; i++)
		if (!strcmp(q->keys[i], key))
			return q->values[i];
	return NULL;
}

/* GET path?query through api_route; the JSON body parsed into *doc (NULL when not JSON). */
static int get(const char *path, const char *query, json_t **doc, struct api_response *resp)
{
	struct pw_error err = PW_ERROR_INIT;
	struct query q = {.n = 0};
	const char *p = query;
	int ret;

	while (p && *p) {
		const char *amp = strchr(p, '&'), *eq = strchr(p, '=');
		size_t len = amp ? (size_t)(amp - p) : strlen(p);

		assert_true(eq && eq < p + len);
		snprintf(q.keys[q.n], sizeof(q.keys[0]), "%.*s", (int)(eq - p), p);
		snprintf(q.values[q.n], sizeof(q.values[0]), "%.*s", (int)(p + len - eq - 1),
		         eq + 1);
		q.n++;
		p += len + (amp ? 1 : 0);
	}
	ret = api_route(&db, path, query_param, &q, resp, &err);
	if (ret < 0 && ret != PW_ENOTFOUND)
		fprintf(stderr, "api_route(%s): %s\n", path, pw_error_message(&err));
	*doc = ret == 0 ? json_loads(strbuf_str(&resp->body), 0, NULL) : NULL;
	pw_error_release(&err);
	return ret;
}

/* GET that must answer `status` with JSON; returns the document (caller decrefs). */
static json_t *get_json(const char *path, const char *query, int status)
{
	struct api_response resp = API_RESPONSE_INIT;
	json_t *doc = NULL;

	assert_int_equal(get(path, query, &doc, &resp), 0);
	if (resp.status != status)
		fail_msg("%s?%s: status %d, expected %d: %s", path, query ? query : "", resp.status,
		         status, strbuf_str(&resp.body));
	assert_string_equal(resp.content_type, "application/json");
	assert_non_null(doc);
	api_response_release(&resp);
	return doc;
}

static const char *sget(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static double nget(json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

static void test_api__repos_lists_repositories_benchmarks_and_environments(void **state)
{
	json_t *doc = get_json("/api/repos", NULL, 200), *repos = json_object_get(doc, "repos");
	json_t *repo = NULL, *proj = NULL, *b, *e;
	size_t i;

	(void)state;
	assert_int_equal(json_array_size(repos), 2);
	json_array_foreach(repos, i, b)
	{
		if (!strcmp(sget(b, "location"), repo_dir))
			repo = b;
		else
			proj = b;
	}
	assert_non_null(repo);
	assert_non_null(proj);
	assert_true(json_is_null(json_object_get(repo, "forge_url")));
	assert_string_equal(sget(proj, "forge_url"), "https://github.com/example/proj");
	assert_string_equal(sget(proj, "name"), "proj");
	b = json_object_get(repo, "benchmarks");
	assert_int_equal(json_array_size(b), 2);
	assert_string_equal(sget(json_array_get(b, 0), "name"), "julia");
	assert_string_equal(sget(json_array_get(b, 1), "name"), "mandel");
	e = json_array_get(json_object_get(json_array_get(b, 0), "environments"), 0);
	assert_string_equal(sget(e, "fingerprint"), "env-a");
	assert_int_equal((int)nget(e, "commits"), NCOMMITS);
	assert_int_equal((int)nget(e, "runs"), NCOMMITS);
	assert_string_equal(sget(e, "latest"), hashes[15]);
	e = json_array_get(json_object_get(json_array_get(b, 1), "environments"), 0);
	assert_string_equal(sget(e, "fingerprint"), "env-b");
	assert_int_equal((int)nget(e, "commits"), 2);
	json_decref(doc);
}

static void test_api__history_is_first_parent_newest_first_with_aggregates(void **state)
{
	struct strbuf q = STRBUF_INIT;
	json_t *doc, *commits, *c;
	int i;

	(void)state;
	strbuf_addf(&q, "repo=%s&benchmark=julia", repo_dir);
	doc = get_json("/api/history", q.buf, 200);
	assert_string_equal(sget(doc, "order"), "first-parent");
	assert_string_equal(sget(doc, "unit"), "ns");
	assert_string_equal(sget(doc, "metric"), "wall");
	assert_true(json_is_null(json_object_get(doc, "next")));
	commits = json_object_get(doc, "commits");
	assert_int_equal(json_array_size(commits), NCOMMITS);
	for (i = 0; i < NCOMMITS; i++)
		assert_string_equal(sget(json_array_get(commits, (size_t)i), "hash"),
		                    hashes[NCOMMITS - 1 - i]);
	c = json_array_get(commits, 0); /* c15: build failed, no samples */
	assert_string_equal(sget(c, "verdict"), "build-failed");
	assert_int_equal((int)nget(c, "count"), 0);
	assert_true(json_is_null(json_object_get(c, "median")));
	c = json_array_get(commits, 7); /* c8: slower */
	assert_string_equal(sget(c, "verdict"), "slower");
	assert_int_equal(strlen(sget(c, "short")), 12);
	assert_memory_equal(sget(c, "short"), hashes[8], 12);
	assert_string_equal(sget(c, "subject"), "c8");
	assert_int_equal((long long)nget(c, "author_time"), author_time(8));
	assert_int_equal((int)nget(c, "count"), 5);
	assert_near(nget(c, "median"), (double)wall_base(8) + 2000, 1e-6);
	assert_near(nget(c, "min"), (double)wall_base(8), 1e-6);
	assert_near(nget(c, "iqr"), 2000, 1e-6);
	assert_near(nget(c, "q1"), (double)wall_base(8) + 1000, 1e-6);
	assert_near(nget(c, "q3"), (double)wall_base(8) + 3000, 1e-6);
	assert_near(nget(c, "ratio_prev"),
	            ((double)wall_base(8) + 2000) / ((double)wall_base(7) + 2000), 1e-12);
	assert_true(
	        json_is_null(json_object_get(json_array_get(commits, NCOMMITS - 1), "ratio_prev")));
	json_decref(doc);

	/* Without a local repository the order is the author time: c10 before c11. */
	doc = get_json("/api/history", "benchmark=julia&limit=6", 200);
	assert_string_equal(sget(doc, "order"), "author-time");
	commits = json_object_get(doc, "commits");
	assert_int_equal(json_array_size(commits), 6);
	assert_string_equal(sget(json_array_get(commits, 4), "hash"), hashes[10]);
	assert_string_equal(sget(json_array_get(commits, 5), "hash"), hashes[11]);
	json_decref(doc);
	strbuf_release(&q);
}

static void test_api__history_pages_with_a_cursor(void **state)
{
	struct strbuf q = STRBUF_INIT;
	const char *seen[NCOMMITS + 1];
	json_t *docs[8];
	int ndocs = 0, n = 0, round;

	(void)state;
	for (round = 0; round < 2; round++) {
		const char *next = NULL;

		n = 0;
		ndocs = 0;
		do {
			json_t *doc, *commits, *last;

			strbuf_reset(&q);
			strbuf_addf(&q, "benchmark=julia&limit=5");
			if (!round)
				strbuf_addf(&q, "&repo=%s", repo_dir);
			if (next)
				strbuf_addf(&q, "&before=%.10s", next);
			doc = docs[ndocs++] = get_json("/api/history", q.buf, 200);
			commits = json_object_get(doc, "commits");
			assert_true(json_array_size(commits) <= 5);
			for (size_t i = 0; i < json_array_size(commits); i++)
				seen[n++] = sget(json_array_get(commits, i), "hash");
			last = json_array_get(commits, json_array_size(commits) - 1);
			next = sget(doc, "next");
			if (next) {
				/* A full page, and its last row still knows its ratio to the next
				 * page. */
				assert_int_equal(json_array_size(commits), 5);
				assert_string_equal(next, sget(last, "hash"));
				if (nget(last, "count") > 0)
					assert_true(
					        json_is_real(json_object_get(last, "ratio_prev")));
			}
		} while (next && ndocs < 8);
		assert_int_equal(ndocs, 4);            /* 5 + 5 + 5 + 1 */
		assert_int_equal(n, NCOMMITS + round); /* all repositories: proj's commit too */
		if (!round)
			for (int i = 0; i < NCOMMITS; i++)
				assert_string_equal(seen[i], hashes[NCOMMITS - 1 - i]);
		for (int i = 0; i < ndocs; i++)
			json_decref(docs[i]);
	}
	/* The oldest commit as the cursor: an empty last page. */
	strbuf_reset(&q);
	strbuf_addf(&q, "benchmark=julia&limit=5&repo=%s&before=%s", repo_dir, hashes[0]);
	docs[0] = get_json("/api/history", q.buf, 200);
	assert_int_equal(json_array_size(json_object_get(docs[0], "commits")), 0);
	assert_true(json_is_null(json_object_get(docs[0], "next")));
	json_decref(docs[0]);
	/* offset skips rows after the cursor. */
	strbuf_reset(&q);
	strbuf_addf(&q, "benchmark=julia&limit=2&offset=3&repo=%s", repo_dir);
	docs[0] = get_json("/api/history", q.buf, 200);
	assert_string_equal(sget(json_array_get(json_object_get(docs[0], "commits"), 0), "hash"),
	                    hashes[NCOMMITS - 4]);
	json_decref(docs[0]);
	strbuf_release(&q);
}

static void test_api__history_rejects_bad_parameters(void **state)
{
	static const char *bad[] = {
	        "",
	        "benchmark=julia&metric=speed",
	        "benchmark=julia&limit=0",
	        "benchmark=julia&limit=5001",
	        "benchmark=julia&limit=ten",
	        "benchmark=julia&limit=-3",
	        "benchmark=julia&offset=x",
	        "benchmark=julia&before=xyz'--",
	        "benchmark=julia&before=0000000000",
	};
	json_t *doc;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		doc = get_json("/api/history", bad[i], 400);
		assert_non_null(sget(doc, "error"));
		json_decref(doc);
	}
	doc = get_json("/api/history", "benchmark=nbody", 404);
	assert_non_null(strstr(sget(doc, "error"), "nbody"));
	json_decref(doc);
	doc = get_json("/api/changes", "metric=wall", 400);
	json_decref(doc);
	doc = get_json("/api/history", "benchmark=julia&limit=5000", 200);
	assert_int_equal(json_array_size(json_object_get(doc, "commits")), NCOMMITS + 1);
	json_decref(doc);
}

static void test_api__commit_has_samples_verdict_metadata_and_baseline(void **state)
{
	struct strbuf path = STRBUF_INIT;
	json_t *doc, *run, *base;

	(void)state;
	strbuf_addf(&path, "/api/commits/%.8s", hashes[8]);
	doc = get_json(path.buf, NULL, 200);
	assert_string_equal(sget(doc, "hash"), hashes[8]);
	assert_string_equal(sget(doc, "subject"), "c8");
	assert_string_equal(sget(doc, "author"), "Ada Tester");
	assert_string_equal(sget(json_object_get(doc, "repo"), "location"), repo_dir);
	assert_true(json_is_null(json_object_get(doc, "forge_url")));
	assert_string_equal(json_string_value(json_array_get(json_object_get(doc, "parents"), 0)),
	                    hashes[7]);
	assert_int_equal(json_array_size(json_object_get(doc, "runs")), 1);
	run = json_array_get(json_object_get(doc, "runs"), 0);
	assert_string_equal(sget(run, "benchmark"), "julia");
	assert_string_equal(sget(run, "verdict"), "slower");
	assert_int_equal(json_array_size(json_object_get(run, "samples")), 5);
	assert_near(nget(json_array_get(json_object_get(run, "samples"), 4), "wall"),
	            (double)wall_base(8) + 4000, 1e-6);
	assert_true(json_is_null(json_object_get(json_array_get(json_object_get(run, "samples"), 0),
	                                         "instructions")));
	assert_near(nget(json_object_get(run, "summary"), "median"), (double)wall_base(8) + 2000,
	            1e-6);
	assert_near(nget(json_object_get(run, "metadata"), "ratio"), 1.5, 1e-12);
	assert_near(nget(json_object_get(run, "metadata"), "p_value"), 0.0008, 1e-12);
	assert_int_equal(json_array_size(json_object_get(json_object_get(run, "metadata"), "ci")),
	                 2);
	assert_string_equal(sget(json_object_get(run, "environment"), "fingerprint"), "env-a");
	assert_string_equal(
	        sget(json_object_get(json_object_get(run, "environment"), "details"), "cpu"),
	        "Test CPU 3000");
	base = json_object_get(run, "baseline");
	assert_true(json_is_object(base));
	assert_string_equal(sget(base, "hash"), hashes[7]);
	assert_string_equal(sget(base, "verdict"), "ok");
	assert_int_equal(json_array_size(json_object_get(base, "samples")), 5);
	assert_near(nget(json_object_get(base, "summary"), "median"), (double)wall_base(7) + 2000,
	            1e-6);
	json_decref(doc);

	/* Failures carry their reports; no baseline named, none shown. */
	strbuf_reset(&path);
	strbuf_addf(&path, "/api/commits/%s", hashes[3]);
	doc = get_json(path.buf, NULL, 200);
	run = json_array_get(json_object_get(doc, "runs"), 0);
	assert_string_equal(sget(run, "verdict"), "wrong-output");
	assert_non_null(strstr(sget(run, "diff_report"), "expected 0, got 7"));
	assert_true(json_is_null(json_object_get(run, "baseline")));
	json_decref(doc);
	strbuf_reset(&path);
	strbuf_addf(&path, "/api/commits/%s", hashes[15]);
	doc = get_json(path.buf, NULL, 200);
	run = json_array_get(json_object_get(doc, "runs"), 0);
	assert_string_equal(sget(run, "verdict"), "build-failed");
	assert_non_null(strstr(sget(run, "build_log_tail"), "error: boom"));
	assert_int_equal(json_array_size(json_object_get(run, "samples")), 0);
	assert_true(json_is_null(json_object_get(run, "summary")));
	json_decref(doc);

	/* A web location links to the forge. */
	doc = get_json("/api/commits/abababab", NULL, 200);
	assert_string_equal(sget(doc, "forge_url"), "https://github.com/example/proj/commit/"
	                                            "abababababababababababababababababababab");
	json_decref(doc);
	strbuf_release(&path);
}

static void test_api__commit_unknown_is_404_malformed_is_400(void **state)
{
	json_t *doc;

	(void)state;
	doc = get_json("/api/commits/deadbeef", NULL, 404);
	assert_non_null(strstr(sget(doc, "error"), "deadbeef"));
	json_decref(doc);
	json_decref(get_json("/api/commits/xyz", NULL, 400));
	json_decref(get_json("/api/commits/12", NULL, 400));
	json_decref(get_json("/api/commits/' OR 1=1 --", NULL, 400));
	json_decref(get_json("/api/compare", "a=deadbeef", 400));
	json_decref(get_json("/api/compare", "a=deadbeef&b=zz", 400));
	json_decref(get_json("/api/nothing", NULL, 404));
}

static void test_api__commits_are_named_as_the_cli_names_them(void **state)
{
	struct strbuf q = STRBUF_INIT;
	json_t *doc;

	(void)state;
	/* a ref, resolved in the local repository ?repo= names */
	strbuf_addf(&q, "repo=%s", repo_dir);
	doc = get_json("/api/commits/HEAD", q.buf, 200);
	assert_string_equal(sget(doc, "hash"), hashes[15]);
	json_decref(doc);
	doc = get_json("/api/commits/main~7", q.buf, 200);
	assert_string_equal(sget(doc, "hash"), hashes[8]);
	assert_string_equal(sget(json_array_get(json_object_get(doc, "runs"), 0), "verdict"),
	                    "slower");
	json_decref(doc);
	doc = get_json("/api/commits/no-such-branch", q.buf, 404);
	assert_non_null(strstr(sget(doc, "error"), "no-such-branch"));
	json_decref(doc);
	strbuf_reset(&q);
	strbuf_addf(&q, "repo=%s&a=main~13&b=HEAD~6", repo_dir);
	doc = get_json("/api/compare", q.buf, 200);
	assert_string_equal(sget(json_object_get(doc, "a"), "hash"), hashes[2]);
	assert_string_equal(sget(json_object_get(doc, "b"), "hash"), hashes[9]);
	json_decref(doc);
	/* two repositories stored and none named: a ref cannot be told; a hash still can */
	doc = get_json("/api/commits/HEAD", NULL, 400);
	assert_non_null(strstr(sget(doc, "error"), "?repo="));
	json_decref(doc);
	strbuf_reset(&q);
	strbuf_addf(&q, "a=%.10s&b=main", hashes[2]);
	json_decref(get_json("/api/compare", q.buf, 400));
	/* a repository that is not on this machine resolves nothing but hashes */
	doc = get_json("/api/commits/HEAD", "repo=https://github.com/example/proj.git", 400);
	json_decref(doc);
	strbuf_release(&q);
}

static void test_api__compare_gives_ratio_interval_and_p(void **state)
{
	struct strbuf q = STRBUF_INIT;
	json_t *doc, *bench, *m, *wall = NULL;
	size_t i;

	(void)state;
	strbuf_addf(&q, "a=%s&b=%s", hashes[2], hashes[9]);
	doc = get_json("/api/compare", q.buf, 200);
	assert_string_equal(sget(json_object_get(doc, "a"), "hash"), hashes[2]);
	assert_string_equal(sget(json_object_get(doc, "b"), "hash"), hashes[9]);
	assert_int_equal(json_array_size(json_object_get(doc, "benchmarks")), 1);
	bench = json_array_get(json_object_get(doc, "benchmarks"), 0);
	assert_string_equal(sget(bench, "benchmark"), "julia");
	assert_true(json_is_true(json_object_get(bench, "same_environment")));
	json_array_foreach(json_object_get(bench, "metrics"), i, m)
	{
		if (!strcmp(sget(m, "metric"), "wall"))
			wall = m;
		assert_string_not_equal(sget(m, "metric"), "instructions"); /* not measured */
	}
	assert_non_null(wall);
	assert_int_equal((int)nget(wall, "n_a"), 5);
	assert_near(nget(wall, "median_a"), (double)wall_base(2) + 2000, 1e-6);
	assert_near(nget(wall, "ratio"),
	            ((double)wall_base(9) + 2000) / ((double)wall_base(2) + 2000), 1e-12);
	assert_true(json_number_value(json_array_get(json_object_get(wall, "ci"), 0)) > 1.4);
	assert_true(json_number_value(json_array_get(json_object_get(wall, "ci"), 1)) < 1.6);
	assert_true(nget(wall, "p_value") < 0.01);
	json_decref(doc);
	strbuf_release(&q);
}

static void test_api__changes_finds_the_step(void **state)
{
	struct strbuf q = STRBUF_INIT;
	json_t *doc, *ch, *segs;

	(void)state;
	strbuf_addf(&q, "repo=%s&benchmark=julia", repo_dir);
	doc = get_json("/api/changes", q.buf, 200);
	/* c3 (wrong output) and c15 (build failed) are not timings: 14 points. */
	assert_int_equal((int)nget(doc, "points"), NCOMMITS - 2);
	ch = json_object_get(doc, "changes");
	assert_int_equal(json_array_size(ch), 1);
	assert_string_equal(sget(json_array_get(ch, 0), "hash"), hashes[8]);
	assert_true(nget(json_array_get(ch, 0), "ratio") > 1.45);
	segs = json_object_get(doc, "segments");
	assert_int_equal(json_array_size(segs), 2);
	assert_string_equal(sget(json_array_get(segs, 0), "first"), hashes[0]);
	assert_string_equal(sget(json_array_get(segs, 0), "last"), hashes[7]);
	assert_string_equal(sget(json_array_get(segs, 1), "last"), hashes[14]);
	json_decref(doc);
	strbuf_release(&q);
}

static void test_api__pages_and_static_files(void **state)
{
	struct api_response resp = API_RESPONSE_INIT;
	json_t *doc;

	(void)state;
	assert_int_equal(get("/", NULL, &doc, &resp), 0);
	assert_int_equal(resp.status, 200);
	assert_string_equal(resp.content_type, "text/html; charset=utf-8");
	assert_non_null(strstr(resp.body.buf, "perfwardenPage('dashboard')"));
	assert_null(strstr(resp.body.buf, "http://"));
	assert_null(strstr(resp.body.buf, "https://"));
	json_decref(doc);
	assert_int_equal(get("/commit/abcdef12", NULL, &doc, &resp), 0);
	assert_non_null(strstr(resp.body.buf, "perfwardenPage('commit')"));
	assert_int_equal(get("/compare", NULL, &doc, &resp), 0);
	assert_non_null(strstr(resp.body.buf, "perfwardenPage('compare')"));
	assert_int_equal(get("/static/app.js", NULL, &doc, &resp), 0);
	assert_string_equal(resp.content_type, "application/javascript; charset=utf-8");
	assert_non_null(strstr(resp.body.buf, "drawHistory"));
	assert_int_equal(get("/static/chart.js", NULL, &doc, &resp), 0);
	assert_int_equal(resp.status, 200);
	assert_true(resp.body.len > 100000);
	assert_non_null(strstr(resp.body.buf, "Chart.js v3"));
	setenv("PERFWARDEN_CHARTJS", "/nonexistent/chart.min.js", 1);
	assert_int_equal(get("/static/chart.js", NULL, &doc, &resp), 0);
	unsetenv("PERFWARDEN_CHARTJS");
	assert_int_equal(resp.status, 500);
	assert_non_null(strstr(resp.body.buf, "libjs-chart.js"));
	/* Not this module's: the server answers those. */
	assert_int_equal(get("/hooks/github", NULL, &doc, &resp), PW_ENOTFOUND);
	assert_int_equal(get("/static/../etc/passwd", NULL, &doc, &resp), PW_ENOTFOUND);
	assert_int_equal(get("/static/nothing.js", NULL, &doc, &resp), PW_ENOTFOUND);
	api_response_release(&resp);
}

static void test_api__report_is_one_self_contained_file(void **state)
{
	struct report_html_options o = REPORT_HTML_OPTIONS_INIT;
	struct pw_error err = PW_ERROR_INIT;
	struct strbuf html = STRBUF_INIT;
	const char *data;

	(void)state;
	o.repo = repo_dir;
	o.benchmark = "julia";
	o.limit = 10;
	assert_int_equal(report_html_build(&db, &o, &html, &err), 0);
	assert_non_null(strstr(html.buf, "<!doctype html>"));
	assert_null(strstr(html.buf, "/*PW:"));
	assert_null(strstr(html.buf, "<script src"));
	assert_null(strstr(html.buf, "<link"));
	assert_non_null(strstr(html.buf, "Chart.js v3"));
	data = strstr(html.buf, "id=\"pw-data\">");
	assert_non_null(data);
	assert_non_null(strstr(data, hashes[15]));
	assert_null(strstr(data, hashes[5])); /* only the newest 10 */
	strbuf_reset(&html);
	o.benchmark = "nbody";
	assert_int_equal(report_html_build(&db, &o, &html, &err), PW_ENOTFOUND);
	o.benchmark = "julia";
	o.limit = 6000;
	assert_int_equal(report_html_build(&db, &o, &html, &err), PW_EINVALID);
	strbuf_release(&html);
	pw_error_release(&err);
}

static void test_api__report_without_a_benchmark_covers_every_one(void **state)
{
	struct report_html_options o = REPORT_HTML_OPTIONS_INIT;
	struct pw_error err = PW_ERROR_INIT;
	struct strbuf html = STRBUF_INIT;
	const char *data, *julia, *mandel;

	(void)state;
	o.repo = repo_dir;
	o.limit = 10;
	assert_int_equal(report_html_build(&db, &o, &html, &err), 0);
	data = strstr(html.buf, "id=\"pw-data\">");
	assert_non_null(data);
	julia = strstr(data, "{\"benchmark\":\"julia\"");
	mandel = strstr(data, "{\"benchmark\":\"mandel\"");
	assert_non_null(julia);
	assert_non_null(mandel);
	assert_true(julia < mandel); /* in name order */
	strbuf_reset(&html);
	o.repo = "/nowhere/at/all";
	assert_int_equal(report_html_build(&db, &o, &html, &err), PW_ENOTFOUND);
	assert_non_null(strstr(pw_error_message(&err), "no runs stored in '/nowhere/at/all'"));
	strbuf_release(&html);
	pw_error_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_api__repos_lists_repositories_benchmarks_and_environments),
	        cmocka_unit_test(test_api__history_is_first_parent_newest_first_with_aggregates),
	        cmocka_unit_test(test_api__history_pages_with_a_cursor),
	        cmocka_unit_test(test_api__history_rejects_bad_parameters),
	        cmocka_unit_test(test_api__commit_has_samples_verdict_metadata_and_baseline),
	        cmocka_unit_test(test_api__commit_unknown_is_404_malformed_is_400),
	        cmocka_unit_test(test_api__compare_gives_ratio_interval_and_p),
	        cmocka_unit_test(test_api__commits_are_named_as_the_cli_names_them),
	        cmocka_unit_test(test_api__changes_finds_the_step),
	        cmocka_unit_test(test_api__pages_and_static_files),
	        cmocka_unit_test(test_api__report_is_one_self_contained_file),
	        cmocka_unit_test(test_api__report_without_a_benchmark_covers_every_one),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
