/*
 * The Julia set of "High Performance Python" (chapter 2) in C: the area
 * x, y in [-1.8, 1.8], c = -0.62772 - 0.42193i, 1000 x 1000 points, at most
 * 300 iterations each. Writes the grid of escape counts (one image row per
 * line) to $PERFWARDEN_OUTPUT and prints their sum (33219980).
 *
 * Version 1: the reference's loop as it reads, with complex numbers.
 */
#include <complex.h>
#include <stdio.h>
#include <stdlib.h>

#define WIDTH   1000
#define MAXITER 300
#define X1      -1.8
#define X2      1.8
#define Y1      -1.8
#define Y2      1.8

static int escape_count(double complex z, double complex c, int maxiter)
{
	int n = 0;

	while (cabs(z) < 2 && n < maxiter) {
		z = z * z + c;
		n++;
	}
	return n;
}

/* The axis as the reference builds it: from `from` by `step` while short of `to`. */
static size_t axis(double *out, double from, double to, double step)
{
	size_t n = 0;
	double coord;

	for (coord = from; step > 0 ? coord < to : coord > to; coord += step)
		if (n < WIDTH + 1)
			out[n++] = coord;
	return n;
}

static int write_grid(const char *path, const int *grid, size_t rows, size_t cols)
{
	FILE *f = fopen(path, "w");
	size_t r, col;

	if (!f)
		return -1;
	for (r = 0; r < rows; r++)
		for (col = 0; col < cols; col++)
			fprintf(f, "%d%c", grid[r * cols + col], col + 1 < cols ? ' ' : '\n');
	return fclose(f);
}

int main(void)
{
	static double x[WIDTH + 1], y[WIDTH + 1];
	const char *path = getenv("PERFWARDEN_OUTPUT");
	const double complex c = CMPLX(-0.62772, -0.42193);
	size_t nx = axis(x, X1, X2, (X2 - X1) / WIDTH);
	size_t ny = axis(y, Y2, Y1, (Y1 - Y2) / WIDTH);
	int *grid = malloc(nx * ny * sizeof(*grid));
	long long sum = 0;
	size_t r, col;

	if (!grid)
		return 1;
	for (r = 0; r < ny; r++)
		for (col = 0; col < nx; col++) {
			grid[r * nx + col] = escape_count(CMPLX(x[col], y[r]), c, MAXITER);
			sum += grid[r * nx + col];
		}
	if (path && write_grid(path, grid, ny, nx) != 0) {
		perror(path);
		return 1;
	}
	printf("sum=%lld\n", sum);
	free(grid);
	return 0;
}
