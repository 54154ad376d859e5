/*
 * `perfwarden explain COMMIT [--against BASE] [--benchmark NAME]`: where the
 * time (or with --memory, the heap) went between a commit and its baseline —
 * functions, their lines, simulated counters and allocation sites, from
 * callgrind and massif profiles of the same build perfwarden measures
 * (runner/explain). Exit 0 when both sides were profiled and compared, 1
 * when a profile could not be made (the output says why), 2 when perfwarden
 * could not tell (bad arguments, an unknown commit, no database).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "explain.h"
#include "report_html.h"

static const char synopsis[] =
        "usage: perfwarden explain [options] COMMIT\n"
        "\n"
        "Profile COMMIT's benchmark and its baseline's under valgrind (callgrind; massif with\n"
        "--memory) and show what grew: functions (exclusive and inclusive instructions, with\n"
        "the share of the change each explains), the top functions' source lines, counters,\n"
        "and the heap's allocation sites. Profiles are kept in the store and reused.\n"
        "\n";

static const char own_help[] =
        "  --against BASE     the baseline (default: COMMIT's first parent)\n"
        "  --memory           also profile the heap (massif): allocation sites at the peak\n"
        "  --no-time          only the heap (with --memory)\n"
        "  --cache-sim        simulate caches and branches (misses per side; about 2x slower)\n"
        "  --timeout SECONDS  per profiling run (default: the benchmark's timeout x 100)\n"
        "  --top N            functions and allocation sites listed (default 10)\n"
        "  --markdown FILE    also write the Markdown summary (for a PR comment)\n"
        "  --html FILE        also write one self-contained page with the differential\n"
        "                     flame graph (opens from disk, no network)\n"
        "  --no-store         neither reuse nor keep profiles in the database\n";

static const char notes[] =
        "Source lines need debug information: build with -g (the profile is of the same\n"
        "build perfwarden measures, so put -g in the spec's build command; it does not\n"
        "change the code). Without it, functions are shown. --force profiles again.\n";

enum {
	OPT_AGAINST = CLI_NEXT,
	OPT_MEMORY,
	OPT_NO_TIME,
	OPT_CACHE_SIM,
	OPT_TIMEOUT,
	OPT_TOP,
	OPT_MARKDOWN,
	OPT_NO_STORE,
	OPT_HTML,
};

static const struct option own_options[] = {
        {"against", required_argument, NULL, OPT_AGAINST},
        {"memory", no_argument, NULL, OPT_MEMORY},
        {"no-time", no_argument, NULL, OPT_NO_TIME},
        {"cache-sim", no_argument, NULL, OPT_CACHE_SIM},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"top", required_argument, NULL, OPT_TOP},
        {"markdown", required_argument, NULL, OPT_MARKDOWN},
        {"no-store", no_argument, NULL, OPT_NO_STORE},
        {"html", required_argument, NULL, OPT_HTML},
        {NULL, 0, NULL, 0},
};

int cmd_explain(int argc, char **argv)
{
	struct cli_options o;
	struct explain_options eo = EXPLAIN_OPTIONS_INIT;
	struct explain_result res = EXPLAIN_RESULT_INIT;
	struct pipeline *p = NULL;
	struct pw_error err = PW_ERROR_INIT;
	struct cli_progress pr;
	struct strbuf out = STRBUF_INIT;
	const char *against = NULL, *markdown = NULL, *html = NULL;
	long long n;
	int c, no_time = 0, code = CMD_ERROR;

	cli_options_init(&o, "explain", CLI_GROUP_MEASURE | CLI_GROUP_BENCHMARK | CLI_GROUP_JSON);
	o.synopsis = synopsis;
	o.own_help = own_help;
	o.own = own_options;
	o.notes = notes;
	while ((c = cli_next(&o, argc, argv)) > 0) {
		switch (c) {
		case OPT_AGAINST:
			against = optarg;
			break;
		case OPT_MEMORY:
			eo.flags |= EXPLAIN_MEMORY;
			break;
		case OPT_NO_TIME:
			no_time = 1;
			break;
		case OPT_CACHE_SIM:
			eo.flags |= EXPLAIN_CACHE_SIM;
			break;
		case OPT_TIMEOUT:
			if (cli_number(&o, "--timeout", optarg, 1, 86400, &n) < 0)
				return CMD_ERROR;
			eo.timeout_ms = (int64_t)n * 1000;
			break;
		case OPT_TOP:
			if (cli_number(&o, "--top", optarg, 1, 1000, &n) < 0)
				return CMD_ERROR;
			eo.top = (size_t)n;
			break;
		case OPT_MARKDOWN:
			markdown = optarg;
			break;
		case OPT_HTML:
			html = optarg;
			break;
		case OPT_NO_STORE:
			eo.flags |= EXPLAIN_NO_STORE;
			o.po.flags |= PIPELINE_NO_STORE;
			break;
		}
	}
	if (c == CLI_EXIT)
		return o.exit_code;
	if (optind != argc - 1)
		return cli_usage_error(&o, "%s",
		                       optind == argc ? "which commit? (e.g. 'HEAD')"
		                                      : "give exactly one commit");
	if (no_time && !(eo.flags & EXPLAIN_MEMORY))
		return cli_usage_error(&o, "--no-time leaves nothing to profile without --memory");
	if (no_time)
		eo.flags &= ~(unsigned)EXPLAIN_TIME;
	if (o.po.flags & PIPELINE_FORCE)
		eo.flags |= EXPLAIN_FORCE;
	cli_progress_init(&pr, o.json);
	o.po.progress = cli_progress_line;
	o.po.progress_arg = &pr;
	if (pipeline_open(&p, &o.po, &err) < 0 ||
	    explain_commits(p, argv[optind], against, o.benchmark, &eo, &res, &err) < 0) {
		cli_progress_done(&pr);
		cmd_errorf("explain", "%s", pw_error_message(&err));
		goto done;
	}
	cli_progress_done(&pr);
	if (o.json) {
		json_t *doc = explain_json(&res);
		char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

		puts(text);
		free(text);
		json_decref(doc);
	} else {
		explain_format_table(&res, &out);
		fputs(strbuf_str(&out), stdout);
	}
	code = ((eo.flags & EXPLAIN_TIME) && !res.has_time) ||
	                       ((eo.flags & EXPLAIN_MEMORY) && !res.has_heap)
	               ? CMD_FAIL
	               : CMD_OK;
	if (code == CMD_FAIL)
		for (size_t k = 0; k < 2; k++)
			if (res.side[k].why.len)
				cmd_errorf("explain", "%s %s: %s", k ? "culprit" : "baseline",
				           res.side[k].short_hash, res.side[k].why.buf);
	if (markdown) {
		strbuf_reset(&out);
		explain_format_markdown(&res, &out);
		if (cli_write_file("explain", markdown, strbuf_str(&out), out.len) < 0)
			code = CMD_ERROR;
	}
	if (html) {
		strbuf_reset(&out);
		if (report_html_explain(&res, &out, &err) < 0) {
			cmd_errorf("explain", "%s", pw_error_message(&err));
			code = CMD_ERROR;
		} else if (cli_write_file("explain", html, strbuf_str(&out), out.len) < 0) {
			code = CMD_ERROR;
		}
	}
done:
	explain_result_release(&res);
	pipeline_free(p);
	pw_error_release(&err);
	strbuf_release(&out);
	return code;
}
