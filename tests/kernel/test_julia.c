/*
 * Tests for kernel/julia.c: the axes are built as the reference builds them,
 * known pixels have the reference's counts, the fast path (scalar and
 * vectorised, any thread count) agrees with the literal loop even for points
 * on the edge of |z| = 2, and the small grid equals golden/julia-100x50.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "julia.h"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static const char *source_dir(void)
{
	const char *s = getenv("PERFWARDEN_SOURCE");

	return s && *s ? s : PERFWARDEN_SOURCE_DIR;
}

static void test_julia__axes_count_equals_width(void **state)
{
	struct julia_axes axes = JULIA_AXES_INIT;

	(void)state;
	assert_int_equal(julia_axes_build(&axes, 1000), 0);
	assert_int_equal(axes.nx, 1000);
	assert_int_equal(axes.ny, 1000);
	assert_true(axes.x[0] == -1.8);
	assert_true(axes.y[0] == 1.8);
	assert_true(axes.x[999] < 1.8 && axes.x[999] > 1.79);
	julia_axes_release(&axes);

	assert_int_equal(julia_axes_build(&axes, 100), 0);
	assert_int_equal(axes.nx, 100);
	assert_int_equal(axes.ny, 100);
	julia_axes_release(&axes);
}

/* Accumulated steps decide the count, as in the reference: width 10 gives 11. */
static void test_julia__axes_follow_the_reference_accumulation(void **state)
{
	static const int widths[] = {1, 3, 10, 333, 1001};
	static const size_t counts[] = {1, 4, 11, 334, 1002}; /* from kernel/reference.py */
	struct julia_axes axes = JULIA_AXES_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(widths) / sizeof(widths[0]); i++) {
		assert_int_equal(julia_axes_build(&axes, widths[i]), 0);
		assert_int_equal(axes.nx, counts[i]);
		assert_int_equal(axes.ny, counts[i]);
		julia_axes_release(&axes);
	}
}

static void test_julia__bad_widths_are_refused(void **state)
{
	struct julia_axes axes = JULIA_AXES_INIT;

	(void)state;
	errno = 0;
	assert_int_equal(julia_axes_build(&axes, 0), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(julia_axes_build(&axes, -5), -1);
	assert_int_equal(julia_axes_build(&axes, JULIA_MAX_WIDTH + 1), -1);
	assert_null(axes.x);
}

/* Values computed with kernel/reference.py's loop. */
static void test_julia__known_pixels(void **state)
{
	static const struct {
		double zr, zi;
		int n300, n50;
	} cases[] = {
	        {-1.8, -1.8, 0, 0},                     /* the book's top-left corner */
	        {0.0, 0.0, 300, 50},                    /* the book's centre: never escapes */
	        {-0.82, 0.0, 10, 10}, {2.0, 0.0, 0, 0}, /* abs(z) == 2 is not < 2 */
	        {0.0, -2.0, 0, 0},    {1.9999999999999998, 0.0, 1, 1}, /* one ulp inside */
	        {0.5, 0.5, 300, 50},  {-0.3, 0.1, 16, 16},
	        {1.2, -0.3, 2, 2},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(julia_pixel_naive(cases[i].zr, cases[i].zi, 300), cases[i].n300);
		assert_int_equal(julia_pixel(cases[i].zr, cases[i].zi, 300), cases[i].n300);
		assert_int_equal(julia_pixel(cases[i].zr, cases[i].zi, 50), cases[i].n50);
	}
}

/*
 * Points within a few ulps of |z| = 2, where the squared magnitude and hypot()
 * could disagree: the fast paths (scalar, and the vectorised grid fed with
 * hand-made axes) must count exactly as the literal loop does.
 */
static void test_julia__fast_path_is_exact_on_the_circle(void **state)
{
	struct julia_axes axes = JULIA_AXES_INIT;
	struct julia_grid grid = JULIA_GRID_INIT;
	size_t r, c, disagree = 0;
	unsigned seed = 12345;

	(void)state;
	axes.ny = 64;
	axes.nx = 37; /* not a multiple of the vector width */
	axes.y = calloc(axes.ny, sizeof(double));
	axes.x = calloc(axes.nx, sizeof(double));
	assert_non_null(axes.x);
	assert_non_null(axes.y);
	for (r = 0; r < axes.ny; r++)
		axes.y[r] = -1.99 + 3.98 * (double)r / (double)(axes.ny - 1);
	for (r = 0; r < axes.ny; r++) {
		for (c = 0; c < axes.nx; c++) {
			double x = sqrt(4.0 - axes.y[r] * axes.y[r]);
			int ulps = (int)(rand_r(&seed) % 9) - 4;

			for (; ulps > 0; ulps--)
				x = nextafter(x, 3.0);
			for (; ulps < 0; ulps++)
				x = nextafter(x, 0.0);
			if (julia_pixel(x, axes.y[r], 300) !=
			            julia_pixel_naive(x, axes.y[r], 300) ||
			    julia_pixel(-x, axes.y[r], 300) !=
			            julia_pixel_naive(-x, axes.y[r], 300))
				disagree++;
		}
	}
	assert_int_equal(disagree, 0);

	/* Every cell of row r sits on the circle at that row's y. */
	for (r = 0; r < axes.ny; r++) {
		for (c = 0; c < axes.nx; c++) {
			double y = axes.y[r];

			axes.x[c] = sqrt(4.0 - y * y);
			if (c % 3 == 1)
				axes.x[c] = nextafter(axes.x[c], 0.0);
			if (c % 3 == 2)
				axes.x[c] = -nextafter(axes.x[c], 3.0);
		}
		assert_int_equal(julia_compute(&grid, &axes, 300, 1, JULIA_FAST), 0);
		for (c = 0; c < axes.nx; c++)
			assert_int_equal(grid.counts[r * axes.nx + c],
			                 julia_pixel_naive(axes.x[c], axes.y[r], 300));
		julia_grid_release(&grid);
	}
	julia_axes_release(&axes);
}

static void test_julia__methods_and_threads_agree(void **state)
{
	struct julia_axes axes = JULIA_AXES_INIT;
	struct julia_grid naive = JULIA_GRID_INIT, fast = JULIA_GRID_INIT;
	size_t r, c, disagree = 0;
	int threads;

	(void)state;
	assert_int_equal(julia_axes_build(&axes, 333), 0);
	assert_int_equal(julia_compute(&naive, &axes, 120, 1, JULIA_NAIVE), 0);
	for (threads = 1; threads <= 5; threads++) {
		assert_int_equal(julia_compute(&fast, &axes, 120, threads, JULIA_FAST), 0);
		assert_int_equal(fast.rows, 334);
		assert_int_equal(fast.cols, 334);
		assert_memory_equal(fast.counts, naive.counts,
		                    fast.rows * fast.cols * sizeof(*fast.counts));
		julia_grid_release(&fast);
	}
	/* The scalar fast path (CPUs without AVX2) agrees too, cell for cell. */
	for (r = 0; r < axes.ny; r++)
		for (c = 0; c < axes.nx; c++)
			if (julia_pixel(axes.x[c], axes.y[r], 120) != naive.counts[r * axes.nx + c])
				disagree++;
	assert_int_equal(disagree, 0);
	julia_grid_release(&naive);
	julia_axes_release(&axes);
}

static void test_julia__bad_compute_arguments_are_refused(void **state)
{
	struct julia_axes axes = JULIA_AXES_INIT;
	struct julia_grid grid = JULIA_GRID_INIT;

	(void)state;
	assert_int_equal(julia_axes_build(&axes, 10), 0);
	assert_int_equal(julia_compute(&grid, &axes, -1, 1, JULIA_FAST), -1);
	assert_int_equal(julia_compute(&grid, &axes, 10, 0, JULIA_FAST), -1);
	assert_int_equal(julia_compute(&grid, &axes, 10, 257, JULIA_FAST), -1);
	assert_null(grid.counts);
	julia_axes_release(&axes);
}

/* The small grid, summed and written, is golden/julia-100x50 byte for byte. */
static void test_julia__small_grid_equals_golden(void **state)
{
	struct julia_axes axes = JULIA_AXES_INIT;
	struct julia_grid grid = JULIA_GRID_INIT;
	char path[4096], *golden, *text = NULL;
	size_t golden_len, text_len = 0;
	FILE *mem;

	(void)state;
	assert_int_equal(julia_axes_build(&axes, 100), 0);
	assert_int_equal(julia_compute(&grid, &axes, 50, 2, JULIA_FAST), 0);
	snprintf(path, sizeof(path), "%s/golden/julia-100x50.sum", source_dir());
	golden = slurp(path, &golden_len);
	assert_int_equal(julia_grid_sum(&grid), strtoull(golden, NULL, 10));
	assert_int_equal(julia_grid_sum(&grid), 78990);
	free(golden);

	mem = open_memstream(&text, &text_len);
	assert_non_null(mem);
	assert_int_equal(julia_grid_write(&grid, mem), 0);
	fclose(mem);
	snprintf(path, sizeof(path), "%s/golden/julia-100x50.out", source_dir());
	golden = slurp(path, &golden_len);
	assert_int_equal(text_len, golden_len);
	assert_memory_equal(text, golden, golden_len);
	free(golden);
	free(text);
	julia_grid_release(&grid);
	julia_axes_release(&axes);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_julia__axes_count_equals_width),
	        cmocka_unit_test(test_julia__axes_follow_the_reference_accumulation),
	        cmocka_unit_test(test_julia__bad_widths_are_refused),
	        cmocka_unit_test(test_julia__known_pixels),
	        cmocka_unit_test(test_julia__fast_path_is_exact_on_the_circle),
	        cmocka_unit_test(test_julia__methods_and_threads_agree),
	        cmocka_unit_test(test_julia__bad_compute_arguments_are_refused),
	        cmocka_unit_test(test_julia__small_grid_equals_golden),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
