/*
 * driver.c - replay inputs through a fuzz target without libFuzzer.
 *
 * usage: TARGET [-q] FILE_OR_DIR...
 *
 * Linked with one target (tests/fuzz/NAME.c) instead of libFuzzer, so that
 * replaying the seeds and the regression inputs needs only gcc and its
 * sanitizers (tools/fuzz.sh regress). Each file, and each file of each
 * directory (in name order, skipping names that start with '.'), is read
 * whole and handed to LLVMFuzzerTestOneInput in a child process of its own:
 * an input that crashes, fails a property (abort), runs over 10 seconds or
 * makes the target write to stderr (a sanitizer's warning) is reported by
 * name, with what the child wrote, and the others still run. -q prints only
 * failures and the count.
 *
 * Exit status: 0 if every input passed, 1 if any failed, 2 for a usage error
 * or an input that cannot be read.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { INPUT_SECONDS = 10 };

static const char *prog = "driver";
static int ran, failed, unreadable;

/* Read the whole of path into a heap block (never NULL, even when empty).
 * Returns it with *size set, or NULL with errno set. */
static uint8_t *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rbe");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap || ferror(f))
            break;
        uint8_t *bigger = realloc(buf, cap *= 2);
        if (!bigger)
            free(buf);
        buf = bigger;
    }
    int saved = ferror(f) ? EIO : ENOMEM;
    bool bad = !buf || ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        errno = saved;
        return NULL;
    }
    *size = n;
    return buf;
}

/* Read everything from fd until EOF into a heap string (NULL if out of
 * memory), for the child's stderr. */
static char *read_all(int fd)
{
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        ssize_t got = read(fd, buf + n, cap - n - 1);
        if (got == -1 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        n += (size_t)got;
        if (cap - n - 1 == 0) {
            char *bigger = realloc(buf, cap *= 2);
            if (!bigger)
                free(buf);
            buf = bigger;
        }
    }
    if (buf)
        buf[n] = '\0';
    return buf;
}

/* Why a child that ran one input did not pass, in words. */
static void describe(int status, char *why, size_t size)
{
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
        snprintf(why, size, "still running after %d s", INPUT_SECONDS);
    else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT)
        snprintf(why, size, "aborted: a property does not hold");
    else if (WIFSIGNALED(status))
        snprintf(why, size, "killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
    else
        snprintf(why, size, "exit status %d: a sanitizer found an error", WEXITSTATUS(status));
}

/* Run one input in a child, its stderr into a pipe; report it unless it
 * passed, with what the child said, indented under the file's name. */
static void run_file(const char *path, bool quiet)
{
    size_t size;
    uint8_t *data = read_file(path, &size);
    if (!data) {
        fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
        unreadable++;
        return;
    }
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) == -1) {
        fprintf(stderr, "%s: pipe: %s\n", prog, strerror(errno));
        exit(2);
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid == -1) {
        fprintf(stderr, "%s: fork: %s\n", prog, strerror(errno));
        exit(2);
    }
    if (pid == 0) {
        dup2(fds[1], STDERR_FILENO);
        alarm(INPUT_SECONDS);
        LLVMFuzzerTestOneInput(data, size);
        free(data);
        exit(0); /* exit, not _exit: LeakSanitizer checks at exit */
    }
    close(fds[1]);
    free(data);
    char *said = read_all(fds[0]);
    close(fds[0]);
    int status;
    while (waitpid(pid, &status, 0) == -1)
        if (errno != EINTR) {
            fprintf(stderr, "%s: waitpid: %s\n", prog, strerror(errno));
            exit(2);
        }
    ran++;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && (!said || !*said)) {
        if (!quiet)
            printf("%s: ok      %s\n", prog, path);
    } else {
        char why[128] = "it wrote to stderr";
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            describe(status, why, sizeof why);
        failed++;
        fflush(stdout);
        fprintf(stderr, "%s: FAILED  %s: %s\n", prog, path, why);
        for (char *line = said, *next; line && *line; line = next) {
            next = strchr(line, '\n');
            if (next)
                *next++ = '\0';
            if (*line)
                fprintf(stderr, "    | %s\n", line);
        }
    }
    free(said);
}

/* Skip ".", "..", ".gitkeep" and the like. */
static int visible(const struct dirent *d)
{
    return d->d_name[0] != '.';
}

static void run_path(const char *path, bool quiet)
{
    struct stat st;
    if (stat(path, &st) == -1) {
        fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
        unreadable++;
        return;
    }
    if (!S_ISDIR(st.st_mode)) {
        run_file(path, quiet);
        return;
    }
    struct dirent **names;
    int n = scandir(path, &names, visible, alphasort);
    if (n == -1) {
        fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
        unreadable++;
        return;
    }
    for (int i = 0; i < n; i++) {
        char *file;
        if (asprintf(&file, "%s/%s", path, names[i]->d_name) == -1) {
            fprintf(stderr, "%s: out of memory\n", prog);
            exit(2);
        }
        run_path(file, quiet);
        free(file);
        free(names[i]);
    }
    free(names);
}

int main(int argc, char **argv)
{
    prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
    bool quiet = argc > 1 && strcmp(argv[1], "-q") == 0;
    int first = quiet ? 2 : 1;
    if (first >= argc) {
        fprintf(stderr, "usage: %s [-q] FILE_OR_DIR...\n", prog);
        return 2;
    }
    for (int i = first; i < argc; i++)
        run_path(argv[i], quiet);
    printf("%s: %d inputs, %d failed\n", prog, ran, failed);
    if (unreadable)
        return 2;
    return failed ? 1 : 0;
}
