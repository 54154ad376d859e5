/*
 * Where perfwarden keeps its state ($PERFWARDEN_HOME: the embedded database,
 * worktrees, spool) and where it finds the files it ships (golden sets).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "paths.h"

#ifndef PERFWARDEN_SOURCE_DIR
#define PERFWARDEN_SOURCE_DIR "."
#endif

static int set(const char *name)
{
	const char *v = getenv(name);

	return v && *v;
}

void paths_home(struct strbuf *out)
{
	if (set("PERFWARDEN_HOME"))
		strbuf_addstr(out, getenv("PERFWARDEN_HOME"));
	else if (set("XDG_DATA_HOME"))
		strbuf_addf(out, "%s/perfwarden", getenv("XDG_DATA_HOME"));
	else if (set("HOME"))
		strbuf_addf(out, "%s/.local/share/perfwarden", getenv("HOME"));
	else
		strbuf_addstr(out, "/tmp/perfwarden");
}

void paths_golden_dir(struct strbuf *out)
{
	if (set("PERFWARDEN_GOLDEN_DIR"))
		strbuf_addstr(out, getenv("PERFWARDEN_GOLDEN_DIR"));
	else
		strbuf_addf(out, "%s/golden", PERFWARDEN_SOURCE_DIR);
}

const char *paths_source_dir(void)
{
	return PERFWARDEN_SOURCE_DIR;
}

int paths_mkdir_p(const char *path, unsigned mode)
{
	struct strbuf p = STRBUF_INIT;
	size_t i;
	int ret = 0;

	strbuf_addstr(&p, path);
	for (i = 1; i <= p.len; i++) {
		if (i < p.len && p.buf[i] != '/')
			continue;
		p.buf[i] = '\0';
		if (mkdir(p.buf, mode) < 0 && errno != EEXIST) {
			ret = -1;
			break;
		}
		if (i < p.len)
			p.buf[i] = '/';
	}
	if (!ret) {
		struct stat st;

		if (stat(path, &st) < 0) {
			ret = -1;
		} else if (!S_ISDIR(st.st_mode)) {
			errno = ENOTDIR;
			ret = -1;
		}
	}
	{
		int saved = errno;

		strbuf_release(&p);
		errno = saved;
	}
	return ret;
}
