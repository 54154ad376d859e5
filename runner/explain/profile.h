#ifndef PERFWARDEN_PROFILE_H
#define PERFWARDEN_PROFILE_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "error.h"
#include "strbuf.h"

/*
 * runner/explain/profile: one benchmark's profile on one commit, read from
 * valgrind's files, and its one stored form.
 *
 * The time part comes from callgrind (`--dump-line=yes`, one file per
 * process of the command's tree, summed): per function its exclusive
 * ("self") and inclusive cost for every event callgrind counted (Ir, and
 * with the cache and branch simulations Dr, D1mr, Bcm, ...), the calls
 * between functions, and per source line of the project's own files (those
 * under the commit's worktree, named relative to it) the line's cost
 * including the calls it makes — line_profiler's view — with the line's
 * text. The heap part comes from massif: the peak snapshot's allocation
 * sites (the functions that called malloc, new, ...), with their bytes.
 *
 * Functions are named by symbol and object file (the object's base name, so
 * that the same program built in two worktrees matches); a function without
 * a symbol keeps callgrind's address name. Files outside the worktree (libc,
 * libm) keep their own names and have no lines.
 */

#define PROFILE_MAX_EVENTS 16

struct profile_fn {
	char *name;   /* "escape_count", "hypot", "0x0000000000001050" */
	char *object; /* base name of the object file: "julia", "libm.so.6"; "" unknown */
	char *file;   /* the function's file (relative to the worktree when under it); "" */
	int64_t self[PROFILE_MAX_EVENTS];
	int64_t incl[PROFILE_MAX_EVENTS];
};

struct profile_line {
	size_t fn;  /* index into functions */
	char *file; /* relative to the worktree */
	int line;
	char *text; /* the source line, trimmed; NULL when the file could not be read */
	int64_t cost[PROFILE_MAX_EVENTS]; /* including the calls made from the line */
};

struct profile_call {
	size_t caller, callee;            /* indexes into functions */
	int64_t count;                    /* how many calls */
	int64_t cost[PROFILE_MAX_EVENTS]; /* inclusive cost of those calls */
};

/* One allocation site of massif's peak snapshot. */
struct profile_site {
	char *fn;   /* the function that called the allocator; "" when unknown */
	char *file; /* relative to the worktree when under it; "" unknown */
	int line;   /* 0 unknown */
	char *text; /* the source line, trimmed; NULL when not read */
	int64_t bytes;
};

struct profile {
	/* time (callgrind) */
	int has_time;
	char *events[PROFILE_MAX_EVENTS];
	size_t nevents;
	int64_t totals[PROFILE_MAX_EVENTS];
	struct profile_fn *fns;
	size_t nfns, fns_alloc;
	struct profile_line *lines;
	size_t nlines, lines_alloc;
	struct profile_call *calls;
	size_t ncalls, calls_alloc;
	size_t processes; /* callgrind files read */
	char *options;    /* what callgrind was asked beside the default: "", "cache-sim" */

	/* heap (massif) */
	int has_heap;
	int64_t heap_peak_bytes; /* the peak snapshot's heap (useful + extra), summed over processes
	                          */
	struct profile_site *sites;
	size_t nsites, sites_alloc;
	size_t heap_processes;

	void *index_; /* private: lookup tables while reading */
};

#define PROFILE_INIT                                                                               \
	{                                                                                          \
		0                                                                                  \
	}

void profile_release(struct profile *pr);

/* The index of event `name` ("Ir") in pr->events, or -1. */
int profile_event(const struct profile *pr, const char *name);

/*
 * Add callgrind output file `path` to `pr` (summed with what it holds), with
 * `worktree` (may be NULL) the directory whose files are the project's:
 * their names are made relative to it and their lines kept. A file whose
 * events differ from those already read is refused. PW_EIO when it cannot be
 * read, PW_EINVALID when it is not callgrind's format.
 */
int profile_add_callgrind(struct profile *pr, const char *path, const char *worktree,
                          struct pw_error *err);

/*
 * Add massif output file `path` (its peak snapshot, else its largest
 * detailed one) to `pr`'s heap part, sites summed by function and line.
 * Errors as profile_add_callgrind().
 */
int profile_add_massif(struct profile *pr, const char *path, const char *worktree,
                       struct pw_error *err);

/* Fill each line's and site's text from the files under `worktree` (absent files stay NULL). */
void profile_read_sources(struct profile *pr, const char *worktree);

/*
 * The stored form: JSON (version 1) holding the time part, the heap part or
 * both (`parts`: PROFILE_PART_*), and back. profile_from_json() releases
 * `pr` first and adds the parts the document holds; PW_EINVALID when it is
 * not such a document.
 */
enum profile_parts {
	PROFILE_PART_TIME = 1 << 0,
	PROFILE_PART_HEAP = 1 << 1,
};

json_t *profile_to_json(const struct profile *pr, unsigned parts);
int profile_from_json(struct profile *pr, const json_t *doc, struct pw_error *err);

/*
 * zlib: `in` compressed into `out` (appended), and back. PW_EINVALID for
 * data that is not zlib's (or inflates past `max` bytes: 0 for 1 GiB).
 */
int profile_compress(const void *in, size_t len, struct strbuf *out, struct pw_error *err);
int profile_uncompress(const void *in, size_t len, size_t max, struct strbuf *out,
                       struct pw_error *err);

#endif
