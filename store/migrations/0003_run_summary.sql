-- perfwarden schema, version 3: a per-run summary of every metric, so that
-- `history` reads one row per commit instead of every sample.
--   runs.summary = {"wall_ns": {"n": 30, "min": .., "q1": .., "median": .., "q3": ..}, ...}
-- (quantiles are type 7 / percentile_cont; metrics never measured are left out)
ALTER TABLE runs ADD COLUMN summary jsonb;

UPDATE runs r SET summary = x.summary
FROM (
	SELECT m.run_id, jsonb_object_agg(m.metric, jsonb_build_object('n', m.n, 'min', m.lo,
		'q1', m.q[1], 'median', m.q[2], 'q3', m.q[3])) AS summary
	FROM (
		SELECT s.run_id, v.metric, count(v.val) AS n, min(v.val) AS lo,
			percentile_cont('{0.25,0.5,0.75}'::float8[]) WITHIN GROUP (ORDER BY v.val) AS q
		FROM samples s CROSS JOIN LATERAL (VALUES
			('wall_ns', s.wall_ns), ('user_ns', s.user_ns), ('sys_ns', s.sys_ns),
			('maxrss_kib', s.maxrss_kib), ('minflt', s.minflt), ('majflt', s.majflt),
			('nvcsw', s.nvcsw), ('nivcsw', s.nivcsw), ('instructions', s.instructions),
			('cycles', s.cycles), ('branch_misses', s.branch_misses),
			('cache_misses', s.cache_misses)) AS v(metric, val)
		WHERE v.val IS NOT NULL
		GROUP BY s.run_id, v.metric
	) m
	GROUP BY m.run_id
) x
WHERE x.run_id = r.id;

CREATE INDEX runs_commit_benchmark_newest ON runs (commit_id, benchmark, finished_at DESC NULLS LAST, id DESC);
