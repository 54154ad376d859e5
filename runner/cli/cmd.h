#ifndef PERFWARDEN_CMD_H
#define PERFWARDEN_CMD_H

/*
 * The subcommands. Each lives in its own runner/cli/cmd_<name>.c, parses its
 * options, calls the library, prints, and returns the process exit code:
 *   0  success (for verdict commands: everything passed)
 *   1  a negative answer (mismatch, regression, unknown commit in a query)
 *   2  could not tell: bad arguments, unreadable input, unreachable database
 * argv[0] is the subcommand's name.
 */
enum cmd_exit {
	CMD_OK = 0,
	CMD_FAIL = 1,
	CMD_ERROR = 2,
};

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

int cmd_verify(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_bisect(int argc, char **argv);
int cmd_system(int argc, char **argv);
int cmd_db(int argc, char **argv);
int cmd_history(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_worker(int argc, char **argv);
int cmd_enqueue(int argc, char **argv);
int cmd_jobs(int argc, char **argv);
int cmd_notify(int argc, char **argv);
int cmd_golden(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_spec(int argc, char **argv);
int cmd_explain(int argc, char **argv);

/* The command called `name` in the table, or NULL when this perfwarden has none. */
const struct cmd *cmd_find(const char *name);

/* Print "perfwarden <name>: <message>" on stderr (the one shape of every error line). */
void cmd_errorf(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
