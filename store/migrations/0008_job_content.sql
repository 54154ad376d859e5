-- perfwarden schema, version 8: webhook jobs are deduplicated by content, and
-- a new branch's base is found by the worker, not while the forge waits.
--
-- content_key is "<forge> <repository> <before> <after>" for a job a webhook
-- queued (NULL for `perfwarden enqueue`): replays of one push without a
-- delivery id, or with a fresh one, queue one job.
-- base_ref names the branch a new branch is judged from (its merge base with
-- the tip); the worker resolves it when it takes the job. NULL: base is final.
ALTER TABLE jobs ADD COLUMN content_key text UNIQUE;
ALTER TABLE jobs ADD COLUMN base_ref text;
