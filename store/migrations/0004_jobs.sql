-- perfwarden schema, version 4: the CI service's job queue, the webhook
-- deliveries already seen (idempotency), and the commit statuses to send.
--
-- A job is one pushed range to judge. Workers claim the oldest claimable job
-- with SELECT ... FOR UPDATE SKIP LOCKED and hold a lease (lease_owner,
-- lease_expires) that they renew while working; a job whose lease expired is
-- claimable again. Infrastructure failures put it back to 'queued' (after
-- run_after) until `attempts` reaches `max_attempts`, then it is 'failed'.
CREATE TABLE jobs (
	id bigserial PRIMARY KEY,
	repo text NOT NULL,              -- local path or URL of the repository to measure
	repo_name text,                  -- "owner/name" on the forge, for statuses; NULL: unknown
	forge text,                      -- github, gitea, gitlab when it came from a webhook
	base text NOT NULL DEFAULT '',   -- the range's base commit; '' judges the tip alone
	tip text NOT NULL,
	ref text,
	delivery_id text UNIQUE,         -- "<forge>:<delivery>", NULL when enqueued by hand
	state text NOT NULL DEFAULT 'queued'
		CHECK (state IN ('queued', 'running', 'done', 'failed')),
	attempts integer NOT NULL DEFAULT 0,
	max_attempts integer NOT NULL DEFAULT 3 CHECK (max_attempts > 0),
	run_after timestamptz NOT NULL DEFAULT now(),
	lease_owner text,
	lease_expires timestamptz,
	worker text,                     -- who finished it
	exit_code integer,               -- `perfwarden check`'s: 0 pass, 1 regression
	summary text,                    -- one line: the net verdicts
	result jsonb,                    -- the check's JSON report
	error text,                      -- why the last attempt failed
	created_at timestamptz NOT NULL DEFAULT now(),
	started_at timestamptz,
	finished_at timestamptz
);

-- The claim's scan: only unfinished jobs, oldest first.
CREATE INDEX jobs_open ON jobs (id) WHERE state IN ('queued', 'running');
CREATE INDEX jobs_state ON jobs (state, id);

CREATE TABLE deliveries (
	delivery_id text PRIMARY KEY,    -- "<forge>:<delivery>"
	job_id bigint REFERENCES jobs ON DELETE SET NULL,
	received_at timestamptz NOT NULL DEFAULT now()
);

-- A commit status (or webhook message) owed to a forge. Written with the
-- job's verdict in one transaction, so a forge that is down loses nothing;
-- `perfwarden notify --retry` sends the pending and failed ones again.
-- Tokens are never stored: they come from the config or the environment.
CREATE TABLE notifications (
	id bigserial PRIMARY KEY,
	job_id bigint REFERENCES jobs ON DELETE CASCADE,
	forge text NOT NULL,             -- github, gitea, gitlab, webhook
	repo_name text NOT NULL,         -- "owner/name" (or the config's repository name)
	sha text NOT NULL,
	context text NOT NULL,           -- benchmark, or "summary"
	state text NOT NULL,             -- enum notify_state, by name: success, failure, ...
	description text NOT NULL,
	target_url text,
	status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
	attempts integer NOT NULL DEFAULT 0,
	last_error text,
	http_status integer,
	created_at timestamptz NOT NULL DEFAULT now(),
	sent_at timestamptz,
	UNIQUE (job_id, forge, sha, context)
);
CREATE INDEX notifications_unsent ON notifications (id) WHERE status <> 'sent';
