/*
 * runner/measure/proc: the one place perfwarden starts a process it measures. The
 * pipeline (and build) hand it a struct proc_spec; it forks, prepares the
 * child (own process group, cpu pinning, resource limits, fixed memory
 * layout, explicit environment, redirected stdio), execs it, watches it
 * through a pidfd and its output pipes until it exits or the timeout kills
 * its whole group, and returns the wait4() resource use plus hardware
 * counters as a struct sample.
 *
 * The child prepares itself and execs perfwarden-launch, which forks the
 * command (runner/measure/launch.h: so the command's peak memory is its own).
 * Both talk to the parent through the status pipe: one message with the
 * CLOCK_MONOTONIC time just before the command's execve(), and a second one
 * only when that exec (or a setup step) failed. EOF after the first message
 * means the command is running; its end comes on the launcher's relay.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/perf_event.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "launch.h"
#include "proc.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

#define DEFAULT_PATH "/usr/local/bin:/usr/bin:/bin"

enum counter_index { CNT_INSTRUCTIONS, CNT_CYCLES, CNT_BRANCH_MISSES, CNT_CACHE_MISSES, NCOUNTERS };

static const uint64_t counter_config[NCOUNTERS] = {
        PERF_COUNT_HW_INSTRUCTIONS,
        PERF_COUNT_HW_CPU_CYCLES,
        PERF_COUNT_HW_BRANCH_MISSES,
        PERF_COUNT_HW_CACHE_MISSES,
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t tv_ns(const struct timeval *tv)
{
	return (int64_t)tv->tv_sec * 1000000000 + (int64_t)tv->tv_usec * 1000;
}

void proc_result_init(struct proc_result *res)
{
	struct sample init = SAMPLE_INIT;
	struct strbuf empty = STRBUF_INIT;

	res->sample = init;

	res->stderr_tail = empty;
	res->stdout_buf = empty;
	strbuf_setmax(&res->stderr_tail, PROC_STDERR_TAIL_MAX, STRBUF_KEEP_TAIL);
	strbuf_setmax(&res->stdout_buf, PROC_STDOUT_MAX, STRBUF_KEEP_TAIL);
	res->aslr_fixed = 0;
	res->cpu = -1;
}

void proc_result_release(struct proc_result *res)
{
	strbuf_release(&res->stderr_tail);
	strbuf_release(&res->stdout_buf);
}

/* --- hardware counters --- */

static int perf_open(uint64_t config, pid_t pid, int on_exec)
{
	struct perf_event_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_HARDWARE;
	attr.config = config;
	attr.exclude_kernel = 1;
	attr.exclude_hv = 1;
	attr.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
	if (on_exec) {
		attr.disabled = 1;
		attr.enable_on_exec = 1;
		attr.inherit = 1;
	}
	return (int)syscall(SYS_perf_event_open, &attr, pid, -1, -1, PERF_FLAG_FD_CLOEXEC);
}

static pthread_once_t counters_once = PTHREAD_ONCE_INIT;
static int counters_ok;
static char counters_why[160];

static void counters_probe(void)
{
	int fd = perf_open(PERF_COUNT_HW_INSTRUCTIONS, 0, 0);

	if (fd >= 0) {
		counters_ok = 1;
		close(fd);
		return;
	}
	snprintf(counters_why, sizeof(counters_why), "perf_event_open: %s", strerror(errno));
}

int proc_counters_available(const char **why)
{
	pthread_once(&counters_once, counters_probe);
	if (!counters_ok && why)
		*why = counters_why;
	return counters_ok;
}

static int64_t counter_read(int fd)
{
	uint64_t v[3];

	if (fd < 0 || read(fd, v, sizeof(v)) != (ssize_t)sizeof(v) || v[2] == 0)
		return SAMPLE_ABSENT;
	if (v[2] < v[1])
		return (int64_t)((double)v[0] * (double)v[1] / (double)v[2]);
	return (int64_t)v[0];
}

/* --- program lookup --- */

static const char *env_get(const char *const *env, const char *name)
{
	size_t n = strlen(name);

	for (; env && *env; env++)
		if (!strncmp(*env, name, n) && (*env)[n] == '=')
			return *env + n + 1;
	return NULL;
}

/* Find a bare program name in the PATH of the child's environment. */
static int resolve_program(const char *prog, const char *const *env, struct strbuf *out)
{
	const char *path = env_get(env, "PATH");
	const char *p;

	if (strchr(prog, '/')) {
		strbuf_addstr(out, prog);
		return 0;
	}
	if (!path)
		path = DEFAULT_PATH;
	for (p = path;;) {
		const char *end = strchrnul(p, ':');

		strbuf_reset(out);
		if (end == p)
			strbuf_addch(out, '.');
		else
			strbuf_add(out, p, (size_t)(end - p));
		strbuf_addf(out, "/%s", prog);
		if (access(out->buf, X_OK) == 0) {
			struct stat st;

			if (stat(out->buf, &st) == 0 && S_ISREG(st.st_mode))
				return 0;
		}
		if (!*end)
			break;
		p = end + 1;
	}
	strbuf_reset(out);
	return -1;
}

/* --- the child --- */

struct child_plan {
	char **launch_argv; /* perfwarden-launch, the program's path, its argv */
	char *const *envp;
	const char *cwd;
	int stdin_fd, stdout_fd, stderr_fd;
	int status_fd, go_fd;
	int cpu;
	struct rlimit as, fsize, nproc;
	int set_as, set_fsize, set_nproc;
	int fixed_layout;
	const struct sandbox_proc *box; /* filled by sandbox_spawn() before the child runs */
};

static void child_report(int fd, int stage, int err)
{
	struct launch_msg m;

	memset(&m, 0, sizeof(m));
	m.stage = stage;
	m.err = err;
	if (write(fd, &m, sizeof(m)) < 0)
		_exit(127);
}

/* Runs between fork and exec: async-signal-safe calls only, nothing allocated. */
static void child_run(const struct child_plan *plan)
{
	sigset_t none;
	char go;
	int sig;

	/* In a PID namespace, the command stays in its init's process group. */
	if (!(plan->box->flags & SANDBOX_PIDNS))
		setpgid(0, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (sig = 1; sig < 32; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);

	while (read(plan->go_fd, &go, 1) < 0 && errno == EINTR)
		;
	close(plan->go_fd);

	if (plan->cwd && chdir(plan->cwd) < 0)
		child_report(plan->status_fd, LAUNCH_CHDIR, errno), _exit(127);
	if (dup2(plan->stdin_fd, 0) < 0 || dup2(plan->stdout_fd, 1) < 0 ||
	    dup2(plan->stderr_fd, 2) < 0)
		child_report(plan->status_fd, LAUNCH_STDIO, errno), _exit(127);
	syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);

	if ((plan->set_as && setrlimit(RLIMIT_AS, &plan->as) < 0) ||
	    (plan->set_fsize && setrlimit(RLIMIT_FSIZE, &plan->fsize) < 0) ||
	    (plan->set_nproc && setrlimit(RLIMIT_NPROC, &plan->nproc) < 0))
		child_report(plan->status_fd, LAUNCH_LIMITS, errno), _exit(127);
	if (plan->cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(plan->cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set) < 0)
			child_report(plan->status_fd, LAUNCH_AFFINITY, errno), _exit(127);
	}
	if (sandbox_child_enter(plan->box) < 0)
		child_report(plan->status_fd, LAUNCH_SANDBOX, errno), _exit(127);
	if (plan->fixed_layout) {
		/* kept across both execs; the launcher says whether it held */
		int cur = personality(0xffffffff);

		if (cur != -1)
			personality((unsigned long)cur | ADDR_NO_RANDOMIZE);
	}
	sandbox_exec(plan->box, plan->launch_argv, plan->envp, plan->status_fd);
	child_report(plan->status_fd, LAUNCH_LAUNCHER, errno);
	_exit(127);
}

/* --- the parent --- */

static int limit_of(int64_t want, int64_t dflt, int resource, struct rlimit *out)
{
	struct rlimit cur;

	if (want == PROC_LIMIT_NONE)
		return 0;
	if (want == 0)
		want = dflt;
	if (getrlimit(resource, &cur) < 0)
		return 0;
	out->rlim_cur = out->rlim_max = (rlim_t)want;
	if (cur.rlim_max != RLIM_INFINITY && out->rlim_max > cur.rlim_max)
		out->rlim_cur = out->rlim_max = cur.rlim_max;
	return 1;
}

static const char *stage_what(int stage)
{
	switch (stage) {
	case LAUNCH_CHDIR:
		return "could not enter the working directory";
	case LAUNCH_STDIO:
		return "could not redirect its output";
	case LAUNCH_LIMITS:
		return "could not set its resource limits";
	case LAUNCH_AFFINITY:
		return "could not pin it to the cpu";
	case LAUNCH_SANDBOX:
		return "could not enter the sandbox as the run user";
	case LAUNCH_LAUNCHER:
		return "could not start " LAUNCH_NAME;
	case LAUNCH_FORK:
		return LAUNCH_NAME " could not fork";
	default:
		return "could not start it";
	}
}

/*
 * What an execve() failure says: the program is missing (PW_ENOTFOUND) or
 * cannot be run as it is (PW_EINVALID) — both the command's own fault — or
 * the machine failed us (PW_EIO: no memory, too many processes...).
 */
static int exec_error_code(int errnum)
{
	switch (errnum) {
	case ENOENT:
	case ENOTDIR:
		return PW_ENOTFOUND;
	case EACCES:
	case EPERM:
	case ENOEXEC:
	case EISDIR:
	case ELOOP:
	case ENAMETOOLONG:
	case ETXTBSY:
	case ELIBBAD:
		return PW_EINVALID;
	default:
		return PW_EIO;
	}
}

/* Read into `sb` what is available on `fd`; returns 1 at EOF (or error), else 0. */
static int drain(int fd, struct strbuf *sb)
{
	char chunk[16384];
	ssize_t n = read(fd, chunk, sizeof(chunk));

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : 1;
	if (n == 0)
		return 1;
	strbuf_add(sb, chunk, (size_t)n);
	return 0;
}

static int child_exited(pid_t pid, int pidfd, int revents)
{
	siginfo_t si;

	if (pidfd >= 0)
		return revents != 0;
	memset(&si, 0, sizeof(si));
	return waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid;
}

/*
 * A started child. proc_run() and the instruction count's job share its three
 * steps: run_start() (fork, prepare, exec handshake), run_watch() (output
 * pipes, the timeout that kills the group) and run_reap() (wait4).
 * run_release() kills and reaps whatever is still there.
 */
struct run {
	char *name; /* argv[0], for messages */
	pid_t pid;
	int pidfd;
	int err_fd, out_fd; /* read ends of the stderr / stdout pipes, or -1 */
	int counters[NCOUNTERS];
	int64_t deadline_ns;
	int64_t start_ns;        /* the child's CLOCK_MONOTONIC just before exec */
	struct sandbox_proc box; /* what sandbox_spawn() set up around it */
};

static void run_init(struct run *r)
{
	int i;

	memset(r, 0, sizeof(*r));
	r->pid = -1;
	r->pidfd = r->err_fd = r->out_fd = -1;
	for (i = 0; i < NCOUNTERS; i++)
		r->counters[i] = -1;
	sandbox_proc_init(&r->box);
}

static void run_release(struct run *r)
{
	int i;

	if (r->pid > 0) {
		kill(-r->pid, SIGKILL);
		waitpid(r->pid, NULL, 0);
	}
	for (i = 0; i < NCOUNTERS; i++)
		if (r->counters[i] >= 0)
			close(r->counters[i]);
	if (r->pidfd >= 0)
		close(r->pidfd);
	if (r->err_fd >= 0)
		close(r->err_fd);
	if (r->out_fd >= 0)
		close(r->out_fd);
	sandbox_proc_release(&r->box);
	free(r->name);
	run_init(r);
}

static void sample_reset(struct proc_result *res, int cpu)
{
	struct sample init = SAMPLE_INIT;

	strbuf_reset(&res->stderr_tail);
	strbuf_reset(&res->stdout_buf);
	res->sample = init;
	res->aslr_fixed = 0;
	res->cpu = cpu;
}

/* The descriptors run_start() opens for the child and the handshake; -1 when closed. */
struct run_fds {
	int status_pipe[2], go_pipe[2], err_pipe[2], out_pipe[2];
	int null_fd, out_fd;
};

static void run_fds_init(struct run_fds *f)
{
	int i;

	for (i = 0; i < 2; i++)
		f->status_pipe[i] = f->go_pipe[i] = f->err_pipe[i] = f->out_pipe[i] = -1;
	f->null_fd = f->out_fd = -1;
}

static void run_fds_close(struct run_fds *f)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (f->status_pipe[i] >= 0)
			close(f->status_pipe[i]);
		if (f->go_pipe[i] >= 0)
			close(f->go_pipe[i]);
		if (f->err_pipe[i] >= 0)
			close(f->err_pipe[i]);
		if (f->out_pipe[i] >= 0)
			close(f->out_pipe[i]);
	}
	if (f->null_fd >= 0)
		close(f->null_fd);
	if (f->out_fd >= 0)
		close(f->out_fd);
	run_fds_init(f);
}

/* What the child runs, where, on which cpu, within which limits (`path` holds the program). */
static int plan_child(const struct proc_spec *spec, const char *const *argv, const char *const *env,
                      struct strbuf *path, struct child_plan *plan, struct pw_error *err)
{
	if (spec->cpu >= CPU_SETSIZE || spec->cpu < -1)
		return pw_error_set(err, PW_EINVALID, "cpu %d is out of range", spec->cpu);
	if (resolve_program(argv[0], env, path) < 0)
		return pw_error_set(err, PW_ENOTFOUND, "could not run '%s': %s", argv[0],
		                    strerror(ENOENT));

	memset(plan, 0, sizeof(*plan));
	if (!(plan->launch_argv = sandbox_launch_argv(path->buf, (char *const *)argv, err)))
		return PW_EIO;
	plan->envp = (char *const *)env;
	plan->cwd = spec->cwd;
	plan->cpu = spec->cpu;
	plan->fixed_layout = spec->aslr == PROC_ASLR_FIXED;
	plan->set_as = limit_of(spec->limits.as_bytes, PROC_DEFAULT_AS_BYTES, RLIMIT_AS, &plan->as);
	plan->set_fsize = limit_of(spec->limits.fsize_bytes, PROC_DEFAULT_FSIZE_BYTES, RLIMIT_FSIZE,
	                           &plan->fsize);
	plan->set_nproc =
	        limit_of(spec->limits.nproc, PROC_DEFAULT_NPROC, RLIMIT_NPROC, &plan->nproc);
	return 0;
}

/*
 * The child's stdin (/dev/null), stdout (/dev/null, a file or a pipe), stderr
 * (`stderr_fd`, else a pipe) and the handshake pipes, into `f` and `plan`.
 */
static int open_child_fds(const struct proc_spec *spec, const char *name, int stderr_fd,
                          struct run_fds *f, struct child_plan *plan, struct pw_error *err)
{
	f->null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (f->null_fd < 0)
		return pw_error_errno(err, PW_EIO, "could not open '/dev/null'");
	if (spec->stdout_mode == PROC_STDOUT_FILE) {
		if (!spec->stdout_path)
			return pw_error_set(err, PW_EINVALID, "no stdout_path given for '%s'",
			                    name);
		f->out_fd = open(spec->stdout_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (f->out_fd < 0)
			return pw_error_errno(err, PW_EIO, "could not open '%s'",
			                      spec->stdout_path);
	}
	if (pipe2(f->status_pipe, O_CLOEXEC) < 0 || pipe2(f->go_pipe, O_CLOEXEC) < 0 ||
	    (stderr_fd < 0 && pipe2(f->err_pipe, O_CLOEXEC) < 0) ||
	    (spec->stdout_mode == PROC_STDOUT_CAPTURE && pipe2(f->out_pipe, O_CLOEXEC) < 0))
		return pw_error_errno(err, PW_EIO, "could not create a pipe for '%s'", name);
	plan->stdin_fd = f->null_fd;
	plan->stdout_fd = spec->stdout_mode == PROC_STDOUT_FILE      ? f->out_fd
	                  : spec->stdout_mode == PROC_STDOUT_CAPTURE ? f->out_pipe[1]
	                                                             : f->null_fd;
	plan->stderr_fd = stderr_fd >= 0 ? stderr_fd : f->err_pipe[1];
	plan->status_fd = f->status_pipe[1];
	plan->go_fd = f->go_pipe[0];
	return 0;
}

/*
 * The parent's side of the handshake with the forked child: open its
 * counters, let it go, and read its status pipe until it exec'd (READY, with
 * its start time) or reported the stage that failed (the child is reaped).
 */
static int await_exec(const struct proc_spec *spec, struct run_fds *f, struct run *r,
                      struct proc_result *res, struct pw_error *err)
{
	struct launch_msg msg;
	int i, got_ready = 0;
	ssize_t n;

	if (!spec->no_counters && proc_counters_available(NULL))
		for (i = 0; i < NCOUNTERS; i++)
			r->counters[i] = perf_open(counter_config[i], r->pid, 1);
	r->pidfd = (int)syscall(SYS_pidfd_open, r->pid, 0);
	if (write(f->go_pipe[1], "g", 1) < 0) {
		/* the child is gone already; its status tells why */
	}
	close(f->go_pipe[1]), f->go_pipe[1] = -1;

	while ((n = read(f->status_pipe[0], &msg, sizeof(msg))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(msg))
			break;
		if (msg.stage == LAUNCH_READY) {
			got_ready = 1;
			res->sample.wall_ns = msg.start_ns;
			res->aslr_fixed = msg.aslr_fixed;
			continue;
		}
		waitpid(r->pid, NULL, 0);
		r->pid = -1;
		errno = msg.err;
		if (msg.stage == LAUNCH_EXEC)
			return pw_error_errno(err, exec_error_code(msg.err), "could not run '%s'",
			                      r->name);
		else if (msg.stage == LAUNCH_CHDIR)
			return pw_error_errno(err, PW_EIO, "could not run '%s' in '%s'", r->name,
			                      spec->cwd);
		else if (msg.stage == LAUNCH_AFFINITY)
			return pw_error_errno(err, PW_EIO, "could not pin '%s' to cpu %d", r->name,
			                      spec->cpu);
		else
			return pw_error_errno(err, PW_EIO, "could not run '%s': %s", r->name,
			                      stage_what(msg.stage));
	}
	if (!got_ready) {
		struct strbuf why = STRBUF_INIT;
		int ret;

		waitpid(r->pid, NULL, 0);
		r->pid = -1;
		if (sandbox_proc_finish(&r->box, &why))
			ret = pw_error_set(err, PW_EIO, "could not run '%s': %s", r->name, why.buf);
		else
			ret = pw_error_set(err, PW_EIO,
			                   "could not run '%s': the child died before exec",
			                   r->name);
		strbuf_release(&why);
		return ret;
	}
	r->start_ns = res->sample.wall_ns;
	return 0;
}

/*
 * Start `spec` (res reset by the caller): fork, prepare the child, wait until
 * it exec'd. Its stderr goes to `stderr_fd` when >= 0, else into a pipe
 * run_watch() drains into res->stderr_tail. On success r->pid is the running
 * child and res->sample.wall_ns its start time.
 */
static int run_start(const struct proc_spec *spec, int stderr_fd, struct run *r,
                     struct proc_result *res, struct pw_error *err)
{
	static const char *const empty_env[] = {NULL};
	const char *shell_argv[] = {"/bin/sh", "-c", NULL, NULL};
	const char *const *argv = spec->argv;
	const char *const *env = spec->env ? spec->env : empty_env;
	struct strbuf path = STRBUF_INIT;
	struct child_plan plan = {0};
	struct run_fds f;
	int ret = 0;

	run_fds_init(&f);
	if (spec->shell_command) {
		shell_argv[2] = spec->shell_command;
		argv = shell_argv;
	}
	if (!argv || !argv[0] || !*argv[0]) {
		ret = pw_error_set(err, PW_EINVALID, "no program to run");
		goto done;
	}
	r->name = strdup(argv[0]);
	if (!r->name)
		abort();
	if ((ret = plan_child(spec, argv, env, &path, &plan, err)) < 0 ||
	    (ret = open_child_fds(spec, argv[0], stderr_fd, &f, &plan, err)) < 0)
		goto done;

	plan.box = &r->box;
	r->pid = sandbox_spawn(spec->sandbox, spec->sandbox_flags, spec->cpu, &r->box);
	if (r->pid < 0) {
		ret = pw_error_errno(err, PW_EIO, "could not fork for '%s'", argv[0]);
		goto done;
	}
	if (r->pid == 0)
		child_run(&plan);

	setpgid(r->pid, r->pid);
	close(f.status_pipe[1]), f.status_pipe[1] = -1;
	close(f.go_pipe[0]), f.go_pipe[0] = -1;
	r->err_fd = f.err_pipe[0], f.err_pipe[0] = -1;
	r->out_fd = f.out_pipe[0], f.out_pipe[0] = -1;
	if ((ret = await_exec(spec, &f, r, res, err)) < 0)
		goto done;
	if (spec->timeout_ms > 0)
		r->deadline_ns = res->sample.wall_ns + spec->timeout_ms * 1000000;
done:
	run_fds_close(&f);
	free(plan.launch_argv);
	strbuf_release(&path);
	return ret;
}

static void run_drain(struct run *r, struct pollfd *pfd, int npfd, struct proc_result *res)
{
	int i;

	for (i = 0; i < npfd; i++) {
		if (!pfd[i].revents)
			continue;
		if (pfd[i].fd == r->err_fd && r->err_fd >= 0 && drain(r->err_fd, &res->stderr_tail))
			close(r->err_fd), r->err_fd = -1;
		else if (pfd[i].fd == r->out_fd && r->out_fd >= 0 &&
		         drain(r->out_fd, &res->stdout_buf))
			close(r->out_fd), r->out_fd = -1;
	}
}

static int run_pipes(const struct run *r, struct pollfd *pfd)
{
	int npfd = 0;

	if (r->err_fd >= 0)
		pfd[npfd].fd = r->err_fd, pfd[npfd].events = POLLIN, pfd[npfd++].revents = 0;
	if (r->out_fd >= 0)
		pfd[npfd].fd = r->out_fd, pfd[npfd].events = POLLIN, pfd[npfd++].revents = 0;
	return npfd;
}

static int run_has_exited(const struct run *r)
{
	struct pollfd pfd = {r->pidfd, POLLIN, 0};

	if (r->pidfd >= 0)
		return poll(&pfd, 1, 0) > 0;
	return child_exited(r->pid, -1, 0);
}

/*
 * Watch the started child until it exits, draining its pipes; at the deadline
 * its group gets SIGTERM, then SIGKILL after PROC_KILL_GRACE_MS (a child that
 * had exited by then is not counted as timed out). Afterwards anything left
 * in the group is killed. The child stays unreaped (run_reap()).
 */
static int run_watch(struct run *r, struct proc_result *res, struct pw_error *err)
{
	int64_t kill_at = 0;

	for (;;) {
		struct pollfd pfd[3];
		int npfd, wait_ms = -1, exited;
		int64_t now = now_ns(), until = 0;

		if (r->deadline_ns && !res->sample.timed_out && now >= r->deadline_ns &&
		    !run_has_exited(r)) {
			kill(-r->pid, SIGTERM);
			res->sample.timed_out = 1;
			kill_at = now + (int64_t)PROC_KILL_GRACE_MS * 1000000;
		}
		if (kill_at && now >= kill_at) {
			kill(-r->pid, SIGKILL);
			kill_at = 0;
		}
		until = kill_at ? kill_at : (!res->sample.timed_out ? r->deadline_ns : 0);
		if (until)
			wait_ms = until > now ? (int)((until - now + 999999) / 1000000) : 0;
		if (r->pidfd < 0 && (wait_ms < 0 || wait_ms > 5))
			wait_ms = 5;

		pfd[0].fd = r->pidfd, pfd[0].events = POLLIN, pfd[0].revents = 0;
		npfd = 1 + run_pipes(r, pfd + 1);
		if (poll(pfd, (nfds_t)npfd, wait_ms) < 0 && errno != EINTR) {
			kill(-r->pid, SIGKILL);
			return pw_error_errno(err, PW_EIO, "could not watch '%s'", r->name);
		}
		exited = child_exited(r->pid, r->pidfd, pfd[0].revents);
		run_drain(r, pfd + 1, npfd - 1, res);
		if (exited)
			break;
	}
	res->sample.wall_ns = now_ns() - res->sample.wall_ns;
	/* The leader is a zombie (not reaped): its pid, and so the group id, cannot be reused. */
	kill(-r->pid, SIGKILL);
	sandbox_proc_kill(&r->box); /* and what left the group (setsid) with the cgroup */

	/* Drain what is left; a descendant that escaped the group may hold a pipe: 1 s at most. */
	{
		int64_t stop = now_ns() + 1000000000;

		while ((r->err_fd >= 0 || r->out_fd >= 0) && now_ns() < stop) {
			struct pollfd pfd[2];
			int npfd = run_pipes(r, pfd);

			if (poll(pfd, (nfds_t)npfd, 100) <= 0)
				continue;
			run_drain(r, pfd, npfd, res);
		}
	}
	return 0;
}

/* Reap the child; when `fill`, put its status and resource use into res->sample. */
static int run_reap(struct run *r, struct proc_result *res, int fill, struct pw_error *err)
{
	struct rusage ru;
	int wstatus = 0;
	pid_t pid = r->pid;

	r->pid = -1;
	while (wait4(pid, &wstatus, 0, &ru) < 0)
		if (errno != EINTR)
			return pw_error_errno(err, PW_EIO, "could not wait for '%s'", r->name);
	sandbox_proc_finish(&r->box, NULL);
	if (!fill)
		return 0;
	if (r->box.has_status) {
		/* the command's own, as its namespace's init saw it end */
		wstatus = r->box.wstatus;
		ru = r->box.ru;
		res->sample.wall_ns = r->box.end_ns - r->start_ns;
	}
	res->sample.user_ns = tv_ns(&ru.ru_utime);
	res->sample.sys_ns = tv_ns(&ru.ru_stime);
	res->sample.maxrss_kib = ru.ru_maxrss;
	res->sample.minflt = ru.ru_minflt;
	res->sample.majflt = ru.ru_majflt;
	res->sample.nvcsw = ru.ru_nvcsw;
	res->sample.nivcsw = ru.ru_nivcsw;
	if (WIFEXITED(wstatus)) {
		res->sample.exit_code = WEXITSTATUS(wstatus);
	} else if (WIFSIGNALED(wstatus)) {
		res->sample.exit_code = -1;
		res->sample.term_signal = WTERMSIG(wstatus);
	}
	res->sample.instructions = counter_read(r->counters[CNT_INSTRUCTIONS]);
	res->sample.cycles = counter_read(r->counters[CNT_CYCLES]);
	res->sample.branch_misses = counter_read(r->counters[CNT_BRANCH_MISSES]);
	res->sample.cache_misses = counter_read(r->counters[CNT_CACHE_MISSES]);
	return 0;
}

int proc_run(const struct proc_spec *spec, struct proc_result *res, struct pw_error *err)
{
	struct run r;
	int ret;

	run_init(&r);
	sample_reset(res, spec->cpu);
	ret = run_start(spec, -1, &r, res, err);
	if (ret)
		goto done;
	ret = run_watch(&r, res, err);
	if (ret) {
		run_reap(&r, res, 0, NULL);
		goto done;
	}
	ret = run_reap(&r, res, 1, err);
done:
	run_release(&r);
	return ret;
}

/* --- instruction counts under cachegrind --- */

struct proc_count_job {
	struct run run;
	struct proc_result res; /* the status, and the stderr tail read back from its file */
	struct strbuf dir;      /* private: cg.PID per traced process, and "stderr" */
	char *command;          /* the shell command or argv[0], for messages */
	int64_t timeout_ms;
};

void proc_count_release(struct proc_count *count)
{
	struct proc_count init = PROC_COUNT_INIT;

	free(count->top_command);
	*count = init;
}

static int remove_tree(const char *dir)
{
	struct strbuf p = STRBUF_INIT;
	struct dirent *de;
	DIR *d = opendir(dir);

	if (d) {
		while ((de = readdir(d))) {
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			strbuf_reset(&p);
			strbuf_addf(&p, "%s/%s", dir, de->d_name);
			unlink(p.buf);
		}
		closedir(d);
	}
	strbuf_release(&p);
	return rmdir(dir);
}

/* The line of `text` starting with `key`, pointing after the key; NULL when there is none. */
static const char *line_after(const char *text, const char *key)
{
	size_t n = strlen(key);
	const char *line;

	for (line = text; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL)
		if (!strncmp(line, key, n))
			return line + n;
	return NULL;
}

/* Which field of an `events:` line is "Ir" (0-based); -1 when none is. */
static int ir_column(const char *events)
{
	const char *eol = strchrnul(events, '\n'), *p = events;
	int col = 0;

	for (;;) {
		const char *start;

		while (p < eol && (*p == ' ' || *p == '\t'))
			p++;
		if (p >= eol)
			return -1;
		start = p;
		while (p < eol && *p != ' ' && *p != '\t')
			p++;
		if (p - start == 2 && !strncmp(start, "Ir", 2))
			return col;
		col++;
	}
}

/*
 * Add one cachegrind output file to `count`: the Ir field of its `summary:`
 * line (the field named by its `events:` line), and its `cmd:` when it is
 * the largest contributor so far (ties: the smaller command, so the choice
 * does not depend on directory order).
 */
static int count_add_file(const char *file, struct proc_count *count, struct pw_error *err)
{
	struct strbuf text = STRBUF_INIT;
	const char *events, *summary, *cmd;
	char *end;
	long long v = 0;
	int ret = 0, col, i;

	if (strbuf_read_file(&text, file) < 0) {
		ret = pw_error_errno(err, PW_EIO, "could not read '%s'", file);
		goto done;
	}
	events = line_after(text.buf, "events:");
	summary = line_after(text.buf, "summary:");
	if (!events || !summary || (col = ir_column(events)) < 0) {
		ret = pw_error_set(err, PW_EINVALID,
		                   "could not read the instruction count of '%s': no '%s' line",
		                   file, !summary ? "summary:" : "events: Ir");
		goto done;
	}
	for (i = 0, end = (char *)summary; i <= col; i++) {
		const char *p = end;

		errno = 0;
		v = strtoll(p, &end, 10);
		if (errno || end == p || v < 0) {
			ret = pw_error_set(err, PW_EINVALID,
			                   "could not read the instruction count of '%s': bad "
			                   "'summary:' line",
			                   file);
			goto done;
		}
	}
	count->instructions += v;
	count->processes++;
	cmd = line_after(text.buf, "cmd:");
	if (!cmd)
		cmd = "";
	while (*cmd == ' ')
		cmd++;
	if (!count->top_command || v > count->top_instructions ||
	    (v == count->top_instructions &&
	     strncmp(cmd, count->top_command, strlen(count->top_command)) < 0)) {
		free(count->top_command);
		count->top_command = strndup(cmd, (size_t)(strchrnul(cmd, '\n') - cmd));
		if (!count->top_command)
			abort();
		count->top_instructions = v;
	}
done:
	strbuf_release(&text);
	return ret;
}

/* Sum every "cg.*" file of `dir` into `count` (reset first). */
static int count_dir(const char *dir, struct proc_count *count, struct pw_error *err)
{
	struct strbuf path = STRBUF_INIT;
	struct dirent *de;
	DIR *d = opendir(dir);
	int ret = 0;

	proc_count_release(count);
	if (!d) {
		ret = pw_error_errno(err, PW_EIO, "could not read '%s'", dir);
		goto done;
	}
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "cg.", 3))
			continue;
		strbuf_reset(&path);
		strbuf_addf(&path, "%s/%s", dir, de->d_name);
		if ((ret = count_add_file(path.buf, count, err)) < 0)
			goto done;
	}
	if (!count->processes)
		ret = pw_error_set(
		        err, PW_EINVALID,
		        "could not count instructions: cachegrind wrote no output in '%s'", dir);
done:
	if (d)
		closedir(d);
	if (ret)
		proc_count_release(count);
	strbuf_release(&path);
	return ret;
}

/* Keep the program's own stderr lines, dropping valgrind's "--PID--" and "==PID==" notes. */
static void strip_valgrind_lines(struct strbuf *sb)
{
	struct strbuf kept = STRBUF_INIT;
	const char *line = strbuf_str(sb);

	while (*line) {
		const char *eol = strchrnul(line, '\n'), *p = line + 2;

		if ((line[0] == '-' || line[0] == '=') && line[1] == line[0]) {
			while (*p >= '0' && *p <= '9')
				p++;
			if (p > line + 2 && p[0] == line[0] && p[1] == line[0]) {
				line = *eol ? eol + 1 : eol;
				continue;
			}
		}
		strbuf_add(&kept, line, (size_t)(eol - line) + (*eol ? 1 : 0));
		line = *eol ? eol + 1 : eol;
	}
	strbuf_release(sb);
	*sb = kept;
}

/* Check that the program of `argv` can be found (in `env`'s PATH, relative to spec->cwd). */
static int check_program(const struct proc_spec *spec, const char *const *argv,
                         const char *const *env, struct strbuf *prog, struct pw_error *err)
{
	struct strbuf full = STRBUF_INIT;
	int ret = 0;

	if (resolve_program(argv[0], env, prog) < 0) {
		ret = pw_error_set(err, PW_ENOTFOUND, "could not run '%s': %s", argv[0],
		                   strerror(ENOENT));
		goto done;
	}
	if (prog->buf[0] != '/' && spec->cwd)
		strbuf_addf(&full, "%s/", spec->cwd);
	strbuf_addstr(&full, prog->buf);
	if (access(full.buf, X_OK) < 0)
		ret = pw_error_errno(err, errno == ENOENT ? PW_ENOTFOUND : PW_EIO,
		                     "could not run '%s'", argv[0]);
done:
	strbuf_release(&full);
	return ret;
}

int proc_count_start(const struct proc_spec *spec, int cpu, int64_t timeout_ms,
                     struct proc_count_job **out, struct pw_error *err)
{
	static const char *const empty_env[] = {NULL};
	const char *const *env = spec->env ? spec->env : empty_env;
	const char *shell_argv[] = {"/bin/sh", "-c", NULL, NULL};
	const char *const *argv = spec->argv;
	struct strbuf opt = STRBUF_INIT, prog = STRBUF_INIT, valgrind = STRBUF_INIT;
	struct strbuf stderr_path = STRBUF_INIT;
	struct proc_count_job *job = NULL;
	struct proc_spec vspec = *spec;
	const char **vargv = NULL;
	char tmpl[] = "/tmp/perfwarden-cg.XXXXXX";
	size_t n = 0, i, k = 0;
	int ret = 0, stderr_fd = -1;

	*out = NULL;
	if (spec->shell_command) {
		shell_argv[2] = spec->shell_command;
		argv = shell_argv;
	}
	if (!argv || !argv[0] || !*argv[0]) {
		ret = pw_error_set(err, PW_EINVALID, "no program to run");
		goto done;
	}
	if (timeout_ms < 0) {
		ret = pw_error_set(err, PW_EINVALID, "timeout %" PRId64 " ms is negative",
		                   timeout_ms);
		goto done;
	}
	if (resolve_program("valgrind", env, &valgrind) < 0 &&
	    resolve_program("valgrind", NULL, &valgrind) < 0) {
		ret = pw_error_set(err, PW_ENOTFOUND,
		                   "could not count instructions: 'valgrind' is not installed");
		goto done;
	}
	if ((ret = check_program(spec, argv, env, &prog, err)) < 0)
		goto done;

	job = calloc(1, sizeof(*job));
	if (!job)
		abort();
	run_init(&job->run);
	proc_result_init(&job->res);
	job->timeout_ms = timeout_ms;
	job->command = strdup(spec->shell_command ? spec->shell_command : argv[0]);
	if (!job->command)
		abort();
	if (!mkdtemp(tmpl)) {
		ret = pw_error_errno(err, PW_EIO, "could not create a temporary directory");
		goto done;
	}
	strbuf_addstr(&job->dir, tmpl);
	if ((ret = sandbox_chown_tree(spec->sandbox, job->dir.buf, err)) < 0)
		goto done;
	strbuf_addf(&opt, "--cachegrind-out-file=%s/cg.%%p", job->dir.buf);
	strbuf_addf(&stderr_path, "%s/stderr", job->dir.buf);
	stderr_fd = open(stderr_path.buf, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (stderr_fd < 0) {
		ret = pw_error_errno(err, PW_EIO, "could not create '%s'", stderr_path.buf);
		goto done;
	}

	while (argv[n])
		n++;
	vargv = calloc(n + 8, sizeof(*vargv));
	if (!vargv)
		abort();
	vargv[k++] = valgrind.buf;
	vargv[k++] = "-q";
	vargv[k++] = "--tool=cachegrind";
	vargv[k++] = "--cache-sim=no";
	vargv[k++] = "--trace-children=yes";
	vargv[k++] = opt.buf;
	vargv[k++] = prog.buf;
	for (i = 1; i < n; i++)
		vargv[k++] = argv[i];
	vargv[k] = NULL;

	vspec.argv = vargv;
	vspec.shell_command = NULL;
	vspec.env = env;
	vspec.cpu = cpu;
	vspec.timeout_ms = timeout_ms;
	vspec.limits.as_bytes = PROC_LIMIT_NONE;
	vspec.stdout_mode = PROC_STDOUT_NULL;
	vspec.no_counters = 1;

	sample_reset(&job->res, cpu);
	ret = run_start(&vspec, stderr_fd, &job->run, &job->res, err);
	if (ret)
		goto done;
	*out = job;
	job = NULL;
done:
	if (stderr_fd >= 0)
		close(stderr_fd);
	proc_count_job_free(job);
	free(vargv);
	strbuf_release(&opt);
	strbuf_release(&prog);
	strbuf_release(&valgrind);
	strbuf_release(&stderr_path);
	return ret;
}

pid_t proc_count_job_pid(const struct proc_count_job *job)
{
	return job->run.pid;
}

/* The error for a command that failed under valgrind, with the end of its own stderr. */
static int count_failed(struct proc_count_job *job, struct pw_error *err)
{
	struct strbuf *tail = &job->res.stderr_tail;
	const struct sample *s = &job->res.sample;
	int setuid = strstr(strbuf_str(tail), "Can't execute setuid") != NULL;
	int ret;

	strip_valgrind_lines(tail);
	strbuf_rtrim(tail);
	if (tail->len > 512) {
		struct strbuf last = STRBUF_INIT;

		strbuf_addstr(&last, "...");
		strbuf_addstr(&last, tail->buf + tail->len - 512);
		strbuf_release(tail);
		*tail = last;
	}
	if (s->term_signal)
		ret = pw_error_set(err, PW_ERROR,
		                   "'%s' was killed by signal %d (%s) under valgrind", job->command,
		                   s->term_signal, strsignal(s->term_signal));
	else
		ret = pw_error_set(err, PW_ERROR, "'%s' exited with %d under valgrind",
		                   job->command, s->exit_code);
	if (err && setuid)
		strbuf_addstr(&err->msg, " (valgrind cannot trace a setuid program)");
	if (err && tail->len)
		strbuf_addf(&err->msg, ": %s", tail->buf);
	return ret;
}

int proc_count_finish(struct proc_count_job *job, struct proc_count *out, struct pw_error *err)
{
	struct strbuf stderr_path = STRBUF_INIT;
	int ret;

	proc_count_release(out);
	if (job->run.pid <= 0) {
		ret = pw_error_set(err, PW_EINVALID, "the count of '%s' was already finished",
		                   job->command);
		goto done;
	}
	ret = run_watch(&job->run, &job->res, err);
	if (ret) {
		run_reap(&job->run, &job->res, 0, NULL);
		goto done;
	}
	if ((ret = run_reap(&job->run, &job->res, 1, err)) < 0)
		goto done;
	if (job->res.sample.timed_out) {
		ret = pw_error_set(err, PW_ETIMEOUT,
		                   "counting the instructions of '%s' timed out after %" PRId64
		                   " ms",
		                   job->command, job->timeout_ms);
		goto done;
	}
	strbuf_addf(&stderr_path, "%s/stderr", job->dir.buf);
	strbuf_read_file(&job->res.stderr_tail, stderr_path.buf);
	if (job->res.sample.exit_code != 0) {
		ret = count_failed(job, err);
		goto done;
	}
	ret = count_dir(job->dir.buf, out, err);
done:
	strbuf_release(&stderr_path);
	return ret;
}

void proc_count_job_free(struct proc_count_job *job)
{
	if (!job)
		return;
	run_release(&job->run);
	if (job->dir.len)
		remove_tree(job->dir.buf);
	strbuf_release(&job->dir);
	proc_result_release(&job->res);
	free(job->command);
	free(job);
}

int proc_instructions(const struct proc_spec *spec, int64_t timeout_ms, struct proc_count *out,
                      struct pw_error *err)
{
	struct proc_count_job *job = NULL;
	int ret;

	proc_count_release(out);
	if ((ret = proc_count_start(spec, spec->cpu, timeout_ms, &job, err)) < 0)
		goto done;
	ret = proc_count_finish(job, out, err);
done:
	proc_count_job_free(job);
	return ret;
}
