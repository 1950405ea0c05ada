/*
 * proc.c - running and killing the test programs: each in a process group of
 * its own (as the --run-as user when given), read until it ends or its
 * deadline, continued when a program stops it, and everything it left
 * killed (grade is a subreaper).
 */
#define _GNU_SOURCE
#include "grade.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

double proc_slow = 1.0;                    /* SOCKLAB_SLOW */
long proc_run_uid = -1, proc_run_gid = -1; /* --run-as: the test programs' user (grade stays root) */
bool proc_host_loopback;                   /* --host-loopback */

/* In the test program's child, as root: become the --run-as user. With
 * --host-loopback, keep CAP_NET_RAW across the change of user and exec
 * (permitted, effective, inheritable and ambient), and nothing else. 0, or
 * -1 with errno set. */
static int become_run_as_user(void)
{
    if (proc_host_loopback && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0)
        return -1;
    if (setgroups(0, NULL) != 0 ||
        setresgid((gid_t)proc_run_gid, (gid_t)proc_run_gid, (gid_t)proc_run_gid) != 0 ||
        setresuid((uid_t)proc_run_uid, (uid_t)proc_run_uid, (uid_t)proc_run_uid) != 0)
        return -1;
    if (proc_host_loopback) {
        struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
        struct __user_cap_data_struct data[2] = {{0}};
        data[0].effective = data[0].permitted = data[0].inheritable = 1u << CAP_NET_RAW;
        if (syscall(SYS_capset, &hdr, data) != 0 ||
            prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_RAW, 0, 0) != 0)
            return -1;
        setenv("SOCKLAB_HOST_LOOPBACK", "1", 1);
    }
    return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}

/* Kill every child of this process (a subreaper: orphans of what it started
 * become its children) and reap them, until none is left: no daemon, setsid
 * or double fork of a program under test outlives the lesson. */
void proc_kill_descendants(void)
{
    for (int round = 0; round < 100000; round++) {
        int found = 0;
        DIR *d = opendir("/proc");
        for (struct dirent *e; d && (e = readdir(d));) {
            char path[300], buf[512];
            if (e->d_name[0] < '1' || e->d_name[0] > '9')
                continue;
            snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
            int fd = open(path, O_RDONLY | O_CLOEXEC);
            if (fd < 0)
                continue;
            ssize_t n = read(fd, buf, sizeof buf - 1);
            close(fd);
            if (n <= 0)
                continue;
            buf[n] = '\0';
            char *rp = strrchr(buf, ')');
            int ppid = 0;
            if (rp && sscanf(rp + 2, "%*c %d", &ppid) == 1 && ppid == getpid()) {
                kill(atoi(e->d_name), SIGKILL);
                found++;
            }
        }
        if (d)
            closedir(d);
        int reaped = 0;
        while (waitpid(-1, NULL, WNOHANG) > 0)
            reaped++;
        if (!found && !reaped && waitpid(-1, NULL, WNOHANG) < 0)
            return; /* ECHILD: nothing left */
        if (found && !reaped)
            waitpid(-1, NULL, 0); /* one dies; its orphans are ours on the next round */
    }
}

/* The path of the Unix socket Criterion's runner makes (it is fixed:
 * /tmp/criterion_PID.sock, and left behind), in buf or a static buffer. */
static const char *criterion_socket(pid_t pid, char *buf, size_t len)
{
    static char fallback[64];
    if (!buf) {
        buf = fallback;
        len = sizeof fallback;
    }
    snprintf(buf, len, "/tmp/criterion_%d.sock", (int)pid);
    return buf;
}

/* Start testbin (ARG, if not NULL, its one argument) in a process group of
 * its own, its stdout and stderr to outfd, its results to wfd (-1: none). A
 * stale Criterion socket of another user with the new pid would stop it:
 * then try another pid. Returns the pid, or -1 with errno set. */
static pid_t spawn_tests(const char *testbin, const char *arg, const char *bindir, int outfd, int wfd)
{
    for (int attempt = 0; attempt < 5; attempt++) {
        int ready[2]; /* closed by exec; a byte on it means "try another pid" */
        if (pipe2(ready, O_CLOEXEC) < 0)
            return -1;
        pid_t pid = fork();
        if (pid < 0)
            return -1;
        if (pid == 0) {
            char sock[64];
            close(ready[0]);
            if (unlink(criterion_socket(getpid(), sock, sizeof sock)) != 0 && errno != ENOENT) {
                ssize_t n = write(ready[1], "x", 1);
                _exit(n == 1 ? 126 : 127);
            }
            setpgid(0, 0);
            int nul = open("/dev/null", O_WRONLY);
            dup2(outfd, 1);
            dup2(wfd >= 0 || nul < 0 ? outfd : nul, 2); /* a listing's stderr is not the list */
            signal(SIGPIPE, SIG_DFL);
            signal(SIGXFSZ, SIG_DFL);
            if (wfd >= 0) {
                int rfd = dup(wfd); /* without O_CLOEXEC: the test program writes here */
                char fdenv[16];
                snprintf(fdenv, sizeof fdenv, "%d", rfd);
                setenv("SOCKLAB_RESULTS_FD", fdenv, 1);
            } else {
                unsetenv("SOCKLAB_RESULTS_FD");
            }
            setenv("SOCKLAB_BIN", bindir, 1);
            unsetenv("SOCKLAB_HOST_LOOPBACK"); /* only grade --host-loopback says so */
            if (proc_run_uid >= 0 && become_run_as_user() != 0) {
                perror("grade: --run-as");
                _exit(127);
            }
            execl(testbin, testbin, arg, (char *)NULL);
            _exit(127);
        }
        close(ready[1]);
        char c;
        ssize_t n;
        while ((n = read(ready[0], &c, 1)) < 0 && errno == EINTR)
            ;
        close(ready[0]);
        if (n == 1) {
            waitpid(pid, NULL, 0);
            continue;
        }
        setpgid(pid, pid);
        return pid;
    }
    errno = EADDRINUSE;
    return -1;
}

static double now_plus(double seconds)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9 + seconds;
}

/* Read fd to its end into a new string, until deadline (CLOCK_MONOTONIC
 * seconds). While waiting, a stopped pid is continued and an ended one is
 * reaped into *status (*reaped set). Returns the text; *timed_out says
 * whether the deadline came first. */
static char *read_until(int fd, pid_t pid, double deadline, bool *timed_out, bool *reaped, int *status)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (!mem) {
        perror("grade: open_memstream");
        exit(1);
    }
    *timed_out = false;
    for (;;) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        double left = deadline - ((double)now.tv_sec + (double)now.tv_nsec / 1e9);
        if (left <= 0) {
            *timed_out = true;
            break;
        }
        if (!*reaped) { /* a test program stopped by a program it ran is continued */
            pid_t w = waitpid(pid, status, WNOHANG | WUNTRACED);
            if (w == pid && WIFSTOPPED(*status))
                kill(pid, SIGCONT);
            else if (w == pid)
                *reaped = true;
        }
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int rc = poll(&p, 1, left > 1 ? 1000 : (int)(left * 1000) + 1);
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc < 0)
            break;
        if (rc == 0)
            continue;
        char buf[8192];
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        fwrite(buf, 1, (size_t)n, mem);
    }
    fclose(mem);
    return text;
}

/* Wait until pid exits (status into *st) or deadline. Returns whether it
 * exited. */
static bool wait_exit(pid_t pid, int *st, double deadline)
{
    int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
    for (;;) {
        pid_t w = waitpid(pid, st, WNOHANG);
        if (w == pid || w < 0) {
            if (pfd >= 0)
                close(pfd);
            return w == pid;
        }
        double left = deadline - now_plus(0);
        if (left <= 0)
            break;
        if (pfd >= 0) {
            struct pollfd p = {.fd = pfd, .events = POLLIN};
            poll(&p, 1, (int)(left * 1000) + 1);
        } else {
            struct timespec ts = {0, 5000000};
            nanosleep(&ts, NULL);
        }
    }
    if (pfd >= 0)
        close(pfd);
    return false;
}

/* Start testbin with its one argument arg and read its stdout (list: the
 * --socklab-list mode) or its results pipe (Criterion's own output to logfd)
 * until it ends or the deadline; kill whatever is left of it. *status (if
 * not NULL) is its wait status, -1 when it had to be killed. Returns the
 * text read, or NULL with *why set. */
char *proc_run_test_program(const char *testbin, const char *arg, bool list, const char *bindir, int logfd,
                            double seconds, bool *timed_out, int *status, char **why)
{
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) < 0) {
        asprintf(why, "pipe: %s", strerror(errno));
        return NULL;
    }
    pid_t pid = list ? spawn_tests(testbin, arg, bindir, pfd[1], -1)
                     : spawn_tests(testbin, arg, bindir, logfd, pfd[1]);
    close(pfd[1]);
    if (pid < 0) {
        close(pfd[0]);
        asprintf(why, "could not start %s: %s", testbin, strerror(errno));
        return NULL;
    }
    bool reaped = false;
    int st = 0;
    double deadline = now_plus(seconds * proc_slow);
    char *text = read_until(pfd[0], pid, deadline, timed_out, &reaped, &st);
    close(pfd[0]);
    if (!reaped && !*timed_out) /* its report is done: let it end by itself */
        reaped = wait_exit(pid, &st, now_plus(5 * proc_slow) < deadline ? now_plus(5 * proc_slow) : deadline);
    kill(-pid, SIGKILL); /* whatever is left of the test program's group */
    if (!reaped)
        waitpid(pid, &st, 0);
    if (status)
        *status = reaped ? st : -1;
    unlink(criterion_socket(pid, NULL, 0));
    proc_kill_descendants();
    if (list && !*timed_out && !(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
        asprintf(why, "%s %s ended with %s %d", testbin, arg, WIFEXITED(st) ? "status" : "signal",
                 WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
        free(text);
        return NULL;
    }
    return text;
}
