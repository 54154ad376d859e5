/*
 * The verifier: checks a benchmark's output against a golden set, checksum
 * first and then cell by cell, and describes what differs. The pipeline calls
 * it after a measured run; `perfwarden verify` calls it directly. It reads
 * only the files it is handed and parses them in one linear pass into a grid
 * of numbers (values, row lengths, exact integer sum when possible).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "verify.h"

#define MAX_FILE_BYTES (1UL << 30)
#define MAX_TOKEN      64
#define MAX_INT_DIGITS 18 /* always fits in int64_t */

struct grid {
	double *cells;
	size_t ncells, cells_alloc;
	size_t *row_len;
	size_t rows, rows_alloc;
	int integer; /* every cell is an integer and isum did not overflow */
	int64_t isum;
	long double sum;
};

#define GRID_INIT                                                                                  \
	{                                                                                          \
		NULL, 0, 0, NULL, 0, 0, 1, 0, 0.0L                                                 \
	}

static void grid_release(struct grid *g)
{
	free(g->cells);
	free(g->row_len);
	*g = (struct grid)GRID_INIT;
}

static void *grow(void *p, size_t *alloc, size_t need, size_t size)
{
	size_t n = *alloc ? *alloc : 1024;

	if (need <= *alloc)
		return p;
	while (n < need)
		n *= 2;
	p = realloc(p, n * size);
	if (!p)
		abort(); /* as strbuf: no useful recovery from running out of memory */
	*alloc = n;
	return p;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* [+-]digits[.digits][(e|E)[+-]digits], or [+-].digits[...]: nothing else. */
static int decimal_ok(const char *s, size_t len)
{
	size_t i = 0, mant = 0, exp = 0;

	if (i < len && (s[i] == '+' || s[i] == '-'))
		i++;
	for (; i < len && is_digit(s[i]); i++)
		mant++;
	if (i < len && s[i] == '.')
		for (i++; i < len && is_digit(s[i]); i++)
			mant++;
	if (!mant)
		return 0;
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		for (; i < len && is_digit(s[i]); i++)
			exp++;
		if (!exp)
			return 0;
	}
	return i == len;
}

static void quote_token(struct strbuf *msg, const char *s, size_t len)
{
	size_t i, shown = len > 20 ? 20 : len;

	strbuf_addch(msg, '\'');
	for (i = 0; i < shown; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f)
			strbuf_addch(msg, c);
		else
			strbuf_addf(msg, "\\x%02x", c);
	}
	strbuf_addstr(msg, len > shown ? "...'" : "'");
}

/* Parse one token into *value; 0, or -1 with the reason in `msg`. */
static int parse_token(const char *s, size_t len, double *value, int *is_int, int64_t *ival,
                       struct strbuf *msg)
{
	char copy[MAX_TOKEN + 1];
	size_t i = (s[0] == '+' || s[0] == '-') ? 1 : 0, digits = len - i;
	char *end;

	if (len > MAX_TOKEN) {
		strbuf_addf(msg, "a token of %zu characters is too long to be a number", len);
		return -1;
	}
	*is_int = digits > 0 && digits <= MAX_INT_DIGITS;
	for (; *is_int && i < len; i++)
		if (!is_digit(s[i]))
			*is_int = 0;
	if (*is_int) {
		int64_t v = 0;

		for (i = (s[0] == '+' || s[0] == '-') ? 1 : 0; i < len; i++)
			v = v * 10 + (s[i] - '0');
		*ival = s[0] == '-' ? -v : v;
		*value = (double)*ival;
		return 0;
	}
	if (!decimal_ok(s, len)) {
		quote_token(msg, s, len);
		strbuf_addstr(msg, " is not a number");
		return -1;
	}
	memcpy(copy, s, len);
	copy[len] = '\0';
	errno = 0;
	*value = strtod(copy, &end);
	if (!isfinite(*value)) {
		quote_token(msg, s, len);
		strbuf_addstr(msg, " is out of range");
		return -1;
	}
	return 0;
}

static void grid_add(struct grid *g, double v, int is_int, int64_t iv)
{
	g->cells = grow(g->cells, &g->cells_alloc, g->ncells + 1, sizeof(*g->cells));
	g->cells[g->ncells++] = v;
	g->row_len[g->rows - 1]++;
	g->sum += v;
	if (!is_int || __builtin_add_overflow(g->isum, iv, &g->isum))
		g->integer = 0;
}

/*
 * Parse `buf` into `g`: rows end at "\n" (a "\r" before it is dropped), a
 * final newline does not start a row. 0, or -1 with "row R, cell C: why" in
 * `msg`.
 */
static int grid_parse(struct grid *g, const char *buf, size_t len, struct strbuf *msg)
{
	size_t pos = 0;

	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - buf) : len, next = nl ? end + 1 : len;

		if (end > pos && buf[end - 1] == '\r')
			end--;
		g->row_len = grow(g->row_len, &g->rows_alloc, g->rows + 1, sizeof(*g->row_len));
		g->row_len[g->rows++] = 0;
		while (pos < end) {
			size_t start;
			double v;
			int64_t iv = 0;
			int is_int;

			while (pos < end && (buf[pos] == ' ' || buf[pos] == '\t'))
				pos++;
			if (pos == end)
				break;
			start = pos;
			while (pos < end && buf[pos] != ' ' && buf[pos] != '\t')
				pos++;
			if (parse_token(buf + start, pos - start, &v, &is_int, &iv, msg) < 0) {
				struct strbuf where = STRBUF_INIT;

				strbuf_addf(&where, "row %zu, cell %zu: ", g->rows,
				            g->row_len[g->rows - 1] + 1);
				strbuf_add(&where, msg->buf, msg->len);
				strbuf_reset(msg);
				strbuf_add(msg, where.buf, where.len);
				strbuf_release(&where);
				return -1;
			}
			grid_add(g, v, is_int, iv);
		}
		pos = next;
	}
	return 0;
}

/* The .sum file: one number, surrounded by optional whitespace. */
static int parse_sum(const char *buf, size_t len, double *sum, int *is_int, int64_t *isum,
                     struct strbuf *msg)
{
	while (len && memchr(" \t\r\n", buf[len - 1], 4))
		len--;
	while (len && memchr(" \t\r\n", buf[0], 4))
		buf++, len--;
	if (!len) {
		strbuf_addstr(msg, "it is empty");
		return -1;
	}
	return parse_token(buf, len, sum, is_int, isum, msg);
}

void verify_report_init(struct verify_report *rep)
{
	memset(rep, 0, sizeof(*rep));
	rep->golden = (struct strbuf)STRBUF_INIT;
	rep->output = (struct strbuf)STRBUF_INIT;
	rep->parse_error = (struct strbuf)STRBUF_INIT;
}

void verify_report_release(struct verify_report *rep)
{
	strbuf_release(&rep->golden);
	strbuf_release(&rep->output);
	strbuf_release(&rep->parse_error);
}

static void reset_report(struct verify_report *rep)
{
	struct strbuf golden = rep->golden, output = rep->output, perr = rep->parse_error;

	memset(rep, 0, sizeof(*rep));
	rep->golden = golden;
	rep->output = output;
	rep->parse_error = perr;
	strbuf_reset(&rep->parse_error);
}

static int sums_agree(double a, double b, double tolerance, size_t cells)
{
	double slack = tolerance * (double)cells + 1e-9 * fmax(1.0, fabs(b));

	return fabs(a - b) <= slack;
}

static void shapes(struct verify_report *rep, const struct grid *e, const struct grid *a)
{
	size_t r, common = e->rows < a->rows ? e->rows : a->rows;

	rep->rows_expected = e->rows;
	rep->rows_actual = a->rows;
	rep->cols_expected = e->rows ? e->row_len[0] : 0;
	rep->cols_actual = a->rows ? a->row_len[0] : 0;
	rep->cells_expected = e->ncells;
	rep->cells_actual = a->ncells;
	for (r = 0; r < common && !rep->first_ragged_row; r++)
		if (e->row_len[r] != a->row_len[r])
			rep->first_ragged_row = r + 1;
	if (!rep->first_ragged_row && e->rows != a->rows)
		rep->first_ragged_row = common + 1;
	rep->shape_differs = rep->first_ragged_row != 0;
}

static void cells(struct verify_report *rep, const struct grid *e, const struct grid *a,
                  double tolerance)
{
	size_t r, c, eoff = 0, aoff = 0, common = e->rows < a->rows ? e->rows : a->rows;

	for (r = 0; r < common; r++) {
		size_t n = e->row_len[r] < a->row_len[r] ? e->row_len[r] : a->row_len[r];

		for (c = 0; c < n; c++) {
			double ev = e->cells[eoff + c], av = a->cells[aoff + c];
			double d = fabs(av - ev);

			if (d > rep->max_abs_diff)
				rep->max_abs_diff = d;
			if (d > tolerance) {
				if (rep->ndiffs < VERIFY_MAX_DIFFS)
					rep->diffs[rep->ndiffs++] =
					        (struct verify_diff){r + 1, c + 1, ev, av};
				rep->cells_differing++;
			}
		}
		rep->cells_compared += n;
		eoff += e->row_len[r];
		aoff += a->row_len[r];
	}
}

int verify_buffers(struct verify_report *rep, const char *sum, size_t sum_len, const char *golden,
                   size_t golden_len, const char *output, size_t output_len,
                   const struct verify_options *opts, struct pw_error *err)
{
	struct grid expected = GRID_INIT, actual = GRID_INIT;
	struct strbuf msg = STRBUF_INIT;
	double tolerance = opts ? opts->tolerance : 0.0;
	int sum_is_int = 0, ret = 0;

	reset_report(rep);
	rep->tolerance = tolerance;
	if (!(tolerance >= 0.0) || !isfinite(tolerance)) {
		ret = pw_error_set(err, PW_EINVALID, "invalid tolerance %g: expected a number >= 0",
		                   tolerance);
		goto done;
	}
	if (parse_sum(sum, sum_len, &rep->sum_expected, &sum_is_int, &rep->sum_expected_int, &msg) <
	    0) {
		ret = pw_error_set(err, PW_EINVALID, "golden checksum is not a number: %s",
		                   strbuf_str(&msg));
		goto done;
	}
	if (grid_parse(&expected, golden, golden_len, &msg) < 0) {
		ret = pw_error_set(err, PW_EINVALID, "golden output is garbled: %s",
		                   strbuf_str(&msg));
		goto done;
	}
	if (sum_is_int && expected.integer
	            ? rep->sum_expected_int != expected.isum
	            : !sums_agree((double)expected.sum, rep->sum_expected, 0.0, 0)) {
		ret = pw_error_set(err, PW_EINVALID,
		                   "golden set is inconsistent: its checksum is %.17g but its "
		                   "output sums to %.17g",
		                   rep->sum_expected, (double)expected.sum);
		goto done;
	}

	if (grid_parse(&actual, output, output_len, &rep->parse_error) < 0)
		goto done;

	rep->sum_actual = (double)actual.sum;
	rep->sum_actual_int = actual.isum;
	rep->checksum_exact = sum_is_int && expected.integer && actual.integer && tolerance == 0.0;
	if (rep->checksum_exact)
		rep->checksum_ok = rep->sum_actual_int == rep->sum_expected_int;
	else
		rep->checksum_ok =
		        sums_agree(rep->sum_actual, rep->sum_expected, tolerance, expected.ncells);
	shapes(rep, &expected, &actual);
	cells(rep, &expected, &actual, tolerance);
	rep->matched = rep->checksum_ok && !rep->shape_differs && !rep->cells_differing;
done:
	strbuf_release(&msg);
	grid_release(&expected);
	grid_release(&actual);
	return ret;
}

static int read_file(struct strbuf *sb, const char *path, const char *what, struct pw_error *err)
{
	strbuf_setmax(sb, MAX_FILE_BYTES, 0);
	if (strbuf_read_file(sb, path) < 0) {
		if (errno == EFBIG)
			return pw_error_set(err, PW_EIO, "%s '%s' is larger than 1 GiB", what,
			                    path);
		return pw_error_errno(err, errno == ENOENT ? PW_ENOTFOUND : PW_EIO,
		                      "could not read %s '%s'", what, path);
	}
	return 0;
}

int verify_golden(struct verify_report *rep, const char *golden_dir, const char *name,
                  const char *output_path, const struct verify_options *opts, struct pw_error *err)
{
	struct strbuf sum_path = STRBUF_INIT, out_path = STRBUF_INIT;
	struct strbuf sum = STRBUF_INIT, golden = STRBUF_INIT, output = STRBUF_INIT;
	int ret;

	reset_report(rep);
	strbuf_reset(&rep->golden);
	strbuf_reset(&rep->output);
	strbuf_addstr(&rep->golden, name);
	strbuf_addstr(&rep->output, output_path);
	if (!*name || strchr(name, '/') || name[0] == '.') {
		ret = pw_error_set(err, PW_EINVALID,
		                   "invalid golden set name '%s': expected a plain name like "
		                   "'julia-1000x300'",
		                   name);
		goto done;
	}
	strbuf_addf(&sum_path, "%s/%s.sum", golden_dir, name);
	strbuf_addf(&out_path, "%s/%s.out", golden_dir, name);
	if ((ret = read_file(&sum, sum_path.buf, "golden checksum", err)) < 0 ||
	    (ret = read_file(&golden, out_path.buf, "golden output", err)) < 0) {
		if (ret == PW_ENOTFOUND)
			pw_error_prefix(err, "no golden set '%s' in '%s'", name, golden_dir);
		goto done;
	}
	if ((ret = read_file(&output, output_path, "output file", err)) < 0)
		goto done;
	ret = verify_buffers(rep, sum.buf ? sum.buf : "", sum.len, golden.buf ? golden.buf : "",
	                     golden.len, output.buf ? output.buf : "", output.len, opts, err);
	if (ret < 0)
		pw_error_prefix(err, "golden set '%s' in '%s'", name, golden_dir);
done:
	strbuf_release(&sum_path);
	strbuf_release(&out_path);
	strbuf_release(&sum);
	strbuf_release(&golden);
	strbuf_release(&output);
	return ret;
}

static void add_number(struct strbuf *out, double v)
{
	strbuf_addf(out, "%.17g", v);
}

static void format_sum(struct strbuf *out, const struct verify_report *rep, int expected)
{
	if (rep->checksum_exact)
		strbuf_addf(out, "%lld",
		            (long long)(expected ? rep->sum_expected_int : rep->sum_actual_int));
	else
		add_number(out, expected ? rep->sum_expected : rep->sum_actual);
}

void verify_report_format(const struct verify_report *rep, struct strbuf *out)
{
	size_t i;

	if (rep->matched) {
		strbuf_addf(out, "match: '%s' matches golden set '%s' (checksum ",
		            strbuf_str(&rep->output), strbuf_str(&rep->golden));
		format_sum(out, rep, 0);
		strbuf_addf(out, ", %zu rows x %zu columns", rep->rows_actual, rep->cols_actual);
		if (rep->tolerance > 0)
			strbuf_addf(out, ", tolerance %g, largest difference %g", rep->tolerance,
			            rep->max_abs_diff);
		strbuf_addstr(out, ")\n");
		return;
	}
	strbuf_addf(out, "mismatch: '%s' does not match golden set '%s'\n",
	            strbuf_str(&rep->output), strbuf_str(&rep->golden));
	if (rep->parse_error.len) {
		strbuf_addf(out, "  unreadable output: %s\n", rep->parse_error.buf);
		return;
	}
	strbuf_addstr(out, "  checksum: expected ");
	format_sum(out, rep, 1);
	strbuf_addstr(out, ", got ");
	format_sum(out, rep, 0);
	strbuf_addstr(out, rep->checksum_ok ? " (ok)\n" : " (differs)\n");
	strbuf_addf(out, "  shape: expected %zu rows x %zu columns, got %zu rows x %zu columns",
	            rep->rows_expected, rep->cols_expected, rep->rows_actual, rep->cols_actual);
	if (rep->shape_differs)
		strbuf_addf(out, " (differs from row %zu)\n", rep->first_ragged_row);
	else
		strbuf_addstr(out, " (ok)\n");
	strbuf_addf(out, "  cells: %zu of %zu compared differ", rep->cells_differing,
	            rep->cells_compared);
	if (rep->tolerance > 0)
		strbuf_addf(out, " by more than %g", rep->tolerance);
	strbuf_addstr(out, ", largest absolute difference ");
	add_number(out, rep->max_abs_diff);
	strbuf_addch(out, '\n');
	if (rep->ndiffs) {
		strbuf_addf(out, "  first %s:\n", rep->ndiffs == 1 ? "difference" : "differences");
		for (i = 0; i < rep->ndiffs; i++) {
			strbuf_addf(out, "    row %zu, column %zu: expected ", rep->diffs[i].row,
			            rep->diffs[i].col);
			add_number(out, rep->diffs[i].expected);
			strbuf_addstr(out, ", got ");
			add_number(out, rep->diffs[i].actual);
			strbuf_addch(out, '\n');
		}
	}
}

static json_t *json_number(double v)
{
	if (v == floor(v) && fabs(v) < 9007199254740992.0)
		return json_integer((json_int_t)v);
	return json_real(v);
}

static json_t *json_size(size_t v)
{
	return json_integer((json_int_t)v);
}

json_t *verify_report_json(const struct verify_report *rep)
{
	json_t *diffs = json_array();
	size_t i;

	for (i = 0; diffs && i < rep->ndiffs; i++)
		json_array_append_new(diffs,
		                      json_pack("{s:o, s:o, s:o, s:o}", "row",
		                                json_size(rep->diffs[i].row), "col",
		                                json_size(rep->diffs[i].col), "expected",
		                                json_number(rep->diffs[i].expected), "actual",
		                                json_number(rep->diffs[i].actual)));
	return json_pack(
	        "{s:b, s:s, s:s, s:o, s:{s:b, s:b, s:o, s:o}, s:{s:b, s:o, s:o, s:o, s:o, s:o},"
	        " s:{s:o, s:o, s:o, s:o, s:o}, s:o, s:o}",
	        "matched", rep->matched, "golden", strbuf_str(&rep->golden), "output",
	        strbuf_str(&rep->output), "tolerance", json_number(rep->tolerance), "checksum",
	        "ok", rep->checksum_ok, "exact", rep->checksum_exact, "expected",
	        rep->checksum_exact ? json_integer(rep->sum_expected_int)
	                            : json_number(rep->sum_expected),
	        "actual",
	        rep->checksum_exact ? json_integer(rep->sum_actual_int)
	                            : json_number(rep->sum_actual),
	        "shape", "differs", rep->shape_differs, "rows_expected",
	        json_size(rep->rows_expected), "rows_actual", json_size(rep->rows_actual),
	        "cols_expected", json_size(rep->cols_expected), "cols_actual",
	        json_size(rep->cols_actual), "first_ragged_row",
	        rep->first_ragged_row ? json_size(rep->first_ragged_row) : json_null(), "cells",
	        "expected", json_size(rep->cells_expected), "actual", json_size(rep->cells_actual),
	        "compared", json_size(rep->cells_compared), "differing",
	        json_size(rep->cells_differing), "max_abs_diff", json_number(rep->max_abs_diff),
	        "diffs", diffs ? diffs : json_null(), "parse_error",
	        rep->parse_error.len ? json_string(rep->parse_error.buf) : json_null());
}
