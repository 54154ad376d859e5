#ifndef PERFWARDEN_KERNEL_JULIA_H
#define PERFWARDEN_KERNEL_JULIA_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * The Julia-set kernel: the benchmark subject perfwarden guards. It is the C
 * port of the reference program (kernel/reference.py, from "High Performance
 * Python", chapter 2) and computes, cell for cell, the same grid: the area
 * x, y in [-1.8, 1.8], c = -0.62772 - 0.42193i, and for every z the number of
 * times `z = z * z + c` ran while `abs(z) < 2 and n < maxiter`.
 *
 * This library knows nothing of perfwarden (no pw_error): functions that can
 * fail return 0 or -1 with errno set (EINVAL, ENOMEM, or the I/O error).
 */

#define JULIA_X1     -1.8
#define JULIA_X2     1.8
#define JULIA_Y1     -1.8
#define JULIA_Y2     1.8
#define JULIA_C_REAL -0.62772
#define JULIA_C_IMAG -0.42193

/* Limits the program accepts: a 10000 x 10000 grid of int32 is 400 MB. */
#define JULIA_MAX_WIDTH      10000
#define JULIA_MAX_ITERATIONS 100000000

/*
 * The coordinate axes, built exactly as the reference does: x starts at x1
 * and adds (x2 - x1) / width while below x2; y starts at y2 and adds
 * (y1 - y2) / width while above y1. Floating-point accumulation decides the
 * count, which is `width` for the sizes we ship (1000, 100) but need not be
 * for every width: use nx/ny, never width, as the grid's shape.
 */
struct julia_axes {
	double *x;
	size_t nx;
	double *y;
	size_t ny;
};

#define JULIA_AXES_INIT                                                                            \
	{                                                                                          \
		NULL, 0, NULL, 0                                                                   \
	}

/* Build the axes for `width` (1 .. JULIA_MAX_WIDTH). 0, or -1 (EINVAL/ENOMEM). */
int julia_axes_build(struct julia_axes *axes, int width);

/* Free the arrays; the axes are JULIA_AXES_INIT again. */
void julia_axes_release(struct julia_axes *axes);

/*
 * The grid of iteration counts: `rows` image rows (one per y, top first) of
 * `cols` cells (one per x), row-major. Owned by the struct.
 */
struct julia_grid {
	int32_t *counts;
	size_t rows;
	size_t cols;
};

#define JULIA_GRID_INIT                                                                            \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}

enum julia_method {
	JULIA_FAST,  /* vectorised, squared-magnitude test with an exact fallback */
	JULIA_NAIVE, /* the literal reference loop: complex arithmetic and cabs() */
};

/*
 * Compute the grid for `axes` with at most `maxiter` iterations per cell,
 * using `threads` threads (1 .. 256; rows are interleaved between them).
 * Both methods give the same grid, bit for bit. `grid` must be
 * JULIA_GRID_INIT or released; on success it owns a new array.
 * 0, or -1 with errno (EINVAL for bad arguments, ENOMEM, or pthread_create's).
 */
int julia_compute(struct julia_grid *grid, const struct julia_axes *axes, int maxiter, int threads,
                  enum julia_method method);

/* Free the counts; the grid is JULIA_GRID_INIT again. */
void julia_grid_release(struct julia_grid *grid);

/* The sum of all counts (the reference's checksum). */
uint64_t julia_grid_sum(const struct julia_grid *grid);

/*
 * Write the grid as text: one image row per line, counts separated by single
 * spaces, each line ending in "\n". 0, or -1 with errno from the write.
 */
int julia_grid_write(const struct julia_grid *grid, FILE *out);

/*
 * One pixel: the count for start point zr + zi*i, exactly as the reference
 * computes it. julia_pixel_naive is the literal loop (complex, cabs);
 * julia_pixel is the scalar form of the fast path (squared magnitude,
 * hypot() near |z| = 2). They agree for every input.
 */
int julia_pixel_naive(double zr, double zi, int maxiter);
int julia_pixel(double zr, double zi, int maxiter);

#endif
