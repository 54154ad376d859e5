-- perfwarden schema, version 6: what a benchmark's own harness reports.
--
-- A benchmark whose spec names a `format` (google-benchmark, hyperfine, ...)
-- reports cases of its own. Each case is a series of its own, stored as a
-- run named `benchmark/case` beside the benchmark's run (the process timed
-- as a whole, whose samples are in `samples`); its values are here: every
-- repetition of every metric of the case, in the harness's order, with its
-- unit and whether lower or higher is better. Such a run has no rows in
-- samples; its summary (runs.summary, schema 3) is keyed by these metric
-- names ({"time": {"n", "min", "q1", "median", "q3", "unit", "direction"}})
-- and its metadata names the primary metric ("primary_metric"), so history,
-- show, compare and the dashboard read a case like any benchmark.
--
-- run_id has no FOREIGN KEY, like samples: values are only written in the
-- transaction that writes their run, and the trigger removes them with it.
CREATE TABLE series_values (
	run_id bigint NOT NULL,
	metric text NOT NULL,         -- "time", "cpu_time", "items_per_second", "B/op", ...
	seq integer NOT NULL,         -- repetition of this metric within the run, in order
	sample_seq integer,           -- the process run that reported it: samples.seq of the
	                              -- benchmark's own run of the same write; NULL: unknown
	value double precision NOT NULL,
	unit text NOT NULL DEFAULT '',-- "ns" for times (converted), else the harness's
	direction text NOT NULL DEFAULT 'lower'
		CHECK (direction IN ('lower', 'higher', 'none')),
	PRIMARY KEY (run_id, metric, seq)
);

CREATE FUNCTION runs_delete_series_values() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM series_values v USING old_runs o WHERE v.run_id = o.id;
	RETURN NULL;
END
$$;

CREATE TRIGGER runs_delete_series_values AFTER DELETE ON runs
	REFERENCING OLD TABLE AS old_runs
	FOR EACH STATEMENT EXECUTE FUNCTION runs_delete_series_values();
