/*
 * The growable string used for captured output, built messages and file
 * contents everywhere in perfwarden, with an optional bound that either
 * refuses or keeps the tail.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "strbuf.h"

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		abort();
	return q;
}

void strbuf_grow(struct strbuf *sb, size_t extra)
{
	size_t want = sb->len + extra + 1;

	if (want <= sb->alloc)
		return;
	if (want < sb->alloc * 2)
		want = sb->alloc * 2;
	if (want < 64)
		want = 64;
	sb->buf = xrealloc(sb->buf, want);
	sb->alloc = want;
}

void strbuf_setmax(struct strbuf *sb, size_t max, unsigned flags)
{
	sb->max = max;
	sb->flags = flags;
}

static void drop_front(struct strbuf *sb, size_t n)
{
	if (n > sb->len)
		n = sb->len;
	memmove(sb->buf, sb->buf + n, sb->len - n);
	sb->len -= n;
	sb->buf[sb->len] = '\0';
	sb->dropped += n;
}

int strbuf_add(struct strbuf *sb, const void *data, size_t len)
{
	const char *p = data;

	if (sb->max && sb->len + len > sb->max) {
		if (!(sb->flags & STRBUF_KEEP_TAIL))
			return -1;
		if (len >= sb->max) {
			sb->dropped += sb->len + (len - sb->max);
			sb->len = 0;
			p += len - sb->max;
			len = sb->max;
		} else {
			drop_front(sb, sb->len + len - sb->max);
		}
	}
	strbuf_grow(sb, len);
	if (len)
		memcpy(sb->buf + sb->len, p, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
	return 0;
}

int strbuf_addstr(struct strbuf *sb, const char *s)
{
	return strbuf_add(sb, s, strlen(s));
}

int strbuf_addch(struct strbuf *sb, int c)
{
	char ch = (char)c;

	return strbuf_add(sb, &ch, 1);
}

int strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
{
	char small[256];
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(small, sizeof(small), fmt, cp);
	va_end(cp);
	if (n < 0)
		return -1;
	if ((size_t)n < sizeof(small))
		return strbuf_add(sb, small, (size_t)n);
	{
		char *big = xrealloc(NULL, (size_t)n + 1);
		int ret;

		vsnprintf(big, (size_t)n + 1, fmt, ap);
		ret = strbuf_add(sb, big, (size_t)n);
		free(big);
		return ret;
	}
}

int strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = strbuf_vaddf(sb, fmt, ap);
	va_end(ap);
	return ret;
}

void strbuf_setlen(struct strbuf *sb, size_t len)
{
	if (len >= sb->len)
		return;
	sb->len = len;
	sb->buf[len] = '\0';
}

void strbuf_reset(struct strbuf *sb)
{
	sb->len = 0;
	sb->dropped = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
}

void strbuf_rtrim(struct strbuf *sb)
{
	while (sb->len && (sb->buf[sb->len - 1] == ' ' || sb->buf[sb->len - 1] == '\t' ||
	                   sb->buf[sb->len - 1] == '\n' || sb->buf[sb->len - 1] == '\r'))
		sb->len--;
	if (sb->buf)
		sb->buf[sb->len] = '\0';
}

const char *strbuf_str(const struct strbuf *sb)
{
	return sb->buf ? sb->buf : "";
}

char *strbuf_detach(struct strbuf *sb, size_t *len)
{
	char *out;

	strbuf_grow(sb, 0);
	out = sb->buf;
	if (len)
		*len = sb->len;
	sb->buf = NULL;
	sb->len = sb->alloc = sb->dropped = 0;
	return out;
}

void strbuf_release(struct strbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->alloc = sb->max = sb->dropped = 0;
	sb->flags = 0;
}

int strbuf_read_fd(struct strbuf *sb, int fd)
{
	char chunk[65536];

	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			return 0;
		if (strbuf_add(sb, chunk, (size_t)n) < 0) {
			errno = EFBIG;
			return -1;
		}
	}
}

int strbuf_read_file(struct strbuf *sb, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int ret, saved;

	if (fd < 0)
		return -1;
	ret = strbuf_read_fd(sb, fd);
	saved = errno;
	close(fd);
	errno = saved;
	return ret;
}

int strbuf_write_file(const struct strbuf *sb, const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	size_t off = 0;
	int saved;

	if (fd < 0)
		return -1;
	while (off < sb->len) {
		ssize_t n = write(fd, sb->buf + off, sb->len - off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			saved = errno;
			close(fd);
			errno = saved;
			return -1;
		}
		off += (size_t)n;
	}
	if (close(fd) < 0)
		return -1;
	return 0;
}
