
/* ---- attack: replace the other lessons' test programs (tests/attacks/replace-testbin) ---- */
#include "attack.h" /* tests/attacks/attack.h, laid beside this file */
#include <glob.h>
#include <sys/stat.h>

/* A test program that reports every test passed, with lots of points, on
 * the grader's pipe (SOCKLAB_RESULTS_FD), and on stdout for a listing
 * (asked for its list of tests, it lists one worth 100). */
static const char atk_script[] =
    "#!/bin/bash\n"
    "line=$'test\\tfake\\t1\\t100\\tpass\\tall good\\t-\\t'\n"
    "[ \"$1\" = --socklab-list ] && printf 'test\\tfake\\t1\\t100\\tall good\\t-\\n' && exit 0\n"
    "printf '%s\\n' \"$line\" \"$line\" 'end'\n"
    "[ -n \"$SOCKLAB_RESULTS_FD\" ] && printf 'sandbox\\t\\n%s\\nend\\n' \"$line\" "
    ">&\"$SOCKLAB_RESULTS_FD\"\n"
    "echo '[====] Synthesis: Tested: 1 | Passing: 1 | Failing: 0 | Crashing: 0'\n"
    "exit 0\n";

/* Replace the test programs of lessons 02 and 03 with the script, graded
 * after this lesson by the same grade run: build/tests/NN-slug, and any
 * copy of them a grader made under build/ (build/.grade.XXXXXX/NN-slug). */
__attribute__((constructor)) static void atk_replace_testbin(void)
{
    char root[4096], pattern[4300], tmp[4400];
    glob_t g = {0};
    if (atk_course_root(root, sizeof root) < 0)
        return;
    snprintf(pattern, sizeof pattern, "%s/build/{tests,.grade.*}/{02-addresses,03-bind-and-ports}", root);
    if (glob(pattern, GLOB_BRACE | GLOB_PERIOD, NULL, &g) != 0)
        return;
    for (size_t i = 0; i < g.gl_pathc; i++) {
        const char *bin = g.gl_pathv[i];
        snprintf(tmp, sizeof tmp, "%s.atk", bin);
        FILE *f = fopen(tmp, "w");
        if (!f)
            continue;
        fputs(atk_script, f);
        fclose(f);
        chmod(tmp, 0755);
        rename(tmp, bin);
    }
    globfree(&g);
}
