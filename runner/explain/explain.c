/*
 * explain: profile a culprit and its baseline under valgrind and say what
 * grew — functions (exclusive and inclusive), the top functions' lines, the
 * simulated counters, the heap's allocation sites. It sits between judge and
 * measure: `perfwarden explain`, judge/check (after a slower or more-memory
 * verdict) and the worker call it; it runs the benchmark through
 * measure/pipeline's plan (pipeline_run_wrapped) and keeps the profiles in
 * store/profiles. The outputs (table, JSON, Markdown) are in explain_format.c.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "checkout.h"
#include "explain.h"
#include "paths.h"
#include "profiles.h"
#include "proc.h"

#define EXPLAIN_PARALLEL 1 /* both sides at once on a spare cpu: see profile_sides() */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void side_release(struct explain_side *s)
{
	free(s->subject);
	profile_release(&s->profile);
	strbuf_release(&s->why);
	memset(s, 0, sizeof(*s));
}

void explain_result_release(struct explain_result *r)
{
	free(r->benchmark);
	side_release(&r->side[0]);
	side_release(&r->side[1]);
	free(r->fns);
	free(r->lines);
	free(r->sites);
	memset(r, 0, sizeof(*r));
}

static void why_add(struct explain_side *s, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

static void why_add(struct explain_side *s, const char *fmt, ...)
{
	va_list ap;

	if (s->why.len)
		strbuf_addstr(&s->why, "; ");
	va_start(ap, fmt);
	strbuf_vaddf(&s->why, fmt, ap);
	va_end(ap);
}

/* ---- the store ---- */

static const char *time_options(unsigned flags)
{
	return (flags & EXPLAIN_CACHE_SIM) ? "cache-sim" : "";
}

static void profile_key(struct pipeline *p, const char *hash, const char *bench, const char *tool,
                        const char *options, struct store_profile_key *key)
{
	key->repository = pipeline_repo_location(p);
	key->commit = hash;
	key->benchmark = bench;
	key->environment = pipeline_fingerprint(p);
	key->tool = tool;
	key->options = options;
	key->spec_hash = NULL;
}

/* The stored profile of `tool` into the side: 1 when found, 0 when not, < 0 on error. */
/* Where stored profiles are looked up: one repository on one machine. */
struct where {
	struct store *store; /* NULL: no store */
	const char *repository;
	const char *environment;
};

static int load_stored(const struct where *w, struct explain_side *s, const char *bench,
                       const char *tool, const char *options, struct pw_error *err)
{
	struct store *st = w->store;
	struct store_profile_key key = {w->repository, s->hash, bench,       w->environment,
	                                tool,          options, s->spec_hash};
	struct strbuf packed = STRBUF_INIT, raw = STRBUF_INIT;
	struct profile got = PROFILE_INIT;
	json_t *doc = NULL;
	json_error_t jerr;
	int ret;

	if (!st)
		return 0;
	ret = store_profile_get(st, &key, &packed, NULL, err);
	if (ret == PW_ENOTFOUND) {
		pw_error_clear(err);
		ret = 0;
		goto done;
	}
	if (ret < 0)
		goto done;
	if ((ret = profile_uncompress(packed.buf, packed.len, 0, &raw, err)) < 0)
		goto done;
	doc = json_loadb(raw.buf, raw.len, 0, &jerr);
	if (!doc) {
		ret = pw_error_set(err, PW_EINVALID, "a stored profile is not JSON: %s", jerr.text);
		goto done;
	}
	if ((ret = profile_from_json(&got, doc, err)) < 0)
		goto done;
	/* move the part read into the side's profile */
	if (!strcmp(tool, "callgrind")) {
		struct profile keep = s->profile;

		if (keep.has_heap) {
			got.has_heap = keep.has_heap;
			got.heap_peak_bytes = keep.heap_peak_bytes;
			got.heap_processes = keep.heap_processes;
			got.sites = keep.sites;
			got.nsites = keep.nsites;
			got.sites_alloc = keep.sites_alloc;
			keep.sites = NULL;
			keep.nsites = 0;
		}
		profile_release(&keep);
		s->profile = got;
		s->has_time = s->time_reused = 1;
	} else {
		struct profile *pr = &s->profile;
		size_t i;

		for (i = 0; i < pr->nsites; i++) {
			free(pr->sites[i].fn);
			free(pr->sites[i].file);
			free(pr->sites[i].text);
		}
		free(pr->sites);
		pr->sites = got.sites;
		pr->nsites = got.nsites;
		pr->sites_alloc = got.sites_alloc;
		pr->has_heap = 1;
		pr->heap_peak_bytes = got.heap_peak_bytes;
		pr->heap_processes = got.heap_processes;
		got.sites = NULL;
		got.nsites = 0;
		profile_release(&got);
		s->has_heap = s->heap_reused = 1;
	}
	ret = 1;
done:
	if (ret <= 0)
		profile_release(&got);
	json_decref(doc);
	strbuf_release(&packed);
	strbuf_release(&raw);
	return ret;
}

static int save_stored(struct pipeline *p, const struct explain_side *s,
                       const struct pipeline_commit *pc, const char *bench, unsigned part,
                       const char *options, struct pw_error *err)
{
	struct store *st = pipeline_store(p);
	struct store_profile_key key;
	struct strbuf packed = STRBUF_INIT;
	json_t *doc;
	char *text;
	int ret;

	if (!st)
		return 0;
	doc = profile_to_json(&s->profile, part);
	text = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	if (!text)
		abort();
	profile_key(p, s->hash, bench, part == PROFILE_PART_TIME ? "callgrind" : "massif", options,
	            &key);
	key.spec_hash = s->spec_hash;
	ret = profile_compress(text, strlen(text), &packed, err);
	if (!ret)
		ret = store_profile_put(st, &key, pc ? pc->artefacts.hex : "", packed.buf,
		                        packed.len, (int64_t)strlen(text), err);
	free(text);
	strbuf_release(&packed);
	return ret;
}

/* ---- making a profile ---- */

struct job {
	struct pipeline *p;
	struct pipeline_commit *pc;
	size_t bench;
	struct explain_side *side;
	unsigned flags; /* what to make: EXPLAIN_TIME, EXPLAIN_MEMORY, EXPLAIN_CACHE_SIM */
	int cpu;
	int64_t timeout_ms;
	int ret;
	struct pw_error err;
};

static void remove_dir(const char *dir)
{
	struct strbuf path = STRBUF_INIT;
	struct dirent *de;
	DIR *d = opendir(dir);

	while (d && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		strbuf_reset(&path);
		strbuf_addf(&path, "%s/%s", dir, de->d_name);
		unlink(path.buf);
	}
	if (d)
		closedir(d);
	rmdir(dir);
	strbuf_release(&path);
}

/* The last line of valgrind's or the program's stderr, for a message. */
static void last_line(const struct strbuf *tail, struct strbuf *out)
{
	const char *s = strbuf_str(tail), *end = s + strlen(s), *start;

	while (end > s && (end[-1] == '\n' || end[-1] == ' '))
		end--;
	for (start = end; start > s && start[-1] != '\n'; start--)
		;
	if (end > start)
		strbuf_addf(out, ": %.*s", (int)(end - start), start);
}

/* Run one tool; 1 when its files are in `dir`, 0 when it failed (why said), < 0 error. */
static int run_tool(struct job *j, const char *tool, const char *dir)
{
	struct strbuf out = STRBUF_INIT, why = STRBUF_INIT;
	struct proc_result res;
	const char *argv[12];
	size_t k = 0;
	int ret;

	proc_result_init(&res);
	argv[k++] = "valgrind";
	argv[k++] = "-q";
	argv[k++] = "--trace-children=yes";
	if (!strcmp(tool, "callgrind")) {
		argv[k++] = "--tool=callgrind";
		argv[k++] = "--dump-line=yes";
		strbuf_addf(&out, "--callgrind-out-file=%s/cg.%%p", dir);
		if (j->flags & EXPLAIN_CACHE_SIM) {
			argv[k++] = "--cache-sim=yes";
			argv[k++] = "--branch-sim=yes";
		}
	} else {
		argv[k++] = "--tool=massif";
		argv[k++] = "--time-unit=B";
		argv[k++] = "--fullpath-after=";
		strbuf_addf(&out, "--massif-out-file=%s/ms.%%p", dir);
	}
	argv[k++] = out.buf;
	argv[k] = NULL;
	ret = pipeline_run_wrapped(j->p, j->pc, j->bench, argv, j->cpu, j->timeout_ms, &res,
	                           &j->err);
	if (ret == PW_ENOTFOUND) {
		why_add(j->side, "no %s profile: %s", tool, pw_error_message(&j->err));
		pw_error_clear(&j->err);
		ret = 0;
		goto done;
	}
	if (ret < 0)
		goto done;
	if (res.sample.timed_out) {
		why_add(j->side, "no %s profile: the benchmark timed out under valgrind", tool);
		ret = 0;
	} else if (res.sample.term_signal) {
		strbuf_addf(&why,
		            "no %s profile: the benchmark was killed by signal %d under valgrind",
		            tool, res.sample.term_signal);
		last_line(&res.stderr_tail, &why);
		why_add(j->side, "%s", why.buf);
		ret = 0;
	} else if (res.sample.exit_code) {
		strbuf_addf(&why, "no %s profile: the benchmark exited with %d under valgrind",
		            tool, res.sample.exit_code);
		last_line(&res.stderr_tail, &why);
		why_add(j->side, "%s", why.buf);
		ret = 0;
	} else {
		ret = 1;
	}
done:
	proc_result_release(&res);
	strbuf_release(&out);
	strbuf_release(&why);
	return ret;
}

/* Read every file of `dir` starting with `prefix` into the side's profile. */
static int read_files(struct job *j, const char *dir, const char *prefix)
{
	struct strbuf path = STRBUF_INIT;
	struct dirent *de;
	DIR *d = opendir(dir);
	size_t n = 0;
	int ret = 0;

	while (d && (de = readdir(d))) {
		if (strncmp(de->d_name, prefix, strlen(prefix)))
			continue;
		strbuf_reset(&path);
		strbuf_addf(&path, "%s/%s", dir, de->d_name);
		ret = prefix[0] == 'c' ? profile_add_callgrind(&j->side->profile, path.buf,
		                                               j->pc->worktree.buf, &j->err)
		                       : profile_add_massif(&j->side->profile, path.buf,
		                                            j->pc->worktree.buf, &j->err);
		if (ret < 0)
			break;
		n++;
	}
	if (d)
		closedir(d);
	if (!ret && !n)
		why_add(j->side, "valgrind wrote no profile");
	if (ret < 0) {
		why_add(j->side, "%s", pw_error_message(&j->err));
		pw_error_clear(&j->err);
		ret = 0;
		n = 0;
	}
	strbuf_release(&path);
	return n ? 1 : 0;
}

static void *job_run(void *arg)
{
	struct job *j = arg;
	char tmpl[] = "/tmp/perfwarden-profile.XXXXXX";
	int64_t start = now_ms();
	int ret = 0;

	if (!mkdtemp(tmpl)) {
		j->ret = pw_error_errno(&j->err, PW_EIO, "could not create a temporary directory");
		return NULL;
	}
	if ((j->ret = pipeline_hand_over(j->p, tmpl, &j->err)) < 0) {
		remove_dir(tmpl);
		return NULL;
	}
	if ((j->flags & EXPLAIN_TIME) && (ret = run_tool(j, "callgrind", tmpl)) > 0 &&
	    read_files(j, tmpl, "cg.") > 0) {
		j->side->has_time = 1;
		free(j->side->profile.options);
		j->side->profile.options = strdup(time_options(j->flags));
	}
	if (ret >= 0 && (j->flags & EXPLAIN_MEMORY)) {
		remove_dir(tmpl);
		if (mkdir(tmpl, 0700) < 0) {
			ret = pw_error_errno(&j->err, PW_EIO, "could not create '%s'", tmpl);
		} else if ((ret = pipeline_hand_over(j->p, tmpl, &j->err)) < 0) {
			/* the error says why */
		} else if ((ret = run_tool(j, "massif", tmpl)) > 0 &&
		           read_files(j, tmpl, "ms.") > 0) {
			j->side->has_heap = 1;
		}
	}
	if (ret >= 0)
		profile_read_sources(&j->side->profile, j->pc->worktree.buf);
	remove_dir(tmpl);
	j->side->profile_ms = now_ms() - start;
	j->ret = ret < 0 ? ret : 0;
	return NULL;
}

static void side_from_commit(struct explain_side *s, const struct checkout_commit *c,
                             const struct spec *spec)
{
	snprintf(s->spec_hash, sizeof(s->spec_hash), "%s", spec ? spec->hash : "");
	snprintf(s->hash, sizeof(s->hash), "%s", c->hash);
	snprintf(s->short_hash, sizeof(s->short_hash), "%s", c->short_hash);
	free(s->subject);
	s->subject = c->subject ? strdup(c->subject) : NULL;
}

static long bench_index(const struct pipeline_commit *pc, const char *name)
{
	size_t i;

	for (i = 0; i < pc->nbenches; i++)
		if (!strcmp(pc->benches[i].name, name))
			return (long)i;
	return -1;
}

/*
 * Profile what `want[k]` asks of side k (its commit prepared in pcs[k]), both
 * at once when there is a spare cpu, and store what was made.
 */
static int profile_sides(struct pipeline *p, struct pipeline_commit **pcs, const char *bench,
                         struct explain_result *r, const unsigned *want,
                         const struct explain_options *o, struct pw_error *err)
{
	struct job jobs[2];
	pthread_t thread;
	int spare = pipeline_spare_cpu(p), threaded = 0, ret = 0;
	size_t k;

	memset(jobs, 0, sizeof(jobs));
	memset(&thread, 0, sizeof(thread));
	for (k = 0; k < 2; k++) {
		long b = pcs[k] ? bench_index(pcs[k], bench) : -1;

		jobs[k].err = (struct pw_error)PW_ERROR_INIT;
		if (!want[k])
			continue;
		if (b < 0 || pcs[k]->status != VERDICT_OK || !pcs[k]->worktree.len) {
			why_add(&r->side[k], "no profile: commit %s %s", r->side[k].short_hash,
			        pcs[k] && pcs[k]->status != VERDICT_OK
			                ? verdict_name(pcs[k]->status)
			                : "has no such benchmark");
			continue;
		}
		jobs[k].p = p;
		jobs[k].pc = pcs[k];
		jobs[k].bench = (size_t)b;
		jobs[k].side = &r->side[k];
		jobs[k].flags = want[k] | (o->flags & EXPLAIN_CACHE_SIM);
		jobs[k].cpu = k == 0 && spare >= 0 ? spare : pipeline_cpu(p);
		jobs[k].timeout_ms = o->timeout_ms;
	}
	/*
	 * The baseline's side on a thread of its own, on the spare cpu. Safe
	 * while the sandbox raw-clones the other side's init: between that
	 * clone and its exec of perfwarden-launch only system calls run, so a
	 * lock the other thread holds (malloc's) is never waited on.
	 */
	if (EXPLAIN_PARALLEL && jobs[0].p && jobs[1].p && spare >= 0 &&
	    pthread_create(&thread, NULL, job_run, &jobs[0]) == 0)
		threaded = 1;
	else if (jobs[0].p)
		job_run(&jobs[0]);
	if (jobs[1].p)
		job_run(&jobs[1]);
	if (threaded)
		pthread_join(thread, NULL);
	for (k = 0; k < 2; k++) {
		if (jobs[k].ret < 0 && !ret) {
			ret = pw_error_set(err, jobs[k].ret, "%s", pw_error_message(&jobs[k].err));
			continue;
		}
		if (!jobs[k].p || (o->flags & EXPLAIN_NO_STORE))
			continue;
		if (r->side[k].has_time && (want[k] & EXPLAIN_TIME) && !ret &&
		    (ret = save_stored(p, &r->side[k], pcs[k], bench, PROFILE_PART_TIME,
		                       time_options(o->flags), err)) < 0)
			break;
		if (r->side[k].has_heap && (want[k] & EXPLAIN_MEMORY) && !ret &&
		    (ret = save_stored(p, &r->side[k], pcs[k], bench, PROFILE_PART_HEAP, "", err)) <
		            0)
			break;
	}
	pw_error_release(&jobs[0].err);
	pw_error_release(&jobs[1].err);
	return ret;
}

/* What side k still needs after the store was asked (enum explain_flags bits). */
static int from_store(const struct where *w, struct explain_result *r, const char *bench,
                      const struct explain_options *o, unsigned *want, struct pw_error *err)
{
	size_t k;
	int ret;

	for (k = 0; k < 2; k++) {
		want[k] = o->flags & (EXPLAIN_TIME | EXPLAIN_MEMORY);
		if (o->flags & (EXPLAIN_FORCE | EXPLAIN_NO_STORE))
			continue;
		if ((want[k] & EXPLAIN_TIME) &&
		    (ret = load_stored(w, &r->side[k], bench, "callgrind", time_options(o->flags),
		                       err)) != 0) {
			if (ret < 0)
				return ret;
			want[k] &= ~(unsigned)EXPLAIN_TIME;
		}
		if ((want[k] & EXPLAIN_MEMORY) &&
		    (ret = load_stored(w, &r->side[k], bench, "massif", "", err)) != 0) {
			if (ret < 0)
				return ret;
			want[k] &= ~(unsigned)EXPLAIN_MEMORY;
		}
	}
	return 0;
}

static void options_normalize(struct explain_options *o)
{
	if (!(o->flags & (EXPLAIN_TIME | EXPLAIN_MEMORY)))
		o->flags |= EXPLAIN_TIME;
	if (!o->top)
		o->top = 10;
	if (!o->line_fns)
		o->line_fns = 3;
	if (!o->lines)
		o->lines = 5;
}

/*
 * Harnesses that decide how many iterations (or runs) to make from a time
 * budget: under callgrind a case that got slower runs fewer of them, so the
 * whole command's instructions compare different amounts of work.
 */
static const char *work_caveat(const struct spec *spec, const char *benchmark)
{
	const struct spec_benchmark *sb = spec ? spec_benchmark_find(spec, benchmark) : NULL;

	if (!sb || !sb->has_format)
		return NULL;
	switch (sb->format) {
	case HARNESS_GOOGLE_BENCHMARK:
	case HARNESS_GO_BENCH:
	case HARNESS_PYTEST_BENCHMARK:
	case HARNESS_CATCH2:
	case HARNESS_HYPERFINE:
		return "the harness sizes its iterations to a time budget, so the two profiles "
		       "may cover different amounts of work: a slower case runs fewer iterations "
		       "and can show fewer instructions, not more. Read which functions changed "
		       "and their lines; for one case's cost per iteration, profile a command that "
		       "runs only that case a fixed number of times";
	default:
		return NULL;
	}
}

int explain_prepared(struct pipeline *p, struct pipeline_commit *base,
                     struct pipeline_commit *culprit, const char *benchmark,
                     const struct explain_options *opts, struct explain_result *out,
                     struct pw_error *err)
{
	struct explain_options o = *opts;
	struct pipeline_commit *pcs[2] = {base, culprit};
	struct where w = {pipeline_store(p), pipeline_repo_location(p), pipeline_fingerprint(p)};
	unsigned want[2];
	int ret;

	options_normalize(&o);
	explain_result_release(out);
	out->benchmark = strdup(benchmark);
	if (!out->benchmark)
		abort();
	side_from_commit(&out->side[0], &base->commit, base->spec);
	side_from_commit(&out->side[1], &culprit->commit, culprit->spec);
	out->work_caveat = work_caveat(culprit->spec, benchmark);
	if ((ret = from_store(&w, out, benchmark, &o, want, err)) < 0 ||
	    (ret = profile_sides(p, pcs, benchmark, out, want, &o, err)) < 0)
		return ret;
	explain_compare(out, &o);
	return 0;
}

static int prepare(struct pipeline *p, const char *hash, const char *bench,
                   struct pipeline_commit *pc, struct pw_error *err)
{
	int ret = pipeline_prepare(p, hash, pc, err);

	if (ret < 0)
		return ret;
	if (pc->status != VERDICT_OK)
		return pw_error_set(err, PW_EINVALID, "commit %s cannot be profiled: %s (%s)",
		                    pc->commit.short_hash, verdict_name(pc->status),
		                    strbuf_str(&pc->message));
	if (bench_index(pc, bench) < 0)
		return pw_error_set(err, PW_ENOTFOUND, "commit %s has no benchmark '%s'",
		                    pc->commit.short_hash, bench);
	return 0;
}

int explain_commits(struct pipeline *p, const char *culprit, const char *base,
                    const char *benchmark, const struct explain_options *opts,
                    struct explain_result *out, struct pw_error *err)
{
	struct explain_options o = *opts;
	struct checkout_commit commits[2] = {CHECKOUT_COMMIT_INIT, CHECKOUT_COMMIT_INIT};
	struct pipeline_commit pcs[2] = {PIPELINE_COMMIT_INIT, PIPELINE_COMMIT_INIT};
	struct pipeline_commit *ready[2] = {NULL, NULL};
	struct spec *specs[2] = {NULL, NULL};
	struct strbuf bench = STRBUF_INIT;
	struct where w = {pipeline_store(p), pipeline_repo_location(p), pipeline_fingerprint(p)};
	unsigned want[2];
	size_t k;
	int ret;

	options_normalize(&o);
	explain_result_release(out);
	if ((ret = checkout_commit_lookup(pipeline_repo(p), culprit, &commits[1], err)) < 0)
		goto done;
	if (!base && !commits[1].nparents) {
		ret = pw_error_set(err, PW_ENOTFOUND,
		                   "commit %s has no parent: name a baseline with --against",
		                   commits[1].short_hash);
		goto done;
	}
	if ((ret = checkout_commit_lookup(pipeline_repo(p), base ? base : commits[1].parents[0],
	                                  &commits[0], err)) < 0)
		goto done;
	/* the specs in force: the default benchmark, and which build a stored profile is of */
	for (k = 0; k < 2; k++) {
		if ((ret = pipeline_spec_of(p, commits[k].hash, &specs[k], err)) < 0) {
			pw_error_prefix(err, "commit %s", commits[k].short_hash);
			goto done;
		}
		side_from_commit(&out->side[k], &commits[k], specs[k]);
	}
	if (benchmark) {
		strbuf_addstr(&bench, benchmark);
	} else if (!specs[1]->nbenchmarks) {
		ret = pw_error_set(err, PW_EINVALID, "commit %s has no benchmark",
		                   commits[1].short_hash);
		goto done;
	} else {
		strbuf_addstr(&bench, specs[1]->benchmarks[0].name);
	}
	out->benchmark = strbuf_detach(&bench, NULL);
	out->work_caveat = work_caveat(specs[1], out->benchmark);
	if ((ret = from_store(&w, out, out->benchmark, &o, want, err)) < 0)
		goto done;
	for (k = 0; k < 2; k++) {
		if (!want[k])
			continue;
		if ((ret = prepare(p, commits[k].hash, out->benchmark, &pcs[k], err)) < 0)
			goto done;
		ready[k] = &pcs[k];
	}
	if ((ret = profile_sides(p, ready, out->benchmark, out, want, &o, err)) < 0)
		goto done;
	explain_compare(out, &o);
done:
	for (k = 0; k < 2; k++) {
		checkout_commit_release(&commits[k]);
		pipeline_commit_release(&pcs[k]);
		spec_free(specs[k]);
	}
	strbuf_release(&bench);
	return ret;
}

/* ---- comparing ---- */

static double ratio(int64_t part, int64_t whole)
{
	return whole ? (double)part / (double)whole : 0.0;
}

static int by_change(const void *a, const void *b)
{
	const struct explain_fn *x = a, *y = b;
	double dx = x->share, dy = y->share;

	return dx < dy ? 1 : dx > dy ? -1 : strcmp(x->name, y->name);
}

static int fn_find(const struct profile *pr, const char *object, const char *name)
{
	size_t i;

	for (i = 0; i < pr->nfns; i++)
		if (!strcmp(pr->fns[i].name, name) && !strcmp(pr->fns[i].object, object))
			return (int)i;
	return -1;
}

static void compare_functions(struct explain_result *r, int ev0, int ev1, size_t top)
{
	const struct profile *a = &r->side[0].profile, *b = &r->side[1].profile;
	int64_t change = r->total[1] - r->total[0];
	struct explain_fn *all;
	size_t n = 0, i;

	all = calloc(a->nfns + b->nfns + 1, sizeof(*all));
	if (!all)
		abort();
	for (i = 0; i < b->nfns; i++) {
		const struct profile_fn *f = &b->fns[i];
		int j = fn_find(a, f->object, f->name);
		struct explain_fn *e = &all[n];

		e->name = f->name;
		e->object = f->object;
		e->file = f->file;
		e->self[1] = f->self[ev1];
		e->incl[1] = f->incl[ev1];
		e->present[1] = 1;
		if (j >= 0) {
			e->self[0] = a->fns[j].self[ev0];
			e->incl[0] = a->fns[j].incl[ev0];
			e->present[0] = 1;
		}
		if (e->self[1] != e->self[0] || e->incl[1] != e->incl[0])
			n++;
		else
			memset(e, 0, sizeof(*e));
	}
	for (i = 0; i < a->nfns; i++) {
		const struct profile_fn *f = &a->fns[i];
		struct explain_fn *e = &all[n];

		if (fn_find(b, f->object, f->name) >= 0 || (!f->self[ev0] && !f->incl[ev0]))
			continue;
		e->name = f->name;
		e->object = f->object;
		e->file = f->file;
		e->self[0] = f->self[ev0];
		e->incl[0] = f->incl[ev0];
		e->present[0] = 1;
		n++;
	}
	/* the part of the change each explains, positive in the change's direction */
	for (i = 0; i < n; i++)
		all[i].share = change ? ratio(all[i].self[1] - all[i].self[0], change)
		                      : ratio(llabs(all[i].self[1] - all[i].self[0]),
		                              r->total[0] ? r->total[0] : 1);
	if (n)
		qsort(all, n, sizeof(*all), by_change);
	/* what explains less than EXPLAIN_MIN_SHARE of the change is noise (the loader's) */
	for (i = 0; i < n && i < top; i++)
		if (change && fabs(all[i].share) < EXPLAIN_MIN_SHARE)
			break;
	r->fns = all;
	r->nfns = i;
}

/* Whether function `f` of `pr` is the project's own (its file under the worktree). */
static int project_fn(const struct profile_fn *f)
{
	return *f->file && f->file[0] != '/' && f->file[0] != '.';
}

/* The call edge caller→callee's cost on a side, found by the functions' names. */
static int64_t edge_cost(const struct profile *pr, const char *caller_obj, const char *caller,
                         const char *callee_obj, const char *callee, int ev)
{
	int a = fn_find(pr, caller_obj, caller), b = fn_find(pr, callee_obj, callee);
	size_t i;

	if (a < 0 || b < 0)
		return 0;
	for (i = 0; i < pr->ncalls; i++)
		if (pr->calls[i].caller == (size_t)a && pr->calls[i].callee == (size_t)b)
			return pr->calls[i].cost[ev];
	return 0;
}

/*
 * The callers through which the top function's change came: from it, the
 * caller whose calls to it changed most in the change's direction, up to the
 * project's own code (3 levels at most).
 */
static void find_via(struct explain_result *r, int ev0, int ev1)
{
	const struct profile *a = &r->side[0].profile, *b = &r->side[1].profile;
	const struct profile *pr = r->total[1] >= r->total[0] ? b : a;
	int sign = r->total[1] >= r->total[0] ? 1 : -1;
	int cur, k;
	size_t i;

	r->nvia = 0;
	if (!r->nfns)
		return;
	cur = fn_find(pr, r->fns[0].object, r->fns[0].name);
	for (k = 0; cur >= 0 && k < 3 && !project_fn(&pr->fns[cur]); k++) {
		int best = -1;
		int64_t best_delta = 0;

		for (i = 0; i < pr->ncalls; i++) {
			const struct profile_fn *c, *e;
			int64_t d;

			if (pr->calls[i].callee != (size_t)cur ||
			    pr->calls[i].caller == (size_t)cur)
				continue;
			c = &pr->fns[pr->calls[i].caller];
			e = &pr->fns[cur];
			d = edge_cost(b, c->object, c->name, e->object, e->name, ev1) -
			    edge_cost(a, c->object, c->name, e->object, e->name, ev0);
			if (d * sign > best_delta) {
				best_delta = d * sign;
				best = (int)pr->calls[i].caller;
			}
		}
		if (best < 0)
			break;
		r->via[r->nvia++] = pr->fns[best].name;
		cur = best;
	}
}

/* A line's identity within its function: its file and text (k-th of that text), else number. */
static void line_key(const struct profile *pr, size_t li, struct strbuf *key)
{
	const struct profile_line *l = &pr->lines[li];
	size_t i, k = 0;

	strbuf_reset(key);
	if (!l->text) {
		strbuf_addf(key, "%s:%d", l->file, l->line);
		return;
	}
	for (i = 0; i < pr->nlines; i++) {
		const struct profile_line *m = &pr->lines[i];

		if (m->fn == l->fn && m->text && m->line < l->line && !strcmp(m->file, l->file) &&
		    !strcmp(m->text, l->text))
			k++;
	}
	strbuf_addf(key, "%s\x1f%s\x1f%zu", l->file, l->text, k);
}

static int by_line_share(const void *a, const void *b)
{
	const struct explain_line *x = a, *y = b;

	if (x->fn != y->fn)
		return x->fn < y->fn ? -1 : 1;
	return x->share < y->share ? 1 : x->share > y->share ? -1 : 0;
}

/* The lines of function `fn` of `pr`: their indexes and identities (line_key), malloc'd. */
static size_t fn_lines(const struct profile *pr, int fn, size_t **idx, char ***keys)
{
	struct strbuf key = STRBUF_INIT;
	size_t i, n = 0;

	*idx = calloc(pr->nlines + 1, sizeof(**idx));
	*keys = calloc(pr->nlines + 1, sizeof(**keys));
	if (!*idx || !*keys)
		abort();
	for (i = 0; fn >= 0 && i < pr->nlines; i++) {
		if (pr->lines[i].fn != (size_t)fn)
			continue;
		line_key(pr, i, &key);
		(*idx)[n] = i;
		(*keys)[n++] = strbuf_detach(&key, NULL);
	}
	strbuf_release(&key);
	return n;
}

static void fn_lines_free(size_t *idx, char **keys, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(keys[i]);
	free(keys);
	free(idx);
}

static struct explain_line *line_add(struct explain_line **all, size_t *n, size_t *alloc, size_t fn,
                                     const struct profile_line *l)
{
	struct explain_line *e;

	if (*n + 1 > *alloc) {
		*alloc = *alloc ? *alloc * 2 : 64;
		*all = realloc(*all, *alloc * sizeof(**all));
		if (!*all)
			abort();
	}
	e = &(*all)[(*n)++];
	memset(e, 0, sizeof(*e));
	e->fn = fn;
	e->file = l->file;
	e->text = l->text;
	return e;
}

static void compare_lines(struct explain_result *r, int ev0, int ev1, size_t nfns, size_t per_fn)
{
	const struct profile *pr[2] = {&r->side[0].profile, &r->side[1].profile};
	int64_t change = r->total[1] - r->total[0];
	struct explain_line *all = NULL;
	size_t n = 0, alloc = 0, f, i, j, kept = 0;

	r->lines_missing = !pr[0]->nlines && !pr[1]->nlines;
	for (f = 0; f < nfns && f < r->nfns; f++) {
		const struct explain_fn *ef = &r->fns[f];
		size_t *idx[2], n0, n1, start = n;
		char **keys[2];

		n0 = fn_lines(pr[0], fn_find(pr[0], ef->object, ef->name), &idx[0], &keys[0]);
		n1 = fn_lines(pr[1], fn_find(pr[1], ef->object, ef->name), &idx[1], &keys[1]);
		/* the culprit's lines, then the baseline's matched to them by identity */
		for (i = 0; i < n1; i++) {
			const struct profile_line *l = &pr[1]->lines[idx[1][i]];
			struct explain_line *e = line_add(&all, &n, &alloc, f, l);

			e->line[1] = l->line;
			e->cost[1] = l->cost[ev1];
		}
		for (i = 0; i < n0; i++) {
			const struct profile_line *l = &pr[0]->lines[idx[0][i]];
			struct explain_line *e = NULL;

			for (j = 0; j < n1 && !e; j++)
				if (!strcmp(keys[0][i], keys[1][j]))
					e = &all[start + j];
			if (!e)
				e = line_add(&all, &n, &alloc, f, l);
			e->line[0] = l->line;
			e->cost[0] += l->cost[ev0];
		}
		fn_lines_free(idx[0], keys[0], n0);
		fn_lines_free(idx[1], keys[1], n1);
	}
	for (i = 0; i < n; i++)
		all[i].share = change ? ratio(all[i].cost[1] - all[i].cost[0], change) : 0.0;
	if (n)
		qsort(all, n, sizeof(*all), by_line_share);
	/* per function, the lines that moved in the change's direction, biggest first */
	for (i = 0, j = 0; i < n; i++) {
		size_t fn = all[i].fn;

		if (i == 0 || fn != f) {
			f = fn;
			j = 0;
		}
		if (j < per_fn && all[i].share >= EXPLAIN_MIN_SHARE &&
		    all[i].cost[0] != all[i].cost[1]) {
			all[kept++] = all[i];
			j++;
		}
	}
	r->lines = all;
	r->nlines = kept;
}

static int by_site(const void *a, const void *b)
{
	const struct explain_site *x = a, *y = b;

	return x->share < y->share ? 1 : x->share > y->share ? -1 : 0;
}

static void site_id(const struct profile_site *s, struct strbuf *out)
{
	strbuf_reset(out);
	if (s->text)
		strbuf_addf(out, "%s\x1f%s\x1f%s", s->fn, s->file, s->text);
	else
		strbuf_addf(out, "%s\x1f%s\x1f%d", s->fn, s->file, s->line);
}

/* How many sites of `all` only one side has (side: 0 baseline, 1 culprit) in fn, file. */
static size_t lone_sites(const struct explain_site *all, size_t n, int side, const char *fn,
                         const char *file, size_t *at)
{
	size_t i, count = 0;

	for (i = 0; i < n; i++)
		if (all[i].line[side] && !all[i].line[!side] && !strcmp(all[i].fn, fn) &&
		    !strcmp(all[i].file, file)) {
			count++;
			*at = i;
		}
	return count;
}

/*
 * An allocation whose line was edited (its size changed) is one site, not a
 * new one and a gone one: when a function has exactly one site only the
 * culprit has and one only the baseline has, they are the same site.
 */
static size_t merge_edited_sites(struct explain_site *all, size_t n)
{
	size_t i, j, a, b, kept = 0;

	for (i = 0; i < n; i++) {
		if (!all[i].line[1] || all[i].line[0] || !*all[i].file)
			continue;
		if (lone_sites(all, n, 1, all[i].fn, all[i].file, &a) != 1 ||
		    lone_sites(all, n, 0, all[i].fn, all[i].file, &b) != 1)
			continue;
		all[a].line[0] = all[b].line[0];
		all[a].bytes[0] = all[b].bytes[0];
		all[b].line[0] = 0;
		all[b].bytes[0] = 0;
	}
	for (j = 0; j < n; j++)
		if (all[j].line[0] || all[j].line[1] || all[j].bytes[0] || all[j].bytes[1])
			all[kept++] = all[j];
	return kept;
}

static void compare_heap(struct explain_result *r, size_t top)
{
	const struct profile *pr[2] = {&r->side[0].profile, &r->side[1].profile};
	int64_t change;
	struct strbuf ka = STRBUF_INIT, kb = STRBUF_INIT;
	struct explain_site *all;
	size_t n = 0, i, j;
	int side;

	r->heap_peak[0] = pr[0]->heap_peak_bytes;
	r->heap_peak[1] = pr[1]->heap_peak_bytes;
	change = r->heap_peak[1] - r->heap_peak[0];
	all = calloc(pr[0]->nsites + pr[1]->nsites + 1, sizeof(*all));
	if (!all)
		abort();
	for (side = 1; side >= 0; side--) {
		for (i = 0; i < pr[side]->nsites; i++) {
			const struct profile_site *s = &pr[side]->sites[i];
			struct explain_site *e = NULL;

			site_id(s, &ka);
			for (j = 0; j < n && side == 0; j++) {
				const struct profile_site *o = NULL;
				size_t m;

				for (m = 0; m < pr[1]->nsites; m++)
					if (!strcmp(pr[1]->sites[m].fn, all[j].fn) &&
					    pr[1]->sites[m].line == all[j].line[1] &&
					    !strcmp(pr[1]->sites[m].file, all[j].file))
						o = &pr[1]->sites[m];
				if (!o)
					continue;
				site_id(o, &kb);
				if (!strcmp(ka.buf, kb.buf)) {
					e = &all[j];
					break;
				}
			}
			if (!e) {
				e = &all[n++];
				e->fn = s->fn;
				e->file = s->file;
				e->text = s->text;
			}
			e->line[side] = s->line;
			e->bytes[side] += s->bytes;
		}
	}
	n = merge_edited_sites(all, n);
	for (i = 0; i < n; i++)
		all[i].share = change ? ratio(all[i].bytes[1] - all[i].bytes[0], change) : 0.0;
	if (n)
		qsort(all, n, sizeof(*all), by_site);
	r->sites = all;
	r->nsites = n < top ? n : top;
	strbuf_release(&ka);
	strbuf_release(&kb);
}

/* Counters from callgrind's events: the sum of `names` (NULL-ended) on each side. */
static void counter(struct explain_result *r, const char *label, const char *const *names)
{
	struct explain_counter *c;
	int any = 0;
	size_t k, i;

	if (r->ncounters >= sizeof(r->counters) / sizeof(r->counters[0]))
		return;
	c = &r->counters[r->ncounters];
	memset(c, 0, sizeof(*c));
	c->name = label;
	for (k = 0; k < 2; k++) {
		for (i = 0; names[i]; i++) {
			int ev = profile_event(&r->side[k].profile, names[i]);

			if (ev < 0)
				return;
			c->value[k] += r->side[k].profile.totals[ev];
			any = 1;
		}
	}
	if (any)
		r->ncounters++;
}

void explain_compare(struct explain_result *r, const struct explain_options *opts)
{
	static const char *const ir[] = {"Ir", NULL}, *const mem[] = {"Dr", "Dw", NULL},
	                         *const d1[] = {"D1mr", "D1mw", NULL}, *const i1[] = {"I1mr", NULL},
	                         *const ll[] = {"ILmr", "DLmr", "DLmw", NULL},
	                         *const br[] = {"Bc", "Bi", NULL},
	                         *const brm[] = {"Bcm", "Bim", NULL};
	struct explain_options o = *opts;
	const char *why = NULL;

	options_normalize(&o);
	free(r->fns);
	free(r->lines);
	free(r->sites);
	r->fns = NULL;
	r->lines = NULL;
	r->sites = NULL;
	r->nfns = r->nlines = r->nsites = r->ncounters = 0;
	r->has_time = r->side[0].has_time && r->side[1].has_time;
	r->has_heap = r->side[0].has_heap && r->side[1].has_heap;
	if (r->has_time) {
		int ev0 = profile_event(&r->side[0].profile, "Ir");
		int ev1 = profile_event(&r->side[1].profile, "Ir");

		if (ev0 < 0 || ev1 < 0) {
			ev0 = ev1 = 0;
			r->event = r->side[1].profile.events[0];
		} else {
			r->event = "Ir";
		}
		r->total[0] = r->side[0].profile.totals[ev0];
		r->total[1] = r->side[1].profile.totals[ev1];
		compare_functions(r, ev0, ev1, o.top);
		find_via(r, ev0, ev1);
		compare_lines(r, ev0, ev1, o.line_fns, o.lines);
		counter(r, "instructions", ir);
		counter(r, "data reads + writes", mem);
		counter(r, "L1 instruction misses", i1);
		counter(r, "L1 data misses", d1);
		counter(r, "last-level misses", ll);
		counter(r, "branches", br);
		counter(r, "branch mispredictions", brm);
	}
	if (!proc_counters_available(&why))
		r->cycles_why = why;
	if (r->has_heap)
		compare_heap(r, o.top);
}

int explain_stored(struct store *s, const char *repository, const char *environment,
                   const char *base, const char *culprit, const char *benchmark,
                   const struct explain_options *opts, struct explain_result *out,
                   struct pw_error *err)
{
	struct explain_options o = *opts;
	struct where w = {s, repository, environment};
	const char *hashes[2] = {base, culprit};
	unsigned want[2];
	size_t k;
	int ret;

	options_normalize(&o);
	o.flags &= ~(unsigned)(EXPLAIN_FORCE | EXPLAIN_NO_STORE);
	explain_result_release(out);
	out->benchmark = strdup(benchmark);
	if (!out->benchmark)
		abort();
	for (k = 0; k < 2; k++) {
		snprintf(out->side[k].hash, sizeof(out->side[k].hash), "%s", hashes[k]);
		snprintf(out->side[k].short_hash, sizeof(out->side[k].short_hash), "%.7s",
		         hashes[k]);
	}
	if ((ret = from_store(&w, out, benchmark, &o, want, err)) < 0)
		return ret;
	if (!(out->side[0].has_time && out->side[1].has_time) &&
	    !(out->side[0].has_heap && out->side[1].has_heap))
		return pw_error_set(err, PW_ENOTFOUND,
		                    "no stored profiles of '%s' for %.12s against %.12s", benchmark,
		                    culprit, base);
	explain_compare(out, &o);
	return 0;
}
