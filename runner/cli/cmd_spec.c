/*
 * `perfwarden spec check [FILE | --rev REV]`: a dry run that explains a
 * spec. It parses the spec (runner/measure/spec.h: the parser the pipeline
 * uses, so the answer is the pipeline's), prints every setting with its
 * effective value — defaults filled in and marked — and warns about what can
 * be known now to fail: a golden set missing from the golden directory, a
 * program that is neither in the tree nor on this machine's PATH. What only
 * the build can tell (whether it makes the binary a command runs) is said as
 * such, never guessed.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "checkout.h"
#include "cli.h"
#include "cmd.h"
#include "paths.h"
#include "spec.h"

static const char synopsis[] =
        "usage: perfwarden spec check [FILE | --rev REV] [--repo DIR|URL] [--golden-dir DIR]\n"
        "                             [--json]\n"
        "\n"
        "Parse a spec as `run` and `check` would and explain it: every setting with its\n"
        "effective value (defaults filled in), and warnings about what will fail. FILE\n"
        "defaults to .perfwarden in the current directory; --rev reads the .perfwarden of\n"
        "commit REV (HEAD, a branch, a hash...) of --repo or the current repository.\n"
        "\n";

static const char own_help[] = "  --rev REV          the spec committed at REV\n";

static const char notes[] =
        "Exit 0: the spec is valid (warnings may follow); 1: it is not, with the\n"
        "parser's message (a commit without .perfwarden is not valid either); 2: bad\n"
        "arguments, an unreadable file or repository.\n"
        "\n"
        "--json gives {source, valid, error, spec_hash, build: {command, timeout_ms,\n"
        "artifacts}, benchmarks: [{name, command, golden, golden_dir, golden_present,\n"
        "output, repeat, warmup, timeout_ms, threshold, tolerance, max_repeat,\n"
        "defaults: [keys left at their default], family, params: {NAME: VALUE}}],\n"
        "families: [{name, params: [{name, values}], combinations: [names]}],\n"
        "warnings: [text], canonical: the spec's canonical text}. A benchmark with\n"
        "`params` is listed once per combination (BENCH@NAME=VALUE,...), its family\n"
        "and values named.\n";

/* Shell words that are not programs to look up. */
static const char *const shell_words[] = {
        "cd",     "exec",  "export", "eval", "set",   "test", "[",    "true", "false",
        "echo",   "exit",  "if",     "for",  "while", "case", "(",    "{",    ".",
        "ulimit", "umask", "time",   "!",    "env",   "read", "trap", "wait", NULL,
};

struct explain {
	const char *source;         /* what was read, for messages */
	const char *tree_dir;       /* FILE's directory: its paths are looked for there; or NULL */
	struct checkout_repo *repo; /* with --rev: paths are looked for in the commit */
	const char *rev;
	const char *golden_dir;
	json_t *warnings;
};

static void warn(struct explain *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void warn(struct explain *x, const char *fmt, ...)
{
	struct strbuf msg = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&msg, fmt, ap);
	va_end(ap);
	json_array_append_new(x->warnings, json_string(msg.buf));
	strbuf_release(&msg);
}

static void duration(struct strbuf *out, int64_t ms)
{
	if (ms && ms % 60000 == 0)
		strbuf_addf(out, "%lldm", (long long)(ms / 60000));
	else if (ms % 1000 == 0)
		strbuf_addf(out, "%llds", (long long)(ms / 1000));
	else
		strbuf_addf(out, "%lldms", (long long)ms);
}

/* The first word of a shell command, skipping VAR=value assignments; "" when none. */
static void first_word(const char *cmd, struct strbuf *out)
{
	const char *p = cmd;

	for (;;) {
		size_t n;

		p += strspn(p, " \t");
		n = strcspn(p, " \t;&|<>");
		strbuf_reset(out);
		strbuf_add(out, p, n);
		if (!n || !strchr(out->buf, '=') || out->buf[0] == '=')
			return;
		p += n;
	}
}

static int on_path(const char *name)
{
	const char *path = getenv("PATH");
	struct strbuf f = STRBUF_INIT;
	int found = 0;

	while (path && *path && !found) {
		size_t n = strcspn(path, ":");

		strbuf_reset(&f);
		strbuf_add(&f, n ? path : ".", n ? n : 1);
		strbuf_addf(&f, "/%s", name);
		found = access(f.buf, X_OK) == 0;
		path += n + (path[n] == ':');
	}
	strbuf_release(&f);
	return found;
}

/* 1 when `path` (relative to the tree's root) is in the tree read: FILE's directory or REV. */
static int in_tree(struct explain *x, const char *path)
{
	struct strbuf f = STRBUF_INIT;
	struct pw_error err = PW_ERROR_INIT;
	struct stat st;
	int found;

	if (x->repo) {
		found = checkout_read_file(x->repo, x->rev, path, &f, &err) == 0;
	} else {
		strbuf_addf(&f, "%s/%s", x->tree_dir, path);
		found = stat(f.buf, &st) == 0;
	}
	strbuf_release(&f);
	pw_error_release(&err);
	return found;
}

extern char **environ;

/*
 * A warning when `cmd` is not valid shell: `sh -n` reads it without running
 * anything (a spec's double quotes are git-config's own, so a command that
 * needed them reaches the shell without them, e.g. `--filter=a(b|c)`).
 */
static void check_syntax(struct explain *x, const char *what, const char *cmd)
{
	char *argv[] = {"sh", "-n", "-c", (char *)cmd, NULL};
	posix_spawn_file_actions_t fa;
	struct strbuf msg = STRBUF_INIT;
	int fds[2], status = 0;
	char buf[512];
	ssize_t n;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
	if (posix_spawn(&pid, "/bin/sh", &fa, NULL, argv, environ) != 0)
		pid = -1;
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	/* read to the end (a shell blocked on a full pipe would never exit), keep the start */
	while (pid > 0 && (n = read(fds[0], buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		if (msg.len < 4096)
			strbuf_add(&msg, buf, (size_t)n);
	}
	close(fds[0]);
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (pid > 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		size_t end = strcspn(strbuf_str(&msg), "\n");

		warn(x,
		     "%s: the command is not valid shell (%.*s); quote with single quotes, "
		     "or escape double quotes as \\\"",
		     what, (int)end, end ? msg.buf : "sh -n failed");
	}
	strbuf_release(&msg);
}

/*
 * What can be known now of the program `cmd` starts with, for `what`: a
 * warning when it names a program not on this machine's PATH; a note when it
 * is a path the tree does not hold (the build must make it). Returns the
 * note's text in `note` (empty when none).
 */
static void check_program(struct explain *x, const char *what, const char *cmd, struct strbuf *note)
{
	struct strbuf word = STRBUF_INIT;
	size_t i;

	strbuf_reset(note);
	first_word(cmd, &word);
	if (!word.len || strpbrk(word.buf, "\"'$`\\*?"))
		goto done;
	for (i = 0; shell_words[i]; i++)
		if (!strcmp(word.buf, shell_words[i]))
			goto done;
	if (!strchr(word.buf, '/')) {
		if (!on_path(word.buf))
			warn(x, "%s: '%s' is not on this machine's PATH", what, word.buf);
	} else if (word.buf[0] != '/') {
		const char *rel = !strncmp(word.buf, "./", 2) ? word.buf + 2 : word.buf;

		if (!in_tree(x, rel))
			strbuf_addf(note, "'%s' is not in the %s: the build must make it", rel,
			            x->repo ? "commit" : "tree");
	} else if (access(word.buf, X_OK) != 0) {
		warn(x, "%s: '%s' is not an executable on this machine", what, word.buf);
	}
done:
	strbuf_release(&word);
}

static int golden_present(const char *dir, const char *name, struct strbuf *missing)
{
	const char *ext[2] = {".out", ".sum"};
	struct strbuf f = STRBUF_INIT;
	struct stat st;
	int i, ok = 1;

	strbuf_reset(missing);
	for (i = 0; i < 2; i++) {
		strbuf_reset(&f);
		strbuf_addf(&f, "%s/%s%s", dir, name, ext[i]);
		if (stat(f.buf, &st) != 0) {
			strbuf_addf(missing, "%s%s%s", ok ? "" : " and ", name, ext[i]);
			ok = 0;
		}
	}
	strbuf_release(&f);
	return ok;
}

static void line(const char *key, const char *value, int is_default, const char *note)
{
	int has_note = note && *note;

	printf("  %-11s %s", key, value);
	if (is_default || has_note)
		printf("  (%s%s%s)", is_default ? "default" : "",
		       is_default && has_note ? "; " : "", has_note ? note : "");
	putchar('\n');
}

/* The keys that say what verifies, prepares and is judged: what `b` says, or their defaults. */
static void explain_more(const struct spec_benchmark *b, struct strbuf *v)
{
	line("verify", spec_benchmark_verification(b), 0,
	     !b->golden && !b->test ? "nothing checks its output: it reads unverified"
	                            : "what verifies the benchmark");
	if (b->test)
		line("test", b->test, 0, "the project's tests, once per commit after the build");
	line("setup", b->setup ? b->setup : "(none)", !b->setup,
	     "untimed, once per commit before the runs");
	line("format", b->has_format ? harness_format_name(b->format) : "(none)", !b->has_format,
	     b->has_format ? "each case it reports is a series, BENCH/CASE"
	                   : "perfwarden times the whole process");
	line("metric", b->metric ? b->metric : "(check's --metric)", !b->metric,
	     "what the benchmark is judged on");
	strbuf_reset(v);
	if (b->memory_threshold > 0)
		strbuf_addf(v, "%g%%", b->memory_threshold * 100);
	else
		strbuf_addstr(v, "off");
	line("memory-threshold", v->buf, b->memory_threshold == SPEC_DEFAULT_MEMORY_THRESHOLD,
	     "peak memory's smallest change worth a verdict");
}

static void explain_params_json(json_t *o, const struct spec_benchmark *b)
{
	json_t *values = json_object();
	size_t i;

	for (i = 0; i < b->nparams; i++)
		json_object_set_new(
		        values, b->params[i].name,
		        json_string(b->params[i].nvalues ? b->params[i].values[0] : ""));
	json_object_set_new(o, "family", b->family ? json_string(b->family) : json_null());
	json_object_set_new(o, "params", b->family ? values : json_null());
	if (!b->family)
		json_decref(values);
}

static void explain_more_json(json_t *o, const struct spec_benchmark *b)
{
	json_object_set_new(o, "verification", json_string(spec_benchmark_verification(b)));
	json_object_set_new(o, "test", b->test ? json_string(b->test) : json_null());
	json_object_set_new(o, "setup", b->setup ? json_string(b->setup) : json_null());
	json_object_set_new(o, "format",
	                    b->has_format ? json_string(harness_format_name(b->format))
	                                  : json_null());
	json_object_set_new(o, "metric", b->metric ? json_string(b->metric) : json_null());
	json_object_set_new(o, "memory_threshold", json_real(b->memory_threshold));
}

/* "width=100, depth=1": a combination's values; "" for a benchmark without params. */
static void params_text(const struct spec_benchmark *b, const char *sep, struct strbuf *out)
{
	size_t i;

	for (i = 0; i < b->nparams; i++)
		strbuf_addf(out, "%s%s=%s", i ? sep : "", b->params[i].name,
		            b->params[i].nvalues ? b->params[i].values[0] : "");
}

/* Whether `text` names parameter `name` as ${name}. */
static int names_param(const char *text, const char *name)
{
	struct strbuf ref = STRBUF_INIT;
	int found;

	strbuf_addf(&ref, "${%s}", name);
	found = text && strstr(text, ref.buf);
	strbuf_release(&ref);
	return found;
}

/*
 * What `params` make of declared benchmark `d`, for people (before its first
 * combination) and into `list` for --json; warnings for what is likely a mistake.
 */
static void explain_family(struct explain *x, const struct spec *spec,
                           const struct spec_benchmark *d, int json, json_t *list)
{
	json_t *params = json_array(), *combos = json_array();
	struct strbuf axes = STRBUF_INIT;
	size_t i, k, n = 0;
	int golden_varies = 0;

	for (i = 0; i < d->nparams; i++) {
		json_t *values = json_array();

		strbuf_addf(&axes, "%s%s (", i ? " x " : "", d->params[i].name);
		for (k = 0; k < d->params[i].nvalues; k++) {
			strbuf_addf(&axes, "%s%s", k ? ", " : "", d->params[i].values[k]);
			json_array_append_new(values, json_string(d->params[i].values[k]));
		}
		strbuf_addch(&axes, ')');
		json_array_append_new(params, json_pack("{s:s,s:o}", "name", d->params[i].name,
		                                        "values", values));
		golden_varies |= names_param(d->golden, d->params[i].name);
	}
	for (i = 0; i < spec->nbenchmarks; i++)
		if (spec->benchmarks[i].family && !strcmp(spec->benchmarks[i].family, d->name)) {
			json_array_append_new(combos, json_string(spec->benchmarks[i].name));
			n++;
		}
	if (d->golden && !golden_varies && n > 1)
		warn(x,
		     "benchmark \"%s\": every combination is verified against the same golden set "
		     "'%s' (write ${NAME} in golden to give each its own)",
		     d->name, d->golden);
	if (json) {
		json_array_append_new(list, json_pack("{s:s,s:o,s:o}", "name", d->name, "params",
		                                      params, "combinations", combos));
	} else {
		json_decref(params);
		json_decref(combos);
		printf("\nbenchmark \"%s\": params %s: %zu combination%s, each a benchmark of its "
		       "own named %s@",
		       d->name, axes.buf, n, n == 1 ? "" : "s", d->name);
		for (i = 0; i < d->nparams; i++)
			printf("%s%s=VALUE", i ? "," : "", d->params[i].name);
		printf("\n");
	}
	strbuf_release(&axes);
}

/*
 * The explanation of benchmark `b` for people and into `list` for --json. For
 * people, a combination after its family's first (`like`) says only what
 * its values change.
 */
static void explain_benchmark(struct explain *x, const struct spec_benchmark *b,
                              const struct spec_benchmark *like, int json, json_t *list)
{
	struct strbuf v = STRBUF_INIT, note = STRBUF_INIT, missing = STRBUF_INIT,
	              what = STRBUF_INIT, label = STRBUF_INIT;
	json_t *defaults = json_array();
	int present;

	strbuf_addf(&what, "benchmark \"%s\"", b->name);
	check_program(x, what.buf, b->command, &note);
	check_syntax(x, what.buf, b->command);
	if (b->setup) {
		strbuf_addf(&label, "%s setup", what.buf);
		check_syntax(x, label.buf, b->setup);
	}
	if (b->test) {
		strbuf_reset(&label);
		strbuf_addf(&label, "%s test", what.buf);
		check_syntax(x, label.buf, b->test);
	}
	strbuf_release(&label);
	/* golden may be NULL where the parser allows a benchmark without one */
	present = b->golden && golden_present(x->golden_dir, b->golden, &missing);
	if (b->golden && !present)
		warn(x,
		     "benchmark \"%s\": golden set '%s' is not in '%s' (no %s): every run will "
		     "fail verification until it is recorded",
		     b->name, b->golden, x->golden_dir, missing.buf);
#define DEFAULT(key, cond)                                                                         \
	do {                                                                                       \
		if (cond)                                                                          \
			json_array_append_new(defaults, json_string(key));                         \
	} while (0)
	DEFAULT("output", !b->output);
	DEFAULT("repeat", b->repeat == SPEC_DEFAULT_REPEAT);
	DEFAULT("warmup", b->warmup == SPEC_DEFAULT_WARMUP);
	DEFAULT("timeout", b->timeout_ms == SPEC_DEFAULT_RUN_TIMEOUT_MS);
	DEFAULT("threshold", b->threshold == SPEC_DEFAULT_THRESHOLD);
	DEFAULT("tolerance", b->tolerance == 0);
	DEFAULT("max-repeat", b->max_repeat == SPEC_DEFAULT_MAX_REPEAT);
#undef DEFAULT
	if (json) {
		json_array_append_new(
		        list,
		        json_pack("{s:s,s:s,s:s?,s:s,s:o,s:s?,s:i,s:i,s:I,s:f,s:f,s:i,s:o,s:s?}",
		                  "name", b->name, "command", b->command, "golden", b->golden,
		                  "golden_dir", x->golden_dir, "golden_present",
		                  b->golden ? json_boolean(present) : json_null(), "output",
		                  b->output, "repeat", b->repeat, "warmup", b->warmup, "timeout_ms",
		                  (json_int_t)b->timeout_ms, "threshold", b->threshold, "tolerance",
		                  b->tolerance, "max_repeat", b->max_repeat, "defaults", defaults,
		                  "note", note.len ? note.buf : NULL));
		explain_more_json(json_array_get(list, json_array_size(list) - 1), b);
		explain_params_json(json_array_get(list, json_array_size(list) - 1), b);
		goto done;
	}
	json_decref(defaults);
	printf("\nbenchmark \"%s\"\n", b->name);
	if (b->family) {
		strbuf_reset(&v);
		params_text(b, ", ", &v);
		strbuf_reset(&missing);
		strbuf_addf(&missing, "a combination of \"%s\": in its environment as ", b->family);
		for (size_t i = 0; i < b->nparams; i++) {
			strbuf_addf(&missing, "%sPERFWARDEN_PARAM_", i ? ", " : "");
			for (const char *c = b->params[i].name; *c; c++)
				strbuf_addch(&missing,
				             *c >= 'a' && *c <= 'z' ? (char)(*c - 'a' + 'A') : *c);
		}
		strbuf_addstr(&missing, ", and for ${NAME} in its commands");
		line("params", v.buf, 0, like ? NULL : missing.buf);
	}
	line("command", b->command, 0, note.buf);
	if (b->golden)
		line("golden", b->golden, 0,
		     present ? "present in the golden directory" : "MISSING");
	else
		line("golden", "(none)", 0, "no golden set verifies its output");
	if (like) {
		if (b->output)
			line("output", b->output, 0, "relative to the checkout");
		if (b->setup)
			line("setup", b->setup, 0, "untimed, once per commit before the runs");
		if (b->test)
			line("test", b->test, 0, "the project's tests, once per commit");
		strbuf_reset(&v);
		strbuf_addf(&v, "as \"%s\"", like->name);
		line("the rest", v.buf, 0, NULL);
		goto done;
	}
	line("output", b->output ? b->output : "$PERFWARDEN_OUTPUT", !b->output,
	     b->output ? "relative to the checkout"
	               : "a file perfwarden names for each run; the command writes it");
	strbuf_reset(&v);
	strbuf_addf(&v, "%d", b->repeat);
	line("repeat", v.buf, b->repeat == SPEC_DEFAULT_REPEAT,
	     "kept runs of `run`; `check` decides its own");
	strbuf_reset(&v);
	strbuf_addf(&v, "%d", b->warmup);
	line("warmup", v.buf, b->warmup == SPEC_DEFAULT_WARMUP, "runs thrown away first");
	strbuf_reset(&v);
	duration(&v, b->timeout_ms);
	line("timeout", v.buf, b->timeout_ms == SPEC_DEFAULT_RUN_TIMEOUT_MS, "per run");
	strbuf_reset(&v);
	strbuf_addf(&v, "%g%%", b->threshold * 100);
	line("threshold", v.buf, b->threshold == SPEC_DEFAULT_THRESHOLD,
	     "the smallest change worth a verdict");
	strbuf_reset(&v);
	strbuf_addf(&v, "%g", b->tolerance);
	line("tolerance", v.buf, b->tolerance == 0,
	     b->tolerance == 0 ? "cells must match exactly" : "per cell");
	strbuf_reset(&v);
	strbuf_addf(&v, "%d", b->max_repeat);
	line("max-repeat", v.buf, b->max_repeat == SPEC_DEFAULT_MAX_REPEAT,
	     "the most interleaved rounds `check` gives a comparison");
	explain_more(b, &v);
done:
	strbuf_release(&v);
	strbuf_release(&note);
	strbuf_release(&missing);
	strbuf_release(&what);
}

static void explain(struct explain *x, const struct spec *spec, int json)
{
	struct strbuf v = STRBUF_INIT, note = STRBUF_INIT, canonical = STRBUF_INIT;
	json_t *benchmarks = json_array(), *families = json_array(), *doc;
	const struct spec_benchmark *first = NULL;
	size_t i, k;
	char *text;

	for (text = spec->warnings.buf; text && *text;) {
		char *eol = strchrnul(text, '\n');

		warn(x, "%.*s", (int)(eol - text), text);
		text = *eol ? eol + 1 : eol;
	}
	check_program(x, "build", spec->build_command, &note);
	check_syntax(x, "build", spec->build_command);
	spec_write(spec, &canonical);
	if (!json) {
		printf("%s: valid, %zu benchmark%s (spec %.12s)\n\nbuild\n", x->source,
		       spec->nbenchmarks, spec->nbenchmarks == 1 ? "" : "s", spec->hash);
		line("command", spec->build_command, 0, note.buf);
		duration(&v, spec->build_timeout_ms);
		line("timeout", v.buf, spec->build_timeout_ms == SPEC_DEFAULT_BUILD_TIMEOUT_MS,
		     NULL);
		line("artifacts", spec->artifacts ? spec->artifacts : "(not named)", 0,
		     spec->artifacts ? "what the build makes that the benchmarks run"
		                     : "perfwarden takes every ELF executable and shared library "
		                       "the build leaves, plus the files a command names");
	}
	for (i = 0; i < spec->nbenchmarks; i++) {
		const struct spec_benchmark *b = &spec->benchmarks[i];

		/* a parameterised benchmark is said once, before its first combination */
		if (b->family && (!i || !spec->benchmarks[i - 1].family ||
		                  strcmp(spec->benchmarks[i - 1].family, b->family))) {
			first = b;
			for (k = 0; k < spec->ndeclared; k++)
				if (!strcmp(spec->declared[k].name, b->family))
					explain_family(x, spec, &spec->declared[k], json, families);
		}
		explain_benchmark(x, b, b->family && first != b ? first : NULL, json, benchmarks);
	}
	if (json) {
		doc = json_pack("{s:s,s:b,s:n,s:s,s:{s:s,s:I,s:s?},s:o,s:o,s:O,s:s}", "source",
		                x->source, "valid", 1, "error", "spec_hash", spec->hash, "build",
		                "command", spec->build_command, "timeout_ms",
		                (json_int_t)spec->build_timeout_ms, "artifacts", spec->artifacts,
		                "benchmarks", benchmarks, "families", families, "warnings",
		                x->warnings, "canonical", canonical.buf);
		text = json_dumps(doc, JSON_INDENT(2));
		if (text)
			printf("%s\n", text);
		free(text);
		json_decref(doc);
	} else {
		json_decref(benchmarks);
		json_decref(families);
		if (json_array_size(x->warnings))
			printf("\nwarnings\n");
		for (i = 0; i < json_array_size(x->warnings); i++)
			printf("  %s\n", json_string_value(json_array_get(x->warnings, i)));
		printf("\nthe effective spec (canonical form, every default filled in)\n%s",
		       canonical.buf);
	}
	strbuf_release(&v);
	strbuf_release(&note);
	strbuf_release(&canonical);
}

static void print_invalid(const char *source, const char *message, int json)
{
	json_t *doc;
	char *text;

	if (!json) {
		cmd_errorf("spec", "%s", message);
		return;
	}
	doc = json_pack("{s:s,s:b,s:s}", "source", source, "valid", 0, "error", message);
	text = json_dumps(doc, JSON_INDENT(2));
	if (text)
		printf("%s\n", text);
	free(text);
	json_decref(doc);
	cmd_errorf("spec", "%s", message);
}

enum { OPT_REV = CLI_NEXT };

static const struct option own_options[] = {
        {"rev", required_argument, NULL, OPT_REV},
        {NULL, 0, NULL, 0},
};

/* Parse the spec `x` names into *spec; an exit code (the message printed unless CMD_OK). */
static int load(struct explain *x, const char *file, int json, struct spec **spec,
                struct strbuf *dir)
{
	struct pw_error err = PW_ERROR_INIT;
	int r, ret = CMD_OK;

	if (x->repo) {
		r = spec_parse_commit(spec, x->repo, x->rev, &err);
	} else {
		const char *slash = strrchr(file, '/');

		if (slash)
			strbuf_add(dir, file, (size_t)(slash - file) + (slash == file));
		else
			strbuf_addstr(dir, ".");
		x->tree_dir = dir->buf;
		r = spec_parse_file(spec, file, NULL, &err);
		if (r == PW_ENOTFOUND) {
			cmd_errorf("spec", "could not read '%s': no such file%s", file,
			           strcmp(file, SPEC_FILE) ? "" : " (give FILE or --rev REV)");
			ret = CMD_ERROR;
			goto done;
		}
	}
	if (r == PW_EINVALID || (x->repo && r == PW_ENOTFOUND)) {
		print_invalid(x->source, pw_error_message(&err), json);
		ret = CMD_FAIL;
	} else if (r < 0) {
		cmd_errorf("spec", "%s", pw_error_message(&err));
		ret = CMD_ERROR;
	}
done:
	pw_error_release(&err);
	return ret;
}

static int spec_check(int argc, char **argv)
{
	struct cli_options o;
	struct explain x = {NULL, NULL, NULL, NULL, NULL, NULL};
	struct strbuf golden = STRBUF_INIT, cache = STRBUF_INIT, dir = STRBUF_INIT,
	              source = STRBUF_INIT;
	struct pw_error err = PW_ERROR_INIT;
	struct spec *spec = NULL;
	const char *file = SPEC_FILE;
	int c, ret = CMD_OK;

	cli_options_init(&o, "spec", CLI_GROUP_REPO | CLI_GROUP_GOLDEN | CLI_GROUP_JSON);
	o.synopsis = synopsis;
	o.own_help = own_help;
	o.notes = notes;
	o.own = own_options;
	while ((c = cli_next(&o, argc, argv)) == OPT_REV)
		x.rev = optarg;
	if (c == CLI_EXIT)
		return o.exit_code;
	if (argc - optind > 1)
		return cli_usage_error(&o, "unexpected argument '%s'", argv[optind + 1]);
	if (optind < argc && x.rev)
		return cli_usage_error(&o, "give FILE or --rev REV, not both");
	if (optind < argc)
		file = argv[optind];
	if (o.golden_dir)
		strbuf_addstr(&golden, o.golden_dir);
	else
		paths_golden_dir(&golden);
	x.golden_dir = golden.buf;
	x.warnings = json_array();
	if (x.rev) {
		paths_home(&cache);
		strbuf_addstr(&cache, "/repos");
		if (checkout_repo_open(&x.repo, o.repo, cache.buf, &err) < 0) {
			cmd_errorf("spec", "%s", pw_error_message(&err));
			ret = CMD_ERROR;
			goto done;
		}
		strbuf_addf(&source, "%s at %s", SPEC_FILE, x.rev);
	} else {
		strbuf_addstr(&source, file);
	}
	x.source = source.buf;
	if ((ret = load(&x, file, o.json, &spec, &dir)) == CMD_OK)
		explain(&x, spec, o.json);
done:
	spec_free(spec);
	checkout_repo_free(x.repo);
	json_decref(x.warnings);
	strbuf_release(&golden);
	strbuf_release(&cache);
	strbuf_release(&dir);
	strbuf_release(&source);
	pw_error_release(&err);
	return ret;
}

int cmd_spec(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "check"))
		return spec_check(argc - 1, argv + 1);
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: perfwarden spec check [FILE | --rev REV] [options]\n\n"
		       "  check   parse a spec and explain it (see 'perfwarden spec check "
		       "--help')\n");
		return CMD_OK;
	}
	cmd_errorf("spec", "%s (see 'perfwarden spec --help')",
	           argc < 2 ? "which subcommand? check" : "unknown subcommand");
	return CMD_ERROR;
}
