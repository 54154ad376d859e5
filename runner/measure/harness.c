/*
 * harness: reads what a project's own benchmark harness wrote (google-benchmark,
 * hyperfine and pytest-benchmark JSON, `go test -bench` text, Catch2 v2 XML,
 * or perfwarden's generic json and lines forms) into a harness_report: cases,
 * each with a primary metric and extra ones, every repetition kept. It sits
 * between running a benchmark's command and storing its samples; it knows
 * nothing of specs or the database. JSON is read with jansson, Catch2's XML
 * with expat (no DOCTYPE, so no entities), and the text forms by the small
 * bounded scanners below.
 */
#include <errno.h>
#include <stdarg.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>
#include <jansson.h>

#include "harness.h"
#include "strbuf.h"

/* The report under construction, with a hash index of its cases by name. */
struct builder {
	struct harness_report report;
	const char *source;
	size_t line;      /* of text input, 0 for JSON */
	struct strbuf at; /* where, for messages: "'out.txt': line 3" */
	struct pw_error *err;
	int slots[2 * HARNESS_MAX_CASES + 47]; /* case index + 1, 0: empty */
};

/* Where the parse is, for messages: the source quoted, and the line of text input. */
static const char *at(struct builder *b)
{
	strbuf_reset(&b->at);
	strbuf_addf(&b->at, "'%s'", b->source);
	if (b->line)
		strbuf_addf(&b->at, ": line %zu", b->line);
	return b->at.buf;
}

static void *grow(void *ptr, size_t *alloc, size_t need, size_t size)
{
	size_t n = *alloc ? *alloc : 4;

	if (need <= *alloc)
		return ptr;
	while (n < need)
		n *= 2;
	ptr = realloc(ptr, n * size);
	if (!ptr)
		abort();
	*alloc = n;
	return ptr;
}

static char *dup_str(const char *s)
{
	char *d = strdup(s);

	if (!d)
		abort();
	return d;
}

static uint32_t fnv1a(const char *s, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

/* Length of the valid UTF-8 sequence at s (at most len bytes), 0 when invalid. */
static size_t utf8_len(const unsigned char *s, size_t len)
{
	unsigned char c = s[0];
	size_t n;
	unsigned char lo = 0x80, hi = 0xbf;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (n > len)
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

static int is_blank(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* The series-safe form of a case name (see harness.h). Empty when nothing is left. */
static void sanitise_name(const char *raw, size_t len, struct strbuf *out)
{
	const unsigned char *s = (const unsigned char *)raw;
	size_t start = 0, end = len, cut = 0;

	while (start < end && is_blank(s[start]))
		start++;
	while (end > start && is_blank(s[end - 1]))
		end--;
	for (size_t i = start; i < end;) {
		size_t n = utf8_len(s + i, end - i);
		int c1 = n == 2 && s[i] == 0xc2 && s[i + 1] < 0xa0; /* U+0080..U+009F */

		if (n == 0 || c1 || (n == 1 && (s[i] < 0x20 || s[i] == 0x7f))) {
			strbuf_addch(out, '_');
			i += n ? n : 1;
		} else {
			strbuf_add(out, s + i, n);
			i += n;
		}
		if (out->len <= HARNESS_MAX_NAME - 9)
			cut = out->len;
	}
	if (out->len > HARNESS_MAX_NAME) {
		strbuf_setlen(out, cut);
		strbuf_addf(out, "~%08x", (unsigned)fnv1a(raw + start, end - start));
	}
}

static void metric_release(struct harness_metric *m)
{
	free(m->name);
	free(m->unit);
	free(m->values);
}

static void case_release(struct harness_case *c)
{
	for (size_t i = 0; i < c->metrics_nr; i++)
		metric_release(&c->metrics[i]);
	free(c->metrics);
	free(c->name);
}

void harness_report_release(struct harness_report *report)
{
	struct harness_report fresh = HARNESS_REPORT_INIT;

	for (size_t i = 0; i < report->nr; i++)
		case_release(&report->cases[i]);
	free(report->cases);
	*report = fresh;
}

static int *slot_of(struct builder *b, const char *name)
{
	size_t nslots = sizeof(b->slots) / sizeof(b->slots[0]);
	size_t i = fnv1a(name, strlen(name)) % nslots;

	while (b->slots[i] && strcmp(b->report.cases[b->slots[i] - 1].name, name))
		i = (i + 1) % nslots;
	return &b->slots[i];
}

/* The case named `raw` (sanitised), added when new. */
static int case_get(struct builder *b, const char *raw, size_t len, struct harness_case **out)
{
	struct strbuf name = STRBUF_INIT;
	struct harness_case *c;
	int *slot, ret = 0;

	sanitise_name(raw, len, &name);
	if (!name.len) {
		ret = pw_error_set(b->err, PW_EINVALID, "%s: a case has an empty name", at(b));
		goto done;
	}
	slot = slot_of(b, name.buf);
	if (*slot) {
		*out = &b->report.cases[*slot - 1];
		goto done;
	}
	if (b->report.nr >= HARNESS_MAX_CASES) {
		ret = pw_error_set(b->err, PW_EINVALID, "%s: more than %d cases", at(b),
		                   HARNESS_MAX_CASES);
		goto done;
	}
	b->report.cases =
	        grow(b->report.cases, &b->report.alloc, b->report.nr + 1, sizeof(*b->report.cases));
	c = &b->report.cases[b->report.nr++];
	memset(c, 0, sizeof(*c));
	c->name = strbuf_detach(&name, NULL);
	*slot = (int)b->report.nr;
	*out = c;
done:
	strbuf_release(&name);
	return ret;
}

static int metric_find_or_add(struct builder *b, struct harness_case *c, const char *name,
                              const char *unit, enum harness_direction direction,
                              struct harness_metric **out);

/*
 * The metric `name` of `c` (sanitised like case names), added when new with `unit` and `direction`.
 * An existing metric must agree on unit and direction.
 */
static int metric_get(struct builder *b, struct harness_case *c, const char *name, const char *unit,
                      enum harness_direction direction, struct harness_metric **out)
{
	struct strbuf clean = STRBUF_INIT;
	int ret = 0;

	if (strlen(unit) > 64)
		return pw_error_set(b->err, PW_EINVALID,
		                    "%s: case '%s': unit '%.64s...' is over 64 bytes", at(b),
		                    c->name, unit);
	for (const char *u = unit; *u; u++)
		if ((unsigned char)*u < 0x20 || *u == 0x7f)
			return pw_error_set(b->err, PW_EINVALID,
			                    "%s: case '%s': a unit with a control character", at(b),
			                    c->name);
	sanitise_name(name, strlen(name), &clean);
	if (!clean.len)
		return pw_error_set(b->err, PW_EINVALID, "%s: case '%s': a metric without a name",
		                    at(b), c->name);
	ret = metric_find_or_add(b, c, clean.buf, unit, direction, out);
	strbuf_release(&clean);
	return ret;
}

static int metric_find_or_add(struct builder *b, struct harness_case *c, const char *name,
                              const char *unit, enum harness_direction direction,
                              struct harness_metric **out)
{
	struct harness_metric *m;

	for (size_t i = 0; i < c->metrics_nr; i++) {
		m = &c->metrics[i];
		if (strcmp(m->name, name))
			continue;
		if (strcmp(m->unit, unit) || m->direction != direction)
			return pw_error_set(
			        b->err, PW_EINVALID,
			        "%s: case '%s': '%s' given as %s, %s-is-better before and "
			        "as %s, %s-is-better now",
			        at(b), c->name, name, *m->unit ? m->unit : "no unit",
			        harness_direction_name(m->direction), *unit ? unit : "no unit",
			        harness_direction_name(direction));
		*out = m;
		return 0;
	}
	if (c->metrics_nr >= HARNESS_MAX_METRICS)
		return pw_error_set(b->err, PW_EINVALID, "%s: case '%s' has more than %d metrics",
		                    at(b), c->name, HARNESS_MAX_METRICS);
	c->metrics = grow(c->metrics, &c->metrics_alloc, c->metrics_nr + 1, sizeof(*c->metrics));
	m = &c->metrics[c->metrics_nr++];
	memset(m, 0, sizeof(*m));
	m->name = dup_str(name);
	m->unit = dup_str(unit);
	m->direction = direction;
	m->lower = m->upper = NAN;
	*out = m;
	return 0;
}

static int metric_add(struct builder *b, const struct harness_case *c, struct harness_metric *m,
                      double value)
{
	if (!isfinite(value))
		return pw_error_set(b->err, PW_EINVALID,
		                    "%s: case '%s': '%s' is not a finite number", at(b), c->name,
		                    m->name);
	if (value < 0 && !strcmp(m->unit, "ns"))
		return pw_error_set(b->err, PW_EINVALID, "%s: case '%s': '%s' is a negative time",
		                    at(b), c->name, m->name);
	if (m->summary)
		return pw_error_set(b->err, PW_EINVALID,
		                    "%s: case '%s' is reported twice and '%s' only as a summary: "
		                    "give each case a name of its own",
		                    at(b), c->name, m->name);
	if (m->nr >= HARNESS_MAX_SAMPLES)
		return pw_error_set(
		        b->err, PW_EINVALID,
		        "%s: case '%s': more than %d values of '%s' (fewer repetitions, "
		        "please)",
		        at(b), c->name, HARNESS_MAX_SAMPLES, m->name);
	m->values = grow(m->values, &m->alloc, m->nr + 1, sizeof(*m->values));
	m->values[m->nr++] = value;
	return 0;
}

/* Add `value` to the metric, as one repetition, or as its only value with `summary`. */
static int add_value(struct builder *b, struct harness_case *c, const char *name, const char *unit,
                     enum harness_direction direction, int summary, double value)
{
	struct harness_metric *m = NULL;
	int ret = metric_get(b, c, name, unit, direction, &m);

	if (ret)
		return ret;
	if (summary && m->nr)
		return pw_error_set(b->err, PW_EINVALID,
		                    "%s: case '%s' is reported twice and '%s' only as a summary: "
		                    "give each case a name of its own",
		                    at(b), c->name, name);
	if ((ret = metric_add(b, c, m, value)))
		return ret;
	m->summary = summary;
	return 0;
}

/* Nanoseconds per `unit` when it is a unit of time, else 0. */
static double ns_per(const char *unit)
{
	static const struct {
		const char *unit;
		double ns;
	} units[] = {
	        {"ns", 1},   {"us", 1e3}, {"\xc2\xb5s", 1e3}, {"\xce\xbcs", 1e3},
	        {"ms", 1e6}, {"s", 1e9},  {"sec", 1e9},       {"seconds", 1e9},
	};

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(unit, units[i].unit))
			return units[i].ns;
	return 0;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && !strcmp(s + n - k, suffix);
}

/* ---- JSON formats ---- */

static int json_number(struct builder *b, json_t *v, const char *where, const char *key,
                       double *out)
{
	if (!json_is_number(v))
		return pw_error_set(b->err, PW_EINVALID, "%s: %s: '%s' must be a number", at(b),
		                    where, key);
	*out = json_number_value(v);
	if (!isfinite(*out))
		return pw_error_set(b->err, PW_EINVALID, "%s: %s: '%s' is not finite", at(b), where,
		                    key);
	return 0;
}

static int json_time_ns(struct builder *b, json_t *v, const char *where, const char *key,
                        double scale, double *out)
{
	int ret = json_number(b, v, where, key, out);

	if (ret)
		return ret;
	if (*out < 0)
		return pw_error_set(b->err, PW_EINVALID, "%s: %s: '%s' is negative (%g)", at(b),
		                    where, key, *out);
	*out *= scale;
	return 0;
}

/* root[key], which must be an array. */
static int json_array_at(struct builder *b, json_t *root, const char *key, json_t **out)
{
	*out = json_is_object(root) ? json_object_get(root, key) : NULL;
	if (!json_is_array(*out))
		return pw_error_set(b->err, PW_EINVALID, "%s: no '%s' array at the top", at(b),
		                    key);
	return 0;
}

static int json_case(struct builder *b, json_t *row, const char *key, const char *where,
                     struct harness_case **out)
{
	json_t *name = json_object_get(row, key);

	if (!json_is_string(name))
		return pw_error_set(b->err, PW_EINVALID, "%s: %s: '%s' must be a string", at(b),
		                    where, key);
	return case_get(b, json_string_value(name), json_string_length(name), out);
}

static int is_gbench_field(const char *key)
{
	static const char *const fields[] = {
	        "name",
	        "family_index",
	        "per_family_instance_index",
	        "run_name",
	        "run_type",
	        "repetitions",
	        "repetition_index",
	        "threads",
	        "iterations",
	        "real_time",
	        "cpu_time",
	        "time_unit",
	        "label",
	        "error_occurred",
	        "error_message",
	        "aggregate_name",
	        "aggregate_unit",
	        "big_o",
	        "rms",
	        "cpu_coefficient",
	        "real_coefficient",
	        "skipped",
	        "skip_message",
	};

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (!strcmp(key, fields[i]))
			return 1;
	return 0;
}

static int gbench_row(struct builder *b, json_t *row, const char *where)
{
	json_t *type = json_object_get(row, "run_type"), *unit = json_object_get(row, "time_unit");
	json_t *failed = json_object_get(row, "error_occurred"), *v;
	struct harness_case *c = NULL;
	const char *key;
	double scale, real_ns, cpu_ns, x;
	int ret;

	if (!json_is_object(row))
		return pw_error_set(b->err, PW_EINVALID, "%s: %s: not an object", at(b), where);
	if (type && !json_is_string(type))
		return pw_error_set(b->err, PW_EINVALID, "%s: %s: 'run_type' must be a string",
		                    at(b), where);
	if ((type && !strcmp(json_string_value(type), "aggregate")) ||
	    json_object_get(row, "aggregate_name"))
		return 0;
	if (type && strcmp(json_string_value(type), "iteration"))
		return pw_error_set(b->err, PW_EINVALID, "%s: %s: unknown run_type '%s'", at(b),
		                    where, json_string_value(type));
	if ((ret = json_case(b, row, json_object_get(row, "run_name") ? "run_name" : "name", where,
	                     &c)))
		return ret;
	if (json_is_true(failed)) {
		v = json_object_get(row, "error_message");
		return pw_error_set(b->err, PW_ERROR, "%s: benchmark '%s' failed: %s", at(b),
		                    c->name,
		                    json_is_string(v) ? json_string_value(v) : "no message");
	}
	if (!json_is_string(unit) || !(scale = ns_per(json_string_value(unit))))
		return pw_error_set(b->err, PW_EINVALID,
		                    "%s: %s: 'time_unit' must be ns, us, ms or s", at(b), where);
	if ((ret = json_time_ns(b, json_object_get(row, "real_time"), where, "real_time", scale,
	                        &real_ns)) ||
	    (ret = json_time_ns(b, json_object_get(row, "cpu_time"), where, "cpu_time", scale,
	                        &cpu_ns)) ||
	    (ret = add_value(b, c, "time", "ns", HARNESS_LOWER_IS_BETTER, 0, real_ns)) ||
	    (ret = add_value(b, c, "cpu_time", "ns", HARNESS_LOWER_IS_BETTER, 0, cpu_ns)))
		return ret;
	json_object_foreach(row, key, v)
	{
		const char *cunit = "";
		enum harness_direction dir = HARNESS_UNDIRECTED;

		if (is_gbench_field(key) || !json_is_number(v))
			continue;
		if (!strcmp(key, "items_per_second")) {
			cunit = "items/s";
			dir = HARNESS_HIGHER_IS_BETTER;
		} else if (!strcmp(key, "bytes_per_second")) {
			cunit = "B/s";
			dir = HARNESS_HIGHER_IS_BETTER;
		}
		if ((ret = json_number(b, v, where, key, &x)) ||
		    (ret = add_value(b, c, key, cunit, dir, 0, x)))
			return ret;
	}
	return 0;
}

static int parse_google_benchmark(struct builder *b, json_t *root)
{
	json_t *rows, *row;
	size_t i;
	char where[64];
	int ret;

	if ((ret = json_array_at(b, root, "benchmarks", &rows)))
		return ret;
	json_array_foreach(rows, i, row)
	{
		snprintf(where, sizeof(where), "benchmarks[%zu]", i);
		if ((ret = gbench_row(b, row, where)))
			return ret;
	}
	return 0;
}

/* Each number of array `v` (one per run, in seconds when `scale` is 1e9) as a repetition. */
static int add_json_samples(struct builder *b, struct harness_case *c, json_t *v, const char *where,
                            const char *key, const char *metric, const char *unit,
                            enum harness_direction dir, double scale)
{
	json_t *x;
	size_t i;
	char item[96];
	double value;
	int ret;

	if (!json_is_array(v))
		return pw_error_set(b->err, PW_EINVALID, "%s: %s: '%s' must be an array", at(b),
		                    where, key);
	if (json_array_size(v) > HARNESS_MAX_SAMPLES)
		return pw_error_set(
		        b->err, PW_EINVALID,
		        "%s: %s: more than %d values in '%s' (fewer repetitions, please)", at(b),
		        where, HARNESS_MAX_SAMPLES, key);
	json_array_foreach(v, i, x)
	{
		snprintf(item, sizeof(item), "%s[%zu]", key, i);
		if ((ret = json_number(b, x, where, item, &value)) ||
		    (ret = add_value(b, c, metric, unit, dir, 0, value * scale)))
			return ret;
	}
	return 0;
}

static int hyperfine_result(struct builder *b, json_t *row, const char *where)
{
	struct harness_case *c = NULL;
	json_t *v;
	double x;
	int ret;

	if (!json_is_object(row))
		return pw_error_set(b->err, PW_EINVALID, "%s: %s: not an object", at(b), where);
	if ((ret = json_case(b, row, "command", where, &c)))
		return ret;
	if (!json_object_get(row, "times"))
		return pw_error_set(b->err, PW_EINVALID, "%s: %s: no 'times'", at(b), where);
	if ((ret = add_json_samples(b, c, json_object_get(row, "times"), where, "times", "time",
	                            "ns", HARNESS_LOWER_IS_BETTER, 1e9)))
		return ret;
	if (!c->metrics_nr)
		return pw_error_set(b->err, PW_EINVALID, "%s: %s: 'times' is empty", at(b), where);
	v = json_object_get(row, "memory_usage_byte");
	if (json_is_array(v) && (ret = add_json_samples(b, c, v, where, "memory_usage_byte",
	                                                "memory", "B", HARNESS_LOWER_IS_BETTER, 1)))
		return ret;
	if (v && !json_is_array(v) && !json_is_null(v) &&
	    ((ret = json_time_ns(b, v, where, "memory_usage_byte", 1, &x)) ||
	     (ret = add_value(b, c, "memory", "B", HARNESS_LOWER_IS_BETTER, 1, x))))
		return ret;
	if ((v = json_object_get(row, "user")) &&
	    ((ret = json_time_ns(b, v, where, "user", 1e9, &x)) ||
	     (ret = add_value(b, c, "user_time", "ns", HARNESS_LOWER_IS_BETTER, 1, x))))
		return ret;
	if ((v = json_object_get(row, "system")) &&
	    ((ret = json_time_ns(b, v, where, "system", 1e9, &x)) ||
	     (ret = add_value(b, c, "system_time", "ns", HARNESS_LOWER_IS_BETTER, 1, x))))
		return ret;
	return 0;
}

static int parse_hyperfine(struct builder *b, json_t *root)
{
	json_t *rows, *row;
	size_t i;
	char where[64];
	int ret;

	if ((ret = json_array_at(b, root, "results", &rows)))
		return ret;
	json_array_foreach(rows, i, row)
	{
		snprintf(where, sizeof(where), "results[%zu]", i);
		if ((ret = hyperfine_result(b, row, where)))
			return ret;
	}
	return 0;
}

static int pytest_benchmark(struct builder *b, json_t *row, const char *where)
{
	struct harness_case *c = NULL;
	json_t *stats, *data;
	double mean;
	int ret;

	if (!json_is_object(row))
		return pw_error_set(b->err, PW_EINVALID, "%s: %s: not an object", at(b), where);
	if ((ret = json_case(b, row, json_object_get(row, "fullname") ? "fullname" : "name", where,
	                     &c)))
		return ret;
	stats = json_object_get(row, "stats");
	if (!json_is_object(stats))
		return pw_error_set(b->err, PW_EINVALID, "%s: %s: 'stats' must be an object", at(b),
		                    where);
	data = json_object_get(stats, "data");
	if (data) {
		if ((ret = add_json_samples(b, c, data, where, "stats.data", "time", "ns",
		                            HARNESS_LOWER_IS_BETTER, 1e9)))
			return ret;
		if (!c->metrics_nr)
			return pw_error_set(b->err, PW_EINVALID, "%s: %s: 'stats.data' is empty",
			                    at(b), where);
		return 0;
	}
	if ((ret = json_time_ns(b, json_object_get(stats, "mean"), where, "stats.mean", 1e9,
	                        &mean)))
		return ret;
	return add_value(b, c, "time", "ns", HARNESS_LOWER_IS_BETTER, 1, mean);
}

static int parse_pytest_benchmark(struct builder *b, json_t *root)
{
	json_t *rows, *row;
	size_t i;
	char where[64];
	int ret;

	if ((ret = json_array_at(b, root, "benchmarks", &rows)))
		return ret;
	json_array_foreach(rows, i, row)
	{
		snprintf(where, sizeof(where), "benchmarks[%zu]", i);
		if ((ret = pytest_benchmark(b, row, where)))
			return ret;
	}
	return 0;
}

static int bmf_measure(struct builder *b, struct harness_case *c, const char *name, json_t *m,
                       const char *where)
{
	json_t *samples = NULL, *value = NULL, *lower = NULL, *upper = NULL, *v;
	struct harness_metric *metric = NULL;
	const char *key, *unit = "";
	enum harness_direction dir = HARNESS_LOWER_IS_BETTER;
	double scale = 1, x;
	int ret;

	if (!json_is_object(m))
		return pw_error_set(b->err, PW_EINVALID, "%s: %s: not an object", at(b), where);
	if (!strcmp(name, "latency"))
		unit = "ns";
	else if (!strcmp(name, "throughput")) {
		unit = "ops/s";
		dir = HARNESS_HIGHER_IS_BETTER;
	}
	json_object_foreach(m, key, v)
	{
		if (!strcmp(key, "samples"))
			samples = v;
		else if (!strcmp(key, "value"))
			value = v;
		else if (!strcmp(key, "lower_value"))
			lower = v;
		else if (!strcmp(key, "upper_value"))
			upper = v;
		else if (!strcmp(key, "unit")) {
			if (!json_is_string(v))
				return pw_error_set(b->err, PW_EINVALID,
				                    "%s: %s: 'unit' must be a string", at(b),
				                    where);
			unit = json_string_value(v);
		} else if (!strcmp(key, "direction")) {
			const char *d = json_is_string(v) ? json_string_value(v) : "";

			if (!strcmp(d, "lower"))
				dir = HARNESS_LOWER_IS_BETTER;
			else if (!strcmp(d, "higher"))
				dir = HARNESS_HIGHER_IS_BETTER;
			else
				return pw_error_set(b->err, PW_EINVALID,
				                    "%s: %s: 'direction' must be \"lower\" or "
				                    "\"higher\"",
				                    at(b), where);
		} else
			return pw_error_set(
			        b->err, PW_EINVALID,
			        "%s: %s: unknown key '%s' (value, samples, lower_value, "
			        "upper_value, unit, direction)",
			        at(b), where, key);
	}
	if (ns_per(unit)) {
		scale = ns_per(unit);
		unit = "ns";
	}
	if (!samples && !value)
		return pw_error_set(b->err, PW_EINVALID, "%s: %s: neither 'samples' nor 'value'",
		                    at(b), where);
	if (samples) {
		if ((ret = add_json_samples(b, c, samples, where, "samples", name, unit, dir,
		                            scale)))
			return ret;
		if (!json_array_size(samples))
			return pw_error_set(b->err, PW_EINVALID, "%s: %s: 'samples' is empty",
			                    at(b), where);
	} else if ((ret = json_number(b, value, where, "value", &x)) ||
	           (ret = add_value(b, c, name, unit, dir, 1, x * scale)))
		return ret;
	if ((ret = metric_get(b, c, name, unit, dir, &metric)))
		return ret;
	if (lower && (ret = json_number(b, lower, where, "lower_value", &metric->lower)))
		return ret;
	if (upper && (ret = json_number(b, upper, where, "upper_value", &metric->upper)))
		return ret;
	metric->lower *= scale;
	metric->upper *= scale;
	return 0;
}

static int parse_json_generic(struct builder *b, json_t *root)
{
	const char *name, *mname;
	json_t *measures, *m;
	struct strbuf where = STRBUF_INIT;
	int ret = 0;

	if (!json_is_object(root))
		return pw_error_set(b->err, PW_EINVALID,
		                    "%s: the top must be an object of cases (see 'json' format)",
		                    at(b));
	json_object_foreach(root, name, measures)
	{
		struct harness_case *c = NULL;

		strbuf_reset(&where);
		strbuf_addf(&where, "case '%.200s'", name);
		if (!json_is_object(measures) || !json_object_size(measures)) {
			ret = pw_error_set(b->err, PW_EINVALID,
			                   "%s: %s: must be an object of measures", at(b),
			                   where.buf);
			goto done;
		}
		if ((ret = case_get(b, name, strlen(name), &c)))
			goto done;
		json_object_foreach(measures, mname, m)
		{
			strbuf_reset(&where);
			strbuf_addf(&where, "case '%.200s': measure '%.200s'", name, mname);
			if (!*mname) {
				ret = pw_error_set(b->err, PW_EINVALID, "%s: %s: empty name", at(b),
				                   where.buf);
				goto done;
			}
			if ((ret = bmf_measure(b, c, mname, m, where.buf)))
				goto done;
		}
	}
done:
	strbuf_release(&where);
	return ret;
}

static int parse_json(struct builder *b, enum harness_format format, const char *data, size_t len)
{
	json_error_t jerr;
	json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
	int ret;

	if (!root)
		return pw_error_set(b->err, PW_EINVALID, "%s: not JSON: line %d column %d: %s",
		                    at(b), jerr.line, jerr.column, jerr.text);
	switch (format) {
	case HARNESS_GOOGLE_BENCHMARK:
		ret = parse_google_benchmark(b, root);
		break;
	case HARNESS_HYPERFINE:
		ret = parse_hyperfine(b, root);
		break;
	case HARNESS_PYTEST_BENCHMARK:
		ret = parse_pytest_benchmark(b, root);
		break;
	default:
		ret = parse_json_generic(b, root);
		break;
	}
	json_decref(root);
	return ret;
}

/* ---- text formats ---- */

#define MAX_FIELDS 64

/* Split `line` (NUL-terminated, modified) at blanks; the number of fields, or -1 for too many. */
static int split_fields(char *line, char **fields)
{
	int n = 0;
	char *p = line;

	for (;;) {
		while (*p && is_blank(*p))
			p++;
		if (!*p)
			return n;
		if (n == MAX_FIELDS)
			return -1;
		fields[n++] = p;
		while (*p && !is_blank(*p))
			p++;
		if (*p)
			*p++ = '\0';
	}
}

static int parse_double(const char *s, double *out)
{
	char *end;

	if (!*s)
		return -1;
	*out = strtod(s, &end);
	return *end || !isfinite(*out) ? -1 : 0;
}

static int is_count(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

/* A name `go test` gives a benchmark: "Benchmark", then anything but a lowercase letter. */
static int is_go_benchmark(const char *s)
{
	return !strncmp(s, "Benchmark", 9) && !(s[9] >= 'a' && s[9] <= 'z');
}

struct text_state {
	char **pkgs; /* go: the `pkg:` each case was seen under */
	size_t pkgs_nr;
	char *pkg;
};

static int go_line(struct builder *b, struct text_state *st, char *line)
{
	char *f[MAX_FIELDS];
	int n = split_fields(line, f), ret, have_time = 0;
	struct harness_case *c = NULL;
	struct harness_metric *primary = NULL;
	size_t ci;
	double x;

	if (n >= 2 && !strcmp(f[0], "pkg:")) {
		free(st->pkg);
		st->pkg = dup_str(f[1]);
		return 0;
	}
	if (n < 4 || !is_go_benchmark(f[0]) || !is_count(f[1]))
		return 0;
	if (n % 2)
		return pw_error_set(b->err, PW_EINVALID,
		                    "%s: a result of '%s' with a value and no unit", at(b), f[0]);
	for (int i = 2; i < n; i += 2)
		if (parse_double(f[i], &x))
			return pw_error_set(b->err, PW_EINVALID,
			                    "%s: '%s' is not a number (before '%s')", at(b), f[i],
			                    f[i + 1]);
		else if (!strcmp(f[i + 1], "ns/op"))
			have_time = 1;
	if (!have_time)
		return pw_error_set(b->err, PW_EINVALID, "%s: '%s' has no ns/op", at(b), f[0]);
	if ((ret = case_get(b, f[0], strlen(f[0]), &c)))
		return ret;
	ci = (size_t)(c - b->report.cases);
	if (ci >= st->pkgs_nr) {
		st->pkgs = realloc(st->pkgs, (ci + 1) * sizeof(*st->pkgs));
		if (!st->pkgs)
			abort();
		st->pkgs[ci] = dup_str(st->pkg ? st->pkg : "");
		st->pkgs_nr = ci + 1;
	} else if (strcmp(st->pkgs[ci], st->pkg ? st->pkg : ""))
		return pw_error_set(b->err, PW_EINVALID,
		                    "%s: '%s' is in packages '%s' and '%s': run one "
		                    "package per benchmark, or rename one",
		                    at(b), c->name, st->pkgs[ci], st->pkg ? st->pkg : "");
	if ((ret = metric_get(b, c, "time", "ns", HARNESS_LOWER_IS_BETTER, &primary)))
		return ret;
	for (int i = 2; i < n; i += 2) {
		const char *unit = f[i + 1];
		enum harness_direction dir = HARNESS_UNDIRECTED;

		parse_double(f[i], &x);
		if (!strcmp(unit, "ns/op")) {
			if (x < 0)
				return pw_error_set(b->err, PW_EINVALID, "%s: negative ns/op",
				                    at(b));
			ret = add_value(b, c, "time", "ns", HARNESS_LOWER_IS_BETTER, 0, x);
		} else {
			if (ends_with(unit, "/op"))
				dir = HARNESS_LOWER_IS_BETTER;
			else if (ends_with(unit, "/s"))
				dir = HARNESS_HIGHER_IS_BETTER;
			ret = add_value(b, c, unit, unit, dir, 0, x);
		}
		if (ret)
			return ret;
	}
	return 0;
}

static int lines_line(struct builder *b, char *line)
{
	char *f[MAX_FIELDS];
	int n = split_fields(line, f), ret;
	struct harness_case *c = NULL;
	const char *unit = "", *d = NULL;
	enum harness_direction dir = HARNESS_LOWER_IS_BETTER;
	double x, scale = 1;

	if (n == 0 || f[0][0] == '#')
		return 0;
	if (n == 3 && (!strcmp(f[2], "higher") || !strcmp(f[2], "lower")))
		d = f[2];
	else if (n >= 3)
		unit = f[2];
	if (n == 4)
		d = f[3];
	if (n < 2 || n > 4 || (d && strcmp(d, "higher") && strcmp(d, "lower")))
		return pw_error_set(b->err, PW_EINVALID,
		                    "%s: expected 'NAME VALUE [UNIT] [higher|lower]'", at(b));
	if (parse_double(f[1], &x))
		return pw_error_set(b->err, PW_EINVALID, "%s: '%s' is not a number", at(b), f[1]);
	if (d && !strcmp(d, "higher"))
		dir = HARNESS_HIGHER_IS_BETTER;
	if (ns_per(unit)) {
		scale = ns_per(unit);
		unit = "ns";
	}
	if ((ret = case_get(b, f[0], strlen(f[0]), &c)))
		return ret;
	return add_value(b, c, "value", unit, dir, 0, x * scale);
}

static int parse_text(struct builder *b, enum harness_format format, const char *data, size_t len)
{
	struct text_state st = {NULL, 0, NULL};
	struct strbuf line = STRBUF_INIT;
	size_t lineno = 0, pos = 0;
	int ret = 0;

	while (pos < len && !ret) {
		const char *nl = memchr(data + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (data + pos)) : len - pos;

		lineno++;
		strbuf_reset(&line);
		strbuf_add(&line, data + pos, n);
		pos += n + 1;
		b->line = lineno;
		if (format == HARNESS_GO_BENCH)
			ret = go_line(b, &st, line.buf);
		else
			ret = lines_line(b, line.buf);
	}
	for (size_t i = 0; i < st.pkgs_nr; i++)
		free(st.pkgs[i]);
	free(st.pkgs);
	free(st.pkg);
	strbuf_release(&line);
	return ret;
}

/* ---- Catch2 v2 XML, read with expat ---- */

#if defined(XML_UNICODE) || defined(XML_UNICODE_WCHAR_T)
#error "harness.c expects expat's XML_Char to be char (UTF-8)"
#endif

#define XML_MAX_DEPTH 128
#define XML_MAX_VALUE 4096

/* What expat's callbacks share: the element stack and the <BenchmarkResults> being read. */
struct xml {
	struct builder *b;
	XML_Parser parser;
	const char *data;
	size_t len;
	int ret; /* the first error a callback found; the parser stops on it */
	char *stack[XML_MAX_DEPTH];
	int depth;
	int seen_root;
	const XML_Char **attrs; /* of the start tag being read: name, value, ..., NULL */
	/* the <BenchmarkResults> being read */
	int in_bench, has_mean, has_sd;
	struct strbuf bench_name, failed;
	double mean, mean_lo, mean_hi, sd;
};

static int xml_error(struct xml *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* PW_EINVALID at the builder's line, which each callback sets from expat's position. */
static int xml_error(struct xml *x, const char *fmt, ...)
{
	struct strbuf what = STRBUF_INIT;
	va_list ap;
	int ret;

	va_start(ap, fmt);
	strbuf_vaddf(&what, fmt, ap);
	va_end(ap);
	ret = pw_error_set(x->b->err, PW_EINVALID, "%s: %s", at(x->b), what.buf);
	strbuf_release(&what);
	return ret;
}

static const char *xml_attr(struct xml *x, const char *name)
{
	for (const XML_Char **a = x->attrs; a && *a; a += 2)
		if (!strcmp(a[0], name))
			return a[1];
	return NULL;
}

static int xml_attr_number(struct xml *x, const char *elem, const char *name, double *out)
{
	const char *v = xml_attr(x, name);

	if (!v || parse_double(v, out))
		return xml_error(x, "<%s> in benchmark '%.200s' needs a number in '%s'", elem,
		                 x->bench_name.buf, name);
	return 0;
}

static int catch2_bench_end(struct xml *x)
{
	struct builder *b = x->b;
	struct harness_case *c = NULL;
	struct harness_metric *m = NULL;
	int ret;

	x->in_bench = 0;
	if ((ret = case_get(b, x->bench_name.buf, x->bench_name.len, &c)))
		return ret;
	if (x->failed.len)
		return pw_error_set(b->err, PW_ERROR, "%s: benchmark '%s' failed: %s", at(b),
		                    c->name, x->failed.buf);
	if (!x->has_mean)
		return xml_error(x, "a <BenchmarkResults> without <mean>");
	if (x->mean < 0)
		return xml_error(x, "a negative <mean>");
	if ((ret = add_value(b, c, "time", "ns", HARNESS_LOWER_IS_BETTER, 1, x->mean)) ||
	    (ret = metric_get(b, c, "time", "ns", HARNESS_LOWER_IS_BETTER, &m)))
		return ret;
	m->lower = x->mean_lo;
	m->upper = x->mean_hi;
	if (x->has_sd)
		ret = add_value(b, c, "standard_deviation", "ns", HARNESS_UNDIRECTED, 1, x->sd);
	return ret;
}

static int catch2_start(struct xml *x, const char *name)
{
	int ret;

	if (!x->seen_root) {
		if (strcmp(name, "Catch"))
			return xml_error(x, "not Catch2's XML (the top element is not <Catch>)");
		x->seen_root = 1;
	}
	if (!strcmp(name, "BenchmarkResults")) {
		const char *bn = xml_attr(x, "name");

		if (x->in_bench)
			return xml_error(x, "a <BenchmarkResults> inside another");
		if (!bn)
			return xml_error(x, "a <BenchmarkResults> without a name");
		x->in_bench = 1;
		x->has_mean = x->has_sd = 0;
		x->mean_lo = x->mean_hi = NAN;
		strbuf_reset(&x->bench_name);
		strbuf_addstr(&x->bench_name, bn);
		strbuf_reset(&x->failed);
		return 0;
	}
	if (!x->in_bench)
		return 0;
	if (!strcmp(name, "mean")) {
		x->has_mean = 1;
		if ((ret = xml_attr_number(x, name, "value", &x->mean)))
			return ret;
		if (xml_attr(x, "lowerBound") && xml_attr(x, "upperBound") &&
		    ((ret = xml_attr_number(x, name, "lowerBound", &x->mean_lo)) ||
		     (ret = xml_attr_number(x, name, "upperBound", &x->mean_hi))))
			return ret;
	} else if (!strcmp(name, "standardDeviation")) {
		x->has_sd = 1;
		if ((ret = xml_attr_number(x, name, "value", &x->sd)))
			return ret;
	} else if (!strcmp(name, "failed")) {
		const char *msg = xml_attr(x, "message");

		strbuf_reset(&x->failed);
		strbuf_addstr(&x->failed, msg && *msg ? msg : "no message");
	}
	return 0;
}

static int catch2_end(struct xml *x, const char *name)
{
	if (!strcmp(name, "BenchmarkResults") && x->in_bench)
		return catch2_bench_end(x);
	return 0;
}

static int xml_start(struct xml *x, const char *name)
{
	for (const XML_Char **a = x->attrs; *a; a += 2)
		if (strlen(a[1]) > XML_MAX_VALUE)
			return xml_error(x, "<%.64s>: attribute '%.64s' is over %d bytes", name,
			                 a[0], XML_MAX_VALUE);
	if (x->depth == XML_MAX_DEPTH)
		return xml_error(x, "elements nested too deep (over %d)", XML_MAX_DEPTH);
	x->stack[x->depth++] = dup_str(name);
	return catch2_start(x, name);
}

static int xml_end(struct xml *x, const char *name)
{
	free(x->stack[--x->depth]);
	return catch2_end(x, name);
}

/*
 * The callbacks: each points the builder at expat's line, and stops the parse on
 * the first error. Expat may still deliver an event after the stop; it is ignored.
 */
static int xml_enter(struct xml *x)
{
	if (x->ret)
		return 0;
	x->b->line = (size_t)XML_GetCurrentLineNumber(x->parser);
	return 1;
}

static void xml_leave(struct xml *x, int ret)
{
	if (ret) {
		x->ret = ret;
		XML_StopParser(x->parser, XML_FALSE);
	}
}

static void XMLCALL xml_on_start(void *data, const XML_Char *name, const XML_Char **attrs)
{
	struct xml *x = data;

	if (!xml_enter(x))
		return;
	x->attrs = attrs;
	xml_leave(x, xml_start(x, name));
	x->attrs = NULL;
}

static void XMLCALL xml_on_end(void *data, const XML_Char *name)
{
	struct xml *x = data;

	if (xml_enter(x))
		xml_leave(x, xml_end(x, name));
}

/* Catch2 writes no DOCTYPE; refusing it refuses every entity definition (billion laughs). */
static void XMLCALL xml_on_doctype(void *data, const XML_Char *name, const XML_Char *sysid,
                                   const XML_Char *pubid, int has_internal_subset)
{
	struct xml *x = data;

	(void)name;
	(void)sysid;
	(void)pubid;
	(void)has_internal_subset;
	if (xml_enter(x))
		xml_leave(x, xml_error(x, "a <!DOCTYPE> (Catch2's XML has none, and entities "
		                          "are not read)"));
}

static int xml_looking_at(const char *p, size_t left, const char *s)
{
	size_t k = strlen(s);

	return left >= k && !memcmp(p, s, k);
}

/* Expat's complaint about malformed input, said for a reader of Catch2's XML. */
static int xml_malformed(struct xml *x)
{
	enum XML_Error code = XML_GetErrorCode(x->parser);
	XML_Index where = XML_GetCurrentByteIndex(x->parser);
	size_t off = where >= 0 && (size_t)where <= x->len ? (size_t)where : x->len;
	const char *p = x->data + off, *q = p;
	size_t left = x->len - off;
	const char *open = x->depth ? x->stack[x->depth - 1] : "";

	x->b->line = (size_t)XML_GetCurrentLineNumber(x->parser);
	switch (code) {
	case XML_ERROR_NO_ELEMENTS:
		if (x->depth)
			return xml_error(x, "the input ends inside <%.64s> (truncated?)", open);
		/* fall through */
	case XML_ERROR_SYNTAX:
		if (!x->seen_root)
			return xml_error(x, "no XML element (expected Catch2's `-r xml` output)");
		break;
	case XML_ERROR_UNCLOSED_TOKEN:
		if (xml_looking_at(p, left, "<!--"))
			return xml_error(x, "an unterminated comment");
		if (xml_looking_at(p, left, "<?"))
			return xml_error(x, "an unterminated <?");
		return xml_error(x, "the input ends inside a tag (truncated?)");
	case XML_ERROR_UNCLOSED_CDATA_SECTION:
		return xml_error(x, "an unterminated CDATA section");
	case XML_ERROR_TAG_MISMATCH:
		return xml_error(x, "a closing tag that matches no open one (<%.64s> is open)",
		                 open);
	case XML_ERROR_UNDEFINED_ENTITY:
		return xml_error(x, "an unknown entity (XML knows &lt; &gt; &amp; &quot; &apos; "
		                    "and &#N; only)");
	case XML_ERROR_JUNK_AFTER_DOC_ELEMENT:
		return xml_error(x, "more after the end of the top element");
	case XML_ERROR_INVALID_TOKEN:
		while (q > x->data && is_blank(q[-1]))
			q--;
		if (q > x->data && q[-1] == '=' && left && *p != '"' && *p != '\'')
			return xml_error(x, "an attribute value without quotes");
		break;
	default:
		break;
	}
	return xml_error(x, "not well-formed XML at column %lu: %s",
	                 (unsigned long)XML_GetCurrentColumnNumber(x->parser) + 1,
	                 XML_ErrorString(code));
}

static int parse_catch2(struct builder *b, const char *data, size_t len)
{
	struct xml x;
	int ret = 0;

	memset(&x, 0, sizeof(x));
	x.b = b;
	x.data = data;
	x.len = len;
	x.bench_name = x.failed = (struct strbuf)STRBUF_INIT;
	x.parser = XML_ParserCreate(NULL);
	if (!x.parser)
		abort();
	XML_SetUserData(x.parser, &x);
	XML_SetElementHandler(x.parser, xml_on_start, xml_on_end);
	XML_SetStartDoctypeDeclHandler(x.parser, xml_on_doctype);
	/* len <= HARNESS_MAX_INPUT, well within an int */
	if (XML_Parse(x.parser, data, (int)len, XML_TRUE) != XML_STATUS_OK)
		ret = x.ret ? x.ret : xml_malformed(&x);
	else
		b->line = 0; /* a report without cases is not at any line */
	while (x.depth)
		free(x.stack[--x.depth]);
	XML_ParserFree(x.parser);
	strbuf_release(&x.bench_name);
	strbuf_release(&x.failed);
	return ret;
}

/* ---- entry points ---- */

static const char *const format_names[] = {
        [HARNESS_GOOGLE_BENCHMARK] = "google-benchmark",
        [HARNESS_HYPERFINE] = "hyperfine",
        [HARNESS_PYTEST_BENCHMARK] = "pytest-benchmark",
        [HARNESS_GO_BENCH] = "go-bench",
        [HARNESS_CATCH2] = "catch2",
        [HARNESS_JSON] = "json",
        [HARNESS_LINES] = "lines",
};

int harness_format_parse(const char *name, enum harness_format *out, struct pw_error *err)
{
	for (size_t i = 0; i < sizeof(format_names) / sizeof(format_names[0]); i++)
		if (!strcmp(name, format_names[i])) {
			*out = (enum harness_format)i;
			return 0;
		}
	return pw_error_set(err, PW_EINVALID,
	                    "unknown harness format '%s' (google-benchmark, hyperfine, "
	                    "pytest-benchmark, go-bench, catch2, json, lines)",
	                    name);
}

const char *harness_format_name(enum harness_format format)
{
	if ((size_t)format < sizeof(format_names) / sizeof(format_names[0]))
		return format_names[format];
	return "unknown";
}

const char *harness_direction_name(enum harness_direction direction)
{
	switch (direction) {
	case HARNESS_LOWER_IS_BETTER:
		return "lower";
	case HARNESS_HIGHER_IS_BETTER:
		return "higher";
	default:
		return "none";
	}
}

int harness_parse(enum harness_format format, const char *data, size_t len, const char *source,
                  struct harness_report *out, struct pw_error *err)
{
	struct builder *b = calloc(1, sizeof(*b));
	struct harness_report fresh = HARNESS_REPORT_INIT;
	int ret = 0;

	if (!b)
		abort();
	b->report = fresh;
	b->report.format = format;
	b->source = source ? source : "harness output";
	b->err = err;
	if (len > HARNESS_MAX_INPUT) {
		ret = pw_error_set(err, PW_EINVALID, "%s: over %u MiB of benchmark results", at(b),
		                   HARNESS_MAX_INPUT >> 20);
		goto done;
	}
	switch (format) {
	case HARNESS_GOOGLE_BENCHMARK:
	case HARNESS_HYPERFINE:
	case HARNESS_PYTEST_BENCHMARK:
	case HARNESS_JSON:
		ret = parse_json(b, format, data, len);
		break;
	case HARNESS_GO_BENCH:
	case HARNESS_LINES:
	case HARNESS_CATCH2:
		if (memchr(data, '\0', len)) {
			ret = pw_error_set(err, PW_EINVALID, "%s: not text (a NUL byte)", at(b));
			goto done;
		}
		ret = format == HARNESS_CATCH2 ? parse_catch2(b, data, len)
		                               : parse_text(b, format, data, len);
		break;
	default:
		ret = pw_error_set(err, PW_EINVALID, "unknown harness format %d", (int)format);
		break;
	}
	if (!ret && !b->report.nr)
		ret = pw_error_set(err, PW_EINVALID, "%s: no benchmark results in %s format", at(b),
		                   harness_format_name(format));
done:
	if (ret)
		harness_report_release(&b->report);
	*out = b->report;
	strbuf_release(&b->at);
	free(b);
	return ret;
}

int harness_parse_file(enum harness_format format, const char *path, struct harness_report *out,
                       struct pw_error *err)
{
	struct strbuf data = STRBUF_INIT;
	struct harness_report fresh = HARNESS_REPORT_INIT;
	int ret;

	*out = fresh;
	strbuf_setmax(&data, HARNESS_MAX_INPUT, 0);
	if (strbuf_read_file(&data, path) < 0)
		ret = errno == EFBIG ? pw_error_set(err, PW_EINVALID,
		                                    "%s: over %u MiB of benchmark results", path,
		                                    HARNESS_MAX_INPUT >> 20)
		                     : pw_error_errno(err, PW_EIO, "could not read '%s'", path);
	else
		ret = harness_parse(format, data.buf ? data.buf : "", data.len, path, out, err);
	strbuf_release(&data);
	return ret;
}

const struct harness_case *harness_report_find(const struct harness_report *report,
                                               const char *name)
{
	for (size_t i = 0; i < report->nr; i++)
		if (!strcmp(report->cases[i].name, name))
			return &report->cases[i];
	return NULL;
}

const struct harness_metric *harness_case_metric(const struct harness_case *c, const char *name)
{
	for (size_t i = 0; i < c->metrics_nr; i++)
		if (!strcmp(c->metrics[i].name, name))
			return &c->metrics[i];
	return NULL;
}
