/*
 * `perfwarden verify [--golden-dir DIR] [--tolerance X] [--json] NAME FILE`:
 * compares FILE with golden set NAME (runner/verify.h) and prints the
 * verdict. Exit 0 when FILE matches, 1 when it does not (with the report),
 * 2 when it cannot tell (bad arguments, missing golden set, unreadable file).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "paths.h"
#include "verify.h"

static const char usage[] =
        "usage: perfwarden verify [--golden-dir DIR] [--tolerance X] [--json] NAME FILE\n"
        "\n"
        "Compare FILE with the golden set NAME (DIR/NAME.sum and DIR/NAME.out): the\n"
        "checksum first, then cell by cell.\n"
        "\n"
        "  --golden-dir DIR  where golden sets live (default $PERFWARDEN_GOLDEN_DIR,\n"
        "                    else the project's golden/)\n"
        "  --tolerance X     allow cells to differ by up to X (default 0: exact)\n"
        "  --json            print the report as JSON\n"
        "\n"
        "exit 0: FILE matches; 1: it does not; 2: cannot tell\n";

static int parse_tolerance(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return *s && !*end && !errno && isfinite(*out) && *out >= 0 ? 0 : -1;
}

int cmd_verify(int argc, char **argv)
{
	struct verify_options opts = VERIFY_OPTIONS_INIT;
	struct verify_report rep;
	struct pw_error err = PW_ERROR_INIT;
	struct strbuf dir = STRBUF_INIT, text = STRBUF_INIT;
	const char *args[2];
	int nargs = 0, json = 0, positional_only = 0, i, ret = CMD_ERROR;

	verify_report_init(&rep);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		int is_option = !positional_only && a[0] == '-' && a[1];

		if (!is_option) {
			if (nargs == 2) {
				cmd_errorf("verify", "too many arguments (expected NAME FILE)");
				goto done;
			}
			args[nargs++] = a;
		} else if (!strcmp(a, "--")) {
			positional_only = 1;
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(usage, stdout);
			ret = CMD_OK;
			goto done;
		} else if (!strcmp(a, "--json")) {
			json = 1;
		} else if (strcmp(a, "--golden-dir") && strcmp(a, "--tolerance")) {
			cmd_errorf("verify", "unknown option '%s' (see 'perfwarden verify --help')",
			           a);
			goto done;
		} else if (i + 1 >= argc) {
			cmd_errorf("verify", "option '%s' needs a value", a);
			goto done;
		} else if (!strcmp(a, "--golden-dir")) {
			strbuf_reset(&dir);
			strbuf_addstr(&dir, argv[++i]);
		} else if (parse_tolerance(argv[++i], &opts.tolerance) < 0) {
			cmd_errorf("verify", "invalid tolerance '%s': expected a number >= 0",
			           argv[i]);
			goto done;
		}
	}
	if (nargs != 2) {
		cmd_errorf("verify", "expected a golden set NAME and an output FILE");
		fputs(usage, stderr);
		goto done;
	}
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
