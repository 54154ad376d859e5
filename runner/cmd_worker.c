/*
 * `perfwarden worker [--once|--drain] [--lease SECONDS]`: claims jobs from
 * the queue and judges them on this machine (runner/worker). Runs until
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

static const char usage[] =
        "usage: perfwarden worker [--once | --drain] [--lease SECONDS] [--config FILE] [options]\n"
        "\n"
        "Claim jobs from the queue, judge each pushed range like 'perfwarden check', store\n"
        "the verdict and post commit statuses.\n"
        "\n"
        "  --once             judge one job (if one is waiting), then exit\n"
        "  --drain            judge jobs until none is waiting, then exit\n"
        "  --lease SECONDS    how long a claim holds without renewal (default: the config's, 60)\n"
        "  --config FILE      the service config (default: $PERFWARDEN_CONFIG or\n"
        "                     $PERFWARDEN_HOME/config)\n"
        "  --golden-dir DIR   golden sets (default: the config's [worker] golden-dir)\n"
        "  --spec FILE        use this spec instead of each commit's .perfwarden\n"
        "  --workdir DIR      worktrees; each worker takes DIR/slot-N\n"
        "  --database CONN    PostgreSQL conninfo\n"
        "  --cpu N            pin benchmarks to cpu N\n";

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

enum { OPT_ONCE = CLI_NEXT, OPT_DRAIN, OPT_LEASE, OPT_CONFIG };

int cmd_worker(int argc, char **argv)
{
	struct option longopts[] = {
	        CLI_PIPELINE_LONG_OPTIONS,
	        {"once", no_argument, NULL, OPT_ONCE},
	        {"drain", no_argument, NULL, OPT_DRAIN},
	        {"lease", required_argument, NULL, OPT_LEASE},
	        {"config", required_argument, NULL, OPT_CONFIG},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	struct worker_options wo;
	struct config config;
	struct pw_error err = PW_ERROR_INIT;
	struct sigaction sa;
	const char *config_path = NULL;
	size_t done = 0;
	int c, code = CMD_ERROR;
	char *end;
	long v;

	memset(&wo, 0, sizeof(wo));
	{
		struct pipeline_options init = PIPELINE_OPTIONS_INIT;

		wo.po = init;
	}
	config_init(&config);
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		int r = cli_pipeline_option("worker", c, optarg, &wo.po);

		if (r < 0)
			return CMD_ERROR;
		if (r > 0)
			continue;
		switch (c) {
		case OPT_ONCE:
			wo.mode = WORKER_ONCE;
			break;
		case OPT_DRAIN:
			wo.mode = WORKER_DRAIN;
			break;
		case OPT_LEASE:
			v = strtol(optarg, &end, 10);
			if (*end || end == optarg || v < 1 || v > 86400) {
				cmd_errorf("worker",
				           "--lease must be a number of seconds (1 to 86400), got "
				           "'%s'",
				           optarg);
				return CMD_ERROR;
			}
			wo.lease_s = (int)v;
			break;
		case OPT_CONFIG:
			config_path = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return CMD_OK;
		default:
			fputs(usage, stderr);
			return CMD_ERROR;
		}
	}
	if (optind != argc) {
		cmd_errorf("worker", "unexpected argument '%s'", argv[optind]);
		fputs(usage, stderr);
		return CMD_ERROR;
	}
	if (wo.po.repo) {
		cmd_errorf("worker",
		           "--repo is not a worker option: each job names its repository");
		return CMD_ERROR;
	}
	if (config_load(&config, config_path, &err) < 0) {
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
