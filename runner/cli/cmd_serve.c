/*
 * `perfwarden serve [--listen HOST:PORT] [--config FILE]`: the CI service's
 * HTTP front (runner/service/server): webhook intake, /health, the JSON API and the
 * dashboard. Logs one line per request on stderr and shuts down cleanly on
 * SIGTERM or SIGINT.
 */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cmd.h"
#include "config.h"
#include "server.h"

static const char synopsis[] =
        "usage: perfwarden serve [--listen HOST:PORT] [--config FILE] [--database CONN]\n"
        "\n"
        "Receive forge webhooks (POST /hooks/github, /hooks/gitea, /hooks/gitlab) and enqueue\n"
        "the pushed ranges; serve /health, the JSON API and the dashboard.\n"
        "\n";

static const char own_help[] =
        "  --listen HOST:PORT address to bind (default: the config's, else 127.0.0.1:8080;\n"
        "                     port 0 picks a free one); not loopback needs a webhook secret\n";

enum { OPT_LISTEN = CLI_NEXT };

static const struct option own_options[] = {
        {"listen", required_argument, NULL, OPT_LISTEN},
        {NULL, 0, NULL, 0},
};

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
	struct cli_options o;
	struct server_options so = {NULL, NULL, NULL, log_line, NULL};
	struct config config;
	struct server *srv = NULL;
	struct pw_error err = PW_ERROR_INIT;
	sigset_t stop, old;
	int c, sig = 0, code = CMD_ERROR;

	cli_options_init(&o, "serve", CLI_GROUP_CONFIG | CLI_GROUP_DATABASE);
	o.synopsis = synopsis;
	o.own_help = own_help;
	o.own = own_options;
	while ((c = cli_next(&o, argc, argv)) == OPT_LISTEN)
		so.listen = optarg;
	if (c == CLI_EXIT)
		return o.exit_code;
	if (optind != argc)
		return cli_usage_error(&o, "unexpected argument '%s'", argv[optind]);
	so.database = o.database;
	config_init(&config);
	if (config_load(&config, o.config, &err) < 0) {
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
