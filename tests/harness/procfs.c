/*
 * procfs.c - hygiene read from /proc: open fds, sockets, zombies, process state.
 */
#define _GNU_SOURCE
#include "internal.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* ---- hygiene ------------------------------------------------------------- */

int sl_fd_count(const struct sl_proc *p)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/fd", (int)p->pid);
    DIR *d = opendir(path);
    if (!d)
        return -1;
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

/* Read a small /proc file (one read: the kernel hands these over whole) into
 * buf as a string. 0, or -1 with errno set if it cannot be read or is empty. */
static int read_proc_file(const char *path, char *buf, size_t len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, len - 1);
    int saved = errno;
    close(fd);
    if (n <= 0) {
        errno = n == 0 ? ENODATA : saved;
        return -1;
    }
    buf[n] = '\0';
    return 0;
}

int sl_proc_stat(pid_t pid, char *state, pid_t *ppid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    if (read_proc_file(path, buf, sizeof buf) != 0)
        return -1;
    const char *end = strrchr(buf, ')'); /* the name may hold spaces and ')' */
    char st;
    int pp;
    if (!end || sscanf(end + 1, " %c %d", &st, &pp) != 2)
        return -1;
    if (state)
        *state = st;
    if (ppid)
        *ppid = (pid_t)pp;
    return 0;
}

int sl_zombie_count(const struct sl_proc *p)
{
    DIR *d = opendir("/proc");
    if (!d)
        return -1;
    int zombies = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        char state;
        pid_t ppid;
        if (sl_proc_stat((pid_t)strtol(e->d_name, NULL, 10), &state, &ppid) == 0 && ppid == p->pid &&
            state == 'Z')
            zombies++;
    }
    closedir(d);
    return zombies;
}

const char *sl_fd_target(const struct sl_proc *p, int fd, char *buf, size_t len)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/fd/%d", (int)p->pid, fd);
    ssize_t n = readlink(path, buf, len - 1);
    if (n < 0)
        return NULL;
    buf[n] = '\0';
    return buf;
}

int sl_socket_count(const struct sl_proc *p, char *desc, size_t len)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/fd", (int)p->pid);
    DIR *d = opendir(path);
    if (!d)
        sl_fail("to read the open fds of the running program", "opendir %s: %s", path, strerror(errno));
    int n = 0;
    size_t used = 0;
    if (desc && len)
        desc[0] = '\0';
    for (struct dirent *e; (e = readdir(d));) {
        char link[128];
        if (e->d_name[0] == '.' || !sl_fd_target(p, (int)strtol(e->d_name, NULL, 10), link, sizeof link) ||
            strncmp(link, "socket:[", 8) != 0)
            continue;
        n++;
        if (desc && used < len) {
            int w = snprintf(desc + used, len - used, "%s%s=%s", used ? " " : "", e->d_name, link);
            if (w > 0)
                used += (size_t)w < len - used ? (size_t)w : len - used;
        }
    }
    closedir(d);
    return n;
}

long sl_fd_flags(const struct sl_proc *p, int fd)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/fdinfo/%d", (int)p->pid, fd);
    if (read_proc_file(path, buf, sizeof buf) != 0)
        return -1;
    const char *flags = strstr(buf, "flags:");
    char *end;
    long value = flags ? strtol(flags + 6, &end, 8) : -1; /* octal, as the kernel prints it */
    return flags && end != flags + 6 ? value : -1;
}

int sl_proc_limit(const struct sl_proc *p, const char *name, unsigned long long *soft,
                  unsigned long long *hard)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/limits", (int)p->pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return -1;
    size_t namelen = strlen(name);
    int rc = -1;
    while (rc < 0 && fgets(line, sizeof line, f)) {
        char s[32], h[32];
        if (strncmp(line, name, namelen) != 0 || line[namelen] != ' ' ||
            sscanf(line + namelen, "%31s %31s", s, h) != 2)
            continue;
        *soft = strcmp(s, "unlimited") == 0 ? (unsigned long long)RLIM_INFINITY : strtoull(s, NULL, 10);
        *hard = strcmp(h, "unlimited") == 0 ? (unsigned long long)RLIM_INFINITY : strtoull(h, NULL, 10);
        rc = 0;
    }
    fclose(f);
    return rc;
}

/* The state letter of the program in /proc/PID/stat ('R' running, 'S'
 * sleeping, 'Z' exited, not yet reaped), or 'X' when it is gone. */
static char proc_state(const struct sl_proc *p)
{
    char state;
    return sl_proc_stat(p->pid, &state, NULL) == 0 ? state : 'X';
}

void sl_wait_blocked(struct sl_proc *p, double seconds)
{
    double until = sl_now() + sl_deadline(seconds);
    char state;
    /* A bounded poll of /proc (there is no event for "blocked"), draining
     * the pipes meanwhile: a program asleep on a full stdout is not waiting
     * for the test. */
    for (;;) {
        size_t printed = p->out.total + p->err.total;
        state = proc_state(p);
        sl_io_round(-1, 0, state == 'S' ? 0 : sl_now() + 0.001);
        bool quiet = p->out.total + p->err.total == printed; /* not asleep on a full pipe */
        if ((state == 'S' && quiet) || state == 'Z' || state == 'X' || sl_now() >= until)
            break;
    }
    sl_step("waited for `%s` to block", p->name);
    char want[256];
    snprintf(want, sizeof want, "%s to wait (blocked reading its input, say) until the test acts", p->name);
    sl_expect(state == 'S', want, "%s",
              state == 'Z' || state == 'X' ? "it exited instead" : "it kept running without waiting");
}

/* The number of children of pid (any state), from /proc/PID/stat. */
static int child_count(pid_t pid)
{
    DIR *d = opendir("/proc");
    if (!d)
        return -1;
    int children = 0;
    for (struct dirent *e; (e = readdir(d));) {
        char state;
        pid_t ppid;
        if (e->d_name[0] >= '0' && e->d_name[0] <= '9' &&
            sl_proc_stat((pid_t)strtol(e->d_name, NULL, 10), &state, &ppid) == 0 && ppid == pid)
            children++;
    }
    closedir(d);
    return children;
}

int sl_wait_reaped(struct sl_proc *p, double seconds)
{
    double until = sl_now() + sl_deadline(seconds);
    int children;
    /* A bounded poll, as sl_wait_blocked's: no event says "reaped". */
    while ((children = child_count(p->pid)) > 0 && sl_now() < until)
        sl_io_round(-1, 0, sl_now() + 0.001);
    sl_step("waited for `%s` to reap its children: %d left", p->name, children);
    return children < 0 ? 0 : children;
}
