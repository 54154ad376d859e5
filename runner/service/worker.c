/*
 * The worker of the CI service: LISTEN for jobs, claim one under a lease
 * (renewed by a heartbeat thread on its own connection), judge its range
 * with runner/judge/check exactly as `perfwarden check` would, then record the
 * verdict together with the commit statuses it owes in one transaction and
 * send those through runner/notify. A status that cannot be sent stays in
 * the store for `perfwarden notify --retry`.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "checkout.h"
#include "intake.h"
#include "notify.h"
#include "paths.h"
#include "report.h"
#include "worker.h"

#define WORKER_SLOTS      64
#define WORKER_DB_RETRY_S 2

struct heartbeat {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cond;
	int running;
	int stop;
	int lost;
	struct store *store;
	int64_t job_id;
	const char *owner;
	int lease_s;
};

struct worker {
	const struct worker_options *opts;
	const struct config *config;
	struct store store;
	struct store hb_store;
	struct strbuf conninfo;
	struct strbuf owner;
	struct strbuf slotdir;
	int slot_fd;
	int lease_s;
};

__attribute__((format(printf, 2, 3))) static void wlog(const struct worker_options *o,
                                                       const char *fmt, ...)
{
	struct strbuf line = STRBUF_INIT;
	va_list ap;

	if (!o->log)
		return;
	va_start(ap, fmt);
	strbuf_vaddf(&line, fmt, ap);
	va_end(ap);
	o->log(o->log_arg, line.buf);
	strbuf_release(&line);
}

static const char *const note_state_names[] = {"pending", "running", "success", "warning",
                                               "failure", "error",   "canceled"};

static const char *note_state_name(enum notify_state st)
{
	return note_state_names[st];
}

static enum notify_state note_state_parse(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(note_state_names) / sizeof(note_state_names[0]); i++)
		if (name && !strcmp(name, note_state_names[i]))
			return (enum notify_state)i;
	return NOTIFY_ERROR;
}

/* ---- the heartbeat: renew the lease while the job runs ---- */

static void *heartbeat_main(void *arg)
{
	struct heartbeat *hb = arg;
	struct pw_error err = PW_ERROR_INIT;
	long interval_ms = hb->lease_s * 1000L / 3;

	if (interval_ms < 200)
		interval_ms = 200;
	pthread_mutex_lock(&hb->mu);
	while (!hb->stop) {
		struct timespec until;
		int held = 1;

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += interval_ms / 1000;
		until.tv_nsec += (interval_ms % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		if (pthread_cond_timedwait(&hb->cond, &hb->mu, &until) != ETIMEDOUT || hb->stop)
			continue;
		pthread_mutex_unlock(&hb->mu);
		if (store_job_renew(hb->store, hb->job_id, hb->owner, hb->lease_s, &held, &err) <
		    0) {
			/* a database hiccup: try again at the next beat */
			store_reconnect(hb->store, 2, NULL);
			held = 1;
		}
		pthread_mutex_lock(&hb->mu);
		if (!held)
			hb->lost = 1;
	}
	pthread_mutex_unlock(&hb->mu);
	pw_error_release(&err);
	return NULL;
}

static void heartbeat_start(struct heartbeat *hb, struct store *s, int64_t job_id,
                            const char *owner, int lease_s)
{
	memset(hb, 0, sizeof(*hb));
	pthread_mutex_init(&hb->mu, NULL);
	pthread_cond_init(&hb->cond, NULL);
	hb->store = s;
	hb->job_id = job_id;
	hb->owner = owner;
	hb->lease_s = lease_s;
	hb->running = pthread_create(&hb->thread, NULL, heartbeat_main, hb) == 0;
}

/* Stop the heartbeat; returns 1 when it saw the lease lost. */
static int heartbeat_stop(struct heartbeat *hb)
{
	int lost;

	pthread_mutex_lock(&hb->mu);
	hb->stop = 1;
	pthread_cond_signal(&hb->cond);
	pthread_mutex_unlock(&hb->mu);
	if (hb->running)
		pthread_join(hb->thread, NULL);
	lost = hb->lost;
	pthread_mutex_destroy(&hb->mu);
	pthread_cond_destroy(&hb->cond);
	return lost;
}

/* ---- what a finished job owes ---- */

/* One planned notification; owns its strings. */
struct plan_note {
	const char *forge; /* static or borrowed from the config/job */
	const char *repo_name;
	struct strbuf sha;
	struct strbuf context;
	enum notify_state state;
	struct strbuf description;
	struct strbuf target_url;
};

struct plan {
	struct plan_note *notes;
	size_t n;
};

static struct plan_note *plan_add(struct plan *p)
{
	struct plan_note *note;

	p->notes = realloc(p->notes, (p->n + 1) * sizeof(*p->notes));
	if (!p->notes)
		abort();
	note = &p->notes[p->n++];
	memset(note, 0, sizeof(*note));
	return note;
}

static void plan_release(struct plan *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		strbuf_release(&p->notes[i].sha);
		strbuf_release(&p->notes[i].context);
		strbuf_release(&p->notes[i].description);
		strbuf_release(&p->notes[i].target_url);
	}
	free(p->notes);
	p->notes = NULL;
	p->n = 0;
}

/* "cells: 2 of 4 compared differ" in a wrong-output report → 2; -1 when absent. */
static long cells_differing(const char *report)
{
	const char *at = report ? strstr(report, "cells: ") : NULL;
	long n;

	if (at && sscanf(at + 7, "%ld of", &n) == 1)
		return n;
	return -1;
}

/*
 * One line for a verdict. An inconclusive one says how many rounds it took
 * and whether it passes, and what size of change the rounds could resolve
 * when that is known (`resolvable`, NaN: not known).
 */
/*
 * Where a slowdown of `series` at `sha` went, from check's explanation of it:
 * its headline without Markdown's backticks ("hypot() (from cabs() in main())
 * +74.6% of instructions: julia.c:28 ..."); nothing when it was not explained.
 */
static void explanation_of(const struct check_result *res, const char *sha, const char *series,
                           struct strbuf *out)
{
	size_t i, k, len;

	if (!series || !sha)
		return;
	len = strcspn(series, "/");
	for (i = 0; i < res->nexplanations; i++) {
		const struct check_explanation *x = &res->explanations[i];
		struct strbuf head = STRBUF_INIT;

		if (x->error || strcmp(x->commit, sha) || strlen(x->benchmark) != len ||
		    strncmp(x->benchmark, series, len))
			continue;
		explain_headline(&x->result, &head);
		for (k = 0; k < head.len; k++)
			if (head.buf[k] != '`')
				strbuf_addch(out, head.buf[k]);
		strbuf_release(&head);
		return;
	}
}

static void describe(struct strbuf *out, const struct check_result *res, const char *benchmark,
                     enum verdict v, double ratio, double p_value, size_t rounds, double resolvable,
                     const char *message, const char *why)
{
	struct strbuf text = STRBUF_INIT;

	if (notify_describe(&text, benchmark, verdict_name(v), ratio, p_value,
	                    v == VERDICT_WRONG_OUTPUT ? cells_differing(message) : -1, NULL) < 0)
		strbuf_addstr(&text, verdict_name(v));
	if (v == VERDICT_INCONCLUSIVE) {
		if (rounds)
			strbuf_addf(&text, ", %zu rounds", rounds);
		if (isfinite(resolvable) && resolvable > 0)
			strbuf_addf(&text, ", resolves only %.2g%%", resolvable * 100);
		strbuf_addstr(&text, res->flags & CHECK_FAIL_INCONCLUSIVE
		                             ? " (fails: fail-inconclusive)"
		                             : " (not ok, passes)");
	}
	if (why && *why)
		strbuf_addf(&text, ": %s", why);
	notify_truncate(out, strbuf_str(&text), NOTIFY_DESCRIPTION_MAX);
	strbuf_release(&text);
}

/* The status of a verdict: an inconclusive one fails only when the check was told to fail it. */
static enum notify_state state_of(const struct check_result *res, enum verdict v)
{
	if (v == VERDICT_INCONCLUSIVE && (res->flags & CHECK_FAIL_INCONCLUSIVE))
		return NOTIFY_FAILURE;
	return notify_state_for_verdict(verdict_name(v));
}

static void target_url(struct strbuf *out, const struct config *c, const char *sha)
{
	size_t len;

	if (!c->public_url || !*c->public_url)
		return;
	strbuf_addstr(out, c->public_url);
	len = out->len;
	while (len && out->buf[len - 1] == '/')
		len--;
	strbuf_setlen(out, len);
	strbuf_addf(out, "/commit/%s", sha);
}

/*
 * A status per series: its context is the benchmark or harness case
 * (`context`), its description names the series (`label`: "grid (memory)").
 */
static void plan_status(struct plan *p, const struct config *c, const struct check_result *res,
                        const char *forge, const char *repo_name, const char *sha,
                        const char *context, const char *label, enum verdict v, double ratio,
                        double p_value, size_t rounds, double resolvable, const char *message)
{
	struct plan_note *note = plan_add(p);
	struct strbuf why = STRBUF_INIT;

	note->forge = forge;
	note->repo_name = repo_name;
	strbuf_addstr(&note->sha, sha);
	strbuf_addstr(&note->context, context ? context : "build");
	note->state = state_of(res, v);
	if (v == VERDICT_SLOWER)
		explanation_of(res, sha, context, &why);
	describe(&note->description, res, label, v, ratio, p_value, rounds, resolvable, message,
	         strbuf_str(&why));
	strbuf_release(&why);
	target_url(&note->target_url, c, sha);
}

/* How much a verdict weighs on the gate: a failure, a slowdown, an inconclusive that fails. */
static int severity(const struct check_result *res, enum verdict v)
{
	if (verdict_is_failure(v))
		return 3;
	if (v == VERDICT_SLOWER)
		return 2;
	if (v == VERDICT_INCONCLUSIVE)
		return res->flags & CHECK_FAIL_INCONCLUSIVE ? 2 : 1;
	return 0;
}

/* The series i of a list: its benchmark (NULL: none, or not one to weigh), metric and verdict. */
typedef void (*series_nth)(const struct check_result *res, const void *arg, size_t i,
                           const char **bench, const char **metric, enum verdict *v);

/*
 * Whether series i is folded into a sibling: a benchmark's peak memory and
 * its time share one status (the benchmark's), which says the one that
 * weighs more — memory only when it weighs more than time.
 */
static int folded(const struct check_result *res, size_t n, series_nth nth, const void *arg,
                  size_t i)
{
	const char *b, *m, *ob, *om;
	enum verdict v, ov;
	size_t k;

	nth(res, arg, i, &b, &m, &v);
	if (!b || !m)
		return 0;
	for (k = 0; k < n; k++) {
		if (k == i)
			continue;
		nth(res, arg, k, &ob, &om, &ov);
		if (!ob || !om || strcmp(ob, b) || !strcmp(om, m))
			continue;
		if (!strcmp(m, "memory") && severity(res, ov) >= severity(res, v))
			return 1;
		if (!strcmp(om, "memory") && severity(res, ov) > severity(res, v))
			return 1;
	}
	return 0;
}

static void nth_net(const struct check_result *res, const void *arg, size_t i, const char **b,
                    const char **m, enum verdict *v)
{
	(void)arg;
	*b = res->net[i].benchmark;
	*m = res->net[i].metric;
	*v = res->net[i].verdict;
}

/* The entries of commit `arg` (its hash); other commits' are no siblings. */
static void nth_entry(const struct check_result *res, const void *arg, size_t i, const char **b,
                      const char **m, enum verdict *v)
{
	const struct check_entry *e = &res->entries[i];
	int mine = !strcmp(e->hash, (const char *)arg);

	*b = mine ? e->benchmark : NULL;
	*m = mine ? e->metric : NULL;
	*v = e->verdict;
}

/*
 * The summary line of a job (its net verdicts) and the statuses it owes:
 * one per benchmark on the tip (the net effect of the push), with
 * `each` one per benchmark on every other judged commit, and one line to
 * the generic webhook when one is configured.
 */
static void plan_job(const struct config *c, const struct store_job *job,
                     const struct check_result *res, struct strbuf *summary, struct plan *p)
{
	const struct config_repository *cr = config_repository_find(c, job->repo_name, job->repo);
	const char *forge = cr && cr->forge ? cr->forge : job->forge;
	const char *repo_name = job->repo_name ? job->repo_name : cr ? cr->name : NULL;
	const char *tip = res->tip[0] ? res->tip : job->tip;
	size_t i;

	struct strbuf label = STRBUF_INIT;

	/* a status per benchmark and per harness case; memory shares its benchmark's */
	for (i = 0; i < res->nnet; i++) {
		const struct check_net *net = &res->net[i];

		if (folded(res, res->nnet, nth_net, NULL, i))
			continue;
		if (summary->len)
			strbuf_addstr(summary, "; ");
		strbuf_reset(&label);
		if (net->benchmark)
			report_series_label(net->benchmark, net->metric, &label);
		describe(summary, res, net->benchmark ? label.buf : NULL, net->verdict, net->ratio,
		         net->p_value, net->rounds, NAN, net->message, NULL);
	}
	if (!res->nnet)
		strbuf_addstr(summary, "nothing to judge");
	if (forge && repo_name) {
		for (i = 0; i < res->nnet; i++) {
			if (folded(res, res->nnet, nth_net, NULL, i))
				continue;
			strbuf_reset(&label);
			if (res->net[i].benchmark)
				report_series_label(res->net[i].benchmark, res->net[i].metric,
				                    &label);
			plan_status(p, c, res, forge, repo_name, tip, res->net[i].benchmark,
			            res->net[i].benchmark ? label.buf : NULL, res->net[i].verdict,
			            res->net[i].ratio, res->net[i].p_value, res->net[i].rounds, NAN,
			            res->net[i].message);
		}
		for (i = 0; c->each && i < res->nentries; i++) {
			const struct check_entry *e = &res->entries[i];

			if (e->is_base || !e->measured || !strcmp(e->hash, tip) ||
			    folded(res, res->nentries, nth_entry, e->hash, i))
				continue;
			strbuf_reset(&label);
			if (e->benchmark)
				report_series_label(e->benchmark, e->metric, &label);
			plan_status(p, c, res, forge, repo_name, e->hash, e->benchmark,
			            e->benchmark ? label.buf : NULL, e->verdict, e->ratio,
			            e->p_value, e->rounds, e->resolvable, e->message);
		}
	}
	strbuf_release(&label);
	if (c->webhook_url && *c->webhook_url) {
		struct plan_note *note = plan_add(p);
		int failed = check_exit_code(res) != 0;

		note->forge = "webhook";
		note->repo_name = repo_name ? repo_name : job->repo;
		strbuf_addstr(&note->sha, tip);
		strbuf_addstr(&note->context, "summary");
		note->state = failed ? NOTIFY_FAILURE : NOTIFY_SUCCESS;
		strbuf_addf(&note->description, "perfwarden %s: %s %s %.12s: %s",
		            failed ? "FAILED" : "passed", note->repo_name, job->ref ? job->ref : "",
		            tip, summary->buf);
		target_url(&note->target_url, c, tip);
		if (note->target_url.len)
			strbuf_addf(&note->description, " (%s)", note->target_url.buf);
	}
}

/* ---- sending ---- */

static int send_one(const struct config *c, const struct store_notification *note,
                    struct notify_result *res, struct pw_error *err)
{
	struct notify n = NOTIFY_INIT;
	struct notify_status st;
	enum notify_forge forge;
	const struct config_repository *cr;
	int ret;

	res->http_status = 0;
	res->attempts = 0;
	if ((ret = notify_forge_parse(note->forge, &forge, err)) < 0)
		return ret;
	if (forge == NOTIFY_WEBHOOK) {
		if (!c->webhook_url || !*c->webhook_url)
			return pw_error_set(err, PW_EINVALID,
			                    "no webhook configured ([notify] webhook)");
		ret = notify_init(&n, NOTIFY_WEBHOOK, c->webhook_url, NULL, err);
	} else {
		cr = config_repository_find(c, note->repo_name, NULL);
		if (!config_api_url(cr, note->forge)) {
			ret = pw_error_set(err, PW_EINVALID,
			                   "no API URL for '%s' ([repository \"%s\"] api)",
			                   note->repo_name, note->repo_name);
			goto done;
		}
		if (!config_token(cr, note->forge)) {
			ret = pw_error_set(err, PW_EINVALID,
			                   "no %s token for '%s' ([repository \"%s\"] token, or "
			                   "$PERFWARDEN_%s_TOKEN)",
			                   note->forge, note->repo_name, note->repo_name,
			                   forge == NOTIFY_GITHUB  ? "GITHUB"
			                   : forge == NOTIFY_GITEA ? "GITEA"
			                                           : "GITLAB");
			goto done;
		}
		ret = notify_init(&n, forge, config_api_url(cr, note->forge),
		                  config_token(cr, note->forge), err);
	}
	if (ret < 0)
		goto done;
	n.timeout_ms = c->notify_timeout_ms;
	n.max_attempts = c->notify_attempts;
	if (forge == NOTIFY_WEBHOOK) {
		ret = notify_post_text(&n, note->description, res, err);
	} else {
		st.repo = note->repo_name;
		st.sha = note->sha;
		st.state = note_state_parse(note->state);
		st.context = note->context;
		st.description = note->description;
		st.target_url = note->target_url;
		ret = notify_post_status(&n, &st, res, err);
	}
done:
	notify_release(&n);
	return ret;
}

int worker_send_notifications(struct store *s, const struct config *config, int64_t job_id,
                              void (*log)(void *arg, const char *line), void *log_arg, size_t *sent,
                              size_t *failed, struct pw_error *err)
{
	struct store_notification *notes = NULL;
	struct strbuf line = STRBUF_INIT;
	size_t n = 0, i, nsent = 0, nfailed = 0;
	int ret;

	if ((ret = store_notifications_unsent(s, job_id, &notes, &n, err)) < 0)
		goto done;
	for (i = 0; i < n; i++) {
		struct pw_error serr = PW_ERROR_INIT;
		struct notify_result res = {0, 0};
		int ok = send_one(config, &notes[i], &res, &serr) == 0;

		ret = store_notification_mark(s, notes[i].id, ok, res.http_status,
		                              ok ? NULL : pw_error_message(&serr), err);
		strbuf_reset(&line);
		if (ok)
			strbuf_addf(&line, "job %lld: %s status '%s' for %.12s sent to %s (%s)",
			            (long long)notes[i].job_id, notes[i].context, notes[i].state,
			            notes[i].sha, notes[i].forge, notes[i].repo_name);
		else
			strbuf_addf(&line, "job %lld: %s status for %.12s not sent: %s",
			            (long long)notes[i].job_id, notes[i].context, notes[i].sha,
			            pw_error_message(&serr));
		if (log)
			log(log_arg, line.buf);
		pw_error_release(&serr);
		if (ok)
			nsent++;
		else
			nfailed++;
		if (ret < 0)
			goto done;
	}
done:
	if (sent)
		*sent = nsent;
	if (failed)
		*failed = nfailed;
	store_notifications_free(notes, n);
	strbuf_release(&line);
	return ret;
}

/* ---- one job ---- */

/*
 * Whether a job's repository may be measured, before anything is cloned:
 * a webhook's job must be allowed by the config (as intake checked when it
 * was queued: the config may have changed since), and a local repository
 * must be one. PW_EINVALID (permanent) with the reason when not.
 */
static int job_repository_ok(struct worker *w, const struct store_job *job, struct pw_error *err)
{
	struct strbuf why = STRBUF_INIT, path = STRBUF_INIT;
	struct checkout_repo *repo = NULL;
	const char *colon, *slash;
	int ret = 0;

	if (job->forge && !config_repository_allowed(w->config, job->repo, &why)) {
		ret = pw_error_set(err, PW_EINVALID, "%s", why.buf);
		goto done;
	}
	intake_location_from_url(job->repo, &path);
	colon = strchr(path.buf, ':');
	slash = strchr(path.buf, '/');
	if (strstr(path.buf, "://") || (colon && (!slash || colon < slash)))
		goto done; /* a URL, or scp-like host:path: the clone will tell */
	ret = checkout_repo_open_local(&repo, path.buf, err);
	if (ret == PW_ENOTFOUND) {
		ret = PW_EINVALID; /* its message: "not a git repository: '...'" */
	} else {
		ret = 0; /* anything else is for the pipeline to find and retry */
		pw_error_clear(err);
	}
done:
	checkout_repo_free(repo);
	strbuf_release(&why);
	strbuf_release(&path);
	return ret;
}

/*
 * A new branch's base: the merge base of job->base_ref and the tip into
 * `base` ("" when the tip is judged alone: it is on that branch, or they
 * share no history, or the branch does not exist yet). PW_ENOTFOUND when the
 * tip is not in the repository.
 */
static int job_resolve_base(struct pipeline *p, const struct store_job *job,
                            char base[CHECKOUT_HASH_HEX + 1], struct pw_error *err)
{
	struct checkout_repo *repo = pipeline_repo(p);
	struct checkout_commit tip = CHECKOUT_COMMIT_INIT;
	int ret;

	base[0] = '\0';
	if ((ret = checkout_commit_lookup(repo, job->tip, &tip, err)) < 0)
		goto done;
	ret = checkout_merge_base(repo, job->base_ref, tip.hash, base, NULL);
	if (ret < 0 || !strcmp(base, tip.hash))
		base[0] = '\0';
	ret = 0;
done:
	checkout_commit_release(&tip);
	return ret;
}

static int process_job(struct worker *w, struct store_job *job, struct pw_error *err)
{
	const struct worker_options *o = w->opts;
	struct pipeline_options po = o->po;
	struct check_options co = CHECK_OPTIONS_INIT;
	struct check_result res = CHECK_RESULT_INIT;
	struct pipeline *p = NULL;
	struct pw_error jerr = PW_ERROR_INIT;
	struct strbuf range = STRBUF_INIT, summary = STRBUF_INIT, shown = STRBUF_INIT;
	struct plan plan = {NULL, 0};
	struct store_notification_request *reqs = NULL;
	struct heartbeat hb;
	json_t *doc = NULL;
	char *result_text = NULL;
	enum store_job_state left = STORE_JOB_FAILED;
	int ret = 0, jret, held = 0, lost;
	size_t i;

	if (job->base && *job->base)
		strbuf_addf(&range, "%s..%s", job->base, job->tip);
	else
		strbuf_addstr(&range, job->tip);
	if (strstr(job->repo, "://"))
		notify_redact_url(&shown, job->repo, 0); /* no credentials in the log */
	else
		strbuf_addstr(&shown, job->repo);
	wlog(o, "job %lld: claimed (attempt %d of %d): %s %s", (long long)job->id, job->attempts,
	     job->max_attempts, shown.buf, range.buf);
	heartbeat_start(&hb, &w->hb_store, job->id, w->owner.buf, w->lease_s);
	po.repo = job->repo;
	po.workdir = w->slotdir.buf;
	if (!po.golden_dir)
		po.golden_dir = w->config->golden_dir;
	if (!po.spec_path)
		po.spec_path = w->config->spec;
	if (po.cpu < 0)
		po.cpu = w->config->cpu;
	if (!po.database && w->conninfo.len)
		po.database = w->conninfo.buf;
	po.progress = NULL;
	co.range = range.buf;
	if (w->config->fail_inconclusive)
		co.flags |= CHECK_FAIL_INCONCLUSIVE;
	jret = job_repository_ok(w, job, &jerr);
	if (!jret)
		jret = pipeline_open(&p, &po, &jerr);
	if (!jret && job->base_ref && !*job->base) {
		char base[CHECKOUT_HASH_HEX + 1];

		jret = job_resolve_base(p, job, base, &jerr);
		if (!jret) {
			strbuf_reset(&range);
			if (*base)
				strbuf_addf(&range, "%s..%s", base, job->tip);
			else
				strbuf_addstr(&range, job->tip);
			wlog(o, "job %lld: new branch %s is judged as %s (from %s)",
			     (long long)job->id, job->ref ? job->ref : "", range.buf,
			     job->base_ref);
			jret = store_job_set_base(&w->store, job->id, w->owner.buf, base, &jerr);
		}
		co.range = range.buf;
	}
	if (!jret)
		jret = check_run(p, &co, &res, &jerr);
	pipeline_free(p);
	lost = heartbeat_stop(&hb);
	if ((ret = store_reconnect(&w->store, 5, err)) < 0)
		goto done;
	if (jret < 0) {
		/*
		 * a range that can never be judged fails now (not allowed, not a
		 * repository, a commit or ref that is not there, a bad spec);
		 * anything else (network, database, disk) is retried
		 */
		int permanent = jret == PW_EINVALID || jret == PW_ENOTFOUND;

		ret = store_job_fail(&w->store, job->id, w->owner.buf, pw_error_message(&jerr),
		                     permanent, w->config->retry_delay_s, &left, &held, err);
		if (ret < 0)
			goto done;
		if (!held)
			wlog(o, "job %lld: lost its lease; another worker has it",
			     (long long)job->id);
		else if (left == STORE_JOB_QUEUED)
			wlog(o, "job %lld: attempt %d failed, retrying in %d s: %s",
			     (long long)job->id, job->attempts, w->config->retry_delay_s,
			     pw_error_message(&jerr));
		else
			wlog(o, "job %lld: failed: %s", (long long)job->id,
			     pw_error_message(&jerr));
		goto done;
	}
	plan_job(w->config, job, &res, &summary, &plan);
	doc = report_check_json(&res);
	result_text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
	reqs = calloc(plan.n ? plan.n : 1, sizeof(*reqs));
	if (!reqs)
		abort();
	for (i = 0; i < plan.n; i++) {
		reqs[i].forge = plan.notes[i].forge;
		reqs[i].repo_name = plan.notes[i].repo_name;
		reqs[i].sha = plan.notes[i].sha.buf;
		reqs[i].context = plan.notes[i].context.buf;
		reqs[i].state = note_state_name(plan.notes[i].state);
		reqs[i].description = plan.notes[i].description.buf;
		reqs[i].target_url =
		        plan.notes[i].target_url.len ? plan.notes[i].target_url.buf : NULL;
	}
	ret = store_job_finish(&w->store, job->id, w->owner.buf, w->owner.buf,
	                       check_exit_code(&res), summary.buf, result_text, reqs, plan.n, &held,
	                       err);
	if (ret < 0)
		goto done;
	if (!held) {
		wlog(o, "job %lld: lost its lease%s; another worker finishes it",
		     (long long)job->id, lost ? " while measuring" : "");
		goto done;
	}
	wlog(o, "job %lld: done, exit %d: %s", (long long)job->id, check_exit_code(&res),
	     summary.buf);
	ret = worker_send_notifications(&w->store, w->config, job->id, o->log, o->log_arg, NULL,
	                                NULL, err);
done:
	check_result_release(&res);
	pw_error_release(&jerr);
	strbuf_release(&range);
	strbuf_release(&summary);
	strbuf_release(&shown);
	plan_release(&plan);
	free(reqs);
	free(result_text);
	json_decref(doc);
	return ret;
}

/* ---- the loop ---- */

/* Take the first free <workdir>/slot-N (flock'ed for the worker's life). */
static int take_slot(struct worker *w, struct pw_error *err)
{
	struct strbuf base = STRBUF_INIT, lock = STRBUF_INIT;
	const char *dir = w->opts->po.workdir ? w->opts->po.workdir : w->config->workdir;
	int ret = 0, i;

	if (dir) {
		strbuf_addstr(&base, dir);
	} else {
		paths_home(&base);
		strbuf_addstr(&base, "/work");
	}
	if (paths_mkdir_p(base.buf, 0755) < 0) {
		ret = pw_error_errno(err, PW_EIO, "could not create '%s'", base.buf);
		goto done;
	}
	for (i = 0; i < WORKER_SLOTS; i++) {
		int fd;

		strbuf_reset(&lock);
		strbuf_addf(&lock, "%s/slot-%d.lock", base.buf, i);
		fd = open(lock.buf, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0) {
			ret = pw_error_errno(err, PW_EIO, "could not open '%s'", lock.buf);
			goto done;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			w->slot_fd = fd;
			strbuf_addf(&w->slotdir, "%s/slot-%d", base.buf, i);
			goto done;
		}
		close(fd);
	}
	ret = pw_error_set(err, PW_EIO, "all %d work slots under '%s' are taken", WORKER_SLOTS,
	                   base.buf);
done:
	strbuf_release(&base);
	strbuf_release(&lock);
	return ret;
}

static int stopping(const struct worker_options *o)
{
	return o->stop && *o->stop;
}

/*
 * Get the database back after trouble: a few quick tries, then (a worker
 * that runs until stopped) one try every WORKER_DB_RETRY_S for as long as it
 * takes, saying so once; --once and --drain give up with PW_EDB.
 */
static int wait_for_database(struct worker *w, struct pw_error *err)
{
	const struct worker_options *o = w->opts;
	int said = 0, ret;

	for (;;) {
		if ((ret = store_reconnect(&w->store, said ? 1 : 6, err)) == 0 &&
		    (ret = store_jobs_listen(&w->store, err)) == 0)
			break;
		if (o->mode != WORKER_FOREVER || stopping(o))
			return ret;
		if (!said)
			wlog(o, "the database is unreachable (%s); trying again every %d s",
			     pw_error_message(err), WORKER_DB_RETRY_S);
		said = 1;
		for (int i = 0; i < WORKER_DB_RETRY_S * 10 && !stopping(o); i++) {
			struct timespec tenth = {0, 100000000L};

			nanosleep(&tenth, NULL);
		}
	}
	if (said)
		wlog(o, "the database is back");
	return 0;
}

int worker_run(const struct worker_options *opts, size_t *jobs_done, struct pw_error *err)
{
	struct worker w;
	struct store_job job = STORE_JOB_INIT;
	char host[256] = "localhost";
	const char *conninfo;
	size_t done_count = 0;
	int ret, idle_ms = opts->idle_ms > 0 ? opts->idle_ms : opts->config->poll_s * 1000;

	memset(&w, 0, sizeof(w));
	w.opts = opts;
	w.config = opts->config;
	w.slot_fd = -1;
	w.lease_s = opts->lease_s > 0 ? opts->lease_s : opts->config->lease_s;
	gethostname(host, sizeof(host) - 1);
	strbuf_addf(&w.owner, "%s:%ld", host, (long)getpid());
	conninfo = opts->po.database ? opts->po.database : opts->config->database;
	if (conninfo)
		strbuf_addstr(&w.conninfo, conninfo);
	if ((ret = take_slot(&w, err)) < 0)
		goto done;
	if ((ret = store_open(&w.store, conninfo, err)) < 0 ||
	    (ret = store_connect(&w.hb_store, conninfo, err)) < 0 ||
	    (ret = store_jobs_listen(&w.store, err)) < 0)
		goto done;
	wlog(opts, "worker %s ready (lease %d s, work in %s)", w.owner.buf, w.lease_s,
	     w.slotdir.buf);
	while (!stopping(opts)) {
		int claimed = 0, notified = 0;

		if ((ret = store_job_claim(&w.store, w.owner.buf, w.lease_s, &job, &claimed, err)) <
		    0)
			goto db_trouble;
		if (claimed) {
			ret = process_job(&w, &job, err);
			store_job_release(&job);
			if (ret < 0)
				goto db_trouble;
			done_count++;
			if (opts->mode == WORKER_ONCE)
				break;
			continue;
		}
		if (opts->mode != WORKER_FOREVER)
			break;
		if ((ret = store_jobs_wait(&w.store, idle_ms, &notified, err)) < 0)
			goto db_trouble;
		continue;
	db_trouble:
		wlog(opts, "database trouble: %s", pw_error_message(err));
		if ((ret = wait_for_database(&w, err)) < 0)
			goto done;
	}
	ret = 0;
done:
	if (jobs_done)
		*jobs_done = done_count;
	store_job_release(&job);
	store_release(&w.store);
	store_release(&w.hb_store);
	if (w.slot_fd >= 0)
		close(w.slot_fd);
	strbuf_release(&w.conninfo);
	strbuf_release(&w.owner);
	strbuf_release(&w.slotdir);
	return ret;
}
