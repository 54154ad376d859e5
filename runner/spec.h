#ifndef PERFWARDEN_SPEC_H
#define PERFWARDEN_SPEC_H

#include <stddef.h>
#include <stdint.h>

#include "checkout.h"
#include "error.h"
#include "strbuf.h"

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
 *
 * As in any git config file, `;` and `#` start a comment: quote a value that
 * holds them (command = "make; ./run"). Section and key names are
 * case-insensitive; benchmark names are case-sensitive and may hold letters,
 * digits, '.', '_' and '-'.
 *
 * Strict by design: an unknown section or key, a key given twice, an
 * `[include]`, a missing `[build] command`, a benchmark without command or
 * golden, or no benchmark at all is an error (typos must not silently fall
 * back to defaults). Messages name the file, the section and the key:
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

/* The name of the spec file at a repository's root. */
#define SPEC_FILE ".perfwarden"

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
};

struct spec {
	char *build_command;
	int64_t build_timeout_ms;
	/* space-separated globs of what the build makes; NULL: found by runner/artefact */
	char *artifacts;
	struct spec_benchmark *benchmarks; /* in file order */
	size_t nbenchmarks;
	char hash[CHECKOUT_HASH_HEX + 1]; /* git blob id of spec_write()'s canonical text */
};

#define SPEC_INIT                                                                                  \
	{                                                                                          \
		NULL, SPEC_DEFAULT_BUILD_TIMEOUT_MS, NULL, NULL, 0,                                      \
		{                                                                                  \
			0                                                                          \
		}                                                                                  \
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
 * Append the canonical text of `spec` to `out`: every key with its value
 * (defaults filled in), in file order, in the syntax above. Two files that
 * mean the same spec give the same text, hence the same spec->hash.
 */
void spec_write(const struct spec *spec, struct strbuf *out);

#endif
