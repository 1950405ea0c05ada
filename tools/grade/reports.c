/*
 * reports.c - the report files grade writes into its own new directory:
 * results.json (Gradescope), junit.xml, and classroom.json with GitHub
 * Classroom's "result=BASE64" line (the command grader's output).
 */
#define _GNU_SOURCE
#include "grade.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Write s escaped for JSON (quote = true) or XML text/attributes. Bytes of
 * invalid UTF-8 become '?'. */
static void put_escaped(FILE *f, const char *s, bool json)
{
    const unsigned char *u = (const unsigned char *)(s ? s : "");
    while (*u) {
        int len = *u < 0x80             ? 1
                  : (*u & 0xe0) == 0xc0 ? 2
                  : (*u & 0xf0) == 0xe0 ? 3
                  : (*u & 0xf8) == 0xf0 ? 4
                                        : 0;
        bool ok = len > 0;
        for (int i = 1; ok && i < len; i++)
            ok = (u[i] & 0xc0) == 0x80;
        if (!ok) {
            fputc('?', f);
            u++;
            continue;
        }
        if (len > 1) {
            fwrite(u, 1, (size_t)len, f);
            u += len;
            continue;
        }
        unsigned char c = *u++;
        if (json && (c == '"' || c == '\\'))
            fprintf(f, "\\%c", c);
        else if (json && c == '\n')
            fputs("\\n", f);
        else if (json && c < 0x20)
            fprintf(f, "\\u%04x", c);
        else if (!json && c == '<')
            fputs("&lt;", f);
        else if (!json && c == '>')
            fputs("&gt;", f);
        else if (!json && c == '&')
            fputs("&amp;", f);
        else if (!json && c == '"')
            fputs("&quot;", f);
        else if (!json && c < 0x20 && c != '\n' && c != '\t')
            fputc('?', f);
        else
            fputc(c, f);
    }
}

/* What a report says about a test that did not pass. */
static void put_feedback(FILE *f, const struct result *r, bool json)
{
    if (!result_is(r, "failed") && !result_is(r, "passed")) {
        put_escaped(f, r->status, json);
        put_escaped(f, "\n", json);
    }
    for (const char *s = r->msg; *s;) {
        size_t n = strcspn(s, "\n");
        if (strncmp(s, "status: ", 8) != 0) {
            char *line = strndup(s, n);
            put_escaped(f, line, json);
            put_escaped(f, "\n", json);
            free(line);
        }
        s += n + (s[n] == '\n');
    }
    if (*r->hint) {
        put_escaped(f, "hint: ", json);
        put_escaped(f, r->hint, json);
    }
}

/* Open dir/name for writing, new (dir is the grader's own fresh directory). */
static FILE *open_report(const char *dir, const char *name, char *path, size_t len)
{
    snprintf(path, len, "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f)
        fprintf(stderr, "grade: cannot write %s: %s\n", path, strerror(errno));
    return f;
}

static int close_report(FILE *f, const char *path)
{
    bool bad = ferror(f);
    if (fflush(f) != 0 || fsync(fileno(f)) != 0)
        bad = true;
    int err = errno;
    if (fclose(f) != 0 && !bad) {
        bad = true;
        err = errno;
    }
    if (bad)
        fprintf(stderr, "grade: cannot write %s: %s\n", path, strerror(err ? err : EIO));
    return bad ? -1 : 0;
}

/* The points a test counts for in results.json: a skipped test (it cannot
 * run here) is left out of the total. */
static int counted_points(const struct result *r)
{
    return result_is(r, "skipped") ? 0 : r->points;
}

/* results.json, as Gradescope reads it. Gradescope has no "skipped" status:
 * a skipped test has max_score 0, no status, and says why in its name and
 * output. */
int report_write_results_json(const char *dir, struct run *runs, size_t nruns)
{
    char path[1024];
    FILE *f = open_report(dir, "results.json", path, sizeof path);
    if (!f)
        return -1;
    int got = 0, max = 0;
    for (size_t i = 0; i < nruns; i++)
        for (size_t j = 0; j < runs[i].n; j++) {
            max += counted_points(&runs[i].r[j]);
            got += result_is(&runs[i].r[j], "passed") ? runs[i].r[j].points : 0;
        }
    fprintf(f, "{\n  \"score\": %d,\n  \"max_score\": %d,\n  \"output\": \"", got, max);
    const char *nl = "";
    if (nruns && runs[0].sandbox_note && *runs[0].sandbox_note) {
        put_escaped(f, runs[0].sandbox_note, true);
        nl = "\n";
    }
    for (size_t i = 0; i < nruns; i++) {
        if (runs[i].compile_error) {
            put_escaped(f, nl, true);
            nl = "\n";
            put_escaped(f, "Lesson ", true);
            put_escaped(f, runs[i].lesson, true);
            put_escaped(f, " does not compile: ", true);
            put_escaped(f, runs[i].compile_error, true);
        }
        if (runs[i].problem) {
            put_escaped(f, nl, true);
            nl = "\n";
            put_escaped(f, "Lesson ", true);
            put_escaped(f, runs[i].lesson, true);
            put_escaped(f, ": ", true);
            put_escaped(f, runs[i].problem, true);
        }
    }
    fprintf(f, "\",\n  \"tests\": [");
    const char *sep = "\n";
    for (size_t i = 0; i < nruns; i++) {
        for (size_t j = 0; j < runs[i].n; j++) {
            const struct result *r = &runs[i].r[j];
            bool pass = result_is(r, "passed"), skip = result_is(r, "skipped");
            fprintf(f, "%s    {\"name\": \"%s", sep, skip ? "[skipped here] " : "");
            put_escaped(f, r->desc, true);
            fprintf(f, "\", \"number\": \"%.2s.%zu\", \"score\": %d, \"max_score\": %d, ", runs[i].lesson,
                    j + 1, pass ? r->points : 0, counted_points(r));
            if (!skip)
                fprintf(f, "\"status\": \"%s\", ", pass ? "passed" : "failed");
            fprintf(f, "\"visibility\": \"visible\", \"output\": \"");
            if (skip) {
                put_escaped(f, "skipped, not counted: ", true);
                put_escaped(f, r->msg, true);
            } else if (!pass) {
                put_feedback(f, r, true);
            }
            fprintf(f, "\"}");
            sep = ",\n";
        }
    }
    fprintf(f, "\n  ]\n}\n");
    return close_report(f, path);
}

/* junit.xml: a testsuite per lesson (its score and max_score as properties),
 * a testcase per test; a skipped test is <skipped>, a failed one <failure>. */
int report_write_junit(const char *dir, struct run *runs, size_t nruns)
{
    char path[1024];
    FILE *f = open_report(dir, "junit.xml", path, sizeof path);
    if (!f)
        return -1;
    size_t total = 0, failures = 0, skipped = 0;
    for (size_t i = 0; i < nruns; i++)
        for (size_t j = 0; j < runs[i].n; j++) {
            total++;
            failures += strcmp(runs[i].r[j].status, "passed") && strcmp(runs[i].r[j].status, "skipped");
            skipped += strcmp(runs[i].r[j].status, "skipped") == 0;
        }
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(f, "<testsuites name=\"socklab\" tests=\"%zu\" failures=\"%zu\" skipped=\"%zu\">\n", total,
            failures, skipped);
    for (size_t i = 0; i < nruns; i++) {
        int got, max;
        run_score(&runs[i], &got, &max);
        size_t fl = 0, sk = 0;
        for (size_t j = 0; j < runs[i].n; j++) {
            fl += strcmp(runs[i].r[j].status, "passed") && strcmp(runs[i].r[j].status, "skipped");
            sk += strcmp(runs[i].r[j].status, "skipped") == 0;
        }
        fprintf(f, "  <testsuite name=\"%s\" tests=\"%zu\" failures=\"%zu\" skipped=\"%zu\">\n",
                runs[i].lesson, runs[i].n, fl, sk);
        fprintf(f,
                "    <properties><property name=\"score\" value=\"%d\"/>"
                "<property name=\"max_score\" value=\"%d\"/></properties>\n",
                got, max);
        for (size_t j = 0; j < runs[i].n; j++) {
            const struct result *r = &runs[i].r[j];
            fprintf(f, "    <testcase classname=\"%s\" name=\"", runs[i].lesson);
            put_escaped(f, r->name, false);
            fprintf(f, ": ");
            put_escaped(f, r->desc, false);
            fprintf(f, " (%d points)\">", r->points);
            if (strcmp(r->status, "skipped") == 0) {
                fprintf(f, "<skipped message=\"");
                put_escaped(f, r->msg, false);
                fprintf(f, "\"/>");
            } else if (strcmp(r->status, "passed") != 0) {
                fprintf(f, "<failure message=\"");
                put_escaped(f, r->status, false);
                fprintf(f, "\">");
                put_feedback(f, r, false);
                fprintf(f, "</failure>");
            }
            fprintf(f, "</testcase>\n");
        }
        fprintf(f, "  </testsuite>\n");
    }
    fprintf(f, "</testsuites>\n");
    return close_report(f, path);
}

/* The command grader's "result" for GitHub Classroom's reporter: base64 of
 * {version, status, max_score, tests: [{name, status, score, message, ...}]},
 * one line "result=..." appended to path ($GITHUB_OUTPUT). The reporter adds
 * up each test's score. Returns 0, or -1 having said why. */
int report_write_classroom(const char *path, const char *dir, struct run *runs, int n)
{
    char json[PATH_MAX];
    FILE *f = open_report(dir, "classroom.json", json, sizeof json);
    if (!f)
        return -1;
    int max = 0;
    bool all = true, error = false;
    for (int i = 0; i < n; i++) {
        error |= runs[i].compile_error || runs[i].problem;
        for (size_t j = 0; j < runs[i].n; j++) {
            max += counted_points(&runs[i].r[j]);
            all &= result_is(&runs[i].r[j], "passed") || result_is(&runs[i].r[j], "skipped");
        }
    }
    fprintf(f, "{\"version\": 1, \"status\": \"%s\", \"max_score\": %d, \"tests\": [",
            error ? "error"
            : all ? "pass"
                  : "fail",
            max);
    const char *sep = "";
    for (int i = 0; i < n; i++)
        for (size_t j = 0; j < runs[i].n; j++) {
            const struct result *r = &runs[i].r[j];
            bool pass = result_is(r, "passed");
            fprintf(f, "%s{\"name\": \"%.2s%s: ", sep, runs[i].lesson,
                    result_is(r, "skipped") ? " [skipped]" : "");
            put_escaped(f, r->desc, true);
            fprintf(
                f,
                "\", \"status\": \"%s\", \"score\": %d, \"max_score\": %d, \"line_no\": %d, \"message\": \"",
                pass || result_is(r, "skipped") ? "pass" : "fail", pass ? r->points : 0, counted_points(r),
                r->line);
            if (!pass)
                put_feedback(f, r, true);
            fprintf(f, "\"}");
            sep = ", ";
        }
    fprintf(f, "]}\n");
    if (close_report(f, json) != 0)
        return -1;
    /* base64 of the file, one line */
    FILE *in = fopen(json, "r"), *out = fopen(path, "a");
    if (!in || !out) {
        fprintf(stderr, "grade: cannot write the Classroom result to %s: %s\n", path, strerror(errno));
        if (in)
            fclose(in);
        if (out)
            fclose(out);
        return -1;
    }
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    unsigned char b[3];
    size_t k;
    fputs("result=", out);
    while ((k = fread(b, 1, 3, in)) > 0) {
        unsigned v = (unsigned)b[0] << 16 | (k > 1 ? (unsigned)b[1] << 8 : 0) | (k > 2 ? b[2] : 0);
        fputc(b64[v >> 18 & 63], out);
        fputc(b64[v >> 12 & 63], out);
        fputc(k > 1 ? b64[v >> 6 & 63] : '=', out);
        fputc(k > 2 ? b64[v & 63] : '=', out);
    }
    fputc('\n', out);
    fclose(in);
    return close_report(out, path);
}
