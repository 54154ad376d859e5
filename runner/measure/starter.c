/*
 * starter: the spec `perfwarden init` proposes for a project. It walks the
 * source tree once, reads the few files that tell how the project builds and
 * where its benchmarks are, and writes a commented `.perfwarden` that the spec
 * parser (runner/measure/spec.c) accepts. It only reads: nothing is built or
 * run here. Keys the parser is still gaining (`format`, `test`) are probed
 * with the parser itself, so the text follows the parser it is linked with.
 */
#include <ctype.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "spec.h"
#include "starter.h"

#define MAX_DEPTH    8
#define MAX_FILES    50000
#define MAX_READ     (1024 * 1024)
#define MAX_GO_PKGS  8
#define MAX_PY_FILES 8
#define CMAKE_BUILD                                                                                \
	"cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build --parallel 2"
#define PW_OUT "$PERFWARDEN_OUTPUT"

/* Directories that hold no sources of the project's own. */
static const char *const skip_dirs[] = {
        "build", "target", "node_modules", "vendor", "third_party", "__pycache__",
        "venv",  "dist",   "_build",       "out",    NULL,
};

/* The files of interest found by the walk, relative to the root. */
struct tree {
	const char *root;
	struct strbuf cmakelists; /* NUL-separated lists */
	struct strbuf cxx_sources;
	struct strbuf py_tests;
	struct strbuf go_tests;
	struct strbuf rust_benches;
	struct strbuf scripts; /* shell scripts (*.sh), where a hyperfine run may be */
	size_t nfiles;
};

static char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		abort();
	return p;
}

static int has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && !strcmp(s + n - k, suffix);
}

static void list_add(struct strbuf *list, const char *path)
{
	strbuf_add(list, path, strlen(path) + 1);
}

/* The next entry of a NUL-separated list after `p` (NULL: the first); NULL at the end. */
static const char *list_next(const struct strbuf *list, const char *p)
{
	if (!list->len)
		return NULL;
	p = p ? p + strlen(p) + 1 : list->buf;
	return p < list->buf + list->len ? p : NULL;
}

static int skipped_dir(const char *name)
{
	size_t i;

	if (name[0] == '.' || !strncmp(name, "cmake-build-", 12))
		return 1;
	for (i = 0; skip_dirs[i]; i++)
		if (!strcmp(name, skip_dirs[i]))
			return 1;
	return 0;
}

static void classify(struct tree *t, const char *rel, const char *name)
{
	if (!strcmp(name, "CMakeLists.txt"))
		list_add(&t->cmakelists, rel);
	else if (has_suffix(name, ".cc") || has_suffix(name, ".cpp") || has_suffix(name, ".cxx") ||
	         has_suffix(name, ".c++") || has_suffix(name, ".c"))
		list_add(&t->cxx_sources, rel);
	else if (has_suffix(name, ".py") &&
	         (!strncmp(name, "test_", 5) || has_suffix(name, "_test.py")))
		list_add(&t->py_tests, rel);
	else if (has_suffix(name, "_test.go"))
		list_add(&t->go_tests, rel);
	else if (has_suffix(name, ".rs") && !strncmp(rel, "benches/", 8) && !strchr(rel + 8, '/'))
		list_add(&t->rust_benches, rel);
	else if (has_suffix(name, ".sh"))
		list_add(&t->scripts, rel);
}

static void walk(struct tree *t, const char *rel, int depth)
{
	struct strbuf path = STRBUF_INIT, child = STRBUF_INIT;
	struct dirent *e;
	DIR *d;

	strbuf_addf(&path, "%s%s%s", t->root, *rel ? "/" : "", rel);
	d = opendir(path.buf);
	if (!d)
		goto done;
	while ((e = readdir(d)) && t->nfiles < MAX_FILES) {
		struct stat st;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		strbuf_reset(&child);
		strbuf_addf(&child, "%s/%s", path.buf, e->d_name);
		if (lstat(child.buf, &st) != 0)
			continue;
		strbuf_reset(&child);
		strbuf_addf(&child, "%s%s%s", rel, *rel ? "/" : "", e->d_name);
		if (S_ISDIR(st.st_mode)) {
			if (depth < MAX_DEPTH && !skipped_dir(e->d_name))
				walk(t, child.buf, depth + 1);
		} else if (S_ISREG(st.st_mode)) {
			t->nfiles++;
			classify(t, child.buf, e->d_name);
		}
	}
	closedir(d);
done:
	strbuf_release(&path);
	strbuf_release(&child);
}

/* Sort a NUL-separated list, so the answer does not depend on readdir's order. */
static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void list_sort(struct strbuf *list)
{
	struct strbuf out = STRBUF_INIT;
	const char **v = NULL, *p = NULL;
	size_t n = 0, i;

	while ((p = list_next(list, p)))
		n++;
	v = calloc(n + 1, sizeof(*v));
	if (!v)
		abort();
	for (i = 0, p = NULL; (p = list_next(list, p)); i++)
		v[i] = p;
	qsort(v, n, sizeof(*v), cmp_str);
	for (i = 0; i < n; i++)
		list_add(&out, v[i]);
	free(v);
	strbuf_release(list);
	*list = out;
}

/* The text of `rel` (at most MAX_READ bytes kept) into `out`; 0, or -1 when unreadable. */
static int read_rel(const struct tree *t, const char *rel, struct strbuf *out)
{
	struct strbuf path = STRBUF_INIT;
	struct stat st;
	int ret = -1;

	strbuf_reset(out);
	strbuf_addf(&path, "%s/%s", t->root, rel);
	if (stat(path.buf, &st) == 0 && S_ISREG(st.st_mode) && st.st_size <= MAX_READ)
		ret = strbuf_read_file(out, path.buf) < 0 ? -1 : 0;
	strbuf_release(&path);
	return ret;
}

static int exists(const struct tree *t, const char *rel)
{
	struct strbuf path = STRBUF_INIT;
	struct stat st;
	int ok;

	strbuf_addf(&path, "%s/%s", t->root, rel);
	ok = stat(path.buf, &st) == 0;
	strbuf_release(&path);
	return ok;
}

/* Case-insensitive strstr. */
static const char *find_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (!strncasecmp(hay, needle, n))
			return hay;
	return NULL;
}

/* A benchmark name from `s`: letters, digits, '.', '_', '-' (others become '-'). */
static char *bench_name(const char *s)
{
	char *name = xstrdup(*s ? s : "bench");
	char *p;

	for (p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '.' && *p != '_' && *p != '-')
			*p = '-';
	return name;
}

static struct starter_benchmark *add_benchmark(struct starter *st, const char *name,
                                               const char *command, const char *format)
{
	struct starter_benchmark *b;
	struct strbuf unique = STRBUF_INIT;
	char *base = bench_name(name);
	size_t i;
	int n = 1;

	strbuf_addstr(&unique, base);
	for (i = 0; i < st->nbenchmarks; i++) {
		if (!strcmp(st->benchmarks[i].name, unique.buf)) {
			strbuf_reset(&unique);
			strbuf_addf(&unique, "%s-%d", base, ++n);
			i = (size_t)-1;
		}
	}
	if (st->nbenchmarks == st->alloc) {
		st->alloc = st->alloc ? 2 * st->alloc : 4;
		st->benchmarks = realloc(st->benchmarks, st->alloc * sizeof(*st->benchmarks));
		if (!st->benchmarks)
			abort();
	}
	b = &st->benchmarks[st->nbenchmarks++];
	memset(b, 0, sizeof(*b));
	b->name = strbuf_detach(&unique, NULL);
	b->command = xstrdup(command);
	b->format = format;
	free(base);
	return b;
}

/* ---- the build system ---- */

static int makefile_target(const struct strbuf *mk, const char *target)
{
	const char *p = mk->buf;
	size_t n = strlen(target);

	while (p && *p) {
		if (!strncmp(p, target, n) && p[n] == ':' && p[n + 1] != '=')
			return 1;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return 0;
}

static const char *makefile_name(const struct tree *t)
{
	static const char *const names[] = {"GNUmakefile", "Makefile", "makefile", NULL};
	size_t i;

	for (i = 0; names[i]; i++)
		if (exists(t, names[i]))
			return names[i];
	return NULL;
}

static void detect_build(struct starter *st, const struct tree *t)
{
	struct strbuf text = STRBUF_INIT;
	const char *mk = makefile_name(t);

	if (exists(t, "CMakeLists.txt")) {
		st->build_system = "CMake";
		st->build_command = xstrdup(CMAKE_BUILD);
		if (read_rel(t, "CMakeLists.txt", &text) == 0 &&
		    (find_ci(text.buf, "enable_testing") || find_ci(text.buf, "add_test")))
			st->test_command = xstrdup("ctest --test-dir build --output-on-failure");
		strbuf_addstr(&st->found, "CMake: CMakeLists.txt\n");
	} else if (exists(t, "Cargo.toml")) {
		st->build_system = "Cargo";
		st->build_command = xstrdup("cargo build --release");
		st->test_command = xstrdup("cargo test --release");
		strbuf_addstr(&st->found, "Cargo: Cargo.toml\n");
	} else if (exists(t, "go.mod")) {
		st->build_system = "Go";
		st->build_command = xstrdup("go build ./...");
		st->test_command = xstrdup("go test ./...");
		strbuf_addstr(&st->found, "Go module: go.mod\n");
	} else if (mk) {
		st->build_system = "Make";
		st->build_command = xstrdup("make -j2");
		if (read_rel(t, mk, &text) == 0)
			st->test_command = makefile_target(&text, "check")  ? xstrdup("make check")
			                   : makefile_target(&text, "test") ? xstrdup("make test")
			                                                    : NULL;
		strbuf_addf(&st->found, "Make: %s\n", mk);
	} else if (exists(t, "pyproject.toml") || exists(t, "setup.py")) {
		int ext = read_rel(t, "setup.py", &text) == 0 && strstr(text.buf, "Extension(");

		st->build_system = "Python";
		st->build_command = xstrdup(ext ? "python3 setup.py build_ext --inplace"
		                                : "python3 -m compileall -q .");
		st->test_command = xstrdup("python3 -m pytest -q");
		strbuf_addf(&st->found, "Python: %s\n",
		            exists(t, "pyproject.toml") ? "pyproject.toml" : "setup.py");
	} else {
		st->build_command = xstrdup("true");
	}
	if (st->build_system && strcmp(st->build_system, "Make") && mk)
		strbuf_addf(&st->found, "also a %s (the %s build is used)\n", mk, st->build_system);
	strbuf_release(&text);
}

/* ---- Google Benchmark and Catch2 ---- */

/* Catch2's BENCHMARK (v2's catch.hpp, v3's catch2/ headers) in a source that includes it. */
static int is_catch2_source(const char *text)
{
	return (strstr(text, "catch2/") || strstr(text, "catch.hpp")) &&
	       (strstr(text, "BENCHMARK(") || strstr(text, "BENCHMARK_ADVANCED("));
}

static int is_gbench_source(const char *text)
{
	return strstr(text, "benchmark/benchmark.h") ||
	       (strstr(text, "BENCHMARK(") && !is_catch2_source(text));
}

/*
 * The add_executable() of a CMakeLists.txt (text, in directory `dir`) that
 * lists the source `rel`: its target into `target`; 1 when found.
 */
static int cmake_target_of(const char *text, const char *dir, const char *rel,
                           struct strbuf *target)
{
	const char *p = text, *base = strrchr(rel, '/');
	size_t dirlen = strlen(dir);

	base = base ? base + 1 : rel;
	if (dirlen && strncmp(rel, dir, dirlen))
		return 0;
	while ((p = find_ci(p, "add_executable("))) {
		const char *end = strchr(p, ')'), *q = p + strlen("add_executable(");
		int first = 1;

		if (!end)
			return 0;
		while (q < end) {
			size_t n;

			q += strspn(q, " \t\r\n");
			n = strcspn(q, " \t\r\n)");
			if (!n)
				break;
			if (first) {
				strbuf_reset(target);
				strbuf_add(target, q, n);
				first = 0;
			} else if (n >= strlen(base) &&
			           !strncmp(q + n - strlen(base), base, strlen(base)) &&
			           (n == strlen(base) || q[n - strlen(base) - 1] == '/')) {
				return 1;
			}
			q += n;
		}
		p = end;
	}
	return 0;
}

static void detect_gbench(struct starter *st, const struct tree *t, int found_package)
{
	struct strbuf text = STRBUF_INIT, lists = STRBUF_INIT, target = STRBUF_INIT,
	              cmd = STRBUF_INIT;
	const char *src = NULL;

	while ((src = list_next(&t->cxx_sources, src))) {
		const char *cl = NULL, *slash;
		struct starter_benchmark *b;
		int have_target = 0;

		int catch2;

		if (read_rel(t, src, &text) < 0 ||
		    (!is_gbench_source(text.buf) && !is_catch2_source(text.buf)))
			continue;
		catch2 = !is_gbench_source(text.buf);
		strbuf_reset(&cmd);
		while (!have_target && (cl = list_next(&t->cmakelists, cl))) {
			struct strbuf dir = STRBUF_INIT;

			slash = strrchr(cl, '/');
			if (slash)
				strbuf_add(&dir, cl, (size_t)(slash - cl) + 1);
			if (read_rel(t, cl, &lists) == 0 &&
			    cmake_target_of(lists.buf, strbuf_str(&dir), src, &target)) {
				have_target = 1;
				strbuf_addf(&cmd, "build/%s%s", strbuf_str(&dir), target.buf);
			}
			strbuf_release(&dir);
		}
		if (!have_target) {
			const char *base = strrchr(src, '/'), *dot;

			base = base ? base + 1 : src;
			dot = strrchr(base, '.');
			strbuf_reset(&target);
			strbuf_add(&target, base, (size_t)(dot - base));
			if (st->build_system && !strcmp(st->build_system, "CMake"))
				strbuf_addf(&cmd, "build/%.*s%s", (int)(base - src), src,
				            target.buf);
			else
				strbuf_addf(&cmd, "./%.*s%s", (int)(base - src), src, target.buf);
		}
		if (catch2) {
			/* its XML report on stdout, which is the output when no file is written */
			strbuf_addstr(&cmd, " -r xml");
			b = add_benchmark(st, target.buf, cmd.buf, "catch2");
			strbuf_addf(&b->why, "Catch2: %s has BENCHMARK(...) cases", src);
			strbuf_addf(&st->found, "Catch2 benchmarks: %s\n", src);
		} else {
			strbuf_addstr(&cmd,
			              " --benchmark_out=" PW_OUT " --benchmark_out_format=json");
			b = add_benchmark(st, target.buf, cmd.buf, "google-benchmark");
			strbuf_addf(&b->why,
			            "Google Benchmark: %s includes <benchmark/benchmark.h>", src);
			strbuf_addf(&st->found, "Google Benchmark: %s\n", src);
		}
		if (have_target)
			strbuf_addf(&b->why, "; the CMake target %s builds it", target.buf);
		else
			strbuf_addf(&b->why,
			            "; no build rule names it: the program's path is a guess");
		if (found_package && !catch2)
			strbuf_addstr(&b->why, " (find_package(benchmark) in CMakeLists.txt)");
	}
	strbuf_release(&text);
	strbuf_release(&lists);
	strbuf_release(&target);
	strbuf_release(&cmd);
}

/* ---- pytest-benchmark ---- */

/* Whether a Python test file has a test taking the `benchmark` fixture. */
static int uses_benchmark_fixture(const char *text)
{
	const char *p = text;

	while ((p = strstr(p, "def test"))) {
		const char *open = strchr(p, '('), *close = open ? strchr(open, ')') : NULL;
		const char *q;

		if (!close)
			return 0;
		for (q = open + 1; q + 9 <= close; q++)
			if (!strncmp(q, "benchmark", 9) && !isalnum((unsigned char)q[9]) &&
			    q[9] != '_' && (q == open + 1 || !isalnum((unsigned char)q[-1])) &&
			    q[-1] != '_')
				return 1;
		p = close;
	}
	return 0;
}

static void detect_pytest(struct starter *st, const struct tree *t)
{
	struct strbuf text = STRBUF_INIT, cmd = STRBUF_INIT, files = STRBUF_INIT;
	const char *f = NULL;
	size_t n = 0;

	while ((f = list_next(&t->py_tests, f))) {
		if (read_rel(t, f, &text) < 0 || !uses_benchmark_fixture(text.buf))
			continue;
		if (n++ < MAX_PY_FILES)
			strbuf_addf(&files, " %s", f);
	}
	if (!n)
		goto done;
	strbuf_addf(&cmd,
	            "python3 -m pytest -q -p no:cacheprovider --benchmark-only "
	            "--benchmark-json=" PW_OUT "%s",
	            n <= MAX_PY_FILES ? files.buf : " .");
	add_benchmark(st, "pytest", cmd.buf, "pytest-benchmark");
	strbuf_addf(&st->benchmarks[st->nbenchmarks - 1].why,
	            "pytest-benchmark: %zu test file%s use the `benchmark` fixture:%s", n,
	            n == 1 ? "" : "s", files.buf);
	strbuf_addf(&st->found, "pytest-benchmark:%s\n", files.buf);
done:
	strbuf_release(&text);
	strbuf_release(&cmd);
	strbuf_release(&files);
}

/* ---- go test -bench ---- */

static int has_go_benchmark(const char *text)
{
	const char *p = text;

	while ((p = strstr(p, "func Benchmark"))) {
		const char *open = strchr(p, '(');

		if (open && strstr(open, "*testing.B") &&
		    strstr(open, "*testing.B") < strchr(open, ')') + 1)
			return 1;
		p += 14;
	}
	return 0;
}

static int list_has(const struct strbuf *list, const char *s)
{
	const char *p = NULL;

	while ((p = list_next(list, p)))
		if (!strcmp(p, s))
			return 1;
	return 0;
}

static void detect_go(struct starter *st, const struct tree *t)
{
	struct strbuf text = STRBUF_INIT, cmd = STRBUF_INIT, pkgs = STRBUF_INIT, seen = STRBUF_INIT,
	              pkg = STRBUF_INIT;
	const char *f = NULL, *p = NULL;
	size_t n = 0;

	while ((f = list_next(&t->go_tests, f))) {
		const char *slash = strrchr(f, '/');

		if (read_rel(t, f, &text) < 0 || !has_go_benchmark(text.buf))
			continue;
		strbuf_reset(&pkg);
		if (slash)
			strbuf_addf(&pkg, "./%.*s", (int)(slash - f), f);
		else
			strbuf_addstr(&pkg, ".");
		if (!list_has(&seen, pkg.buf)) {
			list_add(&seen, pkg.buf);
			n++;
		}
	}
	if (!n)
		goto done;
	while (n <= MAX_GO_PKGS && (p = list_next(&seen, p)))
		strbuf_addf(&pkgs, "%s%s", pkgs.len ? " " : "", p);
	if (n > MAX_GO_PKGS)
		strbuf_addstr(&pkgs, "./...");
	strbuf_addf(&cmd, "go test -run '^$' -bench . -benchmem %s > \"" PW_OUT "\"", pkgs.buf);
	add_benchmark(st, "go-bench", cmd.buf, "go-bench");
	strbuf_addf(&st->benchmarks[st->nbenchmarks - 1].why,
	            "go test -bench: func BenchmarkX(b *testing.B) in %s", pkgs.buf);
	strbuf_addf(&st->found, "go test -bench: %s\n", pkgs.buf);
done:
	strbuf_release(&text);
	strbuf_release(&cmd);
	strbuf_release(&pkgs);
	strbuf_release(&seen);
	strbuf_release(&pkg);
}

/* ---- hyperfine: a script or Makefile recipe that runs it ---- */

/*
 * The hyperfine command line of `text` (a shell script or a Makefile), with
 * its JSON report sent to $PERFWARDEN_OUTPUT (an --export-json of its own
 * replaced): into `cmd`, its line number into *line; 1 when there is one.
 * Continued lines (a trailing backslash) are joined.
 */
static int hyperfine_line(const char *text, struct strbuf *cmd, int *line)
{
	const char *p = text;
	int n = 1;

	for (; *p; n++) {
		const char *eol = strchr(p, '\n'), *q = p + strspn(p, " \t@");

		if (!eol)
			eol = p + strlen(p);
		if (!strncmp(q, "hyperfine ", 10) || !strncmp(q, "hyperfine\t", 10)) {
			const char *r = q, *ex;

			strbuf_reset(cmd);
			*line = n;
			for (;;) {
				const char *e = strchr(r, '\n');

				if (!e)
					e = r + strlen(r);
				if (e > r && e[-1] == '\\' && *e) {
					strbuf_add(cmd, r, (size_t)(e - r - 1));
					r = e + 1 + strspn(e + 1, " \t");
					continue;
				}
				strbuf_add(cmd, r, (size_t)(e - r));
				break;
			}
			while ((ex = strstr(cmd->buf, "--export-json"))) {
				size_t at = (size_t)(ex - cmd->buf), end = at + 13;

				end += strspn(cmd->buf + end, " =");
				if (cmd->buf[end] == '"' || cmd->buf[end] == '\'') {
					const char *close =
					        strchr(cmd->buf + end + 1, cmd->buf[end]);

					end = close ? (size_t)(close - cmd->buf) + 1 : cmd->len;
				} else {
					end += strcspn(cmd->buf + end, " \t");
				}
				end += strspn(cmd->buf + end, " \t");
				memmove(cmd->buf + at, cmd->buf + end, cmd->len - end + 1);
				strbuf_setlen(cmd, cmd->len - (end - at));
			}
			while (cmd->len &&
			       (cmd->buf[cmd->len - 1] == ' ' || cmd->buf[cmd->len - 1] == '\t'))
				strbuf_setlen(cmd, cmd->len - 1);
			strbuf_addstr(cmd, " --export-json \"" PW_OUT "\"");
			return 1;
		}
		p = *eol ? eol + 1 : eol;
	}
	return 0;
}

static void detect_hyperfine(struct starter *st, const struct tree *t)
{
	struct strbuf text = STRBUF_INIT, cmd = STRBUF_INIT;
	const char *f = NULL, *mk = makefile_name(t);
	struct starter_benchmark *b;
	int line;

	while ((f = list_next(&t->scripts, f)) || mk) {
		const char *where = f ? f : mk;

		if (!f)
			mk = NULL; /* the Makefile, once, after the scripts */
		if (read_rel(t, where, &text) < 0 || !hyperfine_line(text.buf, &cmd, &line))
			continue;
		b = add_benchmark(st, "hyperfine", cmd.buf, "hyperfine");
		strbuf_addf(&b->why,
		            "hyperfine: %s runs it (line %d); its command line is taken as it is, "
		            "with its JSON report sent to $PERFWARDEN_OUTPUT (what the lines "
		            "before it set up is not: check it)",
		            where, line);
		strbuf_addf(&st->found, "hyperfine: %s line %d\n", where, line);
		if (!f)
			break;
	}
	strbuf_release(&text);
	strbuf_release(&cmd);
}

/* ---- the rest: cargo bench (criterion or not), make bench, a placeholder ---- */

/*
 * Criterion's `--output-format bencher` lines ("test NAME ... bench: 1,234
 * ns/iter (+/- 56)") as perfwarden's `lines` form ("NAME 1234 ns"; blanks in
 * a name become '_'). No backslash, so the value needs no escape but quotes.
 */
#define CRITERION_TO_LINES                                                                         \
	" -- --output-format bencher | awk '/ bench: /{n=$0; sub(/^test /,\"\",n); "               \
	"sub(/ [.][.][.] bench:.*/,\"\",n); gsub(/ /,\"_\",n); v=$0; sub(/.* bench: */,\"\",v); "  \
	"sub(/ ns[/]iter.*/,\"\",v); gsub(/,/,\"\",v); print n, v, \"ns\"}' > \"" PW_OUT "\""

static void detect_other(struct starter *st, const struct tree *t)
{
	struct strbuf text = STRBUF_INIT, cmd = STRBUF_INIT, name = STRBUF_INIT;
	const char *mk = makefile_name(t), *f = NULL;
	struct starter_benchmark *b;
	int criterion = 0;

	if (st->build_system && !strcmp(st->build_system, "Cargo") &&
	    read_rel(t, "Cargo.toml", &text) == 0)
		criterion = strstr(text.buf, "criterion") != NULL;
	while (st->build_system && !strcmp(st->build_system, "Cargo") &&
	       (f = list_next(&t->rust_benches, f))) {
		const char *base = f + strlen("benches/");

		strbuf_reset(&cmd);
		strbuf_reset(&name);
		strbuf_add(&name, base, strlen(base) - 3);
		strbuf_addf(&cmd, "cargo bench --bench %s", name.buf);
		if (criterion)
			strbuf_addstr(&cmd, CRITERION_TO_LINES);
		b = add_benchmark(st, name.buf, cmd.buf, criterion ? "lines" : NULL);
		if (criterion)
			strbuf_addf(
			        &b->why,
			        "Criterion (Cargo.toml names it): %s; each of its benchmarks is "
			        "a case, its estimate per iteration read from criterion's "
			        "bencher output",
			        f);
		else
			strbuf_addf(&b->why, "cargo bench: %s (perfwarden times the whole run)", f);
		strbuf_addf(&st->found, "%s: %s\n", criterion ? "Criterion" : "cargo bench", f);
	}
	strbuf_reset(&text);
	if (!st->nbenchmarks && mk && read_rel(t, mk, &text) == 0) {
		const char *target = makefile_target(&text, "bench")       ? "bench"
		                     : makefile_target(&text, "benchmark") ? "benchmark"
		                                                           : NULL;

		if (target) {
			strbuf_addf(&cmd, "make %s", target);
			b = add_benchmark(st, target, cmd.buf, NULL);
			strbuf_addf(&b->why,
			            "%s has a `%s` target (perfwarden times the whole run)", mk,
			            target);
			strbuf_addf(&st->found, "make %s: %s\n", target, mk);
		}
	}
	if (!st->nbenchmarks) {
		b = add_benchmark(st, "example", "./example", NULL);
		b->placeholder = 1;
		strbuf_addstr(&b->why, "no benchmark found: replace ./example with a command that "
		                       "runs your code on a fixed input and writes its result to "
		                       "$PERFWARDEN_OUTPUT");
	}
	strbuf_release(&text);
	strbuf_release(&cmd);
	strbuf_release(&name);
}

int starter_detect(struct starter *out, const char *dir, struct pw_error *err)
{
	struct tree t = {dir,         STRBUF_INIT, STRBUF_INIT, STRBUF_INIT,
	                 STRBUF_INIT, STRBUF_INIT, STRBUF_INIT, 0};
	struct strbuf text = STRBUF_INIT;
	struct stat st;
	int package = 0;

	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return pw_error_set(err, PW_ENOTFOUND, "'%s' is not a directory", dir);
	walk(&t, "", 0);
	list_sort(&t.cmakelists);
	list_sort(&t.cxx_sources);
	list_sort(&t.py_tests);
	list_sort(&t.go_tests);
	list_sort(&t.rust_benches);
	list_sort(&t.scripts);
	detect_build(out, &t);
	if (read_rel(&t, "CMakeLists.txt", &text) == 0 &&
	    find_ci(text.buf, "find_package(benchmark"))
		package = 1;
	detect_gbench(out, &t, package);
	detect_pytest(out, &t);
	detect_go(out, &t);
	detect_hyperfine(out, &t);
	detect_other(out, &t);
	strbuf_release(&text);
	strbuf_release(&t.cmakelists);
	strbuf_release(&t.cxx_sources);
	strbuf_release(&t.py_tests);
	strbuf_release(&t.go_tests);
	strbuf_release(&t.rust_benches);
	strbuf_release(&t.scripts);
	return 0;
}

/* ---- the text ---- */

int starter_spec_knows(const char *key, const char *value)
{
	struct strbuf text = STRBUF_INIT;
	struct pw_error err = PW_ERROR_INIT;
	struct spec *spec = NULL;
	int ok;

	strbuf_addf(&text,
	            "[build]\n\tcommand = true\n[benchmark \"probe\"]\n\tcommand = true\n"
	            "\tgolden = probe\n\t%s = %s\n",
	            key, value);
	ok = spec_parse_buffer(&spec, text.buf, text.len, NULL, &err) == 0;
	spec_free(spec);
	strbuf_release(&text);
	pw_error_release(&err);
	return ok;
}

const char *starter_golden(const struct starter_benchmark *b)
{
	if (b->format && starter_spec_knows("format", b->format))
		return NULL;
	return b->name;
}

/* `value` as git-config reads it back: quoted (with \" and \\) when it holds ; # " \ or edges. */
static void add_value(struct strbuf *out, const char *value)
{
	const char *p;

	if (!strpbrk(value, ";#\"\\") && value[0] != ' ' && *value &&
	    value[strlen(value) - 1] != ' ') {
		strbuf_addstr(out, value);
		return;
	}
	strbuf_addch(out, '"');
	for (p = value; *p; p++) {
		if (*p == '"' || *p == '\\')
			strbuf_addch(out, '\\');
		strbuf_addch(out, *p);
	}
	strbuf_addch(out, '"');
}

/* A `# comment` (one or more lines, wrapped at about 90 columns) and `key = value`. */
static void entry(struct strbuf *out, const char *comment, const char *key, const char *value)
{
	const char *p = comment;

	while (p && *p) {
		size_t n = strlen(p);

		if (n > 84) {
			size_t k = 84;

			while (k > 20 && p[k] != ' ')
				k--;
			n = k;
		}
		strbuf_addf(out, "\t# %.*s\n", (int)n, p);
		p += n;
		p += strspn(p, " ");
	}
	if (key) {
		strbuf_addf(out, "\t%s = ", key);
		add_value(out, value);
		strbuf_addch(out, '\n');
	}
}

static void write_benchmark(const struct starter *st, const struct starter_benchmark *b,
                            struct strbuf *out)
{
	struct strbuf c = STRBUF_INIT;
	const char *golden = starter_golden(b);
	int knows_test = st->test_command && starter_spec_knows("test", "true");

	strbuf_addf(out, "\n[benchmark \"%s\"]\n", b->name);
	entry(out, b->why.buf, NULL, NULL);
	strbuf_addstr(&c, b->placeholder ? "what is timed (a placeholder: replace it)"
	                                 : "what is timed, run in the checkout after the build");
	if (strstr(b->command, PW_OUT))
		strbuf_addstr(&c, "; it writes its results to the file perfwarden names in "
		                  "$PERFWARDEN_OUTPUT");
	entry(out, c.buf, "command", b->command);
	strbuf_reset(&c);
	if (b->format && !golden) {
		strbuf_addf(&c,
		            "its results are %s's own report: each case becomes a series of its "
		            "own, judged on the times the harness measured",
		            b->format);
		entry(out, c.buf, "format", b->format);
	} else {
		if (b->format) {
			strbuf_addf(&c,
			            "the report is %s's, but this perfwarden times the whole "
			            "process; one that knows the `format` key reads each case "
			            "when this line is uncommented (and needs no golden set):",
			            b->format);
			entry(out, c.buf, NULL, NULL);
			strbuf_reset(&c);
			strbuf_addf(out, "\t# format = %s\n", b->format);
		}
		strbuf_addf(&c,
		            "the output must match golden set %s (golden/%s.out and .sum in the "
		            "golden directory, outside the repository) -- record it from a trusted "
		            "commit before checking",
		            b->name, b->name);
		entry(out, c.buf, "golden", golden);
	}
	if (knows_test)
		entry(out, "the project's own tests, run once per commit on the same build", "test",
		      st->test_command);
	entry(out, "runs kept per commit by `perfwarden run` (`check` decides its own)", "repeat",
	      "10");
	entry(out, "runs thrown away first (caches, page faults)", "warmup", "1");
	entry(out, "the most one run may take before it is killed", "timeout",
	      b->format ? "5m" : "60s");
	entry(out, "the smallest change worth a verdict; smaller ones read ok", "threshold", "2%");
	entry(out, "the most interleaved rounds `check` gives one comparison", "max-repeat", "40");
	strbuf_release(&c);
}

int starter_write(const struct starter *st, struct strbuf *out, struct pw_error *err)
{
	struct strbuf text = STRBUF_INIT, c = STRBUF_INIT;
	struct spec *spec = NULL;
	const char *p;
	size_t i;
	int ret;

	strbuf_addstr(&text, "# .perfwarden: how perfwarden builds this project and which "
	                     "benchmarks it times.\n"
	                     "# A starter written by `perfwarden init` from what the tree "
	                     "holds; check it with\n"
	                     "# `perfwarden spec check`, edit it, commit it. Git-config syntax: "
	                     "`#` and `;`\n"
	                     "# start comments, so a value holding them is quoted.\n");
	if (st->found.len)
		strbuf_addstr(&text, "#\n# Found:\n");
	for (p = st->found.buf; p && *p;) {
		const char *nl = strchr(p, '\n');

		strbuf_addf(&text, "#   %.*s\n", (int)(nl ? nl - p : (long)strlen(p)), p);
		p = nl ? nl + 1 : NULL;
	}
	strbuf_addstr(&text, "\n[build]\n");
	if (st->build_system)
		strbuf_addf(&c,
		            "%s project: build it the way its maintainers do (run in a fresh "
		            "checkout of each commit)",
		            st->build_system);
	else
		strbuf_addstr(&c, "no build system found (CMakeLists.txt, Cargo.toml, go.mod, "
		                  "Makefile, pyproject.toml, setup.py): nothing to build");
	entry(&text, c.buf, "command", st->build_command);
	entry(&text, "the most the build may take", "timeout", "10m");
	for (i = 0; i < st->nbenchmarks; i++)
		write_benchmark(st, &st->benchmarks[i], &text);
	ret = spec_parse_buffer(&spec, text.buf, text.len, NULL, err);
	if (ret == 0)
		strbuf_add(out, text.buf, text.len);
	else
		pw_error_prefix(err, "the starter spec does not parse");
	spec_free(spec);
	strbuf_release(&text);
	strbuf_release(&c);
	return ret;
}

void starter_release(struct starter *st)
{
	size_t i;

	for (i = 0; i < st->nbenchmarks; i++) {
		free(st->benchmarks[i].name);
		free(st->benchmarks[i].command);
		strbuf_release(&st->benchmarks[i].why);
	}
	free(st->benchmarks);
	free(st->build_command);
	free(st->test_command);
	strbuf_release(&st->found);
	memset(st, 0, sizeof(*st));
}
