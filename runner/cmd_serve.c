/*
 * `perfwarden serve [--listen HOST:PORT] [--config FILE]`: the CI service's
 * HTTP front (runner/server): webhook intake, /health, the JSON API and the
 * dashboard. Logs one line per request on stderr and shuts down cleanly on
 * SIGTERM or SIGINT.
 */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "config.h"
#include "server.h"

static const char usage[] =
        "usage: perfwarden serve [--listen HOST:PORT] [--config FILE] [--database CONN]\n"
        "\n"
        "Receive forge webhooks (POST /hooks/github, /hooks/gitea, /hooks/gitlab) and enqueue\n"
        "the pushed ranges; serve /health, the JSON API and the dashboard.\n"
        "\n"
        "  --listen HOST:PORT  address to bind (default: the config's, else 127.0.0.1:8080;\n"
        "                      port 0 picks a free one); not loopback needs a webhook secret\n"
        "  --config FILE       the service config (default: $PERFWARDEN_CONFIG or\n"
        "                      $PERFWARDEN_HOME/config)\n"
        "  --database CONN     PostgreSQL conninfo (default: the config's, else\n"
        "                      $PERFWARDEN_DATABASE_URL or the embedded cluster)\n";

static void log_line(void *arg, const char *line)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;

	(void)arg;
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
	fprintf(stderr, "%s serve: %s\n", stamp, line);
	fflush(stderr);
}

int cmd_serve(int argc, char **argv)
{
	struct option longopts[] = {
	        {"listen", required_argument, NULL, 'l'},
	        {"config", required_argument, NULL, 'c'},
	        {"database", required_argument, NULL, 'd'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	struct server_options so = {NULL, NULL, NULL, log_line, NULL};
	struct config config;
	struct server *srv = NULL;
	struct pw_error err = PW_ERROR_INIT;
	const char *config_path = NULL;
	sigset_t stop, old;
	int c, sig = 0, code = CMD_ERROR;

	config_init(&config);
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'l':
			so.listen = optarg;
			break;
		case 'c':
			config_path = optarg;
			break;
		case 'd':
			so.database = optarg;
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
		cmd_errorf("serve", "unexpected argument '%s'", argv[optind]);
		fputs(usage, stderr);
		return CMD_ERROR;
	}
	if (config_load(&config, config_path, &err) < 0) {
		cmd_errorf("serve", "%s", pw_error_message(&err));
		goto done;
	}
	so.config = &config;
	/* blocked before the server's thread starts, so only sigwait() below sees them */
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, &old);
	if (server_start(&srv, &so, &err) < 0) {
		cmd_errorf("serve", "%s", pw_error_message(&err));
		goto done;
	}
	fprintf(stderr, "perfwarden serve: listening on %s\n", server_url(srv));
	fflush(stderr);
	sigwait(&stop, &sig);
	fprintf(stderr, "perfwarden serve: %s, shutting down\n",
	        sig == SIGINT ? "SIGINT" : "SIGTERM");
	code = CMD_OK;
done:
	server_free(srv);
	config_release(&config);
	pw_error_release(&err);
	return code;
}
