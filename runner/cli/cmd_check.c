/*
 * `perfwarden check [options] RANGE`: the gate. Measures what the range (and
 * its base) lacks, judges every commit against the last good one, prints the
 * verdicts and exits 0 (the tip is correct and not slower than the base), 1
 * (a failing verdict or a slowdown; with --each, anywhere in the range) or 2
 * (perfwarden could not judge, or could not store what it judged: the report
 * lists every such failure, with the spool file the runs were kept in).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "report.h"

static const char synopsis[] =
        "usage: perfwarden check [options] A..B | REV\n"
        "\n"
        "Measure and judge every commit of the range against the last good one before it,\n"
        "in interleaved rounds until decided; a push checked before reuses its stored\n"
        "verdicts (--force measures and judges again).\n"
        "\n";

static const char own_help[] =
        "  --each             fail when any commit in the range fails or is slower\n"
        "  --bisect           measure base and tip; bisect the middle when the tip is slower\n"
        "  --metric M         time (wall, the default), cpu (user + system time: steadier when\n"
        "                     other processes share this machine, not when the host's neighbours\n"
        "                     do) or instructions (cachegrind, the whole process tree)\n"
        "  --alpha X          the push's false-alarm rate: the chance that any slower or faster\n"
        "                     verdict of a push without change is given (default 0.05)\n"
        "  --fail-inconclusive  fail when a verdict is inconclusive (default: reported, passes)\n"
        "  --no-confirm       judge once, after the first rounds (quick; often inconclusive)\n"
        "  --junit FILE       also write JUnit XML\n"
        "  --markdown FILE    also write a Markdown summary\n"
        "  --no-explain       do not profile the regressions (see 'perfwarden explain')\n"
        "  --explain-timeout SECONDS  the limit of each profiling run of an explanation\n"
        "                     (default 300; a profile cut short is reported, the verdict stays)\n";

enum {
	OPT_EACH = CLI_NEXT,
	OPT_BISECT,
	OPT_METRIC,
	OPT_ALPHA,
	OPT_NO_CONFIRM,
	OPT_JUNIT,
	OPT_MARKDOWN,
	OPT_FAIL_INCONCLUSIVE,
	OPT_NO_EXPLAIN,
	OPT_EXPLAIN_TIMEOUT,
};

static const struct option own_options[] = {
        {"each", no_argument, NULL, OPT_EACH},
        {"bisect", no_argument, NULL, OPT_BISECT},
        {"metric", required_argument, NULL, OPT_METRIC},
        {"alpha", required_argument, NULL, OPT_ALPHA},
        {"no-confirm", no_argument, NULL, OPT_NO_CONFIRM},
        {"fail-inconclusive", no_argument, NULL, OPT_FAIL_INCONCLUSIVE},
        {"junit", required_argument, NULL, OPT_JUNIT},
        {"markdown", required_argument, NULL, OPT_MARKDOWN},
        {"no-explain", no_argument, NULL, OPT_NO_EXPLAIN},
        {"explain-timeout", required_argument, NULL, OPT_EXPLAIN_TIMEOUT},
        {NULL, 0, NULL, 0},
};

/* The judge's metric: --metric time (wall), cpu or instructions. */
static int parse_metric(struct cli_options *o, const char *arg, struct check_options *co)
{
	if (!strcmp(arg, "time") || !strcmp(arg, "wall")) {
		co->metric = JUDGE_METRIC_TIME;
	} else if (!strcmp(arg, "cpu")) {
		co->metric = JUDGE_METRIC_TIME;
		co->flags |= CHECK_CPU_TIME;
	} else if (!strcmp(arg, "instructions")) {
		co->metric = JUDGE_METRIC_INSTRUCTIONS;
		o->po.flags |= PIPELINE_INSTRUCTIONS;
	} else {
		return cli_bad_value(o, "--metric", arg, "time, cpu or instructions");
	}
	return 0;
}

/*
 * The command line into `o` and `co` (its range too); returns -1 when the
 * command should exit with o->exit_code (after --help or a message).
 */
static int parse_options(int argc, char **argv, struct cli_options *o, struct check_options *co,
                         const char **junit, const char **markdown)
{
	char *end;
	int c;

	cli_options_init(o, "check", CLI_GROUP_MEASURE | CLI_GROUP_JSON);
	o->synopsis = synopsis;
	o->own_help = own_help;
	o->own = own_options;
	while ((c = cli_next(o, argc, argv)) > 0) {
		switch (c) {
		case OPT_EACH:
			co->flags |= CHECK_EACH;
			break;
		case OPT_BISECT:
			co->flags |= CHECK_BISECT;
			break;
		case OPT_NO_CONFIRM:
			co->flags |= CHECK_NO_CONFIRM;
			break;
		case OPT_METRIC:
			if (parse_metric(o, optarg, co))
				return -1;
			break;
		case OPT_ALPHA:
			co->alpha = strtod(optarg, &end);
			if (*end || end == optarg || !(co->alpha > 0 && co->alpha < 0.5)) {
				cli_bad_value(o, "--alpha", optarg, "a number between 0 and 0.5");
				return -1;
			}
			break;
		case OPT_FAIL_INCONCLUSIVE:
			co->flags |= CHECK_FAIL_INCONCLUSIVE;
			break;
		case OPT_JUNIT:
			*junit = optarg;
			break;
		case OPT_MARKDOWN:
			*markdown = optarg;
			break;
		case OPT_NO_EXPLAIN:
			co->flags |= CHECK_NO_EXPLAIN;
			break;
		case OPT_EXPLAIN_TIMEOUT: {
			long long seconds;

			if (cli_number(o, "--explain-timeout", optarg, 1, 86400, &seconds) < 0) {
				o->exit_code = CMD_ERROR;
				return -1;
			}
			co->explain_timeout_ms = (int64_t)seconds * 1000;
			break;
		}
		}
	}
	if (c == CLI_EXIT)
		return -1;
	if (optind != argc - 1) {
		o->exit_code =
		        cli_usage_error(o, "%s",
		                        optind == argc ? "which range? (e.g. 'origin/main..HEAD')"
		                                       : "give exactly one range");
		return -1;
	}
	co->range = argv[optind];
	return 0;
}

/* What perfwarden failed to do besides judging, one error line each. */
static void print_errors(const struct check_result *res)
{
	size_t i;

	for (i = 0; i < res->nerrors; i++)
		cmd_errorf("check", "%s", res->errors[i].message);
}

int cmd_check(int argc, char **argv)
{
	struct cli_options o;
	struct check_options co = CHECK_OPTIONS_INIT;
	struct check_result res = CHECK_RESULT_INIT;
	struct pipeline *p = NULL;
	struct pw_error err = PW_ERROR_INIT;
	struct cli_progress pr;
	struct strbuf out = STRBUF_INIT;
	const char *junit = NULL, *markdown = NULL;
	int json, code = CMD_ERROR;

	if (parse_options(argc, argv, &o, &co, &junit, &markdown) < 0)
		return o.exit_code;
	json = o.json;
	cli_progress_init(&pr, json);
	o.po.progress = cli_progress_line;
	o.po.progress_arg = &pr;
	if (pipeline_open(&p, &o.po, &err) < 0 || check_run(p, &co, &res, &err) < 0) {
		cli_progress_done(&pr);
		cmd_errorf("check", "%s", pw_error_message(&err));
		print_errors(&res);
		goto done;
	}
	cli_progress_done(&pr);
	if (json) {
		json_t *doc = report_check_json(&res);
		char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

		puts(text);
		/* the table lists them; beside JSON on stdout, the log must show them too */
		print_errors(&res);
		free(text);
		json_decref(doc);
	} else {
		report_check_table(&res, &out);
		fputs(strbuf_str(&out), stdout);
	}
	code = check_exit_code(&res);
	if (junit) {
		strbuf_reset(&out);
		report_check_junit(&res, &out);
		if (cli_write_file("check", junit, strbuf_str(&out), out.len) < 0)
			code = CMD_ERROR;
	}
	if (markdown) {
		strbuf_reset(&out);
		report_check_markdown(&res, &out);
		if (cli_write_file("check", markdown, strbuf_str(&out), out.len) < 0)
			code = CMD_ERROR;
	}
done:
	check_result_release(&res);
	pipeline_free(p);
	pw_error_release(&err);
	strbuf_release(&out);
	return code;
}
