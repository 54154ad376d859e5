#ifndef PERFWARDEN_STARTER_H
#define PERFWARDEN_STARTER_H

#include <stddef.h>

#include "error.h"
#include "strbuf.h"

/*
 * A starter spec for a project perfwarden has never seen (`perfwarden
 * init`): what its source tree holds decides the build command — CMake
 * (CMakeLists.txt), Cargo (Cargo.toml), Go (go.mod), Make (Makefile),
 * Python (pyproject.toml, setup.py), in that order when several are there —
 * and the benchmarks: Google Benchmark programs (sources that include
 * <benchmark/benchmark.h> or call BENCHMARK(; their CMake target when an
 * add_executable names the source), Catch2 benchmarks (sources that include
 * catch2/ or catch.hpp and use BENCHMARK: the program with `-r xml`, format
 * catch2), pytest-benchmark suites (tests taking the `benchmark` fixture),
 * `go test -bench` functions (func BenchmarkX), a hyperfine run in a shell
 * script (*.sh) or the Makefile (its command line, continued lines joined,
 * with --export-json "$PERFWARDEN_OUTPUT" in place of its own), a Cargo
 * project's benches/NAME.rs (with Criterion named in Cargo.toml: criterion's
 * bencher output turned into the `lines` form by awk, so each of its
 * benchmarks is a case) and a Makefile's `bench` target. When none is found, one placeholder
 * benchmark keeps the spec valid and says what to replace.
 *
 * The text is git-config with a `#` comment above each line saying what it
 * does and what was found, and it always parses with spec_parse_buffer().
 * Keys the parser may not know yet (`format`, `test`) are written only when
 * it accepts them; otherwise the benchmark is verified against a golden set,
 * which the parser requires, and the harness's format is named in a comment.
 */

struct starter_benchmark {
	char *name;         /* a valid benchmark name */
	char *command;      /* the command line, unquoted */
	const char *format; /* a harness format name (runner/measure/harness.h), or NULL */
	int placeholder;    /* 1: nothing was found; the command must be replaced */
	struct strbuf why;  /* what was found, for the comment above the section */
};

struct starter {
	const char *build_system; /* "CMake", "Cargo", "Go", "Make", "Python" or NULL */
	char *build_command;
	char *test_command;  /* the project's tests (ctest, cargo test, ...), or NULL */
	struct strbuf found; /* one line per thing found, for the header comment */
	struct starter_benchmark *benchmarks;
	size_t nbenchmarks, alloc;
};

#define STARTER_INIT                                                                               \
	{                                                                                          \
		NULL, NULL, NULL, STRBUF_INIT, NULL, 0, 0                                          \
	}

/*
 * Look through the source tree at `dir` (hidden directories and build
 * outputs — build/, target/, node_modules/, vendor/ — are skipped) and fill
 * `out` (STARTER_INIT or released). A tree in which nothing is recognised
 * still gets a build command (`true`, said so) and a placeholder benchmark.
 * PW_ENOTFOUND when `dir` is not a directory.
 */
int starter_detect(struct starter *out, const char *dir, struct pw_error *err);

/*
 * Append the commented spec text of `st` to `out`, checked with
 * spec_parse_buffer(): PW_EINVALID with the parser's message if it would not
 * parse (a bug: it always should).
 */
int starter_write(const struct starter *st, struct strbuf *out, struct pw_error *err);

/*
 * Whether this perfwarden's spec parser knows benchmark key `key` (a spec
 * with `key = value` in a benchmark parses). Lets a starter use keys that are
 * being added without a flag to flip.
 */
int starter_spec_knows(const char *key, const char *value);

/* The golden set name the written spec gives benchmark `b`, or NULL when it needs none. */
const char *starter_golden(const struct starter_benchmark *b);

void starter_release(struct starter *st);

#endif
