/*
 * Verdicts into the store and back (runner/judge/record.h): the rows of the
 * judgements table, keyed like the pipeline's runs (repository location,
 * commit, benchmark, environment fingerprint, spec hash).
 */
#include "record.h"

int record_judgement(struct pipeline *p, const struct pipeline_commit *cand,
                     const struct pipeline_commit *base, const char *benchmark,
                     const struct store_judgement *j, int64_t *id, struct pw_error *err)
{
	struct store_judgement full = *j;
	int ret;

	if (!pipeline_store(p))
		return 0;
	if (!cand->spec)
		return pw_error_set(
		        err, PW_EINVALID,
		        "could not store the judgement of '%s' on %s: the commit has no spec",
		        benchmark, cand->commit.short_hash);
	/* a commit judged without being run (unchanged artefacts) has no run to bring it */
	if ((ret = pipeline_commit_known(p, cand, err)) < 0 ||
	    (base && (ret = pipeline_commit_known(p, base, err)) < 0))
		return ret;
	full.repo_location = pipeline_repo_location(p);
	full.candidate = cand->commit.hash;
	full.baseline = base ? base->commit.hash : NULL;
	full.benchmark = benchmark;
	full.fingerprint = pipeline_fingerprint(p);
	full.spec_hash = cand->spec->hash;
	return store_judgement_add(pipeline_store(p), &full, id, err);
}

int record_find(struct pipeline *p, const struct pipeline_commit *cand,
                const struct pipeline_commit *base, const char *benchmark, const char *metric,
                const char *judge, struct store_judgement_row *out, struct pw_error *err)
{
	store_judgement_row_release(out);
	if (!pipeline_store(p) || (pipeline_flags(p) & PIPELINE_FORCE) || !cand->spec)
		return pw_error_set(err, PW_ENOTFOUND, "no stored judgement to reuse");
	return store_judgement_find(pipeline_store(p), pipeline_repo_location(p), cand->commit.hash,
	                            base ? base->commit.hash : NULL, benchmark,
	                            pipeline_fingerprint(p), cand->spec->hash, metric, judge, out,
	                            err);
}
