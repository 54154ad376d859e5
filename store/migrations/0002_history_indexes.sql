-- perfwarden schema, version 2: indexes for the history and lookup queries.
-- (NULLS LAST matches the history's ORDER BY, so the newest commits are read
-- straight off the index and the scan stops at --limit.)
CREATE INDEX commits_repository_time ON commits (repository_id, author_time DESC NULLS LAST, id DESC);
CREATE INDEX commits_time ON commits (author_time DESC NULLS LAST, id DESC);
CREATE INDEX commits_hash_prefix ON commits (hash text_pattern_ops);
CREATE INDEX runs_benchmark_commit ON runs (benchmark, commit_id);
