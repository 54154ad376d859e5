/*
 * Tests of runner/measure/system on fixture trees: a directory of plain files laid
 * out like /sys and /proc, built fresh for each test, read through the root
 * argument; tune and reset really write and restore those files.
 */
#include <errno.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "paths.h"
#include "system.h"

#define CPU "/sys/devices/system/cpu"

struct fixture {
	char root[64];
	char state[128];
};

static void put(const char *root, const char *rel, const char *content)
{
	struct strbuf path = STRBUF_INIT, sb = STRBUF_INIT;
	char *slash;

	strbuf_addf(&path, "%s%s", root, rel);
	slash = strrchr(path.buf, '/');
	*slash = '\0';
	assert_int_equal(paths_mkdir_p(path.buf, 0755), 0);
	*slash = '/';
	strbuf_addstr(&sb, content);
	assert_int_equal(strbuf_write_file(&sb, path.buf), 0);
	strbuf_release(&path);
	strbuf_release(&sb);
}

static char *get(const char *root, const char *rel)
{
	struct strbuf path = STRBUF_INIT, sb = STRBUF_INIT;

	strbuf_addf(&path, "%s%s", root, rel);
	assert_int_equal(strbuf_read_file(&sb, path.buf), 0);
	strbuf_release(&path);
	return strbuf_detach(&sb, NULL);
}

/* A four-cpu Intel machine, badly set up for benchmarking. */
static void put_machine(const char *root)
{
	int cpu;

	put(root, "/proc/cpuinfo",
	    "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Core(TM) "
	    "i7-8650U CPU @ 1.90GHz\nflags\t\t: fpu vme sse sse2 avx2\n\nprocessor\t: 1\n");
	put(root, CPU "/online", "0-3\n");
	put(root, CPU "/isolated", "2-3\n");
	put(root, CPU "/smt/active", "1\n");
	put(root, CPU "/cpu2/topology/thread_siblings_list", "2,6\n");
	put(root, CPU "/intel_pstate/no_turbo", "0\n");
	for (cpu = 0; cpu < 4; cpu++) {
		char rel[128];

		snprintf(rel, sizeof(rel), CPU "/cpu%d/cpufreq/scaling_driver", cpu);
		put(root, rel, "intel_pstate\n");
		snprintf(rel, sizeof(rel), CPU "/cpu%d/cpufreq/scaling_governor", cpu);
		put(root, rel, cpu == 0 ? "powersave\n" : "performance\n");
		snprintf(rel, sizeof(rel), CPU "/cpu%d/cpufreq/scaling_min_freq", cpu);
		put(root, rel, "800000\n");
		snprintf(rel, sizeof(rel), CPU "/cpu%d/cpufreq/scaling_max_freq", cpu);
		put(root, rel, "4200000\n");
	}
	put(root, "/proc/sys/kernel/randomize_va_space", "2\n");
	put(root, "/proc/sys/kernel/perf_event_paranoid", "4\n");
	put(root, "/proc/sys/kernel/osrelease", "6.1.0-13-amd64\n");
	put(root, "/proc/sys/kernel/hostname", "bench1\n");
	put(root, "/proc/loadavg", "0.05 0.10 0.20 1/234 5678\n");
	put(root, "/proc/meminfo",
	    "MemTotal:       16303532 kB\nMemFree:         1000000 kB\nMemAvailable:   "
	    "12000000 kB\n");
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	snprintf(f->root, sizeof(f->root), "/tmp/pwtest-system.XXXXXX");
	if (!mkdtemp(f->root))
		return -1;
	snprintf(f->state, sizeof(f->state), "%s/home/system-tune.json", f->root);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	nftw(f->root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static const struct system_item *item(const struct system *sys, const char *name)
{
	const struct system_item *it = system_item_find(sys, name);

	if (!it)
		fail_msg("no item '%s'", name);
	return it;
}

static void test_system__fixture_machine_is_read_and_judged(void **state)
{
	struct fixture *f = *state;
	struct system sys = SYSTEM_INIT;

	put_machine(f->root);
	assert_int_equal(system_read(&sys, f->root, NULL), 0);
	assert_string_equal(item(&sys, "cpu model")->value,
	                    "Intel(R) Core(TM) i7-8650U CPU @ 1.90GHz");
	assert_string_equal(item(&sys, "cpus online")->value, "0-3 (4 cpus)");
	assert_int_equal(sys.ncpus_online, 4);
	assert_string_equal(item(&sys, "cpus isolated")->value, "2-3");
	assert_int_equal(item(&sys, "cpus isolated")->status, SYSTEM_GOOD);
	assert_int_equal(system_default_cpu(&sys), 2);
	assert_string_equal(item(&sys, "smt")->value, "active");
	assert_int_equal(item(&sys, "smt")->status, SYSTEM_BAD);
	assert_string_equal(item(&sys, "smt siblings of cpu 2")->value, "2,6");
	assert_int_equal(item(&sys, "smt siblings of cpu 2")->status, SYSTEM_BAD);
	assert_string_equal(item(&sys, "scaling driver")->value, "intel_pstate");
	assert_string_equal(item(&sys, "governor")->value,
	                    "cpu0=powersave,cpu1=performance,cpu2=performance,cpu3=performance");
	assert_int_equal(item(&sys, "governor")->status, SYSTEM_BAD);
	assert_non_null(strstr(item(&sys, "governor")->advice, "perfwarden system tune"));
	assert_string_equal(item(&sys, "turbo/boost")->value, "on: 0 (intel_pstate/no_turbo)");
	assert_int_equal(item(&sys, "turbo/boost")->status, SYSTEM_BAD);
	assert_string_equal(item(&sys, "frequency of cpu 2")->value, "min 800 MHz, max 4200 MHz");
	assert_int_equal(item(&sys, "frequency of cpu 2")->status, SYSTEM_BAD);
	assert_string_equal(item(&sys, "aslr")->value, "2 (full)");
	assert_string_equal(item(&sys, "perf_event_paranoid")->value, "4");
	assert_int_equal(item(&sys, "perf_event_paranoid")->status, SYSTEM_BAD);
	assert_string_equal(item(&sys, "load average")->value, "0.05 0.10 0.20");
	assert_int_equal(item(&sys, "load average")->status, SYSTEM_GOOD);
	assert_string_equal(item(&sys, "kernel")->value, "6.1.0-13-amd64");
	assert_string_equal(item(&sys, "hostname")->value, "bench1");
	assert_string_equal(item(&sys, "memory")->value, "15.5 GiB total, 11.4 GiB available");
	assert_string_equal(item(&sys, "virtualization")->value, "no");
	assert_int_equal(item(&sys, "virtualization")->status, SYSTEM_GOOD);
	system_release(&sys);
}

static void test_system__missing_files_are_not_available_not_errors(void **state)
{
	struct fixture *f = *state;
	struct system sys = SYSTEM_INIT;
	struct pw_error err = PW_ERROR_INIT;
	size_t i;

	assert_int_equal(system_read(&sys, f->root, &err), 0);
	assert_true(sys.nitems >= 15);
	for (i = 0; i < sys.nitems; i++) {
		if (!strcmp(sys.items[i].name, "hardware counters"))
			continue; /* probed on the real machine, not under root */
		assert_string_equal(sys.items[i].value, "not available");
		assert_int_equal(sys.items[i].status, SYSTEM_NA);
	}
	assert_int_equal(system_default_cpu(&sys), 0);

	assert_int_equal(system_read(&sys, "/nonexistent/root", &err), PW_EINVALID);
	assert_string_equal(pw_error_message(&err),
	                    "system root '/nonexistent/root' is not a directory");
	system_release(&sys);
	pw_error_release(&err);
}

static void test_system__default_cpu_is_the_last_online_without_isolated(void **state)
{
	struct fixture *f = *state;
	struct system sys = SYSTEM_INIT;

	put(f->root, CPU "/online", "0,2,5-7\n");
	put(f->root, CPU "/isolated", "\n");
	assert_int_equal(system_read(&sys, f->root, NULL), 0);
	assert_int_equal(system_default_cpu(&sys), 7);
	assert_int_equal(sys.ncpus_online, 5);
	assert_string_equal(item(&sys, "cpus isolated")->value, "none");
	assert_int_equal(item(&sys, "cpus isolated")->status, SYSTEM_BAD);

	put(f->root, CPU "/online", "0-x\n");
	assert_int_equal(system_read(&sys, f->root, NULL), 0);
	assert_string_equal(item(&sys, "cpus online")->value, "not available");
	system_release(&sys);
}

static void test_system__spare_cpu_is_another_online_cpu_off_the_timing_core(void **state)
{
	struct fixture *f = *state;
	struct system sys = SYSTEM_INIT;

	put_machine(f->root);
	put(f->root, CPU "/cpu3/topology/thread_siblings_list", "0,3\n");
	assert_int_equal(system_read(&sys, f->root, NULL), 0);
	assert_int_equal(system_spare_cpu(&sys, system_default_cpu(&sys)), 0);
	assert_int_equal(system_spare_cpu(&sys, 0), 1);
	assert_int_equal(system_spare_cpu(&sys, 3), 1); /* not 0: it shares cpu 3's core */

	put(f->root, CPU "/online", "0,3\n");
	assert_int_equal(system_read(&sys, f->root, NULL), 0);
	assert_int_equal(system_spare_cpu(&sys, 3), 0); /* a sibling rather than nothing */

	put(f->root, CPU "/online", "3\n");
	assert_int_equal(system_read(&sys, f->root, NULL), 0);
	assert_int_equal(system_spare_cpu(&sys, 3), -1);
	system_release(&sys);
}

static void test_system__spare_cpu_is_none_when_the_online_cpus_are_unknown(void **state)
{
	struct fixture *f = *state;
	struct system sys = SYSTEM_INIT;

	assert_int_equal(system_read(&sys, f->root, NULL), 0);
	assert_int_equal(system_spare_cpu(&sys, 0), -1);
	system_release(&sys);
}

static void test_system__boost_is_read_from_cpufreq_boost(void **state)
{
	struct fixture *f = *state;
	struct system sys = SYSTEM_INIT;

	put(f->root, CPU "/cpufreq/boost", "0\n");
	assert_int_equal(system_read(&sys, f->root, NULL), 0);
	assert_string_equal(item(&sys, "turbo/boost")->value, "off: 0 (cpufreq/boost)");
	assert_int_equal(item(&sys, "turbo/boost")->status, SYSTEM_GOOD);
	system_release(&sys);
}

static void fingerprint_of(const char *root, struct strbuf *hex)
{
	struct system sys = SYSTEM_INIT;

	strbuf_reset(hex);
	assert_int_equal(system_read(&sys, root, NULL), 0);
	system_fingerprint(&sys, hex, NULL);
	system_release(&sys);
}

static void test_system__fingerprint_is_stable_and_follows_the_settings(void **state)
{
	struct fixture *f = *state;
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	struct system sys = SYSTEM_INIT;
	json_t *details = NULL;
	size_t i;

	put_machine(f->root);
	fingerprint_of(f->root, &a);
	assert_int_equal(a.len, 16);
	for (i = 0; i < a.len; i++)
		assert_non_null(strchr("0123456789abcdef", a.buf[i]));
	fingerprint_of(f->root, &b);
	assert_string_equal(a.buf, b.buf);

	put(f->root, "/proc/loadavg", "3.50 2.00 1.00 5/300 9999\n");
	fingerprint_of(f->root, &b);
	assert_string_equal(a.buf, b.buf);

	put(f->root, CPU "/cpu0/cpufreq/scaling_governor", "performance\n");
	fingerprint_of(f->root, &b);
	assert_string_not_equal(a.buf, b.buf);

	strbuf_reset(&a);
	strbuf_addstr(&a, b.buf);
	put(f->root, CPU "/intel_pstate/no_turbo", "1\n");
	fingerprint_of(f->root, &b);
	assert_string_not_equal(a.buf, b.buf);

	assert_int_equal(system_read(&sys, f->root, NULL), 0);
	strbuf_reset(&a);
	system_fingerprint(&sys, &a, &details);
	assert_string_equal(json_string_value(json_object_get(details, "governor")), "performance");
	assert_string_equal(json_string_value(json_object_get(details, "turbo")), "off");
	assert_int_equal(json_integer_value(json_object_get(details, "cpus")), 4);
	assert_string_equal(json_string_value(json_object_get(details, "hostname")), "bench1");
	json_decref(details);
	system_release(&sys);
	strbuf_release(&a);
	strbuf_release(&b);
}

static void test_system__json_has_items_and_fingerprint(void **state)
{
	struct fixture *f = *state;
	struct system sys = SYSTEM_INIT;
	json_t *doc;

	put_machine(f->root);
	assert_int_equal(system_read(&sys, f->root, NULL), 0);
	doc = system_to_json(&sys);
	assert_non_null(doc);
	assert_int_equal(json_string_length(json_object_get(doc, "fingerprint")), 16);
	assert_int_equal(json_integer_value(json_object_get(doc, "default_cpu")), 2);
	assert_int_equal(json_array_size(json_object_get(doc, "items")), sys.nitems);
	assert_string_equal(json_string_value(json_object_get(
	                            json_array_get(json_object_get(doc, "items"), 0), "status")),
	                    "n/a");
	json_decref(doc);
	system_release(&sys);
}

static void test_system__tune_then_reset_restores_every_byte(void **state)
{
	struct fixture *f = *state;
	struct system_changes ch = SYSTEM_CHANGES_INIT;
	struct pw_error err = PW_ERROR_INIT;
	char *v;

	put_machine(f->root);
	put(f->root, CPU "/cpu1/cpufreq/scaling_governor", "schedutil"); /* no newline */
	if (geteuid() != 0) {
		assert_int_equal(system_tune(f->root, f->state, &ch, &err), PW_EUNSUPPORTED);
		skip();
	}
	assert_int_equal(system_tune(f->root, f->state, &ch, &err), 0);
	assert_int_equal(ch.nchanged, 1 + 2 + 4); /* no_turbo, cpu0+1 governors, 4 min freqs */
	assert_string_equal(v = get(f->root, CPU "/cpu0/cpufreq/scaling_governor"),
	                    "performance\n");
	free(v);
	assert_string_equal(v = get(f->root, CPU "/cpu3/cpufreq/scaling_min_freq"), "4200000\n");
	free(v);
	assert_string_equal(v = get(f->root, CPU "/intel_pstate/no_turbo"), "1\n");
	free(v);
	assert_non_null(strstr(ch.unavailable.buf, CPU "/cpufreq/boost"));
	assert_non_null(strstr(ch.changed.buf, CPU "/cpu0/cpufreq/scaling_governor: powersave -> "
	                                           "performance"));
	assert_int_equal(access(f->state, R_OK), 0);
	system_changes_release(&ch);

	/* someone changes a file; tuning again keeps the original value saved */
	put(f->root, CPU "/cpu0/cpufreq/scaling_governor", "ondemand\n");
	assert_int_equal(system_tune(f->root, f->state, &ch, &err), 0);
	assert_int_equal(ch.nchanged, 1);
	system_changes_release(&ch);

	assert_int_equal(system_reset(f->root, f->state, &ch, &err), 0);
	assert_int_equal(ch.nchanged, 7);
	assert_string_equal(v = get(f->root, CPU "/cpu0/cpufreq/scaling_governor"), "powersave\n");
	free(v);
	assert_string_equal(v = get(f->root, CPU "/cpu1/cpufreq/scaling_governor"), "schedutil");
	free(v);
	assert_string_equal(v = get(f->root, CPU "/cpu3/cpufreq/scaling_min_freq"), "800000\n");
	free(v);
	assert_string_equal(v = get(f->root, CPU "/intel_pstate/no_turbo"), "0\n");
	free(v);
	assert_int_equal(access(f->state, F_OK), -1);
	system_changes_release(&ch);

	assert_int_equal(system_reset(f->root, f->state, &ch, &err), PW_ENOTFOUND);
	assert_non_null(strstr(pw_error_message(&err), "nothing to restore"));
	system_changes_release(&ch);
	pw_error_release(&err);
}

static void test_system__garbled_tune_state_is_a_clear_error(void **state)
{
	struct fixture *f = *state;
	struct system_changes ch = SYSTEM_CHANGES_INIT;
	struct pw_error err = PW_ERROR_INIT;

	if (geteuid() != 0)
		skip();
	put(f->root, "/home/system-tune.json", "{ not json");
	assert_int_equal(system_reset(f->root, f->state, &ch, &err), PW_EINVALID);
	assert_non_null(strstr(pw_error_message(&err), "is not a perfwarden tune state"));
	assert_int_equal(system_tune(f->root, f->state, &ch, &err), PW_EINVALID);
	system_changes_release(&ch);
	pw_error_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_system__fixture_machine_is_read_and_judged,
	                                        setup, teardown),
	        cmocka_unit_test_setup_teardown(
	                test_system__missing_files_are_not_available_not_errors, setup, teardown),
	        cmocka_unit_test_setup_teardown(
	                test_system__default_cpu_is_the_last_online_without_isolated, setup,
	                teardown),
	        cmocka_unit_test_setup_teardown(
	                test_system__spare_cpu_is_another_online_cpu_off_the_timing_core, setup,
	                teardown),
	        cmocka_unit_test_setup_teardown(
	                test_system__spare_cpu_is_none_when_the_online_cpus_are_unknown, setup,
	                teardown),
	        cmocka_unit_test_setup_teardown(test_system__boost_is_read_from_cpufreq_boost,
	                                        setup, teardown),
	        cmocka_unit_test_setup_teardown(
	                test_system__fingerprint_is_stable_and_follows_the_settings, setup,
	                teardown),
	        cmocka_unit_test_setup_teardown(test_system__json_has_items_and_fingerprint, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_system__tune_then_reset_restores_every_byte,
	                                        setup, teardown),
	        cmocka_unit_test_setup_teardown(test_system__garbled_tune_state_is_a_clear_error,
	                                        setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
