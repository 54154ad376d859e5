/*
 * `perfwarden verify [--golden-dir DIR] [--tolerance X] [--json] NAME FILE`:
 * compares FILE with golden set NAME (runner/measure/verify.h) and prints the
 * verdict. Exit 0 when FILE matches, 1 when it does not (with the report),
 * 2 when it cannot tell (bad arguments, missing golden set, unreadable file).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "paths.h"
#include "verify.h"

static const char synopsis[] =
        "usage: perfwarden verify [--golden-dir DIR] [--tolerance X] [--json] NAME FILE\n"
        "\n"
        "Compare FILE with the golden set NAME (DIR/NAME.sum and DIR/NAME.out): the\n"
        "checksum first, then cell by cell.\n"
        "\n";

static const char own_help[] =
        "  --tolerance X      allow cells to differ by up to X (default 0: exact)\n";

static const char notes[] = "exit 0: FILE matches; 1: it does not; 2: cannot tell\n";

enum { OPT_TOLERANCE = CLI_NEXT };

static const struct option own_options[] = {
        {"tolerance", required_argument, NULL, OPT_TOLERANCE},
        {NULL, 0, NULL, 0},
};

static int parse_tolerance(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return *s && !*end && !errno && isfinite(*out) && *out >= 0 ? 0 : -1;
}

/* The command line into `o` and `opts`; -1: exit with o->exit_code. */
static int parse_options(int argc, char **argv, struct cli_options *o, struct verify_options *opts)
{
	int c;

	cli_options_init(o, "verify", CLI_GROUP_GOLDEN | CLI_GROUP_JSON);
	o->synopsis = synopsis;
	o->own_help = own_help;
	o->notes = notes;
	o->own = own_options;
	while ((c = cli_next(o, argc, argv)) == OPT_TOLERANCE) {
		if (parse_tolerance(optarg, &opts->tolerance) < 0) {
			cmd_errorf("verify", "invalid tolerance '%s': expected a number >= 0",
			           optarg);
			return -1;
		}
	}
	if (c == CLI_EXIT)
		return -1;
	if (argc - optind > 2) {
		cmd_errorf("verify", "too many arguments (expected NAME FILE)");
		return -1;
	}
	if (argc - optind != 2) {
		o->exit_code = cli_usage_error(o, "expected a golden set NAME and an output FILE");
		return -1;
	}
	return 0;
}

int cmd_verify(int argc, char **argv)
{
	struct cli_options o;
	struct verify_options opts = VERIFY_OPTIONS_INIT;
	struct verify_report rep;
	struct pw_error err = PW_ERROR_INIT;
	struct strbuf dir = STRBUF_INIT, text = STRBUF_INIT;
	const char *args[2];
	int json, ret = CMD_ERROR;

	if (parse_options(argc, argv, &o, &opts) < 0)
		return o.exit_code;
	verify_report_init(&rep);
	args[0] = argv[optind];
	args[1] = argv[optind + 1];
	json = o.json;
	if (o.golden_dir)
		strbuf_addstr(&dir, o.golden_dir);
	if (!dir.len)
		paths_golden_dir(&dir);

	if (verify_golden(&rep, dir.buf, args[0], args[1], &opts, &err) < 0) {
		cmd_errorf("verify", "%s", pw_error_message(&err));
		goto done;
	}
	if (json) {
		json_t *j = verify_report_json(&rep);
		char *s = j ? json_dumps(j, JSON_INDENT(2)) : NULL;

		if (s)
			puts(s);
		else
			cmd_errorf("verify", "could not build the JSON report");
		free(s);
		json_decref(j);
		if (!s)
			goto done;
	} else {
		verify_report_format(&rep, &text);
		fputs(text.buf, stdout);
	}
	ret = rep.matched ? CMD_OK : CMD_FAIL;
done:
	verify_report_release(&rep);
	pw_error_release(&err);
	strbuf_release(&dir);
	strbuf_release(&text);
	return ret;
}
