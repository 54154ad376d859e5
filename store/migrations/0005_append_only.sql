-- perfwarden schema, version 5: nothing stored is ever replaced.
--
-- Runs are appended: measuring a commit again (--force, confirmation runs,
-- another check) adds a run and its samples next to the earlier ones, so the
-- key (commit, benchmark, environment, spec hash) is no longer unique.
-- Readers that want one run per key take the newest complete one
-- (finished_at DESC NULLS LAST, id DESC), which the index below serves.
DO $$
DECLARE
	c text;
BEGIN
	FOR c IN SELECT conname FROM pg_constraint
		WHERE conrelid = 'runs'::regclass AND contype = 'u'
	LOOP
		EXECUTE format('ALTER TABLE runs DROP CONSTRAINT %I', c);
	END LOOP;
END
$$;

CREATE INDEX runs_key_newest ON runs (commit_id, benchmark, environment_id, spec_hash,
	finished_at DESC NULLS LAST, id DESC);

-- Every verdict ever given, with the rule that gave it. The run's own
-- verdict (runs.verdict) is the measurement's: ok, wrong-output, crashed,
-- timeout, build-failed; whether a commit is slower or faster than its
-- baseline is a judgement, and a commit judged again (another metric, another
-- judge, a re-check) gains a row here instead of losing the earlier one.
-- The repository is the candidate commit's; the baseline is a commit of the
-- same repository, NULL when the candidate was judged against nothing.
CREATE TABLE judgements (
	id bigserial PRIMARY KEY,
	created_at timestamptz NOT NULL DEFAULT now(),
	commit_id bigint NOT NULL REFERENCES commits ON DELETE CASCADE,
	baseline_id bigint REFERENCES commits ON DELETE SET NULL,
	benchmark text NOT NULL,
	environment_id bigint NOT NULL REFERENCES environments,
	spec_hash text NOT NULL,
	metric text NOT NULL,            -- what was judged: wall, cpu, instructions, ...
	judge text NOT NULL,             -- the rule that decided, name/version: quantile-seq/1
	verdict text NOT NULL,           -- slower, faster, ok, inconclusive, wrong-output, ...
	ratio double precision,          -- candidate / baseline; NULL when not computed
	ci_lo double precision,
	ci_hi double precision,
	p_value double precision,
	rounds integer NOT NULL DEFAULT 0 CHECK (rounds >= 0), -- measuring rounds it took
	message text,                    -- the judge's one line
	details jsonb NOT NULL DEFAULT '{}'
);

-- "The newest judgement of this key by this metric and judge", and every
-- judgement of a commit.
CREATE INDEX judgements_key_newest ON judgements (commit_id, benchmark, environment_id,
	spec_hash, metric, judge, created_at DESC, id DESC);
CREATE INDEX judgements_baseline ON judgements (baseline_id) WHERE baseline_id IS NOT NULL;
