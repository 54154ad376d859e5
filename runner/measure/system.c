/*
 * runner/measure/system: what the machine looks like to a benchmark. It reads the
 * cpu model, online/isolated cpus, SMT, cpufreq driver, governor, turbo,
 * frequency bounds, ASLR, perf_event_paranoid, load, virtualisation, kernel
 * and memory from sysfs/procfs, judges each for benchmarking with advice, and
 * condenses the settings that change timings into the environment
 * fingerprint the store files every measurement under. `system tune` writes
 * the fixed settings and saves the previous file contents so `system reset`
 * can put them back byte for byte.
 *
 * All paths go through root_path(), so a test can point PERFWARDEN_SYSFS_ROOT
 * at a fixture tree of plain files.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "paths.h"
#include "proc.h"
#include "system.h"

#define CPU_DIR "/sys/devices/system/cpu"
#define NA      "not available"

static char *xstrdup(const char *s)
{
	char *d = strdup(s ? s : "");

	if (!d)
		abort();
	return d;
}

const char *system_root(void)
{
	const char *r = getenv("PERFWARDEN_SYSFS_ROOT");

	return r && *r ? r : "/";
}

static void root_path(struct strbuf *out, const char *root, const char *path)
{
	size_t n = strlen(root);

	strbuf_reset(out);
	while (n > 0 && root[n - 1] == '/')
		n--;
	strbuf_add(out, root, n);
	strbuf_addstr(out, path);
}

/* Read `path` under `root`, trailing whitespace trimmed; 0, or -1 when unreadable. */
static int read_value(const char *root, const char *path, struct strbuf *out)
{
	struct strbuf full = STRBUF_INIT;
	int ret;

	root_path(&full, root, path);
	strbuf_reset(out);
	ret = strbuf_read_file(out, full.buf);
	strbuf_release(&full);
	if (ret < 0)
		return -1;
	strbuf_rtrim(out);
	return 0;
}

/*
 * Walk a kernel cpu list ("0-3,8,10-11"). Calls fn for each cpu; returns the
 * number of cpus, or -1 when the list is malformed.
 */
static int cpulist_each(const char *list, void (*fn)(int cpu, void *data), void *data)
{
	const char *p = list;
	int count = 0;

	while (*p && isspace((unsigned char)*p))
		p++;
	while (*p) {
		char *end;
		long lo = strtol(p, &end, 10), hi;

		if (end == p || lo < 0)
			return -1;
		hi = lo;
		p = end;
		if (*p == '-') {
			hi = strtol(p + 1, &end, 10);
			if (end == p + 1 || hi < lo)
				return -1;
			p = end;
		}
		for (; lo <= hi; lo++, count++)
			if (fn)
				fn((int)lo, data);
		if (*p == ',')
			p++;
		else if (*p && !isspace((unsigned char)*p))
			return -1;
		while (*p && isspace((unsigned char)*p))
			p++;
	}
	return count;
}

static void collect_cpu(int cpu, void *data)
{
	int *last = data;

	*last = cpu;
}

static void first_cpu(int cpu, void *data)
{
	int *first = data;

	if (*first < 0)
		*first = cpu;
}

struct cpu_array {
	int *cpus;
	int n, alloc;
};

static void push_cpu(int cpu, void *data)
{
	struct cpu_array *a = data;

	if (a->n == a->alloc) {
		a->alloc = a->alloc ? a->alloc * 2 : 16;
		a->cpus = realloc(a->cpus, (size_t)a->alloc * sizeof(*a->cpus));
		if (!a->cpus)
			abort();
	}
	a->cpus[a->n++] = cpu;
}

static void online_cpus(const char *root, struct cpu_array *out)
{
	struct strbuf v = STRBUF_INIT;

	if (read_value(root, CPU_DIR "/online", &v) == 0 && cpulist_each(v.buf, NULL, NULL) > 0)
		cpulist_each(v.buf, push_cpu, out);
	strbuf_release(&v);
}

/* --- items --- */

void system_init(struct system *sys)
{
	struct system init = SYSTEM_INIT;

	*sys = init;
}

void system_release(struct system *sys)
{
	size_t i;

	for (i = 0; i < sys->nitems; i++) {
		free(sys->items[i].name);
		free(sys->items[i].value);
		free(sys->items[i].advice);
	}
	free(sys->items);
	free(sys->root);
	free(sys->hostname);
	free(sys->cpu_model);
	free(sys->kernel);
	free(sys->online);
	free(sys->isolated);
	free(sys->governor);
	free(sys->turbo);
	free(sys->aslr);
	free(sys->smt);
	system_init(sys);
}

static void add_item(struct system *sys, const char *name, const char *value,
                     enum system_status status, const char *advice)
{
	struct system_item *it;

	if (sys->nitems == sys->alloc) {
		sys->alloc = sys->alloc ? sys->alloc * 2 : 32;
		sys->items = realloc(sys->items, sys->alloc * sizeof(*sys->items));
		if (!sys->items)
			abort();
	}
	it = &sys->items[sys->nitems++];
	it->name = xstrdup(name);
	it->value = xstrdup(value && *value ? value : NA);
	it->status = status;
	it->advice = xstrdup(advice);
}

const struct system_item *system_item_find(const struct system *sys, const char *name)
{
	size_t i;

	for (i = 0; i < sys->nitems; i++)
		if (!strcmp(sys->items[i].name, name))
			return &sys->items[i];
	return NULL;
}

const char *system_status_name(enum system_status status)
{
	switch (status) {
	case SYSTEM_GOOD:
		return "good";
	case SYSTEM_BAD:
		return "bad";
	default:
		return "n/a";
	}
}

int system_default_cpu(const struct system *sys)
{
	int cpu = -1;

	if (sys->isolated && *sys->isolated && cpulist_each(sys->isolated, first_cpu, &cpu) > 0 &&
	    cpu >= 0)
		return cpu;
	cpu = -1;
	if (sys->online && cpulist_each(sys->online, collect_cpu, &cpu) > 0 && cpu >= 0)
		return cpu;
	return 0;
}

static void mark_cpu(int cpu, void *data)
{
	cpu_set_t *set = data;

	if (cpu < CPU_SETSIZE)
		CPU_SET(cpu, set);
}

int system_spare_cpu(const struct system *sys, int timing_cpu)
{
	struct strbuf path = STRBUF_INIT, v = STRBUF_INIT;
	cpu_set_t online, siblings;
	int cpu, spare = -1, sibling = -1;

	CPU_ZERO(&online);
	CPU_ZERO(&siblings);
	if (!sys->online || cpulist_each(sys->online, mark_cpu, &online) <= 0)
		goto done;
	strbuf_addf(&path, CPU_DIR "/cpu%d/topology/thread_siblings_list", timing_cpu);
	if (timing_cpu >= 0 && read_value(sys->root, path.buf, &v) == 0 &&
	    cpulist_each(v.buf, NULL, NULL) > 0)
		cpulist_each(v.buf, mark_cpu, &siblings);
	for (cpu = 0; cpu < CPU_SETSIZE && spare < 0; cpu++) {
		if (cpu == timing_cpu || !CPU_ISSET(cpu, &online))
			continue;
		if (!CPU_ISSET(cpu, &siblings))
			spare = cpu;
		else if (sibling < 0)
			sibling = cpu;
	}
	if (spare < 0)
		spare = sibling;
done:
	strbuf_release(&path);
	strbuf_release(&v);
	return spare;
}

/* The value of the first "key : value" line of /proc/cpuinfo whose key is one of `keys`. */
static void cpuinfo_field(const char *cpuinfo, const char *const *keys, struct strbuf *out)
{
	const char *line;

	strbuf_reset(out);
	for (line = cpuinfo; line && *line;) {
		const char *eol = strchrnul(line, '\n'),
		           *colon = memchr(line, ':', (size_t)(eol - line));
		size_t i;

		if (colon) {
			size_t klen = (size_t)(colon - line);

			while (klen && isspace((unsigned char)line[klen - 1]))
				klen--;
			for (i = 0; keys[i]; i++) {
				if (strlen(keys[i]) == klen && !strncmp(line, keys[i], klen)) {
					const char *v = colon + 1;

					while (v < eol && isspace((unsigned char)*v))
						v++;
					strbuf_add(out, v, (size_t)(eol - v));
					strbuf_rtrim(out);
					return;
				}
			}
		}
		line = *eol ? eol + 1 : NULL;
	}
}

static int cpuinfo_has_flag(const char *cpuinfo, const char *flag)
{
	static const char *const keys[] = {"flags", "Features", NULL};
	struct strbuf flags = STRBUF_INIT;
	const char *p;
	size_t n = strlen(flag);
	int found = 0;

	cpuinfo_field(cpuinfo, keys, &flags);
	for (p = flags.buf; p && (p = strstr(p, flag)); p += n)
		if ((p == flags.buf || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0')) {
			found = 1;
			break;
		}
	strbuf_release(&flags);
	return found;
}

static void read_cpu_items(struct system *sys, const char *cpuinfo)
{
	static const char *const model_keys[] = {"model name", "Model", "Hardware",
	                                         "cpu model",  "cpu",   NULL};
	struct strbuf v = STRBUF_INIT, s = STRBUF_INIT;
	int n;

	cpuinfo_field(cpuinfo, model_keys, &v);
	sys->cpu_model = xstrdup(v.buf);
	add_item(sys, "cpu model", v.buf, SYSTEM_NA, "");

	if (read_value(sys->root, CPU_DIR "/online", &v) == 0 &&
	    (n = cpulist_each(v.buf, NULL, NULL)) > 0) {
		sys->online = xstrdup(v.buf);
		sys->ncpus_online = n;
		strbuf_addf(&v, " (%d cpu%s)", n, n == 1 ? "" : "s");
		add_item(sys, "cpus online", v.buf, SYSTEM_NA, "");
	} else {
		sys->online = xstrdup("");
		add_item(sys, "cpus online", NA, SYSTEM_NA, "");
	}

	if (read_value(sys->root, CPU_DIR "/isolated", &v) < 0) {
		sys->isolated = xstrdup("");
		add_item(sys, "cpus isolated", NA, SYSTEM_NA, "");
	} else if (!v.len) {
		sys->isolated = xstrdup("");
		add_item(sys, "cpus isolated", "none", SYSTEM_BAD,
		         "isolate a benchmark cpu: isolcpus=N nohz_full=N rcu_nocbs=N on the "
		         "kernel command line");
	} else {
		sys->isolated = xstrdup(v.buf);
		add_item(sys, "cpus isolated", v.buf, SYSTEM_GOOD, "");
	}

	if (read_value(sys->root, CPU_DIR "/smt/active", &v) < 0) {
		sys->smt = xstrdup("");
		add_item(sys, "smt", NA, SYSTEM_NA, "");
	} else {
		sys->smt = xstrdup(v.buf);
		if (!strcmp(v.buf, "0"))
			add_item(sys, "smt", "inactive", SYSTEM_GOOD, "");
		else
			add_item(sys, "smt", "active", SYSTEM_BAD,
			         "turn SMT off: echo off > /sys/devices/system/cpu/smt/control");
	}

	{
		int cpu = system_default_cpu(sys);
		struct strbuf name = STRBUF_INIT, path = STRBUF_INIT;

		strbuf_addf(&name, "smt siblings of cpu %d", cpu);
		strbuf_addf(&path, CPU_DIR "/cpu%d/topology/thread_siblings_list", cpu);
		if (read_value(sys->root, path.buf, &v) < 0) {
			add_item(sys, name.buf, NA, SYSTEM_NA, "");
		} else {
			strbuf_reset(&s);
			strbuf_addf(&s, "%d", cpu);
			if (!strcmp(v.buf, s.buf)) {
				add_item(sys, name.buf, v.buf, SYSTEM_GOOD, "");
			} else {
				strbuf_reset(&s);
				strbuf_addf(&s,
				            "cpu %d shares its core with %s: keep the siblings "
				            "idle or turn SMT off",
				            cpu, v.buf);
				add_item(sys, name.buf, v.buf, SYSTEM_BAD, s.buf);
			}
		}
		strbuf_release(&name);
		strbuf_release(&path);
	}
	strbuf_release(&v);
	strbuf_release(&s);
}

static void read_cpufreq_items(struct system *sys)
{
	struct cpu_array cpus = {NULL, 0, 0};
	struct strbuf v = STRBUF_INIT, path = STRBUF_INIT, all = STRBUF_INIT;
	struct strbuf first = STRBUF_INIT;
	int i, found = 0, mixed = 0, all_perf = 1, cpu = system_default_cpu(sys);

	online_cpus(sys->root, &cpus);

	strbuf_addf(&path, CPU_DIR "/cpu%d/cpufreq/scaling_driver", cpus.n ? cpus.cpus[0] : 0);
	if (read_value(sys->root, path.buf, &v) < 0)
		add_item(sys, "scaling driver", NA, SYSTEM_NA, "");
	else
		add_item(sys, "scaling driver", v.buf, SYSTEM_NA, "");

	for (i = 0; i < cpus.n; i++) {
		strbuf_reset(&path);
		strbuf_addf(&path, CPU_DIR "/cpu%d/cpufreq/scaling_governor", cpus.cpus[i]);
		if (read_value(sys->root, path.buf, &v) < 0)
			continue;
		if (!found++)
			strbuf_addstr(&first, v.buf);
		else if (strcmp(first.buf, v.buf))
			mixed = 1;
		if (strcmp(v.buf, "performance"))
			all_perf = 0;
		strbuf_addf(&all, "%scpu%d=%s", all.len ? "," : "", cpus.cpus[i], v.buf);
	}
	if (!found) {
		sys->governor = xstrdup("");
		add_item(sys, "governor", NA, SYSTEM_NA, "");
	} else {
		sys->governor = xstrdup(mixed ? all.buf : first.buf);
		add_item(sys, "governor", sys->governor, all_perf ? SYSTEM_GOOD : SYSTEM_BAD,
		         all_perf ? "" : "set governor to performance: perfwarden system tune");
	}

	if (read_value(sys->root, CPU_DIR "/intel_pstate/no_turbo", &v) == 0) {
		sys->turbo = xstrdup(!strcmp(v.buf, "1") ? "off" : "on");
		strbuf_addstr(&v, " (intel_pstate/no_turbo)");
	} else if (read_value(sys->root, CPU_DIR "/cpufreq/boost", &v) == 0) {
		sys->turbo = xstrdup(!strcmp(v.buf, "0") ? "off" : "on");
		strbuf_addstr(&v, " (cpufreq/boost)");
	} else {
		sys->turbo = xstrdup("");
	}
	if (!*sys->turbo) {
		add_item(sys, "turbo/boost", NA, SYSTEM_NA, "");
	} else {
		strbuf_reset(&all);
		strbuf_addf(&all, "%s: %s", sys->turbo, v.buf);
		if (!strcmp(sys->turbo, "off"))
			add_item(sys, "turbo/boost", all.buf, SYSTEM_GOOD, "");
		else
			add_item(sys, "turbo/boost", all.buf, SYSTEM_BAD,
			         "turn turbo off: perfwarden system tune");
	}

	{
		struct strbuf name = STRBUF_INIT, lo = STRBUF_INIT, hi = STRBUF_INIT;

		strbuf_addf(&name, "frequency of cpu %d", cpu);
		strbuf_reset(&path);
		strbuf_addf(&path, CPU_DIR "/cpu%d/cpufreq/scaling_min_freq", cpu);
		if (read_value(sys->root, path.buf, &lo) == 0) {
			strbuf_reset(&path);
			strbuf_addf(&path, CPU_DIR "/cpu%d/cpufreq/scaling_max_freq", cpu);
		}
		if (!lo.len || read_value(sys->root, path.buf, &hi) < 0) {
			add_item(sys, name.buf, NA, SYSTEM_NA, "");
		} else {
			strbuf_reset(&all);
			strbuf_addf(&all, "min %ld MHz, max %ld MHz", atol(lo.buf) / 1000,
			            atol(hi.buf) / 1000);
			if (!strcmp(lo.buf, hi.buf))
				add_item(sys, name.buf, all.buf, SYSTEM_GOOD, "");
			else
				add_item(sys, name.buf, all.buf, SYSTEM_BAD,
				         "pin the frequency (min = max): perfwarden system tune");
		}
		strbuf_release(&name);
		strbuf_release(&lo);
		strbuf_release(&hi);
	}
	free(cpus.cpus);
	strbuf_release(&v);
	strbuf_release(&path);
	strbuf_release(&all);
	strbuf_release(&first);
}

static void read_kernel_items(struct system *sys)
{
	struct strbuf v = STRBUF_INIT;
	const char *why = NULL;

	if (read_value(sys->root, "/proc/sys/kernel/randomize_va_space", &v) < 0) {
		sys->aslr = xstrdup("");
		add_item(sys, "aslr", NA, SYSTEM_NA, "");
	} else {
		sys->aslr = xstrdup(v.buf);
		if (!strcmp(v.buf, "0")) {
			add_item(sys, "aslr", "0 (off)", SYSTEM_GOOD, "");
		} else {
			strbuf_addstr(&v, !strcmp(v.buf, "1") ? " (partial)" : " (full)");
			add_item(sys, "aslr", v.buf, SYSTEM_NA,
			         "nothing to do: perfwarden runs each benchmark with a fixed "
			         "layout (ADDR_NO_RANDOMIZE)");
		}
	}

	if (read_value(sys->root, "/proc/sys/kernel/perf_event_paranoid", &v) < 0)
		add_item(sys, "perf_event_paranoid", NA, SYSTEM_NA, "");
	else if (atoi(v.buf) <= 2)
		add_item(sys, "perf_event_paranoid", v.buf, SYSTEM_GOOD, "");
	else
		add_item(sys, "perf_event_paranoid", v.buf, SYSTEM_BAD,
		         "allow user-space counters: sysctl kernel.perf_event_paranoid=2");

	if (proc_counters_available(&why)) {
		add_item(sys, "hardware counters", "available", SYSTEM_GOOD, "");
	} else {
		strbuf_reset(&v);
		strbuf_addf(&v, "not available (%s)", why);
		add_item(sys, "hardware counters", v.buf, SYSTEM_NA,
		         "for a deterministic metric use --instructions (cachegrind)");
	}

	if (read_value(sys->root, "/proc/loadavg", &v) < 0) {
		add_item(sys, "load average", NA, SYSTEM_NA, "");
	} else {
		char a[32] = "", b[32] = "", c[32] = "";
		struct strbuf shown = STRBUF_INIT;

		if (sscanf(v.buf, "%31s %31s %31s", a, b, c) == 3) {
			strbuf_addf(&shown, "%s %s %s", a, b, c);
			if (atof(a) < 1.0)
				add_item(sys, "load average", shown.buf, SYSTEM_GOOD, "");
			else
				add_item(sys, "load average", shown.buf, SYSTEM_BAD,
				         "other work is running: benchmark on an idle machine");
		} else {
			add_item(sys, "load average", NA, SYSTEM_NA, "");
		}
		strbuf_release(&shown);
	}

	if (read_value(sys->root, "/proc/sys/kernel/osrelease", &v) < 0)
		sys->kernel = xstrdup("");
	else
		sys->kernel = xstrdup(v.buf);
	add_item(sys, "kernel", sys->kernel, SYSTEM_NA, "");

	if (read_value(sys->root, "/proc/sys/kernel/hostname", &v) < 0)
		sys->hostname = xstrdup("");
	else
		sys->hostname = xstrdup(v.buf);
	add_item(sys, "hostname", sys->hostname, SYSTEM_NA, "");
	strbuf_release(&v);
}

static long meminfo_kib(const char *meminfo, const char *key)
{
	const char *p = strstr(meminfo, key);

	return p ? atol(p + strlen(key)) : -1;
}

static void read_memory_item(struct system *sys)
{
	struct strbuf v = STRBUF_INIT, shown = STRBUF_INIT;
	long total, avail;

	if (read_value(sys->root, "/proc/meminfo", &v) == 0 &&
	    (total = meminfo_kib(v.buf, "MemTotal:")) >= 0) {
		avail = meminfo_kib(v.buf, "MemAvailable:");
		strbuf_addf(&shown, "%.1f GiB total", (double)total / (1024.0 * 1024.0));
		if (avail >= 0)
			strbuf_addf(&shown, ", %.1f GiB available",
			            (double)avail / (1024.0 * 1024.0));
		add_item(sys, "memory", shown.buf, SYSTEM_NA, "");
	} else {
		add_item(sys, "memory", NA, SYSTEM_NA, "");
	}
	strbuf_release(&v);
	strbuf_release(&shown);
}

/* systemd-detect-virt's answer ("kvm", "docker", ...), only for the real root. */
static void detect_virt(const char *root, struct strbuf *out)
{
	static const char *const env[] = {"PATH=/usr/bin:/bin:/usr/sbin:/sbin", NULL};
	const char *argv[] = {"systemd-detect-virt", NULL};
	struct proc_spec spec = PROC_SPEC_INIT;
	struct proc_result res;

	strbuf_reset(out);
	if (strcmp(root, "/"))
		return;
	proc_result_init(&res);
	spec.argv = argv;
	spec.env = env;
	spec.timeout_ms = 5000;
	spec.stdout_mode = PROC_STDOUT_CAPTURE;
	spec.no_counters = 1;
	if (proc_run(&spec, &res, NULL) == 0 && res.sample.exit_code == 0) {
		strbuf_rtrim(&res.stdout_buf);
		strbuf_addstr(out, strbuf_str(&res.stdout_buf));
	}
	proc_result_release(&res);
}

static void read_virt_item(struct system *sys, const char *cpuinfo)
{
	struct strbuf v = STRBUF_INIT, shown = STRBUF_INIT;

	if (cpuinfo_has_flag(cpuinfo, "hypervisor"))
		strbuf_addstr(&shown, "hypervisor cpu flag");
	if (read_value(sys->root, "/sys/class/dmi/id/product_name", &v) == 0 && v.len)
		strbuf_addf(&shown, "%sproduct '%s'", shown.len ? "; " : "", v.buf);
	detect_virt(sys->root, &v);
	if (v.len && strcmp(v.buf, "none"))
		strbuf_addf(&shown, "%ssystemd-detect-virt: %s", shown.len ? "; " : "", v.buf);
	if (cpuinfo_has_flag(cpuinfo, "hypervisor") || (v.len && strcmp(v.buf, "none"))) {
		strbuf_reset(&v);
		strbuf_addf(&v, "yes (%s)", shown.buf);
		add_item(sys, "virtualization", v.buf, SYSTEM_BAD,
		         "a virtual machine shares its host: expect more noise, compare only "
		         "within this fingerprint, prefer bare metal");
	} else if (!*cpuinfo) {
		add_item(sys, "virtualization", NA, SYSTEM_NA, "");
	} else {
		strbuf_reset(&v);
		strbuf_addstr(&v, "no");
		if (shown.len)
			strbuf_addf(&v, " (%s)", shown.buf);
		add_item(sys, "virtualization", v.buf, SYSTEM_GOOD, "");
	}
	strbuf_release(&v);
	strbuf_release(&shown);
}

int system_read(struct system *sys, const char *root, struct pw_error *err)
{
	struct strbuf cpuinfo = STRBUF_INIT;
	struct stat st;
	int ret = 0;

	system_release(sys);
	if (!root)
		root = system_root();
	if (stat(root, &st) < 0 || !S_ISDIR(st.st_mode)) {
		ret = pw_error_set(err, PW_EINVALID, "system root '%s' is not a directory", root);
		goto done;
	}
	sys->root = xstrdup(root);
	if (read_value(root, "/proc/cpuinfo", &cpuinfo) < 0)
		strbuf_reset(&cpuinfo);

	read_cpu_items(sys, strbuf_str(&cpuinfo));
	read_cpufreq_items(sys);
	read_kernel_items(sys);
	read_memory_item(sys);
	read_virt_item(sys, strbuf_str(&cpuinfo));
done:
	strbuf_release(&cpuinfo);
	return ret;
}

/* --- fingerprint and JSON --- */

static json_t *fingerprint_details(const struct system *sys)
{
	return json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:s, s:s}", "hostname",
	                 sys->hostname ? sys->hostname : "", "cpu_model",
	                 sys->cpu_model ? sys->cpu_model : "", "cpus", sys->ncpus_online,
	                 "governor", sys->governor ? sys->governor : "", "turbo",
	                 sys->turbo ? sys->turbo : "", "smt", sys->smt ? sys->smt : "", "aslr",
	                 sys->aslr ? sys->aslr : "", "kernel", sys->kernel ? sys->kernel : "");
}

void system_fingerprint(const struct system *sys, struct strbuf *hex, json_t **details)
{
	json_t *d = fingerprint_details(sys);
	char *canon = json_dumps(d, JSON_SORT_KEYS | JSON_COMPACT);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;

	if (!canon || !EVP_Digest(canon, strlen(canon), md, &mdlen, EVP_sha256(), NULL))
		abort();
	for (i = 0; i < 8 && i < mdlen; i++)
		strbuf_addf(hex, "%02x", md[i]);
	free(canon);
	if (details)
		*details = d;
	else
		json_decref(d);
}

json_t *system_to_json(const struct system *sys)
{
	struct strbuf hex = STRBUF_INIT;
	json_t *details = NULL, *items = json_array(), *doc;
	size_t i;

	for (i = 0; i < sys->nitems; i++)
		json_array_append_new(items,
		                      json_pack("{s:s, s:s, s:s, s:s}", "name", sys->items[i].name,
		                                "value", sys->items[i].value, "status",
		                                system_status_name(sys->items[i].status), "advice",
		                                sys->items[i].advice));
	system_fingerprint(sys, &hex, &details);
	doc = json_pack("{s:s, s:s, s:o, s:i, s:o}", "root", sys->root ? sys->root : "",
	                "fingerprint", hex.buf, "fingerprint_details", details, "default_cpu",
	                system_default_cpu(sys), "items", items);
	strbuf_release(&hex);
	return doc;
}

/* --- tune and reset --- */

void system_changes_release(struct system_changes *ch)
{
	strbuf_release(&ch->changed);
	strbuf_release(&ch->unavailable);
	ch->nchanged = 0;
}

void system_tune_state_path(struct strbuf *out)
{
	paths_home(out);
	strbuf_addstr(out, "/system-tune.json");
}

static void show_value(struct strbuf *out, const char *v)
{
	size_t n = strlen(v);

	while (n && isspace((unsigned char)v[n - 1]))
		n--;
	strbuf_add(out, v, n);
}

static int write_raw(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	size_t off = 0;
	int saved;

	if (fd < 0)
		return -1;
	while (off < len) {
		ssize_t n = write(fd, data + off, len - off);

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
	return close(fd);
}

static json_t *state_find(json_t *changes, const char *path)
{
	size_t i;
	json_t *c;

	json_array_foreach(changes, i, c)
	{
		const char *p = json_string_value(json_object_get(c, "path"));

		if (p && !strcmp(p, path))
			return c;
	}
	return NULL;
}

/*
 * Set `path` (under root) to `value`: when the file exists and differs,
 * record its previous bytes in `changes`. Missing → listed as unavailable.
 */
static int tune_one(const char *root, const char *path, const char *value, json_t *changes,
                    struct system_changes *ch, struct pw_error *err)
{
	struct strbuf full = STRBUF_INIT, prev = STRBUF_INIT, want = STRBUF_INIT;
	json_t *entry;
	int ret = 0;

	root_path(&full, root, path);
	if (strbuf_read_file(&prev, full.buf) < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			strbuf_addf(&ch->unavailable, "%s\n", path);
		else
			ret = pw_error_errno(err, PW_EIO, "could not read '%s'", full.buf);
		goto done;
	}
	strbuf_addf(&want, "%s\n", value);
	if (!strcmp(prev.buf ? prev.buf : "", want.buf))
		goto done;
	if (write_raw(full.buf, want.buf, want.len) < 0) {
		ret = pw_error_errno(err, PW_EIO, "could not write '%s' to '%s'", value, full.buf);
		goto done;
	}
	entry = state_find(changes, path);
	if (!entry)
		json_array_append_new(changes,
		                      json_pack("{s:s, s:s%, s:s}", "path", path, "previous",
		                                strbuf_str(&prev), prev.len, "value", want.buf));
	else
		json_object_set_new(entry, "value", json_string(want.buf));
	strbuf_addf(&ch->changed, "%s: ", path);
	show_value(&ch->changed, strbuf_str(&prev));
	strbuf_addf(&ch->changed, " -> %s\n", value);
	ch->nchanged++;
done:
	strbuf_release(&full);
	strbuf_release(&prev);
	strbuf_release(&want);
	return ret;
}

static int require_root(const char *what, struct pw_error *err)
{
	if (geteuid() != 0)
		return pw_error_set(err, PW_EUNSUPPORTED,
		                    "system %s must run as root (try: sudo perfwarden system %s)",
		                    what, what);
	return 0;
}

static int save_state(const char *state_path, json_t *state, struct pw_error *err)
{
	struct strbuf dir = STRBUF_INIT, tmp = STRBUF_INIT;
	const char *slash = strrchr(state_path, '/');
	int ret = 0;

	if (slash && slash != state_path) {
		strbuf_add(&dir, state_path, (size_t)(slash - state_path));
		if (paths_mkdir_p(dir.buf, 0755) < 0) {
			ret = pw_error_errno(err, PW_EIO, "could not create '%s'", dir.buf);
			goto done;
		}
	}
	strbuf_addf(&tmp, "%s.tmp", state_path);
	if (json_dump_file(state, tmp.buf, JSON_INDENT(2)) < 0 || rename(tmp.buf, state_path) < 0) {
		ret = pw_error_errno(err, PW_EIO, "could not save '%s'", state_path);
		unlink(tmp.buf);
	}
done:
	strbuf_release(&dir);
	strbuf_release(&tmp);
	return ret;
}

static int load_state(const char *state_path, json_t **out, struct pw_error *err)
{
	json_error_t jerr;
	json_t *state;

	*out = NULL;
	if (access(state_path, F_OK) < 0)
		return errno == ENOENT
		               ? PW_ENOTFOUND
		               : pw_error_errno(err, PW_EIO, "could not read '%s'", state_path);
	state = json_load_file(state_path, 0, &jerr);
	if (!state || !json_is_array(json_object_get(state, "changes"))) {
		json_decref(state);
		return pw_error_set(err, PW_EINVALID, "'%s' is not a perfwarden tune state: %s",
		                    state_path, state ? "no \"changes\" array" : jerr.text);
	}
	*out = state;
	return 0;
}

int system_tune(const char *root, const char *state_path, struct system_changes *ch,
                struct pw_error *err)
{
	struct cpu_array cpus = {NULL, 0, 0};
	struct strbuf path = STRBUF_INIT, maxf = STRBUF_INIT;
	json_t *state = NULL, *changes;
	int ret, i, first_err = 0;

	if (!root)
		root = system_root();
	if ((ret = require_root("tune", err)))
		goto done;
	ret = load_state(state_path, &state, err);
	if (ret == PW_ENOTFOUND) {
		state = json_pack("{s:i, s:s, s:[]}", "version", 1, "root", root, "changes");
		ret = 0;
	}
	if (ret)
		goto done;
	changes = json_object_get(state, "changes");

	online_cpus(root, &cpus);
	if (!cpus.n)
		strbuf_addstr(&ch->unavailable, CPU_DIR "/online\n");

	ret = tune_one(root, CPU_DIR "/intel_pstate/no_turbo", "1", changes, ch, err);
	if (!ret)
		ret = tune_one(root, CPU_DIR "/cpufreq/boost", "0", changes, ch, err);
	for (i = 0; !ret && i < cpus.n; i++) {
		strbuf_reset(&path);
		strbuf_addf(&path, CPU_DIR "/cpu%d/cpufreq/scaling_governor", cpus.cpus[i]);
		ret = tune_one(root, path.buf, "performance", changes, ch, err);
		if (ret)
			break;
		strbuf_reset(&path);
		strbuf_addf(&path, CPU_DIR "/cpu%d/cpufreq/scaling_max_freq", cpus.cpus[i]);
		if (read_value(root, path.buf, &maxf) < 0 || !maxf.len) {
			strbuf_addf(&ch->unavailable, "%s\n", path.buf);
			continue;
		}
		strbuf_reset(&path);
		strbuf_addf(&path, CPU_DIR "/cpu%d/cpufreq/scaling_min_freq", cpus.cpus[i]);
		ret = tune_one(root, path.buf, maxf.buf, changes, ch, err);
	}
	first_err = ret;
	if (json_array_size(changes) > 0 && ch->nchanged > 0) {
		struct pw_error save_err = PW_ERROR_INIT;

		ret = save_state(state_path, state, first_err ? &save_err : err);
		if (first_err)
			pw_error_release(&save_err);
	}
	if (first_err)
		ret = first_err;
done:
	json_decref(state);
	free(cpus.cpus);
	strbuf_release(&path);
	strbuf_release(&maxf);
	return ret;
}

int system_reset(const char *root, const char *state_path, struct system_changes *ch,
                 struct pw_error *err)
{
	struct strbuf full = STRBUF_INIT, cur = STRBUF_INIT;
	json_t *state = NULL, *changes;
	size_t i;
	int ret;

	if (!root)
		root = system_root();
	if ((ret = require_root("reset", err)))
		goto done;
	ret = load_state(state_path, &state, err);
	if (ret == PW_ENOTFOUND) {
		pw_error_set(err, ret, "nothing to restore: no '%s'", state_path);
		goto done;
	}
	if (ret)
		goto done;
	changes = json_object_get(state, "changes");
	for (i = json_array_size(changes); i-- > 0;) {
		json_t *c = json_array_get(changes, i), *prev = json_object_get(c, "previous");
		const char *path = json_string_value(json_object_get(c, "path"));

		if (!path || !json_is_string(prev)) {
			ret = pw_error_set(err, PW_EINVALID,
			                   "'%s': change %zu has no path or value", state_path, i);
			goto done;
		}
		root_path(&full, root, path);
		strbuf_reset(&cur);
		if (strbuf_read_file(&cur, full.buf) < 0) {
			if (errno == ENOENT) {
				strbuf_addf(&ch->unavailable, "%s\n", path);
				continue;
			}
			ret = pw_error_errno(err, PW_EIO, "could not read '%s'", full.buf);
			goto done;
		}
		if (write_raw(full.buf, json_string_value(prev), json_string_length(prev)) < 0) {
			ret = pw_error_errno(err, PW_EIO, "could not restore '%s'", full.buf);
			goto done;
		}
		strbuf_addf(&ch->changed, "%s: ", path);
		show_value(&ch->changed, strbuf_str(&cur));
		strbuf_addstr(&ch->changed, " -> ");
		show_value(&ch->changed, json_string_value(prev));
		strbuf_addch(&ch->changed, '\n');
		ch->nchanged++;
	}
	if (unlink(state_path) < 0)
		ret = pw_error_errno(err, PW_EIO, "could not remove '%s'", state_path);
done:
	json_decref(state);
	strbuf_release(&full);
	strbuf_release(&cur);
	return ret;
}
