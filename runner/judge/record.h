#ifndef PERFWARDEN_RECORD_H
#define PERFWARDEN_RECORD_H

#include <stdint.h>

#include "error.h"
#include "judgements.h"
#include "pipeline.h"

/*
 * The judge's side of the store: verdicts are written and found again here,
 * beside the runs the pipeline wrote, never carried through the measurement.
 */

/*
 * Store one verdict on benchmark `benchmark` of `cand`, judged against `base`
 * (NULL: against nothing): `j`'s metric, judge, verdict, numbers, message and
 * details are used as given, and the rest is filled here — the repository's
 * location, both commits' hashes, the benchmark, this machine's fingerprint
 * and `cand`'s spec hash — so it matches the runs pipeline_save() wrote. The
 * repository, both commits and this environment are added to the store when
 * it lacks them (a commit judged `unchanged` has no run). 0 without doing
 * anything under PIPELINE_NO_STORE; `id` (may be NULL) gets the judgement's
 * id. Errors as store_judgement_add().
 */
int record_judgement(struct pipeline *p, const struct pipeline_commit *cand,
                     const struct pipeline_commit *base, const char *benchmark,
                     const struct store_judgement *j, int64_t *id, struct pw_error *err);

/*
 * The newest stored judgement of benchmark `benchmark` of `cand` against
 * `base` by `judge` on `metric`, in this environment with `cand`'s spec, so
 * that checking the same push again gives the same verdicts without
 * measuring. PW_ENOTFOUND when there is none (always under PIPELINE_NO_STORE
 * or PIPELINE_FORCE). `out` is released first; the caller releases it.
 */
int record_find(struct pipeline *p, const struct pipeline_commit *cand,
                const struct pipeline_commit *base, const char *benchmark, const char *metric,
                const char *judge, struct store_judgement_row *out, struct pw_error *err);

#endif
