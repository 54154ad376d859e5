/*
 * spec: reads `.perfwarden`, the file in which a repository tells perfwarden
 * how to build it and which benchmarks to run. The syntax is git-config,
 * parsed by libgit2 (through checkout_config_foreach, so libgit2 stays in
 * checkout); this module only checks the entries, fills in the defaults and
 * gives the spec a canonical text and hash so the store can tell specs apart.
 * The pipeline parses the spec of each commit (or one `--spec FILE`) before
 * building it.
 */
#include <errno.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static void benchmark_release(struct spec_benchmark *b)
{
	free(b->name);
	free(b->command);
	free(b->golden);
	free(b->output);
}

void spec_release(struct spec *spec)
{
	size_t i;

	for (i = 0; i < spec->nbenchmarks; i++)
		benchmark_release(&spec->benchmarks[i]);
	free(spec->benchmarks);
	free(spec->build_command);
	free(spec->artifacts);
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

static int parse_count(struct parse *p, const char *key, const char *value, int min, int *out)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(value, &end, 10);
	if (end == value || *end || errno || n < min || n > 1000000)
		return fail(p, "%s must be a %s integer, got '%s'", key,
		            min > 0 ? "positive" : "non-negative", value);
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

static int parse_threshold(struct parse *p, const char *value, double *out)
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
		            "threshold must be a percentage or a fraction below 1, got '%s' "
		            "(did you mean '%s%%'?)",
		            value, value);
	return fail(p, "threshold must be a percentage (2%%) or a fraction (0.02), got '%s'",
	            value);
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
		return parse_count(p, key, value, 1, &b->repeat);
	case KEY_WARMUP:
		return parse_count(p, key, value, 0, &b->warmup);
	case KEY_THRESHOLD:
		return parse_threshold(p, value, &b->threshold);
	case KEY_TOLERANCE:
		return parse_tolerance(p, value, &b->tolerance);
	case KEY_MAX_REPEAT:
		return parse_count(p, key, value, 1, &b->max_repeat);
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
	if (*seen & bit)
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
	return parse_duration(p, key, value, &p->spec->build_timeout_ms);
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
		if (!b->golden)
			return fail(p, "golden is missing (the name of its golden set)");
		if (!b->max_repeat)
			b->max_repeat = b->repeat > SPEC_DEFAULT_MAX_REPEAT
			                        ? b->repeat
			                        : SPEC_DEFAULT_MAX_REPEAT;
		else if (b->max_repeat < b->repeat)
			return fail(p, "max-repeat (%d) must not be below repeat (%d)",
			            b->max_repeat, b->repeat);
	}
	return 0;
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
	if (ret == 0)
		spec_hash(spec);
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
	size_t i;

	strbuf_addstr(out, "[build]\n\tcommand = ");
	add_quoted(out, spec->build_command ? spec->build_command : "");
	strbuf_addf(out, "\n\ttimeout = %lldms\n", (long long)spec->build_timeout_ms);
	if (spec->artifacts) {
		strbuf_addstr(out, "\tartifacts = ");
		add_quoted(out, spec->artifacts);
		strbuf_addch(out, '\n');
	}
	for (i = 0; i < spec->nbenchmarks; i++) {
		const struct spec_benchmark *b = &spec->benchmarks[i];

		strbuf_addf(out, "[benchmark \"%s\"]\n\tcommand = ", b->name);
		add_quoted(out, b->command);
		strbuf_addstr(out, "\n\tgolden = ");
		add_quoted(out, b->golden);
		if (b->output) {
			strbuf_addstr(out, "\n\toutput = ");
			add_quoted(out, b->output);
		}
		strbuf_addf(out,
		            "\n\trepeat = %d\n\twarmup = %d\n\ttimeout = %lldms\n"
		            "\tthreshold = %.17g\n\ttolerance = %.17g\n\tmax-repeat = %d\n",
		            b->repeat, b->warmup, (long long)b->timeout_ms, b->threshold,
		            b->tolerance, b->max_repeat);
	}
}
