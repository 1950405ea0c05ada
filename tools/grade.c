/*
 * grade - run socklab's lesson tests and score them.
 *
 * usage: grade [--bin DIR] [--detail] [--strict] [--report DIR] LESSON...
 *        grade --selftest LESSON...
 *
 * Student mode (the default) runs build/tests/LESSON against the programs
 * in DIR/LESSON (default build/lessons), prints a scoreboard and writes
 * junit.xml and results.json (Gradescope) into the report directory
 * (default build/report), after every test program has ended.
 *
 * --selftest is what `make test` runs: each lesson's tests against the
 * solution (build/sol: every test must pass), against the skeleton
 * (build/lessons: every graded test must fail) and against each mutant
 * (build/mutants/LESSON/NAME: at least one test must fail). It ends with
 * one line "test: N passed, M failed".
 *
 * Scores come only from what the test programs report through a pipe that
 * the student's programs never hold (the harness closes it in them).
 * Exit: 0 graded (student mode; with --strict, only when every test passed)
 * or all checks passed (selftest); 1 otherwise, or a test program could not
 * run; 2 usage.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define LESSON_DEADLINE 300 /* seconds for one lesson's whole test program */

struct result {
    char *name, *desc, *hint, *msg;
    int line, points;
    char status[48]; /* passed, failed, timed out, crashed (SIGSEGV), skipped */
};

struct run {
    const char *lesson, *variant; /* variant: "solution", "skeleton", a mutant */
    struct result *r;
    size_t n;
    char *sandbox_note;
    char *problem;   /* why the run gave no results, or NULL */
    char *synthesis; /* Criterion's closing line */
};

static bool color;

static const char *c_(const char *code)
{
    return color ? code : "";
}
#define RED c_("\033[31m")
#define GREEN c_("\033[32m")
#define YELLOW c_("\033[33m")
#define BOLD c_("\033[1m")
#define DIM c_("\033[2m")
#define OFF c_("\033[0m")

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n, size);
    if (!p) {
        perror("grade: calloc");
        exit(1);
    }
    return p;
}

/* Undo the harness's field escaping in place (\\ \t \n). */
static char *unescape(char *s)
{
    char *w = s;
    for (char *r = s; *r; r++) {
        if (*r == '\\' && r[1]) {
            r++;
            *w++ = *r == 'n' ? '\n' : *r == 't' ? '\t' : *r;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
    return s;
}

/* The value of a "key: " line of a failure message, or NULL. Returns a
 * pointer into msg; the value ends at the next '\n'. */
static const char *msg_field(const char *msg, const char *key, int *len)
{
    size_t klen = strlen(key);
    for (const char *s = msg; s && *s;) {
        const char *nl = strchr(s, '\n');
        size_t n = nl ? (size_t)(nl - s) : strlen(s);
        if (n >= klen && strncmp(s, key, klen) == 0) {
            *len = (int)(n - klen);
            return s + klen;
        }
        s += n + (nl != NULL);
    }
    return NULL;
}

/* Parse one "test" line of the harness into r. */
static bool parse_test(char *line, struct result *r)
{
    char *f[8];
    int n = 0;
    for (char *save, *t = strtok_r(line, "\t", &save); t && n < 8; t = strtok_r(NULL, "\t", &save))
        f[n++] = t;
    if (n < 7 || strcmp(f[0], "test") != 0)
        return false;
    r->name = strdup(unescape(f[1]));
    r->line = atoi(f[2]);
    r->points = atoi(f[3]);
    r->desc = strdup(unescape(f[5]));
    r->hint = strdup(unescape(f[6]));
    r->msg = strdup(n > 7 ? unescape(f[7]) : "");
    int len;
    const char *st = msg_field(r->msg, "status: ", &len);
    if (strcmp(f[4], "pass") == 0)
        snprintf(r->status, sizeof r->status, "passed");
    else if (strcmp(f[4], "skip") == 0)
        snprintf(r->status, sizeof r->status, "skipped");
    else if (st)
        snprintf(r->status, sizeof r->status, "%.*s", len > 40 ? 40 : len, st);
    else
        snprintf(r->status, sizeof r->status, "failed");
    return true;
}

static int by_line(const void *a, const void *b)
{
    return ((const struct result *)a)->line - ((const struct result *)b)->line;
}

/* The last line of file holding "Synthesis", or NULL. */
static char *find_synthesis(const char *path)
{
    FILE *f = fopen(path, "r");
    char *line = NULL, *found = NULL;
    size_t cap = 0;
    if (!f)
        return NULL;
    while (getline(&line, &cap, f) > 0)
        if (strstr(line, "Synthesis")) {
            free(found);
            line[strcspn(line, "\n")] = '\0';
            found = strdup(line);
        }
    free(line);
    fclose(f);
    return found;
}

/* The path of the Unix socket Criterion's runner makes (it is fixed:
 * /tmp/criterion_PID.sock, and left behind), in buf or a static buffer. */
static const char *criterion_socket(pid_t pid, char *buf, size_t len)
{
    static char fallback[64];
    if (!buf) {
        buf = fallback;
        len = sizeof fallback;
    }
    snprintf(buf, len, "/tmp/criterion_%d.sock", (int)pid);
    return buf;
}

/* Start testbin in a process group of its own, its output to logpath and
 * its results to the pipe's write end wfd. A stale Criterion socket of
 * another user with the new pid would stop it: then try another pid.
 * Returns the pid, or -1 with errno set. */
static pid_t spawn_tests(const char *testbin, const char *bindir, const char *logpath, int wfd,
                         bool fail_fast)
{
    for (int attempt = 0; attempt < 5; attempt++) {
        int ready[2]; /* closed by exec; a byte on it means "try another pid" */
        if (pipe2(ready, O_CLOEXEC) < 0)
            return -1;
        pid_t pid = fork();
        if (pid < 0)
            return -1;
        if (pid == 0) {
            char sock[64];
            close(ready[0]);
            if (unlink(criterion_socket(getpid(), sock, sizeof sock)) != 0 && errno != ENOENT) {
                ssize_t n = write(ready[1], "x", 1);
                _exit(n == 1 ? 126 : 127);
            }
            setpgid(0, 0);
            int log = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (log >= 0) {
                dup2(log, 1);
                dup2(log, 2);
            }
            int rfd = dup(wfd); /* without O_CLOEXEC: the test program writes here */
            char fdenv[16];
            snprintf(fdenv, sizeof fdenv, "%d", rfd);
            setenv("SOCKLAB_RESULTS_FD", fdenv, 1);
            setenv("SOCKLAB_BIN", bindir, 1);
            execl(testbin, testbin, "--ascii", fail_fast ? "--fail-fast" : "--always-succeed", (char *)NULL);
            _exit(127);
        }
        close(ready[1]);
        char c;
        ssize_t n;
        while ((n = read(ready[0], &c, 1)) < 0 && errno == EINTR)
            ;
        close(ready[0]);
        if (n == 1) {
            waitpid(pid, NULL, 0);
            continue;
        }
        setpgid(pid, pid);
        return pid;
    }
    errno = EADDRINUSE;
    return -1;
}

/* Run build/tests/LESSON against the programs in bindir, collecting the
 * results through a pipe. Criterion's own output goes to logpath. */
static void run_lesson(struct run *run, const char *bindir, const char *logpath, bool fail_fast)
{
    char testbin[512];
    snprintf(testbin, sizeof testbin, "build/tests/%s", run->lesson);
    if (access(testbin, X_OK) != 0) {
        asprintf(&run->problem, "the test program %s was not built (run make)", testbin);
        return;
    }
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) < 0) {
        asprintf(&run->problem, "pipe: %s", strerror(errno));
        return;
    }
    pid_t pid = spawn_tests(testbin, bindir, logpath, pfd[1], fail_fast);
    close(pfd[1]);
    if (pid < 0) {
        close(pfd[0]);
        asprintf(&run->problem, "could not start %s: %s", testbin, strerror(errno));
        return;
    }
    setpgid(pid, pid);
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    time_t end = time(NULL) + LESSON_DEADLINE;
    bool timed_out = false;
    for (;;) {
        struct pollfd p = {.fd = pfd[0], .events = POLLIN};
        int left = (int)(end - time(NULL));
        int rc = poll(&p, 1, left > 0 ? left * 1000 : 0);
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc <= 0) {
            timed_out = true;
            break;
        }
        char buf[8192];
        ssize_t n = read(pfd[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        fwrite(buf, 1, (size_t)n, mem);
    }
    close(pfd[0]);
    kill(-pid, SIGKILL); /* whatever is left of the test program's group */
    int st;
    waitpid(pid, &st, 0);
    unlink(criterion_socket(pid, NULL, 0));
    fclose(mem);

    size_t cap = 0;
    bool ended = false;
    for (char *save, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        if (strncmp(l, "sandbox\t", 8) == 0) {
            run->sandbox_note = strdup(unescape(l + 8));
        } else if (strcmp(l, "end") == 0) {
            ended = true;
        } else if (strncmp(l, "test\t", 5) == 0) {
            if (run->n == cap)
                run->r = realloc(run->r, (cap = cap ? cap * 2 : 16) * sizeof *run->r);
            memset(&run->r[run->n], 0, sizeof run->r[0]);
            if (parse_test(l, &run->r[run->n]))
                run->n++;
        }
    }
    free(text);
    qsort(run->r, run->n, sizeof *run->r, by_line);
    run->synthesis = find_synthesis(logpath);
    if (!ended)
        asprintf(&run->problem, "%s (see %s)",
                 timed_out ? "the lesson's tests did not finish in time"
                           : "the test program ended without reporting: did a program kill it?",
                 logpath);
}

/* Free what run_lesson allocated in run. */
static void run_free(struct run *run)
{
    for (size_t i = 0; i < run->n; i++) {
        free(run->r[i].name);
        free(run->r[i].desc);
        free(run->r[i].hint);
        free(run->r[i].msg);
    }
    free(run->r);
    free(run->sandbox_note);
    free(run->problem);
    free(run->synthesis);
}

/* ---- the scoreboard ------------------------------------------------------- */

static void print_indented(const char *label, const char *text, int len)
{
    printf("        %s%s%s %.*s\n", DIM, label, OFF, len, text);
}

static void print_result(const struct result *r, bool detail)
{
    bool pass = strcmp(r->status, "passed") == 0, skip = strcmp(r->status, "skipped") == 0;
    const char *col = pass ? GREEN : skip ? YELLOW : RED;
    printf("  %s%-7s%s %2d/%-2d  %s\n", col,
           pass   ? "pass"
           : skip ? "skip"
                  : "FAIL",
           OFF, pass ? r->points : 0, r->points, r->desc);
    if (pass)
        return;
    if (skip) {
        print_indented("skipped:", r->msg, (int)strlen(r->msg));
        return;
    }
    if (strcmp(r->status, "failed") != 0)
        printf("        %s%s%s\n", RED, r->status, OFF);
    int len;
    const char *v;
    if ((v = msg_field(r->msg, "expected: ", &len)))
        print_indented("expected:", v, len);
    if ((v = msg_field(r->msg, "got: ", &len)))
        print_indented("but got: ", v, len > 300 && !detail ? 300 : len);
    else if (*r->msg)
        print_indented("why:     ", r->msg, (int)strcspn(r->msg, "\n"));
    if (detail) {
        for (const char *s = r->msg; (s = strstr(s, "step: ")); s += 6) {
            int n = (int)strcspn(s + 6, "\n");
            print_indented("step:    ", s + 6, n);
        }
        if ((v = msg_field(r->msg, "try: ", &len)))
            print_indented("try:     ", v, len);
    }
    if (*r->hint)
        print_indented("hint:    ", r->hint, (int)strlen(r->hint));
}

static void score(const struct run *run, int *got, int *max)
{
    *got = *max = 0;
    for (size_t i = 0; i < run->n; i++) {
        *max += run->r[i].points;
        if (strcmp(run->r[i].status, "passed") == 0)
            *got += run->r[i].points;
    }
}

static void print_lesson(const struct run *run, bool detail)
{
    int got, max;
    score(run, &got, &max);
    printf("\n%sLesson %s%s", BOLD, run->lesson, OFF);
    if (!run->problem)
        printf("%*s%s%d/%d points%s\n", (int)(50 - strlen(run->lesson)), "", got == max ? GREEN : "", got,
               max, OFF);
    else
        printf("\n");
    for (size_t i = 0; i < run->n; i++)
        print_result(&run->r[i], detail);
    if (run->problem)
        printf("  %s%s%s\n", RED, run->problem, OFF);
}

/* ---- report files ---------------------------------------------------------- */

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
    if (strcmp(r->status, "failed") != 0 && strcmp(r->status, "passed") != 0) {
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

static FILE *open_report(const char *dir, const char *name, char *path, size_t len)
{
    snprintf(path, len, "%s/%s.tmp", dir, name);
    unlink(path); /* never write through a link a program may have left */
    FILE *f = fopen(path, "wx");
    if (!f)
        fprintf(stderr, "grade: open %s: %s\n", path, strerror(errno));
    return f;
}

static void close_report(FILE *f, const char *tmp)
{
    char final[1024];
    snprintf(final, sizeof final, "%.*s", (int)(strlen(tmp) - 4), tmp);
    if (fclose(f) != 0 || rename(tmp, final) != 0)
        fprintf(stderr, "grade: write %s: %s\n", final, strerror(errno));
}

static void write_results_json(const char *dir, struct run *runs, size_t nruns, int got, int max)
{
    char path[1024];
    FILE *f = open_report(dir, "results.json", path, sizeof path);
    if (!f)
        return;
    fprintf(f, "{\n  \"score\": %d,\n  \"max_score\": %d,\n  \"output\": \"", got, max);
    if (nruns && runs[0].sandbox_note && *runs[0].sandbox_note)
        put_escaped(f, runs[0].sandbox_note, true);
    fprintf(f, "\",\n  \"tests\": [");
    const char *sep = "\n";
    for (size_t i = 0; i < nruns; i++) {
        for (size_t j = 0; j < runs[i].n; j++) {
            const struct result *r = &runs[i].r[j];
            bool pass = strcmp(r->status, "passed") == 0;
            fprintf(f, "%s    {\"name\": \"", sep);
            put_escaped(f, r->desc, true);
            fprintf(f,
                    "\", \"number\": \"%.2s.%zu\", \"score\": %d, \"max_score\": %d, \"status\": \"%s\", "
                    "\"visibility\": \"visible\", \"output\": \"",
                    runs[i].lesson, j + 1, pass ? r->points : 0, r->points, pass ? "passed" : "failed");
            if (!pass)
                put_feedback(f, r, true);
            fprintf(f, "\"}");
            sep = ",\n";
        }
    }
    fprintf(f, "\n  ]\n}\n");
    close_report(f, path);
}

static void write_junit(const char *dir, struct run *runs, size_t nruns)
{
    char path[1024];
    FILE *f = open_report(dir, "junit.xml", path, sizeof path);
    if (!f)
        return;
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
        score(&runs[i], &got, &max);
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
    close_report(f, path);
}

/* ---- the two modes ----------------------------------------------------------- */

static int grade_student(const char *bin, const char *report, bool detail, bool strict, char **lessons, int n)
{
    struct run *runs = xcalloc((size_t)n, sizeof *runs);
    char logdir[1024], log[1200];
    snprintf(logdir, sizeof logdir, "%s/logs", report);
    mkdir(report, 0755);
    mkdir(logdir, 0755);
    int got = 0, max = 0, complete = 0, skipped = 0;
    for (int i = 0; i < n; i++) {
        char bindir[1024];
        runs[i].lesson = lessons[i];
        snprintf(bindir, sizeof bindir, "%s/%s", bin, lessons[i]);
        snprintf(log, sizeof log, "%s/%s.log", logdir, lessons[i]);
        run_lesson(&runs[i], bindir, log, false);
        print_lesson(&runs[i], detail);
        fflush(stdout);
        int g, m;
        score(&runs[i], &g, &m);
        got += g;
        max += m;
        complete += !runs[i].problem && m > 0 && g == m;
        for (size_t j = 0; j < runs[i].n; j++)
            if (strcmp(runs[i].r[j].status, "skipped") == 0)
                skipped += runs[i].r[j].points;
    }
    write_results_json(report, runs, (size_t)n, got, max);
    write_junit(report, runs, (size_t)n);
    if (n > 0 && runs[0].sandbox_note && *runs[0].sandbox_note)
        printf("\n%sNote:%s %s\n", YELLOW, OFF, runs[0].sandbox_note);
    printf("\n%sProgress:%s %d of %d lesson%s complete, %d/%d points (%d%%)", BOLD, OFF, complete, n,
           n == 1 ? "" : "s", got, max, max ? got * 100 / max : 0);
    if (skipped)
        printf("; %d points were skipped here (see the note)", skipped);
    printf(".\n");
    printf("%sReports: %s/junit.xml, %s/results.json; test logs in %s/%s\n", DIM, report, report, logdir,
           OFF);
    bool broken = false;
    for (int i = 0; i < n; i++) {
        broken |= runs[i].problem != NULL;
        run_free(&runs[i]);
    }
    free(runs);
    return broken || (strict && got < max) ? 1 : 0;
}

/* Print each problem of a selftest check; count passes and failures. */
struct tally {
    int passed, failed, skipped;
};

static void check(struct tally *t, bool ok, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void check(struct tally *t, bool ok, const char *fmt, ...)
{
    if (ok) {
        t->passed++;
        return;
    }
    t->failed++;
    va_list ap;
    va_start(ap, fmt);
    printf("  %sFAIL%s ", RED, OFF);
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
}

static void selftest_mutants(const char *lesson, struct tally *t)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "tests/mutants/%s", lesson);
    DIR *d = opendir(dir);
    if (!d)
        return;
    int caught = 0, total = 0;
    for (struct dirent *e; (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (len < 7 || strcmp(e->d_name + len - 6, ".patch") != 0)
            continue;
        char name[256], bindir[1400], log[1400];
        snprintf(name, sizeof name, "%.*s", (int)(len - 6), e->d_name);
        snprintf(bindir, sizeof bindir, "build/mutants/%s/%s", lesson, name);
        snprintf(log, sizeof log, "build/report/logs/%s-mutant-%s.log", lesson, name);
        struct run run = {.lesson = lesson, .variant = name};
        run_lesson(&run, bindir, log, true);
        bool failed = false;
        for (size_t i = 0; i < run.n; i++)
            failed |= strcmp(run.r[i].status, "passed") && strcmp(run.r[i].status, "skipped");
        total++;
        caught += failed;
        check(t, failed && !run.problem, "mutant %s/%s passes every test: the suite misses this bug%s%s",
              lesson, name, run.problem ? ": " : "", run.problem ? run.problem : "");
        run_free(&run);
    }
    closedir(d);
    printf("  mutants:  %d/%d caught\n", caught, total);
}

static int selftest(char **lessons, int n)
{
    struct tally t = {0};
    mkdir("build/report", 0755);
    mkdir("build/report/logs", 0755);
    for (int i = 0; i < n; i++) {
        char log[1200];
        printf("%s%s%s\n", BOLD, lessons[i], OFF);
        struct run sol = {.lesson = lessons[i], .variant = "solution"};
        snprintf(log, sizeof log, "build/report/logs/%s-solution.log", lessons[i]);
        char bindir[1024];
        snprintf(bindir, sizeof bindir, "build/sol/%s", lessons[i]);
        run_lesson(&sol, bindir, log, false);
        check(&t, !sol.problem, "%s solution: %s", lessons[i], sol.problem ? sol.problem : "");
        check(&t, sol.n >= 8 || sol.problem, "%s has %zu graded tests; a lesson needs at least 8", lessons[i],
              sol.n);
        int spass = 0, sskip = 0;
        for (size_t j = 0; j < sol.n; j++) {
            const struct result *r = &sol.r[j];
            if (strcmp(r->status, "skipped") == 0) {
                sskip++;
                t.skipped++;
                printf("  %sskip%s %s: %s\n", YELLOW, OFF, r->name, r->msg);
                continue;
            }
            spass += strcmp(r->status, "passed") == 0;
            check(&t, strcmp(r->status, "passed") == 0, "solution fails %s (%s): %s\n%s", r->name, r->status,
                  r->desc, r->msg);
        }
        printf("  solution: %d/%zu tests pass", spass, sol.n);
        if (sskip)
            printf(", %d skipped", sskip);
        printf("\n  %s%s%s\n", DIM, sol.synthesis ? sol.synthesis : "", OFF);

        struct run sk = {.lesson = lessons[i], .variant = "skeleton"};
        snprintf(log, sizeof log, "build/report/logs/%s-skeleton.log", lessons[i]);
        snprintf(bindir, sizeof bindir, "build/lessons/%s", lessons[i]);
        run_lesson(&sk, bindir, log, false);
        check(&t, !sk.problem, "%s skeleton: %s", lessons[i], sk.problem ? sk.problem : "");
        int sfail = 0;
        for (size_t j = 0; j < sk.n; j++) {
            const struct result *r = &sk.r[j];
            if (strcmp(r->status, "skipped") == 0) {
                t.skipped++;
                continue;
            }
            bool failed = strcmp(r->status, "passed") != 0;
            sfail += failed;
            check(&t, failed,
                  "the skeleton passes %s (%s): a test that passes on the skeleton grades nothing", r->name,
                  r->desc);
            check(&t, strncmp(r->status, "crashed", 7) != 0,
                  "the skeleton %s in %s: a skeleton must run without crashing", r->status, r->name);
        }
        printf("  skeleton: %d/%zu tests fail\n", sfail, sk.n);
        run_free(&sol);
        run_free(&sk);
        selftest_mutants(lessons[i], &t);
    }
    printf("\ntest: %d passed, %d failed", t.passed, t.failed);
    if (t.skipped)
        printf(", %d skipped", t.skipped);
    printf("\n");
    return t.failed ? 1 : 0;
}

static void usage(FILE *to)
{
    fprintf(to, "usage: grade [--bin DIR] [--detail] [--strict] [--report DIR] LESSON...\n"
                "       grade --selftest LESSON...\n"
                "Grades each LESSON (e.g. 01-first-socket); see the comment in tools/grade.c.\n");
}

int main(int argc, char **argv)
{
    const char *bin = "build/lessons", *report = "build/report";
    bool detail = false, self = false, strict = false;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--bin") == 0 && i + 1 < argc) {
            bin = argv[++i];
        } else if (strcmp(argv[i], "--report") == 0 && i + 1 < argc) {
            report = argv[++i];
        } else if (strcmp(argv[i], "--detail") == 0) {
            detail = true;
        } else if (strcmp(argv[i], "--strict") == 0) {
            strict = true;
        } else if (strcmp(argv[i], "--selftest") == 0) {
            self = true;
        } else {
            fprintf(stderr, "grade: unknown option '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    if (i == argc) {
        usage(stderr);
        return 2;
    }
    color = isatty(1) && !getenv("NO_COLOR");
    prctl(PR_SET_DUMPABLE, 0); /* programs under test cannot reach our fds */
    signal(SIGPIPE, SIG_IGN);
    mkdir("build", 0755);
    return self ? selftest(argv + i, argc - i)
                : grade_student(bin, report, detail, strict, argv + i, argc - i);
}
