/*
 * sandbox.c - the sandbox: a private user + network namespace for the test
 * program; for each test, its own PID, network and mount namespaces (files
 * read-only but a private /tmp); private files, temp dirs; and the end of
 * everything a test started, with or without the sandbox.
 */
#define _GNU_SOURCE
#include "internal.h"
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <ftw.h>
#include <libgen.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char sl_tmpdir_path[PATH_MAX];

/* ---- the sandbox --------------------------------------------------------- */

bool sl_sandboxed(void)
{
    const char *s = getenv("SOCKLAB_SANDBOX");
    return s && strcmp(s, "1") == 0;
}

const char *sl_sandbox_note(void)
{
    const char *s = getenv("SOCKLAB_SANDBOX_NOTE");
    return s ? s : "";
}

bool sl_host_loopback(void)
{
    static int lock = -1; /* per test: each runs in a worker of its own */
    if (lock >= 0)
        return true;
    const char *s = getenv("SOCKLAB_HOST_LOOPBACK");
    if (sl_sandboxed() || !s || strcmp(s, "1") != 0)
        return false;
    int probe = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0); /* CAP_NET_RAW, as grade gave it */
    if (probe < 0)
        return false;
    close(probe);
    /* One at a time: an exclusive lock on the test program, which every
     * test's worker runs; it goes with the worker. */
    int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    while (flock(fd, LOCK_EX) != 0)
        if (errno != EINTR) {
            close(fd);
            return false;
        }
    lock = fd;
    sl_wire_take_loopback();
    sl_step("ran on this machine's loopback, one such test at a time (grade --host-loopback: a throwaway "
            "container with no sandbox)");
    return true;
}

static int write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, text, strlen(text));
    int saved = errno;
    close(fd);
    errno = saved;
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* Bring up the loopback interface of the new network namespace. */
static int loopback_up(void)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct ifreq ifr = {0};
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
    int rc = ioctl(fd, SIOCGIFFLAGS, &ifr);
    if (rc == 0) {
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
    }
    int saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

/* How to allow user namespaces on this machine. */
static const char *userns_advice(void)
{
    const char *given = getenv("SOCKLAB_SANDBOX_ADVICE"); /* set where a platform knows better */
    if (given && *given)
        return given;
    FILE *f = fopen("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", "r");
    int v = 0;
    if (f) {
        if (fscanf(f, "%d", &v) != 1)
            v = 0;
        fclose(f);
    }
    if (v == 1)
        return "AppArmor restricts unprivileged user namespaces here (Ubuntu 23.10 and later); allow "
               "them with 'sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0'";
    return "on Ubuntu 23.10 and later, 'sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0'; "
           "in Docker, run the container with '--security-opt seccomp=unconfined'";
}

/* Enter a private user + network namespace, mapping us to root inside, and
 * bring up its loopback. Returns NULL, or the step that failed (errno set). */
static const char *sandbox_try(uid_t uid, gid_t gid)
{
    char map[64];
    if (unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0)
        return "unshare";
    snprintf(map, sizeof map, "0 %d 1", (int)uid);
    if (write_file("/proc/self/uid_map", map) != 0)
        return "write uid_map";
    if (write_file("/proc/self/setgroups", "deny") != 0 && errno != ENOENT)
        return "write setgroups";
    snprintf(map, sizeof map, "0 %d 1", (int)gid);
    if (write_file("/proc/self/gid_map", map) != 0)
        return "write gid_map";
    if (loopback_up() != 0)
        return "bring up lo";
    /* Root mapped into a user namespace is not root over the files: a tree
     * that only its owner may enter is out of reach there, and Criterion
     * runs each test by the test program's full path. */
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        if (access(exe, X_OK) != 0 && errno == EACCES)
            return "reach the programs to grade";
    }
    return NULL;
}

/* Enter the sandbox if this machine allows it. It is tried first in a child,
 * so that a half-made namespace (allowed to unshare, denied the uid map, as
 * under Ubuntu's AppArmor rule) never becomes ours. Sets SOCKLAB_SANDBOX=1
 * for the workers, or leaves a note saying what failed and how to allow it. */
void sl_sandbox_enter(void)
{
    static const char *const steps_[] = {"unshare",       "write uid_map", "write setgroups",
                                         "write gid_map", "bring up lo",   "reach the programs to grade"};
    uid_t uid = geteuid();
    gid_t gid = getegid();
    const char *what = "fork";
    int err = 0;
    sl_privs_count_processes();
    if (getenv("SOCKLAB_NO_SANDBOX")) {
        setenv("SOCKLAB_SANDBOX", "0", 1);
        setenv("SOCKLAB_SANDBOX_NOTE",
               "the sandbox is turned off (SOCKLAB_NO_SANDBOX is set): tests ran on "
               "this machine's loopback; tests that need it were skipped",
               1);
        return;
    }
    pid_t pid = fork();
    if (pid == 0) {
        const char *failed = sandbox_try(uid, gid);
        for (int i = 0; failed && i < 6; i++)
            if (strcmp(failed, steps_[i]) == 0)
                _exit(10 + i);
        _exit(0);
    }
    int st = 0;
    if (pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0) {
        what = sandbox_try(uid, gid);
        err = errno;
        if (!what) {
            setenv("SOCKLAB_SANDBOX", "1", 1);
            setenv("SOCKLAB_SANDBOX_NOTE", "", 1);
            return;
        }
    } else if (pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) >= 10 && WEXITSTATUS(st) < 16) {
        what = steps_[WEXITSTATUS(st) - 10];
        err = 0;
    }
    char note[640];
    if (strcmp(what, "reach the programs to grade") == 0)
        snprintf(note, sizeof note, "%s",
                 "tests ran on this machine's loopback, not in a private network namespace: inside one, "
                 "this checkout is out of reach (it sits in a directory only its owner may enter); grade "
                 "as the user who owns it, and the sandbox works again");
    else
        snprintf(note, sizeof note,
                 "tests ran on this machine's loopback, not in a private network namespace (%s%s%s: user "
                 "namespaces are denied here); tests that need one were skipped. To allow them: %s",
                 what, err ? ": " : "", err ? strerror(err) : "", userns_advice());
    setenv("SOCKLAB_SANDBOX", "0", 1);
    setenv("SOCKLAB_SANDBOX_NOTE", note, 1);
}

void sl_private_hosts(const char *content)
{
    if (!sl_sandboxed())
        sl_skip("this test needs a private /etc/hosts, which needs the sandbox: %s", sl_sandbox_note());
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/hosts", sl_tmpdir());
    FILE *f = fopen(path, "w");
    if (!f || fputs(content, f) < 0 || fclose(f) != 0)
        sl_fail("to write a private hosts file", "%s: %s", path, strerror(errno));
    chmod(path, 0644);
    if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
        mount(path, "/etc/hosts", NULL, MS_BIND, NULL) != 0)
        sl_skip("could not give this test a private /etc/hosts: %s", strerror(errno));
    /* A name service cache daemon would answer from its cache instead. */
    if (access("/run/nscd", F_OK) == 0 && mount("none", "/run/nscd", "tmpfs", 0, NULL) != 0)
        sl_skip("could not hide nscd's cache from this test: %s", strerror(errno));
    sl_step("gave the test a private /etc/hosts");
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

const char *sl_tmpdir(void)
{
    if (!sl_tmpdir_path[0]) {
        const char *base = getenv("TMPDIR");
        snprintf(sl_tmpdir_path, sizeof sl_tmpdir_path, "%s/socklab.XXXXXX", base && *base ? base : "/tmp");
        if (!mkdtemp(sl_tmpdir_path)) {
            int e = errno;
            sl_tmpdir_path[0] = '\0';
            sl_fail("a temporary directory", "mkdtemp: %s", strerror(e));
        }
    }
    return sl_tmpdir_path;
}

void sl_tmpdir_remove(void)
{
    if (sl_tmpdir_path[0])
        nftw(sl_tmpdir_path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- each test in namespaces of its own --------------------------------- */

/* PID 1 of this test's PID namespace (a child of the worker), and the
 * write end of a pipe that it reads until we end; -1 when the test has no
 * namespaces of its own. */
static pid_t test_init = -1;
static int test_init_pipe = -1;

/* PID 1 of the test's namespace: it holds the namespace open, and orphans
 * of the test's programs come to it (SIGCHLD ignored: the kernel reaps
 * them). It ends when the worker does (the pipe's last writer), and with
 * it, by the kernel's rule for a PID namespace, every process in it. */
static void test_init_main(int rfd)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    signal(SIGCHLD, SIG_IGN);
    /* Nothing of the worker's: its sockets, its memory arenas. */
    if (rfd > 0)
        close_range(0, (unsigned)rfd - 1, 0);
    close_range((unsigned)rfd + 1, ~0U, 0);
    char c;
    while (read(rfd, &c, 1) < 0 && errno == EINTR)
        ;
    _exit(0);
}

/* The directories a private /tmp must not hide, when they live under
 * /tmp (a checkout made with mktemp -d, as CI does): the course tree this
 * test program is in, the current directory and $SOCKLAB_BIN. */
#define KEEP_DIRS 3
struct kept_dir {
    char path[PATH_MAX];
    int fd; /* O_PATH, opened before /tmp is covered; -1: none */
};

/* Whether path is /tmp or below it. */
static bool under_tmp(const char *path)
{
    return strncmp(path, "/tmp", 4) == 0 && (path[4] == '/' || path[4] == '\0');
}

/* Fill keep[] with the directories under /tmp to bind back, each once (one
 * inside another is carried by it), and open them; returns how many. */
static int dirs_to_keep(struct kept_dir keep[KEEP_DIRS])
{
    char want[KEEP_DIRS][PATH_MAX];
    int nwant = 0, n = 0;
    char *course = sl_course_file(NULL, ".");
    if (realpath(course, want[nwant]))
        nwant++;
    free(course);
    if (getcwd(want[nwant], sizeof want[nwant]))
        nwant++;
    const char *bin = getenv("SOCKLAB_BIN");
    if (bin && *bin && realpath(bin, want[nwant]))
        nwant++;
    for (int i = 0; i < nwant; i++) {
        bool carried = !under_tmp(want[i]) || strcmp(want[i], "/tmp") == 0;
        for (int j = 0; j < nwant && !carried; j++) {
            size_t lj = strlen(want[j]);
            carried = j != i && under_tmp(want[j]) && strcmp(want[j], "/tmp") != 0 &&
                      strncmp(want[i], want[j], lj) == 0 &&
                      (want[i][lj] == '/' || (want[i][lj] == '\0' && j < i));
        }
        if (carried)
            continue;
        memcpy(keep[n].path, want[i], sizeof keep[n].path);
        keep[n].fd = open(want[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (keep[n].fd >= 0)
            n++;
    }
    return n;
}

/* Make directory path and its parents (in the private /tmp). */
static int mkdir_parents(const char *path)
{
    char p[PATH_MAX];
    size_t len = strlen(path);
    if (len >= sizeof p) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(p, path, len + 1);
    for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
        *s = '\0';
        if (mkdir(p, 0755) != 0 && errno != EEXIST)
            return -1;
        *s = '/';
    }
    return mkdir(p, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

/* Bind the directory kept as k back at its path under the private /tmp,
 * read-only, so that absolute paths into it keep working. */
static int bind_back(const struct kept_dir *k)
{
    char src[64];
    snprintf(src, sizeof src, "/proc/self/fd/%d", k->fd);
    struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY};
    if (mkdir_parents(k->path) != 0 || mount(src, k->path, NULL, MS_BIND | MS_REC, NULL) != 0 ||
        mount_setattr(AT_FDCWD, k->path, AT_RECURSIVE, &attr, sizeof attr) != 0)
        return -1;
    return 0;
}

/* Make every mount read-only for this test's mount namespace, then give
 * it a private, writable /tmp and /dev/shm; a checkout under /tmp is bound
 * back in, read-only. -1 (errno set) if the tree could not be made
 * read-only or the checkout not kept in reach. */
static int files_read_only(void)
{
    struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY};
    if (mount_setattr(AT_FDCWD, "/", AT_RECURSIVE, &attr, sizeof attr) != 0)
        return -1;
    struct kept_dir keep[KEEP_DIRS];
    int nkeep = dirs_to_keep(keep);
    int rc = mount("socklab", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "size=512m,mode=1777");
    for (int i = 0; i < nkeep; i++) {
        if (rc == 0)
            rc = bind_back(&keep[i]);
        int saved = errno;
        close(keep[i].fd);
        errno = saved;
    }
    if (rc != 0)
        return -1;
    if (access("/dev/shm", F_OK) == 0)
        mount("socklab", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=64m,mode=1777");
    setenv("TMPDIR", "/tmp", 1);
    return 0;
}

/* Give this test its own PID, network and mount namespaces (the worker
 * holds the user namespace's capabilities): a PID 1 that takes every
 * process the test starts with it when it ends, a fresh loopback, files
 * read-only but /tmp. Returns NULL, or the step that failed (errno set);
 * once the PID namespace has its PID 1, it is kept whatever fails later. */
static const char *test_namespaces(void)
{
    if (unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID) != 0)
        return "unshare";
    /* At once: the first child is the namespace's PID 1, and when it ends
     * no process can be made in the namespace any more. */
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0)
        return "pipe";
    pid_t pid = fork();
    if (pid < 0)
        return "fork PID 1";
    if (pid == 0)
        test_init_main(p[0]);
    close(p[0]);
    test_init = pid;
    test_init_pipe = p[1];
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
        return "make mounts private";
    if (loopback_up() != 0)
        return "bring up lo";
    if (files_read_only() != 0)
        return "make files read-only";
    return NULL;
}

int sl_sandbox_child_ns(void)
{
    if (test_init < 0)
        return 0;
    /* A /proc of the test's PID namespace: none of the harness's, the
     * grader's or the user's other processes (nor their /proc/PID/root,
     * a way out of the read-only files) are in it. Where the kernel will
     * not mount one (a /proc partly hidden, as in some containers), the
     * program still runs, with the /proc it has. */
    if (unshare(CLONE_NEWNS) != 0)
        return -1;
    if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0)
        mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, NULL);
    return 0;
}

/* ---- ending everything a test started ---------------------------------- */

/* Our descendants from /proc: pids into out (at most max), their count. A
 * process is ours if its parent is, from the worker down. */
static int descendants(pid_t *out, int max, bool *all_stopped)
{
    static pid_t pid[32768], ppid[32768];
    static char state[32768];
    int n = 0;
    DIR *d = opendir("/proc");
    if (!d)
        return 0;
    for (struct dirent *e; (e = readdir(d)) && n < 32768;) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        pid_t pp;
        char st;
        pid_t this = (pid_t)strtol(e->d_name, NULL, 10);
        if (sl_proc_stat(this, &st, &pp) != 0)
            continue;
        pid[n] = this;
        ppid[n] = pp;
        state[n] = st;
        n++;
    }
    closedir(d);
    int found = 0;
    *all_stopped = true;
    pid_t me = getpid();
    /* Breadth first: out holds the ones found so far; scan for their children. */
    for (int i = 0; i < n; i++)
        if (ppid[i] == me && found < max) {
            out[found++] = pid[i];
            *all_stopped &= strchr("TtZX", state[i]) != NULL;
        }
    for (int head = 0; head < found; head++)
        for (int i = 0; i < n && found < max; i++)
            if (ppid[i] == out[head]) {
                out[found++] = pid[i];
                *all_stopped &= strchr("TtZX", state[i]) != NULL;
            }
    return found;
}

/* Kill every descendant of this process (we are a subreaper: orphans of
 * setsid daemons and double forks are our children) and reap them. First
 * stop them all, so that none forks while we kill, then kill, reap, and
 * again until none is left. Bounded: never hangs a test. */
int sl_end_descendants(void)
{
    static pid_t list[4096];
    int total = 0;
    /* No child at all (every descendant would have one of ours above it,
     * or be ours as a subreaper): nothing to look for in /proc. */
    siginfo_t info;
    if (waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0 && errno == ECHILD)
        return 0;
    for (int round = 0; round < 200; round++) {
        bool stopped = false;
        int n = descendants(list, 4096, &stopped);
        for (int tries = 0; n > 0 && !stopped && tries < 50; tries++) {
            for (int i = 0; i < n; i++)
                kill(list[i], SIGSTOP);
            n = descendants(list, 4096, &stopped);
        }
        for (int i = 0; i < n; i++)
            kill(list[i], SIGKILL);
        total += n;
        while (waitpid(-1, NULL, n > 0 ? 0 : WNOHANG) > 0)
            ;
        if (n == 0)
            break;
    }
    return total;
}

/* ---- test lifecycle ------------------------------------------------------ */

void sl_test_init(void)
{
    signal(SIGPIPE, SIG_IGN);
    sl_peers_preload(); /* while the checkout is in reach: a private /tmp may hide it */
    sl_hosts_preload();
    /* Not dumpable: the student's programs (same user) cannot open our
     * /proc/PID/fd, where the grader's results pipe is. */
    prctl(PR_SET_DUMPABLE, 0);
    /* Orphans of the student's programs (a forked server's children) come
     * to us, so that they can be killed and reaped at the end. */
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    sl_wire_prepare();
    if (sl_sandboxed()) {
        const char *failed = test_namespaces();
        if (failed)
            sl_step("could not give this test namespaces of its own (%s: %s): its programs run in the "
                    "lesson's",
                    failed, strerror(errno));
        sl_wire_start(failed == NULL);
    }
    sl_privs_prepare(test_init >= 0);
}

void sl_test_fini(void)
{
    sl_proc_end_all();
    if (test_init > 0) {
        close(test_init_pipe);
        kill(test_init, SIGKILL); /* the kernel kills the rest of its namespace */
        /* Every child of ours is in the namespace: reap them all (its PID 1
         * ends only when none of them is left unreaped). */
        while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
            ;
    }
    sl_end_descendants();
    if (test_init < 0)
        sl_tmpdir_remove(); /* a private /tmp goes with the namespace */
}
