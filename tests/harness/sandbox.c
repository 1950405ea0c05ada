/*
 * sandbox.c - the sandbox: a private user + network namespace, private files, temp dirs.
 */
#define _GNU_SOURCE
#include "internal.h"
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <net/if.h>
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

/* ---- what a program under test may do ------------------------------------ */

int sl_sandbox_child(unsigned long long keep_caps)
{
    (void)keep_caps; /* not yet: capabilities, no_new_privs, resource limits */
    return 0;
}

const char *sl_limit_hit(int status)
{
    (void)status; /* not yet: no resource limits are set */
    return NULL;
}

/* ---- test lifecycle ------------------------------------------------------ */

void sl_test_init(void)
{
    signal(SIGPIPE, SIG_IGN);
    /* Not dumpable: the student's programs (same user) cannot open our
     * /proc/PID/fd, where the grader's results pipe is. */
    prctl(PR_SET_DUMPABLE, 0);
    /* Orphans of the student's programs (a forked server's children) come
     * to us, so that they can be killed and reaped at the end. */
    prctl(PR_SET_CHILD_SUBREAPER, 1);
}

void sl_test_fini(void)
{
    sl_proc_end_all();
    while (waitpid(-1, NULL, WNOHANG) > 0) /* reap adopted orphans */
        ;
    sl_tmpdir_remove();
}
