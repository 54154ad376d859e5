#ifndef PERFWARDEN_ARTEFACT_H
#define PERFWARDEN_ARTEFACT_H

#include "error.h"
#include "strbuf.h"

/*
 * What a build made, reduced to one digest, so that a commit whose build is
 * byte-identical to its baseline's can be told apart from one that may have
 * changed speed: identical programs and inputs cannot be slower, and need no
 * timing run.
 *
 * The artefacts are the files matching `patterns` (the spec's
 * `[build] artifacts`, space-separated globs relative to the worktree) or,
 * when there are none, what the build evidently made to be run: every ELF
 * executable and shared library under the worktree (`.git` skipped), plus
 * every file of the worktree that a benchmark's command line names, such as
 * a script or an input file.
 *
 * Each commit is built in its own worktree, whose path the build may embed
 * (debug information, __FILE__, rpaths), and the linker's build-id hashes
 * those bytes too. So before hashing, every occurrence of the worktree's
 * path and of the commit's hash is replaced by a fixed token, the
 * descriptor of every GNU build-id note is zeroed, and of an ELF file only
 * what is loaded to run it counts (its SHF_ALLOC sections: code, data,
 * read-only data — not debug information, whose string tables the linker
 * orders by the directory's name). Two builds of the same sources in two
 * worktrees then give the same digest, while any byte of difference in what
 * runs gives another.
 */
struct artefact_digest {
	char hex[65];        /* SHA-256 of the sorted files' names and contents */
	size_t files;        /* how many files went in */
	struct strbuf names; /* their paths relative to the worktree, one per line */
};

#define ARTEFACT_DIGEST_INIT                                                                       \
	{                                                                                          \
		"", 0, STRBUF_INIT                                                                 \
	}

void artefact_digest_release(struct artefact_digest *d);

/*
 * Digest the artefacts of the build in `worktree` (absolute) of commit
 * `hash` (40 hex). `patterns` may be NULL (then: found as above); `commands`
 * is a NULL-terminated list of benchmark commands (may be NULL). PW_ENOTFOUND
 * when nothing matched (no claim of identity can be made), PW_EIO when a
 * file cannot be read, PW_EINVALID when the files exceed 1 GiB together.
 */
int artefact_digest(const char *worktree, const char *hash, const char *patterns,
                    const char *const *commands, struct artefact_digest *out, struct pw_error *err);

#endif
