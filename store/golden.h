#ifndef PERFWARDEN_STORE_GOLDEN_H
#define PERFWARDEN_STORE_GOLDEN_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "strbuf.h"

/*
 * Golden sets kept in the database (table golden_sets, migration 0007), so
 * that every worker verifies against the same set. A set is a name, a mode
 * ("grid", "digest", "json"), its check text (NAME.sum's text, or the
 * sha256), the expected output (NAME.out; absent for a digest-only set) and
 * its provenance (a JSON object, or none). Recording a name again adds a
 * version; readers get the newest. runner/measure/golden turns these rows
 * into verify sets and back.
 */
struct store_golden {
	int64_t id;
	char *name;
	char *mode;
	struct strbuf check;
	struct strbuf expected; /* the bytes of NAME.out */
	int has_expected;
	char *provenance_json; /* NULL: none */
	char *created_at;      /* ISO 8601 */
};

#define STORE_GOLDEN_INIT                                                                          \
	{                                                                                          \
		0, NULL, NULL, STRBUF_INIT, STRBUF_INIT, 0, NULL, NULL                             \
	}

void store_golden_release(struct store_golden *g);

/*
 * Add a version of set g->name (g->id and created_at are ignored); its id
 * into *id (may be NULL). PW_EINVALID for a bad name or mode or provenance
 * that is not JSON, PW_EDB otherwise.
 */
int store_golden_put(struct store *s, const struct store_golden *g, int64_t *id,
                     struct pw_error *err);

/*
 * The newest version of set `name` into `out` (released first).
 * PW_ENOTFOUND ("no golden set 'x' in the store") when there is none; PW_EDB.
 */
int store_golden_get(struct store *s, const char *name, struct store_golden *out,
                     struct pw_error *err);

/* The newest version of every set, by name; without their output bytes. */
struct store_golden_list {
	struct store_golden *sets;
	size_t nsets;
	size_t *versions; /* how many versions each name has */
};

#define STORE_GOLDEN_LIST_INIT                                                                     \
	{                                                                                          \
		NULL, 0, NULL                                                                      \
	}

int store_golden_list(struct store *s, struct store_golden_list *out, struct pw_error *err);
void store_golden_list_release(struct store_golden_list *l);

#endif
