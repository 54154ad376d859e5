/*
 * runner/measure/sandbox: the walls around what a pushed commit runs. The
 * probe finds the run user, which namespaces this kernel lets perfwarden
 * make and where its cgroup (v2) lives; sandbox_spawn() is the fork() that
 * runner/measure/proc and runner/measure/build use, sandbox_child_enter()
 * the last step of their child's preparation and sandbox_exec() its exec:
 * of perfwarden-launch, which starts the command and reports its end on a
 * relay pipe (runner/measure/launch.h).
 *
 * With a PID namespace the spawned process is a raw clone that becomes the
 * namespace's init (PID 1 inside): it mounts, hides and joins what the run
 * needs, the caller's child code prepares it, and it execs the launcher,
 * which forks the command (PID 2, in the init's process group), reaps
 * whatever ends up under it and, when the command exits, reports and exits —
 * the kernel then kills everything else in the namespace. Its
 * PR_SET_PDEATHSIG takes the namespace down with perfwarden. Timing is the
 * command's own: the end time is taken by the launcher as it reaps the
 * command, before the namespace is torn down. Between the clone and the
 * exec only system calls run: the clone did not go through the C library,
 * whose locks another thread of perfwarden may hold.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "launch.h"
#include "sandbox.h"

#define SANDBOX_CGROUP_PREFIX "perfwarden."
#define SANDBOX_PIDS_MAX      "4096"

enum setup_step { STEP_CGROUP = 1, STEP_MOUNT, STEP_NET, STEP_HIDE };

static char *xstrdup(const char *s)
{
	char *d = strdup(s);

	if (!d)
		abort();
	return d;
}

/* ---- the child side: async-signal-safe only ---- */

static int parent_gone(int pidfd)
{
	struct pollfd pfd = {pidfd, POLLIN, 0};

	return pidfd >= 0 && poll(&pfd, 1, 0) > 0 && (pfd.revents & POLLIN);
}

static int loopback_up(void)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret = -1;

	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, "lo", 3);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
		ret = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	close(fd);
	return ret;
}

static void init_fail(int relay, int step)
{
	struct launch_report m;

	memset(&m, 0, sizeof(m));
	m.kind = LAUNCH_SETUP;
	m.step = step;
	m.err = errno;
	if (write(relay, &m, sizeof(m)) < 0) {
		/* nothing left to tell it with */
	}
	_exit(127);
}

/* PID 1 of the namespace: set the namespace up; the caller's child code goes on from here. */
static void init_main(struct sandbox_proc *proc, int relay_r, int relay_w)
{
	sigset_t none;
	int sig;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (parent_gone(proc->pdeath_check_fd))
		_exit(127);
	setpgid(0, 0);
	if (proc->cpu >= 0 && proc->cpu < CPU_SETSIZE) {
		/* on the command's cpu, free the moment it exits: its end is seen at once */
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(proc->cpu, &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (sig = 1; sig < 32; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	close(relay_r);
	if (proc->cgroup_procs_fd >= 0 && write(proc->cgroup_procs_fd, "0", 1) < 0)
		init_fail(relay_w, STEP_CGROUP);
	if ((proc->flags & SANDBOX_MOUNTNS) &&
	    (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	     mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0))
		init_fail(relay_w, STEP_MOUNT);
	if (proc->flags & SANDBOX_MOUNTNS) {
		size_t i;

		for (i = 0; i < proc->nhidden; i++)
			if (mount("none", proc->hidden[i], "tmpfs",
			          MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			          "size=4k,mode=0555") < 0)
				init_fail(relay_w, STEP_HIDE);
	}
	if ((proc->flags & SANDBOX_NETNS) &&
	    (proc->netns_fd >= 0 ? setns(proc->netns_fd, CLONE_NEWNET) : loopback_up()) < 0)
		init_fail(relay_w, STEP_NET);
}

int sandbox_child_enter(const struct sandbox_proc *proc)
{
	if (!(proc->flags & SANDBOX_PIDNS) && proc->cgroup_procs_fd >= 0 &&
	    write(proc->cgroup_procs_fd, "0", 1) < 0)
		return -1;
	if (proc->flags & SANDBOX_USER) {
		gid_t gid = proc->gid;

		/*
		 * The system calls themselves: the C library's wrappers would ask
		 * every thread it believes in to change too, and a raw clone has
		 * none of them.
		 */
		if (syscall(SYS_setgroups, 1, &gid) < 0 ||
		    syscall(SYS_setresgid, proc->gid, proc->gid, proc->gid) < 0 ||
		    syscall(SYS_setresuid, proc->uid, proc->uid, proc->uid) < 0)
			return -1;
	}
	/* After the change of user, which clears it. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (proc->flags & SANDBOX_PIDNS ? parent_gone(proc->pdeath_check_fd)
	                                : getppid() != proc->parent_pid)
		_exit(127);
	return 0;
}

/* Put `from` at `to` for the exec (-1: leave `to` closed). */
static int place_fd(int from, int to)
{
	if (from < 0)
		return close(to) < 0 && errno != EBADF ? -1 : 0;
	return dup2(from, to) < 0 ? -1 : 0;
}

int sandbox_exec(const struct sandbox_proc *proc, char *const *launch_argv, char *const *envp,
                 int status_fd)
{
	int fds[3], i;

	fds[0] = proc->relay_w;
	fds[1] = status_fd;
	fds[2] = proc->pdeath_check_fd;
	/* first out of the way of 3..5: a source may sit on another's place */
	for (i = 0; i < 3; i++)
		if (fds[i] >= 0 && (fds[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 10)) < 0)
			return -1;
	for (i = 0; i < 3; i++)
		if (place_fd(fds[i], LAUNCH_RELAY_FD + i) < 0)
			return -1;
	execve(launch_argv[0], launch_argv, envp);
	return -1;
}

static pthread_once_t launcher_once = PTHREAD_ONCE_INIT;
static char *launcher_path;

static void find_launcher(void)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	struct strbuf path = STRBUF_INIT;
	char *slash;

	if (n > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/'))) {
			*slash = '\0';
			strbuf_addf(&path, "%s/" LAUNCH_NAME, self);
			if (access(path.buf, X_OK) == 0) {
				launcher_path = strbuf_detach(&path, NULL);
				return;
			}
		}
	}
	strbuf_release(&path);
#ifdef PERFWARDEN_LAUNCH_BUILT
	if (access(PERFWARDEN_LAUNCH_BUILT, X_OK) == 0)
		launcher_path = xstrdup(PERFWARDEN_LAUNCH_BUILT);
#endif
}

const char *sandbox_launcher(void)
{
	pthread_once(&launcher_once, find_launcher);
	return launcher_path;
}

char **sandbox_launch_argv(const char *path, char *const *argv, struct pw_error *err)
{
	const char *launcher = sandbox_launcher();
	size_t n = 0, i;
	char **out;

	if (!launcher) {
		pw_error_set(err, PW_EIO,
		             "could not find " LAUNCH_NAME " next to perfwarden: "
		             "it starts every command perfwarden runs");
		return NULL;
	}
	while (argv[n])
		n++;
	out = calloc(n + 3, sizeof(*out));
	if (!out)
		abort();
	out[0] = (char *)launcher;
	out[1] = (char *)path;
	for (i = 0; i < n; i++)
		out[i + 2] = argv[i];
	return out;
}

/* ---- the parent side ---- */

static int write_file(const char *dir, const char *name, const char *text)
{
	struct strbuf path = STRBUF_INIT;
	int fd, ok = 0;

	strbuf_addf(&path, "%s/%s", dir, name);
	fd = open(path.buf, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
		close(fd);
	}
	strbuf_release(&path);
	return ok ? 0 : -1;
}

/* Kill everything in cgroup `dir` and remove it (waiting up to ~1 s for the dead to go). */
static void cgroup_remove(const char *dir)
{
	int i;

	for (i = 0; i < 1000; i++) {
		if (rmdir(dir) == 0 || errno == ENOENT)
			return;
		if (errno != EBUSY)
			return;
		write_file(dir, "cgroup.kill", "1");
		usleep(1000);
	}
}

/*
 * Cgroups killed but not empty yet: the dead take a moment to leave, and a
 * run should not wait for them. Removed at the next spawn, or at the latest
 * by sandbox_release() (process-wide, under a lock: spawns may come from
 * several threads).
 */
#define GRAVEYARD_MAX 64
static char *graveyard[GRAVEYARD_MAX];
static size_t graveyard_n;
static pthread_mutex_t graveyard_lock = PTHREAD_MUTEX_INITIALIZER;

static void graveyard_sweep(int wait)
{
	size_t i, kept = 0;

	pthread_mutex_lock(&graveyard_lock);
	for (i = 0; i < graveyard_n; i++) {
		if (wait)
			cgroup_remove(graveyard[i]);
		if (wait || rmdir(graveyard[i]) == 0 || errno == ENOENT)
			free(graveyard[i]);
		else
			graveyard[kept++] = graveyard[i];
	}
	graveyard_n = kept;
	pthread_mutex_unlock(&graveyard_lock);
}

/* Kill the cgroup and remove it now if it is empty already, else soon (owns `dir`). */
static void cgroup_bury(char *dir)
{
	write_file(dir, "cgroup.kill", "1");
	if (rmdir(dir) == 0 || errno != EBUSY) {
		free(dir);
		return;
	}
	pthread_mutex_lock(&graveyard_lock);
	if (graveyard_n < GRAVEYARD_MAX) {
		graveyard[graveyard_n++] = dir;
		dir = NULL;
	}
	pthread_mutex_unlock(&graveyard_lock);
	if (dir) {
		cgroup_remove(dir);
		free(dir);
	}
}

/* An ordinary fork() for a spawn without a PID namespace, with the launcher's relay. */
static pid_t spawn_fork(struct sandbox_proc *proc)
{
	int relay[2];
	pid_t pid;

	if (pipe2(relay, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		close(relay[0]);
		proc->relay_w = relay[1];
		return 0;
	}
	close(relay[1]);
	if (pid < 0) {
		int e = errno;

		close(relay[0]);
		errno = e;
		return -1;
	}
	proc->relay_fd = relay[0];
	return pid;
}

pid_t sandbox_spawn(const struct sandbox *sb, unsigned spawn_flags, int cpu,
                    struct sandbox_proc *proc)
{
	static unsigned counter;
	int relay[2] = {-1, -1};
	pid_t pid;

	sandbox_proc_init(proc);
	proc->parent_pid = getpid();
	proc->cpu = cpu;
	if (!sb) {
		proc->pdeath_check_fd = (int)syscall(SYS_pidfd_open, getpid(), 0);
		return spawn_fork(proc);
	}
	proc->flags = sb->flags & ~(unsigned)(SANDBOX_CGROUP_PIDS | SANDBOX_CGROUP_MEMORY);
	if (spawn_flags & SANDBOX_SPAWN_PLAIN)
		proc->flags &= ~(unsigned)(SANDBOX_PIDNS | SANDBOX_MOUNTNS | SANDBOX_NETNS |
		                           SANDBOX_CGROUP);
	if (spawn_flags & SANDBOX_SPAWN_NETWORK)
		proc->flags &= ~(unsigned)SANDBOX_NETNS;
	if (!(proc->flags & SANDBOX_PIDNS))
		proc->flags &= ~(unsigned)SANDBOX_MOUNTNS;
	if (sb->user && *sb->user && geteuid() == 0) {
		proc->uid = sb->uid;
		proc->gid = sb->gid;
	} else {
		proc->flags &= ~(unsigned)SANDBOX_USER;
	}

	if (proc->flags & SANDBOX_CGROUP) {
		struct strbuf dir = STRBUF_INIT, file = STRBUF_INIT;

		graveyard_sweep(0);

		strbuf_addf(&dir, "%s/" SANDBOX_CGROUP_PREFIX "%ld.%u", sb->cgroup_dir,
		            (long)getpid(), __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED));
		strbuf_addf(&file, "%s/cgroup.procs", dir.buf);
		if (mkdir(dir.buf, 0755) == 0 &&
		    (proc->cgroup_procs_fd = open(file.buf, O_WRONLY | O_CLOEXEC)) >= 0) {
			proc->cgroup = strbuf_detach(&dir, NULL);
			if (sb->flags & SANDBOX_CGROUP_PIDS)
				write_file(proc->cgroup, "pids.max", SANDBOX_PIDS_MAX);
			if (sb->flags & SANDBOX_CGROUP_MEMORY)
				write_file(proc->cgroup, "memory.max", "8589934592");
		} else {
			rmdir(dir.buf);
			proc->flags &= ~(unsigned)SANDBOX_CGROUP;
		}
		strbuf_release(&dir);
		strbuf_release(&file);
	}
	proc->pdeath_check_fd = (int)syscall(SYS_pidfd_open, getpid(), 0);
	proc->netns_fd = sb->netns_fd;
	proc->hidden = sb->hidden;
	proc->nhidden = sb->nhidden;

	if (!(proc->flags & SANDBOX_PIDNS))
		return spawn_fork(proc);
	if (pipe2(relay, O_CLOEXEC) < 0)
		return -1;
	pid = (pid_t)syscall(
	        SYS_clone,
	        SIGCHLD | CLONE_NEWPID | ((proc->flags & SANDBOX_MOUNTNS) ? CLONE_NEWNS : 0) |
	                ((proc->flags & SANDBOX_NETNS) && proc->netns_fd < 0 ? CLONE_NEWNET : 0),
	        NULL, NULL, NULL, 0);
	if (pid == 0) {
		init_main(proc, relay[0], relay[1]);
		proc->relay_w = relay[1];
		return 0; /* the init, which goes on to exec the launcher */
	}
	close(relay[1]);
	if (pid < 0) {
		int e = errno;

		close(relay[0]);
		errno = e;
		return -1;
	}
	proc->relay_fd = relay[0];
	return pid;
}

static const char *step_name(int step)
{
	switch (step) {
	case STEP_CGROUP:
		return "could not join its cgroup";
	case STEP_MOUNT:
		return "could not mount its /proc";
	case STEP_NET:
		return "could not bring its loopback interface up";
	case STEP_HIDE:
		return "could not cover the golden sets";
	default:
		return "could not set it up";
	}
}

int sandbox_proc_finish(struct sandbox_proc *proc, struct strbuf *why)
{
	struct launch_report m;
	int failed = 0;

	if (proc->relay_fd >= 0) {
		ssize_t n;

		while ((n = read(proc->relay_fd, &m, sizeof(m))) < 0 && errno == EINTR)
			;
		if (n == (ssize_t)sizeof(m) && m.kind == LAUNCH_EXIT) {
			proc->has_status = 1;
			proc->wstatus = m.wstatus;
			proc->end_ns = m.end_ns;
			proc->ru = m.ru;
		} else if (n == (ssize_t)sizeof(m) && m.kind == LAUNCH_SETUP) {
			failed = 1;
			if (why)
				strbuf_addf(why, "the sandbox %s: %s", step_name(m.step),
				            strerror(m.err));
		} else if (n == (ssize_t)sizeof(m) && m.kind == LAUNCH_FAILED) {
			failed = 1;
			if (why)
				strbuf_addf(why, LAUNCH_NAME " could not fork the command: %s",
				            strerror(m.err));
		}
		close(proc->relay_fd);
		proc->relay_fd = -1;
	}
	sandbox_proc_kill(proc);
	if (proc->cgroup) {
		cgroup_bury(proc->cgroup);
		proc->cgroup = NULL;
	}
	return failed;
}

void sandbox_proc_kill(struct sandbox_proc *proc)
{
	if (proc->cgroup)
		write_file(proc->cgroup, "cgroup.kill", "1");
}

void sandbox_proc_release(struct sandbox_proc *proc)
{
	if (proc->relay_fd >= 0)
		close(proc->relay_fd);
	if (proc->cgroup_procs_fd >= 0)
		close(proc->cgroup_procs_fd);
	if (proc->pdeath_check_fd >= 0)
		close(proc->pdeath_check_fd);
	if (proc->cgroup)
		cgroup_bury(proc->cgroup);
	sandbox_proc_init(proc);
}

void sandbox_proc_init(struct sandbox_proc *proc)
{
	memset(proc, 0, sizeof(*proc));
	proc->relay_fd = proc->relay_w = proc->cgroup_procs_fd = proc->pdeath_check_fd =
	        proc->netns_fd = -1;
	proc->cpu = -1;
}

/* ---- the probe ---- */

static int pick_user(struct sandbox *sb, struct pw_error *err)
{
	const char *want = getenv("PERFWARDEN_RUN_USER");
	const char *names[2] = {SANDBOX_DEFAULT_USER, "nobody"};
	struct passwd *pw = NULL;
	struct stat st;
	size_t i;

	if (geteuid() != 0) {
		pw = getpwuid(geteuid());
		sb->flags |= SANDBOX_USER;
		sb->uid = geteuid();
		sb->gid = getegid();
		sb->user = xstrdup("");
		if (pw && pw->pw_dir && stat(pw->pw_dir, &st) == 0 && S_ISDIR(st.st_mode))
			sb->home = xstrdup(pw->pw_dir);
		return 0;
	}
	if (want && *want) {
		pw = getpwnam(want);
		if (!pw)
			return pw_error_set(err, PW_EUNSUPPORTED,
			                    "PERFWARDEN_RUN_USER names '%s', who does not exist",
			                    want);
	}
	for (i = 0; !pw && i < 2; i++)
		pw = getpwnam(names[i]);
	if (!pw)
		return pw_error_set(err, PW_EUNSUPPORTED,
		                    "no unprivileged user to run builds and benchmarks as: "
		                    "create '%s' (useradd --system --create-home --home-dir "
		                    "/var/lib/%s %s) or name one in PERFWARDEN_RUN_USER",
		                    SANDBOX_DEFAULT_USER, SANDBOX_DEFAULT_USER,
		                    SANDBOX_DEFAULT_USER);
	if (pw->pw_uid == 0 || pw->pw_gid == 0)
		return pw_error_set(err, PW_EUNSUPPORTED,
		                    "'%s' is root (uid or gid 0): builds and benchmarks never run "
		                    "as root; name an unprivileged user in PERFWARDEN_RUN_USER",
		                    pw->pw_name);
	sb->flags |= SANDBOX_USER;
	sb->uid = pw->pw_uid;
	sb->gid = pw->pw_gid;
	sb->user = xstrdup(pw->pw_name);
	if (pw->pw_dir && stat(pw->pw_dir, &st) == 0 && S_ISDIR(st.st_mode) &&
	    st.st_uid == pw->pw_uid)
		sb->home = xstrdup(pw->pw_dir);
	return 0;
}

/* Which of `flags` (PIDNS, MOUNTNS, NETNS) a child can really be given: try them. */
static int try_namespaces(unsigned flags)
{
	int relay[2], st = 0;
	struct sandbox_proc proc;
	struct strbuf why = STRBUF_INIT;
	pid_t pid;
	int ok;

	sandbox_proc_init(&proc);
	proc.flags = flags;
	if (pipe2(relay, O_CLOEXEC) < 0)
		return 0;
	pid = (pid_t)syscall(SYS_clone,
	                     SIGCHLD | CLONE_NEWPID |
	                             ((flags & SANDBOX_MOUNTNS) ? CLONE_NEWNS : 0) |
	                             ((flags & SANDBOX_NETNS) ? CLONE_NEWNET : 0),
	                     NULL, NULL, NULL, 0);
	if (pid == 0) {
		init_main(&proc, relay[0], relay[1]);
		_exit(0);
	}
	close(relay[1]);
	if (pid < 0) {
		close(relay[0]);
		return 0;
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	proc.relay_fd = relay[0];
	/* the init reports only what failed; one that set everything up just exits */
	ok = !sandbox_proc_finish(&proc, &why) && WIFEXITED(st) && WEXITSTATUS(st) == 0;
	sandbox_proc_release(&proc);
	strbuf_release(&why);
	return ok;
}

/*
 * The network namespace the runs share: a child makes it (with its loopback
 * up) and waits while the parent opens it through /proc. Without it, each
 * run makes its own (netns_fd stays -1).
 */
static void make_netns(struct sandbox *sb)
{
	struct strbuf path = STRBUF_INIT;
	int ready[2], hold[2], st;
	char c;
	pid_t pid;

	if (pipe2(ready, O_CLOEXEC) < 0)
		return;
	if (pipe2(hold, O_CLOEXEC) < 0) {
		close(ready[0]), close(ready[1]);
		return;
	}
	pid = fork();
	if (pid == 0) {
		close(ready[0]);
		close(hold[1]);
		if (unshare(CLONE_NEWNET) < 0 || loopback_up() < 0)
			_exit(1);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		while (read(hold[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(ready[1]);
	close(hold[0]);
	if (pid > 0 && read(ready[0], &c, 1) == 1) {
		strbuf_addf(&path, "/proc/%ld/ns/net", (long)pid);
		sb->netns_fd = open(path.buf, O_RDONLY | O_CLOEXEC);
	}
	close(hold[1]);
	close(ready[0]);
	if (pid > 0)
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
	strbuf_release(&path);
}

static void probe_namespaces(struct sandbox *sb)
{
	if (geteuid() != 0) {
		strbuf_addstr(&sb->notes,
		              "namespaces: not made (perfwarden does not run as root)\n");
		return;
	}
	if (try_namespaces(SANDBOX_PIDNS | SANDBOX_MOUNTNS | SANDBOX_NETNS)) {
		sb->flags |= SANDBOX_PIDNS | SANDBOX_MOUNTNS | SANDBOX_NETNS;
		make_netns(sb);
		return;
	}
	if (!try_namespaces(SANDBOX_PIDNS)) {
		strbuf_addf(&sb->notes, "namespaces: this kernel refuses a PID namespace (%s)\n",
		            strerror(errno));
		return;
	}
	sb->flags |= SANDBOX_PIDNS;
	if (try_namespaces(SANDBOX_PIDNS | SANDBOX_MOUNTNS))
		sb->flags |= SANDBOX_MOUNTNS;
	else
		strbuf_addstr(&sb->notes, "mount namespace: refused by this kernel\n");
	if (try_namespaces(sb->flags | SANDBOX_NETNS)) {
		sb->flags |= SANDBOX_NETNS;
		make_netns(sb);
	} else
		strbuf_addstr(&sb->notes, "network namespace: refused by this kernel; benchmarks "
		                          "keep the machine's network\n");
}

/* The cgroup v2 mount point, from /proc/self/mountinfo, into `out`; -1 when none. */
static int cgroup2_mount(struct strbuf *out)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096];
	int found = -1;

	if (!f)
		return -1;
	while (found < 0 && fgets(line, sizeof(line), f)) {
		char *sep = strstr(line, " - cgroup2 ");
		char *mnt;
		int field;

		if (!sep)
			continue;
		/* fields: id parent major:minor root mountpoint ... */
		for (mnt = line, field = 0; field < 4 && mnt; field++)
			mnt = strchr(mnt, ' '), mnt = mnt ? mnt + 1 : NULL;
		if (!mnt)
			continue;
		strbuf_add(out, mnt, strcspn(mnt, " "));
		found = 0;
	}
	fclose(f);
	return found;
}

/* perfwarden's own cgroup v2 path ("/..."), from /proc/self/cgroup; -1 when none. */
static int own_cgroup(struct strbuf *out)
{
	struct strbuf text = STRBUF_INIT;
	const char *line;
	int ret = -1;

	if (strbuf_read_file(&text, "/proc/self/cgroup") == 0)
		for (line = text.buf; line && *line;
		     line = strchr(line, '\n'), line = line ? line + 1 : NULL)
			if (!strncmp(line, "0::", 3)) {
				strbuf_add(out, line + 3, strcspn(line + 3, "\n"));
				ret = 0;
				break;
			}
	strbuf_release(&text);
	return ret;
}

/* Kill and remove the cgroups of perfwarden processes that are gone. */
static void cgroup_sweep(const char *dir)
{
	struct strbuf path = STRBUF_INIT;
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d))) {
		long pid;
		char *end;

		if (strncmp(de->d_name, SANDBOX_CGROUP_PREFIX, strlen(SANDBOX_CGROUP_PREFIX)))
			continue;
		pid = strtol(de->d_name + strlen(SANDBOX_CGROUP_PREFIX), &end, 10);
		if (pid <= 0 || *end != '.' || pid == (long)getpid() || kill((pid_t)pid, 0) == 0 ||
		    errno != ESRCH)
			continue;
		strbuf_reset(&path);
		strbuf_addf(&path, "%s/%s", dir, de->d_name);
		cgroup_remove(path.buf);
	}
	closedir(d);
	strbuf_release(&path);
}

static void probe_cgroup(struct sandbox *sb)
{
	struct strbuf dir = STRBUF_INIT, own = STRBUF_INIT, probe = STRBUF_INIT;
	struct strbuf file = STRBUF_INIT, controls = STRBUF_INIT;

	if (cgroup2_mount(&dir) < 0 || own_cgroup(&own) < 0) {
		strbuf_addstr(&sb->notes, "cgroup: no cgroup v2 hierarchy on this machine\n");
		goto done;
	}
	if (strcmp(own.buf, "/"))
		strbuf_addstr(&dir, own.buf);
	strbuf_addf(&probe, "%s/" SANDBOX_CGROUP_PREFIX "probe.%ld", dir.buf, (long)getpid());
	if (mkdir(probe.buf, 0755) < 0) {
		strbuf_addf(&sb->notes, "cgroup: cannot make cgroups in '%s' (%s)\n", dir.buf,
		            strerror(errno));
		goto done;
	}
	strbuf_addf(&file, "%s/cgroup.kill", probe.buf);
	if (access(file.buf, F_OK) < 0) {
		rmdir(probe.buf);
		strbuf_addf(
		        &sb->notes,
		        "cgroup: the cgroups of '%s' have no cgroup.kill (kernel before 5.14)\n",
		        dir.buf);
		goto done;
	}
	rmdir(probe.buf);
	sb->flags |= SANDBOX_CGROUP;
	sb->cgroup_dir = xstrdup(dir.buf);
	cgroup_sweep(dir.buf);

	/* Delegation: the controllers a child cgroup of ours can use. */
	write_file(dir.buf, "cgroup.subtree_control", "+pids");
	write_file(dir.buf, "cgroup.subtree_control", "+memory");
	strbuf_reset(&file);
	strbuf_addf(&file, "%s/cgroup.subtree_control", dir.buf);
	if (strbuf_read_file(&controls, file.buf) == 0)
		strbuf_rtrim(&controls);
	sb->cgroup_controls = xstrdup(strbuf_str(&controls));
	if (strstr(strbuf_str(&controls), "pids"))
		sb->flags |= SANDBOX_CGROUP_PIDS;
	else
		strbuf_addf(&sb->notes,
		            "cgroup: the pids controller is not delegated to '%s' (the process "
		            "limit is the run user's RLIMIT_NPROC)\n",
		            dir.buf);
	if (strstr(strbuf_str(&controls), "memory"))
		sb->flags |= SANDBOX_CGROUP_MEMORY;
	else
		strbuf_addf(&sb->notes,
		            "cgroup: the memory controller is not delegated to '%s' (the memory "
		            "limit is RLIMIT_AS)\n",
		            dir.buf);
done:
	strbuf_release(&dir);
	strbuf_release(&own);
	strbuf_release(&probe);
	strbuf_release(&file);
	strbuf_release(&controls);
}

int sandbox_probe(struct sandbox *sb, struct pw_error *err)
{
	int ret;

	sandbox_release(sb);
	ret = pick_user(sb, err);
	probe_namespaces(sb);
	probe_cgroup(sb);
	return ret;
}

void sandbox_release(struct sandbox *sb)
{
	struct sandbox init = SANDBOX_INIT;

	graveyard_sweep(1);
	free(sb->user);
	free(sb->home);
	free(sb->cgroup_dir);
	free(sb->cgroup_controls);
	strbuf_release(&sb->notes);
	if (sb->netns_fd >= 0)
		close(sb->netns_fd);
	while (sb->nhidden)
		free(sb->hidden[--sb->nhidden]);
	free(sb->hidden);
	*sb = init;
}

json_t *sandbox_json(const struct sandbox *sb)
{
	json_t *notes = json_array();
	const char *line = strbuf_str(&sb->notes);

	while (*line) {
		const char *eol = strchrnul(line, '\n');

		json_array_append_new(notes, json_stringn(line, (size_t)(eol - line)));
		line = *eol ? eol + 1 : eol;
	}
	return json_pack(
	        "{s:s?, s:i, s:b, s:b, s:b, s:b, s:s?, s:s?, s:b, s:b, s:o}", "user",
	        sb->user && *sb->user ? sb->user : NULL, "uid", (int)sb->uid, "switches_user",
	        sb->user && *sb->user, "pid_namespace", !!(sb->flags & SANDBOX_PIDNS),
	        "mount_namespace", !!(sb->flags & SANDBOX_MOUNTNS), "network_namespace",
	        !!(sb->flags & SANDBOX_NETNS), "cgroup", sb->cgroup_dir, "cgroup_controllers",
	        sb->cgroup_controls, "cgroup_pids_limit", !!(sb->flags & SANDBOX_CGROUP_PIDS),
	        "cgroup_memory_limit", !!(sb->flags & SANDBOX_CGROUP_MEMORY), "unavailable", notes);
}

void sandbox_describe(const struct sandbox *sb, struct strbuf *out)
{
	const char *sep = "";

	if (sb->user && *sb->user)
		strbuf_addf(out, "user %s (uid %d)", sb->user, (int)sb->uid);
	else
		strbuf_addf(out, "perfwarden's own user (uid %d)", (int)sb->uid);
	if (sb->flags & (SANDBOX_PIDNS | SANDBOX_MOUNTNS | SANDBOX_NETNS)) {
		strbuf_addstr(out, ", ");
		if (sb->flags & SANDBOX_PIDNS)
			strbuf_addstr(out, "pid"), sep = "+";
		if (sb->flags & SANDBOX_MOUNTNS)
			strbuf_addf(out, "%smount", sep), sep = "+";
		if (sb->flags & SANDBOX_NETNS)
			strbuf_addf(out, "%snetwork", sep);
		strbuf_addstr(out, " namespaces");
	} else {
		strbuf_addstr(out, ", no namespaces");
	}
	if (sb->flags & SANDBOX_CGROUP)
		strbuf_addf(out, ", cgroup v2 (kill%s%s)",
		            (sb->flags & SANDBOX_CGROUP_PIDS) ? ", pids.max" : "",
		            (sb->flags & SANDBOX_CGROUP_MEMORY) ? ", memory.max" : "");
	else
		strbuf_addstr(out, ", no cgroup");
}

static int chown_walk(const struct sandbox *sb, struct strbuf *path, int depth)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	size_t len = path->len;
	int ret = 0;

	if (lstat(path->buf, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	if ((st.st_uid != sb->uid || st.st_gid != sb->gid) &&
	    lchown(path->buf, sb->uid, sb->gid) < 0)
		return -1;
	if (!S_ISDIR(st.st_mode) || depth > 256)
		return 0;
	d = opendir(path->buf);
	if (!d)
		return -1;
	while (ret == 0 && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		strbuf_setlen(path, len);
		strbuf_addf(path, "/%s", de->d_name);
		ret = chown_walk(sb, path, depth + 1);
	}
	closedir(d);
	strbuf_setlen(path, len);
	return ret;
}

int sandbox_chown_tree(const struct sandbox *sb, const char *path, struct pw_error *err)
{
	struct strbuf p = STRBUF_INIT;
	int ret = 0;

	if (!sb || !sb->user || !*sb->user || geteuid() != 0)
		return 0;
	strbuf_addstr(&p, path);
	if (chown_walk(sb, &p, 0) < 0)
		ret = pw_error_errno(err, PW_EIO, "could not hand '%s' to the user '%s'", p.buf,
		                     sb->user);
	strbuf_release(&p);
	return ret;
}

int sandbox_check_reach(const struct sandbox *sb, const char *dir, struct pw_error *err)
{
	pid_t pid;
	int st = 0, e;

	if (!sb || !sb->user || !*sb->user || geteuid() != 0)
		return 0;
	pid = fork();
	if (pid < 0)
		return pw_error_errno(err, PW_EIO, "could not fork");
	if (pid == 0) {
		gid_t gid = sb->gid;

		if (setgroups(1, &gid) < 0 || setgid(sb->gid) < 0 || setuid(sb->uid) < 0)
			_exit(255);
		_exit(access(dir, X_OK) < 0 ? (errno & 0x7f) : 0);
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	e = WIFEXITED(st) && WEXITSTATUS(st) != 255 ? WEXITSTATUS(st) : EPERM;
	return pw_error_set(err, PW_EIO,
	                    "the user '%s' who runs builds and benchmarks cannot reach '%s': %s "
	                    "(let it through every directory above, or choose another "
	                    "--workdir or PERFWARDEN_HOME)",
	                    sb->user, dir, strerror(e));
}

int sandbox_hide(struct sandbox *sb, const char *dir, const char *keep)
{
	char *real = NULL, *kept = NULL;
	size_t n;
	struct stat st;
	int hidden = 0;

	if (!(sb->flags & SANDBOX_MOUNTNS) || !(real = realpath(dir, NULL)) ||
	    stat(real, &st) < 0 || !S_ISDIR(st.st_mode) || !strcmp(real, "/"))
		goto done;
	n = strlen(real);
	if (keep && (kept = realpath(keep, NULL)) && !strncmp(kept, real, n) &&
	    (kept[n] == '/' || kept[n] == '\0'))
		goto done;
	sb->hidden = realloc(sb->hidden, (sb->nhidden + 1) * sizeof(*sb->hidden));
	if (!sb->hidden)
		abort();
	sb->hidden[sb->nhidden++] = real;
	real = NULL;
	hidden = 1;
done:
	free(real);
	free(kept);
	return hidden;
}
