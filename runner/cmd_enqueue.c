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
#include "cmd.h"
#include "config.h"
#include "jobs.h"

static const char usage[] =
        "usage: perfwarden enqueue [--repo DIR|URL] [--ref REF] [options] OLD..NEW | REV\n"
        "\n"
        "Queue the range for 'perfwarden worker' and print the job id. A single REV (or\n"
        "'..REV') judges that commit against its parent.\n"
        "\n"
        "  --repo DIR|URL     the repository (default: the current directory's)\n"
        "  --ref REF          the ref that was pushed (e.g. refs/heads/main)\n"
        "  --repo-name NAME   the forge's owner/name, for commit statuses (default: the\n"
        "                     config's [repository] whose location is the repository)\n"
        "  --delivery ID      an idempotency key: a second enqueue with it queues nothing\n"
        "  --attempts N       tries for infrastructure failures (default: the config's, 3)\n"
        "  --config FILE      the service config\n"
        "  --database CONN    PostgreSQL conninfo\n";

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

enum {
	OPT_REPO = 1000,
	OPT_REF,
	OPT_REPO_NAME,
	OPT_DELIVERY,
	OPT_ATTEMPTS,
	OPT_CONFIG,
	OPT_DATABASE
};

int cmd_enqueue(int argc, char **argv)
{
	struct option longopts[] = {
	        {"repo", required_argument, NULL, OPT_REPO},
	        {"ref", required_argument, NULL, OPT_REF},
	        {"repo-name", required_argument, NULL, OPT_REPO_NAME},
	        {"delivery", required_argument, NULL, OPT_DELIVERY},
	        {"attempts", required_argument, NULL, OPT_ATTEMPTS},
	        {"config", required_argument, NULL, OPT_CONFIG},
	        {"database", required_argument, NULL, OPT_DATABASE},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	struct store_job_request rq = {0};
	struct config config;
	struct store s = STORE_INIT;
	struct checkout_repo *repo = NULL;
	struct pw_error err = PW_ERROR_INIT;
	struct strbuf location = STRBUF_INIT, base = STRBUF_INIT, tip = STRBUF_INIT;
	const char *repo_arg = NULL, *config_path = NULL, *database = NULL, *range, *dots;
	const struct config_repository *cr;
	int64_t id = 0;
	int c, dup = 0, code = CMD_ERROR;
	char *end;

	config_init(&config);
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_REPO:
			repo_arg = optarg;
			break;
		case OPT_REF:
			rq.ref = optarg;
			break;
		case OPT_REPO_NAME:
			rq.repo_name = optarg;
			break;
		case OPT_DELIVERY:
			rq.delivery_id = optarg;
			break;
		case OPT_ATTEMPTS:
			rq.max_attempts = (int)strtol(optarg, &end, 10);
			if (*end || end == optarg || rq.max_attempts < 1 || rq.max_attempts > 100) {
				cmd_errorf("enqueue",
				           "--attempts must be a number from 1 to 100, got '%s'",
				           optarg);
				return CMD_ERROR;
			}
			break;
		case OPT_CONFIG:
			config_path = optarg;
			break;
		case OPT_DATABASE:
			database = optarg;
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
		cmd_errorf("enqueue", "%s",
		           optind == argc ? "which range? (e.g. 'OLD..NEW')"
		                          : "give exactly one range");
		fputs(usage, stderr);
		return CMD_ERROR;
	}
	range = argv[optind];
	if (strstr(range, "...")) {
		cmd_errorf("enqueue", "'%s': use OLD..NEW, not OLD...NEW", range);
		return CMD_ERROR;
	}
	if (config_load(&config, config_path, &err) < 0) {
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
	if (repo_arg && is_url(repo_arg)) {
		strbuf_addstr(&location, repo_arg);
	} else {
		char abs[PATH_MAX];

		if (checkout_repo_open(&repo, repo_arg, NULL, &err) < 0) {
			cmd_errorf("enqueue", "%s", pw_error_message(&err));
			goto done;
		}
		if (!realpath(repo_arg ? repo_arg : checkout_repo_path(repo), abs)) {
			cmd_errorf("enqueue", "could not resolve '%s'", repo_arg ? repo_arg : ".");
			goto done;
		}
		strbuf_addstr(&location, abs);
		{
			struct strbuf full = STRBUF_INIT;

			if (base.len) {
				if (resolve(repo, base.buf, &full) < 0) {
					strbuf_release(&full);
					goto done;
				}
				strbuf_reset(&base);
				strbuf_addstr(&base, full.buf);
				strbuf_reset(&full);
			}
			if (resolve(repo, tip.buf, &full) < 0) {
				strbuf_release(&full);
				goto done;
			}
			strbuf_reset(&tip);
			strbuf_addstr(&tip, full.buf);
			strbuf_release(&full);
		}
	}
	cr = config_repository_find(&config, rq.repo_name, location.buf);
	if (!rq.repo_name && cr)
		rq.repo_name = cr->name;
	if (!rq.max_attempts)
		rq.max_attempts = config.attempts;
	rq.repo = location.buf;
	rq.base = base.buf;
	rq.tip = tip.buf;
	if (store_open(&s, database ? database : config.database, &err) < 0 ||
	    store_job_enqueue(&s, &rq, &id, &dup, &err) < 0) {
		cmd_errorf("enqueue", "%s", pw_error_message(&err));
		goto done;
	}
	if (dup)
		fprintf(stderr, "perfwarden enqueue: delivery '%s' was already queued\n",
		        rq.delivery_id);
	printf("%lld\n", (long long)id);
	code = CMD_OK;
done:
	checkout_repo_free(repo);
	store_release(&s);
	config_release(&config);
	pw_error_release(&err);
	strbuf_release(&location);
	strbuf_release(&base);
	strbuf_release(&tip);
	return code;
}
