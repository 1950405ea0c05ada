/*
 * skelgen - write a lesson's skeleton from its solution.
 *
 * usage: skelgen SOLUTION_FILE OUTPUT_FILE
 *        skelgen --check SOLUTION_FILE SKELETON_FILE
 *
 * Lines from a "BEGIN SOLUTION" line through the "END SOLUTION" line are
 * dropped. Lines between a "/" "* BEGIN SKELETON" line and an
 * "END SKELETON *" "/" line are kept, uncommented: they are the stub a
 * student starts from. Everything else is copied unchanged. A marker line
 * holds only its marker (and indentation). --check compares instead of
 * writing and exits 1 when the committed skeleton is stale.
 *
 * Exit: 0 done, 1 stale (with --check) or an I/O error, 2 usage or a
 * malformed solution (an unclosed region, a nested or stray marker).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum region { OUTSIDE, IN_SOLUTION, IN_SKELETON };

/* The marker a line holds, or NULL. A marker is recognised anywhere on a
 * line so that a stray one is an error rather than text a student sees. */
static const char *skel_marker(const char *line)
{
    static const char *const markers[] = {"BEGIN SOLUTION", "END SOLUTION", "BEGIN SKELETON", "END SKELETON"};
    for (size_t i = 0; i < sizeof markers / sizeof markers[0]; i++)
        if (strstr(line, markers[i]))
            return markers[i];
    return NULL;
}

/* Append len bytes to the growing buffer *out; -1 with errno on ENOMEM. */
static int skel_append(char **out, size_t *used, size_t *cap, const char *s, size_t len)
{
    if (*used + len + 1 > *cap) {
        size_t ncap = (*cap ? *cap * 2 : 4096) + len;
        char *n = realloc(*out, ncap);
        if (!n)
            return -1;
        *out = n;
        *cap = ncap;
    }
    memcpy(*out + *used, s, len);
    *used += len;
    (*out)[*used] = '\0';
    return 0;
}

/* Transform the solution read from `in` into its skeleton in a new buffer
 * (*out, NUL-terminated). Returns 0, or -1 after printing the file, line
 * and problem to stderr. */
static int skel_generate(FILE *in, const char *name, char **out)
{
    enum region region = OUTSIDE;
    char *line = NULL;
    size_t cap = 0, used = 0, ocap = 0;
    ssize_t n;
    long lineno = 0, opened = 0;
    int rc = 0;

    *out = NULL;
    skel_append(out, &used, &ocap, "", 0);
    while ((n = getline(&line, &cap, in)) > 0) {
        lineno++;
        const char *m = skel_marker(line);
        const char *want = region == IN_SOLUTION   ? "END SOLUTION"
                           : region == IN_SKELETON ? "END SKELETON"
                                                   : NULL;
        if (m && (want ? strcmp(m, want) != 0 : strncmp(m, "BEGIN", 5) != 0)) {
            fprintf(stderr, "skelgen: %s:%ld: unexpected '%s'%s%s\n", name, lineno, m,
                    want ? ", expected " : "", want ? want : "");
            rc = -1;
            break;
        }
        if (m) {
            if (region == OUTSIDE) {
                region = strcmp(m, "BEGIN SOLUTION") == 0 ? IN_SOLUTION : IN_SKELETON;
                opened = lineno;
            } else {
                region = OUTSIDE;
            }
            continue;
        }
        if (region != IN_SOLUTION && skel_append(out, &used, &ocap, line, (size_t)n) != 0) {
            fprintf(stderr, "skelgen: %s: %s\n", name, strerror(errno));
            rc = -1;
            break;
        }
    }
    if (rc == 0 && ferror(in)) {
        fprintf(stderr, "skelgen: read %s: %s\n", name, strerror(errno));
        rc = -1;
    }
    if (rc == 0 && region != OUTSIDE) {
        fprintf(stderr, "skelgen: %s:%ld: region opened here is never closed\n", name, opened);
        rc = -1;
    }
    free(line);
    return rc;
}

/* The whole content of path in a new buffer, or NULL (errno set). */
static char *skel_slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t used = 0, cap = 0;
    char chunk[8192];
    size_t n;
    skel_append(&buf, &used, &cap, "", 0);
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (skel_append(&buf, &used, &cap, chunk, n) != 0)
            break;
    int err = ferror(f) ? errno : 0;
    fclose(f);
    if (err) {
        free(buf);
        errno = err;
        return NULL;
    }
    return buf;
}

/* Write text to path (via a temporary file renamed over it). */
static int skel_write(const char *path, const char *text)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) {
        errno = ENAMETOOLONG;
        return -1;
    }
    FILE *f = fopen(tmp, "w");
    if (!f)
        return -1;
    size_t len = strlen(text);
    if (fwrite(text, 1, len, f) != len || fclose(f) != 0) {
        int saved = errno;
        remove(tmp);
        errno = saved;
        return -1;
    }
    return rename(tmp, path);
}

static void skel_usage(FILE *to)
{
    fprintf(to, "usage: skelgen SOLUTION_FILE OUTPUT_FILE\n"
                "       skelgen --check SOLUTION_FILE SKELETON_FILE\n");
}

int main(int argc, char **argv)
{
    bool check = argc == 4 && strcmp(argv[1], "--check") == 0;
    if (argc == 2 && strcmp(argv[1], "--help") == 0) {
        skel_usage(stdout);
        return 0;
    }
    if (argc != 3 + check) {
        skel_usage(stderr);
        return 2;
    }
    const char *src = argv[1 + check], *dst = argv[2 + check];
    FILE *in = fopen(src, "r");
    if (!in) {
        fprintf(stderr, "skelgen: open %s: %s\n", src, strerror(errno));
        return 1;
    }
    char *skeleton;
    int rc = skel_generate(in, src, &skeleton);
    fclose(in);
    if (rc != 0) {
        free(skeleton);
        return 2;
    }
    if (check) {
        char *have = skel_slurp(dst);
        bool same = have && strcmp(have, skeleton) == 0;
        if (!same)
            fprintf(stderr, "skelgen: %s is %s %s: run 'make skeletons'\n", dst,
                    have ? "stale, it differs from what is generated from" : "missing, generated from", src);
        free(have);
        free(skeleton);
        return same ? 0 : 1;
    }
    if (skel_write(dst, skeleton) != 0) {
        fprintf(stderr, "skelgen: write %s: %s\n", dst, strerror(errno));
        free(skeleton);
        return 1;
    }
    free(skeleton);
    return 0;
}
