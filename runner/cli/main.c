/*
 * perfwarden's entry point: finds the subcommand in the one table below and
 * hands it the rest of the command line. Everything else lives in the
 * runner and store libraries; the cmd_*.c files are thin.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"

static const struct cmd commands[] = {
        {"check", cmd_check, "measure and judge a range of commits; fail on a regression"},
        {"run", cmd_run, "check out, build, measure and verify commits"},
        {"bisect", cmd_bisect, "find the first slower commit between a good and a bad one"},
        {"explain", cmd_explain, "where the time or memory went between a commit and its baseline"},
        {"init", cmd_init, "write a starter .perfwarden from what the repository holds"},
        {"spec", cmd_spec, "check: parse a spec and explain it, with what will fail"},
        {"verify", cmd_verify, "compare an output file with a golden set"},
        {"golden", cmd_golden, "golden sets: record from a commit, list, show, verify, push, pull"},
        {"system", cmd_system, "the machine's timing state: show, tune, reset"},
        {"db", cmd_db, "the database: status, start, stop, url, replay"},
        {"history", cmd_history, "timings of a benchmark over the commits, newest first"},
        {"show", cmd_show, "everything stored about one commit's runs"},
        {"compare", cmd_compare, "two commits side by side: medians, ratios, intervals"},
        {"report", cmd_report, "write the history chart and verdicts as one HTML file"},
        {"serve", cmd_serve, "the CI service: webhook intake, health, API and dashboard over HTTP"},
        {"worker", cmd_worker, "claim queued jobs, judge them, post commit statuses"},
        {"enqueue", cmd_enqueue, "queue a pushed range for the workers"},
        {"jobs", cmd_jobs, "list the job queue"},
        {"notify", cmd_notify, "send unsent commit statuses again (--retry)"},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

const struct cmd *cmd_find(const char *name)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (!strcmp(name, commands[i].name))
			return &commands[i];
	return NULL;
}

void cmd_errorf(const char *name, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "perfwarden %s: ", name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void usage(FILE *out)
{
	size_t i;

	fprintf(out, "usage: perfwarden <command> [options]\n\ncommands:\n");
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n'perfwarden <command> --help' describes one command.\n");
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return CMD_ERROR;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return CMD_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("perfwarden %s\n", PERFWARDEN_VERSION);
		return CMD_OK;
	}
	for (i = 0; i < NCOMMANDS; i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "perfwarden: '%s' is not a perfwarden command (see 'perfwarden --help')\n",
	        argv[1]);
	return CMD_ERROR;
}
