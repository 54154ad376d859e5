#ifndef PERFWARDEN_CHECKOUT_H
#define PERFWARDEN_CHECKOUT_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "strbuf.h"

/*
 * The one module that speaks libgit2 objects: it opens or clones the watched
 * repository, turns REV arguments into commits, reads files out of commits,
 * and checks commits out into their own worktree directories. It never
 * touches the user's working tree, index or refs (a clone it made itself is
 * the exception: fetch updates the clone's branches).
 *
 * Hashes are full 40-hex object ids. Every function returns 0 or a negative
 * `enum pw_error_code` with the detail in `err`.
 */

#define CHECKOUT_HASH_HEX 40

/* An open repository (a git_repository inside). */
struct checkout_repo;

/*
 * Open the repository `where`:
 *  - NULL: the repository containing the current directory (discovered
 *    upwards, as git does);
 *  - a local path (work tree, .git directory or bare repository): used in
 *    place, nothing is copied;
 *  - a URL ("scheme://...", or scp-like "user@host:path"): cloned into
 *    `cache_dir` (created when missing) on first use, fetched on later
 *    uses; see checkout_repo_clone().
 * PW_ENOTFOUND when a local path holds no repository.
 * The result is the caller's; close it with checkout_repo_free().
 */
int checkout_repo_open(struct checkout_repo **out, const char *where, const char *cache_dir,
                       struct pw_error *err);

/*
 * Open `where` only when it is a repository on this machine: as
 * checkout_repo_open(), but a URL is never cloned or fetched. PW_ENOTFOUND
 * for a URL and for a path (or current directory) in no repository.
 */
int checkout_repo_open_local(struct checkout_repo **out, const char *where, struct pw_error *err);

/*
 * Clone `url` (any URL libgit2 fetches from: file://, http(s)://, ssh, or a
 * local path to a repository) as a bare mirror into
 * `<cache_dir>/<name>-<16 hex of the url's hash>`; when that clone exists,
 * fetch instead. Remote branches and tags land under the clone's own
 * refs/heads/ and refs/tags/ (forced, pruned), so "main" names the
 * remote's current main. The result is the caller's (checkout_repo_free).
 */
int checkout_repo_clone(struct checkout_repo **out, const char *url, const char *cache_dir,
                        struct pw_error *err);

/*
 * Clones and fetches are bounded: they run in a child process that is killed
 * when the remote sends nothing for checkout_fetch_idle_ms() (a silent
 * server), when they take longer than CHECKOUT_FETCH_TOTAL_MS, or when a
 * signal interrupts perfwarden's wait (SIGTERM to a worker). The error is
 * PW_ETIMEOUT ("the remote sent nothing for 60 s") or PW_EIO ("interrupted").
 */
#define CHECKOUT_FETCH_IDLE_MS  INT64_C(60000)
#define CHECKOUT_FETCH_TOTAL_MS INT64_C(1800000)

/* $PERFWARDEN_FETCH_TIMEOUT (seconds, fractions allowed) in ms, else CHECKOUT_FETCH_IDLE_MS. */
int64_t checkout_fetch_idle_ms(void);

/* Fetch again from the clone's origin; PW_EINVALID for a repository that is not a clone. */
int checkout_repo_fetch(struct checkout_repo *repo, struct pw_error *err);

/* The repository's git directory (".git" dir or the bare repository). Borrowed. */
const char *checkout_repo_path(const struct checkout_repo *repo);

/* 1 when the repository is perfwarden's clone of a URL, else 0. */
int checkout_repo_is_clone(const struct checkout_repo *repo);

/* Close the repository; NULL is fine. */
void checkout_repo_free(struct checkout_repo *repo);

/*
 * The repository key: the one form of a repository's location that the store
 * keeps (repositories.location) and that every lookup by --repo or ?repo=
 * uses, so that "./x", "/abs/x", "/abs/x/" and "/abs/x/.git" name one history.
 *  - a URL (as checkout_repo_open() tells one): the text as given;
 *  - a local repository (`where` NULL: the one containing the current
 *    directory): the real path of its git directory without the trailing
 *    "/.git" (an ordinary repository's work tree, a bare one's own path);
 *  - a path that holds no repository here (a repository of another machine
 *    sharing the database, one since deleted): its real path when it exists,
 *    else the text as given, without trailing slashes and "/.git".
 * Appends the key to `out`. PW_ENOTFOUND only when `where` is NULL and the
 * current directory is in no repository.
 */
int checkout_repo_key(struct strbuf *out, const char *where, struct pw_error *err);

/* A commit's metadata. All strings are owned by the struct. */
struct checkout_commit {
	char hash[CHECKOUT_HASH_HEX + 1];
	char short_hash[CHECKOUT_HASH_HEX + 1]; /* unique abbreviation, 7+ hex */
	char (*parents)[CHECKOUT_HASH_HEX + 1]; /* nparents full hashes, first parent first */
	size_t nparents;
	char *author_name;
	char *author_email;
	int64_t author_time;   /* seconds since the epoch */
	int author_tz_minutes; /* the author's offset from UTC */
	char *subject;         /* the first line of the message */
};

#define CHECKOUT_COMMIT_INIT                                                                       \
	{                                                                                          \
		{0}, {0}, NULL, 0, NULL, NULL, 0, 0, NULL                                          \
	}

/* Free the strings; the struct is CHECKOUT_COMMIT_INIT again. */
void checkout_commit_release(struct checkout_commit *commit);

/*
 * Look up one revision (hash, abbreviated hash, ref, "HEAD~2", tag...) and
 * fill `out` (released first). PW_ENOTFOUND "unknown revision 'REV'";
 * PW_EINVALID for an ambiguous abbreviation or an object that is not a commit.
 */
int checkout_commit_lookup(struct checkout_repo *repo, const char *rev, struct checkout_commit *out,
                           struct pw_error *err);

/*
 * An ordered list of commits, with the base of the range it came from.
 * Init with CHECKOUT_LIST_INIT, release with checkout_list_release().
 */
struct checkout_list {
	struct checkout_commit *commits;
	size_t ncommits;
	size_t alloc;
	int has_base;
	struct checkout_commit base; /* valid when has_base: A of the first "A..B" resolved */
};

#define CHECKOUT_LIST_INIT                                                                         \
	{                                                                                          \
		NULL, 0, 0, 0, CHECKOUT_COMMIT_INIT                                                \
	}

void checkout_list_release(struct checkout_list *list);

/*
 * Resolve one REV argument and append its commits to `list`, skipping
 * commits already in it (so several arguments can be resolved in turn):
 *  - "REV": that one commit;
 *  - "A..B": git's range (reachable from B, not from A) along B's
 *    FIRST-PARENT chain, oldest first, so a merge is one commit; an empty A
 *    or B means HEAD. The first range resolved also sets `list->base` to A.
 * An empty range appends nothing and is not an error. "A...B" is PW_EINVALID.
 * Unknown revisions: PW_ENOTFOUND naming the revision.
 */
int checkout_resolve(struct checkout_repo *repo, const char *rev, struct checkout_list *list,
                     struct pw_error *err);

/*
 * Append to `list` the first-parent history of `rev`, newest first, at most
 * `limit` commits (0: no limit).
 */
int checkout_first_parents(struct checkout_repo *repo, const char *rev, size_t limit,
                           struct checkout_list *list, struct pw_error *err);

/* The merge base of `a` and `b` into `out` (41 bytes); PW_ENOTFOUND when they share none. */
int checkout_merge_base(struct checkout_repo *repo, const char *a, const char *b,
                        char out[CHECKOUT_HASH_HEX + 1], struct pw_error *err);

/*
 * 1 when commit `ancestor` is an ancestor of (or the same commit as)
 * `descendant`, 0 when not, or a negative error code.
 */
int checkout_is_ancestor(struct checkout_repo *repo, const char *ancestor, const char *descendant,
                         struct pw_error *err);

/*
 * Read the file `path` (relative to the tree's root) of commit `rev` into
 * `out` (appended), without checking anything out. PW_ENOTFOUND when the
 * commit has no such file (message: "'PATH' does not exist in commit SHORT").
 */
int checkout_read_file(struct checkout_repo *repo, const char *rev, const char *path,
                       struct strbuf *out, struct pw_error *err);

enum checkout_flags {
	CHECKOUT_FORCE = 1 << 0, /* check out again even when a complete checkout exists */
};

/*
 * Check commit `rev` (a full hash, or any revision) out into
 * `<workdir>/<full hash>` (workdir is created when missing) and append that
 * path, made absolute, to `path_out`. The files are written into a private temporary
 * directory, a marker (CHECKOUT_MARKER) is written, and the directory is
 * renamed into place; a directory holding the marker is reused as is
 * (`*reused` = 1; `reused` may be NULL) unless CHECKOUT_FORCE, and one
 * without it (an interrupted checkout) is removed and redone. The user's
 * working tree, index and HEAD are never touched. Suggested workdir:
 * `$PERFWARDEN_HOME/worktrees`; suggested clone cache: `$PERFWARDEN_HOME/repos`.
 */
int checkout_worktree(struct checkout_repo *repo, const char *rev, const char *workdir,
                      unsigned flags, struct strbuf *path_out, int *reused, struct pw_error *err);

/* The marker file a complete checkout carries at its root; it holds the hash. */
#define CHECKOUT_MARKER ".perfwarden-checkout"

/*
 * Remove `path` and everything below it (not following symlinks). A missing
 * path is fine. 0, or PW_EIO.
 */
int checkout_remove_tree(const char *path, struct pw_error *err);

/*
 * Read the git-config file `path` (git's syntax, parsed by libgit2) and call
 * `fn` for each entry in file order with its normalised name ("section.key"
 * or "section.subsection.key"; section and key lowercased), its value (NULL
 * for a bare "key" line) and the include depth (0: the file itself). A
 * non-zero return from `fn` stops the walk and is returned. Syntax errors
 * are PW_EINVALID with libgit2's message (it names the line); PW_ENOTFOUND
 * when the file does not exist.
 */
typedef int (*checkout_config_fn)(const char *name, const char *value, unsigned include_depth,
                                  void *payload);
int checkout_config_foreach(const char *path, checkout_config_fn fn, void *payload,
                            struct pw_error *err);

/* git's blob object id (40 hex + NUL) of `len` bytes: a stable content hash. */
void checkout_blob_hash(const void *data, size_t len, char out[CHECKOUT_HASH_HEX + 1]);

#endif
