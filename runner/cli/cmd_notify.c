/*
 * `perfwarden notify --retry`: send again the commit statuses (and webhook
 * messages) that the workers could not deliver. They were stored with the
 * verdicts, so a forge that was down loses nothing.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "config.h"
#include "worker.h"

static const char synopsis[] =
        "usage: perfwarden notify --retry [--job ID] [--config FILE] [--database CONN]\n"
        "\n"
        "Send the pending and failed commit statuses again. Exits 0 when all were sent,\n"
        "1 when some still failed. The config names the forges, API URLs and tokens.\n"
        "\n";

static const char own_help[] = "  --retry            send what is pending or failed\n"
                               "  --job ID           only that job's\n";

static void log_line(void *arg, const char *line)
{
	(void)arg;
	fprintf(stderr, "perfwarden notify: %s\n", line);
}

enum { OPT_RETRY = CLI_NEXT, OPT_JOB };

static const struct option own_options[] = {
        {"retry", no_argument, NULL, OPT_RETRY},
        {"job", required_argument, NULL, OPT_JOB},
        {NULL, 0, NULL, 0},
};

int cmd_notify(int argc, char **argv)
{
	struct cli_options o;
	struct config config;
	struct store s = STORE_INIT;
	struct pw_error err = PW_ERROR_INIT;
	size_t sent = 0, failed = 0;
	long long job = 0;
	int c, retry = 0, code = CMD_ERROR;

	cli_options_init(&o, "notify", CLI_GROUP_CONFIG | CLI_GROUP_DATABASE);
	o.synopsis = synopsis;
	o.own_help = own_help;
	o.own = own_options;
	while ((c = cli_next(&o, argc, argv)) > 0) {
		if (c == OPT_RETRY)
			retry = 1;
		else if (c == OPT_JOB &&
		         cli_number(&o, "--job", optarg, 1, 999999999999999999LL, &job) < 0)
			return CMD_ERROR;
	}
	if (c == CLI_EXIT)
		return o.exit_code;
	if (!retry || optind != argc)
		return cli_usage_error(&o, "%s",
		                       retry ? "unexpected argument" : "what to do? (--retry)");
	config_init(&config);
	if (config_load(&config, o.config, &err) < 0 ||
	    store_open(&s, cli_database(&o, config.database), &err) < 0 ||
	    worker_send_notifications(&s, &config, job, log_line, NULL, &sent, &failed, &err) < 0) {
		cmd_errorf("notify", "%s", pw_error_message(&err));
		goto done;
	}
	printf("%zu sent, %zu failed\n", sent, failed);
	code = failed ? CMD_FAIL : CMD_OK;
done:
	store_release(&s);
	config_release(&config);
	pw_error_release(&err);
	return code;
}
