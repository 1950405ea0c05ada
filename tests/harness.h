/*
 * harness.h - the socklab grader's test library, shared by every lesson.
 *
 * A lesson's tests live in tests/NN-slug.c. Each test is a script of steps:
 * start the student's program (or a real peer), wait for the line that says
 * it is ready, talk to it over a socket, check what a peer would observe.
 * Every wait has a deadline; nothing sleeps. The student's code never runs
 * inside the test process: programs are started as children, in their own
 * process group, and killed with the whole group when the test ends.
 *
 *   #include "harness.h"
 *
 *   GRADED(tcp_socket, 2, "sockinfo tcp prints one TCP stream socket",
 *          "socket(AF_INET, SOCK_STREAM, 0) returns an fd: see socket(2) and "
 *          "the chapter's section 'Your first socket'.")
 *   {
 *       struct sl_proc *p = sl_run("sockinfo", "tcp", NULL);
 *       sl_expect_exit(p, 0);
 *       sl_expect_contains(sl_out(p), "type=SOCK_STREAM", "sockinfo's output");
 *   }
 *
 * A failing check ends the test with a message that says what was expected,
 * what happened, the steps taken so far and a command to reproduce it. The
 * grader (tools/grade.c) adds the test's hint and the points.
 *
 * See tests/README.md for a walk-through.
 */
#ifndef SOCKLAB_HARNESS_H
#define SOCKLAB_HARNESS_H

#include <criterion/criterion.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* ---- declaring graded tests ------------------------------------------- */

/* What the grader needs to score a test; attached to the Criterion test. */
struct sl_meta {
    int points;       /* 1..10 */
    const char *hint; /* what to read or try next, in the student's words */
    int line;         /* where the test is declared: the report's order */
};

void sl_test_init(void);
void sl_test_fini(void);

/* The backstop deadline of a whole test, in seconds (the harness's own
 * deadlines on every wait normally end a test long before this). */
#define SL_TEST_TIMEOUT 30.0

/* GRADED(name, points, "one-line description", "hint") { body }
 * Declares a graded test of this lesson worth `points`. */
#define GRADED(name, pts, desc, hint_)                                                                       \
    Test(lesson, name, .description = desc, .timeout = SL_TEST_TIMEOUT, .init = sl_test_init,                \
         .fini = sl_test_fini,                                                                               \
         .data = &(struct sl_meta){.points = (pts), .hint = (hint_), .line = __LINE__})

/* ---- steps and failures ------------------------------------------------- */

/* Record a step of the test's script, shown to the student on failure. */
void sl_step(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* End the test as failed: "expected ..., but got ..." with the steps so far.
 * `expected` is plain text; `got_fmt` is a printf format. Each becomes one
 * line of the report (newlines are shown as \n). */
void sl_fail(const char *expected, const char *got_fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));

/* End the test as skipped, saying why (a missing capability, a missing
 * tool). A skip earns no points and is never reported as passed. */
void sl_skip(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* Check cond; on failure, sl_fail(expected, got...). */
#define sl_expect(cond, expected, ...)                                                                       \
    do {                                                                                                     \
        if (!(cond))                                                                                         \
            sl_fail(expected, __VA_ARGS__);                                                                  \
    } while (0)

/* Scale a deadline for slow builds (SOCKLAB_SLOW=N under valgrind/ASan). */
double sl_deadline(double seconds);

/* ---- programs under test ------------------------------------------------ */

struct sl_proc;

/* Start a program with the NULL-terminated arguments. `prog` is a program of
 * the lesson being graded ("sockinfo") or, when the lesson has none of that
 * name, a tool on PATH ("getent", "socat"); a missing tool skips the test
 * with a note to run `make deps`. stdin, stdout and stderr are pipes; the
 * child runs in its own process group, with no other fds open, and dies
 * with the test. Never returns NULL (a failure to start fails the test). */
struct sl_proc *sl_start(const char *prog, ...) __attribute__((sentinel));
struct sl_proc *sl_startv(const char *prog, char *const argv[]);

/* Like sl_start, in the working directory `dir`. */
struct sl_proc *sl_start_in(const char *dir, const char *prog, ...) __attribute__((sentinel));

/* Start a program, close its stdin and wait (default deadline: 5 s) for it
 * to exit. Output is captured; check it with sl_expect_exit and sl_out. */
struct sl_proc *sl_run(const char *prog, ...) __attribute__((sentinel));

/* Wait until the program prints a line containing `needle` on stdout (or
 * on stderr, with sl_wait_err). Returns that line (without '\n'), valid
 * until the proc is freed. Fails the test at the deadline, or if the
 * program exits first, saying what it printed. */
const char *sl_wait_line(struct sl_proc *p, const char *needle, double seconds);
const char *sl_wait_err(struct sl_proc *p, const char *needle, double seconds);

/* Wait for the program to exit; its wait status, as waitpid gives it. At
 * the deadline the whole process group is killed and the test fails as
 * "timed out". */
int sl_wait_exit(struct sl_proc *p, double seconds);

/* Wait (5 s) for exit and check the exit code; a crash fails the test as
 * "crashed (SIGSEGV)", a hang as "timed out". Returns nothing: it passes or
 * fails the test. */
void sl_expect_exit(struct sl_proc *p, int code);

/* Same, but accept any non-zero exit code (not a crash). */
void sl_expect_failure(struct sl_proc *p);

/* Everything the program wrote so far to stdout / stderr ("" if nothing). */
const char *sl_out(struct sl_proc *p);
const char *sl_err(struct sl_proc *p);

/* Write to the program's stdin (all of it); close its stdin. */
void sl_write(struct sl_proc *p, const char *text);
void sl_close_stdin(struct sl_proc *p);

/* Send a signal to the program's whole process group. */
void sl_signal(struct sl_proc *p, int sig);

pid_t sl_pid(const struct sl_proc *p);

/* The command line as a student would paste it from the repository root. */
const char *sl_cmdline(const struct sl_proc *p);

/* ---- checks of what a program printed ----------------------------------- */

/* Fail unless `text` contains `needle`; `what` names the text
 * ("sockinfo's output"). */
void sl_expect_contains(const char *text, const char *needle, const char *what);
void sl_expect_not_contains(const char *text, const char *needle, const char *what);

/* Fail unless stderr holds exactly one non-empty line (a one-line error). */
void sl_expect_one_line_error(struct sl_proc *p);

/* Wait (5 s) for the program to exit with `code` after one line on stderr
 * that contains `needle` (the bad argument it names): how every program
 * reports a usage error (code 2) or a runtime error (code 1). */
void sl_expect_error(struct sl_proc *p, int code, const char *needle);

/* The value of "key=" in a line of space-separated key=value fields ("fd=3
 * kind=tcp ..."), up to the next space, copied into buf; NULL if the line
 * has no such field. */
const char *sl_field(const char *line, const char *key, char *buf, size_t len);

/* The first line of `text` that contains `needle` (copied into buf), or
 * NULL. */
const char *sl_find_line(const char *text, const char *needle, char *buf, size_t len);

/* Count the lines of `text` that contain `needle`. */
int sl_count_lines(const char *text, const char *needle);

/* ---- hygiene ------------------------------------------------------------- */

/* The number of open fds of a live program (/proc/PID/fd), or -1. */
int sl_fd_count(const struct sl_proc *p);

/* The number of zombie children the program has not reaped. */
int sl_zombie_count(const struct sl_proc *p);

/* What the live program's fd points at (/proc/PID/fd/FD: "socket:[40331]",
 * "pipe:[...]", a path), copied into buf; NULL if it has no such fd. */
const char *sl_fd_target(const struct sl_proc *p, int fd, char *buf, size_t len);

/* How many sockets the live program holds (from /proc/PID/fd); when desc is
 * not NULL, they are listed there as "3=socket:[40331] 4=...". */
int sl_socket_count(const struct sl_proc *p, char *desc, size_t len);

/* Wait until the program sleeps (state S in /proc/PID/stat: blocked in a
 * read, accept or poll), so that what /proc shows cannot change until the
 * test acts. Fails if it exits first or is still running at the deadline.
 * (No event tells "blocked", so this polls /proc every millisecond.) */
void sl_wait_blocked(struct sl_proc *p, double seconds);

/* ---- sockets, as a peer ---------------------------------------------------*/

/* A TCP port on loopback that nothing listens on right now (bind port 0,
 * read it back, close). Programs should take port 0 and say which port
 * they got; use this only where a test needs to name a port first. */
int sl_free_port(void);

/* Connect over TCP to host:port (numeric) within the deadline: call it
 * after the server's ready line, since a refused connection fails the test
 * at once. Returns the fd (blocking, close-on-exec); fails the test if the
 * connection is refused or not made by the deadline. */
int sl_tcp_connect(const char *host, int port, double seconds);

/* Parse the last number after `key` in a line ("port 41234" -> 41234 with
 * key "port "); -1 if there is none. */
long sl_number_after(const char *line, const char *key);

/* ---- the sandbox --------------------------------------------------------- */

/* True when the tests run in a private user + network namespace (the
 * student's code cannot reach the real network; raw sockets work). */
bool sl_sandboxed(void);

/* Why the tests are not sandboxed ("" when they are). */
const char *sl_sandbox_note(void);

/* Give this test a private /etc/hosts with `content` (its own mount
 * namespace); programs started afterwards see it. Skips the test when
 * the sandbox is not available. */
void sl_private_hosts(const char *content);

/* A fresh directory for this test, removed when it ends. */
const char *sl_tmpdir(void);

#endif
