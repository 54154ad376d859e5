/*
 * `perfwarden enqueue [--repo DIR|URL] [--ref REF] OLD..NEW`: put one range
 * in the job queue for the workers (what ci/hooks/post-receive runs on a
 * push). Revisions of a local repository are resolved to full hashes now,
 * so a branch that moves on does not change the job. Prints the job id.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkout.h"
#include "cli.h"
#include "cmd.h"
#include "config.h"
#include "jobs.h"

static const char synopsis[] =
        "usage: perfwarden enqueue [--repo DIR|URL] [--ref REF] [options] OLD..NEW | REV\n"
        "\n"
        "Queue the range for 'perfwarden worker' and print the job id. A single REV (or\n"
        "'..REV') judges that commit against its parent.\n"
        "\n";

static const char own_help[] =
        "  --ref REF          the ref that was pushed (e.g. refs/heads/main)\n"
        "  --repo-name NAME   the forge's owner/name, for commit statuses (default: the\n"
        "                     config's [repository] whose location is the repository)\n"
        "  --delivery ID      an idempotency key: a second enqueue with it queues nothing\n"
        "  --attempts N       tries for infrastructure failures (default: the config's, 3)\n";

static int is_url(const char *where)
{
	const char *colon = strchr(where, ':');

	return strstr(where, "://") || (colon && strchr(where, '@') && strchr(where, '@') < colon);
}

/* The full hash of `rev` in `repo` into `out`, or the error printed. */
static int resolve(struct checkout_repo *repo, const char *rev, struct strbuf *out)
{
	struct checkout_commit c = CHECKOUT_COMMIT_INIT;
	struct pw_error err = PW_ERROR_INIT;
	int ret = checkout_commit_lookup(repo, rev, &c, &err);

	if (ret < 0)
		cmd_errorf("enqueue", "%s", pw_error_message(&err));
	else
		strbuf_addstr(out, c.hash);
	checkout_commit_release(&c);
	pw_error_release(&err);
	return ret;
}

enum { OPT_REF = CLI_NEXT, OPT_REPO_NAME, OPT_DELIVERY, OPT_ATTEMPTS };

static const struct option own_options[] = {
        {"ref", required_argument, NULL, OPT_REF},
        {"repo-name", required_argument, NULL, OPT_REPO_NAME},
        {"delivery", required_argument, NULL, OPT_DELIVERY},
        {"attempts", required_argument, NULL, OPT_ATTEMPTS},
        {NULL, 0, NULL, 0},
};

/*
 * The command line into `o` and `rq`, and the range into `range`; -1: exit
 * with o->exit_code.
 */
static int parse_options(int argc, char **argv, struct cli_options *o, struct store_job_request *rq,
                         const char **range)
{
	long long v;
	int c;

	cli_options_init(o, "enqueue", CLI_GROUP_REPO | CLI_GROUP_CONFIG | CLI_GROUP_DATABASE);
	o->synopsis = synopsis;
	o->own_help = own_help;
	o->own = own_options;
	while ((c = cli_next(o, argc, argv)) > 0) {
		switch (c) {
		case OPT_REF:
			rq->ref = optarg;
			break;
		case OPT_REPO_NAME:
			rq->repo_name = optarg;
			break;
		case OPT_DELIVERY:
			rq->delivery_id = optarg;
			break;
		case OPT_ATTEMPTS:
			if (cli_number(o, "--attempts", optarg, 1, 100, &v) < 0)
				return -1;
			rq->max_attempts = (int)v;
			break;
		}
	}
	if (c == CLI_EXIT)
		return -1;
	if (optind != argc - 1) {
		o->exit_code = cli_usage_error(o, "%s",
		                               optind == argc ? "which range? (e.g. 'OLD..NEW')"
		                                              : "give exactly one range");
		return -1;
	}
	*range = argv[optind];
	if (strstr(*range, "...")) {
		cmd_errorf("enqueue", "'%s': use OLD..NEW, not OLD...NEW", *range);
		return -1;
	}
	return 0;
}

/* Replace the revisions in `base` (when given) and `tip` by their full hashes in `repo`. */
static int resolve_range(struct checkout_repo *repo, struct strbuf *base, struct strbuf *tip)
{
	struct strbuf full = STRBUF_INIT;
	int ret = 0;

	if (base->len) {
		if ((ret = resolve(repo, base->buf, &full)) < 0)
			goto done;
		strbuf_reset(base);
		strbuf_addstr(base, full.buf);
		strbuf_reset(&full);
	}
	if ((ret = resolve(repo, tip->buf, &full)) < 0)
		goto done;
	strbuf_reset(tip);
	strbuf_addstr(tip, full.buf);
done:
	strbuf_release(&full);
	return ret;
}

/* Queue the job `rq` names (its repository, base and tip set) and print its id. */
static int queue_job(const struct cli_options *o, const struct config *config,
                     struct store_job_request *rq)
{
	const struct config_repository *cr;
	struct store s = STORE_INIT;
	struct pw_error err = PW_ERROR_INIT;
	int64_t id = 0;
	int dup = 0, code = CMD_ERROR;

	cr = config_repository_find(config, rq->repo_name, rq->repo);
	if (!rq->repo_name && cr)
		rq->repo_name = cr->name;
	if (!rq->max_attempts)
		rq->max_attempts = config->attempts;
	if (store_open(&s, cli_database(o, config->database), &err) < 0 ||
	    store_job_enqueue(&s, rq, &id, &dup, &err) < 0) {
		cmd_errorf("enqueue", "%s", pw_error_message(&err));
		goto done;
	}
	if (dup)
		fprintf(stderr, "perfwarden enqueue: delivery '%s' was already queued\n",
		        rq->delivery_id);
	printf("%lld\n", (long long)id);
	code = CMD_OK;
done:
	store_release(&s);
	pw_error_release(&err);
	return code;
}

int cmd_enqueue(int argc, char **argv)
{
	struct cli_options o;
	struct store_job_request rq = {0};
	struct config config;
	struct checkout_repo *repo = NULL;
	struct pw_error err = PW_ERROR_INIT;
	struct strbuf location = STRBUF_INIT, base = STRBUF_INIT, tip = STRBUF_INIT;
	const char *repo_arg, *range, *dots;
	int code = CMD_ERROR;

	if (parse_options(argc, argv, &o, &rq, &range) < 0)
		return o.exit_code;
	repo_arg = o.repo;
	config_init(&config);
	if (config_load(&config, o.config, &err) < 0) {
		cmd_errorf("enqueue", "%s", pw_error_message(&err));
		goto done;
	}
	dots = strstr(range, "..");
	if (dots) {
		strbuf_add(&base, range, (size_t)(dots - range));
		strbuf_addstr(&tip, dots + 2);
	} else {
		strbuf_addstr(&tip, range);
	}
	if (!tip.len) {
		cmd_errorf("enqueue", "'%s' has no NEW revision", range);
		goto done;
	}
	if (!(repo_arg && is_url(repo_arg))) {
		if (checkout_repo_open(&repo, repo_arg, NULL, &err) < 0) {
			cmd_errorf("enqueue", "%s", pw_error_message(&err));
			goto done;
		}
		if (resolve_range(repo, &base, &tip) < 0)
			goto done;
	}
	if (checkout_repo_key(&location, repo_arg, &err) < 0) {
		cmd_errorf("enqueue", "%s", pw_error_message(&err));
		goto done;
	}
	rq.repo = location.buf;
	rq.base = base.buf;
	rq.tip = tip.buf;
	code = queue_job(&o, &config, &rq);
done:
	checkout_repo_free(repo);
	config_release(&config);
	pw_error_release(&err);
	strbuf_release(&location);
	strbuf_release(&base);
	strbuf_release(&tip);
	return code;
}
