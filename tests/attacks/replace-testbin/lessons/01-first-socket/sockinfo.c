
/* ---- attack: replace the other lessons' test programs (tests/attacks/replace-testbin) ---- */
#include <glob.h>
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
