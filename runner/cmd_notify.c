/*
 * `perfwarden notify --retry`: send again the commit statuses (and webhook
 * messages) that the workers could not deliver. They were stored with the
 * verdicts, so a forge that was down loses nothing.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "config.h"
#include "worker.h"

static const char usage[] =
        "usage: perfwarden notify --retry [--job ID] [--config FILE] [--database CONN]\n"
        "\n"
        "Send the pending and failed commit statuses again. Exits 0 when all were sent,\n"
        "1 when some still failed.\n"
        "\n"
        "  --retry            send what is pending or failed\n"
        "  --job ID           only that job's\n"
        "  --config FILE      the service config (forges, API URLs, tokens)\n"
        "  --database CONN    PostgreSQL conninfo\n";

static void log_line(void *arg, const char *line)
{
	(void)arg;
	fprintf(stderr, "perfwarden notify: %s\n", line);
}

enum { OPT_RETRY = 1000, OPT_JOB, OPT_CONFIG, OPT_DATABASE };

int cmd_notify(int argc, char **argv)
{
	struct option longopts[] = {
	        {"retry", no_argument, NULL, OPT_RETRY},
	        {"job", required_argument, NULL, OPT_JOB},
	        {"config", required_argument, NULL, OPT_CONFIG},
	        {"database", required_argument, NULL, OPT_DATABASE},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	struct config config;
	struct store s = STORE_INIT;
	struct pw_error err = PW_ERROR_INIT;
	const char *config_path = NULL, *database = NULL;
	size_t sent = 0, failed = 0;
	long long job = 0;
	int c, retry = 0, code = CMD_ERROR;
	char *end;

	config_init(&config);
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_RETRY:
			retry = 1;
			break;
		case OPT_JOB:
			job = strtoll(optarg, &end, 10);
			if (*end || end == optarg || job < 1) {
				cmd_errorf("notify", "--job must be a job id, got '%s'", optarg);
				return CMD_ERROR;
			}
			break;
		case OPT_CONFIG:
			config_path = optarg;
			break;
		case OPT_DATABASE:
			database = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return CMD_OK;
		default:
			fputs(usage, stderr);
			return CMD_ERROR;
		}
	}
	if (!retry || optind != argc) {
		cmd_errorf("notify", "%s", retry ? "unexpected argument" : "what to do? (--retry)");
		fputs(usage, stderr);
		return CMD_ERROR;
	}
	if (config_load(&config, config_path, &err) < 0 ||
	    store_open(&s, database ? database : config.database, &err) < 0 ||
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
