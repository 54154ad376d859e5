#ifndef PERFWARDEN_CLI_H
#define PERFWARDEN_CLI_H

#include <getopt.h>
#include <stdio.h>

#include "pipeline.h"
#include "query.h"

/*
 * What the measuring subcommands (run, check, bisect, worker) share on the
 * command line: the pipeline's options and the progress line. Part of the
 * perfwarden executable, not of the library.
 */

/* getopt_long codes of the shared options (above any single-letter option). */
enum cli_option {
	CLI_REPO = 1000,
	CLI_SPEC,
	CLI_GOLDEN_DIR,
	CLI_WORKDIR,
	CLI_DATABASE,
	CLI_CPU,
	CLI_FORCE,
	CLI_INSTRUCTIONS,
	CLI_NEXT, /* the first code free for a command's own options */
};

#define CLI_PIPELINE_LONG_OPTIONS                                                                  \
	{ "repo", required_argument, NULL, CLI_REPO },                                             \
		{ "spec", required_argument, NULL, CLI_SPEC },                                     \
		{ "golden-dir", required_argument, NULL, CLI_GOLDEN_DIR },                         \
		{ "workdir", required_argument, NULL, CLI_WORKDIR },                               \
		{ "database", required_argument, NULL, CLI_DATABASE },                             \
		{ "cpu", required_argument, NULL, CLI_CPU },                                       \
		{ "force", no_argument, NULL, CLI_FORCE },                                         \
		{ "instructions", no_argument, NULL, CLI_INSTRUCTIONS }

#define CLI_PIPELINE_USAGE                                                                         \
	"  --repo DIR|URL     the repository (default: the current directory's)\n"                \
	"  --spec FILE        use this spec instead of each commit's .perfwarden\n"                \
	"  --golden-dir DIR   golden sets (default: $PERFWARDEN_GOLDEN_DIR or perfwarden's golden/)\n" \
	"  --workdir DIR      worktrees and outputs (default: $PERFWARDEN_HOME/work)\n"              \
	"  --database CONN    PostgreSQL conninfo (default: $PERFWARDEN_DATABASE_URL or the embedded cluster)\n" \
	"  --cpu N            pin benchmarks to cpu N (default: first isolated, else last online)\n" \
	"  --force            measure again even when the store has the run\n"                     \
	"  --instructions     also count instructions under cachegrind (one extra run)\n"

/*
 * Handle one shared option. Returns 1 when `opt` was one (stored in `po`),
 * 0 when it is not a shared option, -1 after printing a message for a bad
 * value.
 */
int cli_pipeline_option(const char *cmd, int opt, const char *arg, struct pipeline_options *po);

/* Progress on stderr, only when it is a terminal and `quiet` is 0: one rewritten line. */
struct cli_progress {
	int enabled;
	int dirty;
};

void cli_progress_init(struct cli_progress *pr, int quiet);
/* A pipeline progress callback: `arg` is a struct cli_progress. */
void cli_progress_line(void *arg, const char *line);
/* Erase the progress line before printing results. */
void cli_progress_done(struct cli_progress *pr);

/* Map a library error code to an exit code (2 for everything that is not a verdict). */
int cli_exit_for(int code);

/* A stored value for people: ns as ms or s, KiB as MiB, counts as they are; NaN as "-". */
void cli_human(char *out, size_t size, double v, const char *unit);

/*
 * The present values of metric `m` in a stored run, into `out` (room for
 * r->nsamples); returns their count.
 */
size_t cli_run_values(const struct store_run_info *r, enum store_metric m, double *out);

/* Write `text` to `path` ("-" is stdout); prints a message and returns -1 on failure. */
int cli_write_file(const char *cmd, const char *path, const char *text, size_t len);

#endif
