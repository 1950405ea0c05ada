/*
 * grade - run socklab's lesson tests and score them.
 *
 * usage: grade [--bin DIR] [--detail] [--strict] [--report DIR] [--compile-logs DIR]
 *              [--classroom FILE] [--run-as UID:GID] LESSON...
 *        grade --selftest LESSON...
 *
 * Student mode (the default) runs build/tests/LESSON against the programs
 * in DIR/LESSON (default build/lessons), prints a scoreboard and writes
 * junit.xml and results.json (Gradescope) into the report directory
 * (default build/report), after every program it started has ended.
 * --compile-logs DIR: a lesson with DIR/LESSON.log (the Makefile's grade
 * recipe writes the compiler's output there when it fails) is not run: every
 * test fails as "does not compile", with the first compiler error.
 * --classroom FILE: also append GitHub Classroom's "result=BASE64" line
 * (autograding-command-grader's output, per-test points) to FILE.
 * --run-as UID:GID (root only; Gradescope's run_autograder): the test
 * programs, and so the student's programs they start, run as that user,
 * with no capabilities and no_new_privs; grade itself, the copies of the
 * test programs and the reports stay root's.
 *
 * --selftest is what `make test` runs: each lesson's tests against the
 * solution (build/sol: every test must pass), against the skeleton
 * (build/skel: the lesson's skeleton linked with the solutions of the
 * earlier lessons' files it reuses, as a student who finished those lessons
 * has it; every graded test must fail) and against each mutant
 * (build/mutants/LESSON/NAME: at least one test must fail). It ends with
 * one line "test: N passed, M failed".
 *
 * What the scores rest on:
 * - Before any program under test runs, each lesson's test program is copied
 *   into a private directory (build/.grade.XXXXXX), and that copy lists its
 *   graded tests, with their points (--socklab-list). The copy is what runs.
 * - Results arrive through a pipe that the student's programs never hold
 *   (the harness closes it in them), and are only matched against that list:
 *   a test of another name, a second result for a test, other points or no
 *   result at all are failures; points are the listed ones.
 * - grade is a subreaper: whatever a lesson's programs leave running (setsid,
 *   double forks) is killed before the next lesson and before any report.
 * - Reports are written into a new directory grade makes (.report.XXXXXX next
 *   to the report directory) and moved into place at the end; a report
 *   directory holding anything grade does not write, or a link, is never
 *   replaced: grade says so and exits 1.
 * - A watchdog (grade's parent half) continues a grader a program stopped,
 *   kills one past its deadline, and says when no report was written.
 * Same user and no sandbox, a program can still do what the user can (kill
 * the watchdog too, rewrite the report afterwards): see the threat model in
 * tests/README.md.
 *
 * Exit: 0 graded (student mode; with --strict, only when every test passed)
 * or all checks passed (selftest); 1 otherwise, a test program could not run
 * or list its tests, or no report could be written; 2 usage.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <ftw.h>
#include <limits.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define LESSON_DEADLINE 300 /* seconds for one lesson's whole test program, times SOCKLAB_SLOW */
#define LIST_DEADLINE 20    /* seconds for a test program to list its tests, times SOCKLAB_SLOW */
#define TEST_FIELDS 8       /* test NAME LINE POINTS STATUS DESCRIPTION HINT MESSAGE */
#define LIST_FIELDS 6       /* test NAME LINE POINTS DESCRIPTION HINT */

struct result {
    char *name, *desc, *hint, *msg;
    int line, points;
    bool reported;   /* a result for it arrived on the pipe */
    char status[48]; /* passed, failed, timed out, crashed (SIGSEGV), skipped, does not compile ... */
};

struct run {
    const char *lesson, *variant; /* variant: "solution", "skeleton", a mutant */
    struct result *r;             /* the tests the test program listed, then their results */
    size_t n;
    char *sandbox_note;
    char *problem;       /* what went wrong with the run as a whole, or NULL */
    char *compile_error; /* the lesson's first compiler error, when it does not compile */
};

static bool color;
static double slow = 1.0;               /* SOCKLAB_SLOW */
static long run_uid = -1, run_gid = -1; /* --run-as: the test programs' user (grade stays root) */

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

static char *xstrdup(const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d) {
        perror("grade: strdup");
        exit(1);
    }
    return d;
}

/* Add a line to what went wrong with run as a whole. */
static void add_problem(struct run *run, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_problem(struct run *run, const char *fmt, ...)
{
    char *line = NULL, *all = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&line, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if (run->problem && asprintf(&all, "%s\n%s", run->problem, line) >= 0) {
        free(run->problem);
        free(line);
        run->problem = all;
    } else if (!run->problem) {
        run->problem = line;
    } else {
        free(line);
    }
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

/* Split line in place at every tab (an empty field is a field). Stores at
 * most max fields in f; returns how many fields the line has. */
static int split_fields(char *line, char **f, int max)
{
    int n = 0;
    for (char *p = line;; p++) {
        char *tab = strchr(p, '\t');
        if (n < max)
            f[n] = p;
        n++;
        if (!tab)
            return n;
        *tab = '\0';
        p = tab;
    }
}

/* A decimal number of 0..limit in s, or -1. */
static int small_number(const char *s, int limit)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    return *s && !*end && !errno && v >= 0 && v <= limit ? (int)v : -1;
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

static bool is(const struct result *r, const char *status)
{
    return strcmp(r->status, status) == 0;
}

static void set_result(struct result *r, const char *status, const char *msg)
{
    snprintf(r->status, sizeof r->status, "%s", status);
    free(r->msg);
    r->msg = xstrdup(msg);
}

static int by_line(const void *a, const void *b)
{
    return ((const struct result *)a)->line - ((const struct result *)b)->line;
}

/* ---- processes -------------------------------------------------------------- */

/* Kill every child of this process (a subreaper: orphans of what it started
 * become its children) and reap them, until none is left: no daemon, setsid
 * or double fork of a program under test outlives the lesson. */
static void kill_descendants(void)
{
    for (int round = 0; round < 100000; round++) {
        int found = 0;
        DIR *d = opendir("/proc");
        for (struct dirent *e; d && (e = readdir(d));) {
            char path[300], buf[512];
            if (e->d_name[0] < '1' || e->d_name[0] > '9')
                continue;
            snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
            int fd = open(path, O_RDONLY | O_CLOEXEC);
            if (fd < 0)
                continue;
            ssize_t n = read(fd, buf, sizeof buf - 1);
            close(fd);
            if (n <= 0)
                continue;
            buf[n] = '\0';
            char *rp = strrchr(buf, ')');
            int ppid = 0;
            if (rp && sscanf(rp + 2, "%*c %d", &ppid) == 1 && ppid == getpid()) {
                kill(atoi(e->d_name), SIGKILL);
                found++;
            }
        }
        if (d)
            closedir(d);
        int reaped = 0;
        while (waitpid(-1, NULL, WNOHANG) > 0)
            reaped++;
        if (!found && !reaped && waitpid(-1, NULL, WNOHANG) < 0)
            return; /* ECHILD: nothing left */
        if (found && !reaped)
            waitpid(-1, NULL, 0); /* one dies; its orphans are ours on the next round */
    }
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

/* Start testbin (ARG, if not NULL, its one argument) in a process group of
 * its own, its stdout and stderr to outfd, its results to wfd (-1: none). A
 * stale Criterion socket of another user with the new pid would stop it:
 * then try another pid. Returns the pid, or -1 with errno set. */
static pid_t spawn_tests(const char *testbin, const char *arg, const char *bindir, int outfd, int wfd)
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
            int nul = open("/dev/null", O_WRONLY);
            dup2(outfd, 1);
            dup2(wfd >= 0 || nul < 0 ? outfd : nul, 2); /* a listing's stderr is not the list */
            signal(SIGPIPE, SIG_DFL);
            signal(SIGXFSZ, SIG_DFL);
            if (wfd >= 0) {
                int rfd = dup(wfd); /* without O_CLOEXEC: the test program writes here */
                char fdenv[16];
                snprintf(fdenv, sizeof fdenv, "%d", rfd);
                setenv("SOCKLAB_RESULTS_FD", fdenv, 1);
            } else {
                unsetenv("SOCKLAB_RESULTS_FD");
            }
            setenv("SOCKLAB_BIN", bindir, 1);
            if (run_uid >= 0 &&
                (setgroups(0, NULL) != 0 || setresgid((gid_t)run_gid, (gid_t)run_gid, (gid_t)run_gid) != 0 ||
                 setresuid((uid_t)run_uid, (uid_t)run_uid, (uid_t)run_uid) != 0 ||
                 prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)) {
                perror("grade: --run-as");
                _exit(127);
            }
            execl(testbin, testbin, arg, (char *)NULL);
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

static double now_plus(double seconds)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9 + seconds;
}

/* Read fd to its end into a new string, until deadline (CLOCK_MONOTONIC
 * seconds). While waiting, a stopped pid is continued and an ended one is
 * reaped into *status (*reaped set). Returns the text; *timed_out says
 * whether the deadline came first. */
static char *read_until(int fd, pid_t pid, double deadline, bool *timed_out, bool *reaped, int *status)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (!mem) {
        perror("grade: open_memstream");
        exit(1);
    }
    *timed_out = false;
    for (;;) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        double left = deadline - ((double)now.tv_sec + (double)now.tv_nsec / 1e9);
        if (left <= 0) {
            *timed_out = true;
            break;
        }
        if (!*reaped) { /* a test program stopped by a program it ran is continued */
            pid_t w = waitpid(pid, status, WNOHANG | WUNTRACED);
            if (w == pid && WIFSTOPPED(*status))
                kill(pid, SIGCONT);
            else if (w == pid)
                *reaped = true;
        }
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int rc = poll(&p, 1, left > 1 ? 1000 : (int)(left * 1000) + 1);
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc < 0)
            break;
        if (rc == 0)
            continue;
        char buf[8192];
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        fwrite(buf, 1, (size_t)n, mem);
    }
    fclose(mem);
    return text;
}

/* Wait until pid exits (status into *st) or deadline. Returns whether it
 * exited. */
static bool wait_exit(pid_t pid, int *st, double deadline)
{
    int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
    for (;;) {
        pid_t w = waitpid(pid, st, WNOHANG);
        if (w == pid || w < 0) {
            if (pfd >= 0)
                close(pfd);
            return w == pid;
        }
        double left = deadline - now_plus(0);
        if (left <= 0)
            break;
        if (pfd >= 0) {
            struct pollfd p = {.fd = pfd, .events = POLLIN};
            poll(&p, 1, (int)(left * 1000) + 1);
        } else {
            struct timespec ts = {0, 5000000};
            nanosleep(&ts, NULL);
        }
    }
    if (pfd >= 0)
        close(pfd);
    return false;
}

/* Start testbin with its one argument arg and read its stdout (list: the
 * --socklab-list mode) or its results pipe (Criterion's own output to logfd)
 * until it ends or the deadline; kill whatever is left of it. *status (if
 * not NULL) is its wait status, -1 when it had to be killed. Returns the
 * text read, or NULL with *why set. */
static char *run_test_program(const char *testbin, const char *arg, bool list, const char *bindir, int logfd,
                              double seconds, bool *timed_out, int *status, char **why)
{
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) < 0) {
        asprintf(why, "pipe: %s", strerror(errno));
        return NULL;
    }
    pid_t pid = list ? spawn_tests(testbin, arg, bindir, pfd[1], -1)
                     : spawn_tests(testbin, arg, bindir, logfd, pfd[1]);
    close(pfd[1]);
    if (pid < 0) {
        close(pfd[0]);
        asprintf(why, "could not start %s: %s", testbin, strerror(errno));
        return NULL;
    }
    bool reaped = false;
    int st = 0;
    double deadline = now_plus(seconds * slow);
    char *text = read_until(pfd[0], pid, deadline, timed_out, &reaped, &st);
    close(pfd[0]);
    if (!reaped && !*timed_out) /* its report is done: let it end by itself */
        reaped = wait_exit(pid, &st, now_plus(5 * slow) < deadline ? now_plus(5 * slow) : deadline);
    kill(-pid, SIGKILL); /* whatever is left of the test program's group */
    if (!reaped)
        waitpid(pid, &st, 0);
    if (status)
        *status = reaped ? st : -1;
    unlink(criterion_socket(pid, NULL, 0));
    kill_descendants();
    if (list && !*timed_out && !(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
        asprintf(why, "%s %s ended with %s %d", testbin, arg, WIFEXITED(st) ? "status" : "signal",
                 WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
        free(text);
        return NULL;
    }
    return text;
}

/* ---- the tests a lesson has ------------------------------------------------ */

/* Copy build/tests/LESSON into stagedir, before any program under test runs,
 * and write the copy's path into path: the test program that runs is the one
 * built, even if a program replaces build/tests/LESSON meanwhile. Returns 0,
 * or -1 with *why set. */
static int stage_test_program(const char *stagedir, const char *lesson, char *path, size_t len, char **why)
{
    char src[512];
    snprintf(src, sizeof src, "build/tests/%s", lesson);
    snprintf(path, len, "%s/%s", stagedir, lesson);
    int in = open(src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat sb;
    if (in < 0 || fstat(in, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        asprintf(why, "the test program %s %s (run make)", src,
                 in < 0 && errno == ENOENT ? "was not built" : "is not a program make built");
        if (in >= 0)
            close(in);
        return -1;
    }
    int out = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0700);
    bool ok = out >= 0;
    char buf[65536];
    ssize_t n;
    while (ok && (n = read(in, buf, sizeof buf)) != 0)
        ok = n > 0 && write(out, buf, (size_t)n) == n;
    int err = errno;
    close(in);
    if (out >= 0 && (fchmod(out, 0555) != 0 || close(out) != 0))
        ok = false;
    if (!ok)
        asprintf(why, "could not copy the test program %s to %s: %s", src, path, strerror(err));
    return ok ? 0 : -1;
}

/* Ask the staged test program testbin for its graded tests (--socklab-list)
 * and store them in run, every one "not run" for now. Returns 0, or -1 with
 * run->problem set. */
static int list_tests(struct run *run, const char *testbin)
{
    bool timed_out = false;
    char *why = NULL;
    char *text =
        run_test_program(testbin, "--socklab-list", true, ".", -1, LIST_DEADLINE, &timed_out, NULL, &why);
    if (!text) {
        add_problem(run, "the test program could not list its tests: %s", why ? why : "?");
        free(why);
        return -1;
    }
    size_t cap = 0;
    bool ended = false;
    for (char *save, *l = strtok_r(text, "\n", &save); l && !ended; l = strtok_r(NULL, "\n", &save)) {
        char *f[LIST_FIELDS];
        if (strcmp(l, "end") == 0) {
            ended = true;
            continue;
        }
        int pts, line;
        if (split_fields(l, f, LIST_FIELDS) != LIST_FIELDS || strcmp(f[0], "test") != 0 ||
            (line = small_number(f[2], 1000000)) < 0 || (pts = small_number(f[3], 100)) < 1) {
            ended = false;
            break;
        }
        if (run->n == cap) {
            run->r = realloc(run->r, (cap = cap ? cap * 2 : 16) * sizeof *run->r);
            if (!run->r)
                exit(1);
        }
        struct result *r = &run->r[run->n++];
        *r = (struct result){.name = xstrdup(unescape(f[1])), .line = line, .points = pts};
        r->desc = xstrdup(unescape(f[4]));
        r->hint = xstrdup(unescape(f[5]));
        set_result(r, "not run", "");
    }
    free(text);
    if (!ended || run->n == 0) {
        add_problem(run, "the test program %s",
                    timed_out ? "did not list its tests in time"
                              : "gave no list of its tests (--socklab-list)");
        return -1;
    }
    qsort(run->r, run->n, sizeof *run->r, by_line);
    return 0;
}

static struct result *find_test(struct run *run, const char *name)
{
    for (size_t i = 0; i < run->n; i++)
        if (strcmp(run->r[i].name, name) == 0)
            return &run->r[i];
    return NULL;
}

/* Match one "test" line of the results pipe (fields f) against the listed
 * tests: an unknown name, a second result or other points are failures. */
static void take_result(struct run *run, char **f)
{
    char *name = unescape(f[1]);
    struct result *r = find_test(run, name);
    if (!r) {
        add_problem(run, "the results named a test this lesson does not have (%.80s): not counted", name);
        return;
    }
    if (r->reported) {
        set_result(r, "reported twice",
                   "expected: one result for this test\ngot: two (something wrote to the grader's pipe)");
        return;
    }
    r->reported = true;
    if (small_number(f[3], 100) != r->points) {
        set_result(r, "wrong points", "expected: the points the test program lists\ngot: others");
        return;
    }
    char *msg = unescape(f[7]);
    int len;
    const char *st = msg_field(msg, "status: ", &len);
    if (strcmp(f[4], "pass") == 0)
        set_result(r, "passed", msg);
    else if (strcmp(f[4], "skip") == 0)
        set_result(r, "skipped", msg);
    else if (strcmp(f[4], "fail") == 0 && st) {
        char status[48];
        snprintf(status, sizeof status, "%.*s", len > 40 ? 40 : len, st);
        set_result(r, status, msg);
    } else
        set_result(r, "failed", msg);
}

/* Mark the listed tests no result arrived for. */
static void mark_missing(struct run *run, bool ended)
{
    for (size_t i = 0; i < run->n; i++)
        if (!run->r[i].reported && is(&run->r[i], "not run"))
            set_result(&run->r[i], "no result",
                       ended ? "expected: a result for this test\ngot: the test program's report left it out"
                             : "expected: a result for this test\ngot: none: the lesson's test program did "
                               "not finish (see below)");
}

/* The first compiler error in the log at path ("file:line: error: ..."), or
 * its first line; NULL when there is no such log. */
static char *first_compile_error(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char *line = NULL, *first = NULL, *error = NULL;
    size_t cap = 0;
    while (!error && getline(&line, &cap, f) > 0) {
        line[strcspn(line, "\r\n")] = '\0';
        if (strstr(line, "error:") || strstr(line, "undefined reference") ||
            strstr(line, "multiple definition"))
            error = strndup(line, 300);
        else if (!first && line[strspn(line, " \t")] && strncmp(line, "make", 4) != 0)
            first = strndup(line, 300);
    }
    free(line);
    fclose(f);
    if (error) {
        free(first);
        return error;
    }
    return first ? first : xstrdup("the compiler failed (no message)");
}

/* Run the staged test program testbin against the programs in bindir,
 * collecting the results through a pipe; Criterion's own output goes to
 * logpath. run holds the listed tests (list_tests). */
static void run_lesson(struct run *run, const char *testbin, const char *bindir, const char *logpath,
                       bool fail_fast)
{
    int log = open(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (log < 0) {
        add_problem(run, "could not write the log %s: %s", logpath, strerror(errno));
        mark_missing(run, false);
        return;
    }
    bool timed_out = false;
    char *why = NULL;
    int st = -1;
    char *text = run_test_program(testbin, fail_fast ? "--fail-fast" : "--always-succeed", false, bindir, log,
                                  LESSON_DEADLINE, &timed_out, &st, &why);
    close(log);
    if (!text) {
        add_problem(run, "%s", why ? why : "?");
        free(why);
        mark_missing(run, false);
        return;
    }
    bool ended = false;
    for (char *save, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        char *f[TEST_FIELDS];
        int n = split_fields(l, f, TEST_FIELDS);
        if (ended) {
            add_problem(run, "the results went on after their end: not counted");
            break;
        } else if (strcmp(f[0], "end") == 0 && n == 1) {
            ended = true;
        } else if (strcmp(f[0], "sandbox") == 0 && n == 2) {
            free(run->sandbox_note);
            run->sandbox_note = xstrdup(unescape(f[1]));
        } else if (strcmp(f[0], "test") == 0 && n == TEST_FIELDS) {
            take_result(run, f);
        } else {
            add_problem(run, "a malformed line in the results: not counted");
        }
    }
    free(text);
    if (ended && !(st != -1 && WIFEXITED(st))) { /* results, then killed: they may not be its own */
        add_problem(run, "the test program was killed after its report (%s): its results are not counted",
                    st == -1                     ? "it did not end"
                    : sigabbrev_np(WTERMSIG(st)) ? sigabbrev_np(WTERMSIG(st))
                                                 : "?");
        for (size_t i = 0; i < run->n; i++)
            if (is(&run->r[i], "passed"))
                set_result(
                    &run->r[i], "not counted",
                    "expected: the test program to end by itself after its report\ngot: it was killed");
    }
    mark_missing(run, ended);
    if (!ended)
        add_problem(run, "%s (see %s)",
                    timed_out ? "the lesson's tests did not finish in time"
                              : "the test program ended without reporting: did a program kill it?",
                    logpath);
}

/* A lesson that does not compile: every listed test fails, with the first
 * compiler error. */
static void fail_uncompiled(struct run *run, char *error)
{
    run->compile_error = error;
    char *msg = NULL;
    if (asprintf(&msg, "expected: the lesson to compile\ngot: %s", error) < 0)
        exit(1);
    for (size_t i = 0; i < run->n; i++)
        set_result(&run->r[i], "does not compile", msg);
    free(msg);
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
    free(run->compile_error);
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
    if (pass || is(r, "does not compile")) /* the lesson's compiler error is shown once, above */
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
    if (run->n)
        printf("%*s%s%d/%d points%s\n", (int)(50 - strlen(run->lesson)), "", got == max ? GREEN : "", got,
               max, OFF);
    else
        printf("\n");
    if (run->compile_error)
        printf("  %sdoes not compile:%s %s\n", RED, OFF, run->compile_error);
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
    if (!is(r, "failed") && !is(r, "passed")) {
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
    return is(r, "skipped") ? 0 : r->points;
}

/* results.json, as Gradescope reads it. Gradescope has no "skipped" status:
 * a skipped test has max_score 0, no status, and says why in its name and
 * output. */
static int write_results_json(const char *dir, struct run *runs, size_t nruns)
{
    char path[1024];
    FILE *f = open_report(dir, "results.json", path, sizeof path);
    if (!f)
        return -1;
    int got = 0, max = 0;
    for (size_t i = 0; i < nruns; i++)
        for (size_t j = 0; j < runs[i].n; j++) {
            max += counted_points(&runs[i].r[j]);
            got += is(&runs[i].r[j], "passed") ? runs[i].r[j].points : 0;
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
            bool pass = is(r, "passed"), skip = is(r, "skipped");
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

static int write_junit(const char *dir, struct run *runs, size_t nruns)
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
    return close_report(f, path);
}

/* ---- the report directory --------------------------------------------------- */

/* The private directories of one run, made before anything runs: the test
 * programs' copies (stage) and the new report (fresh, moved into place at the
 * end). The watchdog removes what is left of them. */
static char stage_dir[PATH_MAX], new_report[PATH_MAX];

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    int rc = flag == FTW_DP ? rmdir(path) : unlink(path);
    if (rc != 0 && errno != ENOENT)
        fprintf(stderr, "grade: cannot remove %s: %s\n", path, strerror(errno));
    return 0;
}

/* rm -rf path, never following a link. Returns 0 when path is gone. */
static int remove_tree(const char *path)
{
    struct stat sb;
    if (lstat(path, &sb) != 0)
        return errno == ENOENT ? 0 : -1;
    if (S_ISDIR(sb.st_mode)) {
        chmod(path, 0700);
        nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
    } else {
        unlink(path);
    }
    return lstat(path, &sb) != 0 && errno == ENOENT ? 0 : -1;
}

/* Whether report is a report directory this grader wrote (or nothing yet):
 * results.json, junit.xml, classroom.json and logs/ of plain files, all of
 * them plain files. Anything else (a link, a pre-made results.json.tmp) is
 * not replaced; *why says what it is. */
static bool report_is_ours(const char *report, char *why, size_t len)
{
    struct stat sb;
    if (lstat(report, &sb) != 0)
        return errno == ENOENT || (snprintf(why, len, "%s", strerror(errno)), false);
    if (!S_ISDIR(sb.st_mode)) {
        snprintf(why, len, "it is a %s, not the grader's directory",
                 S_ISLNK(sb.st_mode) ? "symbolic link" : "file");
        return false;
    }
    char logs[PATH_MAX];
    snprintf(logs, sizeof logs, "%s/logs", report);
    const char *dirs[] = {report, logs};
    for (int i = 0; i < 2; i++) {
        DIR *d = opendir(dirs[i]);
        if (!d) {
            if (i == 1 && errno == ENOENT)
                break;
            snprintf(why, len, "%s: %s", dirs[i], strerror(errno));
            return false;
        }
        int dfd = dirfd(d);
        for (struct dirent *e; (e = readdir(d));) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            bool known = i == 1 || strcmp(e->d_name, "results.json") == 0 ||
                         strcmp(e->d_name, "junit.xml") == 0 || strcmp(e->d_name, "classroom.json") == 0;
            bool is_logs = i == 0 && strcmp(e->d_name, "logs") == 0;
            struct stat es;
            if (fstatat(dfd, e->d_name, &es, AT_SYMLINK_NOFOLLOW) != 0 ||
                (is_logs ? !S_ISDIR(es.st_mode) : !(known && S_ISREG(es.st_mode)))) {
                snprintf(why, len, "it holds %s/%s, which grade does not write", dirs[i], e->d_name);
                closedir(d);
                return false;
            }
        }
        closedir(d);
    }
    return true;
}

/* Make sure that what stands at report is a report grade wrote, or nothing:
 * anything else (a file a program planted, a symbolic link, a directory
 * named like grade's temporary files) is moved aside to REPORT.untrusted,
 * and grade says so, so that no forged report is left where the real one
 * goes. Returns 0, or -1 having said why. */
static int report_clear_foreign(const char *report)
{
    char why[PATH_MAX + 100], aside[PATH_MAX];
    if (report_is_ours(report, why, sizeof why))
        return 0;
    snprintf(aside, sizeof aside, "%s.untrusted", report);
    if ((remove_tree(aside) != 0 && errno != ENOENT) || rename(report, aside) != 0) {
        fprintf(stderr, "grade: will not replace %s (%s), and cannot move it aside: %s\n", report, why,
                strerror(errno));
        return -1;
    }
    fprintf(stderr, "grade: %s was not grade's own (%s): moved it to %s\n", report, why, aside);
    return 0;
}

/* Move the new report (new_report) into place at report, and remove the one
 * it replaces. Returns 0, or -1 having said why. */
static int commit_report(const char *report)
{
    if (report_clear_foreign(report) != 0)
        return -1;
    if (renameat2(AT_FDCWD, new_report, AT_FDCWD, report, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EEXIST) {
        fprintf(stderr, "grade: cannot move the report into %s: %s\n", report, strerror(errno));
        return -1;
    }
    if (renameat2(AT_FDCWD, new_report, AT_FDCWD, report, RENAME_EXCHANGE) != 0) {
        fprintf(stderr, "grade: cannot move the report into %s: %s\n", report, strerror(errno));
        return -1;
    }
    if (remove_tree(new_report) != 0) { /* now the previous report */
        fprintf(stderr, "grade: the report is in %s, but its previous copy %s could not be removed\n", report,
                new_report);
        return -1;
    }
    return 0;
}

/* ---- the two modes ----------------------------------------------------------- */

/* Copy every lesson's test program and read its list of tests, before any
 * program under test runs. A lesson that cannot is left with its problem. */
static void prepare_runs(struct run *runs, int n, char **lessons, const char *variant)
{
    for (int i = 0; i < n; i++) {
        char bin[PATH_MAX + 300], *why = NULL;
        runs[i].lesson = lessons[i];
        runs[i].variant = variant;
        if (stage_test_program(stage_dir, lessons[i], bin, sizeof bin, &why) != 0) {
            add_problem(&runs[i], "%s", why);
            free(why);
            continue;
        }
        list_tests(&runs[i], bin);
    }
}

static void staged_bin(const char *lesson, char *path, size_t len)
{
    snprintf(path, len, "%s/%s", stage_dir, lesson);
}

/* Grade one lesson: not run when it does not compile (a log in
 * compile_logs), else run against the programs in bin/LESSON. */
static void grade_lesson(struct run *run, const char *bin, const char *compile_logs, const char *logdir)
{
    char path[PATH_MAX + 300], bindir[PATH_MAX + 300], log[PATH_MAX + 300];
    if (!run->n) /* no list: nothing to grade against */
        return;
    if (compile_logs) {
        snprintf(path, sizeof path, "%s/%s.log", compile_logs, run->lesson);
        char *error = first_compile_error(path);
        if (error) {
            fail_uncompiled(run, error);
            return;
        }
    }
    snprintf(bindir, sizeof bindir, "%s/%s", bin, run->lesson);
    snprintf(log, sizeof log, "%s/%s.log", logdir, run->lesson);
    staged_bin(run->lesson, path, sizeof path);
    run_lesson(run, path, bindir, log, false);
}

/* The command grader's "result" for GitHub Classroom's reporter: base64 of
 * {version, status, max_score, tests: [{name, status, score, message, ...}]},
 * one line "result=..." appended to path ($GITHUB_OUTPUT). The reporter adds
 * up each test's score. Returns 0, or -1 having said why. */
static int write_classroom(const char *path, const char *dir, struct run *runs, int n)
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
            all &= is(&runs[i].r[j], "passed") || is(&runs[i].r[j], "skipped");
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
            bool pass = is(r, "passed");
            fprintf(f, "%s{\"name\": \"%.2s%s: ", sep, runs[i].lesson, is(r, "skipped") ? " [skipped]" : "");
            put_escaped(f, r->desc, true);
            fprintf(
                f,
                "\", \"status\": \"%s\", \"score\": %d, \"max_score\": %d, \"line_no\": %d, \"message\": \"",
                pass || is(r, "skipped") ? "pass" : "fail", pass ? r->points : 0, counted_points(r), r->line);
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

struct options {
    const char *bin, *report, *compile_logs, *classroom;
    bool detail, strict;
};

static int grade_student(const struct options *o, char **lessons, int n)
{
    struct run *runs = xcalloc((size_t)n, sizeof *runs);
    char logdir[PATH_MAX + 10];
    snprintf(logdir, sizeof logdir, "%s/logs", new_report);
    if (mkdir(logdir, 0755) != 0) {
        fprintf(stderr, "grade: cannot make %s: %s\n", logdir, strerror(errno));
        return 1;
    }
    prepare_runs(runs, n, lessons, "student");
    int got = 0, max = 0, complete = 0, skipped = 0;
    const char *failing = NULL; /* the first lesson with a failing test that ran */
    for (int i = 0; i < n; i++) {
        grade_lesson(&runs[i], o->bin, o->compile_logs, logdir);
        print_lesson(&runs[i], o->detail);
        fflush(stdout);
        int g, m;
        score(&runs[i], &g, &m);
        got += g;
        max += m;
        complete += !runs[i].problem && m > 0 && g == m;
        for (size_t j = 0; j < runs[i].n; j++) {
            skipped += is(&runs[i].r[j], "skipped") ? runs[i].r[j].points : 0;
            if (!failing && !is(&runs[i].r[j], "passed") && !is(&runs[i].r[j], "skipped") &&
                !is(&runs[i].r[j], "does not compile"))
                failing = runs[i].lesson;
        }
    }
    bool written = write_results_json(new_report, runs, (size_t)n) == 0 &&
                   write_junit(new_report, runs, (size_t)n) == 0 &&
                   (!o->classroom || write_classroom(o->classroom, new_report, runs, n) == 0);
    if (n > 0 && runs[0].sandbox_note && *runs[0].sandbox_note)
        printf("\n%sNote:%s %s\n", YELLOW, OFF, runs[0].sandbox_note);
    printf("\n%sProgress:%s %d of %d lesson%s complete, %d/%d points (%d%%)", BOLD, OFF, complete, n,
           n == 1 ? "" : "s", got, max, max ? got * 100 / max : 0);
    if (skipped)
        printf("; %d points were skipped here (see the note)", skipped);
    printf(".\n");
    if (failing && !o->detail)
        printf("Each failing test's steps and a command to try it by hand: make grade L=%.2s (one lesson).\n",
               failing);
    fflush(stdout);
    written = written && commit_report(o->report) == 0;
    if (written)
        printf("%sReports: %s/junit.xml, %s/results.json; test logs in %s/logs%s\n", DIM, o->report,
               o->report, o->report, OFF);
    else
        fprintf(stderr, "grade: no report was written (see above)\n");
    bool broken = !written;
    for (int i = 0; i < n; i++) {
        broken |= runs[i].problem != NULL;
        run_free(&runs[i]);
    }
    free(runs);
    return broken || (o->strict && got < max) ? 1 : 0;
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

/* A copy of the listed tests of listed, none run yet, for one variant. */
static struct run clone_run(const struct run *listed, const char *variant)
{
    struct run run = {.lesson = listed->lesson, .variant = variant, .n = listed->n};
    run.r = xcalloc(listed->n ? listed->n : 1, sizeof *run.r);
    for (size_t i = 0; i < listed->n; i++) {
        run.r[i] = listed->r[i];
        run.r[i].name = xstrdup(listed->r[i].name);
        run.r[i].desc = xstrdup(listed->r[i].desc);
        run.r[i].hint = xstrdup(listed->r[i].hint);
        run.r[i].msg = xstrdup(listed->r[i].msg);
    }
    return run;
}

static void selftest_mutants(const struct run *listed, struct tally *t)
{
    const char *lesson = listed->lesson;
    char dir[1024], testbin[PATH_MAX + 300];
    snprintf(dir, sizeof dir, "tests/mutants/%s", lesson);
    staged_bin(lesson, testbin, sizeof testbin);
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
        struct stat sb;
        if (stat(bindir, &sb) != 0 || !S_ISDIR(sb.st_mode)) { /* a missing program would fail every test */
            total++;
            check(t, false, "mutant %s/%s was not built (%s): make test builds it", lesson, name, bindir);
            continue;
        }
        struct run run = clone_run(listed, name);
        run_lesson(&run, testbin, bindir, log, true);
        bool failed = false;
        for (size_t i = 0; i < run.n; i++) /* --fail-fast: the tests after a failure have no result */
            failed |= !is(&run.r[i], "passed") && !is(&run.r[i], "skipped") && !is(&run.r[i], "no result");
        total++;
        caught += failed;
        check(t, failed && !run.problem, "mutant %s/%s passes every test: the suite misses this bug%s%s",
              lesson, name, run.problem ? ": " : "", run.problem ? run.problem : "");
        run_free(&run);
    }
    closedir(d);
    printf("  mutants:  %d/%d caught\n", caught, total);
}

static void selftest_lesson(const struct run *listed, struct tally *t)
{
    const char *lesson = listed->lesson;
    char log[1200], bindir[1024], testbin[PATH_MAX + 300];
    printf("%s%s%s\n", BOLD, lesson, OFF);
    staged_bin(lesson, testbin, sizeof testbin);
    check(t, !listed->problem, "%s: %s", lesson, listed->problem ? listed->problem : "");
    if (listed->problem)
        return;
    check(t, listed->n >= 8, "%s has %zu graded tests; a lesson needs at least 8", lesson, listed->n);

    struct run sol = clone_run(listed, "solution");
    snprintf(log, sizeof log, "build/report/logs/%s-solution.log", lesson);
    snprintf(bindir, sizeof bindir, "build/sol/%s", lesson);
    run_lesson(&sol, testbin, bindir, log, false);
    check(t, !sol.problem, "%s solution: %s", lesson, sol.problem ? sol.problem : "");
    int spass = 0, sskip = 0;
    for (size_t j = 0; j < sol.n; j++) {
        const struct result *r = &sol.r[j];
        if (is(r, "skipped")) {
            sskip++;
            t->skipped++;
            printf("  %sskip%s %s: %s\n", YELLOW, OFF, r->name, r->msg);
            continue;
        }
        spass += is(r, "passed");
        check(t, is(r, "passed"), "solution fails %s (%s): %s\n%s", r->name, r->status, r->desc, r->msg);
    }
    printf("  solution: %d/%zu tests pass", spass, sol.n);
    if (sskip)
        printf(", %d skipped", sskip);
    printf("\n");

    struct run sk = clone_run(listed, "skeleton");
    snprintf(log, sizeof log, "build/report/logs/%s-skeleton.log", lesson);
    snprintf(bindir, sizeof bindir, "build/skel/%s", lesson);
    run_lesson(&sk, testbin, bindir, log, false);
    check(t, !sk.problem, "%s skeleton: %s", lesson, sk.problem ? sk.problem : "");
    int sfail = 0;
    for (size_t j = 0; j < sk.n; j++) {
        const struct result *r = &sk.r[j];
        if (is(r, "skipped")) {
            t->skipped++;
            continue;
        }
        bool failed = !is(r, "passed");
        sfail += failed;
        check(t, failed, "the skeleton passes %s (%s): a test that passes on the skeleton grades nothing",
              r->name, r->desc);
        check(t, strncmp(r->status, "crashed", 7) != 0,
              "the skeleton %s in %s: a skeleton must run without crashing", r->status, r->name);
    }
    printf("  skeleton: %d/%zu tests fail\n", sfail, sk.n);
    run_free(&sol);
    run_free(&sk);
    selftest_mutants(listed, t);
}

static int selftest(char **lessons, int n)
{
    struct tally t = {0};
    mkdir("build/report", 0755);
    mkdir("build/report/logs", 0755);
    struct run *listed = xcalloc((size_t)n, sizeof *listed);
    prepare_runs(listed, n, lessons, "list");
    for (int i = 0; i < n; i++) {
        selftest_lesson(&listed[i], &t);
        run_free(&listed[i]);
    }
    free(listed);
    printf("\ntest: %d passed, %d failed", t.passed, t.failed);
    if (t.skipped)
        printf(", %d skipped", t.skipped);
    printf("\n");
    return t.failed ? 1 : 0;
}

/* ---- the watchdog ---------------------------------------------------------- */

static volatile sig_atomic_t alarm_rang;

static void on_alarm(int sig)
{
    (void)sig;
    alarm_rang = 1;
}

/* Make a private directory "PARENT/.NAME.XXXXXX" next to path into out. */
static int private_dir(const char *path, const char *name, char *out, size_t len)
{
    char copy[PATH_MAX];
    snprintf(copy, sizeof copy, "%s", path);
    char *slash = strrchr(copy, '/');
    const char *parent = slash ? (slash == copy ? "/" : (*slash = '\0', copy)) : ".";
    snprintf(out, len, "%s/.%s.XXXXXX", parent, name);
    return mkdtemp(out) ? 0 : -1;
}

/* Split into a watchdog (this process, which returns only to exit) and the
 * grader (the child, which returns). The watchdog continues a grader that a
 * program stopped, kills one that passes deadline seconds, kills whatever it
 * left running, and says plainly when no report was written. Returns in the
 * child; in the watchdog, exits with the grader's status (1 if it did not end
 * by itself). */
static void watchdog(double deadline, const char *report)
{
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    pid_t child = fork();
    if (child < 0) {
        perror("grade: fork");
        exit(1);
    }
    if (child == 0) {
        prctl(PR_SET_CHILD_SUBREAPER, 1); /* the orphans of the programs under test are ours to kill */
        return;
    }
    struct sigaction sa = {.sa_handler = on_alarm}; /* no SA_RESTART: waitid returns */
    sigaction(SIGALRM, &sa, NULL);
    alarm((unsigned)deadline);
    int rc = 1;
    bool stops_said = false, expired = false;
    for (;;) {
        siginfo_t si = {0};
        if (waitid(P_PID, (id_t)child, &si, WEXITED | WSTOPPED) != 0) {
            if (errno == EINTR && alarm_rang) {
                kill(child, SIGKILL);
                expired = true;
                fprintf(stderr,
                        "grade: grading did not end within %.0f s (a program under test stuck it?); it was "
                        "stopped, and no report was written\n",
                        deadline);
                alarm_rang = 0;
                continue;
            }
            if (errno == EINTR)
                continue;
            break;
        }
        if (si.si_code == CLD_STOPPED || si.si_code == CLD_TRAPPED) {
            if (!stops_said)
                fprintf(stderr, "grade: something stopped the grader (SIG%s); it was continued\n",
                        sigabbrev_np(si.si_status) ? sigabbrev_np(si.si_status) : "?");
            stops_said = true;
            kill(child, SIGCONT);
            continue;
        }
        if (si.si_code == CLD_EXITED)
            rc = si.si_status;
        else if (!expired)
            fprintf(
                stderr,
                "grade: the grader was killed by SIG%s (by a program under test?): no report was written\n",
                sigabbrev_np(si.si_status) ? sigabbrev_np(si.si_status) : "?");
        if (si.si_code != CLD_EXITED && report) { /* no stale report may stand for this run */
            char why[PATH_MAX + 100];
            if (report_is_ours(report, why, sizeof why) && remove_tree(report) == 0)
                fprintf(stderr, "grade: the previous report in %s was removed\n", report);
        }
        break;
    }
    alarm(0);
    kill_descendants(); /* what the grader left running, and their orphans */
    remove_tree(stage_dir);
    if (*new_report && remove_tree(new_report) != 0)
        rc = rc ? rc : 1;
    exit(rc ? rc : 0);
}

static int count_runs(char **lessons, int n, bool self)
{
    int runs = n;
    for (int i = 0; self && i < n; i++) {
        char dir[1024];
        snprintf(dir, sizeof dir, "tests/mutants/%s", lessons[i]);
        DIR *d = opendir(dir);
        runs += 1;
        for (struct dirent *e; d && (e = readdir(d));)
            runs += strstr(e->d_name, ".patch") != NULL;
        if (d)
            closedir(d);
    }
    return runs;
}

static void usage(FILE *to)
{
    fprintf(to, "usage: grade [--bin DIR] [--detail] [--strict] [--report DIR] [--compile-logs DIR]\n"
                "             [--classroom FILE] [--run-as UID:GID] LESSON...\n"
                "       grade --selftest LESSON...\n"
                "Grades each LESSON (e.g. 01-first-socket); see the comment in tools/grade.c.\n");
}

int main(int argc, char **argv)
{
    struct options o = {.bin = "build/lessons", .report = "build/report"};
    bool self = false;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        bool more = i + 1 < argc;
        if (strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--bin") == 0 && more) {
            o.bin = argv[++i];
        } else if (strcmp(argv[i], "--report") == 0 && more) {
            o.report = argv[++i];
        } else if (strcmp(argv[i], "--compile-logs") == 0 && more) {
            o.compile_logs = argv[++i];
        } else if (strcmp(argv[i], "--run-as") == 0 && more) {
            char *end;
            run_uid = strtol(argv[++i], &end, 10);
            run_gid = *end == ':' ? strtol(end + 1, &end, 10) : -1;
            if (*end || run_uid <= 0 || run_gid <= 0 || geteuid() != 0) {
                fprintf(stderr, "grade: --run-as UID:GID (both above 0) needs root\n");
                return 2;
            }
        } else if (strcmp(argv[i], "--classroom") == 0 && more) {
            o.classroom = argv[++i];
        } else if (strcmp(argv[i], "--detail") == 0) {
            o.detail = true;
        } else if (strcmp(argv[i], "--strict") == 0) {
            o.strict = true;
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
    for (int j = i; j < argc; j++)
        if (!argv[j][0] || strchr(argv[j], '/') || argv[j][0] == '.') {
            fprintf(stderr, "grade: '%s' is not a lesson's name (like 01-first-socket)\n", argv[j]);
            return 2;
        }
    color = isatty(1) && !getenv("NO_COLOR");
    const char *env = getenv("SOCKLAB_SLOW");
    double f = env ? strtod(env, NULL) : 1.0;
    slow = f >= 1.0 && f <= 100.0 ? f : 1.0;
    prctl(PR_SET_DUMPABLE, 0); /* programs under test cannot reach our fds */
    signal(SIGPIPE, SIG_IGN);
    signal(SIGXFSZ, SIG_IGN); /* a file size limit fails a write, and we say so */
    mkdir("build", 0755);
    if (private_dir("build/grade", "grade", stage_dir, sizeof stage_dir) != 0) {
        fprintf(stderr, "grade: cannot make a private directory in build/: %s\n", strerror(errno));
        return 1;
    }
    if (run_uid >= 0) /* the test programs' user may run the copies, not change them */
        chmod(stage_dir, 0711);
    if (!self) {
        if (report_clear_foreign(o.report) != 0) {
            remove_tree(stage_dir);
            return 1;
        }
        if (private_dir(o.report, "report", new_report, sizeof new_report) != 0 ||
            chmod(new_report, 0755) != 0) {
            fprintf(stderr, "grade: cannot write a report next to %s: %s\n", o.report, strerror(errno));
            remove_tree(stage_dir);
            return 1;
        }
    }
    int runs = count_runs(argv + i, argc - i, self);
    watchdog(((LESSON_DEADLINE + LIST_DEADLINE) * slow + 30) * runs + 60, self ? NULL : o.report);
    return self ? selftest(argv + i, argc - i) : grade_student(&o, argv + i, argc - i);
}
