#ifndef PERFWARDEN_SYSTEM_H
#define PERFWARDEN_SYSTEM_H

#include <jansson.h>

#include "error.h"
#include "strbuf.h"

/*
 * runner/measure/system: the machine's state that matters for timing, read from
 * sysfs and procfs, judged for benchmarking, and condensed into an
 * environment fingerprint; plus `system tune/reset`, which apply and undo
 * the fixed CPU settings.
 *
 * Every file is read under a root directory: $PERFWARDEN_SYSFS_ROOT when set
 * (a fixture tree in tests), else "/". A missing file is "not available",
 * never an error.
 */

enum system_status {
	SYSTEM_NA = 0, /* informational, or not available */
	SYSTEM_GOOD,   /* as a benchmark wants it */
	SYSTEM_BAD,    /* adds noise; `advice` says what to do */
};

/* One line of `perfwarden system show`. All strings owned by the struct system. */
struct system_item {
	char *name;
	char *value;
	enum system_status status;
	char *advice; /* "" when there is nothing to do */
};

/*
 * The machine's state. system_init() then system_read(); system_release()
 * frees it. The parsed fields are what the fingerprint and the default cpu are
 * made of; strings are "" when not available.
 */
struct system {
	char *root; /* the root it was read under */
	struct system_item *items;
	size_t nitems, alloc;

	char *hostname;
	char *cpu_model;
	char *kernel;
	char *online;   /* "0-3" */
	char *isolated; /* "" when none */
	int ncpus_online;
	char *governor; /* "performance", or "cpu0=powersave,cpu1=performance" when mixed */
	char *turbo;    /* "on", "off", or "" */
	char *aslr;     /* randomize_va_space: "0", "1", "2", or "" */
	char *smt;      /* smt/active: "0", "1", or "" */
};

#define SYSTEM_INIT                                                                                \
	{                                                                                          \
		NULL, NULL, 0, 0, NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL          \
	}

void system_init(struct system *sys);

/* Free everything system_read() filled; the struct is SYSTEM_INIT again. */
void system_release(struct system *sys);

/* $PERFWARDEN_SYSFS_ROOT, or "/" when unset or empty. Borrowed. */
const char *system_root(void);

/*
 * Read the machine's state under `root` (NULL: system_root()) into `sys`
 * (released first). Missing files become "not available" items. Returns 0;
 * fails (PW_EINVALID) only when `root` itself is not a directory.
 */
int system_read(struct system *sys, const char *root, struct pw_error *err);

/* The item called `name`, or NULL. Borrowed. */
const struct system_item *system_item_find(const struct system *sys, const char *name);

/* "good", "bad" or "n/a". */
const char *system_status_name(enum system_status status);

/*
 * The cpu a benchmark is pinned to by default: the first isolated cpu, else
 * the last online cpu, else 0 when neither is known.
 */
int system_default_cpu(const struct system *sys);

/*
 * A cpu for work beside the timing runs (e.g. counting instructions under
 * valgrind while `timing_cpu` is measured): the lowest online cpu other than
 * `timing_cpu` that is not its SMT sibling (thread_siblings_list), else a
 * sibling, else -1 when `timing_cpu` is the only online cpu or the online list
 * is not known. It comes from sysfs only: the runner's own affinity mask is
 * not consulted.
 */
int system_spare_cpu(const struct system *sys, int timing_cpu);

/*
 * The environment fingerprint: 16 hex characters (the first 8 bytes of a
 * SHA-256) over hostname, cpu model, online cpu count, governor, turbo state,
 * SMT state, ASLR setting and kernel release — the same machine with the same
 * settings gives the same fingerprint; changing one of them changes it.
 * Appends the hex to `hex`. When `details` is non-NULL, *details is a new
 * JSON object of exactly the hashed fields (the caller json_decref()s it).
 */
void system_fingerprint(const struct system *sys, struct strbuf *hex, json_t **details);

/*
 * Everything as one JSON document: {"root", "fingerprint", "fingerprint_details",
 * "default_cpu", "items": [{"name","value","status","advice"}]}. New
 * reference, the caller json_decref()s it.
 */
json_t *system_to_json(const struct system *sys);

/* What system_tune()/system_reset() did, one line each; release with system_changes_release(). */
struct system_changes {
	struct strbuf changed;     /* "PATH: OLD -> NEW\n" per file written */
	struct strbuf unavailable; /* "PATH\n" per setting whose file does not exist */
	int nchanged;
};

#define SYSTEM_CHANGES_INIT                                                                        \
	{                                                                                          \
		STRBUF_INIT, STRBUF_INIT, 0                                                        \
	}

void system_changes_release(struct system_changes *ch);

/*
 * Apply the fixed benchmark settings under `root` (NULL: system_root()): the
 * performance governor, turbo/boost off (intel_pstate/no_turbo = 1,
 * cpufreq/boost = 0), and scaling_min_freq = scaling_max_freq, for every
 * online cpu where the files exist. The previous contents of each file
 * written are saved, byte for byte, to `state_path` (JSON; merged with an
 * earlier unrestored tune, so the original values are kept). Fills `ch`.
 * Requires root: PW_EUNSUPPORTED ("system tune must run as root") otherwise;
 * PW_EIO when a file cannot be written or the state not saved.
 */
int system_tune(const char *root, const char *state_path, struct system_changes *ch,
                struct pw_error *err);

/*
 * Restore what system_tune() saved in `state_path` (in reverse order) and
 * remove the file. PW_ENOTFOUND when there is nothing to restore; PW_EUNSUPPORTED
 * when not root; PW_EINVALID for a garbled state file; PW_EIO on write errors.
 */
int system_reset(const char *root, const char *state_path, struct system_changes *ch,
                 struct pw_error *err);

/* $PERFWARDEN_HOME/system-tune.json, appended to `out`. */
void system_tune_state_path(struct strbuf *out);

#endif
