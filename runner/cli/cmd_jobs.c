/*
 * `perfwarden jobs [--state S] [--json]`: the job queue as a table (oldest
 * first) or as JSON with each job's commit statuses and whether they were
 * sent.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "cmd.h"
#include "config.h"
#include "jobs.h"

static const char synopsis[] =
        "usage: perfwarden jobs [--state queued|running|done|failed] [--json] [--limit N]\n"
        "\n"
        "List the job queue, oldest first.\n"
        "\n";

static const char own_help[] = "  --state S          only jobs in state S\n";

static const char help_notes[] = "--json gives every field and each job's notifications.\n";

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *job_json(const struct store_job *j, const struct store_notification *notes,
                        size_t nnotes)
{
	json_t *doc = json_object(), *arr = json_array();
	size_t i;

	json_object_set_new(doc, "id", json_integer(j->id));
	json_object_set_new(doc, "state", json_string(store_job_state_name(j->state)));
	json_object_set_new(doc, "repo", str_or_null(j->repo));
	json_object_set_new(doc, "repo_name", str_or_null(j->repo_name));
	json_object_set_new(doc, "forge", str_or_null(j->forge));
	json_object_set_new(doc, "base", str_or_null(j->base));
	json_object_set_new(doc, "base_ref", str_or_null(j->base_ref));
	json_object_set_new(doc, "tip", str_or_null(j->tip));
	json_object_set_new(doc, "ref", str_or_null(j->ref));
	json_object_set_new(doc, "delivery_id", str_or_null(j->delivery_id));
	json_object_set_new(doc, "attempts", json_integer(j->attempts));
	json_object_set_new(doc, "max_attempts", json_integer(j->max_attempts));
	json_object_set_new(doc, "lease_owner", str_or_null(j->lease_owner));
	json_object_set_new(doc, "lease_expires", str_or_null(j->lease_expires));
	json_object_set_new(doc, "worker", str_or_null(j->worker));
	json_object_set_new(doc, "exit_code",
	                    j->exit_code >= 0 ? json_integer(j->exit_code) : json_null());
	json_object_set_new(doc, "summary", str_or_null(j->summary));
	json_object_set_new(doc, "error", str_or_null(j->error));
	json_object_set_new(doc, "created_at", str_or_null(j->created_at));
	json_object_set_new(doc, "started_at", str_or_null(j->started_at));
	json_object_set_new(doc, "finished_at", str_or_null(j->finished_at));
	for (i = 0; i < nnotes; i++) {
		const struct store_notification *n = &notes[i];

		if (n->job_id != j->id)
			continue;
		json_array_append_new(
		        arr, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:i, s:o}",
		                       "forge", n->forge, "repo", n->repo_name, "sha", n->sha,
		                       "context", n->context, "state", n->state, "description",
		                       n->description, "target_url", str_or_null(n->target_url),
		                       "status", n->status, "attempts", n->attempts, "last_error",
		                       str_or_null(n->last_error)));
	}
	json_object_set_new(doc, "notifications", arr);
	return doc;
}

static void table(const struct store_job *jobs, size_t n)
{
	size_t i;

	printf("%-6s %-8s %-4s %-17s %-20s %s\n", "ID", "STATE", "TRY", "RANGE", "REF", "RESULT");
	for (i = 0; i < n; i++) {
		const struct store_job *j = &jobs[i];
		struct strbuf range = STRBUF_INIT, tries = STRBUF_INIT;
		const char *result = j->state == STORE_JOB_DONE ? j->summary : j->error;

		if (j->base && *j->base)
			strbuf_addf(&range, "%.7s..%.7s", j->base, j->tip);
		else
			strbuf_addf(&range, "%.7s", j->tip);
		strbuf_addf(&tries, "%d/%d", j->attempts, j->max_attempts);
		printf("%-6lld %-8s %-4s %-17s %-20s %s%s\n", (long long)j->id,
		       store_job_state_name(j->state), tries.buf, range.buf, j->ref ? j->ref : "-",
		       j->state == STORE_JOB_DONE && j->exit_code ? "FAIL " : "",
		       result ? result
		              : (j->state == STORE_JOB_RUNNING && j->lease_owner ? j->lease_owner
		                                                                 : ""));
		strbuf_release(&range);
		strbuf_release(&tries);
	}
}

enum { OPT_STATE = CLI_NEXT };

static const struct option own_options[] = {
        {"state", required_argument, NULL, OPT_STATE},
        {NULL, 0, NULL, 0},
};

int cmd_jobs(int argc, char **argv)
{
	struct cli_options o;
	struct config config;
	struct store s = STORE_INIT;
	struct pw_error err = PW_ERROR_INIT;
	struct store_job *jobs = NULL;
	struct store_notification *notes = NULL;
	size_t njobs = 0, nnotes = 0, i;
	enum store_job_state st;
	int c, state = -1, code = CMD_ERROR;

	cli_options_init(&o, "jobs",
	                 CLI_GROUP_JSON | CLI_GROUP_LIMIT | CLI_GROUP_CONFIG | CLI_GROUP_DATABASE);
	o.synopsis = synopsis;
	o.own_help = own_help;
	o.notes = help_notes;
	o.own = own_options;
	o.limit_min = 1;
	while ((c = cli_next(&o, argc, argv)) == OPT_STATE) {
		if (store_job_state_parse(optarg, &st, &err) < 0) {
			cmd_errorf("jobs", "%s", pw_error_message(&err));
			pw_error_release(&err);
			return CMD_ERROR;
		}
		state = (int)st;
	}
	if (c == CLI_EXIT)
		return o.exit_code;
	if (optind != argc) {
		cmd_errorf("jobs", "unexpected argument '%s'", argv[optind]);
		return CMD_ERROR;
	}
	config_init(&config);
	if (config_load(&config, o.config, &err) < 0 ||
	    store_open(&s, cli_database(&o, config.database), &err) < 0 ||
	    store_jobs_list(&s, state, o.limit, &jobs, &njobs, &err) < 0 ||
	    (o.json && store_notifications_list(&s, 0, &notes, &nnotes, &err) < 0)) {
		cmd_errorf("jobs", "%s", pw_error_message(&err));
		goto done;
	}
	if (o.json) {
		json_t *arr = json_array(), *doc;
		char *text;

		for (i = 0; i < njobs; i++)
			json_array_append_new(arr, job_json(&jobs[i], notes, nnotes));
		doc = json_pack("{s:o}", "jobs", arr);
		text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		puts(text);
		free(text);
		json_decref(doc);
	} else {
		table(jobs, njobs);
	}
	code = CMD_OK;
done:
	store_jobs_free(jobs, njobs);
	store_notifications_free(notes, nnotes);
	store_release(&s);
	config_release(&config);
	pw_error_release(&err);
	return code;
}
