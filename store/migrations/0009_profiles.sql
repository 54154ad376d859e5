-- perfwarden schema, version 9 (0008 belongs to another change): profiles
-- (callgrind, massif) of a benchmark on a commit, kept so that `perfwarden explain`, the dashboard and the report
-- need no rebuild to show where the time or the memory went. A profile is
-- perfwarden's own JSON form (runner/explain/profile.h), zlib-compressed.
-- Appended, never replaced: profiling again adds a row, readers take the
-- newest (id DESC) for the key.
CREATE TABLE profiles (
	id bigserial PRIMARY KEY,
	repository text NOT NULL,        -- the repository's location, as runs store it
	commit_hash text NOT NULL,
	benchmark text NOT NULL,
	environment text NOT NULL,       -- the machine's fingerprint
	tool text NOT NULL CHECK (tool IN ('callgrind', 'massif')),
	options text NOT NULL DEFAULT '', -- what the tool was asked beside the default
	spec_hash text NOT NULL DEFAULT '', -- the spec in force (its build made the profiled binary)
	build text NOT NULL DEFAULT '',   -- the build's artefact digest when known
	raw_bytes bigint NOT NULL,        -- the JSON's size before compression
	data bytea NOT NULL,              -- zlib(JSON)
	created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX profiles_newest ON profiles
	(repository, commit_hash, benchmark, environment, tool, options, id DESC);
