/*
 * spec: reads `.perfwarden`, the file in which a repository tells perfwarden
 * how to build it and which benchmarks to run. The syntax is git-config,
 * parsed by libgit2 (through checkout_config_foreach, so libgit2 stays in
 * checkout); this module only checks the entries, fills in the defaults and
 * gives the spec a canonical text and hash so the store can tell specs apart.
 * The pipeline parses the spec of each commit (or one `--spec FILE`) before
 * building it.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "spec.h"

enum key_bit {
	KEY_COMMAND = 1 << 0,
	KEY_TIMEOUT = 1 << 1,
	KEY_GOLDEN = 1 << 2,
	KEY_OUTPUT = 1 << 3,
	KEY_REPEAT = 1 << 4,
	KEY_WARMUP = 1 << 5,
	KEY_THRESHOLD = 1 << 6,
	KEY_TOLERANCE = 1 << 7,
	KEY_MAX_REPEAT = 1 << 8,
	KEY_ARTIFACTS = 1 << 9,
	KEY_VERIFY = 1 << 20, /* verification keys: a block of their own */
	KEY_TEST = 1 << 21,
	KEY_SETUP = 1 << 10,
	KEY_FORMAT = 1 << 11,
	KEY_METRIC = 1 << 12,
	KEY_MEMORY_THRESHOLD = 1 << 13,
	KEY_PARAMS = 1 << 14, /* may be given more than once: each line multiplies */
	KEY_NETWORK = 1 << 28,
};

static const struct {
	const char *name;
	unsigned bit;
	int in_build; /* 1: allowed in [build] too; 2: only in [build] */
} keys[] = {
        {"command", KEY_COMMAND, 1},       {"timeout", KEY_TIMEOUT, 1},
        {"golden", KEY_GOLDEN, 0},         {"output", KEY_OUTPUT, 0},
        {"repeat", KEY_REPEAT, 0},         {"warmup", KEY_WARMUP, 0},
        {"threshold", KEY_THRESHOLD, 0},   {"tolerance", KEY_TOLERANCE, 0},
        {"max-repeat", KEY_MAX_REPEAT, 0}, {"artifacts", KEY_ARTIFACTS, 2},
        {"verify", KEY_VERIFY, 0},         {"test", KEY_TEST, 0},
        {"setup", KEY_SETUP, 0},           {"format", KEY_FORMAT, 0},
        {"metric", KEY_METRIC, 0},         {"memory-threshold", KEY_MEMORY_THRESHOLD, 0},
        {"params", KEY_PARAMS, 0},         {"network", KEY_NETWORK, 1},
};

struct parse {
	struct spec *spec;
	const char *file;
	struct pw_error *err;
	int has_build;
	unsigned build_seen;
	unsigned *bench_seen; /* parallel to spec->benchmarks */
	struct strbuf where;  /* "build" or benchmark "NAME", for messages */
};

static char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		abort();
	return p;
}

void spec_init(struct spec *spec)
{
	struct spec blank = SPEC_INIT;

	*spec = blank;
}

static void params_release(struct spec_param *params, size_t n)
{
	size_t i, k;

	for (i = 0; i < n; i++) {
		for (k = 0; k < params[i].nvalues; k++)
			free(params[i].values[k]);
		free(params[i].values);
		free(params[i].name);
	}
	free(params);
}

static void benchmark_release(struct spec_benchmark *b)
{
	params_release(b->params, b->nparams);
	free(b->family);
	free(b->name);
	free(b->command);
	free(b->golden);
	free(b->output);
	free(b->test);
	free(b->setup);
	free(b->metric);
}

void spec_release(struct spec *spec)
{
	size_t i;

	for (i = 0; i < spec->nbenchmarks; i++)
		benchmark_release(&spec->benchmarks[i]);
	free(spec->benchmarks);
	for (i = 0; i < spec->ndeclared; i++)
		benchmark_release(&spec->declared[i]);
	free(spec->declared);
	free(spec->build_command);
	free(spec->artifacts);
	strbuf_release(&spec->warnings);
	spec_init(spec);
}

void spec_free(struct spec *spec)
{
	if (!spec)
		return;
	spec_release(spec);
	free(spec);
}

__attribute__((format(printf, 2, 3))) static int fail(struct parse *p, const char *fmt, ...)
{
	struct strbuf msg = STRBUF_INIT;
	va_list ap;

	strbuf_addf(&msg, "%s: ", p->file);
	if (p->where.len)
		strbuf_addf(&msg, "%s: ", p->where.buf);
	va_start(ap, fmt);
	strbuf_vaddf(&msg, fmt, ap);
	va_end(ap);
	pw_error_set(p->err, PW_EINVALID, "%s", msg.buf);
	strbuf_release(&msg);
	return PW_EINVALID;
}

static int parse_count(struct parse *p, const char *key, const char *value, int min, int max,
                       int *out)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(value, &end, 10);
	if (end == value || *end || (errno && n != LONG_MAX) || n < min)
		return fail(p, "%s must be a %s integer, got '%s'", key,
		            min > 0 ? "positive" : "non-negative", value);
	if (errno || n > max)
		return fail(p, "%s must be at most %d, got '%s'", key, max, value);
	*out = (int)n;
	return 0;
}

static int parse_duration(struct parse *p, const char *key, const char *value, int64_t *out_ms)
{
	char *end;
	double n, scale = 1000;

	errno = 0;
	n = strtod(value, &end);
	if (end != value && !strcmp(end, "ms"))
		scale = 1;
	else if (end != value && (!strcmp(end, "s") || !*end))
		scale = 1000;
	else if (end != value && !strcmp(end, "m"))
		scale = 60000;
	else if (end != value && !strcmp(end, "h"))
		scale = 3600000;
	else
		end = NULL;
	if (!end || errno || !isfinite(n) || n * scale < 1 || n * scale > 7 * 86400e3)
		return fail(p,
		            "%s must be a positive duration in seconds (60, 1.5s, 500ms, 10m), "
		            "got '%s'",
		            key, value);
	*out_ms = (int64_t)llround(n * scale);
	return 0;
}

/*
 * Write a threshold as it parses back: a fraction below 1 as it always was
 * (the spec's hash stays), 1 and above as a percentage (a fraction must be
 * below 1).
 */
static void add_share(struct strbuf *out, const char *key, double v)
{
	if (v < 1)
		strbuf_addf(out, "\t%s = %.17g\n", key, v);
	else
		strbuf_addf(out, "\t%s = %.17g%%\n", key, v * 100);
}

static int parse_threshold(struct parse *p, const char *key, const char *value, double *out)
{
	char *end;
	double n;

	errno = 0;
	n = strtod(value, &end);
	if (end != value && !strcmp(end, "%") && isfinite(n) && n > 0 && !errno) {
		*out = n / 100;
		return 0;
	}
	if (end != value && !*end && isfinite(n) && n > 0 && n < 1 && !errno) {
		*out = n;
		return 0;
	}
	if (end != value && !*end && n >= 1)
		return fail(p,
		            "%s must be a percentage or a fraction below 1, got '%s' "
		            "(did you mean '%s%%'?)",
		            key, value, value);
	return fail(p, "%s must be a percentage (2%%) or a fraction (0.02), got '%s'", key, value);
}

static int parse_yes_no(struct parse *p, const char *key, const char *value, int *out)
{
	if (!strcasecmp(value, "yes") || !strcasecmp(value, "true"))
		*out = 1;
	else if (!strcasecmp(value, "no") || !strcasecmp(value, "false"))
		*out = 0;
	else
		return fail(p, "%s must be yes or no, got '%s'", key, value);
	return 0;
}

static int parse_memory_threshold(struct parse *p, const char *key, const char *value, double *out)
{
	char *end;
	double n;

	errno = 0;
	n = strtod(value, &end);
	if (!strcmp(value, "off"))
		n = 0;
	else if (end != value && !strcmp(end, "%") && isfinite(n) && n > 0 && !errno)
		n /= 100;
	else if (!(end != value && !*end && isfinite(n) && n > 0 && n < 1 && !errno))
		return fail(p,
		            "%s must be a percentage (10%%), a fraction (0.1) or 'off', got '%s'",
		            key, value);
	*out = n;
	return 0;
}

static int parse_format(struct parse *p, const char *value, struct spec_benchmark *b)
{
	if (harness_format_parse(value, &b->format, NULL) < 0)
		return fail(p,
		            "format must be one of google-benchmark, hyperfine, pytest-benchmark, "
		            "go-bench, catch2, json, lines; got '%s'",
		            value);
	b->has_format = 1;
	return 0;
}

/* A metric name: wall, cpu, instructions, or a harness metric's (checked in check_complete). */
static int check_metric(struct parse *p, const char *value)
{
	const char *s;

	for (s = value; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == ' ' || *s == '\t')
			return fail(p,
			            "metric must be one word (wall, cpu, instructions), got '%s'",
			            value);
	return 0;
}

static int parse_tolerance(struct parse *p, const char *value, double *out)
{
	char *end;
	double n;

	errno = 0;
	n = strtod(value, &end);
	if (end == value || *end || errno || !isfinite(n) || n < 0)
		return fail(p, "tolerance must be a non-negative number, got '%s'", value);
	*out = n;
	return 0;
}

static int check_golden(struct parse *p, const char *value)
{
	if (!*value || strchr(value, '/') || value[0] == '.')
		return fail(p, "golden must be the name of a golden set (no '/'), got '%s'", value);
	return 0;
}

static int check_output(struct parse *p, const char *value)
{
	const char *s = value;

	if (!*value || value[0] == '/')
		return fail(p, "output must be a path inside the checkout, got '%s'", value);
	while (s) {
		if (!strncmp(s, "..", 2) && (s[2] == '/' || !s[2]))
			return fail(p, "output must be a path inside the checkout, got '%s'",
			            value);
		s = strchr(s, '/');
		if (s)
			s++;
	}
	return 0;
}

static int param_name_ok(const char *s, size_t n)
{
	size_t i;

	if (!n || (s[0] >= '0' && s[0] <= '9'))
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

/* A parameter's value: safe in a command line, a file name and a series name as it is. */
static int param_value_ok(const char *s, size_t n)
{
	size_t i;

	if (!n || n > SPEC_MAX_PARAM_VALUE)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == '_' || s[i] == '+' ||
		      s[i] == '-'))
			return 0;
	return 1;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* One `params = NAME: VALUE,VALUE...` line, appended to b's parameters. */
static int parse_params(struct parse *p, const char *value, struct spec_benchmark *b)
{
	const char *colon = strchr(value, ':'), *s, *e, *end;
	struct spec_param *x;
	size_t i;

	if (!colon)
		return fail(p,
		            "params must be NAME: VALUE,VALUE... (as in 'width: 100,1000'), got "
		            "'%s'",
		            value);
	for (s = value; is_blank(*s); s++)
		;
	for (e = colon; e > s && is_blank(e[-1]); e--)
		;
	if (!param_name_ok(s, (size_t)(e - s)))
		return fail(p,
		            "params: '%.*s' is not a parameter name (letters, digits and '_', "
		            "not starting with a digit)",
		            (int)(e - s), s);
	for (i = 0; i < b->nparams; i++)
		if (strlen(b->params[i].name) == (size_t)(e - s) &&
		    !strncasecmp(b->params[i].name, s, (size_t)(e - s)))
			return fail(p, "params: parameter '%.*s' is given twice%s", (int)(e - s), s,
			            strncmp(b->params[i].name, s, (size_t)(e - s))
			                    ? " (names differ in case only)"
			                    : "");
	if (b->nparams == SPEC_MAX_PARAMS)
		return fail(p, "params: at most %d parameters", SPEC_MAX_PARAMS);
	b->params = realloc(b->params, (b->nparams + 1) * sizeof(*b->params));
	if (!b->params)
		abort();
	x = &b->params[b->nparams++];
	memset(x, 0, sizeof(*x));
	x->name = strndup(s, (size_t)(e - s));
	if (!x->name)
		abort();
	for (s = colon + 1;; s = end + 1) {
		end = strchr(s, ',');
		if (!end)
			end = s + strlen(s);
		for (; is_blank(*s) && s < end; s++)
			;
		for (e = end; e > s && is_blank(e[-1]); e--)
			;
		if (e == s)
			return fail(p, "params: %s: an empty value in '%s'", x->name, value);
		if (!param_value_ok(s, (size_t)(e - s)))
			return fail(p,
			            "params: %s: '%.*s' is not a value (letters, digits, '.', '_', "
			            "'+' and '-', at most %d bytes)",
			            x->name, (int)(e - s), s, SPEC_MAX_PARAM_VALUE);
		for (i = 0; i < x->nvalues; i++)
			if (strlen(x->values[i]) == (size_t)(e - s) &&
			    !strncmp(x->values[i], s, (size_t)(e - s)))
				return fail(p, "params: %s: value '%.*s' is given twice", x->name,
				            (int)(e - s), s);
		if (x->nvalues == SPEC_MAX_PARAM_VALUES)
			return fail(p, "params: %s: at most %d values", x->name,
			            SPEC_MAX_PARAM_VALUES);
		x->values = realloc(x->values, (x->nvalues + 1) * sizeof(*x->values));
		if (!x->values)
			abort();
		x->values[x->nvalues] = strndup(s, (size_t)(e - s));
		if (!x->values[x->nvalues++])
			abort();
		if (!*end)
			break;
	}
	return 0;
}

static int valid_bench_name(const char *name, size_t len)
{
	size_t i;

	if (!len)
		return 0;
	for (i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.'))
			return 0;
	}
	return 1;
}

static struct spec_benchmark *benchmark_get(struct parse *p, const char *name, size_t len,
                                            unsigned **seen)
{
	struct spec *spec = p->spec;
	struct spec_benchmark *b;
	size_t i;

	for (i = 0; i < spec->nbenchmarks; i++)
		if (strlen(spec->benchmarks[i].name) == len &&
		    !strncmp(spec->benchmarks[i].name, name, len)) {
			*seen = &p->bench_seen[i];
			return &spec->benchmarks[i];
		}
	if (spec->nbenchmarks >= SPEC_MAX_BENCHMARKS)
		return NULL;
	spec->benchmarks = realloc(spec->benchmarks, (i + 1) * sizeof(*spec->benchmarks));
	p->bench_seen = realloc(p->bench_seen, (i + 1) * sizeof(*p->bench_seen));
	if (!spec->benchmarks || !p->bench_seen)
		abort();
	b = &spec->benchmarks[i];
	memset(b, 0, sizeof(*b));
	b->name = strndup(name, len);
	if (!b->name)
		abort();
	b->repeat = SPEC_DEFAULT_REPEAT;
	b->warmup = SPEC_DEFAULT_WARMUP;
	b->timeout_ms = SPEC_DEFAULT_RUN_TIMEOUT_MS;
	b->threshold = SPEC_DEFAULT_THRESHOLD;
	b->memory_threshold = SPEC_DEFAULT_MEMORY_THRESHOLD;
	b->max_repeat = 0; /* filled in after the walk */
	p->bench_seen[i] = 0;
	spec->nbenchmarks++;
	*seen = &p->bench_seen[i];
	return b;
}

static int set_benchmark_key(struct parse *p, struct spec_benchmark *b, unsigned bit,
                             const char *key, const char *value)
{
	switch (bit) {
	case KEY_COMMAND:
		b->command = xstrdup(value);
		return 0;
	case KEY_TIMEOUT:
		return parse_duration(p, key, value, &b->timeout_ms);
	case KEY_GOLDEN:
		if (check_golden(p, value) < 0)
			return PW_EINVALID;
		b->golden = xstrdup(value);
		return 0;
	case KEY_OUTPUT:
		if (check_output(p, value) < 0)
			return PW_EINVALID;
		b->output = xstrdup(value);
		return 0;
	case KEY_REPEAT:
		return parse_count(p, key, value, 1, SPEC_MAX_REPEAT, &b->repeat);
	case KEY_WARMUP:
		return parse_count(p, key, value, 0, SPEC_MAX_WARMUP, &b->warmup);
	case KEY_THRESHOLD:
		return parse_threshold(p, key, value, &b->threshold);
	case KEY_MEMORY_THRESHOLD:
		return parse_memory_threshold(p, key, value, &b->memory_threshold);
	case KEY_NETWORK:
		return parse_yes_no(p, key, value, &b->network);
	case KEY_SETUP:
		b->setup = xstrdup(value);
		return 0;
	case KEY_FORMAT:
		return parse_format(p, value, b);
	case KEY_METRIC:
		if (check_metric(p, value) < 0)
			return PW_EINVALID;
		b->metric = xstrdup(value);
		return 0;
	case KEY_TOLERANCE:
		return parse_tolerance(p, value, &b->tolerance);
	case KEY_MAX_REPEAT:
		return parse_count(p, key, value, 1, SPEC_MAX_REPEAT, &b->max_repeat);
	case KEY_VERIFY:
		if (verify_mode_parse(value, &b->verify, NULL) < 0)
			return fail(p, "verify must be grid, digest or json, got '%s'", value);
		return 0;
	case KEY_TEST:
		b->test = xstrdup(value);
		return 0;
	case KEY_PARAMS:
		return parse_params(p, value, b);
	}
	return fail(p, "unknown key '%s'", key);
}

static int on_entry(const char *name, const char *value, unsigned include_depth, void *payload)
{
	struct parse *p = payload;
	const char *dot = strchr(name, '.'), *last = strrchr(name, '.');
	const char *key = last ? last + 1 : name;
	size_t seclen = dot ? (size_t)(dot - name) : strlen(name);
	const char *sub = dot && last != dot ? dot + 1 : NULL;
	size_t sublen = sub ? (size_t)(last - sub) : 0;
	struct spec_benchmark *b = NULL;
	unsigned *seen, bit = 0;
	size_t i;

	strbuf_reset(&p->where);
	if (include_depth > 0)
		return fail(p, "includes are not allowed ('%s')", name);
	if (seclen == 5 && !strncmp(name, "build", 5)) {
		if (sub)
			return fail(p, "[build] takes no name, got [build \"%.*s\"]", (int)sublen,
			            sub);
		strbuf_addstr(&p->where, "build");
		p->has_build = 1;
		seen = &p->build_seen;
	} else if (seclen == 9 && !strncmp(name, "benchmark", 9)) {
		if (!sub)
			return fail(p, "[benchmark] needs a name, as in [benchmark \"julia\"]");
		strbuf_addf(&p->where, "benchmark \"%.*s\"", (int)sublen, sub);
		if (!valid_bench_name(sub, sublen))
			return fail(p, "the name may only contain letters, digits, '.', '_' "
			               "and '-'");
		b = benchmark_get(p, sub, sublen, &seen);
		if (!b)
			return fail(p, "a spec may declare at most %d benchmarks",
			            SPEC_MAX_BENCHMARKS);
	} else {
		if (sub)
			return fail(p, "unknown section [%.*s \"%.*s\"]", (int)seclen, name,
			            (int)sublen, sub);
		return fail(p, "unknown section [%.*s]", (int)seclen, name);
	}

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(key, keys[i].name) && (b ? keys[i].in_build != 2 : keys[i].in_build))
			bit = keys[i].bit;
	if (!bit)
		return fail(p, "unknown key '%s'", key);
	if ((*seen & bit) && bit != KEY_PARAMS)
		return fail(p, "%s is given twice", key);
	*seen |= bit;
	if (!value || !*value)
		return fail(p, "%s must not be empty", key);

	if (b)
		return set_benchmark_key(p, b, bit, key, value);
	if (bit == KEY_COMMAND) {
		p->spec->build_command = xstrdup(value);
		return 0;
	}
	if (bit == KEY_ARTIFACTS) {
		p->spec->artifacts = xstrdup(value);
		return 0;
	}
	if (bit == KEY_NETWORK)
		return parse_yes_no(p, key, value, &p->spec->build_network);
	return parse_duration(p, key, value, &p->spec->build_timeout_ms);
}

/* `text` with each `${NAME}` of a parameter in `params` replaced by its (first) value. */
static char *substitute(const char *text, const struct spec_param *params, size_t n)
{
	struct strbuf out = STRBUF_INIT;
	const char *s = text, *close;
	size_t i;

	if (!text)
		return NULL;
	while (*s) {
		if (s[0] == '$' && s[1] == '{' && (close = strchr(s + 2, '}'))) {
			size_t len = (size_t)(close - s - 2);

			for (i = 0; i < n; i++)
				if (strlen(params[i].name) == len &&
				    !strncmp(params[i].name, s + 2, len))
					break;
			if (i < n) {
				strbuf_addstr(&out, params[i].values[0]);
				s = close + 1;
				continue;
			}
		}
		strbuf_addch(&out, *s++);
	}
	return strbuf_detach(&out, NULL);
}

static char *xstrdup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

/*
 * Combination k of declared benchmark b into *c (the last `params` line
 * varies fastest), or, when b has none, a copy of b.
 */
static void combination(const struct spec_benchmark *b, size_t k, struct spec_benchmark *c)
{
	struct strbuf name = STRBUF_INIT;
	size_t i, rest = k;

	*c = *b;
	c->params = b->nparams ? calloc(b->nparams, sizeof(*c->params)) : NULL;
	if (b->nparams && !c->params)
		abort();
	for (i = b->nparams; i-- > 0;) {
		const struct spec_param *x = &b->params[i];

		c->params[i].name = xstrdup(x->name);
		c->params[i].values = calloc(1, sizeof(*c->params[i].values));
		if (!c->params[i].values)
			abort();
		c->params[i].values[0] = xstrdup(x->values[rest % x->nvalues]);
		c->params[i].nvalues = 1;
		rest /= x->nvalues;
	}
	strbuf_addstr(&name, b->name);
	for (i = 0; i < b->nparams; i++)
		strbuf_addf(&name, "%c%s=%s", i ? ',' : '@', c->params[i].name,
		            c->params[i].values[0]);
	c->name = strbuf_detach(&name, NULL);
	c->family = b->nparams ? xstrdup(b->name) : NULL;
	c->command = substitute(b->command, c->params, c->nparams);
	c->golden = substitute(b->golden, c->params, c->nparams);
	c->output = substitute(b->output, c->params, c->nparams);
	c->test = substitute(b->test, c->params, c->nparams);
	c->setup = substitute(b->setup, c->params, c->nparams);
	c->metric = xstrdup_or_null(b->metric);
}

/*
 * When a benchmark has params: keep the benchmarks as written in
 * spec->declared, and make spec->benchmarks one per combination.
 */
static int expand_params(struct parse *p)
{
	struct spec *spec = p->spec;
	struct spec_benchmark *out = NULL;
	size_t i, k, n = 0, total = 0;

	for (i = 0; i < spec->nbenchmarks; i++) {
		const struct spec_benchmark *b = &spec->benchmarks[i];
		size_t combos = 1;

		for (k = 0; k < b->nparams; k++) {
			combos *= b->params[k].nvalues;
			if (combos > SPEC_MAX_COMBINATIONS) {
				strbuf_reset(&p->where);
				strbuf_addf(&p->where, "benchmark \"%s\"", b->name);
				return fail(p, "params: more than %d combinations",
				            SPEC_MAX_COMBINATIONS);
			}
		}
		total += combos;
	}
	if (total == spec->nbenchmarks)
		return 0; /* no benchmark has params */
	out = calloc(total, sizeof(*out));
	if (!out)
		abort();
	for (i = 0; i < spec->nbenchmarks; i++) {
		const struct spec_benchmark *b = &spec->benchmarks[i];
		size_t combos = 1;

		for (k = 0; k < b->nparams; k++)
			combos *= b->params[k].nvalues;
		for (k = 0; k < combos; k++)
			combination(b, k, &out[n++]);
	}
	spec->declared = spec->benchmarks;
	spec->ndeclared = spec->nbenchmarks;
	spec->benchmarks = out;
	spec->nbenchmarks = n;
	for (i = 0; i < n; i++) {
		strbuf_reset(&p->where);
		strbuf_addf(&p->where, "benchmark \"%s\"", out[i].name);
		if ((out[i].golden && check_golden(p, out[i].golden) < 0) ||
		    (out[i].output && check_output(p, out[i].output) < 0))
			return PW_EINVALID;
	}
	return 0;
}

static int check_complete(struct parse *p)
{
	struct spec *spec = p->spec;
	size_t i;

	strbuf_reset(&p->where);
	if (!p->has_build)
		return fail(p, "no [build] section (write 'command = true' when nothing needs "
		               "building)");
	strbuf_addstr(&p->where, "build");
	if (!spec->build_command)
		return fail(p, "command is missing");
	strbuf_reset(&p->where);
	if (!spec->nbenchmarks)
		return fail(p, "no benchmark: add a [benchmark \"NAME\"] section");
	for (i = 0; i < spec->nbenchmarks; i++) {
		struct spec_benchmark *b = &spec->benchmarks[i];

		strbuf_reset(&p->where);
		strbuf_addf(&p->where, "benchmark \"%s\"", b->name);
		if (!b->command)
			return fail(p, "command is missing");
		if (!b->golden && (p->bench_seen[i] & KEY_VERIFY))
			return fail(p, "verify = %s needs golden (the name of its golden set)",
			            verify_mode_name(b->verify));
		if (b->metric && !b->has_format && strcmp(b->metric, "wall") &&
		    strcmp(b->metric, "cpu") && strcmp(b->metric, "instructions"))
			return fail(
			        p,
			        "metric must be wall, cpu or instructions (or, with a format, a "
			        "metric its harness reports), got '%s'",
			        b->metric);
		if (!b->max_repeat)
			b->max_repeat = b->repeat > SPEC_DEFAULT_MAX_REPEAT
			                        ? b->repeat
			                        : SPEC_DEFAULT_MAX_REPEAT;
		else if (b->max_repeat < b->repeat)
			return fail(p, "max-repeat (%d) must not be below repeat (%d)",
			            b->max_repeat, b->repeat);
	}
	return expand_params(p);
}

/* Replace each occurrence of `from` in `sb` by `to`. */
static void replace_all(struct strbuf *sb, const char *from, const char *to)
{
	struct strbuf out = STRBUF_INIT;
	const char *s = strbuf_str(sb), *hit;
	size_t n = strlen(from);

	if (!n)
		return;
	while ((hit = strstr(s, from))) {
		strbuf_add(&out, s, (size_t)(hit - s));
		strbuf_addstr(&out, to);
		s = hit + n;
	}
	strbuf_addstr(&out, s);
	strbuf_release(sb);
	*sb = out;
}

static void spec_hash(struct spec *spec)
{
	struct strbuf text = STRBUF_INIT;

	spec_write(spec, &text);
	checkout_blob_hash(text.buf, text.len, spec->hash);
	strbuf_release(&text);
}

/* Whether `key` (lowercase, as written) names a command the runner executes. */
static int is_command_key(const char *key, size_t len)
{
	return (len == 7 && !strncmp(key, "command", 7)) ||
	       (len == 5 && !strncmp(key, "setup", 5)) || (len == 4 && !strncmp(key, "test", 4));
}

/*
 * Warn about each command, setup or test line of the spec text whose value
 * holds an unquoted ';': git-config syntax makes the rest a comment, so
 * `command = a; b` runs only `a`. Lines continued with a backslash are
 * taken one at a time (their later lines are not key lines).
 */
static void warn_semicolons(const char *text, const char *file, struct strbuf *warnings)
{
	struct strbuf section = STRBUF_INIT;
	const char *line = text;

	while (*line) {
		const char *eol = strchrnul(line, '\n'), *p = line, *key, *v;
		size_t keylen, i;
		int quoted = 0;

		while (p < eol && (*p == ' ' || *p == '\t'))
			p++;
		if (*p == '[') {
			const char *close = memchr(p, ']', (size_t)(eol - p));

			strbuf_reset(&section);
			if (close)
				strbuf_add(&section, p + 1, (size_t)(close - p - 1));
			goto next;
		}
		key = p;
		while (p < eol && (isalnum((unsigned char)*p) || *p == '-'))
			p++;
		keylen = (size_t)(p - key);
		while (p < eol && (*p == ' ' || *p == '\t'))
			p++;
		if (*p != '=' || keylen > 7)
			goto next;
		{
			char lower[8];

			for (i = 0; i < keylen; i++)
				lower[i] = (char)tolower((unsigned char)key[i]);
			if (!is_command_key(lower, keylen))
				goto next;
		}
		for (v = ++p; v < eol; v++) {
			if (*v == '\\' && v + 1 < eol) {
				v++;
			} else if (*v == '"') {
				quoted = !quoted;
			} else if (*v == ';' && !quoted) {
				const char *vend = eol, *cut = v;

				while (p < eol && (*p == ' ' || *p == '\t'))
					p++;
				while (vend > p && isspace((unsigned char)vend[-1]))
					vend--;
				while (cut > p && (cut[-1] == ' ' || cut[-1] == '\t'))
					cut--;
				strbuf_addf(
				        warnings,
				        "%s: %s: %.*s: the unquoted ';' starts a comment, so only "
				        "'%.*s' runs; to run all of it, quote the value: %.*s = "
				        "\"%.*s\"\n",
				        file, section.buf, (int)keylen, key, (int)(cut - p), p,
				        (int)keylen, key, (int)(vend - p), p);
				break;
			}
		}
	next:
		line = *eol ? eol + 1 : eol;
	}
	strbuf_release(&section);
}

int spec_parse_file(struct spec **out, const char *path, const char *display_name,
                    struct pw_error *err)
{
	struct parse p = {0};
	struct spec *spec = calloc(1, sizeof(*spec));
	int ret;

	*out = NULL;
	if (!spec)
		abort();
	spec_init(spec);
	p.spec = spec;
	p.file = display_name ? display_name : path;
	p.err = err;
	ret = checkout_config_foreach(path, on_entry, &p, err);
	if (ret < 0 && err && !p.where.len && ret != PW_ENOTFOUND) {
		/* a syntax error from libgit2: name the file as the user knows it */
		replace_all(&err->msg, path, p.file);
		if (strncmp(err->msg.buf, p.file, strlen(p.file)) ||
		    err->msg.buf[strlen(p.file)] != ':')
			pw_error_prefix(err, "%s", p.file);
	}
	if (ret == 0)
		ret = check_complete(&p);
	if (ret == 0) {
		struct strbuf text = STRBUF_INIT;

		spec_hash(spec);
		strbuf_setmax(&text, (size_t)1 << 24, 0);
		if (strbuf_read_file(&text, path) == 0)
			warn_semicolons(text.buf, p.file, &spec->warnings);
		strbuf_release(&text);
	}
	free(p.bench_seen);
	strbuf_release(&p.where);
	if (ret < 0) {
		spec_free(spec);
		return ret;
	}
	*out = spec;
	return 0;
}

int spec_parse_buffer(struct spec **out, const void *buf, size_t len, const char *display_name,
                      struct pw_error *err)
{
	struct strbuf path = STRBUF_INIT, content = STRBUF_INIT;
	const char *tmpdir = getenv("TMPDIR");
	int fd = -1, ret;

	*out = NULL;
	strbuf_addf(&path, "%s/perfwarden-spec-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
	fd = mkstemp(path.buf);
	if (fd < 0) {
		ret = pw_error_errno(err, PW_EIO, "could not create a temporary file in '%s'",
		                     tmpdir && *tmpdir ? tmpdir : "/tmp");
		goto done;
	}
	close(fd);
	strbuf_add(&content, buf, len);
	if (strbuf_write_file(&content, path.buf) < 0) {
		ret = pw_error_errno(err, PW_EIO, "could not write '%s'", path.buf);
		goto done;
	}
	ret = spec_parse_file(out, path.buf, display_name ? display_name : SPEC_FILE, err);
done:
	if (fd >= 0)
		unlink(path.buf);
	strbuf_release(&path);
	strbuf_release(&content);
	return ret;
}

int spec_parse_commit(struct spec **out, struct checkout_repo *repo, const char *rev,
                      struct pw_error *err)
{
	struct strbuf blob = STRBUF_INIT;
	struct checkout_commit commit = CHECKOUT_COMMIT_INIT;
	int ret;

	*out = NULL;
	if ((ret = checkout_commit_lookup(repo, rev, &commit, err)) < 0)
		goto done;
	ret = checkout_read_file(repo, commit.hash, SPEC_FILE, &blob, err);
	if (ret == PW_ENOTFOUND) {
		pw_error_set(err, PW_ENOTFOUND, "commit %s has no %s", commit.short_hash,
		             SPEC_FILE);
		goto done;
	}
	if (ret < 0)
		goto done;
	ret = spec_parse_buffer(out, blob.buf, blob.len, SPEC_FILE, err);
	if (ret < 0)
		pw_error_prefix(err, "commit %s", commit.short_hash);
done:
	checkout_commit_release(&commit);
	strbuf_release(&blob);
	return ret;
}

int spec_is_combination_of(const char *name, const char *family)
{
	size_t n = strlen(family);

	return n && !strncmp(name, family, n) && name[n] == '@' && !strchr(name + n, '/');
}

size_t spec_select_series(char **names, size_t n, const char *want)
{
	size_t i, k = 0, exact = n;

	for (i = 0; i < n && exact == n; i++)
		if (!strcmp(names[i], want))
			exact = i;
	for (i = 0; i < n; i++) {
		char *name = names[i];

		names[i] = NULL;
		if (exact < n ? i == exact : spec_is_combination_of(name, want))
			names[k++] = name;
		else
			free(name);
	}
	return k;
}

const struct spec_benchmark *spec_benchmark_find(const struct spec *spec, const char *name)
{
	size_t i;

	for (i = 0; i < spec->nbenchmarks; i++)
		if (!strcmp(spec->benchmarks[i].name, name))
			return &spec->benchmarks[i];
	return NULL;
}

static void add_quoted(struct strbuf *out, const char *s)
{
	strbuf_addch(out, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			strbuf_addch(out, '\\');
		if (*s == '\n')
			strbuf_addstr(out, "\\n");
		else if (*s == '\t')
			strbuf_addstr(out, "\\t");
		else
			strbuf_addch(out, *s);
	}
	strbuf_addch(out, '"');
}

void spec_write(const struct spec *spec, struct strbuf *out)
{
	const struct spec_benchmark *list = spec->declared ? spec->declared : spec->benchmarks;
	size_t i, k, v;

	strbuf_addstr(out, "[build]\n\tcommand = ");
	add_quoted(out, spec->build_command ? spec->build_command : "");
	strbuf_addf(out, "\n\ttimeout = %lldms\n", (long long)spec->build_timeout_ms);
	if (spec->artifacts) {
		strbuf_addstr(out, "\tartifacts = ");
		add_quoted(out, spec->artifacts);
		strbuf_addch(out, '\n');
	}
	if (spec->build_network)
		strbuf_addstr(out, "\tnetwork = yes\n");
	for (i = 0; i < (spec->declared ? spec->ndeclared : spec->nbenchmarks); i++) {
		const struct spec_benchmark *b = &list[i];

		strbuf_addf(out, "[benchmark \"%s\"]\n\tcommand = ", b->name);
		add_quoted(out, b->command);
		if (b->golden) {
			strbuf_addstr(out, "\n\tgolden = ");
			add_quoted(out, b->golden);
		}
		if (b->verify != VERIFY_GRID)
			strbuf_addf(out, "\n\tverify = %s", verify_mode_name(b->verify));
		if (b->test) {
			strbuf_addstr(out, "\n\ttest = ");
			add_quoted(out, b->test);
		}
		if (b->output) {
			strbuf_addstr(out, "\n\toutput = ");
			add_quoted(out, b->output);
		}
		strbuf_addf(out, "\n\trepeat = %d\n\twarmup = %d\n\ttimeout = %lldms\n", b->repeat,
		            b->warmup, (long long)b->timeout_ms);
		add_share(out, "threshold", b->threshold);
		strbuf_addf(out, "\ttolerance = %.17g\n\tmax-repeat = %d\n", b->tolerance,
		            b->max_repeat);
		/* keys added later are written only when given, so older specs keep their hash */
		if (b->setup) {
			strbuf_addstr(out, "\tsetup = ");
			add_quoted(out, b->setup);
			strbuf_addch(out, '\n');
		}
		if (b->has_format)
			strbuf_addf(out, "\tformat = %s\n", harness_format_name(b->format));
		if (b->metric) {
			strbuf_addstr(out, "\tmetric = ");
			add_quoted(out, b->metric);
			strbuf_addch(out, '\n');
		}
		if (b->memory_threshold != SPEC_DEFAULT_MEMORY_THRESHOLD) {
			if (b->memory_threshold > 0)
				add_share(out, "memory-threshold", b->memory_threshold);
			else
				strbuf_addstr(out, "\tmemory-threshold = off\n");
		}
		for (k = 0; k < b->nparams; k++) {
			strbuf_addf(out, "\tparams = %s:", b->params[k].name);
			for (v = 0; v < b->params[k].nvalues; v++)
				strbuf_addf(out, "%s%s", v ? "," : " ", b->params[k].values[v]);
			strbuf_addch(out, '\n');
		}
		if (b->network)
			strbuf_addstr(out, "\tnetwork = yes\n");
	}
}

const char *spec_benchmark_verification(const struct spec_benchmark *b)
{
	static const char *const names[2][3] = {
	        {"grid", "digest", "json"},
	        {"grid+test", "digest+test", "json+test"},
	};

	if (!b->golden)
		return b->test ? "test" : "unverified";
	return names[b->test != NULL][b->verify <= VERIFY_JSON ? b->verify : 0];
}
