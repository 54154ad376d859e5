/*
 * The store's benchmark driver (run by store/bench; not a test): generates
 * COMMITS commits x BENCHMARKS benchmarks x SAMPLES samples through the store
 * API (store_results_write: one transaction per commit, samples by COPY),
 * reports the ingest rate, then times store_history_query() for one
 * benchmark over its newest LIMIT commits (warm) and prints its plan.
 *
 *   bench_store [--commits N] [--benchmarks N] [--samples N] [--batch N]
 *               [--limit N] [--queries N] [--repo LOCATION] [--database CONNINFO]
 *
 * --batch N writes N commits per transaction (store_results_write_many);
 * the default 1 is the runner's path (store_results_write per commit).
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "query.h"
#include "results.h"
#include "store_internal.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static int by_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	long commits = 10000, benchmarks = 3, nsamples = 30, limit = 1000, queries = 50, batch = 1;
	const char *conninfo = NULL, *repo = "/bench/repo";
	struct store s = STORE_INIT;
	struct pw_error err = PW_ERROR_INIT;
	struct store_results *results;
	struct store_run_result *runs;
	struct sample *samples;
	char(*hashes)[41], (*parents)[41];
	const char **parent_ptrs;
	char name[32];
	char **bench_names;
	double t0, elapsed, *lat;
	long c, b, k, i, inbatch = 0;
	int ret = 1;

	for (i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--commits"))
			commits = atol(argv[i + 1]);
		else if (!strcmp(argv[i], "--benchmarks"))
			benchmarks = atol(argv[i + 1]);
		else if (!strcmp(argv[i], "--samples"))
			nsamples = atol(argv[i + 1]);
		else if (!strcmp(argv[i], "--limit"))
			limit = atol(argv[i + 1]);
		else if (!strcmp(argv[i], "--queries"))
			queries = atol(argv[i + 1]);
		else if (!strcmp(argv[i], "--batch"))
			batch = atol(argv[i + 1]);
		else if (!strcmp(argv[i], "--repo"))
			repo = argv[i + 1];
		else if (!strcmp(argv[i], "--database"))
			conninfo = argv[i + 1];
	}
	if (commits < 1 || benchmarks < 2 || nsamples < 1 || batch < 1 || queries < 1) {
		fprintf(stderr, "bench_store: bad arguments\n");
		return 2;
	}
	if (store_open(&s, conninfo, &err) < 0) {
		fprintf(stderr, "bench_store: %s\n", pw_error_message(&err));
		return 2;
	}
	results = calloc((size_t)batch, sizeof(*results));
	runs = calloc((size_t)(batch * benchmarks), sizeof(*runs));
	samples = calloc((size_t)(batch * benchmarks * nsamples), sizeof(*samples));
	hashes = calloc((size_t)batch, sizeof(*hashes));
	parents = calloc((size_t)batch, sizeof(*parents));
	parent_ptrs = calloc((size_t)batch, sizeof(*parent_ptrs));
	bench_names = calloc((size_t)benchmarks, sizeof(*bench_names));
	lat = calloc((size_t)queries + 1, sizeof(*lat));
	if (!results || !runs || !samples || !hashes || !parents || !parent_ptrs || !bench_names ||
	    !lat)
		abort();
	for (b = 0; b < benchmarks; b++) {
		snprintf(name, sizeof(name), "bench%ld", b);
		bench_names[b] = strdup(name);
	}
	t0 = now_s();
	for (c = 0; c < commits; c++) {
		struct store_results *r = &results[inbatch];
		struct store_run_result *crun = runs + inbatch * benchmarks;
		struct sample *csamples = samples + inbatch * benchmarks * nsamples;

		if (c)
			memcpy(parents[inbatch], inbatch ? hashes[inbatch - 1] : hashes[batch - 1],
			       41);
		snprintf(hashes[inbatch], sizeof(hashes[inbatch]), "%08lx%016" PRIx64 "%016" PRIx64,
		         (unsigned long)c & 0xffffffffUL, (uint64_t)rng(), (uint64_t)rng());
		for (b = 0; b < benchmarks; b++) {
			struct store_run_result *run = &crun[b];

			memset(run, 0, sizeof(*run));
			run->benchmark = bench_names[b];
			run->spec_hash = "bench-spec";
			run->started_us = (1700000000LL + c * 60) * 1000000LL;
			run->finished_us = run->started_us + 5000000LL;
			run->verdict = "ok";
			run->samples = csamples + b * nsamples;
			run->nsamples = (size_t)nsamples;
			for (k = 0; k < nsamples; k++) {
				struct sample x = SAMPLE_INIT;

				x.wall_ns = 100000000LL + (int64_t)(rng() % 5000000);
				x.user_ns = x.wall_ns - 1000000;
				x.sys_ns = 500000 + (int64_t)(rng() % 1000);
				x.maxrss_kib = 20480;
				x.minflt = 1200;
				x.nvcsw = 1;
				x.nivcsw = (int64_t)(rng() % 10);
				x.exit_code = 0;
				csamples[b * nsamples + k] = x;
			}
		}
		memset(r, 0, sizeof(*r));
		parent_ptrs[inbatch] = parents[inbatch];
		r->repo_location = repo;
		r->repo_name = "bench";
		r->commit.hash = hashes[inbatch];
		r->commit.parents = &parent_ptrs[inbatch];
		r->commit.nparents = c ? 1 : 0;
		r->commit.author = "bench";
		r->commit.email = "bench@example.com";
		r->commit.author_time = 1700000000LL + c * 60;
		r->commit.subject = "a generated commit";
		r->env_fingerprint = "bench-env";
		r->runs = crun;
		r->nruns = (size_t)benchmarks;
		if (++inbatch < batch && c + 1 < commits)
			continue;
		if (store_results_write_many(&s, results, (size_t)inbatch, &err) < 0) {
			fprintf(stderr, "bench_store: commit %ld: %s\n", c, pw_error_message(&err));
			goto done;
		}
		inbatch = 0;
	}
	elapsed = now_s() - t0;
	printf("ingest: %ld commits x %ld benchmarks x %ld samples = %ld samples in %.2f s: "
	       "%.0f samples/s, %.0f commits/s (%ld commit%s per transaction)\n",
	       commits, benchmarks, nsamples, commits * benchmarks * nsamples, elapsed,
	       (double)(commits * benchmarks * nsamples) / elapsed, (double)commits / elapsed,
	       batch, batch == 1 ? "" : "s");
	fflush(stdout);
	/* what autovacuum does on its own a little later; without it the planner
	 * has no statistics for the freshly loaded tables */
	t0 = now_s();
	if (store_exec(&s, "VACUUM ANALYZE", &err) < 0)
		fprintf(stderr, "bench_store: %s\n", pw_error_message(&err));
	printf("vacuum analyze: %.2f s\n", now_s() - t0);
	{
		struct store_history_query q = {repo, NULL, STORE_METRIC_WALL, NULL,
		                                NULL, 0,    (size_t)limit,     NULL};
		struct strbuf plan = STRBUF_INIT;

		q.benchmark = bench_names[1];
		for (i = 0; i < 3; i++) { /* warm up */
			struct store_history h = STORE_HISTORY_INIT;

			if (store_history_query(&s, &q, &h, &err) < 0) {
				fprintf(stderr, "bench_store: %s\n", pw_error_message(&err));
				goto done;
			}
			store_history_release(&h);
		}
		for (i = 0; i < queries; i++) {
			struct store_history h = STORE_HISTORY_INIT;

			t0 = now_s();
			store_history_query(&s, &q, &h, &err);
			lat[i] = (now_s() - t0) * 1e3;
			if ((long)h.nrows != (limit < commits ? limit : commits))
				fprintf(stderr, "bench_store: history returned %zu rows\n",
				        h.nrows);
			store_history_release(&h);
		}
		qsort(lat, (size_t)queries, sizeof(*lat), by_double);
		printf("history: benchmark %s, newest %ld commits, %ld warm queries: "
		       "p50 %.2f ms, p95 %.2f ms, max %.2f ms\n",
		       q.benchmark, limit, queries, lat[queries / 2],
		       lat[(long)ceil(0.95 * (double)queries) - 1], lat[queries - 1]);
		if (store_history_explain(&s, &q, &plan, &err) == 0)
			printf("plan:\n%s", plan.buf);
		strbuf_release(&plan);
	}
	ret = 0;
done:
	for (b = 0; b < benchmarks; b++)
		free(bench_names[b]);
	free(bench_names);
	free(results);
	free(runs);
	free(samples);
	free(hashes);
	free(parents);
	free(parent_ptrs);
	free(lat);
	store_release(&s);
	pw_error_release(&err);
	return ret;
}
