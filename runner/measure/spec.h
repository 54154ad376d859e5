#ifndef PERFWARDEN_SPEC_H
#define PERFWARDEN_SPEC_H

#include <stddef.h>
#include <stdint.h>

#include "checkout.h"
#include "error.h"
#include "harness.h"
#include "strbuf.h"
#include "verify.h"

/*
 * The spec a repository carries in `.perfwarden` (git-config syntax, parsed
 * by libgit2 through checkout_config_foreach):
 *
 *	[build]
 *		command = cmake -S . -B build && cmake --build build
 *		timeout = 600            ; seconds; also "90s", "1500ms", "10m", "1h"
 *		artifacts = build/app build/lib*.so ; optional: what the build makes that
 *		                         ; the benchmarks run (globs, relative to the checkout)
 *	[benchmark "julia"]
 *		command = build/kernel/julia --width 1000 --iterations 300
 *		golden = julia-1000x300  ; a golden set name in the golden directory
 *		output = FILE            ; optional, relative to the checkout
 *		repeat = 15
 *		warmup = 2
 *		timeout = 60
 *		threshold = 2%           ; or 0.02
 *		tolerance = 0            ; optional, for float output
 *		max-repeat = 40          ; the most interleaved rounds a comparison gets
 *		verify = grid            ; how output meets golden: grid | digest | json
 *		test = make check        ; optional: the project's tests, once per commit
 *		setup = make input.bin   ; optional: untimed, once per commit, before the runs
 *		format = google-benchmark ; optional: the command reports its own results
 *		                         ; (runner/measure/harness.h): each case is a series
 *		metric = cpu             ; optional: wall | cpu | instructions, or for a
 *		                         ; harness benchmark the name of a metric of its cases
 *		memory-threshold = 10%   ; peak memory's smallest change worth a verdict; off
 *		params = width: 100,1000 ; optional, repeatable: one benchmark per value (below)
 *		network = yes            ; optional (also in [build]): keep the machine's network;
 *		                         ; by default a sandbox has only its own loopback
 *
 * As in any git config file, `;` and `#` start a comment: quote a value that
 * holds them (command = "make; ./run"). Section and key names are
 * case-insensitive; benchmark names are case-sensitive and may hold letters,
 * digits, '.', '_' and '-'.
 *
 * Parameters (asv's `params`): each `params = NAME: VALUE,VALUE...` line of a
 * benchmark is an axis; several lines multiply (every combination, the first
 * line varying slowest). Each combination is a benchmark of its own, named
 *
 *	BENCH@NAME=VALUE[,NAME=VALUE...]        e.g. scale@width=100,depth=3
 *
 * (the values in the order of the `params` lines; a harness case of it is the
 * series `scale@width=100,depth=3/BM_x`), measured, stored and judged on its
 * own. NAME is letters, digits and '_' (not starting with a digit; two names
 * may not differ only in case); a VALUE is letters, digits, '.', '_', '+' and
 * '-', so it is safe in a command line as it is. The combination's values reach
 * its commands two ways: in the environment as PERFWARDEN_PARAM_<NAME in upper
 * case> (PERFWARDEN_PARAM_WIDTH=100), and in place of `${NAME}` in its command,
 * golden, output, setup and test (`${...}` naming no parameter is left for the
 * shell). `golden = scale-${width}` gives each combination its own golden set.
 * Limits: SPEC_MAX_PARAMS lines, SPEC_MAX_PARAM_VALUES values of at most
 * SPEC_MAX_PARAM_VALUE bytes each, SPEC_MAX_COMBINATIONS combinations.
 *
 * Limits: at most SPEC_MAX_BENCHMARKS benchmarks, repeat and max-repeat at
 * most SPEC_MAX_REPEAT, warmup at most SPEC_MAX_WARMUP; the message says
 * the limit ("repeat must be at most 10000, got '2147483647'").
 *
 * Strict by design: an unknown section or key, a key given twice, an
 * `[include]`, a missing `[build] command`, a benchmark without command,
 * `verify` without `golden`, or no benchmark at all is an error (typos must not silently fall
 * back to defaults). A benchmark with neither `golden` nor `test` is allowed and reads
 * `unverified` (a harness benchmark's results are the harness's; nothing checks its output
 * unless it says so). Messages name the file, the section and the key:
 *	.perfwarden: benchmark "julia": repeat must be a positive integer, got 'ten'
 * Syntax errors carry libgit2's message with the line:
 *	.perfwarden: failed to parse config file: ... (in .perfwarden:3, column 0)
 */

#define SPEC_DEFAULT_REPEAT           15
#define SPEC_DEFAULT_WARMUP           2
#define SPEC_DEFAULT_BUILD_TIMEOUT_MS INT64_C(600000)
#define SPEC_DEFAULT_RUN_TIMEOUT_MS   INT64_C(60000)
#define SPEC_DEFAULT_THRESHOLD        0.02
#define SPEC_DEFAULT_MAX_REPEAT       40
#define SPEC_DEFAULT_MEMORY_THRESHOLD 0.10

#define SPEC_MAX_PARAMS       8
#define SPEC_MAX_PARAM_VALUES 64
#define SPEC_MAX_PARAM_VALUE  64
#define SPEC_MAX_COMBINATIONS 256

/* The name of the spec file at a repository's root. */
#define SPEC_FILE ".perfwarden"

/* One `params` line: a parameter and its values. */
struct spec_param {
	char *name;
	char **values; /* as given; a combination (spec->benchmarks) holds exactly one */
	size_t nvalues;
};

struct spec_benchmark {
	char *name;
	char *command;
	char *golden;
	char *output; /* relative to the checkout; NULL: the runner's $PERFWARDEN_OUTPUT */
	int repeat;
	int warmup;
	int64_t timeout_ms;
	double threshold; /* a fraction: 0.02 is 2% */
	double tolerance; /* absolute, for float output; 0: exact */
	int max_repeat;   /* >= repeat */
	/* verification: output against `golden` (NULL: none) in mode `verify`; `test` (NULL:
	 * none) run once per commit after the build; neither: the benchmark is unverified */
	enum verify_mode verify;
	char *test;
	char *setup;    /* untimed, once per commit in the checkout before the runs; NULL: none */
	int has_format; /* the command reports its results in `format` */
	enum harness_format format;
	/*
	 * What the benchmark is judged on, overriding `check --metric`: "wall",
	 * "cpu" or "instructions" (the process), or for a harness benchmark the
	 * name of a metric of its cases (each case judged on it instead of its
	 * first). NULL: check's choice.
	 */
	char *metric;
	double memory_threshold; /* peak memory (max RSS) change worth a verdict; 0: not judged */
	/*
	 * Parameters. As written (spec->declared), every `params` line in order;
	 * as a combination (spec->benchmarks), the same lines with one value each,
	 * `family` the name written ("scale", where `name` is
	 * "scale@width=100"). Without params: none, and `family` is NULL.
	 */
	char *family;
	struct spec_param *params;
	size_t nparams;
	int network; /* `network = yes`: keeps the machine's network in the sandbox */
};

/*
 * What verifies the benchmark, for people and the store: "grid", "digest",
 * "json", "test", "grid+test", "digest+test", "json+test", or "unverified"
 * when nothing does. A static string.
 */
const char *spec_benchmark_verification(const struct spec_benchmark *b);

struct spec {
	char *build_command;
	int64_t build_timeout_ms;
	/* space-separated globs of what the build makes; NULL: found by runner/measure/artefact */
	char *artifacts;
	struct spec_benchmark *benchmarks; /* in file order */
	size_t nbenchmarks;
	char hash[CHECKOUT_HASH_HEX + 1]; /* git blob id of spec_write()'s canonical text */
	/*
	 * When a benchmark has params: the benchmarks as written (`benchmarks`
	 * then holds one per combination, in place of each such benchmark). NULL
	 * when none has: `benchmarks` is as written.
	 */
	struct spec_benchmark *declared;
	size_t ndeclared;
	/*
	 * What the parser found suspicious but valid, one "\n"-terminated line
	 * each (not part of the hash): a command, setup or test whose value has
	 * an unquoted ';', which git-config syntax turns into a comment.
	 */
	struct strbuf warnings;
	int build_network; /* [build] network = yes: the build keeps the machine's network */
};

/* The real limits a spec is held to (beyond them the spec is invalid). */
#define SPEC_MAX_BENCHMARKS 256   /* [benchmark] sections per spec */
#define SPEC_MAX_REPEAT     10000 /* repeat and max-repeat */
#define SPEC_MAX_WARMUP     1000

#define SPEC_INIT                                                                                  \
	{                                                                                          \
		NULL, SPEC_DEFAULT_BUILD_TIMEOUT_MS, NULL, NULL, 0, {0}, NULL, 0, STRBUF_INIT, 0   \
	}

void spec_init(struct spec *spec);

/* Free the contents; the struct is SPEC_INIT again. */
void spec_release(struct spec *spec);

/* spec_release() and free the struct; NULL is fine. */
void spec_free(struct spec *spec);

/*
 * Parse the spec file `path`. `display_name` names the file in messages
 * (NULL: `path`). On success *out is the caller's (spec_free); on failure
 * *out is NULL and the code is PW_ENOTFOUND (no such file) or PW_EINVALID.
 */
int spec_parse_file(struct spec **out, const char *path, const char *display_name,
                    struct pw_error *err);

/*
 * Parse a spec held in memory (e.g. a blob read from a commit), via a
 * private temporary file. Same contract as spec_parse_file();
 * `display_name` NULL means SPEC_FILE.
 */
int spec_parse_buffer(struct spec **out, const void *buf, size_t len, const char *display_name,
                      struct pw_error *err);

/*
 * Read and parse SPEC_FILE from commit `rev` of `repo`. PW_ENOTFOUND with
 * "commit SHORT has no .perfwarden" when the commit carries none.
 */
int spec_parse_commit(struct spec **out, struct checkout_repo *repo, const char *rev,
                      struct pw_error *err);

/* The benchmark called `name`, or NULL. Borrowed. */
const struct spec_benchmark *spec_benchmark_find(const struct spec *spec, const char *name);

/*
 * Whether series `name` is a combination of parameterised benchmark `family`
 * ("scale@width=100" of "scale"; not its harness cases, "scale@width=100/x").
 */
int spec_is_combination_of(const char *name, const char *family);

/*
 * What `--benchmark want` selects of the stored series `names` (n, malloc'd
 * strings): `want` when it is one of them, else every combination of
 * family `want`. The selected are moved to the front in their order, the
 * others freed; returns how many were selected (0: none; `want` is then
 * to be taken as it is).
 */
size_t spec_select_series(char **names, size_t n, const char *want);

/*
 * Append the canonical text of `spec` to `out`: every key with its value
 * (defaults filled in), in file order, in the syntax above. Two files that
 * mean the same spec give the same text, hence the same spec->hash.
 */
void spec_write(const struct spec *spec, struct strbuf *out);

#endif
