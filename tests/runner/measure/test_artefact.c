/*
 * Tests for runner/measure/artefact: the digest that lets `check` skip commits whose
 * build cannot have changed. Real builds: the test writes C sources, builds
 * them with cc (debug information on, so the worktree's path is in the
 * binary, and the linker's build-id hashes it) in two directories of the
 * same length, as two worktrees of two commits are.
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

#include "artefact.h"
#include "paths.h"
#include "strbuf.h"

#define HASH_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HASH_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

struct fixture {
	char root[64];
	struct strbuf a, b; /* <root>/HASH_A, <root>/HASH_B */
};

static void write_file(const char *dir, const char *name, const char *text)
{
	struct strbuf path = STRBUF_INIT, body = STRBUF_INIT;

	strbuf_addf(&path, "%s/%s", dir, name);
	strbuf_addstr(&body, text);
	assert_int_equal(strbuf_write_file(&body, path.buf), 0);
	strbuf_release(&path);
	strbuf_release(&body);
}

static void build(const char *dir, const char *flags)
{
	struct strbuf cmd = STRBUF_INIT;

	strbuf_addf(&cmd, "cd '%s' && cc -g -O1 %s -o bench bench.c", dir, flags);
	assert_int_equal(system(cmd.buf), 0);
	strbuf_release(&cmd);
}

static const char source[] = "#include <assert.h>\n"
                             "#include <stdio.h>\n"
                             "int main(void)\n"
                             "{\n"
                             "\tvolatile double x = 0;\n"
                             "\tfor (long i = 0; i < LOOPS; i++)\n"
                             "\t\tx += i * 0.5;\n"
                             "\tassert(x >= 0);\n"
                             "\tprintf(\"%s\\n\", __FILE__);\n"
                             "\treturn 0;\n"
                             "}\n";

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->root, sizeof(f->root), "/tmp/pwartefact.XXXXXX");
	assert_non_null(mkdtemp(f->root));
	f->a = (struct strbuf)STRBUF_INIT;
	f->b = (struct strbuf)STRBUF_INIT;
	strbuf_addf(&f->a, "%s/%s", f->root, HASH_A);
	strbuf_addf(&f->b, "%s/%s", f->root, HASH_B);
	assert_int_equal(paths_mkdir_p(f->a.buf, 0755), 0);
	assert_int_equal(paths_mkdir_p(f->b.buf, 0755), 0);
	write_file(f->a.buf, "bench.c", source);
	write_file(f->b.buf, "bench.c", source);
	write_file(f->a.buf, "README", "one\n");
	write_file(f->b.buf, "README", "two: only the docs changed\n");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	struct strbuf cmd = STRBUF_INIT;

	strbuf_addf(&cmd, "rm -rf '%s'", f->root);
	assert_int_equal(system(cmd.buf), 0);
	strbuf_release(&cmd);
	strbuf_release(&f->a);
	strbuf_release(&f->b);
	free(f);
	return 0;
}

static void digest(const char *dir, const char *hash, const char *patterns,
                   const char *const *commands, struct artefact_digest *d)
{
	struct pw_error err = PW_ERROR_INIT;

	if (artefact_digest(dir, hash, patterns, commands, d, &err) < 0)
		fail_msg("artefact_digest: %s", pw_error_message(&err));
	pw_error_release(&err);
}

static void test_artefact__the_same_sources_in_two_worktrees_digest_alike(void **state)
{
	struct fixture *f = *state;
	struct artefact_digest a = ARTEFACT_DIGEST_INIT, b = ARTEFACT_DIGEST_INIT;
	struct strbuf bin = STRBUF_INIT, text = STRBUF_INIT;

	build(f->a.buf, "-DLOOPS=1000");
	build(f->b.buf, "-DLOOPS=1000");
	/* the binaries differ as files: each holds its own worktree's path and build-id */
	strbuf_addf(&bin, "cmp -s '%s/bench' '%s/bench'", f->a.buf, f->b.buf);
	assert_int_not_equal(system(bin.buf), 0);
	digest(f->a.buf, HASH_A, NULL, NULL, &a);
	digest(f->b.buf, HASH_B, NULL, NULL, &b);
	assert_int_equal(a.files, 1);
	assert_string_equal(a.names.buf, "bench\n");
	assert_int_equal(strlen(a.hex), 64);
	assert_string_equal(a.hex, b.hex);
	artefact_digest_release(&a);
	artefact_digest_release(&b);
	strbuf_release(&bin);
	strbuf_release(&text);
}

static void test_artefact__any_change_to_the_program_changes_the_digest(void **state)
{
	struct fixture *f = *state;
	struct artefact_digest a = ARTEFACT_DIGEST_INIT, b = ARTEFACT_DIGEST_INIT;

	build(f->a.buf, "-DLOOPS=1000");
	build(f->b.buf, "-DLOOPS=1001");
	digest(f->a.buf, HASH_A, NULL, NULL, &a);
	digest(f->b.buf, HASH_B, NULL, NULL, &b);
	assert_string_not_equal(a.hex, b.hex);
	/* so does building it differently from the same source */
	build(f->b.buf, "-DLOOPS=1000 -DNDEBUG");
	digest(f->b.buf, HASH_B, NULL, NULL, &b);
	assert_string_not_equal(a.hex, b.hex);
	artefact_digest_release(&a);
	artefact_digest_release(&b);
}

static void test_artefact__files_the_command_names_count_too(void **state)
{
	struct fixture *f = *state;
	struct artefact_digest a = ARTEFACT_DIGEST_INIT, b = ARTEFACT_DIGEST_INIT;
	const char *const commands[] = {"./bench input.txt | cksum > \"$PERFWARDEN_OUTPUT\"", NULL};

	build(f->a.buf, "-DLOOPS=1000");
	build(f->b.buf, "-DLOOPS=1000");
	write_file(f->a.buf, "input.txt", "the input\n");
	write_file(f->b.buf, "input.txt", "another input\n");
	digest(f->a.buf, HASH_A, NULL, commands, &a);
	digest(f->b.buf, HASH_B, NULL, commands, &b);
	assert_int_equal(a.files, 2);
	assert_string_equal(a.names.buf, "bench\ninput.txt\n");
	assert_string_not_equal(a.hex, b.hex);
	write_file(f->b.buf, "input.txt", "the input\n");
	digest(f->b.buf, HASH_B, NULL, commands, &b);
	assert_string_equal(a.hex, b.hex);
	artefact_digest_release(&a);
	artefact_digest_release(&b);
}

static void test_artefact__declared_patterns_replace_the_search(void **state)
{
	struct fixture *f = *state;
	struct artefact_digest a = ARTEFACT_DIGEST_INIT, b = ARTEFACT_DIGEST_INIT;
	struct pw_error err = PW_ERROR_INIT;

	build(f->a.buf, "-DLOOPS=1000");
	build(f->b.buf, "-DLOOPS=1001");
	/* only the README is declared: the docs changed, so the digests differ */
	digest(f->a.buf, HASH_A, "READ*", NULL, &a);
	digest(f->b.buf, HASH_B, "READ*", NULL, &b);
	assert_int_equal(a.files, 1);
	assert_string_not_equal(a.hex, b.hex);
	/* nothing matching is not a claim of identity */
	assert_int_equal(artefact_digest(f->a.buf, HASH_A, "build/*.so", NULL, &a, &err),
	                 PW_ENOTFOUND);
	assert_string_equal(a.hex, "");
	assert_non_null(strstr(pw_error_message(&err), "build/*.so"));
	artefact_digest_release(&a);
	artefact_digest_release(&b);
	pw_error_release(&err);
}

static void test_artefact__a_tree_without_binaries_claims_nothing(void **state)
{
	struct fixture *f = *state;
	struct artefact_digest a = ARTEFACT_DIGEST_INIT;
	struct pw_error err = PW_ERROR_INIT;

	assert_int_equal(artefact_digest(f->a.buf, HASH_A, NULL, NULL, &a, &err), PW_ENOTFOUND);
	assert_int_equal(a.files, 0);
	assert_int_equal(artefact_digest("/nonexistent/worktree", HASH_A, NULL, NULL, &a, &err),
	                 PW_EIO);
	pw_error_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(
	                test_artefact__the_same_sources_in_two_worktrees_digest_alike, setup,
	                teardown),
	        cmocka_unit_test_setup_teardown(
	                test_artefact__any_change_to_the_program_changes_the_digest, setup,
	                teardown),
	        cmocka_unit_test_setup_teardown(test_artefact__files_the_command_names_count_too,
	                                        setup, teardown),
	        cmocka_unit_test_setup_teardown(test_artefact__declared_patterns_replace_the_search,
	                                        setup, teardown),
	        cmocka_unit_test_setup_teardown(
	                test_artefact__a_tree_without_binaries_claims_nothing, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
