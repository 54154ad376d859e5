/*
 * Tests for runner/measure/checkout on real git repositories made by the git CLI in
 * a fresh temporary directory: revision ranges are compared with what
 * `git rev-list` says, worktrees with the commit's files, and the user's
 * repository is checked to be left exactly as it was.
 *
 * The history every test starts from (main, first parent on the left):
 *
 *   c1 - c2 - c3 - M - c4        (c1 tagged "v1"; c4 deletes .perfwarden)
 *          \      /
 *           f1 - f2              (branch "feature")
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "checkout.h"
#include "spec.h"

/*
 * libgit2 1.5 (Debian 12) leaks PCRE2 match data whenever a remote is created
 * (fixed upstream by libgit2/libgit2#6382); tell LeakSanitizer, in sanitizer
 * builds, that this one is not ours.
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libpcre2-8.so\n";
}

static char tmpdir[] = "/tmp/pw-test-checkout-XXXXXX";
static struct strbuf repo_dir = STRBUF_INIT;
static struct strbuf case_dir = STRBUF_INIT; /* holds repo/ and whatever a test adds */

__attribute__((format(printf, 1, 2))) static void sh(const char *fmt, ...)
{
	struct strbuf cmd = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&cmd, fmt, ap);
	va_end(ap);
	if (system(cmd.buf) != 0)
		fail_msg("command failed: %s", cmd.buf);
	strbuf_release(&cmd);
}

/* The trimmed stdout of a shell command run in the test repository. */
__attribute__((format(printf, 2, 3))) static void sh_out(struct strbuf *out, const char *fmt, ...)
{
	struct strbuf cmd = STRBUF_INIT;
	va_list ap;
	FILE *f;

	strbuf_reset(out);
	strbuf_addf(&cmd, "cd '%s' && ", repo_dir.buf);
	va_start(ap, fmt);
	strbuf_vaddf(&cmd, fmt, ap);
	va_end(ap);
	f = popen(cmd.buf, "r");
	assert_non_null(f);
	assert_int_equal(strbuf_read_fd(out, fileno(f)), 0);
	assert_int_equal(pclose(f), 0);
	strbuf_rtrim(out);
	strbuf_release(&cmd);
}

static void commit_file(const char *file, const char *content, const char *subject)
{
	sh("cd '%s' && printf '%%s\\n' '%s' > '%s' && git add '%s' && git commit -q -m '%s'",
	   repo_dir.buf, content, file, file, subject);
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(tmpdir))
		return -1;
	setenv("HOME", tmpdir, 1);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("GIT_AUTHOR_NAME", "Ada Lovelace", 1);
	setenv("GIT_AUTHOR_EMAIL", "ada@example.org", 1);
	setenv("GIT_COMMITTER_NAME", "Ada Lovelace", 1);
	setenv("GIT_COMMITTER_EMAIL", "ada@example.org", 1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	strbuf_release(&repo_dir);
	strbuf_release(&case_dir);
	return checkout_remove_tree(tmpdir, NULL);
}

/* A fresh copy of the history above in <tmpdir>/<name>/repo. */
static int make_repo(void **state)
{
	static int n;
	struct strbuf dir = STRBUF_INIT;

	(void)state;
	strbuf_addf(&dir, "%s/case%d", tmpdir, ++n);
	strbuf_reset(&case_dir);
	strbuf_addstr(&case_dir, dir.buf);
	strbuf_reset(&repo_dir);
	strbuf_addf(&repo_dir, "%s/repo", dir.buf);
	sh("mkdir -p '%s' && git init -q -b main '%s'", repo_dir.buf, repo_dir.buf);
	sh("cd '%s' && printf '[build]\\n\\tcommand = true\\n[benchmark \"j\"]\\n\\tcommand = "
	   "./j\\n\\tgolden = g\\n' > .perfwarden && git add .perfwarden",
	   repo_dir.buf);
	commit_file("a.txt", "one", "c1: first");
	sh("cd '%s' && git tag v1", repo_dir.buf);
	commit_file("a.txt", "two", "c2: second");
	sh("cd '%s' && git checkout -q -b feature", repo_dir.buf);
	commit_file("feat.txt", "f1", "f1: feature one");
	commit_file("feat.txt", "f2", "f2: feature two");
	sh("cd '%s' && git checkout -q main", repo_dir.buf);
	commit_file("b.txt", "three", "c3: third");
	sh("cd '%s' && git merge -q --no-ff -m 'M: merge feature' feature", repo_dir.buf);
	sh("cd '%s' && git rm -q .perfwarden && printf 'four\\n' > a.txt && git commit -q -am 'c4: "
	   "fourth\n\nbody text'",
	   repo_dir.buf);
	strbuf_release(&dir);
	return 0;
}

static struct checkout_repo *open_repo(void)
{
	struct pw_error err = PW_ERROR_INIT;
	struct checkout_repo *repo = NULL;

	if (checkout_repo_open(&repo, repo_dir.buf, NULL, &err) < 0)
		fail_msg("%s", pw_error_message(&err));
	pw_error_release(&err);
	return repo;
}

static void test_checkout__single_rev_has_its_metadata(void **state)
{
	struct checkout_repo *repo = open_repo();
	struct checkout_list list = CHECKOUT_LIST_INIT;
	struct pw_error err = PW_ERROR_INIT;
	struct strbuf want = STRBUF_INIT;
	const struct checkout_commit *c;

	(void)state;
	assert_int_equal(checkout_resolve(repo, "HEAD~1", &list, &err), 0);
	assert_int_equal(list.ncommits, 1);
	assert_false(list.has_base);
	c = &list.commits[0];
	sh_out(&want, "git rev-parse HEAD~1");
	assert_string_equal(c->hash, want.buf);
	assert_int_equal(strncmp(c->short_hash, c->hash, 7), 0);
	assert_string_equal(c->subject, "M: merge feature");
	assert_string_equal(c->author_name, "Ada Lovelace");
	assert_string_equal(c->author_email, "ada@example.org");
	assert_int_equal(c->nparents, 2);
	sh_out(&want, "git rev-parse HEAD~2");
	assert_string_equal(c->parents[0], want.buf);
	sh_out(&want, "git rev-parse feature");
	assert_string_equal(c->parents[1], want.buf);
	sh_out(&want, "git log -1 --format=%%at HEAD~1");
	assert_int_equal(c->author_time, atoll(want.buf));

	/* a second argument naming the same commit is not listed twice */
	assert_int_equal(checkout_resolve(repo, "main~1", &list, &err), 0);
	assert_int_equal(checkout_resolve(repo, "v1", &list, &err), 0);
	assert_int_equal(list.ncommits, 2);
	assert_string_equal(list.commits[1].subject, "c1: first");

	checkout_list_release(&list);
	strbuf_release(&want);
	pw_error_release(&err);
	checkout_repo_free(repo);
}

static void test_checkout__range_is_first_parent_oldest_first(void **state)
{
	struct checkout_repo *repo = open_repo();
	struct checkout_list list = CHECKOUT_LIST_INIT;
	struct pw_error err = PW_ERROR_INIT;
	struct strbuf want = STRBUF_INIT, got = STRBUF_INIT;
	const char *subjects[] = {"c2: second", "c3: third", "M: merge feature", "c4: fourth"};
	size_t i;

	(void)state;
	assert_int_equal(checkout_resolve(repo, "v1..main", &list, &err), 0);
	assert_int_equal(list.ncommits, 4);
	for (i = 0; i < 4; i++) {
		assert_string_equal(list.commits[i].subject, subjects[i]);
		strbuf_addf(&got, "%s\n", list.commits[i].hash);
	}
	strbuf_rtrim(&got);
	sh_out(&want, "git rev-list --first-parent --reverse v1..main");
	assert_string_equal(got.buf, want.buf);
	assert_true(list.has_base);
	sh_out(&want, "git rev-parse v1");
	assert_string_equal(list.base.hash, want.buf);
	checkout_list_release(&list);

	/* an empty left side means HEAD, as in git; and an empty range is no error */
	assert_int_equal(checkout_resolve(repo, "..main", &list, &err), 0);
	assert_int_equal(list.ncommits, 0);
	assert_true(list.has_base);
	checkout_list_release(&list);

	/* a range from a commit on the side branch: git's meaning, not just first parents */
	assert_int_equal(checkout_resolve(repo, "feature..main", &list, &err), 0);
	strbuf_reset(&got);
	for (i = 0; i < list.ncommits; i++)
		strbuf_addf(&got, "%s\n", list.commits[i].hash);
	strbuf_rtrim(&got);
	sh_out(&want, "git rev-list --first-parent --reverse feature..main");
	assert_string_equal(got.buf, want.buf);
	checkout_list_release(&list);

	strbuf_release(&want);
	strbuf_release(&got);
	pw_error_release(&err);
	checkout_repo_free(repo);
}

static void test_checkout__unknown_rev_is_named(void **state)
{
	struct checkout_repo *repo = open_repo();
	struct checkout_list list = CHECKOUT_LIST_INIT;
	struct pw_error err = PW_ERROR_INIT;

	(void)state;
	assert_int_equal(checkout_resolve(repo, "nope", &list, &err), PW_ENOTFOUND);
	assert_string_equal(pw_error_message(&err), "unknown revision 'nope'");
	assert_int_equal(checkout_resolve(repo, "v1..nope", &list, &err), PW_ENOTFOUND);
	assert_string_equal(pw_error_message(&err), "in range 'v1..nope': unknown revision 'nope'");
	assert_int_equal(checkout_resolve(repo, "v1...main", &list, &err), PW_EINVALID);
	assert_string_equal(pw_error_message(&err),
	                    "symmetric ranges are not supported: 'v1...main' (use A..B)");
	assert_int_equal(checkout_resolve(repo, "main^{tree}", &list, &err), PW_EINVALID);
	assert_string_equal(pw_error_message(&err), "'main^{tree}' is not a commit");
	assert_int_equal(list.ncommits, 0);
	checkout_list_release(&list);
	pw_error_release(&err);
	checkout_repo_free(repo);
}

static void test_checkout__worktree_has_the_commit_files_and_user_tree_is_untouched(void **state)
{
	struct checkout_repo *repo = open_repo();
	struct pw_error err = PW_ERROR_INIT;
	struct strbuf path = STRBUF_INIT, status = STRBUF_INIT, status2 = STRBUF_INIT;
	struct strbuf head = STRBUF_INIT, head2 = STRBUF_INIT, idx = STRBUF_INIT,
	              idx2 = STRBUF_INIT, want = STRBUF_INIT, file = STRBUF_INIT;
	struct strbuf workdir = STRBUF_INIT;
	int reused = -1;

	(void)state;
	/* the user's tree: a dirty tracked file, a staged change, an untracked file */
	sh("cd '%s' && echo dirty > a.txt && echo staged > b.txt && git add b.txt && echo new > "
	   "untracked.txt",
	   repo_dir.buf);
	sh_out(&status, "git status --porcelain=v1");
	sh_out(&head, "git rev-parse HEAD && git symbolic-ref HEAD");
	sh_out(&idx, "sha1sum .git/index");

	strbuf_addf(&workdir, "%s/work", case_dir.buf);
	assert_int_equal(checkout_worktree(repo, "main~3", workdir.buf, 0, &path, &reused, &err),
	                 0);
	assert_int_equal(reused, 0);
	sh_out(&want, "git rev-parse main~3");
	assert_non_null(strstr(path.buf, want.buf));
	strbuf_addf(&file, "%s/a.txt", path.buf);
	strbuf_reset(&want);
	assert_int_equal(strbuf_read_file(&want, file.buf), 0);
	assert_string_equal(want.buf, "two\n");
	strbuf_reset(&file);
	strbuf_addf(&file, "%s/b.txt", path.buf);
	assert_int_not_equal(access(file.buf, F_OK), 0); /* c3 added it: not there in c2 */
	strbuf_reset(&file);
	strbuf_addf(&file, "%s/.perfwarden", path.buf);
	assert_int_equal(access(file.buf, F_OK), 0);
	strbuf_reset(&file);
	strbuf_addf(&file, "%s/untracked.txt", path.buf);
	assert_int_not_equal(access(file.buf, F_OK), 0);

	sh_out(&status2, "git status --porcelain=v1");
	sh_out(&head2, "git rev-parse HEAD && git symbolic-ref HEAD");
	sh_out(&idx2, "sha1sum .git/index");
	assert_string_equal(status.buf, status2.buf);
	assert_string_equal(head.buf, head2.buf);
	assert_string_equal(idx.buf, idx2.buf);
	sh_out(&want, "cat a.txt");
	assert_string_equal(want.buf, "dirty");

	strbuf_release(&path);
	strbuf_release(&status);
	strbuf_release(&status2);
	strbuf_release(&head);
	strbuf_release(&head2);
	strbuf_release(&idx);
	strbuf_release(&idx2);
	strbuf_release(&want);
	strbuf_release(&file);
	strbuf_release(&workdir);
	pw_error_release(&err);
	checkout_repo_free(repo);
}

static void test_checkout__second_checkout_is_reused_and_half_done_is_redone(void **state)
{
	struct checkout_repo *repo = open_repo();
	struct pw_error err = PW_ERROR_INIT;
	struct strbuf path = STRBUF_INIT, path2 = STRBUF_INIT, sentinel = STRBUF_INIT,
	              workdir = STRBUF_INIT;
	int reused = -1;

	(void)state;
	strbuf_addf(&workdir, "%s/work", case_dir.buf);
	assert_int_equal(checkout_worktree(repo, "main", workdir.buf, 0, &path, &reused, &err), 0);
	assert_int_equal(reused, 0);
	strbuf_addf(&sentinel, "%s/build-output.o", path.buf);
	sh("echo built > '%s'", sentinel.buf);

	assert_int_equal(checkout_worktree(repo, "main", workdir.buf, 0, &path2, &reused, &err), 0);
	assert_int_equal(reused, 1);
	assert_string_equal(path.buf, path2.buf);
	assert_int_equal(access(sentinel.buf, F_OK), 0);

	/* a checkout interrupted before its marker was written is done again */
	sh("rm '%s/%s' && rm '%s/a.txt'", path.buf, CHECKOUT_MARKER, path.buf);
	strbuf_reset(&path2);
	assert_int_equal(checkout_worktree(repo, "main", workdir.buf, 0, &path2, &reused, &err), 0);
	assert_int_equal(reused, 0);
	assert_int_not_equal(access(sentinel.buf, F_OK), 0);
	sh("test \"$(cat '%s/a.txt')\" = four", path.buf);

	/* and CHECKOUT_FORCE redoes a complete one */
	sh("echo built > '%s'", sentinel.buf);
	strbuf_reset(&path2);
	assert_int_equal(
	        checkout_worktree(repo, "main", workdir.buf, CHECKOUT_FORCE, &path2, &reused, &err),
	        0);
	assert_int_equal(reused, 0);
	assert_int_not_equal(access(sentinel.buf, F_OK), 0);

	strbuf_release(&path);
	strbuf_release(&path2);
	strbuf_release(&sentinel);
	strbuf_release(&workdir);
	pw_error_release(&err);
	checkout_repo_free(repo);
}

static void test_checkout__relative_workdir_gives_an_absolute_path(void **state)
{
	struct checkout_repo *repo = open_repo();
	struct pw_error err = PW_ERROR_INIT;
	struct strbuf path = STRBUF_INIT, file = STRBUF_INIT, content = STRBUF_INIT;
	char cwd[4096];
	int ret;

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(case_dir.buf), 0);
	ret = checkout_worktree(repo, "v1", "rel/work", 0, &path, NULL, &err);
	assert_int_equal(chdir(cwd), 0);
	if (ret < 0)
		fail_msg("%s", pw_error_message(&err));
	assert_int_equal(path.buf[0], '/');
	strbuf_addf(&file, "%s/a.txt", path.buf);
	assert_int_equal(strbuf_read_file(&content, file.buf), 0);
	assert_string_equal(content.buf, "one\n");
	strbuf_release(&path);
	strbuf_release(&file);
	strbuf_release(&content);
	pw_error_release(&err);
	checkout_repo_free(repo);
}

static void test_checkout__read_file_from_commit_with_and_without_spec(void **state)
{
	struct checkout_repo *repo = open_repo();
	struct pw_error err = PW_ERROR_INIT;
	struct strbuf content = STRBUF_INIT, msg = STRBUF_INIT, shorthash = STRBUF_INIT;
	struct spec *spec = NULL;

	(void)state;
	assert_int_equal(checkout_read_file(repo, "main~1", ".perfwarden", &content, &err), 0);
	assert_non_null(strstr(content.buf, "[benchmark \"j\"]"));
	assert_int_equal(spec_parse_commit(&spec, repo, "main~1", &err), 0);
	assert_string_equal(spec->benchmarks[0].name, "j");
	spec_free(spec);

	sh_out(&shorthash, "git rev-parse --short=7 main");
	assert_int_equal(checkout_read_file(repo, "main", ".perfwarden", &content, &err),
	                 PW_ENOTFOUND);
	strbuf_addf(&msg, "'.perfwarden' does not exist in commit %s", shorthash.buf);
	assert_string_equal(pw_error_message(&err), msg.buf);
	assert_int_equal(spec_parse_commit(&spec, repo, "main", &err), PW_ENOTFOUND);
	assert_null(spec);
	strbuf_reset(&msg);
	sh_out(&shorthash, "git rev-parse --short main");
	strbuf_addf(&msg, "commit %s has no .perfwarden", shorthash.buf);
	assert_string_equal(pw_error_message(&err), msg.buf);

	assert_int_equal(checkout_read_file(repo, "main", "nodir/x", &content, &err), PW_ENOTFOUND);

	strbuf_release(&content);
	strbuf_release(&msg);
	strbuf_release(&shorthash);
	pw_error_release(&err);
	checkout_repo_free(repo);
}

static void expect_main_is(struct checkout_repo *repo, const char *rev_in_origin)
{
	struct pw_error err = PW_ERROR_INIT;
	struct checkout_commit c = CHECKOUT_COMMIT_INIT;
	struct strbuf want = STRBUF_INIT;

	sh_out(&want, "git rev-parse %s", rev_in_origin);
	assert_int_equal(checkout_commit_lookup(repo, "main", &c, &err), 0);
	assert_string_equal(c.hash, want.buf);
	checkout_commit_release(&c);
	strbuf_release(&want);
	pw_error_release(&err);
}

static void test_checkout__clone_from_url_and_bare_path_then_fetch(void **state)
{
	struct pw_error err = PW_ERROR_INIT;
	struct checkout_repo *clone = NULL, *clone2 = NULL;
	struct strbuf bare = STRBUF_INIT, url = STRBUF_INIT, cache = STRBUF_INIT,
	              path = STRBUF_INIT;

	(void)state;
	strbuf_addf(&bare, "%s/origin.git", case_dir.buf);
	strbuf_addf(&cache, "%s/cache", case_dir.buf);
	sh("git clone -q --bare '%s' '%s'", repo_dir.buf, bare.buf);
	sh("cd '%s' && git remote add origin '%s'", repo_dir.buf, bare.buf);
	strbuf_addf(&url, "file://%s", bare.buf);

	/* a URL is cloned into the cache */
	if (checkout_repo_open(&clone, url.buf, cache.buf, &err) < 0)
		fail_msg("%s", pw_error_message(&err));
	assert_true(checkout_repo_is_clone(clone));
	assert_int_equal(strncmp(checkout_repo_path(clone), cache.buf, cache.len), 0);
	expect_main_is(clone, "main");
	assert_int_equal(checkout_worktree(clone, "main", cache.buf, 0, &path, NULL, &err), 0);

	/* a bare repository's path can be cloned too */
	if (checkout_repo_clone(&clone2, bare.buf, cache.buf, &err) < 0)
		fail_msg("%s", pw_error_message(&err));
	assert_string_not_equal(checkout_repo_path(clone), checkout_repo_path(clone2));
	expect_main_is(clone2, "main");

	/* new commits pushed to the origin arrive with a fetch */
	commit_file("c.txt", "five", "c5: fifth");
	sh("cd '%s' && git push -q origin main", repo_dir.buf);
	assert_int_equal(checkout_repo_fetch(clone2, &err), 0);
	expect_main_is(clone2, "main");
	checkout_repo_free(clone);
	clone = NULL;
	/* opening the URL again fetches into the existing clone */
	if (checkout_repo_open(&clone, url.buf, cache.buf, &err) < 0)
		fail_msg("%s", pw_error_message(&err));
	expect_main_is(clone, "main");

	/* a local repository is used in place and is not a clone */
	checkout_repo_free(clone2);
	clone2 = open_repo();
	assert_false(checkout_repo_is_clone(clone2));
	assert_int_equal(checkout_repo_fetch(clone2, &err), PW_EINVALID);
	checkout_repo_free(clone2);
	clone2 = NULL;

	assert_int_equal(checkout_repo_open(&clone2, "file:///nonexistent/x.git", cache.buf, &err),
	                 PW_EIO);
	assert_non_null(
	        strstr(pw_error_message(&err), "could not clone 'file:///nonexistent/x.git'"));
	assert_null(clone2);

	checkout_repo_free(clone);
	strbuf_release(&bare);
	strbuf_release(&url);
	strbuf_release(&cache);
	strbuf_release(&path);
	pw_error_release(&err);
}

static void test_checkout__open_discovers_or_refuses(void **state)
{
	struct pw_error err = PW_ERROR_INIT;
	struct checkout_repo *repo = NULL;
	struct strbuf sub = STRBUF_INIT, want = STRBUF_INIT;
	char cwd[4096];

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	strbuf_addf(&sub, "%s/deep/er", repo_dir.buf);
	sh("mkdir -p '%s'", sub.buf);
	assert_int_equal(chdir(sub.buf), 0);
	assert_int_equal(checkout_repo_open(&repo, NULL, NULL, &err), 0);
	assert_int_equal(chdir(cwd), 0);
	strbuf_addf(&want, "%s/.git/", repo_dir.buf);
	assert_string_equal(checkout_repo_path(repo), want.buf);
	checkout_repo_free(repo);
	repo = NULL;

	assert_int_equal(checkout_repo_open(&repo, tmpdir, NULL, &err), PW_ENOTFOUND);
	assert_null(repo);
	strbuf_reset(&want);
	strbuf_addf(&want, "not a git repository: '%s'", tmpdir);
	assert_string_equal(pw_error_message(&err), want.buf);

	strbuf_release(&sub);
	strbuf_release(&want);
	pw_error_release(&err);
}

static void test_checkout__history_helpers(void **state)
{
	struct checkout_repo *repo = open_repo();
	struct checkout_list list = CHECKOUT_LIST_INIT;
	struct pw_error err = PW_ERROR_INIT;
	struct strbuf want = STRBUF_INIT;
	char base[CHECKOUT_HASH_HEX + 1];

	(void)state;
	assert_int_equal(checkout_first_parents(repo, "main", 3, &list, &err), 0);
	assert_int_equal(list.ncommits, 3);
	assert_string_equal(list.commits[0].subject, "c4: fourth");
	assert_string_equal(list.commits[1].subject, "M: merge feature");
	assert_string_equal(list.commits[2].subject, "c3: third");
	checkout_list_release(&list);
	assert_int_equal(checkout_first_parents(repo, "main", 0, &list, &err), 0);
	assert_int_equal(list.ncommits, 5);
	checkout_list_release(&list);

	assert_int_equal(checkout_merge_base(repo, "feature", "main~2", base, &err), 0);
	sh_out(&want, "git rev-parse main~3");
	assert_string_equal(base, want.buf);

	assert_int_equal(checkout_is_ancestor(repo, "v1", "main", &err), 1);
	assert_int_equal(checkout_is_ancestor(repo, "feature", "main", &err), 1);
	assert_int_equal(checkout_is_ancestor(repo, "main", "v1", &err), 0);
	assert_int_equal(checkout_is_ancestor(repo, "main", "main", &err), 1);
	assert_int_equal(checkout_is_ancestor(repo, "nope", "main", &err), PW_ENOTFOUND);

	strbuf_release(&want);
	pw_error_release(&err);
	checkout_repo_free(repo);
}

/* The key of `where` (checkout_repo_key), asserted to succeed; into `out` (reset first). */
static const char *key_of(struct strbuf *out, const char *where)
{
	struct pw_error err = PW_ERROR_INIT;

	strbuf_reset(out);
	assert_int_equal(checkout_repo_key(out, where, &err), 0);
	pw_error_release(&err);
	return out->buf;
}

static void test_checkout__repo_key_is_one_for_every_spelling(void **state)
{
	struct strbuf key = STRBUF_INIT, where = STRBUF_INIT, bare = STRBUF_INIT;
	struct pw_error err = PW_ERROR_INIT;
	char *real = realpath(repo_dir.buf, NULL), cwd[4096];

	(void)state;
	assert_non_null(real);
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_string_equal(key_of(&key, repo_dir.buf), real);
	strbuf_addf(&where, "%s/", repo_dir.buf);
	assert_string_equal(key_of(&key, where.buf), real);
	strbuf_reset(&where);
	strbuf_addf(&where, "%s/.git", repo_dir.buf);
	assert_string_equal(key_of(&key, where.buf), real);
	strbuf_addch(&where, '/');
	assert_string_equal(key_of(&key, where.buf), real);
	sh("ln -s '%s' '%s/link'", repo_dir.buf, case_dir.buf);
	strbuf_reset(&where);
	strbuf_addf(&where, "%s/link", case_dir.buf);
	assert_string_equal(key_of(&key, where.buf), real);

	/* relative, and NULL: the repository of the current directory */
	assert_int_equal(chdir(case_dir.buf), 0);
	assert_string_equal(key_of(&key, "./repo"), real);
	assert_string_equal(key_of(&key, "repo/"), real);
	assert_int_equal(chdir(repo_dir.buf), 0);
	assert_string_equal(key_of(&key, NULL), real);
	assert_int_equal(chdir(cwd), 0);

	/* a bare repository keeps its name; a URL stays as given */
	strbuf_addf(&bare, "%s/bare.git", case_dir.buf);
	sh("git clone -q --bare '%s' '%s'", repo_dir.buf, bare.buf);
	strbuf_reset(&where);
	strbuf_addf(&where, "%s/", bare.buf);
	free(real);
	real = realpath(bare.buf, NULL);
	assert_string_equal(key_of(&key, where.buf), real);
	assert_string_equal(key_of(&key, "https://example.org/acme/widget.git"),
	                    "https://example.org/acme/widget.git");
	assert_string_equal(key_of(&key, "git@example.org:acme/widget.git"),
	                    "git@example.org:acme/widget.git");

	/* no repository here (another machine's, or deleted): the text, tidied */
	assert_string_equal(key_of(&key, "/srv/nowhere/widget/"), "/srv/nowhere/widget");
	assert_string_equal(key_of(&key, "/srv/nowhere/widget/.git"), "/srv/nowhere/widget");

	/* outside any repository, NULL has no key */
	assert_int_equal(chdir(tmpdir), 0);
	strbuf_reset(&key);
	assert_int_equal(checkout_repo_key(&key, NULL, &err), PW_ENOTFOUND);
	assert_int_equal(chdir(cwd), 0);

	free(real);
	strbuf_release(&key);
	strbuf_release(&where);
	strbuf_release(&bare);
	pw_error_release(&err);
}

#define T(f) cmocka_unit_test_setup(f, make_repo)

int main(void)
{
	const struct CMUnitTest tests[] = {
	        T(test_checkout__single_rev_has_its_metadata),
	        T(test_checkout__range_is_first_parent_oldest_first),
	        T(test_checkout__unknown_rev_is_named),
	        T(test_checkout__worktree_has_the_commit_files_and_user_tree_is_untouched),
	        T(test_checkout__second_checkout_is_reused_and_half_done_is_redone),
	        T(test_checkout__relative_workdir_gives_an_absolute_path),
	        T(test_checkout__read_file_from_commit_with_and_without_spec),
	        T(test_checkout__clone_from_url_and_bare_path_then_fetch),
	        T(test_checkout__open_discovers_or_refuses),
	        T(test_checkout__history_helpers),
	        T(test_checkout__repo_key_is_one_for_every_spelling),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
