#ifndef PERFWARDEN_STORE_INTERNAL_H
#define PERFWARDEN_STORE_INTERNAL_H

/*
 * Helpers shared by the files of store/ only (not part of the store API;
 * nothing outside store/ includes this). Implemented in db.c.
 */
#include "db.h"

struct pg_result;

/* 0 when `res` has status `want`, else PW_EDB with "<what>: <server message>". */
int store_check(struct store *s, struct pg_result *res, int want, const char *what,
                struct pw_error *err);

/* Run a parameterless statement; PW_EDB with the server's message on failure. */
int store_exec(struct store *s, const char *sql, struct pw_error *err);

/* Run a statement whose failure does not matter (ROLLBACK, unlock). */
void store_exec_quiet(struct store *s, const char *sql);

/*
 * Run the statement `sql` as the prepared statement number `id` (0..31, one
 * per call site), preparing it on first use on this connection. Parse and
 * plan once per connection instead of once per call. The PGresult is the
 * caller's (PQclear); NULL only when out of memory.
 */
struct pg_result *store_exec_prepared(struct store *s, unsigned id, const char *sql, int nparams,
                                      const char *const *params);

/*
 * Append `s` to `out` with every invalid UTF-8 sequence replaced by U+FFFD:
 * PostgreSQL and JSON both refuse invalid UTF-8, and a build log with a
 * stray byte must not cost the measurements.
 */
void store_utf8_sanitize(struct strbuf *out, const char *s);

/* Whether `s` is valid UTF-8. */
int store_utf8_valid(const char *s);

/* A result's value as a malloc'd string (NULL for SQL NULL), or as a double (NAN for NULL). */
char *store_value_dup(struct pg_result *res, int row, int col);
double store_value_double(struct pg_result *res, int row, int col);

/* Whether the connection was lost (so a retry may help). */
int store_connection_lost(struct store *s);

#endif
