/*
 * The pipeline: one commit's way through perfwarden. It reads the commit's
 * spec, checks the commit out into its own worktree, builds it, runs every
 * benchmark (warm-ups, then the kept repetitions, each a fresh measured
 * process), verifies each kept run's output against its golden set, and
 * stores the runs and samples in one transaction. `perfwarden run`, `check`,
 * `bisect` and the worker all go through here; judging is runner/check's.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "build.h"
#include "paths.h"
#include "pipeline.h"
#include "proc.h"
#include "query.h"
#include "results.h"
#include "system.h"
#include "verify.h"

struct pipeline {
	struct pipeline_options opts;
	struct checkout_repo *repo;
	struct strbuf location; /* the repository as stored: absolute path or URL */
	struct strbuf name;     /* its short name */
	struct spec *override;  /* --spec */
	struct strbuf golden_dir;
	struct strbuf workdir;
	struct store store;
	int has_store;
	struct system sys;
	struct strbuf fingerprint;
	json_t *environment;
	int cpu;
	size_t position, count; /* commit position/count for progress lines; 0 when unknown */
};

static void progress(struct pipeline *p, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

static void progress(struct pipeline *p, const char *fmt, ...)
{
	struct strbuf line = STRBUF_INIT;
	va_list ap;

	if (!p->opts.progress)
		return;
	if (p->count)
		strbuf_addf(&line, "commit %zu/%zu ", p->position, p->count);
	va_start(ap, fmt);
	strbuf_vaddf(&line, fmt, ap);
	va_end(ap);
	p->opts.progress(p->opts.progress_arg, line.buf);
	strbuf_release(&line);
}

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- results ---- */

static void bench_release(struct pipeline_bench *b)
{
	proc_count_job_free(b->count_job);
	free(b->name);
	free(b->samples);
	strbuf_release(&b->report);
	strbuf_release(&b->stderr_tail);
	json_decref(b->metadata);
	memset(b, 0, sizeof(*b));
}

void pipeline_commit_release(struct pipeline_commit *pc)
{
	size_t i;

	artefact_digest_release(&pc->artefacts);
	checkout_commit_release(&pc->commit);
	strbuf_release(&pc->message);
	strbuf_release(&pc->build_log);
	strbuf_release(&pc->worktree);
	spec_free(pc->spec);
	for (i = 0; i < pc->nbenches; i++)
		bench_release(&pc->benches[i]);
	free(pc->benches);
	pc->spec = NULL;
	pc->benches = NULL;
	pc->nbenches = 0;
	pc->status = VERDICT_OK;
}

double *pipeline_bench_values(const struct pipeline_bench *b, size_t *n)
{
	double *v = calloc(b->nsamples ? b->nsamples : 1, sizeof(*v));
	size_t i;

	if (!v)
		abort();
	for (i = 0; i < b->nsamples; i++)
		v[i] = (double)b->samples[i].wall_ns;
	*n = b->nsamples;
	return v;
}

static void bench_add_sample(struct pipeline_bench *b, const struct sample *s)
{
	if (b->nsamples == b->alloc) {
		b->alloc = b->alloc ? b->alloc * 2 : 16;
		b->samples = realloc(b->samples, b->alloc * sizeof(*b->samples));
		if (!b->samples)
			abort();
	}
	b->samples[b->nsamples++] = *s;
}

/* ---- opening ---- */

static int repo_location(struct pipeline *p, const char *where, struct pw_error *err)
{
	const char *gitdir = checkout_repo_path(p->repo);
	char real[PATH_MAX];
	const char *base;
	size_t len;

	if (where && checkout_repo_is_clone(p->repo)) {
		strbuf_addstr(&p->location, where);
	} else {
		if (!realpath(gitdir, real))
			return pw_error_errno(err, PW_EIO, "could not resolve '%s'", gitdir);
		strbuf_addstr(&p->location, real);
		len = p->location.len;
		while (len > 1 && p->location.buf[len - 1] == '/')
			len--;
		strbuf_setlen(&p->location, len);
		if (len > 5 && !strcmp(p->location.buf + len - 5, "/.git"))
			strbuf_setlen(&p->location, len - 5);
	}
	len = p->location.len;
	while (len > 1 && p->location.buf[len - 1] == '/')
		len--;
	base = p->location.buf;
	{
		const char *slash = NULL, *q;

		for (q = base; q < base + len; q++)
			if (*q == '/' || *q == ':')
				slash = q;
		if (slash)
			base = slash + 1;
	}
	strbuf_add(&p->name, base, (size_t)(p->location.buf + len - base));
	if (p->name.len > 4 && !strcmp(p->name.buf + p->name.len - 4, ".git"))
		strbuf_setlen(&p->name, p->name.len - 4);
	return 0;
}

int pipeline_open(struct pipeline **out, const struct pipeline_options *opts, struct pw_error *err)
{
	struct pipeline *p = calloc(1, sizeof(*p));
	struct strbuf cache = STRBUF_INIT;
	json_t *details = NULL;
	int ret;

	*out = NULL;
	if (!p)
		abort();
	p->opts = *opts;
	p->store = (struct store)STORE_INIT;
	system_init(&p->sys);

	paths_home(&cache);
	strbuf_addstr(&cache, "/clones");
	if ((ret = checkout_repo_open(&p->repo, opts->repo, cache.buf, err)) < 0)
		goto done;
	if ((ret = repo_location(p, opts->repo, err)) < 0)
		goto done;

	if (opts->spec_path &&
	    (ret = spec_parse_file(&p->override, opts->spec_path, NULL, err)) < 0)
		goto done;

	if (opts->golden_dir)
		strbuf_addstr(&p->golden_dir, opts->golden_dir);
	else
		paths_golden_dir(&p->golden_dir);
	if (opts->workdir) {
		strbuf_addstr(&p->workdir, opts->workdir);
	} else {
		paths_home(&p->workdir);
		strbuf_addstr(&p->workdir, "/work");
	}
	if (paths_mkdir_p(p->workdir.buf, 0755) < 0) {
		ret = pw_error_errno(err, PW_EIO, "could not create '%s'", p->workdir.buf);
		goto done;
	}

	if ((ret = system_read(&p->sys, system_root(), err)) < 0)
		goto done;
	system_fingerprint(&p->sys, &p->fingerprint, &details);
	p->environment = system_to_json(&p->sys);
	p->cpu = opts->cpu >= 0 ? opts->cpu : system_default_cpu(&p->sys);

	if (!(opts->flags & PIPELINE_NO_STORE)) {
		if ((ret = store_open(&p->store, opts->database, err)) < 0)
			goto done;
		p->has_store = 1;
	}
	ret = 0;
done:
	json_decref(details);
	strbuf_release(&cache);
	if (ret < 0)
		pipeline_free(p);
	else
		*out = p;
	return ret;
}

void pipeline_free(struct pipeline *p)
{
	if (!p)
		return;
	checkout_repo_free(p->repo);
	strbuf_release(&p->location);
	strbuf_release(&p->name);
	spec_free(p->override);
	strbuf_release(&p->golden_dir);
	strbuf_release(&p->workdir);
	store_release(&p->store);
	system_release(&p->sys);
	strbuf_release(&p->fingerprint);
	json_decref(p->environment);
	free(p);
}

struct checkout_repo *pipeline_repo(struct pipeline *p)
{
	return p->repo;
}

struct store *pipeline_store(struct pipeline *p)
{
	return p->has_store ? &p->store : NULL;
}

const char *pipeline_fingerprint(const struct pipeline *p)
{
	return p->fingerprint.buf;
}

const char *pipeline_repo_location(const struct pipeline *p)
{
	return p->location.buf;
}

json_t *pipeline_environment(const struct pipeline *p)
{
	return p->environment;
}

int pipeline_cpu(const struct pipeline *p)
{
	return p->cpu;
}

unsigned pipeline_flags(const struct pipeline *p)
{
	return p->opts.flags;
}

void pipeline_progress_position(struct pipeline *p, size_t k, size_t n)
{
	p->position = k;
	p->count = n;
}

/* ---- running one benchmark ---- */

/* Whether `cmd` needs a shell: anything beyond words separated by blanks. */
static int needs_shell(const char *cmd)
{
	return strpbrk(cmd, "|&;<>()$`\\\"'*?[]#~=%{}\n") != NULL;
}

/* Split a plain command into words (in place); returns a NULL-terminated array. */
static char **split_words(char *cmd)
{
	size_t n = 0, alloc = 8;
	char **argv = malloc(alloc * sizeof(*argv));
	char *s = cmd;

	if (!argv)
		abort();
	for (;;) {
		while (*s == ' ' || *s == '\t')
			*s++ = '\0';
		if (!*s)
			break;
		if (n + 2 > alloc) {
			alloc *= 2;
			argv = realloc(argv, alloc * sizeof(*argv));
			if (!argv)
				abort();
		}
		argv[n++] = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
	}
	argv[n] = NULL;
	return argv;
}

struct bench_plan {
	char *words; /* the command's copy, split in place */
	char **argv;
	const char *shell_command;
	struct strbuf output; /* the path the benchmark writes */
	struct strbuf env[6];
	const char *envp[7];
};

static void plan_release(struct bench_plan *plan)
{
	size_t i;

	free(plan->words);
	free(plan->argv);
	strbuf_release(&plan->output);
	for (i = 0; i < 6; i++)
		strbuf_release(&plan->env[i]);
}

static int plan_init_as(struct pipeline *p, struct pipeline_commit *pc,
                        const struct spec_benchmark *sb, const char *suffix,
                        struct bench_plan *plan, struct pw_error *err)
{
	const char *path = getenv("PATH");
	const char *home = getenv("HOME");
	struct strbuf dir = STRBUF_INIT;
	size_t i;

	memset(plan, 0, sizeof(*plan));
	if (needs_shell(sb->command)) {
		plan->shell_command = sb->command;
	} else {
		plan->words = strdup(sb->command);
		if (!plan->words)
			abort();
		plan->argv = split_words(plan->words);
		if (!plan->argv[0])
			return pw_error_set(err, PW_EINVALID,
			                    "benchmark \"%s\" has an empty command", sb->name);
	}

	/* The same length for every run and commit: <workdir>/out/<hash>/<bench>.out */
	strbuf_addf(&dir, "%s/out/%s", p->workdir.buf, pc->commit.hash);
	if (paths_mkdir_p(dir.buf, 0755) < 0) {
		int ret = pw_error_errno(err, PW_EIO, "could not create '%s'", dir.buf);

		strbuf_release(&dir);
		return ret;
	}
	if (sb->output)
		strbuf_addf(&plan->output, "%s/%s", pc->worktree.buf, sb->output);
	else
		strbuf_addf(&plan->output, "%s/%s%s", dir.buf, sb->name, suffix);
	strbuf_release(&dir);

	strbuf_addf(&plan->env[0], "PATH=%s",
	            path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
	strbuf_addf(&plan->env[1], "HOME=%s", home && *home ? home : "/");
	strbuf_addstr(&plan->env[2], "LC_ALL=C");
	strbuf_addf(&plan->env[3], "PERFWARDEN_BENCHMARK=%s", sb->name);
	strbuf_addf(&plan->env[4], "PERFWARDEN_COMMIT=%s", pc->commit.hash);
	strbuf_addf(&plan->env[5], "PERFWARDEN_OUTPUT=%s", sb->output ? "" : plan->output.buf);
	for (i = 0; i < 6; i++)
		plan->envp[i] = plan->env[i].buf;
	plan->envp[6] = NULL;
	return 0;
}

static int plan_init(struct pipeline *p, struct pipeline_commit *pc,
                     const struct spec_benchmark *sb, struct bench_plan *plan, struct pw_error *err)
{
	return plan_init_as(p, pc, sb, ".out", plan, err);
}

static void plan_spec(struct pipeline *p, struct pipeline_commit *pc,
                      const struct spec_benchmark *sb, const struct bench_plan *plan,
                      struct proc_spec *ps)
{
	*ps = (struct proc_spec)PROC_SPEC_INIT;
	ps->argv = (const char *const *)plan->argv;
	ps->shell_command = plan->shell_command;
	ps->cwd = pc->worktree.buf;
	ps->env = plan->envp;
	ps->cpu = p->cpu;
	ps->timeout_ms = sb->timeout_ms;
	ps->stdout_mode = PROC_STDOUT_NULL;
}

static void describe_exit(const struct sample *s, struct strbuf *out)
{
	if (s->timed_out)
		strbuf_addstr(out, "killed at the timeout");
	else if (s->term_signal)
		strbuf_addf(out, "killed by signal %d (%s)", s->term_signal,
		            strsignal(s->term_signal));
	else
		strbuf_addf(out, "exited with status %d", s->exit_code);
}

/*
 * One run: start it, judge its exit, and for kept runs verify its output.
 * Returns 0 when the run was fine (sample appended when `keep`), 1 when the
 * benchmark failed (verdict and report set), negative on errors.
 */
static int run_once(struct pipeline *p, struct pipeline_commit *pc, struct pipeline_bench *b,
                    const struct bench_plan *plan, int keep, struct pw_error *err)
{
	const struct spec_benchmark *sb = b->spec;
	struct proc_result res;
	struct proc_spec ps;
	struct verify_report rep;
	struct verify_options vo = {0};
	struct pw_error verr = PW_ERROR_INIT;
	int ret;

	proc_result_init(&res);
	verify_report_init(&rep);
	plan_spec(p, pc, sb, plan, &ps);
	if (unlink(plan->output.buf) < 0 && errno != ENOENT) {
		ret = pw_error_errno(err, PW_EIO, "could not remove '%s'", plan->output.buf);
		goto done;
	}

	ret = proc_run(&ps, &res, &verr);
	if (ret == PW_ENOTFOUND || ret == PW_EIO) {
		/* The command cannot be run in this commit: that commit's failure. */
		b->verdict = VERDICT_CRASHED;
		strbuf_reset(&b->report);
		strbuf_addstr(&b->report, pw_error_message(&verr));
		ret = 1;
		goto done;
	}
	if (ret < 0) {
		pw_error_set(err, ret, "%s", pw_error_message(&verr));
		goto done;
	}
	strbuf_reset(&b->stderr_tail);
	strbuf_add(&b->stderr_tail, res.stderr_tail.buf ? res.stderr_tail.buf : "",
	           res.stderr_tail.len);
	if (res.sample.timed_out || res.sample.term_signal || res.sample.exit_code != 0) {
		b->verdict = res.sample.timed_out ? VERDICT_TIMEOUT : VERDICT_CRASHED;
		strbuf_reset(&b->report);
		strbuf_addf(&b->report, "'%s' ", sb->command);
		describe_exit(&res.sample, &b->report);
		if (res.sample.timed_out)
			strbuf_addf(&b->report, " after %lld ms", (long long)sb->timeout_ms);
		if (keep)
			bench_add_sample(b, &res.sample);
		ret = 1;
		goto done;
	}
	if (!keep) {
		ret = 0;
		goto done;
	}
	bench_add_sample(b, &res.sample);

	vo.tolerance = sb->tolerance;
	ret = verify_golden(&rep, p->golden_dir.buf, sb->golden, plan->output.buf, &vo, &verr);
	if (ret == PW_ENOTFOUND && access(plan->output.buf, F_OK) < 0) {
		b->verdict = VERDICT_WRONG_OUTPUT;
		strbuf_reset(&b->report);
		strbuf_addf(&b->report, "the benchmark wrote no output to '%s'", plan->output.buf);
		ret = 1;
		goto done;
	}
	if (ret < 0) {
		pw_error_set(err, ret, "%s", pw_error_message(&verr));
		goto done;
	}
	if (!rep.matched) {
		json_t *j = verify_report_json(&rep);

		b->verdict = VERDICT_WRONG_OUTPUT;
		strbuf_reset(&b->report);
		verify_report_format(&rep, &b->report);
		if (j)
			json_object_set_new(b->metadata, "verify", j);
		ret = 1;
		goto done;
	}
	ret = 0;
done:
	verify_report_release(&rep);
	proc_result_release(&res);
	pw_error_release(&verr);
	return ret;
}

/* Warm-ups (when `warmup`) and `n` kept runs; stops at the first failure. */
static int run_bench(struct pipeline *p, struct pipeline_commit *pc, struct pipeline_bench *b,
                     int warmup, size_t n, struct pw_error *err)
{
	struct bench_plan plan;
	size_t i, total = (size_t)warmup + n;
	int ret;

	if ((ret = plan_init(p, pc, b->spec, &plan, err)) < 0)
		goto done;
	for (i = 0; i < total; i++) {
		int keep = i >= (size_t)warmup;

		if (keep)
			progress(p, "%s %s: run %zu/%zu", pc->commit.short_hash, b->name,
			         i - (size_t)warmup + 1, n);
		else
			progress(p, "%s %s: warm-up %zu/%d", pc->commit.short_hash, b->name, i + 1,
			         warmup);
		ret = run_once(p, pc, b, &plan, keep, err);
		if (ret < 0)
			goto done;
		if (ret > 0)
			break;
	}
	ret = 0;
done:
	plan_release(&plan);
	return ret;
}

/* What a finished count tells, into the bench (and its metadata). */
static void count_record(struct pipeline_bench *b, int ret, const struct proc_count *count,
                         const struct pw_error *ierr)
{
	if (ret < 0) {
		json_object_set_new(b->metadata, "instructions_error",
		                    json_string(pw_error_message(ierr)));
		b->instructions = SAMPLE_ABSENT;
		return;
	}
	b->instructions = count->instructions;
	json_object_set_new(b->metadata, "instructions", json_integer(b->instructions));
	json_object_set_new(b->metadata, "instructions_counted",
	                    json_pack("{s:s, s:I, s:s?, s:I}", "scope", "process tree", "processes",
	                              (json_int_t)count->processes, "top_command",
	                              count->top_command, "top_instructions",
	                              (json_int_t)count->top_instructions));
}

static int count_instructions(struct pipeline *p, struct pipeline_commit *pc,
                              struct pipeline_bench *b, struct pw_error *err)
{
	struct bench_plan plan;
	struct proc_spec ps;
	struct pw_error ierr = PW_ERROR_INIT;
	struct proc_count count = PROC_COUNT_INIT;
	int ret;

	if ((ret = plan_init(p, pc, b->spec, &plan, err)) < 0)
		goto done;
	plan_spec(p, pc, b->spec, &plan, &ps);
	progress(p, "%s %s: counting instructions (cachegrind)", pc->commit.short_hash, b->name);
	ret = proc_instructions(&ps, ps.timeout_ms * PROC_COUNT_TIMEOUT_FACTOR, &count, &ierr);
	count_record(b, ret, &count, &ierr);
	ret = 0;
done:
	proc_count_release(&count);
	pw_error_release(&ierr);
	plan_release(&plan);
	return ret;
}

/* ---- one commit ---- */

static int read_spec(struct pipeline *p, struct pipeline_commit *pc, struct pw_error *err)
{
	struct pw_error serr = PW_ERROR_INIT;
	int ret;

	if (p->override) {
		struct strbuf text = STRBUF_INIT;

		spec_write(p->override, &text);
		ret = spec_parse_buffer(&pc->spec, text.buf, text.len, p->opts.spec_path, &serr);
		strbuf_release(&text);
	} else {
		ret = spec_parse_commit(&pc->spec, p->repo, pc->commit.hash, &serr);
	}
	if (ret == PW_ENOTFOUND || ret == PW_EINVALID) {
		pc->status = ret == PW_ENOTFOUND ? VERDICT_NO_SPEC : VERDICT_BAD_SPEC;
		strbuf_addstr(&pc->message, pw_error_message(&serr));
		ret = 0;
	} else if (ret < 0) {
		pw_error_set(err, ret, "%s", pw_error_message(&serr));
	}
	pw_error_release(&serr);
	return ret;
}

static void benches_init(struct pipeline *p, struct pipeline_commit *pc)
{
	size_t i;

	pc->nbenches = pc->spec->nbenchmarks;
	pc->benches = calloc(pc->nbenches ? pc->nbenches : 1, sizeof(*pc->benches));
	if (!pc->benches)
		abort();
	for (i = 0; i < pc->nbenches; i++) {
		struct pipeline_bench *b = &pc->benches[i];

		b->spec = &pc->spec->benchmarks[i];
		b->name = strdup(b->spec->name);
		if (!b->name)
			abort();
		b->verdict = VERDICT_OK;
		b->instructions = SAMPLE_ABSENT;
		b->metadata = json_object();
		json_object_set_new(b->metadata, "cpu", json_integer(p->cpu));
		json_object_set_new(b->metadata, "aslr", json_string("fixed"));
		json_object_set_new(b->metadata, "command", json_string(b->spec->command));
		json_object_set_new(b->metadata, "golden", json_string(b->spec->golden));
	}
}

/* The "earlier_samples" of a run's metadata: samples of its measurement in earlier runs. */
static size_t earlier_samples(const char *metadata_json)
{
	json_t *m = metadata_json ? json_loads(metadata_json, 0, NULL) : NULL;
	json_int_t n = json_integer_value(json_object_get(m, "earlier_samples"));

	json_decref(m);
	return n > 0 ? (size_t)n : 0;
}

/*
 * Put benchmark `b`'s measurement back together from info.runs[newest] (the
 * newest run of its key) and, when that run continues a measurement saved
 * earlier (pipeline_save), the older runs of the key that follow it in
 * `info` (newest first), oldest samples first.
 */
static void load_samples(struct pipeline_bench *b, const struct store_commit_info *info,
                         size_t newest)
{
	const struct store_run_info *top = &info->runs[newest];
	size_t want = earlier_samples(top->metadata_json), have = 0, first = newest, i, k;

	while (have < want && first + 1 < info->nruns) {
		const struct store_run_info *r = &info->runs[first + 1];

		if (strcmp(r->benchmark, top->benchmark) ||
		    strcmp(r->fingerprint, top->fingerprint) ||
		    strcmp(r->spec_hash, top->spec_hash))
			break;
		first++;
		have += r->nsamples;
	}
	if (have != want)
		first = newest; /* the earlier part is not there as saved: the newest run alone */
	free(b->samples);
	b->samples = NULL;
	b->nsamples = b->alloc = 0;
	for (i = first + 1; i-- > newest;)
		for (k = 0; k < info->runs[i].nsamples; k++)
			bench_add_sample(b, &info->runs[i].samples[k]);
}

/*
 * Fill the benches from the newest stored run of each (benchmark, spec,
 * environment); 1 when every one was found and usable.
 */
static int load_stored(struct pipeline *p, struct pipeline_commit *pc, struct pw_error *err)
{
	struct store_commit_info info = STORE_COMMIT_INFO_INIT;
	size_t i, j, found = 0;
	int ret;

	if (!p->has_store || (p->opts.flags & PIPELINE_FORCE) || !pc->nbenches)
		return 0;
	ret = store_commit_load(&p->store, p->location.buf, pc->commit.hash, &info, err);
	if (ret == PW_ENOTFOUND) {
		pw_error_clear(err);
		return 0;
	}
	if (ret < 0)
		return ret;
	for (i = 0; i < pc->nbenches; i++) {
		struct pipeline_bench *b = &pc->benches[i];
		const struct store_run_info *r = NULL;
		enum verdict v;

		/* runs come newest first within a key: the first match is the newest */
		for (j = 0; j < info.nruns && !r; j++)
			if (info.runs[j].newest && !strcmp(info.runs[j].benchmark, b->name) &&
			    !strcmp(info.runs[j].spec_hash, pc->spec->hash) &&
			    !strcmp(info.runs[j].fingerprint, p->fingerprint.buf))
				r = &info.runs[j];
		if (!r || !r->verdict || verdict_parse(r->verdict, &v, NULL) < 0)
			continue;
		/* runs stored before verdicts had their own table may hold the judge's */
		if (v == VERDICT_SLOWER || v == VERDICT_FASTER || v == VERDICT_UNSURE)
			v = VERDICT_OK;
		if (v == VERDICT_OK && !r->nsamples)
			continue;
		b->verdict = v;
		load_samples(b, &info, (size_t)(r - info.runs));
		strbuf_reset(&b->report);
		if (r->diff_report)
			strbuf_addstr(&b->report, r->diff_report);
		if (r->stderr_tail)
			strbuf_addstr(&b->stderr_tail, r->stderr_tail);
		if (r->build_log_tail && !pc->build_log.len)
			strbuf_addstr(&pc->build_log, r->build_log_tail);
		if (r->metadata_json) {
			json_t *m = json_loads(r->metadata_json, 0, NULL);

			if (m) {
				json_t *ins = json_object_get(m, "instructions");

				/* counts from before the whole process tree was counted are not
				 * reused */
				if (json_is_integer(ins) &&
				    json_object_get(m, "instructions_counted"))
					b->instructions = json_integer_value(ins);
				json_object_del(m, "earlier_samples");
				json_decref(b->metadata);
				b->metadata = m;
			}
		}
		if ((p->opts.flags & PIPELINE_INSTRUCTIONS) && b->instructions == SAMPLE_ABSENT &&
		    v == VERDICT_OK)
			continue; /* measured without instructions: measure again */
		b->reused = 1;
		b->stored = 1;
		b->nstored = b->nsamples;
		found++;
	}
	store_commit_info_release(&info);
	return found == pc->nbenches;
}

static int checkout_and_build(struct pipeline *p, struct pipeline_commit *pc, struct pw_error *err)
{
	struct build_result br = BUILD_RESULT_INIT;
	int reused = 0, ret;
	size_t i;

	if (pc->worktree.len)
		return 0;
	progress(p, "%s: checkout", pc->commit.short_hash);
	ret = checkout_worktree(p->repo, pc->commit.hash, p->workdir.buf,
	                        (p->opts.flags & PIPELINE_FORCE) ? CHECKOUT_FORCE : 0,
	                        &pc->worktree, &reused, err);
	if (ret < 0)
		goto done;
	progress(p, "%s: build", pc->commit.short_hash);
	ret = build_run(pc->worktree.buf, pc->spec->build_command, pc->spec->build_timeout_ms,
	                (p->opts.flags & PIPELINE_FORCE) && !reused ? BUILD_FORCE : 0, &br, err);
	if (ret < 0)
		goto done;
	strbuf_reset(&pc->build_log);
	strbuf_add(&pc->build_log, strbuf_str(&br.log), br.log.len);
	if (br.status != BUILD_OK) {
		pc->status = VERDICT_BUILD_FAILED;
		strbuf_reset(&pc->message);
		if (br.status == BUILD_TIMED_OUT)
			strbuf_addf(&pc->message, "the build timed out after %lld s",
			            (long long)(pc->spec->build_timeout_ms / 1000));
		else if (br.term_signal)
			strbuf_addf(&pc->message, "the build was killed by signal %d",
			            br.term_signal);
		else
			strbuf_addf(&pc->message, "the build failed with exit status %d",
			            br.exit_code);
		for (i = 0; i < pc->nbenches; i++) {
			pc->benches[i].verdict = VERDICT_BUILD_FAILED;
			strbuf_reset(&pc->benches[i].report);
			strbuf_addstr(&pc->benches[i].report, pc->message.buf);
		}
	}
	ret = 0;
done:
	build_result_release(&br);
	return ret;
}

static int measure_commit(struct pipeline *p, struct pipeline_commit *pc, struct pw_error *err)
{
	size_t i;
	int ret;

	if ((ret = checkout_and_build(p, pc, err)) < 0 || pc->status != VERDICT_OK)
		return ret;
	for (i = 0; i < pc->nbenches; i++) {
		struct pipeline_bench *b = &pc->benches[i];

		if (b->reused)
			continue;
		b->verdict = VERDICT_OK;
		b->nsamples = 0;
		b->stored = 0;
		b->nstored = 0;
		strbuf_reset(&b->report);
		if ((ret = run_bench(p, pc, b, b->spec->warmup, (size_t)b->spec->repeat, err)) < 0)
			return ret;
		if (b->verdict == VERDICT_OK && (p->opts.flags & PIPELINE_INSTRUCTIONS) &&
		    (ret = count_instructions(p, pc, b, err)) < 0)
			return ret;
	}
	return 0;
}

/* The commit `rev` looked up, its spec read and its benches set up (out is released first). */
static int commit_begin(struct pipeline *p, const char *rev, struct pipeline_commit *out,
                        struct pw_error *err)
{
	int ret;

	pipeline_commit_release(out);
	if ((ret = checkout_commit_lookup(p->repo, rev, &out->commit, err)) < 0)
		return ret;
	if ((ret = read_spec(p, out, err)) < 0 || out->status != VERDICT_OK)
		return ret;
	benches_init(p, out);
	return 0;
}

int pipeline_measure(struct pipeline *p, const char *rev, struct pipeline_commit *out,
                     struct pw_error *err)
{
	int ret;

	if ((ret = commit_begin(p, rev, out, err)) < 0 || out->status != VERDICT_OK)
		return ret;
	ret = load_stored(p, out, err);
	if (ret < 0)
		return ret;
	if (ret == 1) {
		progress(p, "%s: reusing stored runs", out->commit.short_hash);
		return 0;
	}
	if (p->opts.flags & PIPELINE_NO_MEASURE)
		return 0;
	if ((ret = measure_commit(p, out, err)) < 0)
		return ret;
	return pipeline_save(p, out, err);
}

int pipeline_prepare(struct pipeline *p, const char *rev, struct pipeline_commit *out,
                     struct pw_error *err)
{
	struct pw_error aerr = PW_ERROR_INIT;
	const char **commands = NULL;
	size_t i;
	int ret;

	if ((ret = commit_begin(p, rev, out, err)) < 0 || out->status != VERDICT_OK ||
	    (ret = checkout_and_build(p, out, err)) < 0 || out->status != VERDICT_OK)
		return ret;
	for (i = 0; i < out->nbenches; i++)
		if (out->benches[i].spec->warmup > 0 &&
		    (ret = run_bench(p, out, &out->benches[i], out->benches[i].spec->warmup, 0,
		                     err)) < 0)
			return ret;
	commands = calloc(out->nbenches + 1, sizeof(*commands));
	if (!commands)
		abort();
	for (i = 0; i < out->nbenches; i++)
		commands[i] = out->benches[i].spec->command;
	if (artefact_digest(out->worktree.buf, out->commit.hash, out->spec->artifacts, commands,
	                    &out->artefacts, &aerr) < 0)
		progress(p, "%s: %s", out->commit.short_hash, pw_error_message(&aerr));
	free(commands);
	pw_error_release(&aerr);
	return 0;
}

int pipeline_count_instructions(struct pipeline *p, struct pipeline_commit *pc, size_t bench,
                                struct pw_error *err)
{
	if (bench >= pc->nbenches)
		return pw_error_set(err, PW_EINVALID, "no benchmark %zu in commit %s", bench,
		                    pc->commit.short_hash);
	if (pc->status != VERDICT_OK || pc->benches[bench].verdict != VERDICT_OK)
		return 0;
	return count_instructions(p, pc, &pc->benches[bench], err);
}

int pipeline_count_start(struct pipeline *p, struct pipeline_commit *pc, size_t bench,
                         struct pw_error *err)
{
	struct pipeline_bench *b;
	struct bench_plan plan;
	struct proc_spec ps;
	struct pw_error ierr = PW_ERROR_INIT;
	int spare = system_spare_cpu(&p->sys, p->cpu), ret;

	if (bench >= pc->nbenches)
		return pw_error_set(err, PW_EINVALID, "no benchmark %zu in commit %s", bench,
		                    pc->commit.short_hash);
	b = &pc->benches[bench];
	if (pc->status != VERDICT_OK || b->verdict != VERDICT_OK || b->count_job)
		return 0;
	/* a fixed output file would be shared with the timing runs: count now, alone */
	if (spare < 0 || b->spec->output)
		return count_instructions(p, pc, b, err);
	if ((ret = plan_init_as(p, pc, b->spec, ".cnt", &plan, err)) < 0)
		return ret;
	plan_spec(p, pc, b->spec, &plan, &ps);
	ps.cpu = spare;
	progress(p, "%s %s: counting instructions on cpu %d (cachegrind)", pc->commit.short_hash,
	         b->name, spare);
	ret = proc_count_start(&ps, spare, ps.timeout_ms * PROC_COUNT_TIMEOUT_FACTOR, &b->count_job,
	                       &ierr);
	if (ret < 0) {
		struct proc_count none = PROC_COUNT_INIT;

		count_record(b, ret, &none, &ierr);
		ret = 0;
	}
	plan_release(&plan);
	pw_error_release(&ierr);
	return ret;
}

int pipeline_count_finish(struct pipeline *p, struct pipeline_commit *pc, size_t bench,
                          struct pw_error *err)
{
	struct pipeline_bench *b;
	struct proc_count count = PROC_COUNT_INIT;
	struct pw_error ierr = PW_ERROR_INIT;
	int ret;

	(void)p;
	if (bench >= pc->nbenches)
		return pw_error_set(err, PW_EINVALID, "no benchmark %zu in commit %s", bench,
		                    pc->commit.short_hash);
	b = &pc->benches[bench];
	if (!b->count_job)
		return 0;
	ret = proc_count_finish(b->count_job, &count, &ierr);
	proc_count_job_free(b->count_job);
	b->count_job = NULL;
	count_record(b, ret, &count, &ierr);
	proc_count_release(&count);
	pw_error_release(&ierr);
	return 0;
}

int pipeline_measure_more(struct pipeline *p, struct pipeline_commit *pc, size_t bench, size_t n,
                          struct pw_error *err)
{
	struct pipeline_bench *b;
	int ret;

	if (bench >= pc->nbenches)
		return pw_error_set(err, PW_EINVALID, "no benchmark %zu in commit %s", bench,
		                    pc->commit.short_hash);
	b = &pc->benches[bench];
	if (pc->status != VERDICT_OK || b->verdict != VERDICT_OK)
		return 0;
	if ((ret = checkout_and_build(p, pc, err)) < 0)
		return ret;
	if (pc->status != VERDICT_OK)
		return 0;
	b->reused = 0;
	return run_bench(p, pc, b, 0, n, err);
}

int pipeline_save(struct pipeline *p, struct pipeline_commit *pc, struct pw_error *err)
{
	struct store_run_result *runs = NULL;
	struct pipeline_bench **saved = NULL;
	struct store_results r;
	struct strbuf spooled = STRBUF_INIT;
	char **meta = NULL, *env = NULL;
	const char **parents = NULL;
	int64_t now = now_us();
	size_t i, n = 0;
	int ret = 0;

	if (!p->has_store || !pc->nbenches)
		return 0;
	runs = calloc(pc->nbenches, sizeof(*runs));
	saved = calloc(pc->nbenches, sizeof(*saved));
	meta = calloc(pc->nbenches, sizeof(*meta));
	parents = calloc(pc->commit.nparents + 1, sizeof(*parents));
	if (!runs || !saved || !meta || !parents)
		abort();
	for (i = 0; i < pc->commit.nparents; i++)
		parents[i] = pc->commit.parents[i];
	for (i = 0; i < pc->nbenches; i++) {
		struct pipeline_bench *b = &pc->benches[i];
		json_t *m;

		if (b->nstored > b->nsamples)
			b->nstored = b->nsamples;
		if (b->stored && b->nstored == b->nsamples)
			continue; /* nothing new */
		/*
		 * Without hardware counters, cachegrind's count of the process tree
		 * stands for each run's instructions (the program is the same every
		 * run), so `history --metric instructions` and `compare` show it.
		 */
		if (b->instructions != SAMPLE_ABSENT)
			for (size_t k = b->stored ? b->nstored : 0; k < b->nsamples; k++)
				if (b->samples[k].instructions == SAMPLE_ABSENT)
					b->samples[k].instructions = b->instructions;
		m = json_copy(b->metadata);
		if (!m)
			m = json_object();
		if (b->stored)
			json_object_set_new(m, "earlier_samples",
			                    json_integer((json_int_t)b->nstored));
		else
			json_object_del(m, "earlier_samples");
		meta[n] = json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS);
		json_decref(m);
		saved[n] = b;
		runs[n].benchmark = b->name;
		runs[n].spec_hash = pc->spec->hash;
		runs[n].started_us = now;
		runs[n].finished_us = now;
		runs[n].verdict = verdict_name(b->verdict);
		runs[n].build_log_tail = pc->build_log.len ? pc->build_log.buf : NULL;
		runs[n].diff_report = b->report.len ? b->report.buf : NULL;
		runs[n].stderr_tail = b->stderr_tail.len ? b->stderr_tail.buf : NULL;
		runs[n].metadata_json = meta[n];
		runs[n].samples = b->samples + (b->stored ? b->nstored : 0);
		runs[n].nsamples = b->nsamples - (b->stored ? b->nstored : 0);
		n++;
	}
	if (!n)
		goto done;
	env = json_dumps(p->environment, JSON_COMPACT | JSON_SORT_KEYS);
	memset(&r, 0, sizeof(r));
	r.repo_location = p->location.buf;
	r.repo_name = p->name.buf;
	r.commit.hash = pc->commit.hash;
	r.commit.parents = parents;
	r.commit.nparents = pc->commit.nparents;
	r.commit.author = pc->commit.author_name;
	r.commit.email = pc->commit.author_email;
	r.commit.author_time = pc->commit.author_time;
	r.commit.subject = pc->commit.subject;
	r.env_fingerprint = p->fingerprint.buf;
	r.env_details_json = env;
	r.runs = runs;
	r.nruns = n;

	ret = store_results_save(&p->store, &r, &spooled, err);
	if (ret == PW_EDB && spooled.len) {
		/* Kept on disk for `perfwarden db replay`: the measurement is not lost. */
		progress(p, "%s", pw_error_message(err));
	}
	if (!ret || spooled.len) {
		for (i = 0; i < n; i++) {
			saved[i]->stored = 1;
			saved[i]->nstored = saved[i]->nsamples;
		}
	}
done:
	if (!ret)
		for (i = 0; i < n; i++)
			free(meta[i]);
	free(meta);
	free(saved);
	free(env);
	free(runs);
	free(parents);
	strbuf_release(&spooled);
	return ret;
}

/* The repository, the commit and this environment in the store (created when new). */
static int store_commit_known(struct pipeline *p, const struct pipeline_commit *pc,
                              struct pw_error *err)
{
	struct store_commit_meta meta;
	const char **parents = calloc(pc->commit.nparents + 1, sizeof(*parents));
	int64_t repo_id, id;
	size_t i;
	int ret;

	if (!parents)
		abort();
	for (i = 0; i < pc->commit.nparents; i++)
		parents[i] = pc->commit.parents[i];
	memset(&meta, 0, sizeof(meta));
	meta.hash = pc->commit.hash;
	meta.parents = parents;
	meta.nparents = pc->commit.nparents;
	meta.author = pc->commit.author_name;
	meta.email = pc->commit.author_email;
	meta.author_time = pc->commit.author_time;
	meta.subject = pc->commit.subject;
	if ((ret = store_repository_upsert(&p->store, p->location.buf, p->name.buf, &repo_id,
	                                   err)) == 0 &&
	    (ret = store_commit_upsert(&p->store, repo_id, &meta, &id, err)) == 0)
		ret = store_environment_upsert(&p->store, p->fingerprint.buf, NULL, &id, err);
	free(parents);
	return ret;
}

int pipeline_store_judgement(struct pipeline *p, const struct pipeline_commit *cand,
                             const struct pipeline_commit *base, const char *benchmark,
                             const struct store_judgement *j, int64_t *id, struct pw_error *err)
{
	struct store_judgement full = *j;
	int ret;

	if (!p->has_store)
		return 0;
	if (!cand->spec)
		return pw_error_set(
		        err, PW_EINVALID,
		        "could not store the judgement of '%s' on %s: the commit has no "
		        "spec",
		        benchmark, cand->commit.short_hash);
	/* a commit judged without being run (unchanged artefacts) has no run to bring it */
	if ((ret = store_commit_known(p, cand, err)) < 0 ||
	    (base && (ret = store_commit_known(p, base, err)) < 0))
		return ret;
	full.repo_location = p->location.buf;
	full.candidate = cand->commit.hash;
	full.baseline = base ? base->commit.hash : NULL;
	full.benchmark = benchmark;
	full.fingerprint = p->fingerprint.buf;
	full.spec_hash = cand->spec->hash;
	return store_judgement_add(&p->store, &full, id, err);
}

int pipeline_find_judgement(struct pipeline *p, const struct pipeline_commit *cand,
                            const struct pipeline_commit *base, const char *benchmark,
                            const char *metric, const char *judge, struct store_judgement_row *out,
                            struct pw_error *err)
{
	store_judgement_row_release(out);
	if (!p->has_store || (p->opts.flags & PIPELINE_FORCE) || !cand->spec)
		return pw_error_set(err, PW_ENOTFOUND, "no stored judgement to reuse");
	return store_judgement_find(&p->store, p->location.buf, cand->commit.hash,
	                            base ? base->commit.hash : NULL, benchmark, p->fingerprint.buf,
	                            cand->spec->hash, metric, judge, out, err);
}
