/*
 * `perfwarden init [--write [--force]] [--golden] [DIR]`: a starter
 * `.perfwarden` for the project at DIR (default: the current directory),
 * from what its tree holds (runner/measure/starter.h), every line with a
 * comment. Printed on stdout unless --write; --golden says how to record
 * the golden sets the spec names, from HEAD, and records them itself when
 * this perfwarden has the `golden` command and HEAD carries the spec.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checkout.h"
#include "cli.h"
#include "cmd.h"
#include "spec.h"
#include "starter.h"

static const char synopsis[] =
        "usage: perfwarden init [--write [--force]] [--golden] [DIR]\n"
        "\n"
        "Write a starter .perfwarden for the project at DIR (default: the current\n"
        "directory) from what its tree holds: the build (CMake, Cargo, Go, Make, Python)\n"
        "and the benchmarks (Google Benchmark programs, pytest-benchmark tests, go test\n"
        "-bench functions, cargo bench, a Makefile's bench target), each line explained\n"
        "in a comment. Without --write the spec goes to stdout.\n"
        "\n";

static const char own_help[] =
        "  --write            write DIR/.perfwarden (refused when one exists)\n"
        "  --force            with --write: replace an existing .perfwarden\n"
        "  --golden           the golden sets the spec names: the commands that record\n"
        "                     them from HEAD (run them when this perfwarden has `golden`\n"
        "                     and HEAD carries the spec)\n";

static const char notes[] =
        "Exit 0: written (or printed); 1: DIR/.perfwarden exists and --force was not\n"
        "given; 2: bad arguments, DIR unreadable or the file unwritable.\n";

enum { OPT_WRITE = CLI_NEXT, OPT_FORCE_WRITE, OPT_GOLDEN };

static const struct option own_options[] = {
        {"write", no_argument, NULL, OPT_WRITE},
        {"force", no_argument, NULL, OPT_FORCE_WRITE},
        {"golden", no_argument, NULL, OPT_GOLDEN},
        {NULL, 0, NULL, 0},
};

/* Write `text` to `path`; refuses an existing file unless `force`. An exit code. */
static int write_spec(const char *path, const struct strbuf *text, int force)
{
	int fd = open(path, O_WRONLY | O_CREAT | (force ? O_TRUNC : O_EXCL), 0644);
	ssize_t n;

	if (fd < 0 && errno == EEXIST) {
		cmd_errorf("init", "'%s' exists: not overwritten (--force replaces it)", path);
		return CMD_FAIL;
	}
	if (fd < 0) {
		cmd_errorf("init", "could not write '%s': %s", path, strerror(errno));
		return CMD_ERROR;
	}
	n = write(fd, text->buf, text->len);
	if (n != (ssize_t)text->len || close(fd) != 0) {
		cmd_errorf("init", "could not write '%s': %s", path,
		           n < 0 ? strerror(errno) : "short write");
		return CMD_ERROR;
	}
	return CMD_OK;
}

/* 1 when HEAD of the repository at `dir` carries exactly `text` as its .perfwarden. */
static int head_carries(const char *dir, const struct strbuf *text)
{
	struct checkout_repo *repo = NULL;
	struct strbuf committed = STRBUF_INIT;
	struct pw_error err = PW_ERROR_INIT;
	int same = checkout_repo_open_local(&repo, dir, &err) == 0 &&
	           checkout_read_file(repo, "HEAD", SPEC_FILE, &committed, &err) == 0 &&
	           committed.len == text->len && !memcmp(committed.buf, text->buf, text->len);

	checkout_repo_free(repo);
	strbuf_release(&committed);
	pw_error_release(&err);
	return same;
}

/*
 * The golden sets the spec names: recorded from HEAD by `perfwarden golden
 * record` when this perfwarden has it and HEAD carries the spec, else the
 * commands to run. An exit code.
 */
static int golden_sets(const struct starter *st, const char *dir, const struct strbuf *text)
{
	const struct cmd *golden = cmd_find("golden");
	int record = golden && head_carries(dir, text), ret = CMD_OK;
	size_t i, n = 0;

	for (i = 0; i < st->nbenchmarks; i++)
		n += starter_golden(&st->benchmarks[i]) && !st->benchmarks[i].placeholder;
	if (!n) {
		printf("\nno golden set to record: %s\n",
		       st->nbenchmarks && st->benchmarks[0].placeholder
		               ? "replace the placeholder benchmark first"
		               : "every benchmark reports its own results (format)");
		return CMD_OK;
	}
	if (record && strcmp(dir, ".") && chdir(dir) != 0) {
		cmd_errorf("init", "could not enter '%s': %s", dir, strerror(errno));
		return CMD_ERROR;
	}
	if (!record)
		printf("\ncommit .perfwarden, then record the golden sets from HEAD%s:\n",
		       strcmp(dir, ".") ? " (in that directory)" : "");
	for (i = 0; i < st->nbenchmarks && ret == CMD_OK; i++) {
		const struct starter_benchmark *b = &st->benchmarks[i];
		char *argv[] = {"golden", "record", b->name, "--from", "HEAD", NULL};

		if (!starter_golden(b) || b->placeholder)
			continue;
		if (!record) {
			printf("    perfwarden golden record %s --from HEAD\n", b->name);
			continue;
		}
		printf("perfwarden golden record %s --from HEAD\n", b->name);
		fflush(stdout);
		ret = golden->fn(5, argv);
	}
	return ret;
}

int cmd_init(int argc, char **argv)
{
	struct cli_options o;
	struct starter st = STARTER_INIT;
	struct strbuf text = STRBUF_INIT, path = STRBUF_INIT;
	struct pw_error err = PW_ERROR_INIT;
	const char *dir = ".";
	int c, write = 0, force = 0, golden = 0, ret = CMD_OK;
	size_t i;

	cli_options_init(&o, "init", 0);
	o.synopsis = synopsis;
	o.own_help = own_help;
	o.notes = notes;
	o.own = own_options;
	while ((c = cli_next(&o, argc, argv)) > 0) {
		if (c == OPT_WRITE)
			write = 1;
		else if (c == OPT_FORCE_WRITE)
			force = 1;
		else if (c == OPT_GOLDEN)
			golden = 1;
	}
	if (c == CLI_EXIT)
		return o.exit_code;
	if (argc - optind > 1)
		return cli_usage_error(&o, "unexpected argument '%s'", argv[optind + 1]);
	if (force && !write)
		return cli_usage_error(&o, "--force goes with --write");
	if (optind < argc)
		dir = argv[optind];
	if (starter_detect(&st, dir, &err) < 0 || starter_write(&st, &text, &err) < 0) {
		cmd_errorf("init", "%s", pw_error_message(&err));
		ret = CMD_ERROR;
		goto done;
	}
	if (!write) {
		fwrite(text.buf, 1, text.len, stdout);
	} else {
		if (strcmp(dir, "."))
			strbuf_addf(&path, "%s/", dir);
		strbuf_addstr(&path, SPEC_FILE);
		if ((ret = write_spec(path.buf, &text, force)) != CMD_OK)
			goto done;
		printf("wrote %s: build `%s`, %zu benchmark%s:", path.buf, st.build_command,
		       st.nbenchmarks, st.nbenchmarks == 1 ? "" : "s");
		for (i = 0; i < st.nbenchmarks; i++)
			printf(" %s%s", st.benchmarks[i].name,
			       st.benchmarks[i].placeholder ? " (a placeholder: edit it)" : "");
		printf("\nnext: perfwarden spec check %s\n", path.buf);
	}
	if (golden)
		ret = golden_sets(&st, dir, &text);
done:
	starter_release(&st);
	strbuf_release(&text);
	strbuf_release(&path);
	pw_error_release(&err);
	return ret;
}
