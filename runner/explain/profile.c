/*
 * Profiles: valgrind's callgrind and massif files read into one structure
 * (functions, calls, the project's source lines, the heap's allocation
 * sites), its JSON form for the store, and zlib for keeping it small.
 * runner/explain/explain makes the files and compares two profiles; this
 * file only reads and writes them. The callgrind format is valgrind's
 * "Callgrind Format Specification": name compression `fn=(id) name`,
 * relative positions (+N, -N, *), a `calls=` line followed by the call's
 * inclusive cost.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "profile.h"

/* ---- a string → index table ---- */

struct map {
	char **keys;
	size_t *vals;
	size_t cap, n;
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static void map_release(struct map *m)
{
	size_t i;

	for (i = 0; i < m->cap; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

static size_t *map_slot(struct map *m, const char *key, int *found);

static void map_grow(struct map *m)
{
	struct map old = *m;
	size_t i;

	m->cap = old.cap ? old.cap * 2 : 256;
	m->keys = calloc(m->cap, sizeof(*m->keys));
	m->vals = calloc(m->cap, sizeof(*m->vals));
	if (!m->keys || !m->vals)
		abort();
	m->n = 0;
	for (i = 0; i < old.cap; i++) {
		if (old.keys[i]) {
			int found;
			size_t *v = map_slot(m, old.keys[i], &found);

			*v = old.vals[i];
			free(old.keys[i]);
		}
	}
	free(old.keys);
	free(old.vals);
}

/* The value slot of `key`, created (holding 0) when absent; *found says which. */
static size_t *map_slot(struct map *m, const char *key, int *found)
{
	size_t i;

	if ((m->n + 1) * 2 > m->cap)
		map_grow(m);
	for (i = hash_str(key) & (m->cap - 1); m->keys[i]; i = (i + 1) & (m->cap - 1)) {
		if (!strcmp(m->keys[i], key)) {
			*found = 1;
			return &m->vals[i];
		}
	}
	m->keys[i] = strdup(key);
	if (!m->keys[i])
		abort();
	m->vals[i] = 0;
	m->n++;
	*found = 0;
	return &m->vals[i];
}

struct index {
	struct map fns, lines, calls, sites;
};

static struct index *index_of(struct profile *pr)
{
	if (!pr->index_) {
		pr->index_ = calloc(1, sizeof(struct index));
		if (!pr->index_)
			abort();
	}
	return pr->index_;
}

static void index_free(struct profile *pr)
{
	struct index *ix = pr->index_;

	if (!ix)
		return;
	map_release(&ix->fns);
	map_release(&ix->lines);
	map_release(&ix->calls);
	map_release(&ix->sites);
	free(ix);
	pr->index_ = NULL;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s ? s : "");

	if (!d)
		abort();
	return d;
}

#define GROW(arr, n, alloc)                                                                        \
	do {                                                                                       \
		if ((n) + 1 > (alloc)) {                                                           \
			(alloc) = (alloc) ? (alloc)*2 : 64;                                        \
			(arr) = realloc((arr), (alloc) * sizeof(*(arr)));                          \
			if (!(arr))                                                                \
				abort();                                                           \
		}                                                                                  \
	} while (0)

void profile_release(struct profile *pr)
{
	size_t i;

	index_free(pr);
	for (i = 0; i < pr->nevents; i++)
		free(pr->events[i]);
	for (i = 0; i < pr->nfns; i++) {
		free(pr->fns[i].name);
		free(pr->fns[i].object);
		free(pr->fns[i].file);
	}
	free(pr->fns);
	for (i = 0; i < pr->nlines; i++) {
		free(pr->lines[i].file);
		free(pr->lines[i].text);
	}
	free(pr->lines);
	free(pr->calls);
	for (i = 0; i < pr->nsites; i++) {
		free(pr->sites[i].fn);
		free(pr->sites[i].file);
		free(pr->sites[i].text);
	}
	free(pr->sites);
	free(pr->options);
	memset(pr, 0, sizeof(*pr));
}

int profile_event(const struct profile *pr, const char *name)
{
	size_t i;

	for (i = 0; i < pr->nevents; i++)
		if (!strcmp(pr->events[i], name))
			return (int)i;
	return -1;
}

/* ---- names ---- */

/* `path` relative to `worktree` when under it (*project = 1), else as it is. */
static const char *relative(const char *path, const char *worktree, int *project)
{
	size_t n = worktree ? strlen(worktree) : 0;

	while (n > 1 && worktree[n - 1] == '/')
		n--;
	*project = 0;
	if (n && !strncmp(path, worktree, n) && path[n] == '/') {
		*project = 1;
		return path + n + 1;
	}
	return path;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static size_t fn_get(struct profile *pr, const char *object, const char *name, const char *file)
{
	struct strbuf key = STRBUF_INIT, plain = STRBUF_INIT;
	const char *at = strchr(name, '@');
	int found;
	size_t *slot;

	/* "hypot@@GLIBC_2.35" is hypot: the symbol's version is not its name */
	if (at && at != name) {
		strbuf_add(&plain, name, (size_t)(at - name));
		name = plain.buf;
	}
	strbuf_addf(&key, "%s\x1f%s", object, name);
	slot = map_slot(&index_of(pr)->fns, key.buf, &found);
	strbuf_release(&key);
	if (found) {
		if (!*pr->fns[*slot].file && file && *file) {
			free(pr->fns[*slot].file);
			pr->fns[*slot].file = xstrdup(file);
		}
		strbuf_release(&plain);
		return *slot;
	}
	GROW(pr->fns, pr->nfns, pr->fns_alloc);
	memset(&pr->fns[pr->nfns], 0, sizeof(pr->fns[0]));
	pr->fns[pr->nfns].name = xstrdup(name);
	pr->fns[pr->nfns].object = xstrdup(object);
	pr->fns[pr->nfns].file = xstrdup(file);
	strbuf_release(&plain);
	*slot = pr->nfns;
	return pr->nfns++;
}

static struct profile_line *line_get(struct profile *pr, size_t fn, const char *file, int line)
{
	struct strbuf key = STRBUF_INIT;
	int found;
	size_t *slot;

	strbuf_addf(&key, "%zu\x1f%s\x1f%d", fn, file, line);
	slot = map_slot(&index_of(pr)->lines, key.buf, &found);
	strbuf_release(&key);
	if (found)
		return &pr->lines[*slot];
	GROW(pr->lines, pr->nlines, pr->lines_alloc);
	memset(&pr->lines[pr->nlines], 0, sizeof(pr->lines[0]));
	pr->lines[pr->nlines].fn = fn;
	pr->lines[pr->nlines].file = xstrdup(file);
	pr->lines[pr->nlines].line = line;
	*slot = pr->nlines;
	return &pr->lines[pr->nlines++];
}

static struct profile_call *call_get(struct profile *pr, size_t caller, size_t callee)
{
	struct strbuf key = STRBUF_INIT;
	int found;
	size_t *slot;

	strbuf_addf(&key, "%zu\x1f%zu", caller, callee);
	slot = map_slot(&index_of(pr)->calls, key.buf, &found);
	strbuf_release(&key);
	if (found)
		return &pr->calls[*slot];
	GROW(pr->calls, pr->ncalls, pr->calls_alloc);
	memset(&pr->calls[pr->ncalls], 0, sizeof(pr->calls[0]));
	pr->calls[pr->ncalls].caller = caller;
	pr->calls[pr->ncalls].callee = callee;
	*slot = pr->ncalls;
	return &pr->calls[pr->ncalls++];
}

static struct profile_site *site_get(struct profile *pr, const char *fn, const char *file, int line)
{
	struct strbuf key = STRBUF_INIT;
	int found;
	size_t *slot;

	strbuf_addf(&key, "%s\x1f%s\x1f%d", fn, file, line);
	slot = map_slot(&index_of(pr)->sites, key.buf, &found);
	strbuf_release(&key);
	if (found)
		return &pr->sites[*slot];
	GROW(pr->sites, pr->nsites, pr->sites_alloc);
	memset(&pr->sites[pr->nsites], 0, sizeof(pr->sites[0]));
	pr->sites[pr->nsites].fn = xstrdup(fn);
	pr->sites[pr->nsites].file = xstrdup(file);
	pr->sites[pr->nsites].line = line;
	*slot = pr->nsites;
	return &pr->sites[pr->nsites++];
}

/* ---- callgrind ---- */

/* A compressed-name table of one file: id → name. */
struct names {
	char **v;
	size_t n;
};

static void names_release(struct names *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->v[i]);
	free(t->v);
	memset(t, 0, sizeof(*t));
}

/*
 * "(id) name" defines id, "(id)" refers to it, "name" is plain. The name,
 * borrowed from the table or from `spec`; NULL for an unknown id.
 */
static const char *names_resolve(struct names *t, char *spec)
{
	char *end;
	unsigned long id;

	if (spec[0] != '(')
		return spec;
	errno = 0;
	id = strtoul(spec + 1, &end, 10);
	if (errno || *end != ')' || id > 10000000)
		return NULL;
	end++;
	while (*end == ' ')
		end++;
	if (*end) {
		if (id >= t->n) {
			size_t n = id + 1 > t->n * 2 ? id + 1 : t->n * 2;

			t->v = realloc(t->v, n * sizeof(*t->v));
			if (!t->v)
				abort();
			memset(t->v + t->n, 0, (n - t->n) * sizeof(*t->v));
			t->n = n;
		}
		free(t->v[id]);
		t->v[id] = xstrdup(end);
		return t->v[id];
	}
	return id < t->n ? t->v[id] : NULL;
}

struct cg_state {
	struct names obs, files, fns;
	const char *worktree;
	int npos, line_pos;      /* position columns, and which is the line (-1: none) */
	int64_t prev[2], cur[2]; /* positions */
	size_t event_map[PROFILE_MAX_EVENTS];
	size_t nevents;
	char *ob, *fl, *fi; /* current object, function file, line file */
	char *cob, *cfi;    /* callee's object and file for the next cfn= (NULL: current) */
	long fn;            /* current function, -1 none */
	long cfn;           /* callee of the pending calls= */
	int64_t call_count;
	int pending_call;
};

static void set_str(char **dst, const char *s)
{
	free(*dst);
	*dst = s ? xstrdup(s) : NULL;
}

static int parse_events(struct profile *pr, struct cg_state *st, char *list, const char *path,
                        struct pw_error *err)
{
	char *save = NULL, *tok;
	size_t n = 0;

	for (tok = strtok_r(list, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		int k = profile_event(pr, tok);

		if (n >= PROFILE_MAX_EVENTS)
			return pw_error_set(err, PW_EINVALID, "'%s' counts more than %d events",
			                    path, PROFILE_MAX_EVENTS);
		if (k < 0) {
			if (pr->processes)
				return pw_error_set(err, PW_EINVALID,
				                    "'%s' counts event '%s', which the other "
				                    "processes' profiles do not",
				                    path, tok);
			if (pr->nevents >= PROFILE_MAX_EVENTS)
				return pw_error_set(err, PW_EINVALID, "'%s' counts too many events",
				                    path);
			pr->events[pr->nevents] = xstrdup(tok);
			k = (int)pr->nevents++;
		}
		st->event_map[n++] = (size_t)k;
	}
	if (!n)
		return pw_error_set(err, PW_EINVALID, "'%s' names no events", path);
	st->nevents = n;
	return 0;
}

static int parse_positions(struct cg_state *st, const char *list)
{
	char copy[128];
	char *save = NULL, *tok;
	int n = 0;

	snprintf(copy, sizeof(copy), "%s", list);
	st->line_pos = -1;
	for (tok = strtok_r(copy, " \t", &save); tok && n < 2; tok = strtok_r(NULL, " \t", &save)) {
		if (!strcmp(tok, "line"))
			st->line_pos = n;
		n++;
	}
	st->npos = n ? n : 1;
	return 0;
}

/* A cost line: positions then costs. Returns 0, or -1 when malformed. */
static int parse_cost(struct cg_state *st, char *s, int64_t *costs)
{
	char *end;
	size_t i;
	int k;

	for (k = 0; k < st->npos; k++) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '*') {
			st->cur[k] = st->prev[k];
			s++;
		} else if (*s == '+' || *s == '-') {
			long long d = strtoll(s + 1, &end, 0);

			if (end == s + 1)
				return -1;
			st->cur[k] = st->prev[k] + (*s == '+' ? d : -d);
			s = end;
		} else {
			long long v = strtoll(s, &end, 0);

			if (end == s)
				return -1;
			st->cur[k] = v;
			s = end;
		}
	}
	for (i = 0; i < PROFILE_MAX_EVENTS; i++)
		costs[i] = 0;
	for (i = 0; i < st->nevents; i++) {
		long long v;

		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		v = strtoll(s, &end, 10);
		if (end == s)
			return -1;
		costs[st->event_map[i]] = v;
		s = end;
	}
	for (k = 0; k < st->npos; k++)
		st->prev[k] = st->cur[k];
	return 0;
}

static void add_costs(int64_t *dst, const int64_t *src)
{
	size_t i;

	for (i = 0; i < PROFILE_MAX_EVENTS; i++)
		dst[i] += src[i];
}

static void cost_line(struct profile *pr, struct cg_state *st, const int64_t *costs)
{
	struct profile_fn *f;
	int project;
	const char *file;

	if (st->fn < 0)
		return;
	f = &pr->fns[st->fn];
	if (st->pending_call) {
		struct profile_call *c;

		add_costs(f->incl, costs);
		if (st->cfn >= 0) {
			c = call_get(pr, (size_t)st->fn, (size_t)st->cfn);
			c->count += st->call_count;
			add_costs(c->cost, costs);
		}
		st->pending_call = 0;
	} else {
		add_costs(f->self, costs);
		add_costs(f->incl, costs);
		add_costs(pr->totals, costs);
	}
	if (st->line_pos < 0 || st->cur[st->line_pos] <= 0 || !st->fi)
		return;
	file = relative(st->fi, st->worktree, &project);
	if (project)
		add_costs(line_get(pr, (size_t)st->fn, file, (int)st->cur[st->line_pos])->cost,
		          costs);
}

static int cg_line(struct profile *pr, struct cg_state *st, char *line, const char *path,
                   struct pw_error *err)
{
	const char *name;
	char *eq = NULL;
	int64_t costs[PROFILE_MAX_EVENTS];
	int project;

	if (!*line || *line == '#')
		return 0;
	if ((*line >= '0' && *line <= '9') || *line == '+' || *line == '-' || *line == '*') {
		if (!st->nevents)
			return pw_error_set(err, PW_EINVALID, "'%s': costs before 'events:'", path);
		if (parse_cost(st, line, costs) < 0)
			return pw_error_set(err, PW_EINVALID, "'%s': malformed cost line '%.40s'",
			                    path, line);
		cost_line(pr, st, costs);
		return 0;
	}
	if (!strncmp(line, "events:", 7))
		return parse_events(pr, st, line + 7, path, err);
	if (!strncmp(line, "positions:", 10))
		return parse_positions(st, line + 10);
	eq = strchr(line, '=');
	if (!eq)
		return 0; /* version:, creator:, cmd:, summary:, totals:, desc: ... */
	*eq = '\0';
	name = eq + 1;
	if (!strcmp(line, "ob") || !strcmp(line, "cob")) {
		if (!(name = names_resolve(&st->obs, eq + 1)))
			goto bad;
		set_str(!strcmp(line, "ob") ? &st->ob : &st->cob, name);
	} else if (!strcmp(line, "fl") || !strcmp(line, "fi") || !strcmp(line, "fe") ||
	           !strcmp(line, "cfi") || !strcmp(line, "cfl") || !strcmp(line, "jfi")) {
		if (!(name = names_resolve(&st->files, eq + 1)))
			goto bad;
		if (!strcmp(line, "fl")) {
			set_str(&st->fl, name);
			set_str(&st->fi, name);
		} else if (line[0] == 'f') {
			set_str(&st->fi, name);
		} else if (line[0] == 'c') {
			set_str(&st->cfi, name);
		}
	} else if (!strcmp(line, "fn") || !strcmp(line, "cfn") || !strcmp(line, "jfn")) {
		const char *ob, *file;

		if (!(name = names_resolve(&st->fns, eq + 1)))
			goto bad;
		if (!strcmp(line, "fn")) {
			file = st->fl ? relative(st->fl, st->worktree, &project) : "";
			st->fn = (long)fn_get(pr, base_name(st->ob ? st->ob : ""), name, file);
			set_str(&st->fi, st->fl);
		} else if (!strcmp(line, "cfn")) {
			ob = st->cob ? st->cob : st->ob;
			file = st->cfi ? st->cfi : st->fi;
			file = file ? relative(file, st->worktree, &project) : "";
			st->cfn = (long)fn_get(pr, base_name(ob ? ob : ""), name, file);
			set_str(&st->cob, NULL);
			set_str(&st->cfi, NULL);
		}
	} else if (!strcmp(line, "calls")) {
		st->call_count = strtoll(name, NULL, 10);
		st->pending_call = 1;
	}
	return 0;
bad:
	return pw_error_set(err, PW_EINVALID, "'%s': unknown compressed name in '%s=%.40s'", path,
	                    line, eq + 1);
}

int profile_add_callgrind(struct profile *pr, const char *path, const char *worktree,
                          struct pw_error *err)
{
	struct strbuf text = STRBUF_INIT;
	struct cg_state st;
	char *line, *next;
	int ret = 0;

	memset(&st, 0, sizeof(st));
	st.fn = st.cfn = -1;
	st.npos = 1;
	st.line_pos = 0;
	st.worktree = worktree;
	if (strbuf_read_file(&text, path) < 0) {
		ret = pw_error_errno(err, PW_EIO, "could not read '%s'", path);
		goto done;
	}
	if (strncmp(strbuf_str(&text), "# callgrind format", 18) &&
	    strncmp(strbuf_str(&text), "version:", 8)) {
		ret = pw_error_set(err, PW_EINVALID, "'%s' is not a callgrind profile", path);
		goto done;
	}
	for (line = text.buf; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if ((ret = cg_line(pr, &st, line, path, err)) < 0)
			goto done;
	}
	pr->has_time = 1;
	pr->processes++;
	if (!pr->options)
		pr->options = xstrdup("");
done:
	names_release(&st.obs);
	names_release(&st.files);
	names_release(&st.fns);
	free(st.ob);
	free(st.fl);
	free(st.fi);
	free(st.cob);
	free(st.cfi);
	strbuf_release(&text);
	return ret;
}

/* ---- massif ---- */

/* " nK: BYTES 0xADDR: fn (file:line)" → a site of `pr`. */
static void massif_node(struct profile *pr, const char *worktree, const char *s)
{
	char *end;
	long long bytes;
	const char *rest, *open, *colon;
	struct strbuf fn = STRBUF_INIT, file = STRBUF_INIT;
	int line = 0, project;
	size_t len;

	s = strchr(s, ':');
	if (!s)
		return;
	bytes = strtoll(s + 1, &end, 10);
	if (end == s + 1)
		return;
	rest = end;
	while (*rest == ' ')
		rest++;
	if (!strncmp(rest, "in ", 3)) {
		strbuf_addstr(&fn, "(below massif's threshold)");
	} else {
		if (!strncmp(rest, "0x", 2) && (colon = strstr(rest, ": ")))
			rest = colon + 2;
		len = strlen(rest);
		open = NULL;
		if (len && rest[len - 1] == ')') {
			const char *q;

			for (q = rest + len - 1; q > rest; q--)
				if (q[0] == '(' && q[-1] == ' ') {
					open = q;
					break;
				}
		}
		if (open) {
			strbuf_add(&fn, rest, (size_t)(open - 1 - rest));
			if (strncmp(open + 1, "in ", 3)) {
				const char *lc = NULL, *q;

				for (q = open + 1; q < rest + len - 1; q++)
					if (*q == ':')
						lc = q;
				if (lc) {
					strbuf_add(&file, open + 1, (size_t)(lc - open - 1));
					line = atoi(lc + 1);
				}
			}
		} else {
			strbuf_addstr(&fn, rest);
		}
	}
	{
		const char *rel = relative(strbuf_str(&file), worktree, &project);
		struct profile_site *site = site_get(pr, strbuf_str(&fn), rel, line);

		site->bytes += bytes;
	}
	strbuf_release(&fn);
	strbuf_release(&file);
}

int profile_add_massif(struct profile *pr, const char *path, const char *worktree,
                       struct pw_error *err)
{
	struct strbuf text = STRBUF_INIT;
	char *line, *next, *tree = NULL, *best = NULL;
	long long heap = 0, extra = 0, best_bytes = -1;
	int best_peak = 0, ret = 0;

	if (strbuf_read_file(&text, path) < 0) {
		ret = pw_error_errno(err, PW_EIO, "could not read '%s'", path);
		goto done;
	}
	if (strncmp(strbuf_str(&text), "desc:", 5)) {
		ret = pw_error_set(err, PW_EINVALID, "'%s' is not a massif profile", path);
		goto done;
	}
	/* find the snapshot: the peak, else the largest detailed one */
	for (line = text.buf; line && *line; line = next) {
		next = strchr(line, '\n');
		if (!strncmp(line, "snapshot=", 9)) {
			heap = extra = 0;
		} else if (!strncmp(line, "mem_heap_B=", 11)) {
			heap = strtoll(line + 11, NULL, 10);
		} else if (!strncmp(line, "mem_heap_extra_B=", 17)) {
			extra = strtoll(line + 17, NULL, 10);
		} else if (!strncmp(line, "heap_tree=", 10)) {
			int peak = !strncmp(line + 10, "peak", 4);

			tree = next ? next + 1 : NULL;
			if (strncmp(line + 10, "empty", 5) && !best_peak &&
			    (peak || heap + extra > best_bytes)) {
				best = tree;
				best_bytes = heap + extra;
				best_peak = peak;
			}
		}
		if (next)
			next++;
	}
	pr->has_heap = 1;
	pr->heap_processes++;
	if (!best)
		goto done; /* nothing was allocated: an empty heap */
	pr->heap_peak_bytes += best_bytes;
	for (line = best; line && *line && *line != '#'; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (line[0] == ' ' && line[1] == 'n')
			massif_node(pr, worktree, line + 1);
	}
done:
	strbuf_release(&text);
	return ret;
}

/* ---- sources ---- */

struct source {
	char *path;
	struct strbuf text;
	char **lines;
	size_t nlines;
	int failed;
};

static const char *source_line(struct source **cache, size_t *ncache, const char *worktree,
                               const char *file, int line)
{
	struct source *src = NULL;
	size_t i;

	if (!*file || line <= 0 || file[0] == '/')
		return NULL;
	for (i = 0; i < *ncache; i++)
		if (!strcmp((*cache)[i].path, file))
			src = &(*cache)[i];
	if (!src) {
		struct strbuf path = STRBUF_INIT;
		char *s;

		*cache = realloc(*cache, (*ncache + 1) * sizeof(**cache));
		if (!*cache)
			abort();
		src = &(*cache)[(*ncache)++];
		memset(src, 0, sizeof(*src));
		src->path = xstrdup(file);
		strbuf_addf(&path, "%s/%s", worktree, file);
		if (strstr(file, "..") || strbuf_read_file(&src->text, path.buf) < 0) {
			src->failed = 1;
		} else {
			size_t alloc = 0;

			for (s = src->text.buf; s && *s;) {
				char *nl = strchr(s, '\n');

				GROW(src->lines, src->nlines, alloc);
				src->lines[src->nlines++] = s;
				if (!nl)
					break;
				*nl = '\0';
				s = nl + 1;
			}
		}
		strbuf_release(&path);
	}
	if (src->failed || (size_t)line > src->nlines)
		return NULL;
	return src->lines[line - 1];
}

static char *trimmed(const char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	s = strndup(s, n);
	if (!s)
		abort();
	return (char *)s;
}

void profile_read_sources(struct profile *pr, const char *worktree)
{
	struct source *cache = NULL;
	size_t ncache = 0, i;
	const char *s;

	for (i = 0; i < pr->nlines; i++)
		if (!pr->lines[i].text && (s = source_line(&cache, &ncache, worktree,
		                                           pr->lines[i].file, pr->lines[i].line)))
			pr->lines[i].text = trimmed(s);
	for (i = 0; i < pr->nsites; i++)
		if (!pr->sites[i].text && (s = source_line(&cache, &ncache, worktree,
		                                           pr->sites[i].file, pr->sites[i].line)))
			pr->sites[i].text = trimmed(s);
	for (i = 0; i < ncache; i++) {
		free(cache[i].path);
		strbuf_release(&cache[i].text);
		free(cache[i].lines);
	}
	free(cache);
}

/* ---- the stored form ---- */

static json_t *costs_json(const int64_t *c, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_integer((json_int_t)c[i]));
	return a;
}

json_t *profile_to_json(const struct profile *pr, unsigned parts)
{
	json_t *doc = json_pack("{s:s, s:i}", "format", "perfwarden-profile", "version", 1);
	size_t i, n = pr->nevents;

	if ((parts & PROFILE_PART_TIME) && pr->has_time) {
		json_t *t = json_object(), *events = json_array(), *fns = json_array(),
		       *lines = json_array(), *calls = json_array();

		for (i = 0; i < n; i++)
			json_array_append_new(events, json_string(pr->events[i]));
		for (i = 0; i < pr->nfns; i++) {
			const struct profile_fn *f = &pr->fns[i];

			json_array_append_new(fns, json_pack("[s, s, s, o, o]", f->name, f->object,
			                                     f->file, costs_json(f->self, n),
			                                     costs_json(f->incl, n)));
		}
		for (i = 0; i < pr->nlines; i++) {
			const struct profile_line *l = &pr->lines[i];

			json_array_append_new(lines, json_pack("[I, s, i, s?, o]",
			                                       (json_int_t)l->fn, l->file, l->line,
			                                       l->text, costs_json(l->cost, n)));
		}
		for (i = 0; i < pr->ncalls; i++) {
			const struct profile_call *c = &pr->calls[i];

			json_array_append_new(calls,
			                      json_pack("[I, I, I, o]", (json_int_t)c->caller,
			                                (json_int_t)c->callee, (json_int_t)c->count,
			                                costs_json(c->cost, n)));
		}
		json_object_set_new(t, "events", events);
		json_object_set_new(t, "totals", costs_json(pr->totals, n));
		json_object_set_new(t, "processes", json_integer((json_int_t)pr->processes));
		json_object_set_new(t, "options", json_string(pr->options ? pr->options : ""));
		json_object_set_new(t, "functions", fns);
		json_object_set_new(t, "lines", lines);
		json_object_set_new(t, "calls", calls);
		json_object_set_new(doc, "time", t);
	}
	if ((parts & PROFILE_PART_HEAP) && pr->has_heap) {
		json_t *sites = json_array();

		for (i = 0; i < pr->nsites; i++) {
			const struct profile_site *s = &pr->sites[i];

			json_array_append_new(sites,
			                      json_pack("[s, s, i, s?, I]", s->fn, s->file, s->line,
			                                s->text, (json_int_t)s->bytes));
		}
		json_object_set_new(doc, "heap",
		                    json_pack("{s:I, s:I, s:o}", "peak_bytes",
		                              (json_int_t)pr->heap_peak_bytes, "processes",
		                              (json_int_t)pr->heap_processes, "sites", sites));
	}
	return doc;
}

static int costs_from(const json_t *a, int64_t *c, size_t n)
{
	size_t i;

	if (!json_is_array(a) || json_array_size(a) != n)
		return -1;
	for (i = 0; i < n; i++) {
		if (!json_is_integer(json_array_get(a, i)))
			return -1;
		c[i] = json_integer_value(json_array_get(a, i));
	}
	return 0;
}

static int time_from_json(struct profile *pr, const json_t *t)
{
	const json_t *v;
	size_t i, n;

	v = json_object_get(t, "events");
	if (!json_is_array(v) || !json_array_size(v) || json_array_size(v) > PROFILE_MAX_EVENTS)
		return -1;
	for (i = 0; i < json_array_size(v); i++) {
		if (!json_is_string(json_array_get(v, i)))
			return -1;
		pr->events[pr->nevents++] = xstrdup(json_string_value(json_array_get(v, i)));
	}
	n = pr->nevents;
	if (costs_from(json_object_get(t, "totals"), pr->totals, n) < 0)
		return -1;
	pr->processes = (size_t)json_integer_value(json_object_get(t, "processes"));
	pr->options = xstrdup(json_string_value(json_object_get(t, "options")));
	v = json_object_get(t, "functions");
	if (!json_is_array(v))
		return -1;
	for (i = 0; i < json_array_size(v); i++) {
		const json_t *f = json_array_get(v, i);
		const char *name, *object, *file;
		json_t *self, *incl;
		size_t k;

		if (json_unpack((json_t *)f, "[s, s, s, o, o]", &name, &object, &file, &self,
		                &incl) < 0)
			return -1;
		k = fn_get(pr, object, name, file);
		if (k != i || costs_from(self, pr->fns[k].self, n) < 0 ||
		    costs_from(incl, pr->fns[k].incl, n) < 0)
			return -1;
	}
	v = json_object_get(t, "lines");
	for (i = 0; json_is_array(v) && i < json_array_size(v); i++) {
		json_int_t fn;
		const char *file, *text;
		int line;
		json_t *cost, *jtext;
		struct profile_line *l;

		if (json_unpack(json_array_get(v, i), "[I, s, i, o, o]", &fn, &file, &line, &jtext,
		                &cost) < 0 ||
		    fn < 0 || (size_t)fn >= pr->nfns)
			return -1;
		text = json_string_value(jtext);
		l = line_get(pr, (size_t)fn, file, line);
		if (text && !l->text)
			l->text = xstrdup(text);
		if (costs_from(cost, l->cost, n) < 0)
			return -1;
	}
	v = json_object_get(t, "calls");
	for (i = 0; json_is_array(v) && i < json_array_size(v); i++) {
		json_int_t a, b, count;
		json_t *cost;
		struct profile_call *c;

		if (json_unpack(json_array_get(v, i), "[I, I, I, o]", &a, &b, &count, &cost) < 0 ||
		    a < 0 || b < 0 || (size_t)a >= pr->nfns || (size_t)b >= pr->nfns)
			return -1;
		c = call_get(pr, (size_t)a, (size_t)b);
		c->count = count;
		if (costs_from(cost, c->cost, n) < 0)
			return -1;
	}
	pr->has_time = 1;
	return 0;
}

static int heap_from_json(struct profile *pr, const json_t *h)
{
	const json_t *v = json_object_get(h, "sites");
	size_t i;

	if (!json_is_array(v))
		return -1;
	pr->heap_peak_bytes = json_integer_value(json_object_get(h, "peak_bytes"));
	pr->heap_processes = (size_t)json_integer_value(json_object_get(h, "processes"));
	for (i = 0; i < json_array_size(v); i++) {
		const char *fn, *file, *text;
		int line;
		json_int_t bytes;
		json_t *jtext;
		struct profile_site *s;

		if (json_unpack(json_array_get(v, i), "[s, s, i, o, I]", &fn, &file, &line, &jtext,
		                &bytes) < 0)
			return -1;
		text = json_string_value(jtext);
		s = site_get(pr, fn, file, line);
		s->bytes += bytes;
		if (text && !s->text)
			s->text = xstrdup(text);
	}
	pr->has_heap = 1;
	return 0;
}

int profile_from_json(struct profile *pr, const json_t *doc, struct pw_error *err)
{
	const json_t *t, *h;

	profile_release(pr);
	if (!json_is_object(doc) ||
	    strcmp(json_string_value(json_object_get(doc, "format"))
	                   ? json_string_value(json_object_get(doc, "format"))
	                   : "",
	           "perfwarden-profile") ||
	    json_integer_value(json_object_get(doc, "version")) != 1)
		return pw_error_set(err, PW_EINVALID, "not a perfwarden profile (version 1)");
	t = json_object_get(doc, "time");
	h = json_object_get(doc, "heap");
	if ((t && time_from_json(pr, t) < 0) || (h && heap_from_json(pr, h) < 0)) {
		profile_release(pr);
		return pw_error_set(err, PW_EINVALID, "a malformed perfwarden profile");
	}
	return 0;
}

/* ---- zlib ---- */

int profile_compress(const void *in, size_t len, struct strbuf *out, struct pw_error *err)
{
	uLongf n = compressBound((uLong)len);
	size_t at = out->len;

	strbuf_grow(out, (size_t)n + 1);
	if (compress2((Bytef *)out->buf + at, &n, in, (uLong)len, Z_BEST_COMPRESSION) != Z_OK)
		return pw_error_set(err, PW_ERROR, "could not compress %zu bytes", len);
	out->len = at + (size_t)n; /* strbuf_setlen() only shortens */
	out->buf[out->len] = '\0';
	return 0;
}

int profile_uncompress(const void *in, size_t len, size_t max, struct strbuf *out,
                       struct pw_error *err)
{
	z_stream zs;
	unsigned char chunk[65536];
	size_t total = 0;
	int zr;

	if (!max)
		max = (size_t)1 << 30;
	memset(&zs, 0, sizeof(zs));
	if (inflateInit(&zs) != Z_OK)
		return pw_error_set(err, PW_ERROR, "could not start zlib");
	zs.next_in = (Bytef *)in;
	zs.avail_in = (uInt)len;
	do {
		zs.next_out = chunk;
		zs.avail_out = sizeof(chunk);
		zr = inflate(&zs, Z_NO_FLUSH);
		if (zr != Z_OK && zr != Z_STREAM_END) {
			inflateEnd(&zs);
			return pw_error_set(err, PW_EINVALID, "a stored profile is not zlib data");
		}
		total += sizeof(chunk) - zs.avail_out;
		if (total > max) {
			inflateEnd(&zs);
			return pw_error_set(err, PW_EINVALID,
			                    "a stored profile inflates past %zu bytes", max);
		}
		strbuf_add(out, chunk, sizeof(chunk) - zs.avail_out);
	} while (zr != Z_STREAM_END && (zs.avail_in || !zs.avail_out));
	inflateEnd(&zs);
	if (zr != Z_STREAM_END)
		return pw_error_set(err, PW_EINVALID, "a stored profile is truncated");
	return 0;
}
