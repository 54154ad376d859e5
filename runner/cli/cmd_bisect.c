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

static const char synopsis[] = "usage: perfwarden bisect [options] GOOD BAD\n"
                               "\n"
                               "Find the first commit after GOOD that is slower than GOOD.\n"
                               "\n";

static const char notes[] = "--json prints the culprit as JSON.\n";

int cmd_bisect(int argc, char **argv)
{
	struct cli_options o;
	struct check_options co = CHECK_OPTIONS_INIT;
	struct check_result res = CHECK_RESULT_INIT;
	struct pipeline *p = NULL;
	struct pw_error err = PW_ERROR_INIT;
	struct cli_progress pr;
	int code = CMD_ERROR;
	size_t i;

	cli_options_init(&o, "bisect", CLI_GROUP_MEASURE | CLI_GROUP_JSON);
	o.synopsis = synopsis;
	o.notes = notes;
	if (cli_next(&o, argc, argv) != CLI_END)
		return o.exit_code;
	if (argc - optind != 2)
		return cli_usage_error(&o, "give a good and a bad commit");
	cli_progress_init(&pr, o.json);
	o.po.progress = cli_progress_line;
	o.po.progress_arg = &pr;
	if (pipeline_open(&p, &o.po, &err) < 0 ||
	    check_bisect(p, argv[optind], argv[optind + 1], &co, &res, &err) < 0) {
		cli_progress_done(&pr);
		cmd_errorf("bisect", "%s", pw_error_message(&err));
		goto done;
	}
	cli_progress_done(&pr);
	if (o.json) {
		json_t *doc = report_check_json(&res);
		char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

		puts(text);
		free(text);
		json_decref(doc);
	} else if (!res.culprit[0]) {
		printf("no commit between %.10s and %.10s is slower than %.10s (%zu commits, %zu "
		       "built)\n",
		       res.base, res.tip, res.base, res.commits, res.builds);
	} else {
		printf("first slower commit: %s\n", res.culprit);
		for (i = 0; i < res.nentries; i++) {
			const struct check_entry *e = &res.entries[i];

			printf("  %s: %s %+.1f%% [%+.1f%%, %+.1f%%] p=%.3g against its parent "
			       "%.10s\n",
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
	/* what could not be stored: the answer stands, the exit code says it is incomplete */
	for (i = 0; i < res.nerrors; i++) {
		cmd_errorf("bisect", "%s", res.errors[i].message);
		code = CMD_ERROR;
	}
	check_result_release(&res);
	pipeline_free(p);
	pw_error_release(&err);
	return code;
}
