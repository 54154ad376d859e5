/*
 * Command-line pieces the subcommands share: the option layer (every option
 * that more than one command takes is parsed, checked and described here,
 * by group; a command declares its groups and handles only its own options),
 * a progress line that only a terminal sees, and writing reports to files.
 * Lives in the executable: the libraries know nothing of argv.
 */
#include <errno.h>
#include <stdarg.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checkout.h"
#include "cli.h"
#include "cmd.h"
#include "revision.h"

/* getopt_long codes of the shared options (a command's own start at CLI_NEXT). */
enum {
	OPT_REPO = 1000,
	OPT_SPEC,
	OPT_GOLDEN_DIR,
	OPT_WORKDIR,
	OPT_CPU,
	OPT_FORCE,
	OPT_INSTRUCTIONS,
	OPT_BENCHMARK,
	OPT_ENVIRONMENT,
	OPT_METRIC,
	OPT_LIMIT,
	OPT_JSON,
	OPT_CSV,
	OPT_CONFIG,
	OPT_DATABASE,
};

/* Every shared option: its group, its getopt entry and its line of help. */
static const struct shared_option {
	unsigned group;
	struct option opt;
	const char *help; /* NULL: cli_usage() writes it (it depends on the command) */
} shared[] = {
        {CLI_GROUP_REPO,
         {"repo", required_argument, NULL, OPT_REPO},
         "  --repo DIR|URL     the repository (default: the current directory's)\n"},
        {CLI_GROUP_STORED_REPO,
         {"repo", required_argument, NULL, OPT_REPO},
         "  --repo DIR         only that repository's runs (default: any repository in the\n"
         "                     database)\n"},
        {CLI_GROUP_PIPELINE,
         {"spec", required_argument, NULL, OPT_SPEC},
         "  --spec FILE        use this spec instead of each commit's .perfwarden\n"},
        {CLI_GROUP_GOLDEN,
         {"golden-dir", required_argument, NULL, OPT_GOLDEN_DIR},
         "  --golden-dir DIR   golden sets (default: $PERFWARDEN_GOLDEN_DIR or perfwarden's "
         "golden/)\n"},
        {CLI_GROUP_PIPELINE,
         {"workdir", required_argument, NULL, OPT_WORKDIR},
         "  --workdir DIR      worktrees and outputs (default: $PERFWARDEN_HOME/work)\n"},
        {CLI_GROUP_PIPELINE,
         {"cpu", required_argument, NULL, OPT_CPU},
         "  --cpu N            pin benchmarks to cpu N (default: first isolated, else last "
         "online)\n"},
        {CLI_GROUP_PIPELINE,
         {"force", no_argument, NULL, OPT_FORCE},
         "  --force            measure again even when the store has the run\n"},
        {CLI_GROUP_PIPELINE,
         {"instructions", no_argument, NULL, OPT_INSTRUCTIONS},
         "  --instructions     also count instructions under cachegrind (one extra run)\n"},
        {CLI_GROUP_BENCHMARK, {"benchmark", required_argument, NULL, OPT_BENCHMARK}, NULL},
        {CLI_GROUP_ENVIRONMENT,
         {"environment", required_argument, NULL, OPT_ENVIRONMENT},
         "  --environment FP   only runs measured in that environment (a fingerprint)\n"},
        {CLI_GROUP_METRIC, {"metric", required_argument, NULL, OPT_METRIC}, NULL},
        {CLI_GROUP_LIMIT, {"limit", required_argument, NULL, OPT_LIMIT}, NULL},
        {CLI_GROUP_JSON,
         {"json", no_argument, NULL, OPT_JSON},
         "  --json             JSON on stdout\n"},
        {CLI_GROUP_CSV,
         {"csv", no_argument, NULL, OPT_CSV},
         "  --csv              CSV on stdout: a header line, then one line per row\n"},
        {CLI_GROUP_CONFIG,
         {"config", required_argument, NULL, OPT_CONFIG},
         "  --config FILE      the service config (default: $PERFWARDEN_CONFIG or\n"
         "                     $PERFWARDEN_HOME/config)\n"},
        {CLI_GROUP_DATABASE, {"database", required_argument, NULL, OPT_DATABASE}, NULL},
};

#define NSHARED (sizeof(shared) / sizeof(shared[0]))

/* Where a group's help goes: the selection first, own options, then output and service. */
static const unsigned groups_before_own =
        CLI_GROUP_REPO | CLI_GROUP_STORED_REPO | CLI_GROUP_PIPELINE | CLI_GROUP_GOLDEN |
        CLI_GROUP_BENCHMARK | CLI_GROUP_ENVIRONMENT | CLI_GROUP_METRIC | CLI_GROUP_LIMIT;

void cli_options_init(struct cli_options *o, const char *cmd, unsigned groups)
{
	struct pipeline_options po = PIPELINE_OPTIONS_INIT;

	memset(o, 0, sizeof(*o));
	o->cmd = cmd;
	o->groups = groups;
	o->limit_max = CLI_LIMIT_MAX;
	o->metric = STORE_METRIC_WALL;
	o->po = po;
	o->exit_code = CMD_ERROR;
}

static void metric_names(struct strbuf *out, const char *sep)
{
	int m;

	for (m = 0; m < STORE_METRIC_COUNT; m++)
		strbuf_addf(out, "%s%s", m ? sep : "", store_metric_name((enum store_metric)m));
}

/* `text` from column `indent` on, broken at spaces before column 90. */
static void wrap(FILE *out, const char *text, int indent)
{
	int col = indent;

	while (*text) {
		int word = (int)strcspn(text + 1, " ") + 1;

		if (col > indent && col + word > 90 && *text == ' ') {
			fprintf(out, "\n%*s", indent, "");
			col = indent;
			text++;
			word--;
		}
		fprintf(out, "%.*s", word, text);
		col += word;
		text += word;
	}
	fputc('\n', out);
}

static void usage_line(FILE *out, const struct cli_options *o, const struct shared_option *so)
{
	struct strbuf names = STRBUF_INIT;

	if (so->help) {
		fputs(so->help, out);
		return;
	}
	switch (so->opt.val) {
	case OPT_BENCHMARK:
		fprintf(out, "  --benchmark NAME   only this benchmark (default: every benchmark, "
		             "in turn);\n"
		             "                     a benchmark with params: each combination\n");
		break;
	case OPT_METRIC:
		metric_names(&names, ", ");
		strbuf_addf(&names, " (default: %s)", store_metric_name(o->metric));
		fprintf(out, "  --metric METRIC    ");
		wrap(out, names.buf, 21);
		break;
	case OPT_LIMIT:
		fprintf(out,
		        "  --limit N          at most N, %zu%s to %zu (default: ", o->limit_min,
		        o->limit_min ? "" : " (all)", o->limit_max);
		if (o->limit)
			fprintf(out, "%zu)\n", o->limit);
		else
			fprintf(out, "all)\n");
		break;
	case OPT_DATABASE:
		if (o->groups & CLI_GROUP_CONFIG)
			fputs("  --database CONN    PostgreSQL conninfo (default: the config's, "
			      "else\n"
			      "                     $PERFWARDEN_DATABASE_URL or the embedded "
			      "cluster)\n",
			      out);
		else
			fputs("  --database CONN    PostgreSQL conninfo (default: "
			      "$PERFWARDEN_DATABASE_URL\n"
			      "                     or the embedded cluster)\n",
			      out);
		break;
	}
	strbuf_release(&names);
}

static void usage_groups(FILE *out, const struct cli_options *o, unsigned which)
{
	size_t i;

	for (i = 0; i < NSHARED; i++)
		if (shared[i].group & o->groups & which)
			usage_line(out, o, &shared[i]);
}

void cli_usage(const struct cli_options *o, FILE *out)
{
	fputs(o->synopsis, out);
	usage_groups(out, o, groups_before_own);
	if (o->own_help)
		fputs(o->own_help, out);
	usage_groups(out, o, ~groups_before_own);
	if (o->notes) {
		fputc('\n', out);
		fputs(o->notes, out);
	}
}

int cli_bad_value(const struct cli_options *o, const char *name, const char *value,
                  const char *what)
{
	cmd_errorf(o->cmd, "'%s %s': expected %s", name, value, what);
	return CMD_ERROR;
}

int cli_number(const struct cli_options *o, const char *name, const char *value, long long min,
               long long max, long long *out)
{
	struct strbuf what = STRBUF_INIT;
	long long v = -1;
	size_t len = strlen(value);

	if (len && len <= 18 && strspn(value, "0123456789") == len)
		v = strtoll(value, NULL, 10);
	if (v >= min && v <= max) {
		*out = v;
		return 0;
	}
	strbuf_addf(&what, "a number from %lld to %lld", min, max);
	cli_bad_value(o, name, value, what.buf);
	strbuf_release(&what);
	return -1;
}

int cli_usage_error(const struct cli_options *o, const char *fmt, ...)
{
	struct strbuf msg = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&msg, fmt, ap);
	va_end(ap);
	cmd_errorf(o->cmd, "%s", msg.buf);
	strbuf_release(&msg);
	cli_usage(o, stderr);
	return CMD_ERROR;
}

int cli_resolve_commits(const struct cli_options *o, char *const *revs, size_t n,
                        struct strbuf *out)
{
	struct checkout_repo *repo = NULL;
	struct pw_error err = PW_ERROR_INIT;
	int ret = CMD_OK;
	size_t i;

	if (checkout_repo_open_local(&repo, o->repo, &err) < 0)
		repo = NULL;
	for (i = 0; i < n && ret == CMD_OK; i++) {
		pw_error_clear(&err);
		if (revision_resolve(repo, revs[i], &out[i], &err) == 0)
			continue;
		cmd_errorf(o->cmd, "%s%s", pw_error_message(&err), repo ? "" : " (--repo DIR)");
		ret = repo && err.code == PW_ENOTFOUND ? CMD_FAIL : CMD_ERROR;
	}
	checkout_repo_free(repo);
	pw_error_release(&err);
	return ret;
}

const char *cli_database(const struct cli_options *o, const char *config_database)
{
	return o->database ? o->database : config_database;
}

/* The table getopt_long reads: the declared groups' options, the own ones, --help. */
static void build_longopts(struct cli_options *o)
{
	const size_t room = sizeof(o->longopts_) / sizeof(o->longopts_[0]) - 2;
	const struct option *own;
	size_t i, n = 0;

	for (i = 0; i < NSHARED; i++)
		if (shared[i].group & o->groups && n < room)
			o->longopts_[n++] = shared[i].opt;
	for (own = o->own; own && own->name && n < room; own++)
		o->longopts_[n++] = *own;
	o->longopts_[n++] = (struct option){"help", no_argument, NULL, 'h'};
	o->longopts_[n] = (struct option){NULL, 0, NULL, 0};
}

/* Store one shared option's value; -1 after a message for a bad one. */
static int shared_option(struct cli_options *o, int opt, const char *arg)
{
	struct strbuf names = STRBUF_INIT;
	long long v;
	int ret = 0;

	switch (opt) {
	case OPT_REPO:
		o->repo = arg;
		break;
	case OPT_SPEC:
		o->po.spec_path = arg;
		break;
	case OPT_GOLDEN_DIR:
		o->golden_dir = arg;
		break;
	case OPT_WORKDIR:
		o->po.workdir = arg;
		break;
	case OPT_CPU:
		if ((ret = cli_number(o, "--cpu", arg, 0, 4095, &v)) == 0)
			o->po.cpu = (int)v;
		break;
	case OPT_FORCE:
		o->po.flags |= PIPELINE_FORCE;
		break;
	case OPT_INSTRUCTIONS:
		o->po.flags |= PIPELINE_INSTRUCTIONS;
		break;
	case OPT_BENCHMARK:
		o->benchmark = arg;
		break;
	case OPT_ENVIRONMENT:
		o->environment = arg;
		break;
	case OPT_METRIC:
		o->series_metric = NULL;
		if ((o->groups & CLI_GROUP_CASE_METRIC) &&
		    store_metric_parse(arg, &o->metric) < 0 && *arg && !strpbrk(arg, " \t\n")) {
			/* a harness case's metric, for --benchmark BENCH/CASE (checked at the end)
			 */
			o->series_metric = arg;
			o->metric = STORE_METRIC_WALL;
			break;
		}
		if (store_metric_parse(arg, &o->metric) < 0) {
			metric_names(&names, ", ");
			cli_bad_value(o, "--metric", arg, names.buf);
			ret = -1;
			break;
		}
		o->metric_name = store_metric_name(o->metric);
		break;
	case OPT_LIMIT:
		if ((ret = cli_number(o, "--limit", arg, (long long)o->limit_min,
		                      (long long)o->limit_max, &v)) == 0)
			o->limit = (size_t)v;
		break;
	case OPT_JSON:
		o->json = 1;
		break;
	case OPT_CSV:
		o->csv = 1;
		break;
	case OPT_CONFIG:
		o->config = arg;
		break;
	case OPT_DATABASE:
		o->database = arg;
		break;
	}
	strbuf_release(&names);
	return ret;
}

/* The message for what getopt_long refused (`c` is '?' or ':'); argv[optind - 1] is the culprit. */
static void bad_option(const struct cli_options *o, int c, char **argv)
{
	const char *arg = argv[optind - 1];
	const char *eq = strchr(arg, '=');

	if (c == ':')
		cmd_errorf(o->cmd, "option '%s' needs a value", arg);
	else if (!strncmp(arg, "--", 2) && optopt && eq)
		cmd_errorf(o->cmd, "option '%.*s' takes no value", (int)(eq - arg), arg);
	else if (strncmp(arg, "--", 2) && optopt)
		cmd_errorf(o->cmd, "unknown option '-%c' (see 'perfwarden %s --help')", optopt,
		           o->cmd);
	else
		cmd_errorf(o->cmd, "unknown option '%s' (see 'perfwarden %s --help')", arg, o->cmd);
}

int cli_next(struct cli_options *o, int argc, char **argv)
{
	int c;

	if (!o->started_) {
		build_longopts(o);
		optind = 1;
		opterr = 0;
		o->started_ = 1;
	}
	while ((c = getopt_long(argc, argv, ":h", o->longopts_, NULL)) != -1) {
		if (c == 'h') {
			cli_usage(o, stdout);
			o->exit_code = CMD_OK;
			return CLI_EXIT;
		}
		if (c == '?' || c == ':') {
			bad_option(o, c, argv);
			o->exit_code = CMD_ERROR;
			return CLI_EXIT;
		}
		if (c >= CLI_NEXT)
			return c;
		if (shared_option(o, c, optarg) < 0) {
			o->exit_code = CMD_ERROR;
			return CLI_EXIT;
		}
	}
	if (o->json && o->csv) {
		cmd_errorf(o->cmd, "--json and --csv do not go together");
		o->exit_code = CMD_ERROR;
		return CLI_EXIT;
	}
	if (o->series_metric && !(o->benchmark && strchr(o->benchmark, '/')) &&
	    strcmp(o->series_metric, "build") && strcmp(o->series_metric, "artefact_size")) {
		struct strbuf names = STRBUF_INIT;

		metric_names(&names, ", ");
		cli_bad_value(o, "--metric", o->series_metric, names.buf);
		strbuf_release(&names);
		o->exit_code = CMD_ERROR;
		return CLI_EXIT;
	}
	o->po.repo = o->repo;
	o->po.golden_dir = o->golden_dir;
	o->po.database = o->database;
	return CLI_END;
}

void cli_progress_init(struct cli_progress *pr, int quiet)
{
	pr->enabled = !quiet && isatty(STDERR_FILENO);
	pr->dirty = 0;
}

void cli_progress_line(void *arg, const char *line)
{
	struct cli_progress *pr = arg;

	if (!strncmp(line, "warning: ", 9)) {
		if (pr->enabled && pr->dirty)
			fprintf(stderr, "\r\033[K");
		pr->dirty = 0;
		fprintf(stderr, "perfwarden: %s\n", line);
		return;
	}
	if (!pr->enabled)
		return;
	fprintf(stderr, "\r\033[K%.*s", 100, line);
	fflush(stderr);
	pr->dirty = 1;
}

void cli_progress_done(struct cli_progress *pr)
{
	if (pr->enabled && pr->dirty)
		fprintf(stderr, "\r\033[K");
	pr->dirty = 0;
}

int cli_exit_for(int code)
{
	(void)code;
	return CMD_ERROR;
}

int cli_write_file(const char *cmd, const char *path, const char *text, size_t len)
{
	FILE *f;

	if (!strcmp(path, "-")) {
		fwrite(text, 1, len, stdout);
		return 0;
	}
	f = fopen(path, "w");
	if (!f) {
		cmd_errorf(cmd, "could not write '%s': %s", path, strerror(errno));
		return -1;
	}
	if (fwrite(text, 1, len, f) != len || fclose(f) != 0) {
		cmd_errorf(cmd, "could not write '%s': %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

void cli_human(char *out, size_t size, double v, const char *unit)
{
	if (isnan(v))
		snprintf(out, size, "-");
	else if (!strcmp(unit, "ns") && v >= 1e9)
		snprintf(out, size, "%.3f s", v / 1e9);
	else if (!strcmp(unit, "ns") && v < 1e3)
		snprintf(out, size, "%.1f ns", v); /* a harness case's times can be this short */
	else if (!strcmp(unit, "ns") && v < 1e5)
		snprintf(out, size, "%.2f us", v / 1e3);
	else if (!strcmp(unit, "ns"))
		snprintf(out, size, "%.3f ms", v / 1e6);
	else if (!strcmp(unit, "KiB"))
		snprintf(out, size, "%.1f MiB", v / 1024.0);
	else if (*unit)
		snprintf(out, size, "%.4g %s", v, unit);
	else
		snprintf(out, size, "%.0f", v);
}

size_t cli_run_values(const struct store_run_info *r, enum store_metric m, double *out)
{
	size_t i, n = 0;

	for (i = 0; i < r->nsamples; i++) {
		int64_t v = store_sample_metric(&r->samples[i], m);

		if (v != SAMPLE_ABSENT)
			out[n++] = (double)v;
	}
	return n;
}
