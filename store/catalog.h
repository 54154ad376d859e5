#ifndef PERFWARDEN_CATALOG_H
#define PERFWARDEN_CATALOG_H

#include <stddef.h>

#include "db.h"

/*
 * What the database holds, for the dashboard's pickers (`GET /api/repos`):
 * one row per (repository, benchmark, environment) that has runs, with how
 * many commits and runs each has. Ordered by repository location, benchmark,
 * fingerprint.
 */
struct store_catalog_row {
	char *repo_location;
	char *repo_name;
	char *benchmark;
	char *fingerprint;
	size_t commits; /* distinct commits with a run */
	size_t runs;    /* every stored run, measurements repeated on a commit included */
	char *latest;   /* the newest such commit's full hash (author time) */
};

struct store_catalog {
	struct store_catalog_row *rows;
	size_t nrows;
};

#define STORE_CATALOG_INIT                                                                         \
	{                                                                                          \
		NULL, 0                                                                            \
	}

/* Fill `out` (empty when nothing was stored). PW_EDB on failure. Release with
 * store_catalog_release(). */
int store_catalog_load(struct store *s, struct store_catalog *out, struct pw_error *err);

void store_catalog_release(struct store_catalog *c);

/*
 * The details (a JSON object, as stored from `system show --json`) of the
 * environment `fingerprint`, appended to `out`. PW_ENOTFOUND when unknown.
 */
int store_environment_details(struct store *s, const char *fingerprint, struct strbuf *out,
                              struct pw_error *err);

#endif
