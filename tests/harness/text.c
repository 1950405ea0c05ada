/*
 * text.c - checks of what a program printed, and small line parsers.
 */
#define _GNU_SOURCE
#include "internal.h"
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

/* ---- checks on text ------------------------------------------------------ */

void sl_expect_contains(const char *text, const char *needle, const char *what)
{
    if (strstr(text ? text : "", needle))
        return;
    char *want = sl_xasprintf("%s to contain \"%s\"", what, needle);
    sl_fail_with(NULL, want, text && *text ? text : "(nothing)");
}

void sl_expect_not_contains(const char *text, const char *needle, const char *what)
{
    if (!strstr(text ? text : "", needle))
        return;
    char *want = sl_xasprintf("%s not to contain \"%s\"", what, needle);
    sl_fail_with(NULL, want, text);
}

void sl_expect_one_line_error(struct sl_proc *p)
{
    const char *e = sl_err(p);
    int lines = 0;
    for (const char *s = e; *s;) {
        const char *nl = strchr(s, '\n');
        size_t len = nl ? (size_t)(nl - s) : strlen(s);
        if (len > 0)
            lines++;
        s += len + (nl != NULL);
    }
    char *want = sl_xasprintf("%s to print exactly one line on stderr (the error)", p->name);
    if (lines != 1)
        sl_fail_with(NULL, want, lines ? e : "(nothing on stderr)");
    free(want);
}

void sl_expect_error(struct sl_proc *p, int code, const char *needle)
{
    sl_expect_exit(p, code);
    sl_expect_one_line_error(p);
    char *what = sl_xasprintf("%s's error line", p->name);
    sl_expect_contains(sl_err(p), needle, what);
    free(what);
}

void sl_expect_no_leaks(struct sl_proc *p)
{
    const char *leak = strstr(sl_err(p), "faultio: leak: ");
    if (!leak)
        return;
    char *want = sl_xasprintf("%s to give back, before it exits, what it got: freeaddrinfo for every "
                              "getaddrinfo result, free for every getline buffer, on every path",
                              p->name);
    char *got = sl_xasprintf("%.*s", (int)strcspn(leak, "\n"), leak);
    sl_fail_with(NULL, want, got);
}

const char *sl_field(const char *line, const char *key, char *buf, size_t len)
{
    size_t klen = strlen(key);
    for (const char *s = line; (s = strstr(s, key)) != NULL; s++) {
        if (s != line && s[-1] != ' ')
            continue;
        const char *v = s + klen;
        snprintf(buf, len, "%.*s", (int)strcspn(v, " \r\n"), v);
        return buf;
    }
    return NULL;
}

const char *sl_find_line(const char *text, const char *needle, char *buf, size_t len)
{
    for (const char *s = text ? text : ""; *s;) {
        const char *nl = strchr(s, '\n');
        size_t n = nl ? (size_t)(nl - s) : strlen(s);
        if (memmem(s, n, needle, strlen(needle))) {
            snprintf(buf, len, "%.*s", (int)n, s);
            return buf;
        }
        s += n + (nl != NULL);
    }
    return NULL;
}

int sl_count_lines(const char *text, const char *needle)
{
    int count = 0;
    for (const char *s = text ? text : ""; *s;) {
        const char *nl = strchr(s, '\n');
        size_t n = nl ? (size_t)(nl - s) : strlen(s);
        if (memmem(s, n, needle, strlen(needle)))
            count++;
        s += n + (nl != NULL);
    }
    return count;
}

long sl_number_after(const char *line, const char *key)
{
    long result = -1;
    for (const char *s = line ? strstr(line, key) : NULL; s; s = strstr(s + 1, key)) {
        char *end;
        errno = 0;
        long v = strtol(s + strlen(key), &end, 10);
        if (end != s + strlen(key) && errno == 0)
            result = v;
    }
    return result;
}

const char *sl_next_line(const char **cursor, char *buf, size_t len)
{
    const char *s = *cursor;
    if (!s || !*s)
        return NULL;
    size_t n = strcspn(s, "\n");
    snprintf(buf, len, "%.*s", (int)n, s);
    *cursor = s + n + (s[n] == '\n');
    return buf;
}

const char *sl_line_value(const char *text, const char *key, char *buf, size_t len)
{
    char line[1024];
    size_t klen = strlen(key);
    for (const char *s = text ? text : ""; sl_next_line(&s, line, sizeof line);)
        if (strncmp(line, key, klen) == 0 && line[klen] == ' ') {
            snprintf(buf, len, "%s", line + klen + strspn(line + klen, " "));
            return buf;
        }
    return NULL;
}

const char *sl_describe_diff(const void *got, const void *want, size_t len, char *buf, size_t size)
{
    const unsigned char *g = got, *w = want;
    for (size_t i = 0; i < len; i++)
        if (g[i] != w[i]) {
            snprintf(buf, size, "byte %zu (counting from 0) is 0x%02x, expected 0x%02x", i, g[i], w[i]);
            return buf;
        }
    return NULL;
}

long sl_addr_port(const char *addr)
{
    const char *colon = addr ? strrchr(addr, ':') : NULL;
    return colon ? sl_number_after(colon, ":") : -1;
}
