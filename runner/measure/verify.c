/*
 * The verifier: checks a benchmark's output against a golden set, checksum
 * first and then cell by cell, and describes what differs. The pipeline calls
 * it after a measured run; `perfwarden verify` calls it directly. It reads
 * only the files it is handed and parses them in one linear pass into a grid
 * of numbers (values, row lengths, exact integer sum when possible). Outputs
 * that are not grids are compared by digest (sha256, byte for byte) or as
 * JSON documents (value by value, numbers within the tolerance); golden sets
 * of every mode are read, checked, made and written here (struct verify_set).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "paths.h"
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
	rep->first_byte_diff = -1;
	rep->golden = (struct strbuf)STRBUF_INIT;
	rep->output = (struct strbuf)STRBUF_INIT;
	rep->parse_error = (struct strbuf)STRBUF_INIT;
}

void verify_report_release(struct verify_report *rep)
{
	json_decref(rep->json_diffs);
	rep->json_diffs = NULL;
	strbuf_release(&rep->golden);
	strbuf_release(&rep->output);
	strbuf_release(&rep->parse_error);
}

static void reset_report(struct verify_report *rep)
{
	struct strbuf golden = rep->golden, output = rep->output, perr = rep->parse_error;

	json_decref(rep->json_diffs);
	memset(rep, 0, sizeof(*rep));
	rep->first_byte_diff = -1;
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
	struct verify_set set;
	int ret;

	verify_set_init(&set);
	reset_report(rep);
	if ((ret = verify_set_read_lazy(&set, golden_dir, name, VERIFY_GRID, err)) < 0) {
		if (ret == PW_ENOTFOUND)
			pw_error_set(err, PW_ENOTFOUND,
			             "no golden set '%s' in '%s' (%s.sum and %s.out)", name,
			             golden_dir, name, name);
		goto done;
	}
	ret = verify_set_compare_file(rep, &set, output_path, opts, err);
	if (ret == PW_EINVALID)
		pw_error_prefix(err, "golden set '%s' in '%s'", name, golden_dir);
done:
	strbuf_reset(&rep->golden);
	strbuf_reset(&rep->output);
	strbuf_addstr(&rep->golden, name);
	strbuf_addstr(&rep->output, output_path);
	verify_set_release(&set);
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

static void format_other(const struct verify_report *rep, struct strbuf *out);

void verify_report_format(const struct verify_report *rep, struct strbuf *out)
{
	size_t i;

	if (rep->mode != VERIFY_GRID) {
		format_other(rep, out);
		return;
	}
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

static json_t *json_other(const struct verify_report *rep);

json_t *verify_report_json(const struct verify_report *rep)
{
	json_t *diffs;
	size_t i;

	if (rep->mode != VERIFY_GRID)
		return json_other(rep);
	diffs = json_array();

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

/* ---- modes beyond the grid ---- */

static const char *const mode_names[] = {
        [VERIFY_GRID] = "grid",
        [VERIFY_DIGEST] = "digest",
        [VERIFY_JSON] = "json",
};

const char *verify_mode_name(enum verify_mode mode)
{
	return (size_t)mode < sizeof(mode_names) / sizeof(mode_names[0]) ? mode_names[mode]
	                                                                 : "unknown";
}

int verify_mode_parse(const char *name, enum verify_mode *out, struct pw_error *err)
{
	size_t i;

	for (i = 0; name && i < sizeof(mode_names) / sizeof(mode_names[0]); i++)
		if (!strcmp(name, mode_names[i])) {
			*out = (enum verify_mode)i;
			return 0;
		}
	return pw_error_set(err, PW_EINVALID,
	                    "unknown verification mode '%s': expected grid, digest or json",
	                    name ? name : "");
}

void verify_sha256_hex(const void *buf, size_t len, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;

	if (!EVP_Digest(buf, len, md, &n, EVP_sha256(), NULL) || n != 32)
		abort(); /* sha256 is always there in libcrypto */
	for (i = 0; i < n; i++) {
		out[2 * i] = "0123456789abcdef"[md[i] >> 4];
		out[2 * i + 1] = "0123456789abcdef"[md[i] & 15];
	}
	out[64] = '\0';
}

void verify_set_init(struct verify_set *set)
{
	memset(set, 0, sizeof(*set));
}

void verify_set_release(struct verify_set *set)
{
	strbuf_release(&set->name);
	strbuf_release(&set->check);
	strbuf_release(&set->expected);
	strbuf_release(&set->provenance);
	strbuf_release(&set->origin);
	strbuf_release(&set->expected_path);
	verify_set_init(set);
}

static int name_ok(const char *name, struct pw_error *err)
{
	if (*name && !strchr(name, '/') && name[0] != '.')
		return 0;
	return pw_error_set(err, PW_EINVALID,
	                    "invalid golden set name '%s': expected a plain name like "
	                    "'julia-1000x300'",
	                    name);
}

/* The first word of a .sha256 file (so `sha256sum` lines work), lowercased; -1 if not a digest. */
static int digest_word(const char *text, size_t len, char out[65])
{
	size_t i = 0, n = 0;

	while (i < len && strchr(" \t\r\n", text[i]))
		i++;
	for (; i < len && !strchr(" \t\r\n", text[i]); i++, n++) {
		char c = text[i];

		if (n >= 64 ||
		    !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
			return -1;
		out[n] = c >= 'A' && c <= 'F' ? (char)(c - 'A' + 'a') : c;
	}
	out[n] = '\0';
	return n == 64 ? 0 : -1;
}

static json_t *json_parse(const char *buf, size_t len, struct strbuf *why)
{
	json_error_t jerr;
	json_t *j =
	        json_loadb(buf ? buf : "", len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);

	if (!j)
		strbuf_addf(why, "not JSON: %s at line %d, column %d", jerr.text, jerr.line,
		            jerr.column);
	return j;
}

int verify_set_check(const struct verify_set *set, struct pw_error *err)
{
	struct strbuf why = STRBUF_INIT;
	struct verify_report rep;
	char want[65], got[65];
	json_t *j;
	int ret = 0;

	switch (set->mode) {
	case VERIFY_GRID:
		verify_report_init(&rep);
		ret = verify_buffers(&rep, strbuf_str(&set->check), set->check.len,
		                     strbuf_str(&set->expected), set->expected.len,
		                     strbuf_str(&set->expected), set->expected.len, NULL, err);
		verify_report_release(&rep);
		break;
	case VERIFY_DIGEST:
		if (digest_word(strbuf_str(&set->check), set->check.len, want) < 0) {
			ret = pw_error_set(err, PW_EINVALID,
			                   "golden digest is not a sha256 (64 hex digits)");
			break;
		}
		if (!set->has_expected)
			break;
		verify_sha256_hex(strbuf_str(&set->expected), set->expected.len, got);
		if (strcmp(want, got))
			ret = pw_error_set(err, PW_EINVALID,
			                   "golden set is inconsistent: its digest is %s but its "
			                   "output hashes to %s",
			                   want, got);
		break;
	case VERIFY_JSON:
		j = json_parse(strbuf_str(&set->expected), set->expected.len, &why);
		if (!j)
			ret = pw_error_set(err, PW_EINVALID, "golden output is %s", why.buf);
		json_decref(j);
		break;
	}
	strbuf_release(&why);
	return ret;
}

static int read_optional(struct strbuf *sb, const char *dir, const char *name, const char *ext,
                         const char *what, struct pw_error *err)
{
	struct strbuf path = STRBUF_INIT;
	int ret;

	strbuf_addf(&path, "%s/%s.%s", dir, name, ext);
	ret = read_file(sb, path.buf, what, err);
	strbuf_release(&path);
	return ret;
}

int verify_set_read(struct verify_set *set, const char *dir, const char *name,
                    enum verify_mode mode, struct pw_error *err)
{
	const char *check_ext = mode == VERIFY_GRID ? "sum" : "sha256";
	int ret;

	verify_set_release(set);
	set->mode = mode;
	strbuf_addstr(&set->name, name);
	strbuf_addf(&set->origin, "'%s'", dir);
	if ((ret = name_ok(name, err)) < 0)
		return ret;
	if (mode != VERIFY_JSON &&
	    (ret = read_optional(&set->check, dir, name, check_ext, "golden checksum", err)) < 0)
		goto done;
	ret = read_optional(&set->expected, dir, name, "out", "golden output", err);
	set->has_expected = ret == 0;
	if (ret == PW_ENOTFOUND && mode == VERIFY_DIGEST)
		ret = 0;
	if (ret < 0)
		goto done;
	ret = read_optional(&set->provenance, dir, name, "provenance.json", "provenance", err);
	if (ret == PW_ENOTFOUND)
		ret = 0;
	if (ret < 0)
		goto done;
	ret = verify_set_check(set, err);
done:
	if (ret == PW_ENOTFOUND)
		pw_error_set(err, PW_ENOTFOUND, "no %s golden set '%s' in '%s' (%s.%s%s)",
		             verify_mode_name(mode), name, dir, name,
		             mode == VERIFY_JSON ? "out" : check_ext,
		             mode == VERIFY_GRID ? " and .out" : "");
	else if (ret < 0)
		pw_error_prefix(err, "golden set '%s' in '%s'", name, dir);
	return ret;
}

int verify_set_from_output(struct verify_set *set, enum verify_mode mode, const char *name,
                           const char *output, size_t len, struct pw_error *err)
{
	struct strbuf why = STRBUF_INIT;
	struct grid g = GRID_INIT;
	char hex[65];
	json_t *j;
	int ret;

	verify_set_release(set);
	set->mode = mode;
	strbuf_addstr(&set->name, name);
	if ((ret = name_ok(name, err)) < 0)
		return ret;
	strbuf_add(&set->expected, output ? output : "", len);
	set->has_expected = 1;
	switch (mode) {
	case VERIFY_GRID:
		if (grid_parse(&g, output ? output : "", len, &why) < 0 || !g.ncells) {
			ret = pw_error_set(err, PW_EINVALID,
			                   "the output is not a grid of numbers: %s",
			                   why.len ? why.buf : "it is empty");
			break;
		}
		if (g.integer)
			strbuf_addf(&set->check, "%lld\n", (long long)g.isum);
		else
			strbuf_addf(&set->check, "%.17g\n", (double)g.sum);
		break;
	case VERIFY_DIGEST:
		verify_sha256_hex(output ? output : "", len, hex);
		strbuf_addf(&set->check, "%s", hex);
		break;
	case VERIFY_JSON:
		j = json_parse(output, len, &why);
		if (!j)
			ret = pw_error_set(err, PW_EINVALID, "the output is %s", why.buf);
		json_decref(j);
		break;
	}
	grid_release(&g);
	strbuf_release(&why);
	return ret;
}

static int write_part(const struct strbuf *sb, const char *dir, const char *name, const char *ext,
                      struct pw_error *err)
{
	struct strbuf path = STRBUF_INIT;
	int ret = 0;

	strbuf_addf(&path, "%s/%s.%s", dir, name, ext);
	if (strbuf_write_file(sb, path.buf) < 0)
		ret = pw_error_errno(err, PW_EIO, "could not write '%s'", path.buf);
	strbuf_release(&path);
	return ret;
}

int verify_set_write(const struct verify_set *set, const char *dir, struct pw_error *err)
{
	struct strbuf check = STRBUF_INIT;
	const char *name = strbuf_str(&set->name);
	int ret;

	if ((ret = name_ok(name, err)) < 0)
		return ret;
	if (paths_mkdir_p(dir, 0755) < 0)
		return pw_error_errno(err, PW_EIO, "could not create '%s'", dir);
	if (set->has_expected && (ret = write_part(&set->expected, dir, name, "out", err)) < 0)
		goto done;
	if (set->mode == VERIFY_DIGEST) {
		strbuf_addf(&check, "%.64s  %s.out\n", strbuf_str(&set->check), name);
		ret = write_part(&check, dir, name, "sha256", err);
	} else if (set->mode == VERIFY_GRID) {
		ret = write_part(&set->check, dir, name, "sum", err);
	}
	if (!ret && set->provenance.len)
		ret = write_part(&set->provenance, dir, name, "provenance.json", err);
done:
	strbuf_release(&check);
	return ret;
}

/* ---- comparing JSON documents ---- */

struct json_cmp {
	struct verify_report *rep;
	double tolerance;
	struct strbuf path;
};

static void value_text(const json_t *v, struct strbuf *out)
{
	char *s;

	if (!v) {
		strbuf_addstr(out, "(missing)");
		return;
	}
	s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
	if (s && strlen(s) > 60)
		strbuf_addf(out, "%.57s...", s);
	else
		strbuf_addstr(out, s ? s : "?");
	free(s);
}

static void json_differs(struct json_cmp *c, const json_t *e, const json_t *a)
{
	struct strbuf et = STRBUF_INIT, at = STRBUF_INIT;

	c->rep->cells_differing++;
	if (c->rep->ndiffs < VERIFY_MAX_DIFFS) {
		if (e)
			value_text(e, &et);
		else
			strbuf_addstr(&et, "(absent)");
		value_text(a, &at);
		json_array_append_new(c->rep->json_diffs,
		                      json_pack("{s:s, s:s, s:s}", "path", c->path.buf, "expected",
		                                et.buf, "actual", at.buf));
		c->rep->ndiffs++;
	}
	strbuf_release(&et);
	strbuf_release(&at);
}

static int plain_key(const char *k)
{
	const char *s;

	if (!*k || (*k >= '0' && *k <= '9'))
		return 0;
	for (s = k; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return 0;
	return 1;
}

static void path_key(struct strbuf *path, const char *key)
{
	json_t *k;
	char *q;

	if (plain_key(key)) {
		strbuf_addf(path, ".%s", key);
		return;
	}
	k = json_string(key);
	q = k ? json_dumps(k, JSON_ENCODE_ANY) : NULL;
	strbuf_addf(path, "[%s]", q ? q : "?");
	free(q);
	json_decref(k);
}

static void json_walk(struct json_cmp *c, const json_t *e, const json_t *a)
{
	size_t mark = c->path.len, i;
	const char *key;
	json_t *v;

	if (json_is_number(e) && json_is_number(a)) {
		double d;

		c->rep->cells_compared++;
		if (json_is_integer(e) && json_is_integer(a))
			d = fabs((double)(json_integer_value(a) - json_integer_value(e)));
		else
			d = fabs(json_number_value(a) - json_number_value(e));
		if (d > c->rep->max_abs_diff)
			c->rep->max_abs_diff = d;
		if (d > c->tolerance)
			json_differs(c, e, a);
		return;
	}
	if (json_typeof(e) != json_typeof(a)) {
		c->rep->cells_compared++;
		json_differs(c, e, a);
		return;
	}
	if (json_is_object(e)) {
		json_object_foreach((json_t *)e, key, v)
		{
			path_key(&c->path, key);
			if (json_object_get(a, key)) {
				json_walk(c, v, json_object_get(a, key));
			} else {
				c->rep->cells_compared++;
				json_differs(c, v, NULL);
			}
			strbuf_setlen(&c->path, mark);
		}
		json_object_foreach((json_t *)a, key, v)
		{
			if (json_object_get(e, key))
				continue;
			path_key(&c->path, key);
			json_differs(c, NULL, v);
			strbuf_setlen(&c->path, mark);
		}
		return;
	}
	if (json_is_array(e)) {
		size_t ne = json_array_size(e), na = json_array_size(a);

		for (i = 0; i < ne && i < na; i++) {
			strbuf_addf(&c->path, "[%zu]", i);
			json_walk(c, json_array_get(e, i), json_array_get(a, i));
			strbuf_setlen(&c->path, mark);
		}
		for (i = na; i < ne; i++) {
			strbuf_addf(&c->path, "[%zu]", i);
			json_differs(c, json_array_get(e, i), NULL);
			strbuf_setlen(&c->path, mark);
		}
		for (i = ne; i < na; i++) {
			strbuf_addf(&c->path, "[%zu]", i);
			json_differs(c, NULL, json_array_get(a, i));
			strbuf_setlen(&c->path, mark);
		}
		return;
	}
	c->rep->cells_compared++;
	if (!json_equal((json_t *)e, (json_t *)a))
		json_differs(c, e, a);
}

static int compare_json(struct verify_report *rep, const struct verify_set *set, const char *output,
                        size_t len, double tolerance, struct pw_error *err)
{
	struct strbuf why = STRBUF_INIT;
	struct json_cmp c = {rep, tolerance, STRBUF_INIT};
	json_t *e = json_parse(strbuf_str(&set->expected), set->expected.len, &why), *a = NULL;
	int ret = 0;

	if (!e) {
		ret = pw_error_set(err, PW_EINVALID, "golden output is %s", why.buf);
		goto done;
	}
	a = json_parse(output, len, &rep->parse_error);
	if (!a)
		goto done;
	rep->json_diffs = json_array();
	strbuf_addch(&c.path, '$');
	json_walk(&c, e, a);
	rep->matched = !rep->cells_differing;
done:
	json_decref(e);
	json_decref(a);
	strbuf_release(&c.path);
	strbuf_release(&why);
	return ret;
}

static int compare_digest(struct verify_report *rep, const struct verify_set *set,
                          const char *output, size_t len, struct pw_error *err)
{
	const char *exp = strbuf_str(&set->expected);
	size_t i, n;

	if (digest_word(strbuf_str(&set->check), set->check.len, rep->digest_expected) < 0)
		return pw_error_set(err, PW_EINVALID,
		                    "golden digest is not a sha256 (64 hex digits)");
	verify_sha256_hex(output ? output : "", len, rep->digest_actual);
	rep->bytes_actual = len;
	rep->matched = !strcmp(rep->digest_expected, rep->digest_actual);
	if (!set->has_expected)
		return 0;
	rep->has_expected_bytes = 1;
	rep->bytes_expected = set->expected.len;
	n = len < set->expected.len ? len : set->expected.len;
	for (i = 0; i < n; i++)
		if (exp[i] != output[i]) {
			if (rep->first_byte_diff < 0)
				rep->first_byte_diff = (long long)i;
			rep->bytes_differing++;
		}
	if (rep->first_byte_diff < 0 && len != set->expected.len)
		rep->first_byte_diff = (long long)n;
	return 0;
}

int verify_set_compare(struct verify_report *rep, const struct verify_set *set, const char *output,
                       size_t len, const struct verify_options *opts, struct pw_error *err)
{
	double tolerance = opts ? opts->tolerance : 0.0;
	int ret;

	if (set->mode == VERIFY_GRID) {
		ret = verify_buffers(rep, strbuf_str(&set->check), set->check.len,
		                     strbuf_str(&set->expected), set->expected.len,
		                     output ? output : "", len, opts, err);
	} else {
		reset_report(rep);
		rep->mode = set->mode;
		rep->tolerance = tolerance;
		if (!(tolerance >= 0.0) || !isfinite(tolerance))
			return pw_error_set(err, PW_EINVALID,
			                    "invalid tolerance %g: expected a number >= 0",
			                    tolerance);
		ret = set->mode == VERIFY_DIGEST
		              ? compare_digest(rep, set, output, len, err)
		              : compare_json(rep, set, output, len, tolerance, err);
	}
	strbuf_reset(&rep->golden);
	strbuf_addstr(&rep->golden, strbuf_str(&set->name));
	return ret;
}

static void format_other(const struct verify_report *rep, struct strbuf *out)
{
	size_t i;

	if (rep->matched) {
		strbuf_addf(out, "match: '%s' matches golden set '%s' (", strbuf_str(&rep->output),
		            strbuf_str(&rep->golden));
		if (rep->mode == VERIFY_DIGEST)
			strbuf_addf(out, "sha256 %s, %zu bytes)\n", rep->digest_actual,
			            rep->bytes_actual);
		else
			strbuf_addf(out, "JSON, %zu values%s)\n", rep->cells_compared,
			            rep->tolerance > 0 ? " within the tolerance" : "");
		return;
	}
	strbuf_addf(out, "mismatch: '%s' does not match golden set '%s' (%s)\n",
	            strbuf_str(&rep->output), strbuf_str(&rep->golden),
	            verify_mode_name(rep->mode));
	if (rep->parse_error.len) {
		strbuf_addf(out, "  unreadable output: %s\n", rep->parse_error.buf);
		return;
	}
	if (rep->mode == VERIFY_DIGEST) {
		strbuf_addf(out, "  sha256: expected %s, got %s\n", rep->digest_expected,
		            rep->digest_actual);
		if (rep->has_expected_bytes) {
			strbuf_addf(
			        out,
			        "  bytes: expected %zu, got %zu; %zu of the common bytes differ",
			        rep->bytes_expected, rep->bytes_actual, rep->bytes_differing);
			if (rep->first_byte_diff >= 0)
				strbuf_addf(out, ", the first at offset %lld",
				            rep->first_byte_diff);
			strbuf_addch(out, '\n');
		}
		return;
	}
	strbuf_addf(out, "  values: %zu of %zu differ", rep->cells_differing, rep->cells_compared);
	if (rep->tolerance > 0)
		strbuf_addf(out, " (numbers by more than %g)", rep->tolerance);
	strbuf_addch(out, '\n');
	if (rep->ndiffs)
		strbuf_addf(out, "  first %s:\n", rep->ndiffs == 1 ? "difference" : "differences");
	for (i = 0; i < rep->ndiffs; i++) {
		json_t *d = json_array_get(rep->json_diffs, i);

		strbuf_addf(out, "    %s: expected %s, got %s\n",
		            json_string_value(json_object_get(d, "path")),
		            json_string_value(json_object_get(d, "expected")),
		            json_string_value(json_object_get(d, "actual")));
	}
}

static json_t *json_other(const struct verify_report *rep)
{
	json_t *j = json_pack(
	        "{s:b, s:s, s:s, s:s, s:o, s:o}", "matched", rep->matched, "mode",
	        verify_mode_name(rep->mode), "golden", strbuf_str(&rep->golden), "output",
	        strbuf_str(&rep->output), "tolerance", json_number(rep->tolerance), "parse_error",
	        rep->parse_error.len ? json_string(rep->parse_error.buf) : json_null());

	if (!j)
		return NULL;
	if (rep->mode == VERIFY_DIGEST) {
		json_object_set_new(j, "sha256",
		                    json_pack("{s:s, s:s}", "expected", rep->digest_expected,
		                              "actual", rep->digest_actual));
		if (rep->has_expected_bytes)
			json_object_set_new(j, "bytes",
			                    json_pack("{s:o, s:o, s:o, s:o}", "expected",
			                              json_size(rep->bytes_expected), "actual",
			                              json_size(rep->bytes_actual), "differing",
			                              json_size(rep->bytes_differing),
			                              "first_difference",
			                              rep->first_byte_diff >= 0
			                                      ? json_integer(rep->first_byte_diff)
			                                      : json_null()));
	} else {
		json_object_set_new(j, "values",
		                    json_pack("{s:o, s:o, s:o}", "compared",
		                              json_size(rep->cells_compared), "differing",
		                              json_size(rep->cells_differing), "max_abs_diff",
		                              json_number(rep->max_abs_diff)));
		json_object_set_new(j, "diffs",
		                    rep->json_diffs ? json_incref(rep->json_diffs) : json_array());
	}
	return j;
}

/* ---- streaming: outputs (and golden files) of any size in bounded memory ---- */

#define STREAM_CHUNK (256 * 1024)

/* Bytes read in chunks from a file, or handed out of a buffer already in memory. */
struct stream {
	int fd; /* -1: the buffer `mem` */
	const char *mem;
	size_t mem_len;
	char *buf;
	size_t len, pos;
	int eof;
	int read_errno;
};

static void stream_mem(struct stream *s, const char *mem, size_t len)
{
	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->mem = mem ? mem : "";
	s->mem_len = len;
	s->buf = (char *)s->mem;
	s->len = len;
	s->eof = 1;
}

static int stream_open(struct stream *s, const char *path)
{
	memset(s, 0, sizeof(*s));
	s->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (s->fd < 0)
		return -1;
	s->buf = malloc(STREAM_CHUNK);
	if (!s->buf)
		abort();
	return 0;
}

static void stream_close(struct stream *s)
{
	if (s->fd >= 0) {
		close(s->fd);
		free(s->buf);
	}
	memset(s, 0, sizeof(*s));
	s->fd = -1;
}

/* The next byte without taking it; -1 at the end. */
static inline int stream_peek(struct stream *s)
{
	if (s->pos < s->len)
		return (unsigned char)s->buf[s->pos];
	if (s->eof)
		return -1;
	for (;;) {
		ssize_t n = read(s->fd, s->buf, STREAM_CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n < 0)
				s->read_errno = errno;
			s->eof = 1;
			s->len = s->pos = 0;
			return -1;
		}
		s->len = (size_t)n;
		s->pos = 0;
		return (unsigned char)s->buf[0];
	}
}

/* A grid read cell by cell, with what grid_parse() keeps of it but no cells kept. */
struct grid_stream {
	struct stream in;
	size_t rows, first_row_len, row_len, ncells;
	int integer;
	int64_t isum;
	long double sum;
	struct strbuf error; /* "row R, cell C: why" */
};

static void grid_stream_init(struct grid_stream *g)
{
	memset(g, 0, sizeof(*g));
	g->integer = 1;
	g->in.fd = -1;
}

static void grid_stream_release(struct grid_stream *g)
{
	stream_close(&g->in);
	strbuf_release(&g->error);
}

/* Start the next row (a line, even an empty one; a final newline starts none): 1, or 0 at the end.
 */
static int grid_row(struct grid_stream *g)
{
	if (stream_peek(&g->in) < 0)
		return 0;
	g->rows++;
	g->row_len = 0;
	return 1;
}

/*
 * The row's next cell into *v: 1; 0 at the end of the row (its newline is
 * taken); -1 with "row R, cell C: why" in g->error. Reads as grid_parse().
 */
static int grid_cell(struct grid_stream *g, double *v)
{
	char tok[MAX_TOKEN + 1];
	size_t len = 0;
	int c, is_int, digits = 0;
	int64_t iv = 0;

	for (;;) {
		while ((c = stream_peek(&g->in)) == ' ' || c == '\t') {
			const char *p = g->in.buf + g->in.pos, *end = g->in.buf + g->in.len;

			while (p < end && (*p == ' ' || *p == '\t'))
				p++;
			g->in.pos = (size_t)(p - g->in.buf);
		}
		if (c < 0)
			return 0;
		if (c == '\n') {
			g->in.pos++;
			return 0;
		}
		/* a token: up to a blank, a newline or the end (scanned a chunk at a time) */
		len = 0;
		digits = 1;
		iv = 0;
		while ((c = stream_peek(&g->in)) >= 0) {
			const char *p = g->in.buf + g->in.pos, *end = g->in.buf + g->in.len;

			while (p < end && *p != ' ' && *p != '\t' && *p != '\n') {
				if (len < sizeof(tok))
					tok[len] = *p;
				if (digits && is_digit(*p)) {
					if (len <
					    MAX_INT_DIGITS) /* longer: parse_token() reads it */
						iv = iv * 10 + (*p - '0');
				} else {
					digits = 0;
				}
				len++;
				p++;
			}
			g->in.pos = (size_t)(p - g->in.buf);
			if (p < end) {
				c = (unsigned char)*p;
				break;
			}
		}
		/* a '\r' right before the newline (or the end) belongs to the line end */
		if ((c == '\n' || c < 0) && len <= sizeof(tok) && tok[len - 1] == '\r')
			len--;
		if (len)
			break;
	}
	if (digits && len <= MAX_INT_DIGITS) { /* the common case, as parse_token() reads it */
		*v = (double)iv;
		is_int = 1;
	} else if (parse_token(tok, len, v, &is_int, &iv, &g->error) < 0) {
		struct strbuf where = STRBUF_INIT;

		strbuf_addf(&where, "row %zu, cell %zu: ", g->rows, g->row_len + 1);
		strbuf_add(&where, strbuf_str(&g->error), g->error.len);
		strbuf_release(&g->error);
		g->error = where;
		return -1;
	}
	g->row_len++;
	if (g->rows == 1)
		g->first_row_len = g->row_len;
	g->ncells++;
	g->sum += *v;
	if (!is_int || __builtin_add_overflow(g->isum, iv, &g->isum))
		g->integer = 0;
	return 1;
}

/*
 * Walk the expected and the actual grid side by side, row by row, as
 * shapes() and cells() compare them. A garbled golden side is PW_EINVALID; a
 * garbled output stops the comparison (rep->parse_error set) while the
 * golden side is still read to its end, to check it.
 */
static int grid_walk(struct verify_report *rep, struct grid_stream *e, struct grid_stream *a,
                     double tolerance, struct pw_error *err)
{
	int a_ok = 1;

	for (;;) {
		int e_row = grid_row(e), a_row = a_ok && grid_row(a);
		int e_more = e_row, a_more = a_row;

		if (!e_row && !a_row)
			return 0;
		while (e_more || a_more) {
			double ev = 0, av = 0;
			int ge = 0, ga = 0;

			if (e_more && (ge = grid_cell(e, &ev)) < 0)
				return pw_error_set(err, PW_EINVALID,
				                    "golden output is garbled: %s", e->error.buf);
			if (a_more && (ga = grid_cell(a, &av)) < 0) {
				strbuf_addstr(&rep->parse_error, a->error.buf);
				a_ok = 0, ga = 0;
			}
			e_more = ge == 1;
			a_more = ga == 1;
			if (ge == 1 && ga == 1) {
				double d = fabs(av - ev);

				if (d > rep->max_abs_diff)
					rep->max_abs_diff = d;
				if (d > tolerance) {
					if (rep->ndiffs < VERIFY_MAX_DIFFS)
						rep->diffs[rep->ndiffs++] = (struct verify_diff){
						        e->rows, e->row_len, ev, av};
					rep->cells_differing++;
				}
				rep->cells_compared++;
			}
		}
		if (a_ok && !rep->first_ragged_row && (e_row != a_row || e->row_len != a->row_len))
			rep->first_ragged_row = e_row ? e->rows : a->rows;
	}
}

/* Open `path` as a grid stream; PW_ENOTFOUND or PW_EIO naming `what`. */
static int grid_stream_open(struct grid_stream *g, const char *path, const char *what,
                            struct pw_error *err)
{
	if (stream_open(&g->in, path) == 0)
		return 0;
	return pw_error_errno(err, errno == ENOENT ? PW_ENOTFOUND : PW_EIO,
	                      "could not read %s '%s'", what, path);
}

/* The grid comparison of verify_buffers(), streaming. */
static int compare_grid_stream(struct verify_report *rep, const struct verify_set *set,
                               const char *output_path, double tolerance, struct pw_error *err)
{
	struct grid_stream e, a;
	struct strbuf msg = STRBUF_INIT;
	int sum_is_int = 0, ret = 0;

	grid_stream_init(&e);
	grid_stream_init(&a);
	if (parse_sum(strbuf_str(&set->check), set->check.len, &rep->sum_expected, &sum_is_int,
	              &rep->sum_expected_int, &msg) < 0) {
		ret = pw_error_set(err, PW_EINVALID, "golden checksum is not a number: %s",
		                   strbuf_str(&msg));
		goto done;
	}
	if (set->expected_path.len) {
		if ((ret = grid_stream_open(&e, set->expected_path.buf, "golden output", err)) < 0)
			goto done;
	} else {
		stream_mem(&e.in, strbuf_str(&set->expected), set->expected.len);
	}
	if ((ret = grid_stream_open(&a, output_path, "output file", err)) < 0 ||
	    (ret = grid_walk(rep, &e, &a, tolerance, err)) < 0)
		goto done;
	if (e.in.read_errno || a.in.read_errno) {
		errno = e.in.read_errno ? e.in.read_errno : a.in.read_errno;
		ret = pw_error_errno(err, PW_EIO, "could not read %s '%s'",
		                     e.in.read_errno ? "golden output" : "output file",
		                     e.in.read_errno ? set->expected_path.buf : output_path);
		goto done;
	}
	if (sum_is_int && e.integer ? rep->sum_expected_int != e.isum
	                            : !sums_agree((double)e.sum, rep->sum_expected, 0.0, 0)) {
		ret = pw_error_set(err, PW_EINVALID,
		                   "golden set is inconsistent: its checksum is %.17g but its "
		                   "output sums to %.17g",
		                   rep->sum_expected, (double)e.sum);
		goto done;
	}
	if (rep->parse_error.len) {
		/* as verify_buffers: a garbled output is a parse error, nothing else is said */
		rep->max_abs_diff = 0;
		rep->cells_compared = rep->cells_differing = rep->ndiffs = 0;
		rep->first_ragged_row = 0;
		goto done;
	}
	rep->sum_actual = (double)a.sum;
	rep->sum_actual_int = a.isum;
	rep->checksum_exact = sum_is_int && e.integer && a.integer && tolerance == 0.0;
	if (rep->checksum_exact)
		rep->checksum_ok = rep->sum_actual_int == rep->sum_expected_int;
	else
		rep->checksum_ok =
		        sums_agree(rep->sum_actual, rep->sum_expected, tolerance, e.ncells);
	rep->rows_expected = e.rows;
	rep->rows_actual = a.rows;
	rep->cols_expected = e.first_row_len;
	rep->cols_actual = a.first_row_len;
	rep->cells_expected = e.ncells;
	rep->cells_actual = a.ncells;
	rep->shape_differs = rep->first_ragged_row != 0;
	rep->matched = rep->checksum_ok && !rep->shape_differs && !rep->cells_differing;
done:
	grid_stream_release(&e);
	grid_stream_release(&a);
	strbuf_release(&msg);
	return ret;
}

/* The digest comparison of compare_digest(), streaming both sides. */
static int compare_digest_stream(struct verify_report *rep, const struct verify_set *set,
                                 const char *output_path, struct pw_error *err)
{
	struct stream e, a;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	size_t off = 0;
	int ret = 0, has_e = set->has_expected;

	stream_mem(&e, NULL, 0);
	stream_mem(&a, NULL, 0);
	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL))
		abort();
	if (digest_word(strbuf_str(&set->check), set->check.len, rep->digest_expected) < 0) {
		ret = pw_error_set(err, PW_EINVALID,
		                   "golden digest is not a sha256 (64 hex digits)");
		goto done;
	}
	if (has_e && set->expected_path.len && stream_open(&e, set->expected_path.buf) < 0) {
		ret = pw_error_errno(err, PW_EIO, "could not read golden output '%s'",
		                     set->expected_path.buf);
		goto done;
	}
	if (has_e && !set->expected_path.len)
		stream_mem(&e, strbuf_str(&set->expected), set->expected.len);
	if (stream_open(&a, output_path) < 0) {
		ret = pw_error_errno(err, errno == ENOENT ? PW_ENOTFOUND : PW_EIO,
		                     "could not read output file '%s'", output_path);
		goto done;
	}
	for (;;) {
		int ca = stream_peek(&a), ce = has_e ? stream_peek(&e) : -1;
		size_t n;

		if (ca < 0 && ce < 0)
			break;
		if (ca >= 0 && ce >= 0) {
			n = a.len - a.pos < e.len - e.pos ? a.len - a.pos : e.len - e.pos;
			for (i = 0; i < n; i++)
				if (a.buf[a.pos + i] != e.buf[e.pos + i]) {
					if (rep->first_byte_diff < 0)
						rep->first_byte_diff = (long long)(off + i);
					rep->bytes_differing++;
				}
		} else {
			n = ca >= 0 ? a.len - a.pos : e.len - e.pos;
		}
		if (ca >= 0) {
			EVP_DigestUpdate(ctx, a.buf + a.pos, n);
			a.pos += n;
			rep->bytes_actual += n;
		}
		if (ce >= 0) {
			e.pos += n;
			rep->bytes_expected += n;
		}
		off += n;
	}
	if (a.read_errno || e.read_errno) {
		errno = a.read_errno ? a.read_errno : e.read_errno;
		ret = pw_error_errno(err, PW_EIO, "could not read %s '%s'",
		                     a.read_errno ? "output file" : "golden output",
		                     a.read_errno ? output_path : set->expected_path.buf);
		goto done;
	}
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	for (i = 0; i < mdlen && i < 32; i++)
		snprintf(rep->digest_actual + 2 * i, 3, "%02x", md[i]);
	rep->matched = !strcmp(rep->digest_expected, rep->digest_actual);
	rep->has_expected_bytes = has_e;
	if (!has_e) {
		rep->bytes_expected = 0;
		rep->first_byte_diff = -1;
		rep->bytes_differing = 0;
	} else if (rep->first_byte_diff < 0 && rep->bytes_actual != rep->bytes_expected) {
		rep->first_byte_diff =
		        (long long)(rep->bytes_actual < rep->bytes_expected ? rep->bytes_actual
		                                                            : rep->bytes_expected);
	}
done:
	EVP_MD_CTX_free(ctx);
	stream_close(&a);
	stream_close(&e);
	return ret;
}

int verify_set_compare_file(struct verify_report *rep, const struct verify_set *set,
                            const char *output_path, const struct verify_options *opts,
                            struct pw_error *err)
{
	double tolerance = opts ? opts->tolerance : 0.0;
	struct strbuf output = STRBUF_INIT;
	struct stat st;
	int ret = 0;

	reset_report(rep);
	rep->mode = set->mode;
	rep->tolerance = tolerance;
	if (!(tolerance >= 0.0) || !isfinite(tolerance))
		return pw_error_set(err, PW_EINVALID,
		                    "invalid tolerance %g: expected a number >= 0", tolerance);
	if (stat(output_path, &st) < 0)
		return pw_error_errno(err, errno == ENOENT ? PW_ENOTFOUND : PW_EIO,
		                      "could not read output file '%s'", output_path);
	switch (set->mode) {
	case VERIFY_GRID:
		ret = compare_grid_stream(rep, set, output_path, tolerance, err);
		break;
	case VERIFY_DIGEST:
		ret = compare_digest_stream(rep, set, output_path, err);
		break;
	case VERIFY_JSON:
		if ((uint64_t)st.st_size > VERIFY_JSON_MAX_BYTES) {
			strbuf_addf(
			        &rep->parse_error,
			        "a JSON output of %lld bytes is more than the %d MiB perfwarden "
			        "compares (the whole document is held in memory)",
			        (long long)st.st_size, (int)(VERIFY_JSON_MAX_BYTES >> 20));
			break;
		}
		strbuf_setmax(&output, VERIFY_JSON_MAX_BYTES, 0);
		if (strbuf_read_file(&output, output_path) < 0) {
			ret = pw_error_errno(err, errno == ENOENT ? PW_ENOTFOUND : PW_EIO,
			                     "could not read output file '%s'", output_path);
			break;
		}
		ret = verify_set_compare(rep, set, strbuf_str(&output), output.len, opts, err);
		break;
	}
	strbuf_reset(&rep->golden);
	strbuf_addstr(&rep->golden, strbuf_str(&set->name));
	strbuf_release(&output);
	return ret;
}

int verify_set_read_lazy(struct verify_set *set, const char *dir, const char *name,
                         enum verify_mode mode, struct pw_error *err)
{
	struct strbuf path = STRBUF_INIT;
	int ret;

	if (mode == VERIFY_JSON)
		return verify_set_read(set, dir, name, mode, err);
	verify_set_release(set);
	set->mode = mode;
	strbuf_addstr(&set->name, name);
	strbuf_addf(&set->origin, "'%s'", dir);
	if ((ret = name_ok(name, err)) < 0)
		return ret;
	ret = read_optional(&set->check, dir, name, mode == VERIFY_GRID ? "sum" : "sha256",
	                    "golden checksum", err);
	if (ret == 0) {
		strbuf_addf(&path, "%s/%s.out", dir, name);
		set->has_expected = access(path.buf, F_OK) == 0;
		if (set->has_expected)
			strbuf_add(&set->expected_path, path.buf, path.len);
		else if (mode == VERIFY_GRID)
			ret = PW_ENOTFOUND;
	}
	if (ret == 0) {
		ret = read_optional(&set->provenance, dir, name, "provenance.json", "provenance",
		                    err);
		if (ret == PW_ENOTFOUND)
			ret = 0;
	}
	if (ret == PW_ENOTFOUND)
		pw_error_set(err, PW_ENOTFOUND, "no %s golden set '%s' in '%s' (%s.%s%s)",
		             verify_mode_name(mode), name, dir, name,
		             mode == VERIFY_GRID ? "sum" : "sha256",
		             mode == VERIFY_GRID ? " and .out" : "");
	else if (ret < 0)
		pw_error_prefix(err, "golden set '%s' in '%s'", name, dir);
	strbuf_release(&path);
	return ret;
}
