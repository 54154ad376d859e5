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
 * the verifier cannot tell and fails. In memory (verify_buffers,
 * verify_set_compare) time and memory are linear in the files' sizes and
 * files over 1 GiB are refused; from files (verify_golden,
 * verify_set_compare_file) they are streamed in bounded memory.
 *
 * Pure: no I/O besides reading the files it is handed.
 */

#define VERIFY_MAX_DIFFS 10 /* differences kept in the report, in file order */

/*
 * How an output is compared with its golden set (the spec's `verify`):
 *   grid    numbers in rows: NAME.sum, then cell by cell (above), with a tolerance;
 *   digest  byte for byte: the output's sha256 equals NAME.sha256 (its first
 *           word: `sha256sum` lines work). NAME.out, when the set has it,
 *           must hash to it and lets the report say which bytes differ;
 *   json    NAME.out and the output are JSON documents compared value by
 *           value: numbers within the tolerance, everything else equal, object
 *           keys in any order, arrays in order; the report names the path of
 *           each difference ($.runs[3].name).
 */
enum verify_mode {
	VERIFY_GRID,
	VERIFY_DIGEST,
	VERIFY_JSON,
};

/* "grid", "digest", "json". */
const char *verify_mode_name(enum verify_mode mode);

/* The mode named `name` into *out; PW_EINVALID naming the choices otherwise. */
int verify_mode_parse(const char *name, enum verify_mode *out, struct pw_error *err);

/* The sha256 of `len` bytes as 64 lowercase hex digits and a NUL. */
void verify_sha256_hex(const void *buf, size_t len, char out[65]);

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

	/*
	 * The other modes. json: cells_* and max_abs_diff count values (leaves)
	 * and `json_diffs` holds the first VERIFY_MAX_DIFFS as {"path",
	 * "expected", "actual"} (texts; "(missing)" / "(absent)" for a key on one
	 * side only). digest: the two sha256s, and with the set's NAME.out the
	 * sizes, the bytes that differ and the first differing offset (-1: none
	 * or unknown).
	 */
	enum verify_mode mode;
	json_t *json_diffs; /* owned; NULL outside json mode */
	char digest_expected[65], digest_actual[65];
	int has_expected_bytes;
	size_t bytes_expected, bytes_actual, bytes_differing;
	long long first_byte_diff;
};

/* Make `rep` an empty report (matched = 0). */
void verify_report_init(struct verify_report *rep);

/* Free the report's strings; verify_report_init() makes it usable again. */
void verify_report_release(struct verify_report *rep);

/*
 * Compare the file `output_path` with golden set `name` in `golden_dir`,
 * filling `rep` (which must be initialised; earlier contents are replaced).
 * Both files are streamed (verify_set_compare_file): memory stays bounded.
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
 * A golden set in memory, whatever its mode and wherever it was found:
 * `check` is NAME.sum's text (grid) or the sha256 in hex (digest), empty for
 * json; `expected` is NAME.out (optional for digest: has_expected);
 * `provenance` is NAME.provenance.json's text, empty when the set has none;
 * `origin` says where it came from, for messages ("'golden/x'", "the store").
 */
struct verify_set {
	enum verify_mode mode;
	struct strbuf name;
	struct strbuf check;
	struct strbuf expected;
	int has_expected;
	struct strbuf provenance;
	struct strbuf origin;
	/* verify_set_read_lazy(): `expected` was not read; it is this file (NAME.out) */
	struct strbuf expected_path;
};

void verify_set_init(struct verify_set *set);
void verify_set_release(struct verify_set *set);

/*
 * Read golden set `name` of mode `mode` from directory `dir`: grid needs
 * NAME.out and NAME.sum, digest NAME.sha256 (NAME.out if present), json
 * NAME.out; NAME.provenance.json is read when present. PW_ENOTFOUND when a
 * needed file is missing ("no digest golden set 'x' in 'dir' (x.sha256)"),
 * PW_EINVALID for a bad name or a set that is not consistent
 * (verify_set_check), PW_EIO when unreadable.
 */
int verify_set_read(struct verify_set *set, const char *dir, const char *name,
                    enum verify_mode mode, struct pw_error *err);

/*
 * Whether the set holds together: grid: NAME.sum is the sum of NAME.out;
 * digest: a 64-hex-digit sha256 that NAME.out (when present) hashes to;
 * json: NAME.out is one JSON document. PW_EINVALID with the reason.
 */
int verify_set_check(const struct verify_set *set, struct pw_error *err);

/*
 * Make a set of mode `mode` named `name` from an output (golden record):
 * grid computes the sum, digest the sha256, json checks the document.
 * PW_EINVALID when the output does not fit the mode (not a grid of
 * numbers, not JSON), with the reason.
 */
int verify_set_from_output(struct verify_set *set, enum verify_mode mode, const char *name,
                           const char *output, size_t len, struct pw_error *err);

/*
 * Write the set into `dir` (created when missing): NAME.out (when it has
 * one), NAME.sum (grid) or NAME.sha256 (digest, `sha256sum` format), and
 * NAME.provenance.json when it has provenance. PW_EIO on failure.
 */
int verify_set_write(const struct verify_set *set, const char *dir, struct pw_error *err);

/*
 * Compare `len` bytes of output with `set` in the set's mode, filling `rep`
 * (rep->golden is the set's name, rep->output is left as it is). 0 with the
 * verdict in rep->matched (output that is not JSON, or not numbers, is a
 * mismatch with rep->parse_error set), PW_EINVALID for an inconsistent set.
 */
int verify_set_compare(struct verify_report *rep, const struct verify_set *set, const char *output,
                       size_t len, const struct verify_options *opts, struct pw_error *err);

/*
 * Streaming, for outputs of any size in bounded memory (a few chunks of
 * 256 KiB, whatever the size): compare the file `output_path` with `set` as
 * verify_set_compare() would — same report, same verdict — reading grid and
 * digest outputs (and the set's NAME.out when it was read lazily) chunk by
 * chunk. A JSON document must be held whole by jansson: an output over
 * VERIFY_JSON_MAX_BYTES is a mismatch whose parse_error says so. Errors as
 * verify_set_compare(), and PW_ENOTFOUND / PW_EIO for an unreadable file.
 */
#define VERIFY_JSON_MAX_BYTES (UINT64_C(64) << 20)

int verify_set_compare_file(struct verify_report *rep, const struct verify_set *set,
                            const char *output_path, const struct verify_options *opts,
                            struct pw_error *err);

/*
 * verify_set_read() without reading NAME.out of a grid or digest set (only
 * its existence is checked; set->expected_path names it) and without
 * verify_set_check(): verify_set_compare_file() streams it and finds an
 * inconsistent set then (PW_EINVALID). A json set is read as usual.
 */
int verify_set_read_lazy(struct verify_set *set, const char *dir, const char *name,
                         enum verify_mode mode, struct pw_error *err);

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
