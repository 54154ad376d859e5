/*
 * The Julia-set kernel (pwkernel): axes, the grid of escape counts, its sum
 * and its text form. It is perfwarden's benchmark subject and knows nothing
 * of perfwarden; kernel/main.c wraps it as the `julia` program.
 *
 * Exactness. The reference tests `abs(z) < 2`, which CPython computes with
 * hypot(). The fast path tests the squared magnitude m = zr*zr + zi*zi
 * instead, whose rounding error is a few units in the last place; so m < LO
 * proves |z| < 2 (and hypot() agrees, being within one ulp), m > HI proves
 * |z| > 2, and the rare m in [LO, HI] falls back to hypot() itself. The
 * update is the reference's complex product, (zr*zr - zi*zi) + cr and
 * (zr*zi + zi*zr) + ci, evaluated in the same order with no contraction into
 * fused multiply-adds (the build passes -ffp-contract=off); zr*zi + zi*zr is
 * exactly 2*(zr*zi). Hence every cell equals the reference's.
 *
 * Speed. On x86-64 CPUs with AVX2 (checked at run time), eight pixels of a
 * row run side by side as two independent vectors of four, which hides the
 * latency of the dependent multiply/add chain; lanes that escaped stop
 * counting. Elsewhere the scalar julia_pixel() runs. Rows are interleaved
 * between threads.
 */
#include <complex.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "julia.h"

/* glibc defines CMPLX for gcc only; clang has the same builtin (the sanitizer and fuzz builds use
 * clang). */
#if !defined(CMPLX) && defined(__clang__)
#define CMPLX(x, y) __builtin_complex((double)(x), (double)(y))
#endif

/* The band around |z|^2 = 4 where only hypot() can decide. */
#define ESCAPE_LO 3.99999999
#define ESCAPE_HI 4.00000001

static int append(double **arr, size_t *n, size_t *alloc, double v)
{
	if (*n == *alloc) {
		size_t na = *alloc ? *alloc * 2 : 64;
		double *p = realloc(*arr, na * sizeof(*p));

		if (!p)
			return -1;
		*arr = p;
		*alloc = na;
	}
	(*arr)[(*n)++] = v;
	return 0;
}

int julia_axes_build(struct julia_axes *axes, int width)
{
	double x_step, y_step, coord;
	size_t xalloc = 0, yalloc = 0;
	struct julia_axes a = JULIA_AXES_INIT;
	int ret = -1;

	if (width <= 0 || width > JULIA_MAX_WIDTH) {
		errno = EINVAL;
		goto done;
	}
	x_step = (JULIA_X2 - JULIA_X1) / (double)width;
	y_step = (JULIA_Y1 - JULIA_Y2) / (double)width;
	for (coord = JULIA_Y2; coord > JULIA_Y1; coord += y_step)
		if (append(&a.y, &a.ny, &yalloc, coord) < 0)
			goto done;
	for (coord = JULIA_X1; coord < JULIA_X2; coord += x_step)
		if (append(&a.x, &a.nx, &xalloc, coord) < 0)
			goto done;
	*axes = a;
	a = (struct julia_axes)JULIA_AXES_INIT;
	ret = 0;
done:
	julia_axes_release(&a);
	return ret;
}

void julia_axes_release(struct julia_axes *axes)
{
	free(axes->x);
	free(axes->y);
	*axes = (struct julia_axes)JULIA_AXES_INIT;
}

int julia_pixel_naive(double zr, double zi, int maxiter)
{
	double complex z = CMPLX(zr, zi);
	const double complex c = CMPLX(JULIA_C_REAL, JULIA_C_IMAG);
	int n = 0;

	while (cabs(z) < 2 && n < maxiter) {
		z = z * z + c;
		n++;
	}
	return n;
}

static int inside(double zr, double zi)
{
	double m = zr * zr + zi * zi;

	if (m < ESCAPE_LO)
		return 1;
	if (m > ESCAPE_HI)
		return 0;
	return hypot(zr, zi) < 2;
}

int julia_pixel(double zr, double zi, int maxiter)
{
	int n = 0;

	while (n < maxiter && inside(zr, zi)) {
		double re = zr * zr - zi * zi + JULIA_C_REAL;
		double p = zr * zi;
		double im = p + p + JULIA_C_IMAG; /* zr*zi + zi*zr, exactly */

		zr = re;
		zi = im;
		n++;
	}
	return n;
}

#if defined(__x86_64__)
#include <immintrin.h>
#define HAVE_AVX2_PATH 1
#define NV             2 /* vectors per block: 2 chains measured best (1: 45 ms, 3: 35 ms, 4: 33 ms) */
#define LANES          (4 * NV)

/* Decide the lanes in `unsure` (a movemask) with hypot(), as the reference does. */
__attribute__((target("avx2"))) static __m256d resolve(__m256d in, __m256d zr, __m256d zi,
                                                       int unsure)
{
	double r[4], i[4], v[4];
	int k;

	_mm256_storeu_pd(r, zr);
	_mm256_storeu_pd(i, zi);
	_mm256_storeu_pd(v, in);
	for (k = 0; k < 4; k++)
		if (unsure & (1 << k))
			v[k] = hypot(r[k], i[k]) < 2 ? -(double)NAN : 0.0;
	return _mm256_loadu_pd(v);
}

/*
 * LANES pixels of one row from column `col`, as NV AVX2 vectors of four
 * (independent chains hide the multiply/add latency). Lanes past the row's
 * end start far outside the circle and never count. An escaped lane keeps
 * iterating (towards inf/NaN, which compare as outside) but no longer counts.
 */
__attribute__((target("avx2"))) static void block_avx2(int32_t *out, const double *x, size_t cols,
                                                       size_t col, double y, int maxiter)
{
	const __m256d cr = _mm256_set1_pd(JULIA_C_REAL), ci = _mm256_set1_pd(JULIA_C_IMAG);
	const __m256d lo = _mm256_set1_pd(ESCAPE_LO), hi = _mm256_set1_pd(ESCAPE_HI);
	const __m256d one = _mm256_set1_pd(1.0);
	double xs[LANES], counts[LANES];
	__m256d zr[NV], zi[NV], act[NV], cnt[NV];
	int k, n, v;

	for (k = 0; k < LANES; k++)
		xs[k] = col + (size_t)k < cols ? x[col + (size_t)k] : 1e3;
	for (v = 0; v < NV; v++) {
		zr[v] = _mm256_loadu_pd(xs + 4 * v);
		zi[v] = _mm256_set1_pd(y);
		act[v] = _mm256_castsi256_pd(_mm256_set1_epi64x(-1));
		cnt[v] = _mm256_setzero_pd();
	}
	for (n = 0; n < maxiter; n++) {
		__m256d r2[NV], i2[NV], in[NV], any = _mm256_setzero_pd();
		int unsure = 0;

		for (v = 0; v < NV; v++) {
			__m256d m, u;

			r2[v] = _mm256_mul_pd(zr[v], zr[v]);
			i2[v] = _mm256_mul_pd(zi[v], zi[v]);
			m = _mm256_add_pd(r2[v], i2[v]);
			in[v] = _mm256_cmp_pd(m, lo, _CMP_LT_OQ);
			u = _mm256_and_pd(_mm256_andnot_pd(in[v], act[v]),
			                  _mm256_cmp_pd(m, hi, _CMP_LE_OQ));
			unsure |= _mm256_movemask_pd(u) << (4 * v);
		}
		if (__builtin_expect(unsure != 0, 0))
			for (v = 0; v < NV; v++)
				if ((unsure >> (4 * v)) & 15)
					in[v] = resolve(in[v], zr[v], zi[v],
					                (unsure >> (4 * v)) & 15);
		for (v = 0; v < NV; v++) {
			act[v] = _mm256_and_pd(act[v], in[v]);
			any = _mm256_or_pd(any, act[v]);
		}
		if (!_mm256_movemask_pd(any))
			break;
		for (v = 0; v < NV; v++) {
			__m256d p = _mm256_mul_pd(zr[v], zi[v]);

			cnt[v] = _mm256_add_pd(cnt[v], _mm256_and_pd(act[v], one));
			zr[v] = _mm256_add_pd(_mm256_sub_pd(r2[v], i2[v]), cr);
			zi[v] = _mm256_add_pd(_mm256_add_pd(p, p), ci);
		}
	}
	for (v = 0; v < NV; v++)
		_mm256_storeu_pd(counts + 4 * v, cnt[v]);
	for (k = 0; k < LANES && col + (size_t)k < cols; k++)
		out[col + (size_t)k] = (int32_t)counts[k];
}
#endif

/* One row with the fast method: AVX2 when the CPU has it, else the scalar loop. */
static void row_fast(int32_t *out, const struct julia_axes *axes, size_t r, int maxiter)
{
	size_t c;

#ifdef HAVE_AVX2_PATH
	if (__builtin_cpu_supports("avx2")) {
		for (c = 0; c < axes->nx; c += LANES)
			block_avx2(out, axes->x, axes->nx, c, axes->y[r], maxiter);
		return;
	}
#endif
	for (c = 0; c < axes->nx; c++)
		out[c] = julia_pixel(axes->x[c], axes->y[r], maxiter);
}

struct job {
	struct julia_grid *grid;
	const struct julia_axes *axes;
	int maxiter;
	int first_row;
	int stride;
	enum julia_method method;
};

static void rows(const struct job *job)
{
	const struct julia_axes *axes = job->axes;
	size_t r, c;

	for (r = (size_t)job->first_row; r < axes->ny; r += (size_t)job->stride) {
		int32_t *out = job->grid->counts + r * axes->nx;

		if (job->method == JULIA_NAIVE)
			for (c = 0; c < axes->nx; c++)
				out[c] = julia_pixel_naive(axes->x[c], axes->y[r], job->maxiter);
		else
			row_fast(out, axes, r, job->maxiter);
	}
}

static void *thread_main(void *arg)
{
	rows(arg);
	return NULL;
}

int julia_compute(struct julia_grid *grid, const struct julia_axes *axes, int maxiter, int threads,
                  enum julia_method method)
{
	struct julia_grid g = JULIA_GRID_INIT;
	struct job jobs[256];
	pthread_t tids[256];
	int started = 0, i, err = 0, ret = -1;

	if (maxiter < 0 || threads < 1 || threads > 256 || !axes->nx || !axes->ny ||
	    (method != JULIA_FAST && method != JULIA_NAIVE)) {
		errno = EINVAL;
		goto done;
	}
	g.rows = axes->ny;
	g.cols = axes->nx;
	g.counts = calloc(g.rows * g.cols, sizeof(*g.counts));
	if (!g.counts)
		goto done;
	for (i = 0; i < threads; i++)
		jobs[i] = (struct job){&g, axes, maxiter, i, threads, method};
	for (i = 1; i < threads; i++) {
		err = pthread_create(&tids[i], NULL, thread_main, &jobs[i]);
		if (err)
			break;
		started++;
	}
	rows(&jobs[0]);
	for (i = 1; i <= started; i++)
		pthread_join(tids[i], NULL);
	if (err) {
		errno = err;
		goto done;
	}
	*grid = g;
	g = (struct julia_grid)JULIA_GRID_INIT;
	ret = 0;
done:
	julia_grid_release(&g);
	return ret;
}

void julia_grid_release(struct julia_grid *grid)
{
	free(grid->counts);
	*grid = (struct julia_grid)JULIA_GRID_INIT;
}

uint64_t julia_grid_sum(const struct julia_grid *grid)
{
	uint64_t sum = 0;
	size_t i, n = grid->rows * grid->cols;

	for (i = 0; i < n; i++)
		sum += (uint64_t)grid->counts[i];
	return sum;
}

/* Decimal digits of v (>= 0) written backwards from `end`; returns the start. */
static char *format_count(char *end, int32_t v)
{
	uint32_t u = (uint32_t)v;

	do {
		*--end = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	return end;
}

int julia_grid_write(const struct julia_grid *grid, FILE *out)
{
	char *line = NULL, digits[16];
	size_t r, c;
	int ret = -1;

	line = malloc(grid->cols * 12 + 2);
	if (!line)
		goto done;
	for (r = 0; r < grid->rows; r++) {
		const int32_t *row = grid->counts + r * grid->cols;
		size_t len = 0;

		for (c = 0; c < grid->cols; c++) {
			char *end = digits + sizeof(digits);
			char *start = format_count(end, row[c]);

			if (c)
				line[len++] = ' ';
			memcpy(line + len, start, (size_t)(end - start));
			len += (size_t)(end - start);
		}
		line[len++] = '\n';
		if (fwrite(line, 1, len, out) != len)
			goto done;
	}
	if (fflush(out) == EOF)
		goto done;
	ret = 0;
done:
	free(line);
	return ret;
}
