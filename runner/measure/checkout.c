/*
 * checkout: perfwarden's window on git, and the only file that holds libgit2
 * objects. The pipeline opens (or clones) the watched repository here, turns
 * each REV argument into an oldest-first list of commits, reads
 * `.perfwarden` out of a commit, and gets a private worktree per commit to
 * build and measure in. Worktrees are written with git_checkout_tree into a
 * target directory and an empty in-memory baseline index, so the user's
 * working tree, index and HEAD are never read for writing. The spec module
 * reads its git-config file through checkout_config_foreach().
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <git2.h>

#include "checkout.h"
#include "paths.h"

struct checkout_repo {
	git_repository *repo;
	char *path;
	int is_clone;
};

static pthread_once_t lg2_once = PTHREAD_ONCE_INIT;

static void lg2_init_once(void)
{
	git_libgit2_init();
}

static void lg2_init(void)
{
	pthread_once(&lg2_once, lg2_init_once);
}

/* Record `code` with the formatted message followed by libgit2's last error, if any. */
__attribute__((format(printf, 3, 4))) static int lg2_error(struct pw_error *err, int code,
                                                           const char *fmt, ...)
{
	const git_error *e = git_error_last();
	struct strbuf msg = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&msg, fmt, ap);
	va_end(ap);
	if (e && e->message && *e->message)
		strbuf_addf(&msg, ": %s", e->message);
	pw_error_set(err, code, "%s", strbuf_str(&msg));
	strbuf_release(&msg);
	return code;
}

static char *xstrdup(const char *s)
{
	char *p = strdup(s ? s : "");

	if (!p)
		abort();
	return p;
}

/* ---- repositories ---- */

static int repo_wrap(struct checkout_repo **out, git_repository *r, int is_clone)
{
	struct checkout_repo *repo = calloc(1, sizeof(*repo));

	if (!repo)
		abort();
	repo->repo = r;
	repo->path = xstrdup(git_repository_path(r));
	repo->is_clone = is_clone;
	*out = repo;
	return 0;
}

static int looks_like_url(const char *where)
{
	const char *colon = strchr(where, ':');
	const char *slash = strchr(where, '/');
	struct stat st;

	if (strstr(where, "://"))
		return 1;
	/* scp-like "host:path" as git reads it: a colon before any slash */
	return colon && (!slash || colon < slash) && stat(where, &st) < 0;
}

int checkout_repo_open_local(struct checkout_repo **out, const char *where, struct pw_error *err)
{
	*out = NULL;
	if (where && looks_like_url(where))
		return pw_error_set(err, PW_ENOTFOUND, "'%s' is a URL, not a repository here",
		                    where);
	return checkout_repo_open(out, where, NULL, err);
}

int checkout_repo_open(struct checkout_repo **out, const char *where, const char *cache_dir,
                       struct pw_error *err)
{
	git_repository *r = NULL;
	int ret;

	*out = NULL;
	lg2_init();
	if (where && looks_like_url(where))
		return checkout_repo_clone(out, where, cache_dir, err);
	if (!where)
		ret = git_repository_open_ext(&r, ".", 0, NULL);
	else
		ret = git_repository_open_ext(&r, where, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
	if (ret == GIT_ENOTFOUND)
		return pw_error_set(err, PW_ENOTFOUND, "not a git repository: '%s'",
		                    where ? where : ".");
	if (ret < 0)
		return lg2_error(err, PW_ERROR, "could not open repository '%s'",
		                 where ? where : ".");
	return repo_wrap(out, r, 0);
}

static int create_mirror_remote(git_remote **out, git_repository *repo, const char *name,
                                const char *url, void *payload)
{
	(void)payload;
	return git_remote_create_with_fetchspec(out, repo, name, url, "+refs/heads/*:refs/heads/*");
}

static void clone_dir_name(struct strbuf *out, const char *url)
{
	char hash[CHECKOUT_HASH_HEX + 1];
	const char *base, *p;
	size_t len;

	checkout_blob_hash(url, strlen(url), hash);
	len = strlen(url);
	while (len && url[len - 1] == '/')
		len--;
	base = url;
	for (p = url; p < url + len; p++)
		if (*p == '/' || *p == ':')
			base = p + 1;
	if (url + len - base > 4 && !strncmp(url + len - 4, ".git", 4))
		len -= 4;
	for (p = base; p < url + len; p++) {
		int ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		         (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.';
		strbuf_addch(out, ok ? *p : '_');
	}
	if (!out->len || out->buf[0] == '.')
		strbuf_addstr(out, "repo");
	strbuf_addf(out, "-%.16s", hash);
}

/* ---- clones and fetches, bounded ---- */

/* In the child of bounded(): where transfer progress is reported; -1 elsewhere. */
static int progress_fd = -1;

static int on_transfer(const git_indexer_progress *stats, void *payload)
{
	(void)stats;
	(void)payload;
	if (progress_fd >= 0 && write(progress_fd, "p", 1) < 0) {
		/* the parent is gone: PR_SET_PDEATHSIG ends us */
	}
	return 0;
}

static int on_sideband(const char *str, int len, void *payload)
{
	(void)str;
	(void)len;
	return on_transfer(NULL, payload);
}

static void set_callbacks(git_remote_callbacks *cb)
{
	cb->transfer_progress = on_transfer;
	cb->sideband_progress = on_sideband;
}

int64_t checkout_fetch_idle_ms(void)
{
	const char *v = getenv("PERFWARDEN_FETCH_TIMEOUT");
	char *end;
	double s;

	if (v && *v) {
		s = strtod(v, &end);
		if (end != v && !*end && s > 0 && s < 1e6)
			return (int64_t)(s * 1000);
	}
	return CHECKOUT_FETCH_IDLE_MS;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Run `fn` (a clone or a fetch) in a child process, so that it can be given
 * up on: when the remote sends nothing for checkout_fetch_idle_ms(), when it
 * takes more than CHECKOUT_FETCH_TOTAL_MS altogether, or when a signal
 * interrupts the wait (SIGTERM to a worker), the child is killed and the
 * error says why. The child dies with perfwarden (PR_SET_PDEATHSIG).
 */
static int bounded(const char *what, const char *url, int (*fn)(void *arg, struct pw_error *err),
                   void *arg, struct pw_error *err)
{
	int progress[2] = {-1, -1}, errors[2] = {-1, -1}, pidfd = -1, st = 0, ret = 0;
	int64_t idle_ms = checkout_fetch_idle_ms(), start = mono_ms(), last = start;
	struct strbuf msg = STRBUF_INIT;
	pid_t pid;

	if (pipe2(progress, O_CLOEXEC) < 0 || pipe2(errors, O_CLOEXEC) < 0) {
		ret = pw_error_errno(err, PW_EIO, "could not %s '%s'", what, url);
		goto done;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		ret = pw_error_errno(err, PW_EIO, "could not %s '%s'", what, url);
		goto done;
	}
	if (pid == 0) {
		struct pw_error cerr = PW_ERROR_INIT;
		const char *m;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		close(progress[0]);
		close(errors[0]);
		progress_fd = progress[1];
		if (fn(arg, &cerr) == 0)
			_exit(0);
		m = pw_error_message(&cerr);
		if (write(errors[1], m, strlen(m)) < 0)
			_exit(2);
		_exit(-cerr.code & 0x7f);
	}
	close(progress[1]), progress[1] = -1;
	close(errors[1]), errors[1] = -1;
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	for (;;) {
		struct pollfd pfd[2] = {{progress[0], POLLIN, 0}, {pidfd, POLLIN, 0}};
		int64_t now = mono_ms(), until = last + idle_ms;
		int n;

		if (until > start + CHECKOUT_FETCH_TOTAL_MS)
			until = start + CHECKOUT_FETCH_TOTAL_MS;
		if (now >= until) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			ret = pw_error_set(
			        err, PW_ETIMEOUT,
			        now - last >= idle_ms
			                ? "could not %s '%s': the remote sent nothing for "
			                  "%" PRId64 " s (PERFWARDEN_FETCH_TIMEOUT)"
			                : "could not %s '%s': not done after %" PRId64 " s",
			        what, url,
			        (now - last >= idle_ms ? idle_ms : CHECKOUT_FETCH_TOTAL_MS) / 1000);
			goto done;
		}
		n = poll(pfd, pidfd >= 0 ? 2 : 1, (int)(pidfd >= 0 ? until - now : 50));
		if (n < 0 && errno == EINTR) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			ret = pw_error_set(err, PW_EIO, "could not %s '%s': interrupted", what,
			                   url);
			goto done;
		}
		if (n > 0 && (pfd[0].revents & POLLIN)) {
			char buf[256];

			if (read(progress[0], buf, sizeof(buf)) > 0)
				last = mono_ms();
		}
		if ((n > 0 && (pfd[1].revents & POLLIN)) || (pfd[0].revents & POLLHUP) ||
		    (pidfd < 0 && waitpid(pid, &st, WNOHANG) == pid))
			break;
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		goto done;
	strbuf_read_fd(&msg, errors[0]);
	if (msg.len)
		ret = pw_error_set(err, WIFEXITED(st) ? -WEXITSTATUS(st) : PW_EIO, "%s", msg.buf);
	else
		ret = pw_error_set(err, PW_EIO, "could not %s '%s': the %s process died", what, url,
		                   what);
	if (ret >= 0)
		ret = PW_EIO;
done:
	if (pidfd >= 0)
		close(pidfd);
	for (int i = 0; i < 2; i++) {
		if (progress[i] >= 0)
			close(progress[i]);
		if (errors[i] >= 0)
			close(errors[i]);
	}
	strbuf_release(&msg);
	return ret;
}

/*
 * Fetch the clone's origin. An anonymous remote with explicit refspecs, not
 * git_remote_lookup(): libgit2 1.5 leaks PCRE2 match data on every lookup.
 */
static int fetch_origin_now(git_repository *r, const char *what, struct pw_error *err)
{
	static char *refspecs[] = {"+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"};
	git_strarray specs = {refspecs, 2};
	git_fetch_options opts;
	git_config *cfg = NULL;
	git_buf url = GIT_BUF_INIT;
	git_remote *remote = NULL;
	int ret = 0;

	git_fetch_options_init(&opts, GIT_FETCH_OPTIONS_VERSION);
	if (git_repository_config_snapshot(&cfg, r) < 0 ||
	    git_config_get_string_buf(&url, cfg, "remote.origin.url") < 0) {
		ret = pw_error_set(err, PW_EINVALID, "'%s' is not a clone (no remote.origin.url)",
		                   what);
		goto done;
	}
	if (git_remote_create_anonymous(&remote, r, url.ptr) < 0) {
		ret = lg2_error(err, PW_ERROR, "could not fetch '%s'", url.ptr);
		goto done;
	}
	opts.prune = GIT_FETCH_PRUNE;
	opts.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_ALL;
	set_callbacks(&opts.callbacks);
	if (git_remote_fetch(remote, &specs, &opts, "perfwarden: fetch") < 0)
		ret = lg2_error(err, PW_EIO, "could not fetch '%s'", url.ptr);
done:
	git_remote_free(remote);
	git_buf_dispose(&url);
	git_config_free(cfg);
	return ret;
}

struct fetch_args {
	git_repository *r;
	const char *what;
	const char *url;
	const char *dir;
};

static int fetch_in_child(void *arg, struct pw_error *err)
{
	struct fetch_args *a = arg;

	return fetch_origin_now(a->r, a->what, err);
}

static int fetch_origin(git_repository *r, const char *what, struct pw_error *err)
{
	struct fetch_args a = {r, what, what, NULL};

	return bounded("fetch", what, fetch_in_child, &a, err);
}

static int clone_in_child(void *arg, struct pw_error *err)
{
	struct fetch_args *a = arg;
	git_clone_options opts;
	git_repository *r = NULL;

	git_clone_options_init(&opts, GIT_CLONE_OPTIONS_VERSION);
	opts.bare = 1;
	opts.remote_cb = create_mirror_remote;
	opts.fetch_opts.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_ALL;
	set_callbacks(&opts.fetch_opts.callbacks);
	if (git_clone(&r, a->url, a->dir, &opts) < 0)
		return lg2_error(err, PW_EIO, "could not clone '%s'", a->url);
	git_repository_free(r);
	return 0;
}

int checkout_repo_clone(struct checkout_repo **out, const char *url, const char *cache_dir,
                        struct pw_error *err)
{
	git_clone_options opts;
	struct strbuf dir = STRBUF_INIT, tmp = STRBUF_INIT;
	git_repository *r = NULL;
	struct stat st;
	int ret = 0;

	*out = NULL;
	lg2_init();
	git_clone_options_init(&opts, GIT_CLONE_OPTIONS_VERSION);
	if (!cache_dir || !*cache_dir) {
		ret = pw_error_set(err, PW_EINVALID, "no cache directory to clone '%s' into", url);
		goto done;
	}
	strbuf_addf(&dir, "%s/", cache_dir);
	clone_dir_name(&dir, url);

	if (stat(dir.buf, &st) == 0) {
		if (git_repository_open_ext(&r, dir.buf, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0) {
			ret = lg2_error(err, PW_ERROR, "could not open the clone '%s' of '%s'",
			                dir.buf, url);
			goto done;
		}
		ret = fetch_origin(r, url, err);
		goto done;
	}

	if (paths_mkdir_p(cache_dir, 0755) < 0) {
		ret = pw_error_errno(err, PW_EIO, "could not create '%s'", cache_dir);
		goto done;
	}
	strbuf_addf(&tmp, "%s.tmp-%ld", dir.buf, (long)getpid());
	if ((ret = checkout_remove_tree(tmp.buf, err)) < 0)
		goto done;
	{
		struct fetch_args a = {NULL, url, url, tmp.buf};

		if ((ret = bounded("clone", url, clone_in_child, &a, err)) < 0) {
			checkout_remove_tree(tmp.buf, NULL);
			goto done;
		}
	}
	if (rename(tmp.buf, dir.buf) < 0 && errno != ENOTEMPTY && errno != EEXIST) {
		ret = pw_error_errno(err, PW_EIO, "could not rename '%s' to '%s'", tmp.buf,
		                     dir.buf);
		checkout_remove_tree(tmp.buf, NULL);
		goto done;
	}
	checkout_remove_tree(tmp.buf, NULL); /* another process's clone won the race */
	if (git_repository_open_ext(&r, dir.buf, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0)
		ret = lg2_error(err, PW_ERROR, "could not open the clone '%s'", dir.buf);
done:
	if (!ret) {
		repo_wrap(out, r, 1);
		r = NULL;
	}
	git_repository_free(r);
	strbuf_release(&dir);
	strbuf_release(&tmp);
	return ret;
}

int checkout_repo_fetch(struct checkout_repo *repo, struct pw_error *err)
{
	if (!repo->is_clone)
		return pw_error_set(err, PW_EINVALID, "'%s' is not a clone perfwarden made",
		                    repo->path);
	return fetch_origin(repo->repo, repo->path, err);
}

const char *checkout_repo_path(const struct checkout_repo *repo)
{
	return repo->path;
}

int checkout_repo_is_clone(const struct checkout_repo *repo)
{
	return repo->is_clone;
}

/* `path` as a key: real path when it resolves, no trailing slashes, no trailing "/.git". */
static void key_of_path(struct strbuf *out, const char *path)
{
	char *real = realpath(path, NULL);
	size_t start = out->len, len;

	strbuf_addstr(out, real ? real : path);
	free(real);
	len = out->len - start;
	while (len > 1 && out->buf[start + len - 1] == '/')
		len--;
	if (len > 5 && !memcmp(out->buf + start + len - 5, "/.git", 5))
		len -= 5;
	strbuf_setlen(out, start + len);
}

int checkout_repo_key(struct strbuf *out, const char *where, struct pw_error *err)
{
	git_repository *r = NULL;
	int ret;

	lg2_init();
	if (where && looks_like_url(where)) {
		strbuf_addstr(out, where);
		return 0;
	}
	if (!where)
		ret = git_repository_open_ext(&r, ".", 0, NULL);
	else
		ret = git_repository_open_ext(&r, where, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
	if (ret < 0 && !where)
		return lg2_error(err, PW_ENOTFOUND, "not a git repository: '.'");
	key_of_path(out, ret < 0 ? where : git_repository_path(r));
	git_repository_free(r);
	return 0;
}

void checkout_repo_free(struct checkout_repo *repo)
{
	if (!repo)
		return;
	git_repository_free(repo->repo);
	free(repo->path);
	free(repo);
}

/* ---- commits ---- */

void checkout_commit_release(struct checkout_commit *commit)
{
	struct checkout_commit blank = CHECKOUT_COMMIT_INIT;

	free(commit->parents);
	free(commit->author_name);
	free(commit->author_email);
	free(commit->subject);
	*commit = blank;
}

static int lookup_commit(git_repository *r, const char *rev, git_commit **out, struct pw_error *err)
{
	git_object *obj = NULL, *peeled = NULL;
	int ret;

	*out = NULL;
	if (!rev || !*rev)
		return pw_error_set(err, PW_EINVALID, "empty revision");
	ret = git_revparse_single(&obj, r, rev);
	if (ret == GIT_ENOTFOUND || ret == GIT_EUNBORNBRANCH)
		return pw_error_set(err, PW_ENOTFOUND, "unknown revision '%s'", rev);
	if (ret == GIT_EAMBIGUOUS)
		return pw_error_set(err, PW_EINVALID, "ambiguous revision '%s'", rev);
	if (ret == GIT_EINVALIDSPEC)
		return pw_error_set(err, PW_EINVALID, "invalid revision '%s'", rev);
	if (ret < 0)
		return lg2_error(err, PW_ERROR, "could not resolve '%s'", rev);
	ret = git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT);
	git_object_free(obj);
	if (ret < 0)
		return pw_error_set(err, PW_EINVALID, "'%s' is not a commit", rev);
	*out = (git_commit *)peeled;
	return 0;
}

static void fill_commit(struct checkout_commit *out, git_commit *c)
{
	const git_signature *author = git_commit_author(c);
	git_buf shortid = GIT_BUF_INIT;
	const char *summary;
	size_t i;

	checkout_commit_release(out);
	git_oid_tostr(out->hash, sizeof(out->hash), git_commit_id(c));
	if (git_object_short_id(&shortid, (const git_object *)c) == 0)
		snprintf(out->short_hash, sizeof(out->short_hash), "%s", shortid.ptr);
	else
		snprintf(out->short_hash, sizeof(out->short_hash), "%.7s", out->hash);
	git_buf_dispose(&shortid);
	out->nparents = git_commit_parentcount(c);
	out->parents = calloc(out->nparents ? out->nparents : 1, sizeof(*out->parents));
	if (!out->parents)
		abort();
	for (i = 0; i < out->nparents; i++)
		git_oid_tostr(out->parents[i], sizeof(out->parents[i]),
		              git_commit_parent_id(c, (unsigned)i));
	out->author_name = xstrdup(author ? author->name : "");
	out->author_email = xstrdup(author ? author->email : "");
	out->author_time = author ? (int64_t)author->when.time : 0;
	out->author_tz_minutes = author ? author->when.offset : 0;
	summary = git_commit_summary(c);
	out->subject = xstrdup(summary ? summary : "");
}

int checkout_commit_lookup(struct checkout_repo *repo, const char *rev, struct checkout_commit *out,
                           struct pw_error *err)
{
	git_commit *c = NULL;
	int ret = lookup_commit(repo->repo, rev, &c, err);

	if (ret < 0)
		return ret;
	fill_commit(out, c);
	git_commit_free(c);
	return 0;
}

void checkout_list_release(struct checkout_list *list)
{
	size_t i;

	for (i = 0; i < list->ncommits; i++)
		checkout_commit_release(&list->commits[i]);
	free(list->commits);
	checkout_commit_release(&list->base);
	list->commits = NULL;
	list->ncommits = list->alloc = 0;
	list->has_base = 0;
}

static int list_contains(const struct checkout_list *list, const git_oid *oid)
{
	char hex[CHECKOUT_HASH_HEX + 1];
	size_t i;

	git_oid_tostr(hex, sizeof(hex), oid);
	for (i = 0; i < list->ncommits; i++)
		if (!strcmp(list->commits[i].hash, hex))
			return 1;
	return 0;
}

static void list_append(struct checkout_list *list, git_commit *c)
{
	struct checkout_commit blank = CHECKOUT_COMMIT_INIT;

	if (list_contains(list, git_commit_id(c)))
		return;
	if (list->ncommits == list->alloc) {
		list->alloc = list->alloc ? list->alloc * 2 : 16;
		list->commits = realloc(list->commits, list->alloc * sizeof(*list->commits));
		if (!list->commits)
			abort();
	}
	list->commits[list->ncommits] = blank;
	fill_commit(&list->commits[list->ncommits++], c);
}

static int oid_cmp(const void *a, const void *b)
{
	return git_oid_cmp(a, b);
}

/* All commits reachable from `to` and not from `from`, sorted for bsearch. */
static int range_set(git_repository *r, const git_oid *from, const git_oid *to, git_oid **out,
                     size_t *n, struct pw_error *err)
{
	git_revwalk *walk = NULL;
	git_oid oid, *set = NULL;
	size_t nr = 0, alloc = 0;
	int ret = 0, gret;

	if (git_revwalk_new(&walk, r) < 0 || git_revwalk_push(walk, to) < 0 ||
	    git_revwalk_hide(walk, from) < 0) {
		ret = lg2_error(err, PW_ERROR, "could not walk the history");
		goto done;
	}
	while ((gret = git_revwalk_next(&oid, walk)) == 0) {
		if (nr == alloc) {
			alloc = alloc ? alloc * 2 : 64;
			set = realloc(set, alloc * sizeof(*set));
			if (!set)
				abort();
		}
		set[nr++] = oid;
	}
	if (gret != GIT_ITEROVER) {
		ret = lg2_error(err, PW_ERROR, "could not walk the history");
		goto done;
	}
	if (nr)
		qsort(set, nr, sizeof(*set), oid_cmp);
done:
	git_revwalk_free(walk);
	if (ret < 0) {
		free(set);
		set = NULL;
		nr = 0;
	}
	*out = set;
	*n = nr;
	return ret;
}

static int resolve_range(struct checkout_repo *repo, const char *rev, const char *dots,
                         struct checkout_list *list, struct pw_error *err)
{
	char *left = NULL;
	const char *right = dots + 2;
	git_commit *from = NULL, *to = NULL, *c = NULL, *parent = NULL;
	git_commit **chain = NULL;
	git_oid *set = NULL;
	size_t nset = 0, nchain = 0, alloc = 0, i;
	int ret;

	if (*right == '.') {
		ret = pw_error_set(err, PW_EINVALID,
		                   "symmetric ranges are not supported: '%s' (use A..B)", rev);
		goto done;
	}
	left = strndup(rev, (size_t)(dots - rev));
	if (!left)
		abort();
	if ((ret = lookup_commit(repo->repo, *left ? left : "HEAD", &from, err)) < 0 ||
	    (ret = lookup_commit(repo->repo, *right ? right : "HEAD", &to, err)) < 0) {
		pw_error_prefix(err, "in range '%s'", rev);
		goto done;
	}
	if ((ret = range_set(repo->repo, git_commit_id(from), git_commit_id(to), &set, &nset,
	                     err)) < 0)
		goto done;

	c = to;
	to = NULL;
	while (c && nset && bsearch(git_commit_id(c), set, nset, sizeof(*set), oid_cmp)) {
		if (nchain == alloc) {
			alloc = alloc ? alloc * 2 : 64;
			chain = realloc(chain, alloc * sizeof(*chain));
			if (!chain)
				abort();
		}
		chain[nchain++] = c;
		c = NULL;
		if (git_commit_parentcount(chain[nchain - 1]) == 0)
			break;
		if (git_commit_parent(&parent, chain[nchain - 1], 0) < 0) {
			ret = lg2_error(err, PW_ERROR, "could not read the parent of %s",
			                git_oid_tostr_s(git_commit_id(chain[nchain - 1])));
			goto done;
		}
		c = parent;
		parent = NULL;
	}
	for (i = nchain; i > 0; i--)
		list_append(list, chain[i - 1]);
	if (!list->has_base) {
		fill_commit(&list->base, from);
		list->has_base = 1;
	}
done:
	for (i = 0; i < nchain; i++)
		git_commit_free(chain[i]);
	free(chain);
	free(set);
	free(left);
	git_commit_free(c);
	git_commit_free(from);
	git_commit_free(to);
	return ret;
}

int checkout_resolve(struct checkout_repo *repo, const char *rev, struct checkout_list *list,
                     struct pw_error *err)
{
	const char *dots = rev ? strstr(rev, "..") : NULL;
	git_commit *c = NULL;
	int ret;

	if (dots)
		return resolve_range(repo, rev, dots, list, err);
	if ((ret = lookup_commit(repo->repo, rev, &c, err)) < 0)
		return ret;
	list_append(list, c);
	git_commit_free(c);
	return 0;
}

int checkout_first_parents(struct checkout_repo *repo, const char *rev, size_t limit,
                           struct checkout_list *list, struct pw_error *err)
{
	git_commit *c = NULL, *parent = NULL;
	size_t n = 0;
	int ret;

	if ((ret = lookup_commit(repo->repo, rev, &c, err)) < 0)
		return ret;
	while (c && (!limit || n < limit)) {
		list_append(list, c);
		n++;
		if (git_commit_parentcount(c) == 0)
			break;
		if (git_commit_parent(&parent, c, 0) < 0) {
			ret = lg2_error(err, PW_ERROR, "could not read the parent of %s",
			                git_oid_tostr_s(git_commit_id(c)));
			break;
		}
		git_commit_free(c);
		c = parent;
		parent = NULL;
	}
	git_commit_free(c);
	return ret;
}

int checkout_merge_base(struct checkout_repo *repo, const char *a, const char *b,
                        char out[CHECKOUT_HASH_HEX + 1], struct pw_error *err)
{
	git_commit *ca = NULL, *cb = NULL;
	git_oid base;
	int ret;

	if ((ret = lookup_commit(repo->repo, a, &ca, err)) < 0 ||
	    (ret = lookup_commit(repo->repo, b, &cb, err)) < 0)
		goto done;
	ret = git_merge_base(&base, repo->repo, git_commit_id(ca), git_commit_id(cb));
	if (ret == GIT_ENOTFOUND) {
		ret = pw_error_set(err, PW_ENOTFOUND, "'%s' and '%s' have no common ancestor", a,
		                   b);
		goto done;
	}
	if (ret < 0) {
		ret = lg2_error(err, PW_ERROR, "could not find the merge base of '%s' and '%s'", a,
		                b);
		goto done;
	}
	git_oid_tostr(out, CHECKOUT_HASH_HEX + 1, &base);
done:
	git_commit_free(ca);
	git_commit_free(cb);
	return ret;
}

int checkout_is_ancestor(struct checkout_repo *repo, const char *ancestor, const char *descendant,
                         struct pw_error *err)
{
	git_commit *ca = NULL, *cd = NULL;
	int ret;

	if ((ret = lookup_commit(repo->repo, ancestor, &ca, err)) < 0 ||
	    (ret = lookup_commit(repo->repo, descendant, &cd, err)) < 0)
		goto done;
	if (git_oid_equal(git_commit_id(ca), git_commit_id(cd))) {
		ret = 1;
		goto done;
	}
	ret = git_graph_descendant_of(repo->repo, git_commit_id(cd), git_commit_id(ca));
	if (ret < 0)
		ret = lg2_error(err, PW_ERROR, "could not compare '%s' and '%s'", ancestor,
		                descendant);
done:
	git_commit_free(ca);
	git_commit_free(cd);
	return ret;
}

int checkout_read_file(struct checkout_repo *repo, const char *rev, const char *path,
                       struct strbuf *out, struct pw_error *err)
{
	git_commit *c = NULL;
	git_tree *tree = NULL;
	git_tree_entry *entry = NULL;
	git_blob *blob = NULL;
	char shorthex[8];
	int ret;

	if ((ret = lookup_commit(repo->repo, rev, &c, err)) < 0)
		goto done;
	git_oid_tostr(shorthex, sizeof(shorthex), git_commit_id(c));
	if (git_commit_tree(&tree, c) < 0) {
		ret = lg2_error(err, PW_ERROR, "could not read the tree of commit %s", shorthex);
		goto done;
	}
	ret = git_tree_entry_bypath(&entry, tree, path);
	if (ret == GIT_ENOTFOUND) {
		ret = pw_error_set(err, PW_ENOTFOUND, "'%s' does not exist in commit %s", path,
		                   shorthex);
		goto done;
	}
	if (ret < 0) {
		ret = lg2_error(err, PW_EINVALID, "could not look up '%s' in commit %s", path,
		                shorthex);
		goto done;
	}
	if (git_tree_entry_type(entry) != GIT_OBJECT_BLOB ||
	    git_tree_entry_filemode(entry) == GIT_FILEMODE_LINK) {
		ret = pw_error_set(err, PW_EINVALID, "'%s' in commit %s is not a regular file",
		                   path, shorthex);
		goto done;
	}
	if (git_blob_lookup(&blob, repo->repo, git_tree_entry_id(entry)) < 0) {
		ret = lg2_error(err, PW_ERROR, "could not read '%s' in commit %s", path, shorthex);
		goto done;
	}
	strbuf_add(out, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
done:
	git_blob_free(blob);
	git_tree_entry_free(entry);
	git_tree_free(tree);
	git_commit_free(c);
	return ret;
}

/* ---- worktrees ---- */

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP)
		return rmdir(path);
	return unlink(path);
}

int checkout_remove_tree(const char *path, struct pw_error *err)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0
		                       : pw_error_errno(err, PW_EIO, "could not remove '%s'", path);
	if (nftw(path, remove_one, 32, FTW_DEPTH | FTW_PHYS) < 0)
		return pw_error_errno(err, PW_EIO, "could not remove '%s'", path);
	return 0;
}

static int marker_matches(const char *dir, const char *hash)
{
	struct strbuf path = STRBUF_INIT, content = STRBUF_INIT;
	int ok;

	strbuf_addf(&path, "%s/%s", dir, CHECKOUT_MARKER);
	ok = strbuf_read_file(&content, path.buf) == 0;
	strbuf_rtrim(&content);
	ok = ok && !strcmp(content.buf ? content.buf : "", hash);
	strbuf_release(&path);
	strbuf_release(&content);
	return ok;
}

static int write_tree_into(git_repository *r, git_commit *c, const char *dir, struct pw_error *err)
{
	git_checkout_options opts;
	git_index *baseline = NULL;
	struct strbuf marker = STRBUF_INIT, hash = STRBUF_INIT;
	int ret = 0;

	git_checkout_options_init(&opts, GIT_CHECKOUT_OPTIONS_VERSION);

	if (mkdir(dir, 0755) < 0) {
		ret = pw_error_errno(err, PW_EIO, "could not create '%s'", dir);
		goto done;
	}
	if (git_index_new(&baseline) < 0) {
		ret = lg2_error(err, PW_ERROR, "could not create an index");
		goto done;
	}
	opts.checkout_strategy = GIT_CHECKOUT_FORCE | GIT_CHECKOUT_DONT_UPDATE_INDEX |
	                         GIT_CHECKOUT_DONT_WRITE_INDEX | GIT_CHECKOUT_RECREATE_MISSING;
	opts.target_directory = dir;
	opts.baseline_index = baseline;
	if (git_checkout_tree(r, (const git_object *)c, &opts) < 0) {
		ret = lg2_error(err, PW_EIO, "could not check out %s into '%s'",
		                git_oid_tostr_s(git_commit_id(c)), dir);
		goto done;
	}
	strbuf_addf(&marker, "%s/%s", dir, CHECKOUT_MARKER);
	strbuf_addf(&hash, "%s\n", git_oid_tostr_s(git_commit_id(c)));
	if (strbuf_write_file(&hash, marker.buf) < 0)
		ret = pw_error_errno(err, PW_EIO, "could not write '%s'", marker.buf);
done:
	git_index_free(baseline);
	strbuf_release(&marker);
	strbuf_release(&hash);
	return ret;
}

int checkout_worktree(struct checkout_repo *repo, const char *rev, const char *workdir,
                      unsigned flags, struct strbuf *path_out, int *reused, struct pw_error *err)
{
	struct strbuf final = STRBUF_INIT, tmp = STRBUF_INIT;
	char hex[CHECKOUT_HASH_HEX + 1];
	char *absdir = NULL;
	git_commit *c = NULL;
	int ret;

	if (reused)
		*reused = 0;
	if ((ret = lookup_commit(repo->repo, rev, &c, err)) < 0)
		goto done;
	git_oid_tostr(hex, sizeof(hex), git_commit_id(c));
	if (paths_mkdir_p(workdir, 0755) < 0) {
		ret = pw_error_errno(err, PW_EIO, "could not create '%s'", workdir);
		goto done;
	}
	/* libgit2 resolves a relative target directory against the repository */
	if (!(absdir = realpath(workdir, NULL))) {
		ret = pw_error_errno(err, PW_EIO, "could not resolve '%s'", workdir);
		goto done;
	}
	strbuf_addf(&final, "%s/%s", absdir, hex);
	if (!(flags & CHECKOUT_FORCE) && marker_matches(final.buf, hex)) {
		if (reused)
			*reused = 1;
		goto done;
	}
	strbuf_addf(&tmp, "%s/.%s.tmp-%ld", absdir, hex, (long)getpid());
	if ((ret = checkout_remove_tree(tmp.buf, err)) < 0 ||
	    (ret = write_tree_into(repo->repo, c, tmp.buf, err)) < 0)
		goto done;
	if ((ret = checkout_remove_tree(final.buf, err)) < 0)
		goto done;
	if (rename(tmp.buf, final.buf) < 0) {
		if ((errno == ENOTEMPTY || errno == EEXIST) && marker_matches(final.buf, hex))
			goto done; /* a concurrent checkout of the same commit won */
		ret = pw_error_errno(err, PW_EIO, "could not rename '%s' to '%s'", tmp.buf,
		                     final.buf);
	}
done:
	if (tmp.len)
		checkout_remove_tree(tmp.buf, NULL);
	if (!ret)
		strbuf_add(path_out, final.buf, final.len);
	git_commit_free(c);
	free(absdir);
	strbuf_release(&final);
	strbuf_release(&tmp);
	return ret;
}

/* ---- config files and hashes ---- */

int checkout_config_foreach(const char *path, checkout_config_fn fn, void *payload,
                            struct pw_error *err)
{
	git_config *cfg = NULL;
	git_config_iterator *it = NULL;
	git_config_entry *entry;
	struct stat st;
	int ret = 0, gret;

	lg2_init();
	if (stat(path, &st) < 0)
		return pw_error_errno(err, errno == ENOENT ? PW_ENOTFOUND : PW_EIO,
		                      "could not open '%s'", path);
	if (git_config_new(&cfg) < 0) {
		ret = lg2_error(err, PW_ERROR, "could not create a config");
		goto done;
	}
	if (git_config_add_file_ondisk(cfg, path, GIT_CONFIG_LEVEL_APP, NULL, 0) < 0) {
		const git_error *e = git_error_last();

		ret = pw_error_set(err, PW_EINVALID, "%s",
		                   e && e->message ? e->message : "could not parse");
		goto done;
	}
	if (git_config_iterator_new(&it, cfg) < 0) {
		ret = lg2_error(err, PW_ERROR, "could not read '%s'", path);
		goto done;
	}
	while ((gret = git_config_next(&entry, it)) == 0) {
		if ((ret = fn(entry->name, entry->value, entry->include_depth, payload)) != 0)
			goto done;
	}
	if (gret != GIT_ITEROVER)
		ret = lg2_error(err, PW_ERROR, "could not read '%s'", path);
done:
	git_config_iterator_free(it);
	git_config_free(cfg);
	return ret;
}

void checkout_blob_hash(const void *data, size_t len, char out[CHECKOUT_HASH_HEX + 1])
{
	git_oid oid;

	lg2_init();
	git_odb_hash(&oid, data, len, GIT_OBJECT_BLOB);
	git_oid_tostr(out, CHECKOUT_HASH_HEX + 1, &oid);
}
