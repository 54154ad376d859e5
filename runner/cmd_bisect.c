/*
 * `perfwarden bisect [options] GOOD BAD`: find the first commit slower than
 * GOOD on the first-parent chain to BAD, building about log2(N) of the N
 * commits; commits that fail to build are skipped. Exit 0 when a culprit was
 * pinned, 1 when none was found, 2 when perfwarden could not search.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "cmd.h"
#include "report.h"

static const char usage[] = "usage: perfwarden bisect [options] GOOD BAD\n"
			    "\n"
			    "Find the first commit after GOOD that is slower than GOOD.\n"
			    "\n" CLI_PIPELINE_USAGE
			    "  --json             the culprit as JSON\n";

int cmd_bisect(int argc, char **argv)
{
	struct option longopts[] = {
		CLI_PIPELINE_LONG_OPTIONS,
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct pipeline_options po = PIPELINE_OPTIONS_INIT;
	struct check_options co = CHECK_OPTIONS_INIT;
	struct check_result res = CHECK_RESULT_INIT;
	struct pipeline *p = NULL;
	struct pw_error err = PW_ERROR_INIT;
	struct cli_progress pr;
	int json = 0, c, code = CMD_ERROR;
	size_t i;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		int r = cli_pipeline_option("bisect", c, optarg, &po);

		if (r < 0)
			return CMD_ERROR;
		if (r > 0)
			continue;
		if (c == 'j') {
			json = 1;
		} else if (c == 'h') {
			fputs(usage, stdout);
			return CMD_OK;
		} else {
			fputs(usage, stderr);
			return CMD_ERROR;
		}
	}
	if (argc - optind != 2) {
		cmd_errorf("bisect", "give a good and a bad commit");
		fputs(usage, stderr);
		return CMD_ERROR;
	}
	cli_progress_init(&pr, json);
	po.progress = cli_progress_line;
	po.progress_arg = &pr;
	if (pipeline_open(&p, &po, &err) < 0 ||
	    check_bisect(p, argv[optind], argv[optind + 1], &co, &res, &err) < 0) {
		cli_progress_done(&pr);
		cmd_errorf("bisect", "%s", pw_error_message(&err));
		goto done;
	}
	cli_progress_done(&pr);
	if (json) {
		json_t *doc = report_check_json(&res);
		char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

		puts(text);
		free(text);
		json_decref(doc);
	} else if (!res.culprit[0]) {
		printf("no commit between %.10s and %.10s is slower than %.10s (%zu commits, %zu built)\n",
		       res.base, res.tip, res.base, res.commits, res.builds);
	} else {
		printf("first slower commit: %s\n", res.culprit);
		for (i = 0; i < res.nentries; i++) {
			const struct check_entry *e = &res.entries[i];

			printf("  %s: %s %+.1f%% [%+.1f%%, %+.1f%%] p=%.3g against its parent %.10s\n",
			       e->benchmark ? e->benchmark : "-", verdict_name(e->verdict),
			       (e->ratio - 1) * 100, (e->ci_lo - 1) * 100, (e->ci_hi - 1) * 100,
			       e->p_value, e->baseline);
			if (e->subject)
				printf("  %s\n", e->subject);
		}
		printf("%zu commits searched, %zu built\n", res.commits, res.builds);
	}
	code = res.culprit[0] ? CMD_OK : CMD_FAIL;
done:
	check_result_release(&res);
	pipeline_free(p);
	pw_error_release(&err);
	return code;
}
