#ifndef PERFWARDEN_STRBUF_H
#define PERFWARDEN_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

/*
 * The one growable string of the project (after git's strbuf and curl's
 * dynbuf). `buf` is always NUL-terminated once anything was added; a fresh
 * STRBUF_INIT buffer reads as "" through strbuf_str().
 *
 * A buffer may carry a maximum size (strbuf_setmax). Appending past it either
 * fails (the buffer keeps what it had and the call returns -1) or, with
 * STRBUF_KEEP_TAIL, drops the oldest bytes so the buffer holds the newest
 * `max` bytes: that is how captured logs keep their last 64 KiB.
 *
 * Allocation failure aborts the process (as git's xmalloc does): there is no
 * useful recovery from it in perfwarden.
 */
enum strbuf_flags {
	STRBUF_KEEP_TAIL = 1 << 0,
};

struct strbuf {
	char *buf;
	size_t len;
	size_t alloc;
	size_t max;     /* 0: unbounded */
	unsigned flags; /* enum strbuf_flags */
	size_t dropped; /* bytes dropped from the front under STRBUF_KEEP_TAIL */
};

#define STRBUF_INIT                                                                                \
	{                                                                                          \
		NULL, 0, 0, 0, 0, 0                                                                \
	}

/* Bound the buffer to `max` bytes (0: unbounded), with `flags` from enum strbuf_flags. */
void strbuf_setmax(struct strbuf *sb, size_t max, unsigned flags);

/* Append bytes; 0 on success, -1 when the maximum forbids it (buffer unchanged). */
int strbuf_add(struct strbuf *sb, const void *data, size_t len);
int strbuf_addstr(struct strbuf *sb, const char *s);
int strbuf_addch(struct strbuf *sb, int c);
int strbuf_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap);

/* Make sure `extra` more bytes fit without reallocating. */
void strbuf_grow(struct strbuf *sb, size_t extra);

/* Shorten to `len` bytes (no-op when already shorter). */
void strbuf_setlen(struct strbuf *sb, size_t len);

/* Empty the buffer, keeping its allocation and maximum. */
void strbuf_reset(struct strbuf *sb);

/* Drop trailing whitespace. */
void strbuf_rtrim(struct strbuf *sb);

/* The contents as a C string; "" for an empty buffer. Borrowed. */
const char *strbuf_str(const struct strbuf *sb);

/* Hand the contents to the caller (free() it) and reset the buffer. Never NULL. */
char *strbuf_detach(struct strbuf *sb, size_t *len);

/* Free the contents; the buffer is STRBUF_INIT again (maximum forgotten). */
void strbuf_release(struct strbuf *sb);

/*
 * Read all of `fd` (until EOF) and append it. Returns 0, or -1 with errno set
 * on a read error. Bytes over the maximum follow the buffer's policy: dropped
 * from the front under STRBUF_KEEP_TAIL, else the read stops and -1 is
 * returned with errno = EFBIG.
 */
int strbuf_read_fd(struct strbuf *sb, int fd);

/* Read a whole file and append it; 0, or -1 with errno set. */
int strbuf_read_file(struct strbuf *sb, const char *path);

/* Write the buffer to `path` (created or truncated, mode 0644); 0, or -1 with errno set. */
int strbuf_write_file(const struct strbuf *sb, const char *path);

#endif
