/*
 * `perfwarden report --html FILE`: write one benchmark's history chart and
 * verdict table as a self-contained HTML file (runner/report_html.h) to keep
 * as a CI artifact; it opens from disk with no server and no network.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "report_html.h"

static const char usage_text[] =
        "usage: perfwarden report --html FILE [--repo DIR] [--benchmark NAME] [--metric METRIC]\n"
        "                         [--environment FINGERPRINT] [--limit N] [--database CONNINFO]\n"
        "\n"
        "  --html FILE       write the report there (one self-contained HTML file)\n"
        "  --repo DIR        the repository (default: any repository in the database)\n"
        "  --benchmark NAME  the benchmark (default: julia)\n"
        "  --metric METRIC   wall (default), user, sys, maxrss, instructions, ...\n"
        "  --limit N         the newest N commits, 1 to 5000 (default 500)\n";

static int parse_limit(const char *s, size_t *out)
{
	char *end;
	long v;

	if (!*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 6)
		return -1;
	v = strtol(s, &end, 10);
	if (*end || v < 1 || v > 5000)
		return -1;
	*out = (size_t)v;
	return 0;
}

int cmd_report(int argc, char **argv)
{
	static const struct option options[] = {
	        {"html", required_argument, NULL, 'o'},
	        {"repo", required_argument, NULL, 'r'},
	        {"benchmark", required_argument, NULL, 'b'},
	        {"metric", required_argument, NULL, 'm'},
	        {"environment", required_argument, NULL, 'e'},
	        {"limit", required_argument, NULL, 'l'},
	        {"database", required_argument, NULL, 'd'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	struct report_html_options o = REPORT_HTML_OPTIONS_INIT;
	struct store s = STORE_INIT;
	struct pw_error err = PW_ERROR_INIT;
	struct strbuf html = STRBUF_INIT;
	const char *conninfo = NULL, *file = NULL;
	char real[PATH_MAX];
	struct timespec t0, t1;
	int c, ret = CMD_OK, r;

	o.benchmark = "julia";
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (c) {
		case 'o':
			file = optarg;
			break;
		case 'r':
			o.repo = optarg;
			break;
		case 'b':
			o.benchmark = optarg;
			break;
		case 'm':
			o.metric = optarg;
			break;
		case 'e':
			o.environment = optarg;
			break;
		case 'l':
			if (parse_limit(optarg, &o.limit) < 0) {
				cmd_errorf("report",
				           "'--limit %s': expected a number from 1 to 5000",
				           optarg);
				return CMD_ERROR;
			}
			break;
		case 'd':
			conninfo = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return CMD_OK;
		default:
			fputs(usage_text, stderr);
			return CMD_ERROR;
		}
	}
	if (optind != argc || !file || !*file) {
		if (optind < argc)
			cmd_errorf("report", "unexpected argument '%s'", argv[optind]);
		else
			cmd_errorf("report", "nothing to write: name the file with --html FILE");
		fputs(usage_text, stderr);
		return CMD_ERROR;
	}
	if (o.repo && !strstr(o.repo, "://") && realpath(o.repo, real))
		o.repo = real;
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
	pw_error_release(&err);
	return ret;
}
