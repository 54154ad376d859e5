#ifndef PERFWARDEN_VERIFY_H
#define PERFWARDEN_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "error.h"
#include "strbuf.h"

/*
 * The verifier: does a benchmark's output file match its golden set?
 *
 * A golden set NAME in a directory DIR is two files: DIR/NAME.out, the
 * expected output (one row per line, numbers separated by spaces), and
 * DIR/NAME.sum, the sum of all its numbers in decimal. The verifier checks
 * the checksum first, then compares cell by cell (so two swapped cells,
 * which keep the sum, are still caught), and fills a report for people
 * (verify_report_format) and machines (verify_report_json).
 *
 * Cells are integers or decimals ("12", "-3", "0.25", "1e-3"). Lines may end
 * in "\n" or "\r\n"; the last one may lack its newline; numbers may be
 * separated by runs of spaces or tabs. Anything else (a non-numeric token,
 * inf/nan, a token longer than 64 characters) is a parse error: for the
 * output it is a mismatch with report.parse_error set; for the golden set
 * the verifier cannot tell and fails. Time and memory are linear in the
 * files' sizes; files over 1 GiB are refused.
 *
 * Pure: no I/O besides reading the files it is handed.
 */

#define VERIFY_MAX_DIFFS 10 /* differences kept in the report, in file order */

struct verify_options {
	/*
	 * Largest allowed absolute difference per cell (0: exact). The checksum
	 * then may differ by tolerance x cells. Exact integer sums are used when
	 * both files hold only integers and the tolerance is 0.
	 */
	double tolerance;
};

#define VERIFY_OPTIONS_INIT                                                                        \
	{                                                                                          \
		0.0                                                                                \
	}

/* One differing cell; row and col count from 1 (like line numbers). */
struct verify_diff {
	size_t row;
	size_t col;
	double expected;
	double actual;
};

struct verify_report {
	int matched;          /* checksum, shape and every cell agree, and no parse error */
	struct strbuf golden; /* the golden set's name ("" from verify_buffers) */
	struct strbuf output; /* the output file's path ("" from verify_buffers) */
	double tolerance;

	int checksum_ok;
	int checksum_exact;       /* integer sums: the *_int fields are exact */
	int64_t sum_expected_int; /* from NAME.sum */
	int64_t sum_actual_int;   /* of the output's cells */
	double sum_expected;
	double sum_actual;

	int shape_differs;
	size_t rows_expected, rows_actual;
	size_t cols_expected, cols_actual; /* cells in the first row */
	size_t first_ragged_row; /* first row (from 1) whose cell count differs; 0: none */

	size_t cells_expected, cells_actual;
	size_t cells_compared;  /* cells present in both (same row, same column) */
	size_t cells_differing; /* of those, differing by more than the tolerance */
	double max_abs_diff;    /* largest |actual - expected| among compared cells */
	struct verify_diff diffs[VERIFY_MAX_DIFFS];
	size_t ndiffs;

	/* Why the output could not be read as numbers; empty when it could. */
	struct strbuf parse_error;
};

/* Make `rep` an empty report (matched = 0). */
void verify_report_init(struct verify_report *rep);

/* Free the report's strings; verify_report_init() makes it usable again. */
void verify_report_release(struct verify_report *rep);

/*
 * Compare the file `output_path` with golden set `name` in `golden_dir`,
 * filling `rep` (which must be initialised; earlier contents are replaced).
 *
 * Returns 0 when a verdict was reached (rep->matched says which), or:
 *   PW_EINVALID   `name` is not a plain name (empty, has '/', starts with
 *                 '.'), or the golden set is garbled or inconsistent (its
 *                 .sum is not the sum of its .out)
 *   PW_ENOTFOUND  the golden set's files or the output file do not exist
 *   PW_EIO        a file could not be read (or is over 1 GiB)
 * with the reason in `err`. The verdict is then unknown.
 */
int verify_golden(struct verify_report *rep, const char *golden_dir, const char *name,
                  const char *output_path, const struct verify_options *opts, struct pw_error *err);

/*
 * The same comparison on buffers already in memory: `sum` (the .sum file's
 * text), `golden` (the .out file's) and `output`. `opts` may be NULL (exact).
 * Returns 0 with a verdict in `rep`, or PW_EINVALID for a garbled or
 * inconsistent golden set.
 */
int verify_buffers(struct verify_report *rep, const char *sum, size_t sum_len, const char *golden,
                   size_t golden_len, const char *output, size_t output_len,
                   const struct verify_options *opts, struct pw_error *err);

/*
 * Append the report for people: a first line "match: ..." or "mismatch: ...",
 * then for a mismatch the checksum, shape, cell counts, largest difference and
 * the first differences as "row R, column C: expected E, got A".
 */
void verify_report_format(const struct verify_report *rep, struct strbuf *out);

/*
 * The report as a new JSON object (the caller owns the reference and drops it
 * with json_decref), shaped
 *   { "matched", "golden", "output", "tolerance",
 *     "checksum": { "ok", "exact", "expected", "actual" },
 *     "shape": { "differs", "rows_expected", "rows_actual", "cols_expected",
 *                "cols_actual", "first_ragged_row" (null: none) },
 *     "cells": { "expected", "actual", "compared", "differing", "max_abs_diff" },
 *     "diffs": [ { "row", "col", "expected", "actual" } ],
 *     "parse_error": string or null }
 * Numbers that are integers are JSON integers. Returns NULL when out of
 * memory or when the name or path is not valid UTF-8.
 */
json_t *verify_report_json(const struct verify_report *rep);

#endif
