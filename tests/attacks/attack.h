/*
 * attack.h - what the hostile submissions of tests/attacks/ share: the
 * course tree a program was built in, grade's pid (and any other
 * ancestor's) through /proc, and the root of a Gradescope autograder.
 *
 * tools/attacks.sh lays this file beside each attack's files
 * (lessons/NN-slug/attack.h, a header a student could submit too; the
 * Gradescope mode carries it in the submission), and each attack includes
 * it after the skeleton's code: #include "attack.h". Every function is
 * static and may go unused.
 */
#ifndef SOCKLAB_ATTACK_H
#define SOCKLAB_ATTACK_H

#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#define ATK_UNUSED __attribute__((unused))

/* The parent of process pid, or -1 (/proc/PID/stat: "pid (comm) S ppid ..."). */
static ATK_UNUSED pid_t atk_ppid(pid_t pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    int ppid = -1;
    return p && sscanf(p, ") %*c %d", &ppid) == 1 ? (pid_t)ppid : -1;
}

/* The nearest ancestor named comm (walking the ppid chain), or -1. */
static ATK_UNUSED pid_t atk_ancestor(const char *comm)
{
    for (pid_t pid = getppid(); pid > 1; pid = atk_ppid(pid)) {
        char path[64], name[64] = "";
        snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
        FILE *f = fopen(path, "r");
        if (f && fgets(name, sizeof name, f))
            name[strcspn(name, "\n")] = '\0';
        if (f)
            fclose(f);
        if (strcmp(name, comm) == 0)
            return pid;
    }
    return -1;
}

/* The course tree this program was built in: /proc/self/exe is
 * ROOT/build/lessons/NN-slug/PROGRAM. Returns 0, or -1 when the path does
 * not look like that or ROOT has no tests/harness.h (then the attack leaves
 * everything alone). */
static ATK_UNUSED int atk_course_root(char *root, size_t len)
{
    ssize_t n = readlink("/proc/self/exe", root, len - 1);
    if (n <= 0)
        return -1;
    root[n] = '\0';
    char *cut = strstr(root, "/build/lessons/");
    if (!cut)
        return -1;
    *cut = '\0';
    char probe[4200];
    snprintf(probe, sizeof probe, "%s/tests/harness.h", root);
    return access(probe, F_OK) == 0 ? 0 : -1;
}

/* The root of a Gradescope autograder (ROOT, with ROOT/results and
 * ROOT/source/socklab), where an ancestor runs ROOT/run_autograder or
 * ROOT/source/run_autograder (from its command line). Returns 0, or -1 if
 * no ancestor does. */
static ATK_UNUSED int atk_autograder_root(char *root, size_t len)
{
    for (pid_t pid = getppid(); pid > 1; pid = atk_ppid(pid)) {
        char path[64], cmd[4096];
        snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
        FILE *f = fopen(path, "r");
        size_t n = f ? fread(cmd, 1, sizeof cmd - 1, f) : 0;
        if (f)
            fclose(f);
        cmd[n] = '\0';
        for (char *a = cmd; a < cmd + n; a += strlen(a) + 1) {
            size_t l = strlen(a), k = strlen("/run_autograder");
            if (a[0] != '/' || l < k || strcmp(a + l - k, "/run_autograder") != 0)
                continue;
            l -= k;
            if (l >= 7 && strncmp(a + l - 7, "/source", 7) == 0)
                l -= 7;
            snprintf(root, len, "%.*s", (int)l, a);
            return 0;
        }
    }
    return -1;
}

#endif
