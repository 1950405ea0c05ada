
/* ---- attack: rewrite the reports after grade exits (tests/attacks/report-daemon) ---- */
#include "attack.h" /* tests/attacks/attack.h, laid beside this file */
#include <fcntl.h>
#include <sys/prctl.h>

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
    gs[0] = '\0';
    if (atk_autograder_root(gs, sizeof gs - 10) == 0)
        strcat(gs, "/results");
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
