#ifndef PERFWARDEN_STORE_PROFILES_H
#define PERFWARDEN_STORE_PROFILES_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "strbuf.h"

/*
 * Profiles kept in the database (table profiles, migration 0009): the
 * compressed bytes of one benchmark's profile on one commit, made by one
 * tool ("callgrind", "massif") with some options, on one machine. The store
 * neither knows nor checks what the bytes hold (runner/explain/profile
 * does). Profiling again appends; readers get the newest.
 */
struct store_profile_key {
	const char *repository; /* the repository's location, as runs store it */
	const char *commit;     /* full hash */
	const char *benchmark;
	const char *environment; /* fingerprint */
	const char *tool;        /* "callgrind" or "massif" */
	const char *options;     /* "" for the default */
	/*
	 * The spec in force (its hash): a profile is of the build that spec
	 * makes. put: "" or NULL when not known; get: NULL or "" for any.
	 */
	const char *spec_hash;
};

/*
 * Append a profile: `data` (len bytes, compressed), `raw_bytes` its size
 * before compression, `build` the build's artefact digest ("" or NULL when
 * not known). PW_EINVALID for a key with an empty field or an unknown tool,
 * PW_EDB otherwise.
 */
int store_profile_put(struct store *s, const struct store_profile_key *key, const char *build,
                      const void *data, size_t len, int64_t raw_bytes, struct pw_error *err);

/*
 * The newest profile for `key`, its bytes appended to `data` and its id to
 * *id (may be NULL). PW_ENOTFOUND when there is none, PW_EDB.
 */
int store_profile_get(struct store *s, const struct store_profile_key *key, struct strbuf *data,
                      int64_t *id, struct pw_error *err);

#endif
