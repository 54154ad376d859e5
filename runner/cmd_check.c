/*
 * `perfwarden check [options] RANGE`: the gate. Measures what the range (and
 * its base) lacks, judges every commit against the last good one, prints the
 * verdicts and exits 0 (the tip is correct and not slower than the base), 1
 * (a failing verdict or a slowdown; with --each, anywhere in the range) or 2
 * (perfwarden could not judge).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "report.h"

static const char usage[] =
	"usage: perfwarden check [options] A..B | REV\n"
	"\n"
	"Measure and judge every commit of the range against the last good one before it,\n"
	"in interleaved rounds until decided; a push checked before reuses its stored\n"
	"verdicts (--force measures and judges again).\n"
	"\n" CLI_PIPELINE_USAGE
	"  --each             fail when any commit in the range fails or is slower\n"
	"  --bisect           measure base and tip; bisect the middle when the tip is slower\n"
	"  --metric M         time (wall, the default), cpu (user + system time: steadier when\n"
	"                     other processes share this machine, not when the host's neighbours\n"
	"                     do) or instructions (cachegrind, the whole process tree)\n"
	"  --alpha X          the push's false-alarm rate: the chance that any slower or faster\n"
	"                     verdict of a push without change is given (default 0.05)\n"
	"  --fail-inconclusive  fail when a verdict is inconclusive (default: reported, passes)\n"
	"  --no-confirm       judge once, after the first rounds (quick; often inconclusive)\n"
	"  --json             the verdicts as JSON on stdout\n"
	"  --junit FILE       also write JUnit XML\n"
	"  --markdown FILE    also write a Markdown summary\n";

enum { OPT_EACH = CLI_NEXT, OPT_BISECT, OPT_METRIC, OPT_ALPHA, OPT_NO_CONFIRM, OPT_JSON, OPT_JUNIT,
       OPT_MARKDOWN, OPT_FAIL_INCONCLUSIVE };

int cmd_check(int argc, char **argv)
{
	struct option longopts[] = {
		CLI_PIPELINE_LONG_OPTIONS,
		{ "each", no_argument, NULL, OPT_EACH },
		{ "bisect", no_argument, NULL, OPT_BISECT },
		{ "metric", required_argument, NULL, OPT_METRIC },
		{ "alpha", required_argument, NULL, OPT_ALPHA },
		{ "no-confirm", no_argument, NULL, OPT_NO_CONFIRM },
		{ "fail-inconclusive", no_argument, NULL, OPT_FAIL_INCONCLUSIVE },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "junit", required_argument, NULL, OPT_JUNIT },
		{ "markdown", required_argument, NULL, OPT_MARKDOWN },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct pipeline_options po = PIPELINE_OPTIONS_INIT;
	struct check_options co = CHECK_OPTIONS_INIT;
	struct check_result res = CHECK_RESULT_INIT;
	struct pipeline *p = NULL;
	struct pw_error err = PW_ERROR_INIT;
	struct cli_progress pr;
	struct strbuf out = STRBUF_INIT;
	const char *junit = NULL, *markdown = NULL;
	int json = 0, c, code = CMD_ERROR;
	char *end;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		int r = cli_pipeline_option("check", c, optarg, &po);

		if (r < 0)
			return CMD_ERROR;
		if (r > 0)
			continue;
		switch (c) {
		case OPT_EACH:
			co.flags |= CHECK_EACH;
			break;
		case OPT_BISECT:
			co.flags |= CHECK_BISECT;
			break;
		case OPT_NO_CONFIRM:
			co.flags |= CHECK_NO_CONFIRM;
			break;
		case OPT_METRIC:
			if (!strcmp(optarg, "time") || !strcmp(optarg, "wall")) {
				co.metric = JUDGE_METRIC_TIME;
			} else if (!strcmp(optarg, "cpu")) {
				co.metric = JUDGE_METRIC_TIME;
				co.flags |= CHECK_CPU_TIME;
			} else if (!strcmp(optarg, "instructions")) {
				co.metric = JUDGE_METRIC_INSTRUCTIONS;
				po.flags |= PIPELINE_INSTRUCTIONS;
			} else {
				cmd_errorf("check", "--metric must be 'time', 'cpu' or 'instructions', got '%s'",
					   optarg);
				return CMD_ERROR;
			}
			break;
		case OPT_ALPHA:
			co.alpha = strtod(optarg, &end);
			if (*end || end == optarg || !(co.alpha > 0 && co.alpha < 0.5)) {
				cmd_errorf("check", "--alpha must be a number between 0 and 0.5, got '%s'",
					   optarg);
				return CMD_ERROR;
			}
			break;
		case OPT_FAIL_INCONCLUSIVE:
			co.flags |= CHECK_FAIL_INCONCLUSIVE;
			break;
		case OPT_JSON:
			json = 1;
			break;
		case OPT_JUNIT:
			junit = optarg;
			break;
		case OPT_MARKDOWN:
			markdown = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return CMD_OK;
		default:
			fputs(usage, stderr);
			return CMD_ERROR;
		}
	}
	if (optind != argc - 1) {
		cmd_errorf("check", "%s", optind == argc ? "which range? (e.g. 'origin/main..HEAD')"
							 : "give exactly one range");
		fputs(usage, stderr);
		return CMD_ERROR;
	}
	co.range = argv[optind];
	cli_progress_init(&pr, json);
	po.progress = cli_progress_line;
	po.progress_arg = &pr;
	if (pipeline_open(&p, &po, &err) < 0 || check_run(p, &co, &res, &err) < 0) {
		cli_progress_done(&pr);
		cmd_errorf("check", "%s", pw_error_message(&err));
		goto done;
	}
	cli_progress_done(&pr);
	if (json) {
		json_t *doc = report_check_json(&res);
		char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

		puts(text);
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
