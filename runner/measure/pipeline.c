/*
 * The pipeline: one commit's way through perfwarden. It reads the commit's
 * spec, checks the commit out into its own worktree, builds it, runs every
 * benchmark (warm-ups, then the kept repetitions, each a fresh measured
 * process), verifies each kept run's output against its golden set, and
 * stores the runs and samples in one transaction. `perfwarden run`, `check`,
 * `bisect` and the worker all go through here; judging is runner/judge/check's.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "build.h"
#include "golden_set.h"
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
	struct strbuf outdir;      /* <workdir>/out/run.XXXXXX: this process's own outputs */
	int outdir_lock;           /* flock'd <outdir>.lock while the pipeline lives; -1: none */
	pthread_mutex_t outdir_mu; /* outdir is made on first use, maybe from two threads */
	struct sandbox sandbox;    /* where builds and benchmarks run (runner/measure/sandbox) */
	struct store store;
	int has_store;
	struct system sys;
	struct strbuf fingerprint;
	json_t *environment;
	int cpu;
	size_t position, count; /* commit position/count for progress lines; 0 when unknown */
	struct strbuf warned;   /* the warnings given, one per line, so each is given once */
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

static void series_release(struct pipeline_series *x)
{
	free(x->name);
	free(x->metric);
	free(x->unit);
	free(x->values);
	free(x->run);
}

static void bench_release(struct pipeline_bench *b)
{
	size_t i;

	for (i = 0; i < b->nseries; i++)
		series_release(&b->series[i]);
	free(b->series);
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
	pc->build_ns = pc->artefact_bytes = -1;
	if (pc->worktree_lock > 0)
		close(pc->worktree_lock - 1);
	pc->worktree_lock = 0;
}

const char *pipeline_bench_verdict_name(const struct pipeline_bench *b)
{
	if (b->verdict == VERDICT_OK && b->spec && !b->spec->golden && !b->spec->test)
		return verdict_name(VERDICT_UNVERIFIED);
	return verdict_name(b->verdict);
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

const struct pipeline_series *pipeline_bench_series(const struct pipeline_bench *b,
                                                    const char *name, const char *metric)
{
	size_t i;

	for (i = 0; i < b->nseries; i++)
		if (!strcmp(b->series[i].name, name) &&
		    (metric ? !strcmp(b->series[i].metric, metric) : b->series[i].primary))
			return &b->series[i];
	return NULL;
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
	const char *base;
	size_t len;
	int ret;

	if ((ret = checkout_repo_key(&p->location, where, err)) < 0)
		return ret;
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

/* ---- private output directories ---- */

/* A finished output directory and its age, for pruning. */
struct old_output {
	char *name;
	time_t mtime;
};

static int old_output_newer_first(const void *a, const void *b)
{
	const struct old_output *x = a, *y = b;

	return x->mtime < y->mtime ? 1 : x->mtime > y->mtime ? -1 : strcmp(x->name, y->name);
}

/*
 * Whether the output directory `dir` (a path) is finished: its "<dir>.lock"
 * is missing (an older perfwarden's `out/<hash>`) or nobody holds it.
 */
static int output_finished(const char *dir)
{
	struct strbuf lock = STRBUF_INIT;
	int fd, finished;

	strbuf_addf(&lock, "%s.lock", dir);
	fd = open(lock.buf, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	finished = fd < 0 ? errno == ENOENT : flock(fd, LOCK_EX | LOCK_NB) == 0;
	if (fd >= 0 && finished)
		unlink(lock.buf);
	if (fd >= 0)
		close(fd);
	strbuf_release(&lock);
	return finished;
}

/*
 * Remove the finished output directories of `out` but the newest
 * PIPELINE_OUTPUTS_KEPT (kept to be looked at). Directories other processes
 * are writing (their lock is held) are never touched. Best effort: what
 * cannot be removed stays for the next pipeline.
 */
static void outputs_prune(const char *out)
{
	struct old_output *old = NULL;
	size_t n = 0, alloc = 0, i;
	struct strbuf path = STRBUF_INIT;
	struct dirent *de;
	DIR *d = opendir(out);

	if (!d)
		return;
	while ((de = readdir(d))) {
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		strbuf_reset(&path);
		strbuf_addf(&path, "%s/%s", out, de->d_name);
		if (lstat(path.buf, &st) < 0 || !S_ISDIR(st.st_mode) || !output_finished(path.buf))
			continue;
		if (n == alloc) {
			alloc = alloc ? 2 * alloc : 16;
			old = realloc(old, alloc * sizeof(*old));
			if (!old)
				abort();
		}
		old[n].name = strdup(de->d_name);
		if (!old[n].name)
			abort();
		old[n++].mtime = st.st_mtime;
	}
	closedir(d);
	if (n)
		qsort(old, n, sizeof(*old), old_output_newer_first);
	for (i = 0; i < n; i++) {
		if (i >= PIPELINE_OUTPUTS_KEPT) {
			strbuf_reset(&path);
			strbuf_addf(&path, "%s/%s", out, old[i].name);
			checkout_remove_tree(path.buf, NULL);
		}
		free(old[i].name);
	}
	free(old);
	strbuf_release(&path);
}

/*
 * Prune old outputs, then make this pipeline's own output directory
 * <workdir>/out/run.XXXXXX (the same length every time), held by a lock on
 * <workdir>/out/run.XXXXXX.lock for as long as the pipeline lives, so that
 * two perfwarden processes measuring the same commit never share a file.
 */
static int outputs_open(struct pipeline *p, struct pw_error *err)
{
	struct strbuf out = STRBUF_INIT, lock = STRBUF_INIT;
	int ret = 0;

	if (p->outdir.len)
		return 0; /* made already: one per pipeline, when it first runs something */

	strbuf_addf(&out, "%s/out", p->workdir.buf);
	if (paths_mkdir_p(out.buf, 0755) < 0) {
		ret = pw_error_errno(err, PW_EIO, "could not create '%s'", out.buf);
		goto done;
	}
	outputs_prune(out.buf);
	strbuf_addf(&lock, "%s/run.XXXXXX.lock", out.buf);
	p->outdir_lock = mkostemps(lock.buf, 5, O_CLOEXEC);
	if (p->outdir_lock < 0 || flock(p->outdir_lock, LOCK_EX) < 0) {
		ret = pw_error_errno(err, PW_EIO, "could not create '%s'", lock.buf);
		goto done;
	}
	strbuf_add(&p->outdir, lock.buf, lock.len - 5);
	if (mkdir(p->outdir.buf, 0755) < 0) {
		ret = pw_error_errno(err, PW_EIO, "could not create '%s'", p->outdir.buf);
		strbuf_reset(&p->outdir);
		goto done;
	}
	ret = sandbox_chown_tree(&p->sandbox, p->outdir.buf, err);
done:
	strbuf_release(&out);
	strbuf_release(&lock);
	return ret;
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
	p->outdir_lock = -1;
	pthread_mutex_init(&p->outdir_mu, NULL);
	p->sandbox = (struct sandbox)SANDBOX_INIT;
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
	if ((ret = sandbox_probe(&p->sandbox, err)) < 0 ||
	    (ret = sandbox_check_reach(&p->sandbox, p->workdir.buf, err)) < 0)
		goto done;
	sandbox_hide(&p->sandbox, p->golden_dir.buf, p->workdir.buf);

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
	strbuf_release(&p->outdir);
	pthread_mutex_destroy(&p->outdir_mu);
	strbuf_release(&p->warned);
	sandbox_release(&p->sandbox);
	if (p->outdir_lock >= 0)
		close(p->outdir_lock);
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

const char *pipeline_golden_dir(const struct pipeline *p)
{
	return p->golden_dir.buf;
}

/* <outdir>/<hash>/<bench><suffix>, the same length for every run and commit. */
static void output_path(const struct pipeline *p, const struct pipeline_commit *pc,
                        const struct spec_benchmark *sb, const char *suffix, struct strbuf *path)
{
	if (sb->output)
		strbuf_addf(path, "%s/%s", pc->worktree.buf, sb->output);
	else
		strbuf_addf(path, "%s/%s/%s%s", p->outdir.buf, pc->commit.hash, sb->name, suffix);
}

void pipeline_bench_output(const struct pipeline *p, const struct pipeline_commit *pc, size_t bench,
                           struct strbuf *path)
{
	if (bench < pc->nbenches)
		output_path(p, pc, pc->benches[bench].spec, ".out", path);
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

/* The environment's fixed variables, then PERFWARDEN_PARAM_<NAME> for each parameter. */
#define PLAN_ENV_FIXED 6
#define PLAN_ENV_MAX   (PLAN_ENV_FIXED + SPEC_MAX_PARAMS)

struct bench_plan {
	char *words; /* the command's copy, split in place */
	char **argv;
	const char *shell_command;
	struct strbuf output;      /* the path the benchmark writes */
	struct strbuf stdout_path; /* where its stdout goes (the output when it writes none) */
	struct strbuf env[PLAN_ENV_MAX];
	const char *envp[PLAN_ENV_MAX + 1];
};

static void plan_release(struct bench_plan *plan)
{
	size_t i;

	free(plan->words);
	free(plan->argv);
	strbuf_release(&plan->output);
	strbuf_release(&plan->stdout_path);
	for (i = 0; i < PLAN_ENV_MAX; i++)
		strbuf_release(&plan->env[i]);
}

/* A combination's parameters as PERFWARDEN_PARAM_<NAME in upper case>=VALUE (spec.h). */
static void params_env(const struct spec_benchmark *sb, struct strbuf *env)
{
	size_t i;
	const char *c;

	for (i = 0; i < sb->nparams && i < SPEC_MAX_PARAMS; i++) {
		strbuf_addstr(&env[i], "PERFWARDEN_PARAM_");
		for (c = sb->params[i].name; *c; c++)
			strbuf_addch(&env[i], *c >= 'a' && *c <= 'z' ? (char)(*c - 'a' + 'A') : *c);
		strbuf_addf(&env[i], "=%s", sb->params[i].nvalues ? sb->params[i].values[0] : "");
	}
}

static int plan_init_as(struct pipeline *p, struct pipeline_commit *pc,
                        const struct spec_benchmark *sb, const char *suffix,
                        struct bench_plan *plan, struct pw_error *err)
{
	const char *path = getenv("PATH");
	const char *home = getenv("HOME");
	struct strbuf dir = STRBUF_INIT;
	size_t i;
	int made;

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

	/* The same length for every run and commit: <outdir>/<hash>/<bench>.out */
	pthread_mutex_lock(&p->outdir_mu);
	made = outputs_open(p, err);
	pthread_mutex_unlock(&p->outdir_mu);
	if (made < 0)
		return made;
	strbuf_addf(&dir, "%s/%s", p->outdir.buf, pc->commit.hash);
	if (paths_mkdir_p(dir.buf, 0755) < 0) {
		int ret = pw_error_errno(err, PW_EIO, "could not create '%s'", dir.buf);

		strbuf_release(&dir);
		return ret;
	}
	if (sandbox_chown_tree(&p->sandbox, dir.buf, err) < 0) {
		strbuf_release(&dir);
		return PW_EIO;
	}
	output_path(p, pc, sb, suffix, &plan->output);
	strbuf_addf(&plan->stdout_path, "%s/%s%s.stdout", dir.buf, sb->name,
	            strcmp(suffix, ".out") ? suffix : "");
	strbuf_release(&dir);

	strbuf_addf(&plan->env[0], "PATH=%s",
	            path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
	if (p->sandbox.user && *p->sandbox.user && p->sandbox.home)
		home = p->sandbox.home; /* the run user's own */
	strbuf_addf(&plan->env[1], "HOME=%s", home && *home ? home : "/");
	strbuf_addstr(&plan->env[2], "LC_ALL=C");
	strbuf_addf(&plan->env[3], "PERFWARDEN_BENCHMARK=%s", sb->name);
	strbuf_addf(&plan->env[4], "PERFWARDEN_COMMIT=%s", pc->commit.hash);
	strbuf_addf(&plan->env[5], "PERFWARDEN_OUTPUT=%s", sb->output ? "" : plan->output.buf);
	params_env(sb, plan->env + PLAN_ENV_FIXED);
	for (i = 0; i < PLAN_ENV_MAX && plan->env[i].len; i++)
		plan->envp[i] = plan->env[i].buf;
	plan->envp[i] = NULL;
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
	ps->stdout_mode = PROC_STDOUT_FILE;
	ps->stdout_path = plan->stdout_path.buf;
	ps->sandbox = &p->sandbox;
	ps->sandbox_flags = sb->network ? SANDBOX_SPAWN_NETWORK : 0;
}

/*
 * When the spec names no output file and the benchmark wrote none at
 * $PERFWARDEN_OUTPUT, what it printed on stdout (if anything) becomes the
 * output. The stdout file stays either way.
 */
static int output_from_stdout(const struct spec_benchmark *sb, const struct bench_plan *plan,
                              struct pw_error *err)
{
	struct stat st;

	if (sb->output || access(plan->output.buf, F_OK) == 0 ||
	    stat(plan->stdout_path.buf, &st) < 0 || st.st_size == 0)
		return 0;
	if (link(plan->stdout_path.buf, plan->output.buf) < 0)
		return pw_error_errno(err, PW_EIO, "could not keep '%s' as the output",
		                      plan->stdout_path.buf);
	return 0;
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

/* ---- what a harness reports ---- */

static struct pipeline_series *series_get(struct pipeline_bench *b, const char *name,
                                          const struct harness_metric *m, int primary)
{
	struct pipeline_series *x;
	size_t i;

	for (i = 0; i < b->nseries; i++)
		if (!strcmp(b->series[i].name, name) && !strcmp(b->series[i].metric, m->name))
			return &b->series[i];
	if (b->nseries == b->series_alloc) {
		b->series_alloc = b->series_alloc ? 2 * b->series_alloc : 8;
		b->series = realloc(b->series, b->series_alloc * sizeof(*b->series));
		if (!b->series)
			abort();
	}
	x = &b->series[b->nseries++];
	memset(x, 0, sizeof(*x));
	x->name = strdup(name);
	x->metric = strdup(m->name);
	x->unit = strdup(m->unit ? m->unit : "");
	if (!x->name || !x->metric || !x->unit)
		abort();
	x->direction = m->direction;
	x->primary = primary;
	x->summary = m->summary;
	return x;
}

static void series_add(struct pipeline_series *x, double v, size_t run)
{
	if (x->nvalues == x->alloc) {
		x->alloc = x->alloc ? 2 * x->alloc : 16;
		x->values = realloc(x->values, x->alloc * sizeof(*x->values));
		x->run = realloc(x->run, x->alloc * sizeof(*x->run));
		if (!x->values || !x->run)
			abort();
	}
	x->values[x->nvalues] = v;
	x->run[x->nvalues++] = run;
}

/* Where the harness wrote: `output`, else $PERFWARDEN_OUTPUT when written, else stdout. */
static const char *harness_source(const struct spec_benchmark *sb, const struct bench_plan *plan)
{
	if (sb->output || access(plan->output.buf, F_OK) == 0)
		return plan->output.buf;
	return plan->stdout_path.buf;
}

/*
 * Read the harness's report of the run just made into b's series: the
 * values count as kept run `run`, or, for a warm-up (SIZE_MAX), only make
 * the cases known. 0 when read, 1 when the report is the benchmark's
 * failure (verdict and report set), negative on errors of perfwarden's own.
 */
static int read_harness(struct pipeline_bench *b, const struct bench_plan *plan, size_t run)
{
	struct harness_report rep = HARNESS_REPORT_INIT;
	struct pw_error herr = PW_ERROR_INIT;
	const struct spec_benchmark *sb = b->spec;
	size_t i, k, v;
	int ret;

	ret = harness_parse_file(sb->format, harness_source(sb, plan), &rep, &herr);
	if (ret < 0) {
		b->verdict = ret == PW_ERROR ? VERDICT_CRASHED : VERDICT_WRONG_OUTPUT;
		strbuf_reset(&b->report);
		strbuf_addf(&b->report, "could not read its %s results: %s",
		            harness_format_name(sb->format), pw_error_message(&herr));
		pw_error_release(&herr);
		return 1;
	}
	for (i = 0; i < rep.nr; i++) {
		const struct harness_case *c = &rep.cases[i];

		for (k = 0; k < c->metrics_nr; k++) {
			struct pipeline_series *x = series_get(b, c->name, &c->metrics[k], k == 0);

			for (v = 0; run != SIZE_MAX && v < c->metrics[k].nr; v++)
				series_add(x, c->metrics[k].values[v], run);
		}
	}
	harness_report_release(&rep);
	pw_error_release(&herr);
	return 0;
}

/*
 * A benchmark, setup, test or build that failed on a full disk failed
 * because of the machine, not the commit: PW_EIO (nothing is stored) when the
 * file system of the workdir or the worktree has less than
 * PIPELINE_DISK_MIN_BYTES left, else 0.
 */
#define PIPELINE_DISK_MIN_BYTES (INT64_C(1) << 20)

static int disk_full(const struct pipeline *p, const struct pipeline_commit *pc,
                     struct pw_error *err)
{
	const char *dirs[2] = {p->workdir.buf, pc->worktree.len ? pc->worktree.buf : NULL};
	size_t i;

	for (i = 0; i < 2; i++) {
		struct statvfs vfs;
		int64_t avail;

		if (!dirs[i] || statvfs(dirs[i], &vfs) < 0)
			continue;
		avail = (int64_t)vfs.f_bavail * (int64_t)vfs.f_frsize;
		if (avail < PIPELINE_DISK_MIN_BYTES)
			return pw_error_set(err, PW_EIO,
			                    "no space left on the disk holding '%s' (%" PRId64
			                    " KiB free): the failure is the machine's, not the "
			                    "commit's, and is not stored",
			                    dirs[i], avail / 1024);
	}
	return 0;
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
	if (ret == PW_ENOTFOUND || ret == PW_EINVALID) {
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
	if ((ret = output_from_stdout(sb, plan, err)) < 0)
		goto done;
	if (sb->has_format && (ret = read_harness(b, plan, keep ? b->nsamples : SIZE_MAX)) != 0) {
		if (keep)
			bench_add_sample(b, &res.sample);
		goto done;
	}
	if (!keep) {
		ret = 0;
		goto done;
	}
	bench_add_sample(b, &res.sample);
	if (!sb->golden || (p->opts.flags & PIPELINE_NO_VERIFY)) {
		ret = 0;
		goto done;
	}

	vo.tolerance = sb->tolerance;
	ret = golden_set_verify_file(&rep, p->golden_dir.buf, p->has_store ? &p->store : NULL, sb,
	                             plan->output.buf, &vo, &verr);
	if (ret == PW_ENOTFOUND && access(plan->output.buf, F_OK) < 0) {
		b->verdict = VERDICT_WRONG_OUTPUT;
		strbuf_reset(&b->report);
		strbuf_addf(&b->report, "the benchmark wrote no output to '%s'%s", plan->output.buf,
		            plan->stdout_path.len ? " and nothing on stdout" : "");
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
		if (ret > 0) {
			if ((ret = disk_full(p, pc, err)) < 0)
				goto done;
			break;
		}
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

/*
 * Hand each of the spec's warnings to progress once per pipeline, as a line
 * starting with "warning: " (shown even when progress is not).
 */
static void spec_warn(struct pipeline *p, const struct spec *spec)
{
	const char *w = strbuf_str(&spec->warnings);

	while (*w) {
		const char *eol = strchrnul(w, '\n');
		struct strbuf line = STRBUF_INIT;

		strbuf_addf(&line, "warning: %.*s\n", (int)(eol - w), w);
		if (!strstr(strbuf_str(&p->warned), line.buf) && p->opts.progress) {
			strbuf_addstr(&p->warned, line.buf);
			line.buf[line.len - 1] = '\0';
			p->opts.progress(p->opts.progress_arg, line.buf);
		}
		strbuf_release(&line);
		w = *eol ? eol + 1 : eol;
	}
}

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
	if (ret == 0)
		spec_warn(p, p->override ? p->override : pc->spec);
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

/* A combination's {"family": NAME, "params": {NAME: VALUE...}} into metadata `m`; else nothing. */
static void params_metadata(const struct spec_benchmark *sb, json_t *m)
{
	json_t *values;
	size_t i;

	if (!sb->family)
		return;
	values = json_object();
	for (i = 0; i < sb->nparams; i++)
		json_object_set_new(
		        values, sb->params[i].name,
		        json_string(sb->params[i].nvalues ? sb->params[i].values[0] : ""));
	json_object_set_new(m, "family", json_string(sb->family));
	json_object_set_new(m, "params", values);
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
		json_object_set_new(b->metadata, "golden",
		                    b->spec->golden ? json_string(b->spec->golden) : json_null());
		json_object_set_new(b->metadata, "verification",
		                    json_string(spec_benchmark_verification(b->spec)));
		if (b->spec->has_format)
			json_object_set_new(b->metadata, "format",
			                    json_string(harness_format_name(b->spec->format)));
		params_metadata(b->spec, b->metadata);
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
		if (v == VERDICT_SLOWER || v == VERDICT_FASTER || v == VERDICT_UNSURE ||
		    v == VERDICT_UNVERIFIED)
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

/*
 * Benchmark b's `setup`, once, untimed: in the checkout, through the shell,
 * with the benchmark's environment and the build's timeout. When it fails,
 * the benchmark has failed (crashed, or timeout) and says why.
 */
static int run_setup(struct pipeline *p, struct pipeline_commit *pc, struct pipeline_bench *b,
                     struct pw_error *err)
{
	struct bench_plan plan;
	struct proc_spec ps = PROC_SPEC_INIT;
	struct proc_result res;
	struct pw_error serr = PW_ERROR_INIT;
	int ret;

	proc_result_init(&res);
	if ((ret = plan_init(p, pc, b->spec, &plan, err)) < 0)
		goto done;
	progress(p, "%s %s: setup", pc->commit.short_hash, b->name);
	ps.shell_command = b->spec->setup;
	ps.cwd = pc->worktree.buf;
	ps.env = plan.envp;
	ps.timeout_ms = pc->spec->build_timeout_ms;
	ps.aslr = PROC_ASLR_RANDOM;
	ps.no_counters = 1;
	ps.sandbox = &p->sandbox;
	ps.sandbox_flags = b->spec->network ? SANDBOX_SPAWN_NETWORK : 0;
	ret = proc_run(&ps, &res, &serr);
	if (ret < 0 && ret != PW_ENOTFOUND && ret != PW_EINVALID) {
		pw_error_set(err, ret, "%s", pw_error_message(&serr));
		goto done;
	}
	if (ret == 0 && !res.sample.timed_out && !res.sample.term_signal &&
	    res.sample.exit_code == 0)
		goto done;
	if (disk_full(p, pc, err) < 0) {
		ret = PW_EIO;
		goto done;
	}
	b->verdict = ret == 0 && res.sample.timed_out ? VERDICT_TIMEOUT : VERDICT_CRASHED;
	b->setup_failed = 1;
	strbuf_reset(&b->report);
	strbuf_addf(&b->report, "its setup '%s' ", b->spec->setup);
	if (ret < 0)
		strbuf_addstr(&b->report, pw_error_message(&serr));
	else
		describe_exit(&res.sample, &b->report);
	strbuf_reset(&b->stderr_tail);
	strbuf_add(&b->stderr_tail, res.stderr_tail.buf ? res.stderr_tail.buf : "",
	           res.stderr_tail.len);
	ret = 0;
done:
	plan_release(&plan);
	proc_result_release(&res);
	pw_error_release(&serr);
	return ret;
}

/* Keep the last `max` bytes of `text` in `out`, on a line boundary when there is one. */
static void add_tail(struct strbuf *out, const struct strbuf *text, size_t max)
{
	const char *s = strbuf_str(text), *nl;

	if (text->len > max) {
		s += text->len - max;
		if ((nl = strchr(s, '\n')) && nl[1])
			s = nl + 1;
	}
	strbuf_addstr(out, s);
}

/*
 * Run benchmark `b`'s test command in the checkout as its runs are run
 * (pinned, limited, the fixed environment), under the build's timeout. A
 * failure sets the verdict test-failed with the command's exit and the end
 * of its output.
 */
static int run_test(struct pipeline *p, struct pipeline_commit *pc, struct pipeline_bench *b,
                    struct pw_error *err)
{
	struct spec_benchmark tsb = *b->spec;
	struct bench_plan plan;
	struct proc_result res;
	struct proc_spec ps;
	struct pw_error terr = PW_ERROR_INIT;
	int ret;

	tsb.command = b->spec->test;
	tsb.output = NULL;
	tsb.timeout_ms = pc->spec->build_timeout_ms;
	proc_result_init(&res);
	if ((ret = plan_init_as(p, pc, &tsb, ".test", &plan, err)) < 0)
		goto done;
	plan_spec(p, pc, &tsb, &plan, &ps);
	ps.stdout_mode = PROC_STDOUT_CAPTURE;
	ps.stdout_path = NULL;
	progress(p, "%s %s: test '%s'", pc->commit.short_hash, b->name, tsb.command);
	ret = proc_run(&ps, &res, &terr);
	if (ret < 0 && ret != PW_ENOTFOUND && ret != PW_EINVALID) {
		pw_error_set(err, ret, "%s", pw_error_message(&terr));
		goto done;
	}
	json_object_set_new(b->metadata, "test",
	                    json_pack("{s:s, s:i, s:I}", "command", tsb.command, "exit_code",
	                              ret < 0 ? -1 : res.sample.exit_code, "wall_ns",
	                              (json_int_t)(ret < 0 ? 0 : res.sample.wall_ns)));
	if (ret == 0 && !res.sample.timed_out && !res.sample.term_signal && !res.sample.exit_code)
		goto done;
	if (disk_full(p, pc, err) < 0) {
		ret = PW_EIO;
		goto done;
	}
	b->verdict = VERDICT_TEST_FAILED;
	strbuf_reset(&b->report);
	strbuf_addf(&b->report, "the test command '%s' ", tsb.command);
	if (ret < 0)
		strbuf_addf(&b->report, "could not run: %s", pw_error_message(&terr));
	else
		describe_exit(&res.sample, &b->report);
	if (ret == 0 && res.sample.timed_out)
		strbuf_addf(&b->report, " after %lld ms", (long long)tsb.timeout_ms);
	strbuf_reset(&b->stderr_tail);
	add_tail(&b->stderr_tail, &res.stdout_buf, 4096);
	add_tail(&b->stderr_tail, &res.stderr_tail, 4096);
	ret = 0;
done:
	plan_release(&plan);
	proc_result_release(&res);
	pw_error_release(&terr);
	return ret;
}

/* Each benchmark's test command once per commit, after the build (one run per distinct command). */
static int run_tests(struct pipeline *p, struct pipeline_commit *pc, struct pw_error *err)
{
	size_t i, j;
	int ret;

	for (i = 0; i < pc->nbenches; i++) {
		struct pipeline_bench *b = &pc->benches[i];

		if (!b->spec->test || b->reused)
			continue;
		for (j = 0; j < i; j++)
			if (pc->benches[j].spec->test && !pc->benches[j].reused &&
			    !strcmp(pc->benches[j].spec->test, b->spec->test))
				break;
		if (j < i) {
			b->verdict = pc->benches[j].verdict;
			strbuf_reset(&b->report);
			strbuf_addstr(&b->report, strbuf_str(&pc->benches[j].report));
			strbuf_reset(&b->stderr_tail);
			strbuf_addstr(&b->stderr_tail, strbuf_str(&pc->benches[j].stderr_tail));
			continue;
		}
		if ((ret = run_test(p, pc, b, err)) < 0)
			return ret;
	}
	return 0;
}

/*
 * Lock the commit's worktree for this pipeline: exclusively when nobody else
 * uses it (*exclusive = 1: it may be checked out and built again), else
 * shared, once whoever builds it is done (*exclusive = 0: use it as it is).
 */
static int worktree_lock(struct pipeline *p, struct pipeline_commit *pc, int *exclusive,
                         struct pw_error *err)
{
	struct strbuf path = STRBUF_INIT;
	int fd, ret = 0;

	*exclusive = 0;
	strbuf_addf(&path, "%s/%s.lock", p->workdir.buf, pc->commit.hash);
	fd = open(path.buf, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		ret = pw_error_errno(err, PW_EIO, "could not open '%s'", path.buf);
		goto done;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
		*exclusive = 1;
	} else {
		progress(p, "%s: waiting for another perfwarden using its checkout",
		         pc->commit.short_hash);
		while (flock(fd, LOCK_SH) < 0)
			if (errno != EINTR) {
				ret = pw_error_errno(err, PW_EIO, "could not lock '%s'", path.buf);
				close(fd);
				goto done;
			}
	}
	pc->worktree_lock = fd + 1;
done:
	strbuf_release(&path);
	return ret;
}

static int checkout_and_build(struct pipeline *p, struct pipeline_commit *pc, struct pw_error *err)
{
	struct build_result br = BUILD_RESULT_INIT;
	int reused = 0, exclusive = 0, ret;
	size_t i;

	if (pc->worktree.len)
		return 0;
	if ((ret = worktree_lock(p, pc, &exclusive, err)) < 0)
		goto done;
	progress(p, "%s: checkout", pc->commit.short_hash);
	ret = checkout_worktree(p->repo, pc->commit.hash, p->workdir.buf,
	                        (p->opts.flags & PIPELINE_FORCE) && exclusive ? CHECKOUT_FORCE : 0,
	                        &pc->worktree, &reused, err);
	if (ret < 0 || (ret = sandbox_chown_tree(&p->sandbox, pc->worktree.buf, err)) < 0)
		goto done;
	progress(p, "%s: build", pc->commit.short_hash);
	ret = build_run_sandboxed(
	        &p->sandbox, pc->spec->build_network ? SANDBOX_SPAWN_NETWORK : 0, pc->worktree.buf,
	        pc->spec->build_command, pc->spec->build_timeout_ms,
	        (p->opts.flags & PIPELINE_FORCE) && !reused && exclusive ? BUILD_FORCE : 0, &br,
	        err);
	if (exclusive)
		flock(pc->worktree_lock - 1, LOCK_SH); /* built: others may use it now */
	if (ret < 0)
		goto done;
	strbuf_reset(&pc->build_log);
	strbuf_add(&pc->build_log, strbuf_str(&br.log), br.log.len);
	pc->build_ns = br.status == BUILD_OK && !br.reused ? br.duration_ns : -1;
	if (br.status != BUILD_OK && (ret = disk_full(p, pc, err)) < 0)
		goto done;
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
	for (i = 0; i < pc->nbenches && pc->status == VERDICT_OK; i++)
		if (pc->benches[i].spec->setup && !pc->benches[i].reused &&
		    (ret = run_setup(p, pc, &pc->benches[i], err)) < 0)
			goto done;
	ret = pc->status == VERDICT_OK ? run_tests(p, pc, err) : 0;
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

		if (b->reused || b->setup_failed || b->verdict == VERDICT_TEST_FAILED)
			continue;
		b->verdict = VERDICT_OK;
		b->nsamples = 0;
		for (size_t k = 0; k < b->nseries; k++)
			b->series[k].nvalues = 0;
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
	return pipeline_save(p, out, NULL, err);
}

/* The bytes of the files the artefact digest took in; -1 when one cannot be read. */
static int64_t artefact_size(const struct pipeline_commit *pc)
{
	struct strbuf path = STRBUF_INIT;
	const char *name = strbuf_str(&pc->artefacts.names), *nl;
	int64_t total = 0;
	struct stat st;

	for (; *name; name = *nl ? nl + 1 : nl) {
		nl = strchr(name, '\n');
		if (!nl)
			nl = name + strlen(name);
		strbuf_reset(&path);
		strbuf_addf(&path, "%s/%.*s", pc->worktree.buf, (int)(nl - name), name);
		if (nl == name)
			continue;
		if (stat(path.buf, &st) < 0) {
			total = -1;
			break;
		}
		total += (int64_t)st.st_size;
	}
	strbuf_release(&path);
	return total;
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
		if (out->benches[i].spec->warmup > 0 && out->benches[i].verdict == VERDICT_OK &&
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
	else
		out->artefact_bytes = artefact_size(out);
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

/*
 * The runs of a benchmark's harness cases, one `benchmark/case` run each,
 * holding the values its kept runs from `first` on reported.
 */
struct series_runs {
	struct store_run_result *runs;
	struct store_value **values;
	char **names, **meta;
	size_t n, alloc;
};

static void series_runs_release(struct series_runs *sr)
{
	size_t i;

	for (i = 0; i < sr->n; i++) {
		free(sr->values[i]);
		free(sr->names[i]);
		free(sr->meta[i]);
	}
	free(sr->values);
	free(sr->names);
	free(sr->meta);
	free(sr->runs);
}

static void series_runs_add(struct series_runs *sr, const struct pipeline_bench *b,
                            const struct store_run_result *proc, size_t first)
{
	size_t i, k, v;

	for (i = 0; i < b->nseries; i++) {
		const struct pipeline_series *c = &b->series[i];
		struct store_run_result *run;
		struct store_value *vals;
		struct strbuf name = STRBUF_INIT;
		json_t *m;
		size_t n = 0, total = 0;

		if (!c->primary)
			continue; /* each case once: at its first metric */
		for (k = 0; k < b->nseries; k++)
			if (!strcmp(b->series[k].name, c->name))
				total += b->series[k].nvalues;
		vals = calloc(total + 1, sizeof(*vals));
		if (!vals)
			abort();
		for (k = 0; k < b->nseries; k++) {
			const struct pipeline_series *x = &b->series[k];

			if (strcmp(x->name, c->name))
				continue;
			for (v = 0; v < x->nvalues; v++) {
				if (x->run[v] < first || x->run[v] >= b->nsamples)
					continue;
				vals[n].metric = x->metric;
				vals[n].unit = x->unit;
				vals[n].direction = harness_direction_name(x->direction);
				vals[n].sample_seq = (int64_t)(x->run[v] - first);
				vals[n++].value = x->values[v];
			}
		}
		if (!n) {
			free(vals);
			continue;
		}
		if (sr->n == sr->alloc) {
			sr->alloc = sr->alloc ? 2 * sr->alloc : 8;
			sr->runs = realloc(sr->runs, sr->alloc * sizeof(*sr->runs));
			sr->values = realloc(sr->values, sr->alloc * sizeof(*sr->values));
			sr->names = realloc(sr->names, sr->alloc * sizeof(*sr->names));
			sr->meta = realloc(sr->meta, sr->alloc * sizeof(*sr->meta));
			if (!sr->runs || !sr->values || !sr->names || !sr->meta)
				abort();
		}
		strbuf_addf(&name, "%s/%s", b->name, c->name);
		m = json_pack("{s:s, s:s, s:s, s:s, s:s}", "series_of", b->name, "case", c->name,
		              "format", harness_format_name(b->spec->format), "primary_metric",
		              c->metric, "command", b->spec->command);
		if (first)
			json_object_set_new(m, "earlier_samples", json_integer((json_int_t)first));
		params_metadata(b->spec, m);
		sr->values[sr->n] = vals;
		sr->names[sr->n] = strbuf_detach(&name, NULL);
		sr->meta[sr->n] = json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS);
		json_decref(m);
		run = &sr->runs[sr->n];
		*run = *proc;
		run->benchmark = sr->names[sr->n];
		run->metadata_json = sr->meta[sr->n];
		run->samples = NULL;
		run->nsamples = 0;
		run->values = vals;
		run->nvalues = n;
		sr->n++;
	}
}

int pipeline_save(struct pipeline *p, struct pipeline_commit *pc, struct strbuf *spooled_to,
                  struct pw_error *err)
{
	struct store_run_result *runs = NULL;
	struct pipeline_bench **saved = NULL;
	struct series_runs sr = {0};
	struct store_value build_values[2];
	size_t nbuild = 0;
	struct store_results r;
	struct strbuf spooled = STRBUF_INIT;
	char **meta = NULL, *env = NULL;
	const char **parents = NULL;
	int64_t now = now_us();
	size_t i, n = 0, nproc;
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
	if (pc->build_ns >= 0)
		build_values[nbuild++] =
		        (struct store_value){"build", "ns", "lower", -1, (double)pc->build_ns};
	if (pc->artefact_bytes >= 0)
		build_values[nbuild++] = (struct store_value){"artefact_size", "B", "lower", -1,
		                                              (double)pc->artefact_bytes};
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
		runs[n].verdict = pipeline_bench_verdict_name(b);
		runs[n].build_log_tail = pc->build_log.len ? pc->build_log.buf : NULL;
		runs[n].diff_report = b->report.len ? b->report.buf : NULL;
		runs[n].stderr_tail = b->stderr_tail.len ? b->stderr_tail.buf : NULL;
		runs[n].metadata_json = meta[n];
		runs[n].samples = b->samples ? b->samples + (b->stored ? b->nstored : 0) : NULL;
		runs[n].nsamples = b->nsamples - (b->stored ? b->nstored : 0);
		series_runs_add(&sr, b, &runs[n], b->stored ? b->nstored : 0);
		if (!b->stored) { /* the commit's build, with the measurement's first run */
			runs[n].values = build_values;
			runs[n].nvalues = nbuild;
		}
		n++;
	}
	if (!n)
		goto done;
	nproc = n;
	if (sr.n) {
		runs = realloc(runs, (n + sr.n) * sizeof(*runs));
		if (!runs)
			abort();
		memcpy(runs + n, sr.runs, sr.n * sizeof(*runs));
	}
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
	r.nruns = n + sr.n;

	ret = store_results_save(&p->store, &r, &spooled, err);
	if (ret == PW_EDB && spooled.len) {
		/* Kept on disk for `perfwarden db replay`: the measurement is not lost. */
		progress(p, "%s", pw_error_message(err));
	}
	if (!ret || spooled.len) {
		for (i = 0; i < nproc; i++) {
			saved[i]->stored = 1;
			saved[i]->nstored = saved[i]->nsamples;
		}
	}
	if (spooled_to && spooled.len)
		strbuf_addstr(spooled_to, spooled.buf);
done:
	for (i = 0; i < n; i++)
		free(meta[i]);
	series_runs_release(&sr);
	free(meta);
	free(saved);
	free(env);
	free(runs);
	free(parents);
	strbuf_release(&spooled);
	return ret;
}

int pipeline_commit_known(struct pipeline *p, const struct pipeline_commit *pc,
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

/* ---- a run under a profiler (runner/explain) ---- */

int pipeline_hand_over(struct pipeline *p, const char *dir, struct pw_error *err)
{
	return sandbox_chown_tree(&p->sandbox, dir, err);
}

int pipeline_run_wrapped(struct pipeline *p, struct pipeline_commit *pc, size_t bench,
                         const char *const *wrapper, int cpu, int64_t timeout_ms,
                         struct proc_result *res, struct pw_error *err)
{
	static const char *const shell[] = {"/bin/sh", "-c", NULL};
	const struct spec_benchmark *sb;
	struct bench_plan plan;
	struct proc_spec ps;
	const char **argv = NULL;
	size_t n = 0, k = 0, i;
	int ret;

	if (bench >= pc->nbenches || !pc->worktree.len || !wrapper || !wrapper[0])
		return pw_error_set(err, PW_EINVALID, "no prepared benchmark %zu in commit %s",
		                    bench, pc->commit.short_hash);
	sb = pc->benches[bench].spec;
	if ((ret = plan_init_as(p, pc, sb, ".prof.out", &plan, err)) < 0)
		goto done;
	plan_spec(p, pc, sb, &plan, &ps);
	while (wrapper[n])
		n++;
	for (i = 0; plan.argv && plan.argv[i]; i++)
		n++;
	argv = calloc(n + 4, sizeof(*argv));
	if (!argv)
		abort();
	for (i = 0; wrapper[i]; i++)
		argv[k++] = wrapper[i];
	if (plan.shell_command) {
		argv[k++] = shell[0];
		argv[k++] = shell[1];
		argv[k++] = plan.shell_command;
	} else {
		for (i = 0; plan.argv[i]; i++)
			argv[k++] = plan.argv[i];
	}
	argv[k] = NULL;
	ps.argv = argv;
	ps.shell_command = NULL;
	ps.cpu = cpu;
	ps.timeout_ms = timeout_ms ? timeout_ms : sb->timeout_ms * PROC_COUNT_TIMEOUT_FACTOR;
	ps.limits.as_bytes = PROC_LIMIT_NONE;
	ps.no_counters = 1;
	ret = proc_run(&ps, res, err);
done:
	free(argv);
	plan_release(&plan);
	return ret;
}

int pipeline_spare_cpu(struct pipeline *p)
{
	return system_spare_cpu(&p->sys, p->cpu);
}

int pipeline_spec_of(struct pipeline *p, const char *hash, struct spec **out, struct pw_error *err)
{
	struct strbuf text = STRBUF_INIT;
	int ret;

	if (!p->override)
		return spec_parse_commit(out, p->repo, hash, err);
	spec_write(p->override, &text);
	ret = spec_parse_buffer(out, text.buf, text.len, p->opts.spec_path, err);
	strbuf_release(&text);
	return ret;
}
