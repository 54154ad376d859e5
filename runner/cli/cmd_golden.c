/*
 * `perfwarden golden record|list|show|verify|push|pull`: golden sets made
 * from a trusted commit and kept in the golden directory, in the store, or
 * both (runner/measure/golden_set.h: where a set is looked up; verify.h:
 * what a set of each mode holds). Exit 0 done, 1 a negative answer (a
 * mismatch; a commit that could not give an output to record), 2 could not
 * tell (bad arguments, missing set, unreachable database).
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cmd.h"
#include "golden.h"
#include "golden_set.h"
#include "paths.h"

static const char synopsis[] =
        "usage: perfwarden golden record NAME --from COMMIT [--benchmark B] [--verify MODE] "
        "[--store]\n"
        "       perfwarden golden list [--store] [--json]\n"
        "       perfwarden golden show NAME [--store] [--json]\n"
        "       perfwarden golden verify NAME FILE [--store] [--verify MODE] [--tolerance X] "
        "[--json]\n"
        "       perfwarden golden push NAME | pull NAME\n"
        "\n"
        "  record  build COMMIT, run the benchmark once and make golden set NAME from its\n"
        "          output, with its provenance (commit, spec, command, date, machine)\n"
        "  list    the golden sets in the golden directory (with --store: in the store)\n"
        "  show    one set: its mode, files, size, digest and provenance\n"
        "  verify  compare FILE with set NAME in its mode (grid, digest, json)\n"
        "  push    copy set NAME from the golden directory into the store\n"
        "  pull    copy the store's newest set NAME into the golden directory\n"
        "\n";

static const char own_help[] =
        "  --from COMMIT      record: the trusted commit (a hash or a ref)\n"
        "  --benchmark B      record: the benchmark to run (default: the one whose golden\n"
        "                     is NAME, else the only one)\n"
        "  --verify MODE      grid, digest or json (default: the benchmark's `verify`;\n"
        "                     for verify and show: told by the set's files)\n"
        "  --store            record into the store instead of the golden directory; list,\n"
        "                     show and verify: look in the store too (after the directory)\n"
        "  --tolerance X      verify: allow numbers to differ by up to X\n";

static const char notes[] =
        "A set is looked up in the golden directory first, then (with --store, and always\n"
        "for run, check and the worker) in the store. record refuses to replace a set in the\n"
        "directory unless --force; the store keeps every version and reads the newest.\n";

enum {
	OPT_FROM = CLI_NEXT,
	OPT_BENCHMARK,
	OPT_VERIFY,
	OPT_STORE,
	OPT_TOLERANCE,
};

static const struct option own_options[] = {
        {"from", required_argument, NULL, OPT_FROM},
        {"benchmark", required_argument, NULL, OPT_BENCHMARK},
        {"verify", required_argument, NULL, OPT_VERIFY},
        {"store", no_argument, NULL, OPT_STORE},
        {"tolerance", required_argument, NULL, OPT_TOLERANCE},
        {NULL, 0, NULL, 0},
};

struct golden_args {
	struct cli_options o;
	const char *action, *name, *file, *from, *benchmark;
	int mode; /* -1: not given */
	int store;
	struct verify_options vo;
	struct strbuf dir;
};

static int fail(const struct pw_error *err, int code)
{
	cmd_errorf("golden", "%s", pw_error_message(err));
	return code == PW_EMISMATCH ? CMD_FAIL : CMD_ERROR;
}

static int open_store(struct store *s, const struct golden_args *a, struct pw_error *err)
{
	return store_open(s, a->o.database, err);
}

/* The set NAME: the directory first, then (with --store) the store. */
static int find_any(struct verify_set *set, const struct golden_args *a, struct pw_error *err)
{
	struct store s = STORE_INIT;
	int ret;

	if (a->mode >= 0)
		ret = verify_set_read(set, a->dir.buf, a->name, (enum verify_mode)a->mode, err);
	else
		ret = golden_set_read_any(set, a->dir.buf, a->name, err);
	if (ret != PW_ENOTFOUND || !a->store)
		return ret;
	if ((ret = open_store(&s, a, err)) == 0) {
		ret = golden_set_store_get(&s, a->name, set, err);
		if (ret == 0 && a->mode >= 0 && set->mode != (enum verify_mode)a->mode)
			ret = pw_error_set(err, PW_EINVALID,
			                   "golden set '%s' in the store is a %s set", a->name,
			                   verify_mode_name(set->mode));
		if (ret == PW_ENOTFOUND)
			pw_error_set(err, ret, "no golden set '%s' in '%s' nor in the store",
			             a->name, a->dir.buf);
	}
	store_release(&s);
	return ret;
}

static int refuse_existing(const struct golden_args *a, struct pw_error *err)
{
	static const char *const exts[] = {"out", "sum", "sha256", "provenance.json"};
	struct strbuf path = STRBUF_INIT;
	size_t i;
	int ret = 0;

	for (i = 0; i < sizeof(exts) / sizeof(exts[0]) && !ret; i++) {
		strbuf_reset(&path);
		strbuf_addf(&path, "%s/%s.%s", a->dir.buf, a->name, exts[i]);
		if (access(path.buf, F_OK) == 0)
			ret = pw_error_set(err, PW_EEXISTS,
			                   "golden set '%s' exists in '%s' ('%s'): use --force to "
			                   "record it again",
			                   a->name, a->dir.buf, path.buf);
	}
	strbuf_release(&path);
	return ret;
}

static void print_set(const struct verify_set *set, const char *where)
{
	char hex[65];

	printf("%s: %s set, %s\n", set->name.buf, verify_mode_name(set->mode), where);
	if (set->has_expected) {
		verify_sha256_hex(strbuf_str(&set->expected), set->expected.len, hex);
		printf("  output   %zu bytes, sha256 %s\n", set->expected.len, hex);
	}
	if (set->mode == VERIFY_GRID)
		printf("  sum      %s\n", strbuf_str(&set->check));
	else if (set->mode == VERIFY_DIGEST)
		printf("  digest   %.64s\n", strbuf_str(&set->check));
	if (set->provenance.len)
		printf("  provenance:\n%s", set->provenance.buf);
	else
		printf("  provenance: none recorded\n");
}

static json_t *set_json(const struct verify_set *set)
{
	json_t *prov = set->provenance.len ? json_loads(set->provenance.buf, 0, NULL) : NULL;
	char hex[65] = "";

	if (set->has_expected)
		verify_sha256_hex(strbuf_str(&set->expected), set->expected.len, hex);
	return json_pack("{s:s, s:s, s:s, s:o, s:o, s:o}", "name", set->name.buf, "mode",
	                 verify_mode_name(set->mode), "origin", strbuf_str(&set->origin), "bytes",
	                 set->has_expected ? json_integer((json_int_t)set->expected.len)
	                                   : json_null(),
	                 "sha256", set->has_expected ? json_string(hex) : json_null(), "provenance",
	                 prov ? prov : json_null());
}

static void print_json(json_t *j)
{
	char *text = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

	if (text)
		puts(text);
	free(text);
	json_decref(j);
}

static int golden_record(struct golden_args *a)
{
	struct golden_set_record_options ro = {a->name, a->from, a->benchmark, a->mode};
	struct pipeline *p = NULL;
	struct verify_set set;
	struct pw_error err = PW_ERROR_INIT;
	struct cli_progress pr;
	int64_t id = 0;
	int ret, code = CMD_OK;

	verify_set_init(&set);
	if (!a->from)
		return cli_usage_error(&a->o, "record needs --from COMMIT (the trusted commit)");
	if (!a->store && !(a->o.po.flags & PIPELINE_FORCE) && (ret = refuse_existing(a, &err)) < 0)
		goto fail;
	cli_progress_init(&pr, 0);
	a->o.po.progress = cli_progress_line;
	a->o.po.progress_arg = &pr;
	a->o.po.flags |= PIPELINE_NO_VERIFY | (a->store ? 0 : PIPELINE_NO_STORE);
	if ((ret = pipeline_open(&p, &a->o.po, &err)) < 0)
		goto fail;
	ret = golden_set_record(p, &ro, &set, &err);
	cli_progress_done(&pr);
	if (ret < 0)
		goto fail;
	if (a->store)
		ret = golden_set_store_put(pipeline_store(p), &set, &id, &err);
	else
		ret = verify_set_write(&set, a->dir.buf, &err);
	if (ret < 0)
		goto fail;
	if (a->store)
		printf("recorded golden set '%s' (%s) in the store, version %lld\n", a->name,
		       verify_mode_name(set.mode), (long long)id);
	else
		printf("recorded golden set '%s' (%s) in '%s'\n", a->name,
		       verify_mode_name(set.mode), a->dir.buf);
	fputs(set.provenance.buf ? set.provenance.buf : "", stdout);
	goto done;
fail:
	code = fail(&err, ret);
done:
	pipeline_free(p);
	verify_set_release(&set);
	pw_error_release(&err);
	return code;
}

static int golden_list(struct golden_args *a)
{
	struct store s = STORE_INIT;
	struct store_golden_list list = STORE_GOLDEN_LIST_INIT;
	struct pw_error err = PW_ERROR_INIT;
	json_t *doc = json_array();
	DIR *d = opendir(a->dir.buf);
	struct dirent *de;
	size_t i;
	int code = CMD_OK, ret;

	if (!d && errno != ENOENT) {
		pw_error_errno(&err, PW_EIO, "could not read '%s'", a->dir.buf);
		code = fail(&err, PW_EIO);
		goto done;
	}
	while (d && (de = readdir(d))) {
		size_t len = strlen(de->d_name);
		struct verify_set set;
		char *name;

		/* each set has exactly one of .sum (grid), .sha256 (digest) or .out */
		if (len > 4 && !strcmp(de->d_name + len - 4, ".out"))
			len -= 4;
		else
			continue;
		name = strndup(de->d_name, len);
		if (!name)
			abort();
		verify_set_init(&set);
		if (golden_set_read_any(&set, a->dir.buf, name, &err) == 0) {
			if (a->o.json)
				json_array_append_new(doc, set_json(&set));
			else
				printf("%-30s %-7s %10zu bytes  %s\n", name,
				       verify_mode_name(set.mode), set.expected.len, a->dir.buf);
		} else if (!a->o.json) {
			printf("%-30s %-7s %s\n", name, "?", pw_error_message(&err));
		}
		verify_set_release(&set);
		free(name);
	}
	if (a->store) {
		if ((ret = open_store(&s, a, &err)) < 0 ||
		    (ret = store_golden_list(&s, &list, &err)) < 0) {
			code = fail(&err, ret);
			goto done;
		}
		for (i = 0; i < list.nsets; i++) {
			if (a->o.json)
				json_array_append_new(
				        doc, json_pack("{s:s, s:s, s:s, s:I, s:s, s:I}", "name",
				                       list.sets[i].name, "mode", list.sets[i].mode,
				                       "origin", "store", "version",
				                       (json_int_t)list.sets[i].id, "recorded_at",
				                       list.sets[i].created_at, "versions",
				                       (json_int_t)list.versions[i]));
			else
				printf("%-30s %-7s version %lld of %s (%zu kept)  store\n",
				       list.sets[i].name, list.sets[i].mode,
				       (long long)list.sets[i].id, list.sets[i].created_at,
				       list.versions[i]);
		}
	}
	if (a->o.json) {
		print_json(doc);
		doc = NULL;
	}
done:
	if (d)
		closedir(d);
	json_decref(doc);
	store_golden_list_release(&list);
	store_release(&s);
	pw_error_release(&err);
	return code;
}

static int golden_show(struct golden_args *a)
{
	struct verify_set set;
	struct pw_error err = PW_ERROR_INIT;
	int ret, code = CMD_OK;

	verify_set_init(&set);
	if ((ret = find_any(&set, a, &err)) < 0) {
		code = fail(&err, ret);
	} else if (a->o.json) {
		print_json(set_json(&set));
	} else {
		struct strbuf where = STRBUF_INIT;

		strbuf_addf(&where, "in %s", set.origin.buf);
		print_set(&set, where.buf);
		strbuf_release(&where);
	}
	verify_set_release(&set);
	pw_error_release(&err);
	return code;
}

static int golden_verify(struct golden_args *a)
{
	struct verify_set set;
	struct verify_report rep;
	struct pw_error err = PW_ERROR_INIT;
	struct strbuf output = STRBUF_INIT, text = STRBUF_INIT;
	int ret, code = CMD_ERROR;

	verify_set_init(&set);
	verify_report_init(&rep);
	if ((ret = find_any(&set, a, &err)) < 0)
		goto fail;
	strbuf_setmax(&output, 1UL << 30, 0);
	if (strbuf_read_file(&output, a->file) < 0) {
		ret = pw_error_errno(&err, PW_EIO, "could not read output file '%s'", a->file);
		goto fail;
	}
	strbuf_addstr(&rep.output, a->file);
	if ((ret = verify_set_compare(&rep, &set, strbuf_str(&output), output.len, &a->vo, &err)) <
	    0)
		goto fail;
	if (a->o.json) {
		print_json(verify_report_json(&rep));
	} else {
		verify_report_format(&rep, &text);
		fputs(text.buf, stdout);
	}
	code = rep.matched ? CMD_OK : CMD_FAIL;
	goto done;
fail:
	code = fail(&err, ret);
done:
	verify_set_release(&set);
	verify_report_release(&rep);
	strbuf_release(&output);
	strbuf_release(&text);
	pw_error_release(&err);
	return code;
}

static int golden_push_pull(struct golden_args *a, int push)
{
	struct store s = STORE_INIT;
	struct verify_set set;
	struct pw_error err = PW_ERROR_INIT;
	int64_t id = 0;
	int ret, code = CMD_OK;

	verify_set_init(&set);
	if ((ret = open_store(&s, a, &err)) < 0)
		goto fail;
	if (push) {
		if ((ret = golden_set_read_any(&set, a->dir.buf, a->name, &err)) < 0 ||
		    (ret = golden_set_store_put(&s, &set, &id, &err)) < 0)
			goto fail;
		printf("pushed golden set '%s' (%s) from '%s' to the store, version %lld\n",
		       a->name, verify_mode_name(set.mode), a->dir.buf, (long long)id);
	} else {
		if ((ret = golden_set_store_get(&s, a->name, &set, &err)) < 0 ||
		    (!(a->o.po.flags & PIPELINE_FORCE) && (ret = refuse_existing(a, &err)) < 0) ||
		    (ret = verify_set_write(&set, a->dir.buf, &err)) < 0)
			goto fail;
		printf("pulled golden set '%s' (%s) from %s into '%s'\n", a->name,
		       verify_mode_name(set.mode), set.origin.buf, a->dir.buf);
	}
	goto done;
fail:
	code = fail(&err, ret);
done:
	verify_set_release(&set);
	store_release(&s);
	pw_error_release(&err);
	return code;
}

static int parse(int argc, char **argv, struct golden_args *a)
{
	struct pw_error err = PW_ERROR_INIT;
	enum verify_mode m;
	char *end;
	int c, want;

	cli_options_init(&a->o, "golden",
	                 CLI_GROUP_REPO | CLI_GROUP_PIPELINE | CLI_GROUP_GOLDEN |
	                         CLI_GROUP_DATABASE | CLI_GROUP_JSON);
	a->o.synopsis = synopsis;
	a->o.own_help = own_help;
	a->o.notes = notes;
	a->o.own = own_options;
	a->mode = -1;
	while ((c = cli_next(&a->o, argc, argv)) >= CLI_NEXT) {
		switch (c) {
		case OPT_FROM:
			a->from = optarg;
			break;
		case OPT_BENCHMARK:
			a->benchmark = optarg;
			break;
		case OPT_VERIFY:
			if (verify_mode_parse(optarg, &m, &err) < 0) {
				a->o.exit_code = cli_bad_value(&a->o, "--verify", optarg,
				                               "grid, digest or json");
				pw_error_release(&err);
				return -1;
			}
			a->mode = (int)m;
			break;
		case OPT_STORE:
			a->store = 1;
			break;
		case OPT_TOLERANCE:
			errno = 0;
			a->vo.tolerance = strtod(optarg, &end);
			if (!*optarg || *end || errno || !isfinite(a->vo.tolerance) ||
			    a->vo.tolerance < 0) {
				a->o.exit_code = cli_bad_value(&a->o, "--tolerance", optarg,
				                               "a number >= 0");
				return -1;
			}
			break;
		}
	}
	if (c == CLI_EXIT)
		return -1;
	if (optind >= argc) {
		a->o.exit_code = cli_usage_error(
		        &a->o, "what to do? (record, list, show, verify, push, pull)");
		return -1;
	}
	a->action = argv[optind++];
	want = !strcmp(a->action, "list")     ? 0
	       : !strcmp(a->action, "verify") ? 2
	       : (!strcmp(a->action, "record") || !strcmp(a->action, "show") ||
	          !strcmp(a->action, "push") || !strcmp(a->action, "pull"))
	               ? 1
	               : -1;
	if (want < 0) {
		cmd_errorf("golden", "unknown action '%s' (record, list, show, verify, push, pull)",
		           a->action);
		a->o.exit_code = CMD_ERROR;
		return -1;
	}
	if (argc - optind != want) {
		a->o.exit_code = cli_usage_error(&a->o, "golden %s takes %s", a->action,
		                                 want == 0   ? "no operand"
		                                 : want == 1 ? "a set NAME"
		                                             : "a set NAME and an output FILE");
		return -1;
	}
	a->name = want ? argv[optind] : NULL;
	a->file = want == 2 ? argv[optind + 1] : NULL;
	if (a->o.golden_dir)
		strbuf_addstr(&a->dir, a->o.golden_dir);
	else
		paths_golden_dir(&a->dir);
	return 0;
}

int cmd_golden(int argc, char **argv)
{
	struct golden_args a;
	int code;

	memset(&a, 0, sizeof(a));
	a.vo = (struct verify_options)VERIFY_OPTIONS_INIT;
	if (parse(argc, argv, &a) < 0) {
		strbuf_release(&a.dir);
		return a.o.exit_code;
	}
	if (!strcmp(a.action, "record"))
		code = golden_record(&a);
	else if (!strcmp(a.action, "list"))
		code = golden_list(&a);
	else if (!strcmp(a.action, "show"))
		code = golden_show(&a);
	else if (!strcmp(a.action, "verify"))
		code = golden_verify(&a);
	else
		code = golden_push_pull(&a, !strcmp(a.action, "push"));
	strbuf_release(&a.dir);
	return code;
}
