#ifndef PERFWARDEN_SAMPLE_H
#define PERFWARDEN_SAMPLE_H

#include <stdint.h>

/*
 * One kept repetition of a benchmark: everything perfwarden measured about
 * that one process. Filled by runner/measure/proc, judged by runner/judge/judge, stored one
 * row each by store/. A metric the machine could not measure is
 * SAMPLE_ABSENT (stored as NULL), never 0.
 */
#define SAMPLE_ABSENT INT64_C(-1)

struct sample {
	int64_t wall_ns; /* CLOCK_MONOTONIC, exec to exit */
	int64_t user_ns; /* wait4 rusage */
	int64_t sys_ns;
	int64_t maxrss_kib;
	int64_t minflt;       /* minor page faults */
	int64_t majflt;       /* major page faults */
	int64_t nvcsw;        /* voluntary context switches */
	int64_t nivcsw;       /* involuntary context switches */
	int64_t instructions; /* perf_event_open, or SAMPLE_ABSENT */
	int64_t cycles;
	int64_t branch_misses;
	int64_t cache_misses;
	int exit_code;   /* exit status when the process exited, else -1 */
	int term_signal; /* the signal that ended it, else 0 */
	int timed_out;   /* killed by perfwarden at the timeout */
};

struct json_t;

/*
 * A sample's JSON object, the one form every output uses (report --json,
 * show --json, the API, the spool): each metric by its field name
 * ("wall_ns", "user_ns", "sys_ns", "maxrss_kib", "minflt", "majflt", "nvcsw",
 * "nivcsw", "instructions", "cycles", "branch_misses", "cache_misses"; null
 * when absent), the first four also by their metric names ("wall", "user",
 * "sys", "maxrss": the dashboard reads those), then "exit_code",
 * "term_signal" (also as "signal", as reports always wrote it) and
 * "timed_out" (a boolean). A new reference, the caller's (json_decref).
 */
struct json_t *sample_json(const struct sample *s);

#define SAMPLE_INIT                                                                                \
	{                                                                                          \
		0, 0, 0, 0, 0, 0, 0, 0, SAMPLE_ABSENT, SAMPLE_ABSENT, SAMPLE_ABSENT,               \
		        SAMPLE_ABSENT, -1, 0, 0                                                    \
	}

#endif
