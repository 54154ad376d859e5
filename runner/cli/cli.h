#ifndef PERFWARDEN_CLI_H
#define PERFWARDEN_CLI_H

#include <getopt.h>
#include <stdio.h>

#include "pipeline.h"
#include "query.h"

/*
 * What the subcommands share on the command line: one option layer (the
 * options several commands take, each parsed, checked and described in one
 * place), the progress line, and small printing helpers. Part of the
 * perfwarden executable, not of the library.
 */

/*
 * The option groups a command declares in cli_options.groups. Each group's
 * options are parsed by cli_next() with one set of messages and described by
 * cli_usage() with one text.
 */
enum cli_group {
	CLI_GROUP_REPO = 1 << 0,        /* --repo DIR|URL: the repository to work on */
	CLI_GROUP_STORED_REPO = 1 << 1, /* --repo DIR: only that repository's stored runs */
	CLI_GROUP_PIPELINE = 1 << 2,    /* --spec --workdir --cpu --force --instructions */
	CLI_GROUP_GOLDEN = 1 << 3,      /* --golden-dir DIR */
	CLI_GROUP_BENCHMARK = 1 << 4,   /* --benchmark NAME */
	CLI_GROUP_ENVIRONMENT = 1 << 5, /* --environment FINGERPRINT */
	CLI_GROUP_METRIC = 1 << 6,      /* --metric M, a stored metric */
	CLI_GROUP_LIMIT = 1 << 7,       /* --limit N, from limit_min to limit_max */
	CLI_GROUP_JSON = 1 << 8,        /* --json */
	CLI_GROUP_CSV = 1 << 9,         /* --csv (not with --json) */
	CLI_GROUP_CONFIG = 1 << 10,     /* --config FILE */
	CLI_GROUP_DATABASE = 1 << 11,   /* --database CONN */
	/* with CLI_GROUP_METRIC: --metric may also name a harness case's metric (series_metric)
	 * when --benchmark is BENCH/CASE, or be build or artefact_size */
	CLI_GROUP_CASE_METRIC = 1 << 12,
};

/* What the measuring commands (run, check, bisect) take. */
#define CLI_GROUP_MEASURE                                                                          \
	(CLI_GROUP_REPO | CLI_GROUP_PIPELINE | CLI_GROUP_GOLDEN | CLI_GROUP_DATABASE)

/* getopt_long codes: a command's own options start at CLI_NEXT. */
#define CLI_NEXT 1100

/* The largest --limit a command accepts unless it says otherwise. */
#define CLI_LIMIT_MAX 1000000

/* cli_next()'s answers besides a command's own option code. */
enum cli_next_result {
	CLI_END = 0,   /* the options are done; operands start at optind */
	CLI_EXIT = -1, /* --help was printed or a message was: return exit_code */
};

struct cli_options {
	/* The command's declaration, set after cli_options_init(). */
	const char *cmd;          /* the subcommand's name, for messages */
	const char *synopsis;     /* "usage: ..." and what it does; printed first by cli_usage() */
	const char *own_help;     /* the command's own options' lines; may be NULL */
	const char *notes;        /* a paragraph after the options; may be NULL */
	unsigned groups;          /* enum cli_group */
	const struct option *own; /* own options (codes from CLI_NEXT), {NULL} ended; may be NULL */
	size_t limit_min, limit_max; /* --limit's bounds (default 0 to CLI_LIMIT_MAX) */

	/* The shared options' values: the defaults set here or by the command, else as given. */
	const char *repo;
	const char *database;
	const char *config;
	const char *benchmark; /* NULL (every benchmark) unless --benchmark */
	const char *environment;
	const char *metric_name;  /* the canonical name of --metric when given, else NULL */
	enum store_metric metric; /* default wall */
	/* --metric naming a metric of a harness case (--benchmark BENCH/CASE); else NULL */
	const char *series_metric;
	size_t limit;
	int json, csv;
	/* The pipeline's options; --repo, --golden-dir and --database are copied in at the end. */
	struct pipeline_options po;
	const char *golden_dir;

	/* After CLI_EXIT: what the command returns (CMD_OK after --help, CMD_ERROR after a
	 * message). */
	int exit_code;

	struct option longopts_[48]; /* private: the merged table getopt_long reads */
	int started_;
};

/* Defaults for command `cmd` taking `groups` (enum cli_group). */
void cli_options_init(struct cli_options *o, const char *cmd, unsigned groups);

/*
 * The next option of the command line: handles the declared groups' options
 * and --help itself and returns a command's own option code (its argument in
 * optarg), CLI_END when the options are done (operands from optind), or
 * CLI_EXIT after printing the help (stdout) or one message (stderr):
 *   perfwarden CMD: unknown option '--x' (see 'perfwarden CMD --help')
 *   perfwarden CMD: option '--limit' needs a value
 *   perfwarden CMD: '--limit ten': expected a number from 0 to 1000000
 * The command then returns o->exit_code.
 */
int cli_next(struct cli_options *o, int argc, char **argv);

/* The command's help: synopsis, the groups' and own options, notes. */
void cli_usage(const struct cli_options *o, FILE *out);

/*
 * A bad value for option `name` (a command's own): prints
 * "perfwarden CMD: 'NAME VALUE': expected WHAT" and returns CMD_ERROR.
 */
int cli_bad_value(const struct cli_options *o, const char *name, const char *value,
                  const char *what);

/*
 * Parse `value` of option `name` as a whole number from `min` to `max`
 * (digits only) into `out`; on failure prints the message above and returns -1.
 */
int cli_number(const struct cli_options *o, const char *name, const char *value, long long min,
               long long max, long long *out);

/* Wrong operands: prints "perfwarden CMD: <message>" and the help on stderr; returns CMD_ERROR. */
int cli_usage_error(const struct cli_options *o, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

/*
 * The commits a query names (`show`, `compare`), for store_commit_load():
 * each of `revs` (n) is looked up with git's rules (HEAD, a branch, a tag,
 * HEAD~2, a hash prefix) in the repository --repo names when it is one on
 * this machine, else the current directory's, and out[i] (a strbuf, appended)
 * gets its full hash. Without such a repository, or when the repository does
 * not know it, a hash prefix (4 to 40 hex digits) is passed on as it is: the
 * store may know commits the repository here does not. An exit code: CMD_OK,
 * or after the message CMD_FAIL (an unknown revision) or CMD_ERROR.
 */
int cli_resolve_commits(const struct cli_options *o, char *const *revs, size_t n,
                        struct strbuf *out);

/* The database to use: --database, else the loaded config's (may be NULL: the default). */
const char *cli_database(const struct cli_options *o, const char *config_database);

/* Progress on stderr, only when it is a terminal and `quiet` is 0: one rewritten line. */
struct cli_progress {
	int enabled;
	int dirty;
};

void cli_progress_init(struct cli_progress *pr, int quiet);
/* A pipeline progress callback: `arg` is a struct cli_progress. A line starting with
 * "warning: " is always shown, as "perfwarden: warning: ..." on a line of its own. */
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
