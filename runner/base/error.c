/*
 * The project-wide error record: one code from `enum pw_error_code` and one
 * message. Library code fills it; only main and the cmd_* files print it.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "error.h"

int pw_error_set(struct pw_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	err->code = code;
	strbuf_reset(&err->msg);
	va_start(ap, fmt);
	strbuf_vaddf(&err->msg, fmt, ap);
	va_end(ap);
	return code;
}

int pw_error_errno(struct pw_error *err, int code, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	if (!err)
		return code;
	err->code = code;
	strbuf_reset(&err->msg);
	va_start(ap, fmt);
	strbuf_vaddf(&err->msg, fmt, ap);
	va_end(ap);
	strbuf_addf(&err->msg, ": %s", strerror(saved));
	return code;
}

void pw_error_prefix(struct pw_error *err, const char *fmt, ...)
{
	struct strbuf prefix = STRBUF_INIT;
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	strbuf_vaddf(&prefix, fmt, ap);
	va_end(ap);
	strbuf_addstr(&prefix, ": ");
	strbuf_add(&prefix, err->msg.buf, err->msg.len);
	strbuf_release(&err->msg);
	err->msg = prefix;
}

const char *pw_error_message(const struct pw_error *err)
{
	if (!err || !err->msg.len)
		return "unknown error";
	return err->msg.buf;
}

void pw_error_clear(struct pw_error *err)
{
	if (!err)
		return;
	err->code = 0;
	strbuf_reset(&err->msg);
}

void pw_error_release(struct pw_error *err)
{
	if (!err)
		return;
	err->code = 0;
	strbuf_release(&err->msg);
}
