/*
 * revision: a commit's name (a ref, HEAD~2, a hash or its prefix) turned
 * into the hash the store looks up, for the CLI and the HTTP API alike.
 */
#include "query.h"
#include "revision.h"

int revision_resolve(struct checkout_repo *repo, const char *rev, struct strbuf *out,
                     struct pw_error *err)
{
	struct checkout_commit c = CHECKOUT_COMMIT_INIT;
	struct pw_error lerr = PW_ERROR_INIT;
	int ret = 0;

	if (repo && checkout_commit_lookup(repo, rev, &c, &lerr) == 0)
		strbuf_addstr(out, c.hash);
	else if (store_hash_prefix_valid(rev))
		strbuf_addstr(out, rev);
	else if (repo)
		ret = pw_error_set(err, lerr.code ? lerr.code : PW_ENOTFOUND, "%s",
		                   pw_error_message(&lerr));
	else
		ret = pw_error_set(err, PW_EINVALID,
		                   "'%s' is not a commit hash (4 to 40 hexadecimal digits), and no "
		                   "repository is here to resolve it in",
		                   rev);
	checkout_commit_release(&c);
	pw_error_release(&lerr);
	return ret;
}
