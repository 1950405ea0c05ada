/*
 * util.c - small utilities of the harness: time, growing buffers, formatted strings.
 */
#define _GNU_SOURCE
#include "internal.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <libgen.h>
#include <limits.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- small utilities ---------------------------------------------------- */

double sl_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double sl_deadline(double seconds)
{
    const char *slow = getenv("SOCKLAB_SLOW");
    double f = slow ? strtod(slow, NULL) : 1.0;
    return seconds * (f >= 1.0 && f <= 100.0 ? f : 1.0);
}

void sl_buf_append(struct sl_buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->cap ? b->cap * 2 : 1024) + n;
        char *d = realloc(b->data, cap);
        if (!d)
            abort();
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

char *sl_xvasprintf(const char *fmt, va_list ap)
{
    char *s;
    if (vasprintf(&s, fmt, ap) < 0)
        abort();
    return s;
}

char *sl_xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = sl_xvasprintf(fmt, ap);
    va_end(ap);
    return s;
}

/* Text shown to a student inside one report line: newlines become "\n",
 * control bytes '?', cut to `max` bytes. Returns a new string. */
char *sl_one_line(const char *text, size_t max)
{
    struct sl_buf b = {0};
    sl_buf_append(&b, "", 0);
    for (const char *s = text ? text : ""; *s; s++) {
        if (b.len >= max) {
            sl_buf_append(&b, "...", 3);
            break;
        }
        if (*s == '\n')
            sl_buf_append(&b, s[1] ? "\\n" : "", s[1] ? 2 : 0);
        else if (*s == '\t')
            sl_buf_append(&b, " ", 1);
        else if ((unsigned char)*s < 0x20 || *s == 0x7f)
            sl_buf_append(&b, "?", 1);
        else
            sl_buf_append(&b, s, 1);
    }
    return b.data;
}

char *sl_course_file(const char *env, const char *rel)
{
    const char *set = env ? getenv(env) : NULL;
    if (set && *set)
        return sl_xasprintf("%s", set);
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return sl_xasprintf("%s", rel);
    exe[n] = '\0';
    return sl_xasprintf("%s/../../%s", dirname(exe), rel);
}
