#ifndef PERFWARDEN_REVISION_H
#define PERFWARDEN_REVISION_H

#include "checkout.h"
#include "error.h"
#include "strbuf.h"

/*
 * A commit as people name one — HEAD, a branch, a tag, HEAD~2, a hash or a
 * prefix of one — turned into what the store looks up. The CLI (--repo or
 * the current directory's repository) and the HTTP API (?repo=, a
 * repository on the server's machine) both resolve through here, so a name
 * means the same commit to both.
 *
 * With `repo` (a repository on this machine; NULL when there is none) the
 * revision is looked up there and its full hash appended to `out`. When it
 * is not found there (or there is no repository) but is a hash prefix (4 to
 * 40 hexadecimal digits), the prefix itself is appended: the store may know
 * a commit this clone does not. Otherwise an error, its message for people:
 *  - PW_ENOTFOUND "unknown revision 'REV'" (checkout's), when `repo` was
 *    asked and does not have it;
 *  - PW_EINVALID for an ambiguous prefix or an object that is not a commit,
 *    and "'REV' is not a commit hash (4 to 40 hexadecimal digits), and no
 *    repository is here to resolve it in" when `repo` is NULL.
 */
int revision_resolve(struct checkout_repo *repo, const char *rev, struct strbuf *out,
                     struct pw_error *err);

#endif
