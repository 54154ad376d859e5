#ifndef PERFWARDEN_ERROR_H
#define PERFWARDEN_ERROR_H

#include "strbuf.h"

/*
 * One project-wide set of error codes. Every function that can fail returns 0
 * on success or one of these negative codes, and writes the human-readable
 * detail into a `struct pw_error` the caller owns. Callers decide from the
 * return value, never from the message.
 */
enum pw_error_code {
	PW_OK = 0,
	PW_ERROR = -1,        /* generic failure */
	PW_ENOTFOUND = -2,    /* a named thing (file, commit, golden set, row) does not exist */
	PW_EINVALID = -3,     /* malformed input: bad argument, bad spec, garbled file */
	PW_EIO = -4,          /* an operating-system call failed */
	PW_ETIMEOUT = -5,     /* something took longer than it was allowed */
	PW_EDB = -6,          /* the database refused, or could not be reached */
	PW_EEXISTS = -7,      /* the thing to create already exists */
	PW_EUNSUPPORTED = -8, /* this machine cannot do it (e.g. no hardware counters) */
	PW_EMISMATCH = -9,    /* compared things differ (e.g. output vs golden) */
};

/*
 * The error record: a code and a message in the house style (lowercase, no
 * full stop, the subject quoted, the cause last). Start it as PW_ERROR_INIT
 * and release it with pw_error_release() once done.
 */
struct pw_error {
	int code;
	struct strbuf msg;
};

#define PW_ERROR_INIT                                                                              \
	{                                                                                          \
		0, STRBUF_INIT                                                                     \
	}

/*
 * Record `code` with a printf-style message, replacing any earlier one.
 * Returns `code`, so `return pw_error_set(err, PW_EIO, "...")` reads naturally.
 * `err` may be NULL, in which case only the code is returned.
 */
int pw_error_set(struct pw_error *err, int code, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* Like pw_error_set(), appending ": strerror(errno)" to the message. */
int pw_error_errno(struct pw_error *err, int code, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* Prefix the existing message with "<prefix>: " (for adding context on the way up). */
void pw_error_prefix(struct pw_error *err, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

/* The message, or "unknown error" when none was recorded. Borrowed. */
const char *pw_error_message(const struct pw_error *err);

/* Forget the recorded error, keeping the record usable. */
void pw_error_clear(struct pw_error *err);

/* Free the message. */
void pw_error_release(struct pw_error *err);

#endif
