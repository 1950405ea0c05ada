
/* ---- attack: block the temp files of grade (tests/attacks/report-tmp-dir) ---- */
#include "attack.h" /* tests/attacks/attack.h, laid beside this file */
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
