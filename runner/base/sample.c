/*
 * sample: the one JSON form of a sample (see sample.h). The reports, `show`,
 * the dashboard's API and the store's spool all write samples through here,
 * so a consumer of any of them reads the same keys.
 */
#include <jansson.h>
#include <stdlib.h>

#include "sample.h"

static json_t *metric(int64_t v)
{
	return v == SAMPLE_ABSENT ? json_null() : json_integer(v);
}

json_t *sample_json(const struct sample *s)
{
	json_t *o = json_pack(
	        "{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:i,s:i,s:i,s:b}",
	        "wall_ns", metric(s->wall_ns), "user_ns", metric(s->user_ns), "sys_ns",
	        metric(s->sys_ns), "maxrss_kib", metric(s->maxrss_kib), "minflt", metric(s->minflt),
	        "majflt", metric(s->majflt), "nvcsw", metric(s->nvcsw), "nivcsw", metric(s->nivcsw),
	        "instructions", metric(s->instructions), "cycles", metric(s->cycles),
	        "branch_misses", metric(s->branch_misses), "cache_misses", metric(s->cache_misses),
	        "wall", metric(s->wall_ns), "user", metric(s->user_ns), "sys", metric(s->sys_ns),
	        "maxrss", metric(s->maxrss_kib), "exit_code", s->exit_code, "term_signal",
	        s->term_signal, "signal", s->term_signal, "timed_out", s->timed_out);

	if (!o)
		abort();
	return o;
}
