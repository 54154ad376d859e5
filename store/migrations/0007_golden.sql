-- perfwarden schema, version 7: golden sets in the store (0006 belongs to
-- another change), so every worker of a fleet verifies against the same set
-- without copying files. A set is recorded, never edited: recording NAME
-- again adds a version, and readers take the newest (id DESC). The file form
-- (golden/NAME.out, NAME.sum or NAME.sha256, NAME.provenance.json) stays the
-- exchange format: `perfwarden golden push/pull` move a set between the two.
CREATE TABLE golden_sets (
	id bigserial PRIMARY KEY,
	name text NOT NULL CHECK (name <> '' AND name NOT LIKE '%/%' AND name NOT LIKE '.%'),
	mode text NOT NULL CHECK (mode IN ('grid', 'digest', 'json')),
	check_text text NOT NULL,        -- NAME.sum (grid), the sha256 (digest), '' (json)
	expected bytea,                  -- NAME.out; NULL for a digest-only set
	provenance jsonb,                -- commit, spec hash, command, date, machine
	created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX golden_sets_newest ON golden_sets (name, id DESC);
