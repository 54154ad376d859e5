/*
 * Command-line pieces shared by the measuring subcommands: the pipeline's
 * options, a progress line that only a terminal sees, and writing reports to
 * files. Lives in the executable: the libraries know nothing of argv.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cmd.h"

int cli_pipeline_option(const char *cmd, int opt, const char *arg, struct pipeline_options *po)
{
	char *end;
	long v;

	switch (opt) {
	case CLI_REPO:
		po->repo = arg;
		return 1;
	case CLI_SPEC:
		po->spec_path = arg;
		return 1;
	case CLI_GOLDEN_DIR:
		po->golden_dir = arg;
		return 1;
	case CLI_WORKDIR:
		po->workdir = arg;
		return 1;
	case CLI_DATABASE:
		po->database = arg;
		return 1;
	case CLI_CPU:
		errno = 0;
		v = strtol(arg, &end, 10);
		if (errno || *end || end == arg || v < 0 || v > 4095) {
			cmd_errorf(cmd, "--cpu must be a cpu number, got '%s'", arg);
			return -1;
		}
		po->cpu = (int)v;
		return 1;
	case CLI_FORCE:
		po->flags |= PIPELINE_FORCE;
		return 1;
	case CLI_INSTRUCTIONS:
		po->flags |= PIPELINE_INSTRUCTIONS;
		return 1;
	default:
		return 0;
	}
}

void cli_progress_init(struct cli_progress *pr, int quiet)
{
	pr->enabled = !quiet && isatty(STDERR_FILENO);
	pr->dirty = 0;
}

void cli_progress_line(void *arg, const char *line)
{
	struct cli_progress *pr = arg;

	if (!pr->enabled)
		return;
	fprintf(stderr, "\r\033[K%.*s", 100, line);
	fflush(stderr);
	pr->dirty = 1;
}

void cli_progress_done(struct cli_progress *pr)
{
	if (pr->enabled && pr->dirty)
		fprintf(stderr, "\r\033[K");
	pr->dirty = 0;
}

int cli_exit_for(int code)
{
	(void)code;
	return CMD_ERROR;
}

int cli_write_file(const char *cmd, const char *path, const char *text, size_t len)
{
	FILE *f;

	if (!strcmp(path, "-")) {
		fwrite(text, 1, len, stdout);
		return 0;
	}
	f = fopen(path, "w");
	if (!f) {
		cmd_errorf(cmd, "could not write '%s': %s", path, strerror(errno));
		return -1;
	}
	if (fwrite(text, 1, len, f) != len || fclose(f) != 0) {
		cmd_errorf(cmd, "could not write '%s': %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

void cli_human(char *out, size_t size, double v, const char *unit)
{
	if (isnan(v))
		snprintf(out, size, "-");
	else if (!strcmp(unit, "ns") && v >= 1e9)
		snprintf(out, size, "%.3f s", v / 1e9);
	else if (!strcmp(unit, "ns"))
		snprintf(out, size, "%.3f ms", v / 1e6);
	else if (!strcmp(unit, "KiB"))
		snprintf(out, size, "%.1f MiB", v / 1024.0);
	else
		snprintf(out, size, "%.0f", v);
}

size_t cli_run_values(const struct store_run_info *r, enum store_metric m, double *out)
{
	size_t i, n = 0;

	for (i = 0; i < r->nsamples; i++) {
		int64_t v = store_sample_metric(&r->samples[i], m);

		if (v != SAMPLE_ABSENT)
			out[n++] = (double)v;
	}
	return n;
}
