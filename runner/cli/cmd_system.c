/*
 * `perfwarden system show [--json] | tune | reset`: shows the machine's state
 * that matters for timing (runner/measure/system), and applies or undoes the fixed
 * cpu settings. Thin: parse, call the library, print.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "sandbox.h"
#include "system.h"

static const char usage[] = "usage: perfwarden system show [--json]\n"
                            "       perfwarden system tune    (root: performance governor, turbo "
                            "off, min freq = max)\n"
                            "       perfwarden system reset   (root: restore what tune changed)\n";

static void print_lines(const char *prefix, const struct strbuf *lines);

static int show(int json)
{
	struct system sys = SYSTEM_INIT;
	struct pw_error err = PW_ERROR_INIT;
	struct strbuf hex = STRBUF_INIT, box_line = STRBUF_INIT;
	struct sandbox box = SANDBOX_INIT;
	struct pw_error box_err = PW_ERROR_INIT;
	size_t i, wname = 4, wvalue = 5;
	int ret = CMD_OK, box_ok;

	if (system_read(&sys, NULL, &err)) {
		cmd_errorf("system", "%s", pw_error_message(&err));
		ret = CMD_ERROR;
		goto done;
	}
	box_ok = sandbox_probe(&box, &box_err) == 0;
	if (json) {
		json_t *doc = system_to_json(&sys), *sj = sandbox_json(&box);

		if (!box_ok)
			json_object_set_new(sj, "error", json_string(pw_error_message(&box_err)));
		json_object_set_new(doc, "sandbox", sj);

		json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
		json_decref(doc);
		goto done;
	}
	for (i = 0; i < sys.nitems; i++) {
		if (strlen(sys.items[i].name) > wname)
			wname = strlen(sys.items[i].name);
		if (strlen(sys.items[i].value) > wvalue)
			wvalue = strlen(sys.items[i].value);
	}
	printf("%-*s  %-*s  %-6s  %s\n", (int)wname, "item", (int)wvalue, "value", "status",
	       "advice");
	for (i = 0; i < sys.nitems; i++) {
		const struct system_item *it = &sys.items[i];

		printf("%-*s  %-*s  ", (int)wname, it->name, (int)wvalue, it->value);
		if (*it->advice)
			printf("%-6s  %s\n", system_status_name(it->status), it->advice);
		else
			printf("%s\n", system_status_name(it->status));
	}
	system_fingerprint(&sys, &hex, NULL);
	printf("\nfingerprint %s, default benchmark cpu %d\n", hex.buf, system_default_cpu(&sys));
	if (box_ok) {
		sandbox_describe(&box, &box_line);
		printf("sandbox for builds and benchmarks: %s\n", box_line.buf);
	} else {
		printf("sandbox for builds and benchmarks: none: %s\n", pw_error_message(&box_err));
	}
	print_lines("  not available: ", &box.notes);
done:
	strbuf_release(&box_line);
	pw_error_release(&box_err);
	sandbox_release(&box);
	strbuf_release(&hex);
	pw_error_release(&err);
	system_release(&sys);
	return ret;
}

static void print_lines(const char *prefix, const struct strbuf *lines)
{
	const char *p = strbuf_str(lines);

	while (*p) {
		const char *eol = strchrnul(p, '\n');

		printf("%s%.*s\n", prefix, (int)(eol - p), p);
		p = *eol ? eol + 1 : eol;
	}
}

static int tune_or_reset(int tune)
{
	struct system_changes ch = SYSTEM_CHANGES_INIT;
	struct pw_error err = PW_ERROR_INIT;
	struct strbuf state = STRBUF_INIT;
	int ret = CMD_OK, rc;

	system_tune_state_path(&state);
	rc = tune ? system_tune(NULL, state.buf, &ch, &err)
	          : system_reset(NULL, state.buf, &ch, &err);
	print_lines(tune ? "changed " : "restored ", &ch.changed);
	print_lines("not available: ", &ch.unavailable);
	if (rc == PW_ENOTFOUND && !tune) {
		printf("nothing to restore (%s does not exist)\n", state.buf);
	} else if (rc) {
		cmd_errorf("system", "%s", pw_error_message(&err));
		ret = CMD_ERROR;
	} else if (tune && ch.nchanged) {
		printf("saved the previous values to %s; 'perfwarden system reset' restores them\n",
		       state.buf);
	} else if (tune) {
		printf("nothing to change\n");
	}
	system_changes_release(&ch);
	pw_error_release(&err);
	strbuf_release(&state);
	return ret;
}

int cmd_system(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? CMD_ERROR : CMD_OK;
	}
	if (!strcmp(argv[1], "show")) {
		int i, json = 0;

		for (i = 2; i < argc; i++) {
			if (strcmp(argv[i], "--json")) {
				cmd_errorf("system", "unexpected argument '%s'", argv[i]);
				fputs(usage, stderr);
				return CMD_ERROR;
			}
			json = 1;
		}
		return show(json);
	} else if ((!strcmp(argv[1], "tune") || !strcmp(argv[1], "reset")) && argc == 2) {
		return tune_or_reset(!strcmp(argv[1], "tune"));
	} else if (strcmp(argv[1], "tune") && strcmp(argv[1], "reset")) {
		cmd_errorf("system", "unknown subcommand '%s'", argv[1]);
		fputs(usage, stderr);
		return CMD_ERROR;
	}
	cmd_errorf("system", "unexpected argument '%s'", argv[2]);
	fputs(usage, stderr);
	return CMD_ERROR;
}
