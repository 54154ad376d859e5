/*
 * Tests of runner/explain/profile on real valgrind output: a small program
 * built with -g in a temporary directory is run under callgrind and massif,
 * and its files are read back — functions with their exclusive and inclusive
 * costs, calls, the project's source lines with their text, the heap's
 * allocation sites; a shell pipeline's processes summed; the stored JSON
 * form read back the same; zlib both ways; files that are not valgrind's
 * refused with a message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "profile.h"

static char dir[] = "/tmp/pwtest-profile.XXXXXX";

static const char program[] =
        "#include <stdio.h>\n"
        "#include <stdlib.h>\n"
        "\n"
        "__attribute__((noinline)) static unsigned light(unsigned n)\n"
        "{\n"
        "\tunsigned s = 0;\n"
        "\n"
        "\tfor (unsigned i = 0; i < n; i++)\n"
        "\t\ts += i;\n"
        "\treturn s;\n"
        "}\n"
        "\n"
        "__attribute__((noinline)) static unsigned heavy(unsigned n)\n"
        "{\n"
        "\tunsigned s = 1;\n"
        "\n"
        "\tfor (unsigned i = 0; i < n; i++)\n"
        "\t\ts = s * 33 + light(i & 7); /* the hot line */\n"
        "\treturn s;\n"
        "}\n"
        "\n"
        "int main(void)\n"
        "{\n"
        "\tchar *big = malloc(1 << 20), *small = malloc(1 << 16);\n"
        "\n"
        "\tbig[0] = small[0] = 1;\n"
        "\tprintf(\"%u %p %p\\n\", heavy(100000), (void *)big, (void *)small);\n"
        "\tfree(big);\n"
        "\tfree(small);\n"
        "\treturn 0;\n"
        "}\n";

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static int setup(void **state)
{
	FILE *f;

	(void)state;
	if (!mkdtemp(dir))
		return -1;
	{
		char path[256];

		snprintf(path, sizeof(path), "%s/prog.c", dir);
		f = fopen(path, "w");
		if (!f)
			return -1;
		fputs(program, f);
		fclose(f);
	}
	if (sh("cd %s && cc -O1 -g -o prog prog.c", dir) != 0)
		return -1;
	if (sh("cd %s && valgrind -q --tool=callgrind --dump-line=yes --trace-children=yes "
	       "--callgrind-out-file=%s/cg.%%p ./prog >/dev/null",
	       dir, dir) != 0)
		return -1;
	if (sh("cd %s && valgrind -q --tool=massif --time-unit=B --fullpath-after= "
	       "--massif-out-file=%s/ms.out ./prog >/dev/null",
	       dir, dir) != 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return sh("rm -rf %s", dir);
}

/* Read every cg.* file of `d` into `pr`. */
static void read_callgrind(struct profile *pr, const char *d)
{
	char cmd[512], line[512];
	struct pw_error err = PW_ERROR_INIT;
	FILE *ls;

	snprintf(cmd, sizeof(cmd), "ls %s/cg.*", d);
	ls = popen(cmd, "r");
	assert_non_null(ls);
	while (fgets(line, sizeof(line), ls)) {
		line[strcspn(line, "\n")] = '\0';
		assert_int_equal(profile_add_callgrind(pr, line, dir, &err), 0);
	}
	pclose(ls);
	pw_error_release(&err);
}

static const struct profile_fn *fn_named(const struct profile *pr, const char *name)
{
	for (size_t i = 0; i < pr->nfns; i++)
		if (!strcmp(pr->fns[i].name, name))
			return &pr->fns[i];
	return NULL;
}

static void test_profile__callgrind_functions_calls_and_lines(void **state)
{
	struct profile pr = PROFILE_INIT;
	const struct profile_fn *heavy, *light, *main_fn;
	int ir, found = 0;
	int64_t self_sum = 0;
	size_t i;

	(void)state;
	read_callgrind(&pr, dir);
	profile_read_sources(&pr, dir);
	assert_true(pr.has_time);
	assert_int_equal(pr.processes, 1);
	ir = profile_event(&pr, "Ir");
	assert_int_equal(ir, 0);
	heavy = fn_named(&pr, "heavy");
	light = fn_named(&pr, "light");
	main_fn = fn_named(&pr, "main");
	assert_non_null(heavy);
	assert_non_null(light);
	assert_non_null(main_fn);
	assert_string_equal(heavy->object, "prog");
	assert_string_equal(heavy->file, "prog.c");
	/* heavy calls light 100000 times: its inclusive cost holds light's */
	assert_true(light->self[ir] > 100000);
	assert_true(heavy->incl[ir] >= heavy->self[ir] + light->incl[ir]);
	assert_true(main_fn->incl[ir] >= heavy->incl[ir]);
	for (i = 0; i < pr.ncalls; i++)
		if (pr.fns[pr.calls[i].caller].name == heavy->name &&
		    pr.fns[pr.calls[i].callee].name == light->name) {
			assert_int_equal(pr.calls[i].count, 100000);
			assert_int_equal(pr.calls[i].cost[ir], light->incl[ir]);
			found = 1;
		}
	assert_true(found);
	/* the totals are the sum of every function's own cost */
	for (i = 0; i < pr.nfns; i++)
		self_sum += pr.fns[i].self[ir];
	assert_int_equal(self_sum, pr.totals[ir]);
	/* the hot line: its cost includes the calls it makes, and its text is read */
	found = 0;
	for (i = 0; i < pr.nlines; i++) {
		const struct profile_line *l = &pr.lines[i];

		assert_string_equal(l->file, "prog.c");
		if (l->line == 18) {
			assert_string_equal(pr.fns[l->fn].name, "heavy");
			assert_non_null(l->text);
			assert_string_equal(l->text,
			                    "s = s * 33 + light(i & 7); /* the hot line */");
			assert_true(l->cost[ir] >= light->incl[ir]);
			found = 1;
		}
	}
	assert_true(found);
	/* libc's functions are named with their object and have no lines */
	assert_non_null(fn_named(&pr, "printf") ? fn_named(&pr, "printf")
	                                        : fn_named(&pr, "__printf"));
	profile_release(&pr);
}

static void test_profile__a_pipeline_sums_its_processes(void **state)
{
	struct profile one = PROFILE_INIT, tree = PROFILE_INIT;
	char sub[512];

	(void)state;
	snprintf(sub, sizeof(sub), "%s/tree", dir);
	assert_int_equal(sh("mkdir -p %s && cd %s && valgrind -q --tool=callgrind "
	                    "--trace-children=yes --callgrind-out-file=%s/cg.%%p "
	                    "/bin/sh -c './prog | cat >/dev/null'",
	                    sub, dir, sub),
	                 0);
	read_callgrind(&tree, sub);
	read_callgrind(&one, dir);
	assert_true(tree.processes >= 3); /* sh, prog, cat */
	assert_true(tree.totals[0] > one.totals[0]);
	assert_int_equal(fn_named(&tree, "heavy")->self[0], fn_named(&one, "heavy")->self[0]);
	profile_release(&one);
	profile_release(&tree);
}

static void test_profile__massif_peak_sites(void **state)
{
	struct profile pr = PROFILE_INIT;
	struct pw_error err = PW_ERROR_INIT;
	char path[512];
	int found = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/ms.out", dir);
	assert_int_equal(profile_add_massif(&pr, path, dir, &err), 0);
	profile_read_sources(&pr, dir);
	assert_true(pr.has_heap);
	assert_true(pr.heap_peak_bytes >= (1 << 20) + (1 << 16));
	for (size_t i = 0; i < pr.nsites; i++)
		if (!strcmp(pr.sites[i].fn, "main") && pr.sites[i].line == 24) {
			/* both mallocs are on line 24: one site of the two */
			assert_int_equal(pr.sites[i].bytes, (1 << 20) + (1 << 16));
			assert_string_equal(pr.sites[i].file, "prog.c");
			assert_non_null(pr.sites[i].text);
			assert_non_null(strstr(pr.sites[i].text, "malloc(1 << 20)"));
			found = 1;
		}
	assert_true(found);
	profile_release(&pr);
	pw_error_release(&err);
}

static void test_profile__json_and_zlib_give_the_same_profile(void **state)
{
	struct profile pr = PROFILE_INIT, back = PROFILE_INIT;
	struct strbuf packed = STRBUF_INIT, raw = STRBUF_INIT;
	struct pw_error err = PW_ERROR_INIT;
	char path[512];
	json_t *doc, *doc2;
	char *text, *text2;

	(void)state;
	read_callgrind(&pr, dir);
	snprintf(path, sizeof(path), "%s/ms.out", dir);
	assert_int_equal(profile_add_massif(&pr, path, dir, &err), 0);
	profile_read_sources(&pr, dir);
	doc = profile_to_json(&pr, PROFILE_PART_TIME | PROFILE_PART_HEAP);
	text = json_dumps(doc, JSON_COMPACT);
	assert_int_equal(profile_compress(text, strlen(text), &packed, &err), 0);
	assert_true(packed.len < strlen(text) / 3);
	assert_int_equal(profile_uncompress(packed.buf, packed.len, 0, &raw, &err), 0);
	assert_string_equal(raw.buf, text);
	json_decref(doc);
	doc = json_loads(raw.buf, 0, NULL);
	assert_int_equal(profile_from_json(&back, doc, &err), 0);
	assert_int_equal(back.nfns, pr.nfns);
	assert_int_equal(back.nlines, pr.nlines);
	assert_int_equal(back.ncalls, pr.ncalls);
	assert_int_equal(back.nsites, pr.nsites);
	assert_int_equal(back.totals[0], pr.totals[0]);
	doc2 = profile_to_json(&back, PROFILE_PART_TIME | PROFILE_PART_HEAP);
	text2 = json_dumps(doc2, JSON_COMPACT);
	assert_string_equal(text2, text);
	/* a bomb is refused: inflating past the limit */
	strbuf_reset(&raw);
	assert_int_equal(profile_uncompress(packed.buf, packed.len, 100, &raw, &err), PW_EINVALID);
	free(text);
	free(text2);
	json_decref(doc);
	json_decref(doc2);
	strbuf_release(&packed);
	strbuf_release(&raw);
	profile_release(&pr);
	profile_release(&back);
	pw_error_release(&err);
}

static void test_profile__garbage_is_refused_with_a_message(void **state)
{
	struct profile pr = PROFILE_INIT;
	struct pw_error err = PW_ERROR_INIT;
	struct strbuf raw = STRBUF_INIT;
	char path[512];
	json_t *doc;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/prog.c", dir);
	assert_int_equal(profile_add_callgrind(&pr, path, dir, &err), PW_EINVALID);
	assert_non_null(strstr(pw_error_message(&err), "is not a callgrind profile"));
	assert_int_equal(profile_add_massif(&pr, path, dir, &err), PW_EINVALID);
	assert_int_equal(profile_add_callgrind(&pr, "/nonexistent/cg.1", dir, &err), PW_EIO);
	assert_non_null(strstr(pw_error_message(&err), "could not read '/nonexistent/cg.1'"));
	snprintf(path, sizeof(path), "%s/bad.cg", dir);
	f = fopen(path, "w");
	fputs("# callgrind format\nevents: Ir\nfn=(1) f\n12 x\n", f);
	fclose(f);
	assert_int_equal(profile_add_callgrind(&pr, path, dir, &err), PW_EINVALID);
	assert_non_null(strstr(pw_error_message(&err), "malformed cost line"));
	f = fopen(path, "w");
	fputs("# callgrind format\nevents: Ir\nfn=(7)\n", f);
	fclose(f);
	assert_int_equal(profile_add_callgrind(&pr, path, dir, &err), PW_EINVALID);
	assert_non_null(strstr(pw_error_message(&err), "unknown compressed name"));
	assert_int_equal(profile_uncompress("not zlib", 8, 0, &raw, &err), PW_EINVALID);
	doc = json_pack("{s:s, s:i, s:{s:[s], s:[i], s:s}}", "format", "perfwarden-profile",
	                "version", 1, "time", "events", "Ir", "totals", 3, "functions", "x");
	assert_int_equal(profile_from_json(&pr, doc, &err), PW_EINVALID);
	json_decref(doc);
	profile_release(&pr);
	strbuf_release(&raw);
	pw_error_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_profile__callgrind_functions_calls_and_lines),
	        cmocka_unit_test(test_profile__a_pipeline_sums_its_processes),
	        cmocka_unit_test(test_profile__massif_peak_sites),
	        cmocka_unit_test(test_profile__json_and_zlib_give_the_same_profile),
	        cmocka_unit_test(test_profile__garbage_is_refused_with_a_message),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
