/*
 * Golden sets where they live — the golden directory, then the store — and
 * how `perfwarden golden record` makes one: the trusted commit goes through
 * the pipeline (checkout, build, tests, one run), and its output becomes the
 * set, with where it came from. The pipeline calls golden_set_verify_file
 * after each kept run; the comparison itself is runner/measure/verify's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "golden.h"
#include "golden_set.h"

int golden_set_store_get(struct store *store, const char *name, struct verify_set *set,
                         struct pw_error *err)
{
	struct store_golden g = STORE_GOLDEN_INIT;
	enum verify_mode mode;
	int ret;

	verify_set_release(set);
	if ((ret = store_golden_get(store, name, &g, err)) < 0)
		goto done;
	if ((ret = verify_mode_parse(g.mode, &mode, err)) < 0)
		goto done;
	set->mode = mode;
	strbuf_addstr(&set->name, g.name);
	strbuf_add(&set->check, strbuf_str(&g.check), g.check.len);
	set->has_expected = g.has_expected;
	strbuf_add(&set->expected, strbuf_str(&g.expected), g.expected.len);
	if (g.provenance_json)
		strbuf_addf(&set->provenance, "%s\n", g.provenance_json);
	strbuf_addf(&set->origin, "the store (version %lld of %s)", (long long)g.id,
	            g.created_at ? g.created_at : "?");
	if ((ret = verify_set_check(set, err)) < 0)
		pw_error_prefix(err, "golden set '%s' in the store", name);
done:
	store_golden_release(&g);
	return ret;
}

static int exists(const char *dir, const char *name, const char *ext)
{
	struct strbuf path = STRBUF_INIT;
	int yes;

	strbuf_addf(&path, "%s/%s.%s", dir, name, ext);
	yes = access(path.buf, F_OK) == 0;
	strbuf_release(&path);
	return yes;
}

int golden_set_read_any(struct verify_set *set, const char *dir, const char *name,
                        struct pw_error *err)
{
	int mode = VERIFY_JSON; /* -1: no set at all */
	struct strbuf text = STRBUF_INIT;
	json_t *j = NULL;

	if (!strchr(name, '/') && exists(dir, name, "sum")) {
		mode = VERIFY_GRID;
	} else if (!strchr(name, '/') && exists(dir, name, "sha256")) {
		mode = VERIFY_DIGEST;
	} else if (!strchr(name, '/')) {
		enum verify_mode m;

		strbuf_addf(&text, "%s/%s.provenance.json", dir, name);
		j = json_load_file(text.buf, 0, NULL);
		if (j && json_is_string(json_object_get(j, "mode")) &&
		    verify_mode_parse(json_string_value(json_object_get(j, "mode")), &m, NULL) == 0)
			mode = (int)m;
		else if (!exists(dir, name, "out"))
			mode = -1;
	}
	json_decref(j);
	strbuf_release(&text);
	if (mode < 0)
		return pw_error_set(err, PW_ENOTFOUND, "no golden set '%s' in '%s'", name, dir);
	return verify_set_read(set, dir, name, (enum verify_mode)mode, err);
}

int golden_set_store_put(struct store *store, const struct verify_set *set, int64_t *id,
                         struct pw_error *err)
{
	struct store_golden g = STORE_GOLDEN_INIT;
	int ret;

	g.name = strdup(strbuf_str(&set->name));
	g.mode = strdup(verify_mode_name(set->mode));
	if (!g.name || !g.mode)
		abort();
	strbuf_add(&g.check, strbuf_str(&set->check), set->check.len);
	strbuf_rtrim(&g.check);
	g.has_expected = set->has_expected;
	strbuf_add(&g.expected, strbuf_str(&set->expected), set->expected.len);
	if (set->provenance.len)
		g.provenance_json = strdup(set->provenance.buf);
	ret = store_golden_put(store, &g, id, err);
	store_golden_release(&g);
	return ret;
}

static int find_set(struct verify_set *set, const char *dir, struct store *store, const char *name,
                    enum verify_mode mode, int lazy, struct pw_error *err)
{
	struct pw_error serr = PW_ERROR_INIT;
	int ret = lazy ? verify_set_read_lazy(set, dir, name, mode, err)
	               : verify_set_read(set, dir, name, mode, err);

	if (ret != PW_ENOTFOUND || !store)
		return ret;
	ret = golden_set_store_get(store, name, set, &serr);
	if (ret == PW_ENOTFOUND) {
		pw_error_set(err, PW_ENOTFOUND, "no %s golden set '%s' in '%s' nor in the store",
		             verify_mode_name(mode), name, dir);
	} else if (ret < 0) {
		pw_error_set(err, ret, "%s", pw_error_message(&serr));
	} else if (set->mode != mode) {
		ret = pw_error_set(err, PW_EINVALID,
		                   "golden set '%s' in the store is a %s set, but the benchmark "
		                   "verifies by %s",
		                   name, verify_mode_name(set->mode), verify_mode_name(mode));
	}
	pw_error_release(&serr);
	return ret;
}

int golden_set_find(struct verify_set *set, const char *dir, struct store *store, const char *name,
                    enum verify_mode mode, struct pw_error *err)
{
	return find_set(set, dir, store, name, mode, 0, err);
}

int golden_set_verify_file(struct verify_report *rep, const char *dir, struct store *store,
                           const struct spec_benchmark *sb, const char *output_path,
                           const struct verify_options *opts, struct pw_error *err)
{
	struct verify_set set;
	int ret;

	verify_set_init(&set);
	if ((ret = find_set(&set, dir, store, sb->golden, sb->verify, 1, err)) < 0)
		goto done;
	ret = verify_set_compare_file(rep, &set, output_path, opts, err);
	if (ret == PW_EINVALID)
		pw_error_prefix(err, "golden set '%s' in %s", sb->golden, strbuf_str(&set.origin));
done:
	strbuf_reset(&rep->output);
	strbuf_addstr(&rep->output, output_path);
	verify_set_release(&set);
	return ret;
}

/* The benchmark to record: named, else the one whose golden set is `name`, else the only one. */
static int pick_bench(const struct pipeline_commit *pc, const struct golden_set_record_options *o,
                      size_t *out, struct pw_error *err)
{
	size_t i, found = pc->nbenches;

	for (i = 0; i < pc->nbenches; i++) {
		const struct spec_benchmark *sb = pc->benches[i].spec;

		if (o->benchmark ? !strcmp(sb->name, o->benchmark)
		                 : sb->golden && !strcmp(sb->golden, o->name))
			found = i;
	}
	if (found == pc->nbenches && !o->benchmark && pc->nbenches == 1)
		found = 0;
	if (found < pc->nbenches) {
		*out = found;
		return 0;
	}
	if (o->benchmark)
		return pw_error_set(err, PW_EINVALID, "commit %s has no benchmark '%s'",
		                    pc->commit.short_hash, o->benchmark);
	return pw_error_set(err, PW_EINVALID,
	                    "commit %s has %zu benchmarks and none uses golden set '%s': name "
	                    "one with --benchmark",
	                    pc->commit.short_hash, pc->nbenches, o->name);
}

static void add_provenance(struct pipeline *p, const struct pipeline_commit *pc,
                           const struct pipeline_bench *b, struct verify_set *set)
{
	char date[32], host[256] = "", hex[65];
	time_t now = time(NULL);
	struct tm tm;
	json_t *j;
	char *text;

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (gethostname(host, sizeof(host) - 1) < 0)
		host[0] = '\0';
	verify_sha256_hex(strbuf_str(&set->expected), set->expected.len, hex);
	j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s?, s:s, s:s, "
	              "s:{s:s, s:s}, s:I, s:s}",
	              "name", set->name.buf, "mode", verify_mode_name(set->mode), "benchmark",
	              b->name, "commit", pc->commit.hash, "subject", pc->commit.subject,
	              "repository", pipeline_repo_location(p), "spec_hash", pc->spec->hash,
	              "command", b->spec->command, "test", b->spec->test, "output",
	              b->spec->output ? b->spec->output : "$PERFWARDEN_OUTPUT or stdout",
	              "recorded_at", date, "machine", "fingerprint", pipeline_fingerprint(p),
	              "hostname", host, "bytes", (json_int_t)set->expected.len, "sha256", hex);
	text = j ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	if (text)
		strbuf_addf(&set->provenance, "%s\n", text);
	free(text);
	json_decref(j);
}

int golden_set_record(struct pipeline *p, const struct golden_set_record_options *o,
                      struct verify_set *out, struct pw_error *err)
{
	struct pipeline_commit pc = PIPELINE_COMMIT_INIT;
	struct strbuf path = STRBUF_INIT, output = STRBUF_INIT;
	struct pipeline_bench *b;
	enum verify_mode mode;
	size_t bi;
	int ret;

	if ((ret = pipeline_prepare(p, o->rev, &pc, err)) < 0)
		goto done;
	if (pc.status != VERDICT_OK) {
		ret = pw_error_set(err, PW_EMISMATCH, "commit %s: %s: %s", pc.commit.short_hash,
		                   verdict_name(pc.status), pc.message.buf);
		goto done;
	}
	if ((ret = pick_bench(&pc, o, &bi, err)) < 0)
		goto done;
	b = &pc.benches[bi];
	mode = o->mode >= 0 ? (enum verify_mode)o->mode : b->spec->verify;
	if (b->verdict == VERDICT_OK && (ret = pipeline_measure_more(p, &pc, bi, 1, err)) < 0)
		goto done;
	if (b->verdict != VERDICT_OK) {
		ret = pw_error_set(err, PW_EMISMATCH, "commit %s: benchmark '%s': %s: %s",
		                   pc.commit.short_hash, b->name, verdict_name(b->verdict),
		                   b->report.buf);
		goto done;
	}
	pipeline_bench_output(p, &pc, bi, &path);
	strbuf_setmax(&output, 1UL << 30, 0);
	if (strbuf_read_file(&output, path.buf) < 0) {
		ret = pw_error_errno(err, PW_EMISMATCH,
		                     "commit %s: benchmark '%s' left no output in '%s'",
		                     pc.commit.short_hash, b->name, path.buf);
		goto done;
	}
	if ((ret = verify_set_from_output(out, mode, o->name, strbuf_str(&output), output.len,
	                                  err)) < 0) {
		pw_error_prefix(err, "commit %s: benchmark '%s'", pc.commit.short_hash, b->name);
		ret = PW_EMISMATCH;
		goto done;
	}
	add_provenance(p, &pc, b, out);
done:
	pipeline_commit_release(&pc);
	strbuf_release(&path);
	strbuf_release(&output);
	return ret;
}
