#ifndef PERFWARDEN_HARNESS_H
#define PERFWARDEN_HARNESS_H

#include <stddef.h>

#include "error.h"

/*
 * What a project's own benchmark harness reports, turned into perfwarden's
 * data: a list of cases, each with its metrics. The first metric of a case is
 * its primary one (the series `benchmark/case` is judged on it); the others
 * are extra metrics of the same case (CPU time, throughput, allocations...).
 * Each metric keeps every repetition the harness reports, one value each, in
 * the harness's order; where a harness reports only a summary (Catch2 v2), the
 * metric holds that one value and says so (`summary`).
 *
 * Times are always converted to nanoseconds (unit "ns"); other units are kept
 * as the harness names them. A case that appears several times (the rows of
 * `--benchmark_repetitions`, the lines of `go test -count N`, repeated `lines`)
 * gathers all its repetitions, in order.
 *
 * What each format yields (checked against the Debian 12 harnesses):
 *
 *  google-benchmark  `--benchmark_format=json`, or `--benchmark_out=FILE
 *      --benchmark_out_format=json` (libbenchmark 1.7.1). Every row with
 *      "run_type": "iteration" is one repetition (`--benchmark_repetitions=N`
 *      gives N per case); "aggregate" rows (mean, median, stddev, cv, BigO,
 *      RMS) are skipped. Case: "run_name" (else "name"). Metrics: "time" =
 *      real_time, "cpu_time" (both by "time_unit", in ns, lower is better);
 *      then each user counter under its own name: "items_per_second" (items/s)
 *      and "bytes_per_second" (B/s) higher is better; any other counter has no
 *      unit and no direction in the JSON (HARNESS_UNDIRECTED). A row with
 *      "error_occurred": true fails the parse with PW_ERROR and its message.
 *  hyperfine  `--export-json FILE` (1.15.0). Case: results[].command (the
 *      command, or its `-n` name). "time": every entry of times[] (seconds,
 *      one per run). "memory": memory_usage_byte (bytes, lower), when the
 *      version writes it (1.15 does not), one per run. "user_time" and
 *      "system_time": hyperfine gives only their means: one summary value each.
 *  pytest-benchmark  `--benchmark-json FILE` (3.2.2). Case: benchmarks[].fullname
 *      (`test_file.py::test_name[param]`). "time": stats.data[], the time of
 *      one call in each round (seconds per iteration), which 3.2.2 always
 *      writes into --benchmark-json (`--benchmark-save-data` matters only to
 *      --benchmark-save/--benchmark-autosave files). A file without data
 *      (such a saved file) gives stats.mean as one summary value.
 *  go-bench  the text of `go test -bench . -count N` (go 1.19). Each result
 *      line `BenchmarkX-8  1000  1234 ns/op  56 B/op  2 allocs/op  12.5 MB/s`
 *      is one repetition of case `BenchmarkX-8` (the name as go prints it,
 *      GOMAXPROCS suffix included). "time" from ns/op; every other pair is a
 *      metric named by its unit: B/op and allocs/op and any unit ending in
 *      "/op" lower is better, MB/s and any unit ending in "/s" higher, others
 *      undirected (b.ReportMetric units). Other lines (goos:, PASS, logs) are
 *      skipped; the same name in two `pkg:` sections is an error.
 *  catch2  the XML reporter (`-r xml`) of Catch2 v2 (2.13.10) with
 *      CATCH_CONFIG_ENABLE_BENCHMARKING. Its XML holds no per-sample data,
 *      only the analysis: "time" is the mean (ns) as ONE summary value with
 *      its bootstrap interval in lower/upper; "standard_deviation" (ns,
 *      undirected) likewise. Case: the BENCHMARK's name. A <failed> benchmark
 *      fails the parse with PW_ERROR and its message. Malformed XML is named
 *      by its line; a DOCTYPE (so any entity) and an attribute value over
 *      4096 bytes are refused.
 *  json  the generic form below.
 *  lines  the plain-text form below.
 *
 * --- Bring your own benchmarks (README text) --------------------------------
 *
 * Any harness can report to perfwarden in one of two forms.
 *
 * `format = json`: an object of cases, each an object of measures, after
 * Bencher's Metric Format (BMF), extended with every repetition:
 *
 *     {
 *       "parse/small": {
 *         "latency":    { "samples": [1210.5, 1198.0, 1203.7], "unit": "ns" },
 *         "throughput": { "value": 8.3e5, "lower_value": 8.1e5,
 *                         "upper_value": 8.4e5, "unit": "ops/s",
 *                         "direction": "higher" }
 *       }
 *     }
 *
 *   - The first measure of a case is the one it is judged on; the others are
 *     kept beside it.
 *   - "samples": every repetition (numbers). Without it, "value" is taken as
 *     the harness's summary of its repetitions (one value, marked summary).
 *     One of the two is required; "lower_value"/"upper_value" are optional
 *     bounds around it.
 *   - "unit": optional text. Time units (s, ms, us, ns) are converted to ns.
 *     Without a unit, "latency" means ns and "throughput" ops/s.
 *   - "direction": "lower" or "higher" is better; default "lower", except
 *     "throughput", which defaults to "higher".
 *   - Unknown keys are errors.
 *
 * `format = lines`: one measurement per line, `NAME VALUE [UNIT] [higher|lower]`,
 * fields separated by blanks (so NAME has none), e.g.
 *
 *     parse/small 1210.5 ns
 *     parse/small 1198.0 ns
 *     encode 412.0 MB/s higher
 *
 *   Each line is one repetition of the case NAME (its one metric, "value");
 *   repeat a line for more. UNIT (optional, time units converted to ns) and
 *   the direction (default lower) must be the same on every line of a case.
 *   Blank lines and lines starting with '#' are skipped; any other line is
 *   an error.
 *
 * In both forms values are finite numbers, and times are not negative.
 * ---------------------------------------------------------------------------
 *
 * Case names are kept as the harness gives them, made safe for a series name:
 * leading and trailing blanks dropped, control characters and invalid UTF-8
 * bytes replaced by '_', '/' kept; a name over HARNESS_MAX_NAME bytes is cut
 * and ends in '~' and 8 hex digits of a hash of the whole name (so two long
 * names stay two cases). An empty name is an error.
 *
 * Limits (a report beyond them is rejected, PW_EINVALID, saying which):
 * HARNESS_MAX_INPUT bytes of input, HARNESS_MAX_CASES cases,
 * HARNESS_MAX_METRICS metrics per case, HARNESS_MAX_SAMPLES values per metric.
 */

#define HARNESS_MAX_INPUT   (64u << 20)
#define HARNESS_MAX_CASES   1000
#define HARNESS_MAX_METRICS 32
#define HARNESS_MAX_SAMPLES 100000
#define HARNESS_MAX_NAME    200

enum harness_format {
	HARNESS_GOOGLE_BENCHMARK,
	HARNESS_HYPERFINE,
	HARNESS_PYTEST_BENCHMARK,
	HARNESS_GO_BENCH,
	HARNESS_CATCH2,
	HARNESS_JSON,
	HARNESS_LINES,
};

enum harness_direction {
	HARNESS_LOWER_IS_BETTER,
	HARNESS_HIGHER_IS_BETTER,
	HARNESS_UNDIRECTED, /* the harness does not say: kept, not judged */
};

struct harness_metric {
	char *name; /* "time", "cpu_time", "B/op", ... */
	char *unit; /* "ns", "B/s", ...; "" when not known */
	enum harness_direction direction;
	int summary;         /* values are the harness's summary, not repetitions */
	double lower, upper; /* the harness's bounds around it, NaN when none */
	double *values;      /* every repetition, in order */
	size_t nr, alloc;
};

struct harness_case {
	char *name;                     /* sanitised as above */
	struct harness_metric *metrics; /* metrics[0] is the primary one; metrics_nr >= 1 */
	size_t metrics_nr, metrics_alloc;
};

struct harness_report {
	enum harness_format format;
	struct harness_case *cases; /* in the order the harness first reported them */
	size_t nr, alloc;
};

#define HARNESS_REPORT_INIT                                                                        \
	{                                                                                          \
		HARNESS_JSON, NULL, 0, 0                                                           \
	}

/*
 * The format named `name` ("google-benchmark", "hyperfine", "pytest-benchmark",
 * "go-bench", "catch2", "json", "lines"). PW_EINVALID, listing the names,
 * for any other.
 */
int harness_format_parse(const char *name, enum harness_format *out, struct pw_error *err);

/* The name of a format, as harness_format_parse() reads it. Static string. */
const char *harness_format_name(enum harness_format format);

/* "lower", "higher" or "none". Static string. */
const char *harness_direction_name(enum harness_direction direction);

/*
 * Parse `len` bytes of `data` (need not be NUL-terminated) in `format` into
 * `out`, which must be HARNESS_REPORT_INIT or released; `source` names the
 * input in messages (a file name). On success `out` holds at least one case
 * and is the caller's to harness_report_release(). On failure `out` is left
 * empty and: PW_EINVALID for malformed or oversized input or a report with no
 * case (naming source, line or field), PW_ERROR when the harness reports a
 * failed benchmark.
 */
int harness_parse(enum harness_format format, const char *data, size_t len, const char *source,
                  struct harness_report *out, struct pw_error *err);

/* harness_parse() on the contents of `path`; PW_EIO when it cannot be read. */
int harness_parse_file(enum harness_format format, const char *path, struct harness_report *out,
                       struct pw_error *err);

/* The case named `name` (sanitised form), or NULL. Borrowed. */
const struct harness_case *harness_report_find(const struct harness_report *report,
                                               const char *name);

/* The metric of `c` named `name`, or NULL. Borrowed. */
const struct harness_metric *harness_case_metric(const struct harness_case *c, const char *name);

/* Free everything the report holds; it is HARNESS_REPORT_INIT again. */
void harness_report_release(struct harness_report *report);

#endif
