/*
 * `perfwarden run [options] REV...`: measure commits and show what was
 * measured. Each REV is a commit, a ref, or a range A..B (first parent,
 * oldest first). Exit 0 when every benchmark ran and verified, 1 when one
 * failed (wrong output, crash, timeout, build failure, bad spec), 2 when
 * perfwarden could not do the work.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "proc.h"
#include "report.h"

static const char synopsis[] = "usage: perfwarden run [options] [REV | A..B]...\n"
                               "\n"
                               "Check out, build, measure and verify each commit (default: HEAD).\n"
                               "\n";

static const char notes[] = "--json prints one document with every sample.\n";

int cmd_run(int argc, char **argv)
{
	struct cli_options o;
	struct checkout_list list = CHECKOUT_LIST_INIT;
	struct pipeline_commit *pcs = NULL;
	struct pipeline *p = NULL;
	struct pw_error err = PW_ERROR_INIT;
	struct cli_progress pr;
	struct strbuf out = STRBUF_INIT;
	int i, code = CMD_ERROR;
	size_t k, failed = 0;

	cli_options_init(&o, "run", CLI_GROUP_MEASURE | CLI_GROUP_JSON);
	o.synopsis = synopsis;
	o.notes = notes;
	if (cli_next(&o, argc, argv) != CLI_END)
		return o.exit_code;
	cli_progress_init(&pr, o.json);
	o.po.progress = cli_progress_line;
	o.po.progress_arg = &pr;
	if (pipeline_open(&p, &o.po, &err) < 0) {
		cmd_errorf("run", "%s", pw_error_message(&err));
		goto done;
	}
	for (i = optind; i < argc || (i == optind && optind == argc); i++) {
		const char *rev = i < argc ? argv[i] : "HEAD";

		if (checkout_resolve(pipeline_repo(p), rev, &list, &err) < 0) {
			cmd_errorf("run", "%s", pw_error_message(&err));
			goto done;
		}
	}
	pcs = calloc(list.ncommits ? list.ncommits : 1, sizeof(*pcs));
	if (!pcs)
		abort();
	for (k = 0; k < list.ncommits; k++) {
		pcs[k] = (struct pipeline_commit)PIPELINE_COMMIT_INIT;
		pipeline_progress_position(p, k + 1, list.ncommits);
		if (pipeline_measure(p, list.commits[k].hash, &pcs[k], &err) < 0) {
			cli_progress_done(&pr);
			cmd_errorf("run", "%s: %s", list.commits[k].short_hash,
			           pw_error_message(&err));
			goto done;
		}
	}
	cli_progress_done(&pr);
	for (k = 0; k < list.ncommits; k++) {
		size_t b;

		if (verdict_is_failure(pcs[k].status) || pcs[k].status == VERDICT_NO_SPEC)
			failed++;
		for (b = 0; b < pcs[k].nbenches; b++)
			if (verdict_is_failure(pcs[k].benches[b].verdict))
				failed++;
	}
	if (o.json) {
		json_t *doc = report_run_json(pcs, list.ncommits, pipeline_environment(p),
		                              pipeline_fingerprint(p));
		char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

		puts(text);
		free(text);
		json_decref(doc);
	} else {
		const char *why = NULL;

		report_run_table(pcs, list.ncommits, &out);
		fputs(strbuf_str(&out), stdout);
		if (!proc_counters_available(&why))
			printf("\nhardware counters: not available on this machine (%s); stored as "
			       "absent\n",
			       why ? why : "unknown reason");
	}
	code = failed ? CMD_FAIL : CMD_OK;
done:
	if (pcs)
		for (k = 0; k < list.ncommits; k++)
			pipeline_commit_release(&pcs[k]);
	free(pcs);
	checkout_list_release(&list);
	pipeline_free(p);
	pw_error_release(&err);
	strbuf_release(&out);
	return code;
}
