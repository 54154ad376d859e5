/*
 * `perfwarden report --html FILE`: write each benchmark's history chart and
 * verdict table (one benchmark with --benchmark, else every one stored) as a self-contained HTML
 * file (runner/service/report_html.h) to keep as a CI artifact; it opens from disk with no server
 * and no network.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "checkout.h"
#include "cli.h"
#include "cmd.h"
#include "report_html.h"

static const char synopsis[] =
        "usage: perfwarden report --html FILE [--repo DIR] [--benchmark NAME] [--metric METRIC]\n"
        "                         [--environment FINGERPRINT] [--limit N] [--database CONNINFO]\n"
        "\n";

static const char own_help[] =
        "  --html FILE        write the report there (one self-contained HTML file)\n";

enum { OPT_HTML = CLI_NEXT };

static const struct option own_options[] = {
        {"html", required_argument, NULL, OPT_HTML},
        {NULL, 0, NULL, 0},
};

int cmd_report(int argc, char **argv)
{
	struct cli_options co;
	struct report_html_options o = REPORT_HTML_OPTIONS_INIT;
	struct store s = STORE_INIT;
	struct pw_error err = PW_ERROR_INIT;
	struct strbuf html = STRBUF_INIT;
	const char *conninfo = NULL, *file = NULL;
	struct strbuf key = STRBUF_INIT;
	struct timespec t0, t1;
	int c, ret = CMD_OK, r;

	cli_options_init(&co, "report",
	                 CLI_GROUP_STORED_REPO | CLI_GROUP_BENCHMARK | CLI_GROUP_METRIC |
	                         CLI_GROUP_ENVIRONMENT | CLI_GROUP_LIMIT | CLI_GROUP_DATABASE);
	co.synopsis = synopsis;
	co.own_help = own_help;
	co.own = own_options;
	co.limit_min = 1;
	co.limit_max = 5000;
	co.limit = o.limit;
	while ((c = cli_next(&co, argc, argv)) == OPT_HTML)
		file = optarg;
	if (c == CLI_EXIT)
		return co.exit_code;
	o.repo = co.repo;
	o.benchmark = co.benchmark;
	o.metric = co.metric_name;
	o.environment = co.environment;
	o.limit = co.limit;
	conninfo = co.database;
	if (optind < argc)
		return cli_usage_error(&co, "unexpected argument '%s'", argv[optind]);
	if (!file || !*file)
		return cli_usage_error(&co, "nothing to write: name the file with --html FILE");
	if (o.repo) {
		if (checkout_repo_key(&key, o.repo, &err) < 0) {
			cmd_errorf("report", "%s", pw_error_message(&err));
			ret = CMD_ERROR;
			goto done;
		}
		o.repo = key.buf;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (store_open(&s, conninfo, &err) < 0) {
		cmd_errorf("report", "%s", pw_error_message(&err));
		ret = CMD_ERROR;
		goto done;
	}
	r = report_html_build(&s, &o, &html, &err);
	if (r < 0) {
		cmd_errorf("report", "%s", pw_error_message(&err));
		ret = r == PW_ENOTFOUND ? CMD_FAIL : CMD_ERROR;
		goto done;
	}
	if (strbuf_write_file(&html, file) < 0) {
		cmd_errorf("report", "could not write '%s': %s", file, strerror(errno));
		ret = CMD_ERROR;
		goto done;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%s\n", file);
	fprintf(stderr, "perfwarden report: wrote %zu bytes in %.0f ms\n", html.len,
	        (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
done:
	strbuf_release(&html);
	store_release(&s);
	strbuf_release(&key);
	pw_error_release(&err);
	return ret;
}
