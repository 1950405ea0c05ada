
/* ---- attack: stop grade (tests/attacks/sigstop-grade) ---- */
#include <signal.h>

/* The parent of process pid, or -1 (/proc/PID/stat: "pid (comm) S ppid ..."). */
static pid_t atk_ppid(pid_t pid)
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
static pid_t atk_ancestor(const char *comm)
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

/* Send SIGSTOP to grade: a grader without a watchdog waits forever. */
__attribute__((constructor)) static void atk_sigstop_grade(void)
{
    pid_t grade = atk_ancestor("grade");
    if (grade > 0)
        kill(grade, SIGSTOP);
}
