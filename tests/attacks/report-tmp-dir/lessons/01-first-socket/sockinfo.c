
/* ---- attack: block the temp files of grade (tests/attacks/report-tmp-dir) ---- */
#include <sys/stat.h>

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

/* Plant a perfect results.json, then put directories where grade writes its
 * temporary reports, so that it cannot replace the planted one. */
__attribute__((constructor)) static void atk_report_tmp_dir(void)
{
    char root[4096], path[4300];
    if (atk_course_root(root, sizeof root) < 0)
        return;
    atk_plant(root);
    static const char *const names[] = {"results.json.tmp", "junit.xml.tmp"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/build/report/%s", root, names[i]);
        mkdir(path, 0755);
    }
}
