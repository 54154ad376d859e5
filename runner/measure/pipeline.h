#ifndef PERFWARDEN_PIPELINE_H
#define PERFWARDEN_PIPELINE_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "artefact.h"
#include "checkout.h"
#include "db.h"
#include "error.h"
#include "proc.h"
#include "sample.h"
#include "spec.h"
#include "verdict.h"
#include "strbuf.h"

/*
 * One commit's way through perfwarden: spec → checkout → build → measure →
 * verify → store. The pipeline owns the open repository, the database
 * connection and the machine's fingerprint for a whole command, so that each
 * commit costs only its own work.
 *
 * Measurement policy (documented in the README):
 *  - each benchmark runs `warmup` times (not kept) then `repeat` times, every
 *    run a fresh process started by runner/measure/proc: pinned to one cpu, in its own
 *    process group, under resource limits, with ASLR off (fixed layout);
 *  - the command is exec'd directly when it is a plain word list, through
 *    /bin/sh -c when it uses shell syntax;
 *  - the environment is exactly PATH, HOME, LC_ALL=C, PERFWARDEN_BENCHMARK,
 *    PERFWARDEN_COMMIT and PERFWARDEN_OUTPUT, whose values have the same length
 *    for every run and every commit, so the stack starts at the same address;
 *  - every kept run's output is verified against the benchmark's golden set
 *    (runner/measure/golden_set: the golden directory, else the store);
 *    the first failure stops that benchmark (crashed, timeout, wrong-output);
 *    a benchmark's `test` command runs once per commit after the build, as
 *    the benchmarks run (test-failed); a benchmark with neither is measured
 *    and judged but its measurement reads "unverified";
 *  - stdout goes to <workdir>/out/run.XXXXXX/<commit>/<benchmark>.stdout, in
 *    a directory private to this pipeline (two perfwarden processes measuring
 *    the same commit never share a file), made when the pipeline first runs
 *    something; finished directories but the newest PIPELINE_OUTPUTS_KEPT are
 *    removed then; the output
 *    is the file the spec's `output`
 *    names, else the one $PERFWARDEN_OUTPUT names, and when the benchmark
 *    writes no such file, what it printed on stdout;
 *  - a benchmark with a `format` has its harness's report read from its
 *    output after every run (warm-ups too, so its cases are known early). A
 *    report that cannot be read is the run's failure: wrong-output (crashed
 *    when the harness says a case failed);
 *  - a benchmark's `setup` runs once per commit after the build, untimed,
 *    in the checkout with the benchmark's environment; when it fails, so does
 *    the benchmark (crashed, with its exit status and stderr tail).
 */
/* Finished output directories (<workdir>/out/run.*) kept to be looked at. */
#define PIPELINE_OUTPUTS_KEPT 4

enum pipeline_flags {
	PIPELINE_FORCE = 1 << 0, /* measure again even when the store has the run */
	PIPELINE_INSTRUCTIONS =
	        1 << 1,               /* one extra run under cachegrind for the instruction count */
	PIPELINE_NO_STORE = 1 << 2,   /* measure only; no database */
	PIPELINE_NO_MEASURE = 1 << 3, /* never measure: only what the store has (bisect planning) */
	PIPELINE_NO_VERIFY = 1 << 4,  /* do not compare outputs with golden sets (golden record) */
};

struct pipeline_options {
	const char *repo;       /* local path or URL; NULL: the current directory's repository */
	const char *spec_path;  /* a spec file overriding every commit's .perfwarden; NULL: none */
	const char *golden_dir; /* NULL: paths_golden_dir() */
	const char *workdir;    /* worktrees and outputs; NULL: $PERFWARDEN_HOME/work */
	const char *database; /* conninfo; NULL: $PERFWARDEN_DATABASE_URL or the embedded default */
	int cpu;              /* -1: the first isolated cpu, else the last online one */
	unsigned flags;       /* enum pipeline_flags */
	/* Called with one line of progress ("abc1234 julia: run 3/15"); may be NULL. */
	void (*progress)(void *arg, const char *line);
	void *progress_arg;
};

#define PIPELINE_OPTIONS_INIT                                                                      \
	{                                                                                          \
		NULL, NULL, NULL, NULL, NULL, -1, 0, NULL, NULL                                    \
	}

/*
 * One metric of one case a benchmark's harness reported (spec `format`):
 * the values of every kept run, in order. Each case is its own series,
 * `benchmark/case`, stored as a run of that name (store/results.h).
 */
struct pipeline_series {
	char *name;   /* the case, as harness_parse() names it */
	char *metric; /* "time", "cpu_time", "items_per_second", ... */
	char *unit;   /* "ns", "B/s", ...; "" when not known */
	enum harness_direction direction;
	int primary;    /* the case's first metric */
	int summary;    /* the harness reports a summary, not repetitions (catch2, hyperfine) */
	double *values; /* every repetition of every kept run, in order */
	size_t *run;    /* parallel to values: the kept run (index into samples) it came from */
	size_t nvalues, alloc;
};

/* One benchmark of one commit. */
struct pipeline_bench {
	char *name;
	const struct spec_benchmark *spec; /* borrowed from the commit's spec */
	enum verdict verdict; /* before judging: ok, wrong-output, crashed, timeout, build-failed */
	struct sample *samples; /* the kept runs, in order */
	size_t nsamples;
	size_t alloc;
	int64_t instructions; /* cachegrind's count, or SAMPLE_ABSENT */
	struct strbuf report; /* why it failed: diff report, exit status, missing output */
	struct strbuf stderr_tail;
	/* with a `format`: every (case, metric) its harness reported, in the order first seen */
	struct pipeline_series *series;
	size_t nseries, series_alloc;
	json_t *metadata; /* stored with the run: cpu, aslr, instructions...; owned */
	struct proc_count_job *count_job; /* pipeline_count_start() running; owned */
	int reused;                       /* loaded from the store instead of measured */
	int setup_failed;                 /* its `setup` failed: verdict and report say how */
	/* pipeline_save()'s bookkeeping: whether this measurement has a stored run, */
	int stored;
	size_t nstored; /* and how many of `samples` (the first ones) are in the store */
};

/* One commit's results. */
struct pipeline_commit {
	struct checkout_commit commit;
	/*
	 * The commit as a whole: VERDICT_OK when its benchmarks ran (see each
	 * bench), else no-spec, bad-spec or build-failed with `message` saying why.
	 */
	enum verdict status;
	struct strbuf message;
	struct strbuf build_log; /* tail of the build output when it was built */
	struct spec *spec;       /* the spec in force; NULL when none could be read */
	struct strbuf worktree;  /* where it was checked out; "" when not */
	struct pipeline_bench *benches;
	size_t nbenches;
	/* what the build made (pipeline_prepare); hex "" when it could not be told */
	struct artefact_digest artefacts;
	/*
	 * Stored with each benchmark's run as the values "build" (ns) and
	 * "artefact_size" (bytes of the digested files): -1 when not known
	 * (the build was reused; the artefacts were not digested).
	 */
	int64_t build_ns;
	int64_t artefact_bytes;
	/*
	 * The lock on the worktree (<workdir>/<hash>.lock) while this commit
	 * uses it, as its descriptor + 1 (0: none, so a zeroed struct holds
	 * none): shared while measuring, exclusive while checking out and
	 * building, so a concurrent perfwarden never rebuilds a tree in use.
	 */
	int worktree_lock;
};

#define PIPELINE_COMMIT_INIT                                                                       \
	{                                                                                          \
		CHECKOUT_COMMIT_INIT, VERDICT_OK, STRBUF_INIT, STRBUF_INIT, NULL, STRBUF_INIT,     \
		        NULL, 0, ARTEFACT_DIGEST_INIT, -1, -1, 0                                   \
	}

void pipeline_commit_release(struct pipeline_commit *pc);

/* The measurement's verdict as stored and shown: "unverified" for an ok run nothing verifies. */
const char *pipeline_bench_verdict_name(const struct pipeline_bench *b);

/*
 * The series of `b` for case `name` and metric `metric` (NULL: the case's
 * first), or NULL. Borrowed.
 */
const struct pipeline_series *pipeline_bench_series(const struct pipeline_bench *b,
                                                    const char *name, const char *metric);

/* The samples' values of the judged metric as doubles (wall ns); caller frees. */
double *pipeline_bench_values(const struct pipeline_bench *b, size_t *n);

struct pipeline;

/*
 * Open the repository, read the machine's state, connect the store (unless
 * PIPELINE_NO_STORE). The result is the caller's (pipeline_free). Errors:
 * PW_ENOTFOUND (no repository), PW_EDB (database), PW_EINVALID (bad spec file).
 */
int pipeline_open(struct pipeline **out, const struct pipeline_options *opts, struct pw_error *err);
void pipeline_free(struct pipeline *p);

/* Borrowed views for the commands. */
struct checkout_repo *pipeline_repo(struct pipeline *p);
struct store *pipeline_store(struct pipeline *p); /* NULL with PIPELINE_NO_STORE */
const char *pipeline_fingerprint(const struct pipeline *p);
const char *pipeline_repo_location(const struct pipeline *p);
json_t *pipeline_environment(const struct pipeline *p); /* borrowed */
int pipeline_cpu(const struct pipeline *p);
unsigned pipeline_flags(const struct pipeline *p);

const char *pipeline_golden_dir(const struct pipeline *p);

/* Where benchmark `bench` of `pc` leaves its output (after a run), appended to `path`. */
void pipeline_bench_output(const struct pipeline *p, const struct pipeline_commit *pc, size_t bench,
                           struct strbuf *path);

/* Put `commit k/N` (the caller's count) in front of the progress lines that follow. */
void pipeline_progress_position(struct pipeline *p, size_t k, size_t n);

/*
 * Measure commit `rev` (or reuse what the store has for it with the same spec
 * and environment — per benchmark the newest such run, with the earlier runs
 * it continues — unless PIPELINE_FORCE) and store the results. `out` is
 * released first and filled. A commit that fails to build, crashes or gives
 * wrong output is a result, not an error: 0 is returned and the verdicts say
 * what happened. Negative codes: the commit is unknown (PW_ENOTFOUND), the
 * checkout or a process could not be started (PW_EIO). A store that cannot be
 * reached does not lose the results: they are spooled (see store_results_save)
 * and the spool path is reported through progress.
 */
int pipeline_measure(struct pipeline *p, const char *rev, struct pipeline_commit *out,
                     struct pw_error *err);

/*
 * Get commit `rev` ready to be measured, without measuring it: read its
 * spec, check it out, build it, run each benchmark's warm-ups (a warm-up that
 * fails sets that benchmark's verdict) and digest the build's artefacts
 * (runner/measure/artefact; `artefacts.hex` stays "" when none were found). Nothing
 * is reused from the store and nothing is stored: `perfwarden check` then
 * measures with pipeline_measure_more() in interleaved rounds and saves with
 * pipeline_save(). Failures of the commit are results (status and verdicts),
 * negative codes are perfwarden's own errors, as in pipeline_measure().
 */
int pipeline_prepare(struct pipeline *p, const char *rev, struct pipeline_commit *out,
                     struct pw_error *err);

/*
 * Count the instructions of one run of benchmark `bench` under cachegrind
 * into benches[bench].instructions (SAMPLE_ABSENT, with the reason in its
 * metadata, when valgrind cannot count them). The commit must be prepared.
 */
int pipeline_count_instructions(struct pipeline *p, struct pipeline_commit *pc, size_t bench,
                                struct pw_error *err);

/*
 * Count the instructions of benchmark `bench` in the background, pinned to
 * the spare cpu (system_spare_cpu) while the timing cpu goes on, writing
 * its output to a path of its own; pipeline_count_finish() waits for it and
 * fills benches[bench].instructions. Without a spare cpu, or when the
 * benchmark writes a fixed `output` file, it counts at once instead.
 * A count that cannot be made is recorded (SAMPLE_ABSENT, the reason in the
 * metadata), never an error; negative codes are perfwarden's own.
 */
int pipeline_count_start(struct pipeline *p, struct pipeline_commit *pc, size_t bench,
                         struct pw_error *err);
int pipeline_count_finish(struct pipeline *p, struct pipeline_commit *pc, size_t bench,
                          struct pw_error *err);

/*
 * Run `n` more kept repetitions of benchmark `bench` of an already measured
 * commit (confirmation runs), appending to its samples. The commit must have
 * been measured by this pipeline or reused from the store (it is checked out
 * and built first when needed). Not stored until pipeline_save().
 */
int pipeline_measure_more(struct pipeline *p, struct pipeline_commit *pc, size_t bench, size_t n,
                          struct pw_error *err);

/*
 * Store what `pc` holds that the store does not have yet; nothing stored is
 * replaced. The first save of a measurement writes one run per benchmark with
 * every sample and the measurement's verdict (ok, wrong-output, crashed,
 * timeout, build-failed; never a judge's: those go through runner/judge/record). A later save
 * of the same `pc` (after pipeline_measure_more) appends, per benchmark with
 * samples measured since, one more run holding only those samples, its
 * metadata's "earlier_samples" counting the ones stored before (so that
 * reusing the measurement, pipeline_measure puts them back together); a
 * benchmark with nothing new writes nothing. Runs reused from the store are
 * not written again. Errors as store_results_save() (spooled: PW_EDB, the
 * spool file's path appended to `spooled` (may be NULL), and the samples
 * count as stored, since the replay will append them).
 */
int pipeline_save(struct pipeline *p, struct pipeline_commit *pc, struct strbuf *spooled,
                  struct pw_error *err);

/*
 * Put the repository, `pc`'s commit and this environment into the store when
 * it lacks them, so that rows about a commit that was never run (a judgement
 * of an `unchanged` build) have something to refer to. Errors: PW_EDB.
 */
int pipeline_commit_known(struct pipeline *p, const struct pipeline_commit *pc,
                          struct pw_error *err);

/*
 * Run benchmark `bench` of the prepared commit `pc` once the way its timed
 * runs are run (its command, environment, working directory, limits and
 * layout policy, through the same plan), with `wrapper` in front of it: a
 * NULL-terminated argv such as a profiler and its options ("valgrind",
 * "--tool=callgrind", ...). A shell command runs as WRAPPER /bin/sh -c
 * COMMAND. Differences from a timed run: no address-space limit (valgrind
 * reserves much of it), pinned to `cpu` (-1: not pinned), `timeout_ms` (0:
 * the benchmark's timeout times PROC_COUNT_TIMEOUT_FACTOR), stdout and the
 * output to paths of their own (<bench>.prof.*), so a profile never touches
 * a timed run's files. Nothing is verified or stored. Safe to call from two
 * threads at once for two different commits (it reports no progress).
 * Returns as proc_run(): 0 when the process ran (its exit in res->sample),
 * PW_ENOTFOUND when the wrapper or the program cannot be found, PW_EINVALID
 * for a benchmark index out of range or a commit that was not prepared.
 */
/*
 * Hand directory `dir` (and what it holds) to the user builds and benchmarks
 * run as (runner/measure/sandbox), so that a wrapped run — a profiler writing
 * its files there — may write into it. Nothing to do when that user is
 * perfwarden's own. 0 or PW_EIO.
 */
int pipeline_hand_over(struct pipeline *p, const char *dir, struct pw_error *err);

int pipeline_run_wrapped(struct pipeline *p, struct pipeline_commit *pc, size_t bench,
                         const char *const *wrapper, int cpu, int64_t timeout_ms,
                         struct proc_result *res, struct pw_error *err);

/*
 * The spec in force for commit `hash` — the --spec file's, else the commit's
 * .perfwarden — read without checking the commit out; *out is the caller's
 * (spec_free). Errors as spec_parse_commit().
 */
int pipeline_spec_of(struct pipeline *p, const char *hash, struct spec **out, struct pw_error *err);

/* The cpu benchmarks are pinned to, and a second one that may work beside it (-1: none). */
int pipeline_spare_cpu(struct pipeline *p);

#endif
