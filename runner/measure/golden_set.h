#ifndef PERFWARDEN_GOLDEN_SET_H
#define PERFWARDEN_GOLDEN_SET_H

#include <stdint.h>

#include "db.h"
#include "error.h"
#include "pipeline.h"
#include "spec.h"
#include "verify.h"

/*
 * Golden sets where they live, and how they are made.
 *
 * Where a set is looked up (the rule the pipeline, `perfwarden golden` and
 * the README share): the golden directory first (--golden-dir,
 * $PERFWARDEN_GOLDEN_DIR, the project's golden/); when the set's files are
 * not there, the store's newest version of that name. So a worker whose
 * directory lacks a set verifies against the fleet's, and a set in the
 * directory always wins (a local file is what a user edits and reviews).
 * A set found with another mode than the benchmark's is an error, never a
 * silent comparison.
 */

/*
 * Find set `name` of mode `mode`: in `dir`, else in `store` (may be NULL:
 * the directory only). set->origin says where it was found. PW_ENOTFOUND
 * ("no grid golden set 'x' in 'dir' (x.sum and .out), nor in the store"),
 * PW_EINVALID (inconsistent set, mode differs), PW_EIO, PW_EDB.
 */
int golden_set_find(struct verify_set *set, const char *dir, struct store *store, const char *name,
                    enum verify_mode mode, struct pw_error *err);

/*
 * Read set `name` from `dir` whatever its mode, told by its files: NAME.sum
 * is a grid set, NAME.sha256 a digest set, else NAME.provenance.json's
 * "mode", else a NAME.out that is JSON a json set (one that is not, a grid
 * set without its .sum). Errors as verify_set_read().
 */
int golden_set_read_any(struct verify_set *set, const char *dir, const char *name,
                        struct pw_error *err);

/* Add `set` to the store as a new version of its name; its id into *id (may be NULL). */
int golden_set_store_put(struct store *store, const struct verify_set *set, int64_t *id,
                         struct pw_error *err);

/*
 * The newest version of `name` from the store, whatever its mode, checked
 * (verify_set_check). PW_ENOTFOUND, PW_EINVALID, PW_EDB.
 */
int golden_set_store_get(struct store *store, const char *name, struct verify_set *set,
                         struct pw_error *err);

/*
 * Verify the output file at `output_path` of benchmark `sb` against its
 * golden set (found by golden_set_find; a set of the golden directory is
 * read lazily), filling `rep`, in bounded memory: the output and the set's
 * NAME.out are streamed (verify_set_compare_file). 0 with the verdict in
 * rep->matched; PW_ENOTFOUND when the output file or the set is missing
 * (the message says which), other codes as golden_set_find.
 */
int golden_set_verify_file(struct verify_report *rep, const char *dir, struct store *store,
                           const struct spec_benchmark *sb, const char *output_path,
                           const struct verify_options *opts, struct pw_error *err);

struct golden_set_record_options {
	const char *name;      /* the set to make */
	const char *rev;       /* the trusted commit */
	const char *benchmark; /* NULL: the one whose golden is `name`, else the only one */
	int mode;              /* enum verify_mode, or -1: the benchmark's `verify` */
};

/*
 * `perfwarden golden record`: check commit `rev` out and build it (through
 * `p`, which must be opened with PIPELINE_NO_VERIFY), run the benchmark once
 * (after its warm-ups and its test command, if any) and make the set from its
 * output, with its provenance as JSON: name, mode, benchmark, commit and its
 * subject, repository, spec hash, command, where the output came from, the
 * date (UTC), the machine (fingerprint, hostname), bytes and sha256. Nothing
 * is written: the caller writes the set where it wants it.
 *
 * PW_EMISMATCH when the commit cannot give an output (no spec, bad spec,
 * build failed, its tests failed, the run crashed) or the output does not
 * fit the mode, with the reason; PW_EINVALID for an unknown benchmark or
 * several to choose from; other codes as pipeline_prepare().
 */
int golden_set_record(struct pipeline *p, const struct golden_set_record_options *opts,
                      struct verify_set *out, struct pw_error *err);

#endif
