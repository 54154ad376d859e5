/*
 * The `julia` program: runs the kernel (julia.c) once, writes the grid as
 * text and prints its checksum and the seconds the calculation took. It is
 * what a .perfwarden spec's benchmark command runs; perfwarden times the
 * whole process and verifies the file it writes against a golden set.
 *
 *   julia [--width N] [--iterations N] [--threads N] [--naive] [--output FILE]
 *
 * The output goes to --output FILE, else to $PERFWARDEN_OUTPUT when set and
 * non-empty, else nowhere (only the sum and time are printed). "-" is stdout.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "julia.h"

static const char usage[] =
        "usage: julia [--width N] [--iterations N] [--threads N] [--naive] [--output FILE]\n"
        "  --width N       grid width (1..10000, default 1000)\n"
        "  --iterations N  maximum iterations per cell (0..100000000, default 300)\n"
        "  --threads N     worker threads, rows interleaved (1..256, default 1)\n"
        "  --naive         the literal reference loop (complex arithmetic, cabs)\n"
        "  --output FILE   write the grid there (default $PERFWARDEN_OUTPUT, else no file;\n"
        "                  '-' is stdout)\n"
        "prints sum=<total> and seconds=<calculation time>\n";

static int fail(const char *fmt, const char *arg)
{
	fputs("julia: ", stderr);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	return 2;
}

static int parse_int(const char *opt, const char *s, long min, long max, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < min || v > max) {
		fprintf(stderr,
		        "julia: invalid value '%s' for %s: expected an integer in %ld..%ld\n", s,
		        opt, min, max);
		return -1;
	}
	*out = (int)v;
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct julia_axes axes = JULIA_AXES_INIT;
	struct julia_grid grid = JULIA_GRID_INIT;
	int width = 1000, iterations = 300, threads = 1, i, ret = 2;
	enum julia_method method = JULIA_FAST;
	const char *output = NULL;
	FILE *out = NULL;
	double start, secs;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		int *target = NULL;
		long min = 1, max = 0;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(usage, stdout);
			return 0;
		}
		if (!strcmp(a, "--naive")) {
			method = JULIA_NAIVE;
			continue;
		}
		if (!strcmp(a, "--width")) {
			target = &width;
			max = JULIA_MAX_WIDTH;
		} else if (!strcmp(a, "--iterations")) {
			target = &iterations;
			min = 0;
			max = JULIA_MAX_ITERATIONS;
		} else if (!strcmp(a, "--threads")) {
			target = &threads;
			max = 256;
		} else if (strcmp(a, "--output")) {
			return fail("unknown option '%s' (see 'julia --help')", a);
		}
		if (i + 1 >= argc)
			return fail("option '%s' needs a value", a);
		if (!target)
			output = argv[++i];
		else if (parse_int(a, argv[++i], min, max, target) < 0)
			return 2;
	}
	if (!output && getenv("PERFWARDEN_OUTPUT") && *getenv("PERFWARDEN_OUTPUT"))
		output = getenv("PERFWARDEN_OUTPUT");
	if (output && !*output)
		return fail("%s", "empty output path");

	if (output) {
		out = strcmp(output, "-") ? fopen(output, "w") : stdout;
		if (!out) {
			fprintf(stderr, "julia: could not open '%s' for writing: %s\n", output,
			        strerror(errno));
			goto done;
		}
	}

	start = now_s();
	if (julia_axes_build(&axes, width) < 0 ||
	    julia_compute(&grid, &axes, iterations, threads, method) < 0) {
		fprintf(stderr, "julia: could not compute a %dx%d grid: %s\n", width, width,
		        strerror(errno));
		goto done;
	}
	secs = now_s() - start;

	if (out && (julia_grid_write(&grid, out) < 0 || (out != stdout && fclose(out) == EOF))) {
		fprintf(stderr, "julia: could not write '%s': %s\n", output, strerror(errno));
		if (out != stdout)
			out = NULL;
		goto done;
	}
	out = NULL;
	printf("sum=%llu\nseconds=%.6f\n", (unsigned long long)julia_grid_sum(&grid), secs);
	ret = 0;
done:
	if (out && out != stdout)
		fclose(out);
	julia_grid_release(&grid);
	julia_axes_release(&axes);
	return ret;
}
