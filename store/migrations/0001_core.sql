-- perfwarden schema, version 1: what was measured, for which commit, where.
CREATE TABLE repositories (
	id bigserial PRIMARY KEY,
	location text NOT NULL UNIQUE,      -- absolute path of a local repository, or its URL
	name text NOT NULL
);

CREATE TABLE commits (
	id bigserial PRIMARY KEY,
	repository_id bigint NOT NULL REFERENCES repositories ON DELETE CASCADE,
	hash text NOT NULL,
	parents text[] NOT NULL DEFAULT '{}',
	author text,
	email text,
	author_time timestamptz,
	subject text,
	UNIQUE (repository_id, hash)
);

CREATE TABLE environments (
	id bigserial PRIMARY KEY,
	fingerprint text NOT NULL UNIQUE,
	details jsonb NOT NULL DEFAULT '{}'
);

-- One benchmark measured on one commit in one environment with one spec.
-- Runs are written together with their samples in one transaction, so every
-- row here is complete; re-measuring (--force) replaces the row for the key.
CREATE TABLE runs (
	id bigserial PRIMARY KEY,
	commit_id bigint NOT NULL REFERENCES commits ON DELETE CASCADE,
	benchmark text NOT NULL,
	environment_id bigint NOT NULL REFERENCES environments,
	spec_hash text NOT NULL,
	started_at timestamptz,
	finished_at timestamptz,
	verdict text,
	build_log_tail text,
	diff_report text,
	stderr_tail text,
	metadata jsonb NOT NULL DEFAULT '{}',
	UNIQUE (commit_id, benchmark, environment_id, spec_hash)
);

-- One kept repetition; NULL where the machine could not measure the metric.
-- run_id has no FOREIGN KEY on purpose: its per-row check made COPY ~3x
-- slower. Samples are only ever written in the transaction that writes their
-- run (store/results.c), and the trigger below removes them with their run.
CREATE TABLE samples (
	run_id bigint NOT NULL,
	seq integer NOT NULL,
	wall_ns bigint,
	user_ns bigint,
	sys_ns bigint,
	maxrss_kib bigint,
	minflt bigint,
	majflt bigint,
	nvcsw bigint,
	nivcsw bigint,
	instructions bigint,
	cycles bigint,
	branch_misses bigint,
	cache_misses bigint,
	exit_code integer,
	term_signal integer,
	timed_out boolean NOT NULL DEFAULT false,
	PRIMARY KEY (run_id, seq)
);

CREATE FUNCTION runs_delete_samples() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM samples s USING old_runs o WHERE s.run_id = o.id;
	RETURN NULL;
END
$$;

CREATE TRIGGER runs_delete_samples AFTER DELETE ON runs
	REFERENCING OLD TABLE AS old_runs
	FOR EACH STATEMENT EXECUTE FUNCTION runs_delete_samples();
