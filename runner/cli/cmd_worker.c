/*
 * `perfwarden worker [--once|--drain] [--lease SECONDS]`: claims jobs from
 * the queue and judges them on this machine (runner/service/worker). Runs until
 * SIGTERM/SIGINT (finishing the job at hand), or with --once for one job,
 * with --drain until the queue has nothing claimable.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cmd.h"
#include "worker.h"

static const char synopsis[] =
        "usage: perfwarden worker [--once | --drain] [--lease SECONDS] [--config FILE] [options]\n"
        "\n"
        "Claim jobs from the queue, judge each pushed range like 'perfwarden check', store\n"
        "the verdict and post commit statuses.\n"
        "\n";

static const char own_help[] =
        "  --once             judge one job (if one is waiting), then exit\n"
        "  --drain            judge jobs until none is waiting, then exit\n"
        "  --lease SECONDS    how long a claim holds without renewal (default: the config's, 60)\n";

static const char notes[] =
        "The golden sets default to the config's [worker] golden-dir; each worker takes\n"
        "DIR/slot-N of --workdir. Each job names its repository (no --repo).\n";

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void log_line(void *arg, const char *line)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;

	(void)arg;
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
	fprintf(stderr, "%s worker: %s\n", stamp, line);
	fflush(stderr);
}

enum { OPT_ONCE = CLI_NEXT, OPT_DRAIN, OPT_LEASE };

static const struct option own_options[] = {
        {"once", no_argument, NULL, OPT_ONCE},
        {"drain", no_argument, NULL, OPT_DRAIN},
        {"lease", required_argument, NULL, OPT_LEASE},
        {NULL, 0, NULL, 0},
};

/* The command line into `o` and `wo`; -1 when the command should exit with o->exit_code. */
static int parse_options(int argc, char **argv, struct cli_options *o, struct worker_options *wo)
{
	long long v;
	int c;

	cli_options_init(o, "worker",
	                 CLI_GROUP_PIPELINE | CLI_GROUP_GOLDEN | CLI_GROUP_CONFIG |
	                         CLI_GROUP_DATABASE);
	o->synopsis = synopsis;
	o->own_help = own_help;
	o->notes = notes;
	o->own = own_options;
	while ((c = cli_next(o, argc, argv)) > 0) {
		switch (c) {
		case OPT_ONCE:
			wo->mode = WORKER_ONCE;
			break;
		case OPT_DRAIN:
			wo->mode = WORKER_DRAIN;
			break;
		case OPT_LEASE:
			if (cli_number(o, "--lease", optarg, 1, 86400, &v) < 0)
				return -1;
			wo->lease_s = (int)v;
			break;
		}
	}
	if (c == CLI_EXIT)
		return -1;
	if (optind != argc) {
		o->exit_code = cli_usage_error(o, "unexpected argument '%s'", argv[optind]);
		return -1;
	}
	wo->po = o->po;
	return 0;
}

int cmd_worker(int argc, char **argv)
{
	struct cli_options o;
	struct worker_options wo;
	struct config config;
	struct pw_error err = PW_ERROR_INIT;
	struct sigaction sa;
	size_t done = 0;
	int code = CMD_ERROR;

	memset(&wo, 0, sizeof(wo));
	if (parse_options(argc, argv, &o, &wo) < 0)
		return o.exit_code;
	config_init(&config);
	if (config_load(&config, o.config, &err) < 0) {
		cmd_errorf("worker", "%s", pw_error_message(&err));
		goto done;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART; /* the measurement keeps going; poll() still wakes */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	wo.config = &config;
	wo.stop = &stop_requested;
	wo.log = log_line;
	if (worker_run(&wo, &done, &err) < 0) {
		cmd_errorf("worker", "%s", pw_error_message(&err));
		goto done;
	}
	log_line(NULL, stop_requested ? "stopped by a signal" : "no more jobs");
	code = CMD_OK;
done:
	config_release(&config);
	pw_error_release(&err);
	return code;
}
