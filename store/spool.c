/*
 * The local spool: when the database cannot take a commit's results, they
 * are written here as JSON (jansson) instead of being thrown away, and
 * `perfwarden db replay` (store_results_replay, store/results.c) stores them
 * later. One file per commit. Only the file format lives here: this file
 * calls nothing of store/results.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "paths.h"
#include "spool.h"
#include "store_internal.h"

#define SPOOL_FORMAT 1

void spool_dir(struct strbuf *out)
{
	paths_home(out);
	strbuf_addstr(out, "/spool");
}

static json_t *str_or_null(const char *s)
{
	struct strbuf clean = STRBUF_INIT;
	json_t *j;

	if (!s)
		return json_null();
	if (store_utf8_valid(s))
		return json_string(s);
	store_utf8_sanitize(&clean, s);
	j = json_string(clean.buf);
	strbuf_release(&clean);
	return j;
}

static json_t *results_json(const struct store_results *r)
{
	json_t *parents = json_array(), *runs = json_array();
	size_t i, j;

	for (i = 0; i < r->commit.nparents; i++)
		json_array_append_new(parents, json_string(r->commit.parents[i]));
	for (i = 0; i < r->nruns; i++) {
		const struct store_run_result *run = &r->runs[i];
		json_t *samples = json_array(), *values = json_array();

		for (j = 0; j < run->nsamples; j++)
			json_array_append_new(samples, sample_json(&run->samples[j]));
		for (j = 0; j < run->nvalues; j++) {
			const struct store_value *v = &run->values[j];

			json_array_append_new(values, json_pack("{s:o,s:o,s:o,s:I,s:f}", "metric",
			                                        str_or_null(v->metric), "unit",
			                                        str_or_null(v->unit), "direction",
			                                        str_or_null(v->direction), "sample",
			                                        (json_int_t)v->sample_seq, "value",
			                                        v->value));
		}
		json_array_append_new(
		        runs, json_pack("{s:o,s:o,s:I,s:I,s:o,s:o,s:o,s:o,s:o,s:o}", "benchmark",
		                        str_or_null(run->benchmark), "spec_hash",
		                        str_or_null(run->spec_hash), "started_us",
		                        (json_int_t)run->started_us, "finished_us",
		                        (json_int_t)run->finished_us, "verdict",
		                        str_or_null(run->verdict), "build_log_tail",
		                        str_or_null(run->build_log_tail), "diff_report",
		                        str_or_null(run->diff_report), "stderr_tail",
		                        str_or_null(run->stderr_tail), "metadata",
		                        str_or_null(run->metadata_json), "samples", samples));
		if (json_array_size(values))
			json_object_set_new(json_array_get(runs, json_array_size(runs) - 1),
			                    "values", values);
		else
			json_decref(values);
	}
	return json_pack(
	        "{s:i,s:o,s:o,s:{s:o,s:o,s:o,s:o,s:I,s:o},s:o,s:o,s:o}", "perfwarden_spool",
	        SPOOL_FORMAT, "repo_location", str_or_null(r->repo_location), "repo_name",
	        str_or_null(r->repo_name), "commit", "hash", str_or_null(r->commit.hash), "parents",
	        parents, "author", str_or_null(r->commit.author), "email",
	        str_or_null(r->commit.email), "author_time", (json_int_t)r->commit.author_time,
	        "subject", str_or_null(r->commit.subject), "env_fingerprint",
	        str_or_null(r->env_fingerprint), "env_details", str_or_null(r->env_details_json),
	        "runs", runs);
}

int spool_write(const struct store_results *r, struct strbuf *path, struct pw_error *err)
{
	struct strbuf dir = STRBUF_INIT, tmp = STRBUF_INIT, final = STRBUF_INIT;
	json_t *doc = NULL;
	struct timespec now;
	int ret = 0;

	spool_dir(&dir);
	if (paths_mkdir_p(dir.buf, 0700) < 0) {
		ret = pw_error_errno(err, PW_EIO, "could not create '%s'", dir.buf);
		goto done;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	strbuf_addf(&final, "%s/%lld.%09ld-%ld-%.12s.json", dir.buf, (long long)now.tv_sec,
	            now.tv_nsec, (long)getpid(), r->commit.hash ? r->commit.hash : "unknown");
	strbuf_addf(&tmp, "%s.tmp", final.buf);
	doc = results_json(r);
	if (!doc) {
		ret = pw_error_set(err, PW_EINVALID, "could not encode the results as JSON");
		goto done;
	}
	if (json_dump_file(doc, tmp.buf, JSON_COMPACT) < 0) {
		ret = pw_error_errno(err, PW_EIO, "could not write '%s'", tmp.buf);
		goto done;
	}
	if (rename(tmp.buf, final.buf) < 0) {
		ret = pw_error_errno(err, PW_EIO, "could not rename '%s'", tmp.buf);
		unlink(tmp.buf);
		goto done;
	}
	if (path)
		strbuf_addstr(path, final.buf);
done:
	json_decref(doc);
	strbuf_release(&dir);
	strbuf_release(&tmp);
	strbuf_release(&final);
	return ret;
}

static const char *get_str(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static int64_t get_metric(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_integer(v) ? (int64_t)json_integer_value(v) : SAMPLE_ABSENT;
}

void spool_entry_free(struct spool_entry *e)
{
	if (!e)
		return;
	json_decref(e->json);
	free(e->runs);
	free(e->samples);
	free(e->values);
	free(e->parents);
	free(e);
}

int spool_read(const char *path, struct spool_entry **out, struct pw_error *err)
{
	struct spool_entry *e = calloc(1, sizeof(*e));
	json_error_t jerr;
	json_t *doc, *commit, *parents, *runs, *run, *samples, *x;
	size_t i, j, total = 0, at = 0, nvalues = 0, vat = 0;
	int ret = 0;

	if (!e)
		abort();
	*out = NULL;
	doc = json_load_file(path, 0, &jerr);
	e->json = doc;
	if (!doc) {
		ret = pw_error_set(err, PW_EINVALID, "could not read spool file '%s': %s", path,
		                   jerr.text);
		goto done;
	}
	commit = json_object_get(doc, "commit");
	parents = json_object_get(commit, "parents");
	runs = json_object_get(doc, "runs");
	if (json_integer_value(json_object_get(doc, "perfwarden_spool")) != SPOOL_FORMAT ||
	    !json_is_object(commit) || !json_is_array(parents) || !json_is_array(runs) ||
	    !get_str(commit, "hash") || !get_str(doc, "repo_location") ||
	    !get_str(doc, "env_fingerprint")) {
		ret = pw_error_set(err, PW_EINVALID, "'%s' is not a perfwarden spool file", path);
		goto done;
	}
	e->results.repo_location = get_str(doc, "repo_location");
	e->results.repo_name = get_str(doc, "repo_name");
	e->results.env_fingerprint = get_str(doc, "env_fingerprint");
	e->results.env_details_json = get_str(doc, "env_details");
	e->results.commit.hash = get_str(commit, "hash");
	e->results.commit.author = get_str(commit, "author");
	e->results.commit.email = get_str(commit, "email");
	e->results.commit.subject = get_str(commit, "subject");
	e->results.commit.author_time = json_integer_value(json_object_get(commit, "author_time"));
	e->parents = calloc(json_array_size(parents) + 1, sizeof(*e->parents));
	e->runs = calloc(json_array_size(runs) + 1, sizeof(*e->runs));
	json_array_foreach(runs, i, run)
	{
		total += json_array_size(json_object_get(run, "samples"));
		nvalues += json_array_size(json_object_get(run, "values"));
	}
	e->samples = calloc(total + 1, sizeof(*e->samples));
	e->values = calloc(nvalues + 1, sizeof(*e->values));
	if (!e->parents || !e->runs || !e->samples || !e->values)
		abort();
	json_array_foreach(parents, i, x) e->parents[i] = json_string_value(x);
	e->results.commit.parents = e->parents;
	e->results.commit.nparents = json_array_size(parents);
	json_array_foreach(runs, i, run)
	{
		struct store_run_result *r = &e->runs[i];

		r->benchmark = get_str(run, "benchmark");
		if (!r->benchmark) {
			ret = pw_error_set(err, PW_EINVALID, "'%s': run %zu has no benchmark", path,
			                   i);
			goto done;
		}
		r->spec_hash = get_str(run, "spec_hash");
		r->started_us = json_integer_value(json_object_get(run, "started_us"));
		r->finished_us = json_integer_value(json_object_get(run, "finished_us"));
		r->verdict = get_str(run, "verdict");
		r->build_log_tail = get_str(run, "build_log_tail");
		r->diff_report = get_str(run, "diff_report");
		r->stderr_tail = get_str(run, "stderr_tail");
		r->metadata_json = get_str(run, "metadata");
		samples = json_object_get(run, "samples");
		r->samples = e->samples + at;
		r->nsamples = json_array_size(samples);
		json_array_foreach(samples, j, x)
		{
			struct sample *s = &e->samples[at++];

			s->wall_ns = get_metric(x, "wall_ns");
			s->user_ns = get_metric(x, "user_ns");
			s->sys_ns = get_metric(x, "sys_ns");
			s->maxrss_kib = get_metric(x, "maxrss_kib");
			s->minflt = get_metric(x, "minflt");
			s->majflt = get_metric(x, "majflt");
			s->nvcsw = get_metric(x, "nvcsw");
			s->nivcsw = get_metric(x, "nivcsw");
			s->instructions = get_metric(x, "instructions");
			s->cycles = get_metric(x, "cycles");
			s->branch_misses = get_metric(x, "branch_misses");
			s->cache_misses = get_metric(x, "cache_misses");
			s->exit_code = (int)json_integer_value(json_object_get(x, "exit_code"));
			s->term_signal = (int)json_integer_value(json_object_get(x, "term_signal"));
			s->timed_out = json_is_true(json_object_get(x, "timed_out"));
		}
		r->values = e->values + vat;
		r->nvalues = json_array_size(json_object_get(run, "values"));
		json_array_foreach(json_object_get(run, "values"), j, x)
		{
			struct store_value *v = &e->values[vat++];
			json_t *sample = json_object_get(x, "sample");

			v->metric = get_str(x, "metric");
			v->unit = get_str(x, "unit");
			v->direction = get_str(x, "direction");
			v->sample_seq = json_is_integer(sample) ? json_integer_value(sample) : -1;
			v->value = json_number_value(json_object_get(x, "value"));
			if (!v->metric) {
				ret = pw_error_set(err, PW_EINVALID,
				                   "'%s': a value of run %zu has no metric", path,
				                   i);
				goto done;
			}
		}
	}
	e->results.runs = e->runs;
	e->results.nruns = json_array_size(runs);
done:
	if (ret < 0)
		spool_entry_free(e);
	else
		*out = e;
	return ret;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int spool_list(struct spool_list *out, struct pw_error *err)
{
	struct strbuf dir = STRBUF_INIT;
	size_t alloc = 0;
	struct dirent *de;
	DIR *d;
	int ret = 0;

	spool_list_release(out);
	spool_dir(&dir);
	d = opendir(dir.buf);
	if (!d) {
		if (errno != ENOENT)
			ret = pw_error_errno(err, PW_EIO, "could not read '%s'", dir.buf);
		goto done; /* no spool: nothing spooled */
	}
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		struct strbuf path = STRBUF_INIT;

		if (len < 6 || strcmp(de->d_name + len - 5, ".json"))
			continue;
		if (out->n == alloc) {
			alloc = alloc ? 2 * alloc : 16;
			out->paths = realloc(out->paths, alloc * sizeof(*out->paths));
			if (!out->paths)
				abort();
		}
		strbuf_addf(&path, "%s/%s", dir.buf, de->d_name);
		out->paths[out->n++] = strbuf_detach(&path, NULL);
	}
	closedir(d);
	if (out->n)
		qsort(out->paths, out->n, sizeof(*out->paths), by_name);
done:
	strbuf_release(&dir);
	return ret;
}

void spool_list_release(struct spool_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->paths[i]);
	free(l->paths);
	l->paths = NULL;
	l->n = 0;
}

int spool_remove(const char *path, struct pw_error *err)
{
	if (unlink(path) < 0)
		return pw_error_errno(err, PW_EIO, "could not remove '%s'", path);
	return 0;
}
