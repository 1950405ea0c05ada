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
 * grader (tools/grade/) adds the test's hint and the points.
 *
 * See tests/README.md for a walk-through.
 */
#ifndef SOCKLAB_HARNESS_H
#define SOCKLAB_HARNESS_H

#include <criterion/criterion.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/resource.h>
#include <sys/socket.h>
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

/* End the test as failed: "expected ..., but got ..." with the steps so far
 * and the line of the test that failed ("at: tests/03-bind-and-ports.c:212").
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

/* For the harness's own selftest: run check() in a child of the test, as if
 * it were a test of its own, within the deadline. The report its failure
 * would show (keyed lines: expected:, got:, step:, try:, wire:), as a new
 * string; NULL when it passed (or skipped). */
char *sl_report_of(void (*check)(void), double seconds);

/* Scale a deadline for slow builds (SOCKLAB_SLOW=N under valgrind/ASan). */
double sl_deadline(double seconds);

/* The monotonic clock (CLOCK_MONOTONIC), in seconds. */
double sl_now(void);

/* ---- programs under test ------------------------------------------------ */

struct sl_proc;

/* How to start a program: sl_startx(&(struct sl_opts){.prog = ..., ...}).
 * Every field but prog may be left out. */
struct sl_limit {
    bool set;
    int resource; /* RLIMIT_NOFILE, RLIMIT_AS ... */
    rlim_t soft, hard;
};
#define SL_MAX_LIMITS 4
struct sl_opts {
    /* A program of the lesson being graded ("listener"), found only in its
     * build directory ($SOCKLAB_BIN); or a real peer listed in
     * tests/peers.txt ("socat"), found on PATH; or a path ("/bin/cat"). */
    const char *prog;
    const char *const *args;               /* the arguments after the name: SL_ARGS("127.0.0.1", "0") */
    const char *const *env;                /* added to the environment: SL_ARGS("LD_PRELOAD=...") */
    const char *dir;                       /* working directory (default: the test's) */
    const char *stdin_file;                /* stdin from this file (default: a pipe, see sl_write) */
    bool stdin_closed;                     /* no fd 0 at all, as the shell's <&- (default: a pipe) */
    struct sl_limit limits[SL_MAX_LIMITS]; /* {SL_LIMIT(RLIMIT_NOFILE, 64)}: only lower the sandbox's */
    unsigned long long keep_caps;          /* capabilities to keep: 1ULL << CAP_NET_RAW */
    /* Faults in the program's socket I/O: "seed=7,short=0.5,eintr=0.2"
     * preloads build/tools/faultio.so (tools/preload/faultio.c lists the
     * keys: seed, short, eintr, eagain, after, on, log, emfile, leaks:
     * "leaks=1" with sl_expect_no_leaks). */
    const char *faults;
};
/* A NULL-terminated list of strings, for .args and .env. */
#define SL_ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})
/* A resource limit for .limits: soft and hard both `value`. */
#define SL_LIMIT(res, value)                                                                                 \
    {                                                                                                        \
        .set = true, .resource = (res), .soft = (value), .hard = (value)                                     \
    }

/* Start a program as opts says. stdout and stderr are pipes that the
 * harness drains all the time (see "The I/O loop" in tests/README.md); the
 * child runs in its own process group, with no other fds open, and dies
 * with the test. A missing peer skips the test ("run make deps"); a missing
 * lesson program fails it ("was not built"). Never returns NULL. */
struct sl_proc *sl_startx(const struct sl_opts *opts);

/* Short forms: sl_start(prog, args..., NULL) and sl_startv(prog, argv),
 * argv[0] being the program's name. */
struct sl_proc *sl_start(const char *prog, ...) __attribute__((sentinel));
struct sl_proc *sl_startv(const char *prog, char *const argv[]);

/* Start a program, close its stdin and wait (default deadline: 5 s) for it
 * to exit. Output is captured; check it with sl_expect_exit and sl_out. */
struct sl_proc *sl_run(const char *prog, ...) __attribute__((sentinel));

/* Wait until the program prints a line containing `needle` on stdout (or
 * on stderr, with sl_wait_err). Returns that line (without '\n'), valid
 * until the next wait on that program. Fails the test at the deadline, or
 * if the program exits first, saying what it printed. */
const char *sl_wait_line(struct sl_proc *p, const char *needle, double seconds);
const char *sl_wait_err(struct sl_proc *p, const char *needle, double seconds);

/* Wait for a line containing `needle` that ends in ":PORT" (an address
 * "listening on 127.0.0.1:41234", "[::1]:41234"); returns PORT (1-65535)
 * and, when line is not NULL, the line. Fails on a port 0 or none. */
int sl_wait_port(struct sl_proc *p, const char *needle, double seconds, const char **line);

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

/* Everything the program wrote so far to stdout / stderr ("" if nothing).
 * Up to 32 MiB are kept in full; of a flood, the first megabyte and the
 * latest 16 MiB at least, with a line saying how many bytes between them
 * were not kept. */
const char *sl_out(struct sl_proc *p);
const char *sl_err(struct sl_proc *p);

/* Write to the program's stdin, all of it, while draining every program's
 * output (a program that echoes what it reads never blocks the test); fails
 * if the program stops reading for 5 s or exits first. sl_write writes a
 * string, sl_write_bytes len bytes. */
void sl_write(struct sl_proc *p, const char *text);
void sl_write_bytes(struct sl_proc *p, const void *data, size_t len);
void sl_close_stdin(struct sl_proc *p);

/* The next len bytes the program writes on stdout (its stdout as a byte
 * stream, read apart from sl_wait_line's lines), into buf; fails if they do
 * not come by the deadline. sl_expect_out checks they are exactly `data`,
 * naming the first byte that differs. */
void sl_read_out(struct sl_proc *p, void *buf, size_t len, double seconds);
void sl_expect_out(struct sl_proc *p, const void *data, size_t len, double seconds);

/* The hostile peer, build/tools/peer (tools/peer.c: `peer --help`),
 * started like sl_start: sl_peer("listen", "127.0.0.1", "0", "reset", NULL)
 * or sl_peer("-s", "hello", "connect", "::1", port_text, "trickle", NULL).
 * Its stdout is the bytes it received; stderr its ready line and, at the
 * end, "peer: sent N bytes, received M bytes, then end of file" (or "then a
 * reset"). sl_peer_ready waits for the ready line and returns the port in
 * it: the one it listens on (listen), or its own (connect, udp). */
struct sl_proc *sl_peer(const char *arg, ...) __attribute__((sentinel));
int sl_peer_ready(struct sl_proc *p, double seconds);

/* The path of a course test tool (build/tools/NAME) as a student would
 * type it: for .prog, or an argument. Fails the test if it was not built. */
const char *sl_tool(const char *name);

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

/* Fail if the program, started with .faults = "leaks=1" and ended (exit or
 * return from main), kept a getaddrinfo result or a getline buffer it never
 * gave back: faultio says so on its stderr at exit. */
void sl_expect_no_leaks(struct sl_proc *p);

/* Iterate over the lines of text: copies the line at *cursor (without its
 * '\n', cut to len) into buf and moves *cursor past it; NULL at the end.
 *   for (const char *s = text, *l; (l = sl_next_line(&s, buf, sizeof buf));) */
const char *sl_next_line(const char **cursor, char *buf, size_t len);

/* The value of "key=" in a line of space-separated key=value fields ("fd=3
 * kind=tcp ..."), up to the next space, copied into buf; NULL if the line
 * has no such field. */
const char *sl_field(const char *line, const char *key, char *buf, size_t len);

/* The value of the line "KEY   VALUE" of text (KEY its first word, VALUE
 * the rest after the spaces), copied into buf; NULL if no line starts so. */
const char *sl_line_value(const char *text, const char *key, char *buf, size_t len);

/* The first line of `text` that contains `needle` (copied into buf), or
 * NULL. */
const char *sl_find_line(const char *text, const char *needle, char *buf, size_t len);

/* Count the lines of `text` that contain `needle`. */
int sl_count_lines(const char *text, const char *needle);

/* Parse the last number after `key` in a line ("port 41234" -> 41234 with
 * key "port "); -1 if there is none. */
long sl_number_after(const char *line, const char *key);

/* The port of "ADDR:PORT" ("127.0.0.1:41234", "[::1]:41234"), or -1. */
long sl_addr_port(const char *addr);

/* ---- hygiene ------------------------------------------------------------- */

/* The number of open fds of a live program (/proc/PID/fd), or -1. */
int sl_fd_count(const struct sl_proc *p);

/* The number of zombie children the program has not reaped. */
int sl_zombie_count(const struct sl_proc *p);

/* Wait until the program has no child process left, running or zombie (a
 * forking server whose clients are all done, each child reaped), polling
 * /proc every millisecond. Returns 0, or at the deadline the number of
 * children it still has (sl_zombie_count says how many are unreaped). */
int sl_wait_reaped(struct sl_proc *p, double seconds);

/* What the live program's fd points at (/proc/PID/fd/FD: "socket:[40331]",
 * "pipe:[...]", a path), copied into buf; NULL if it has no such fd. */
const char *sl_fd_target(const struct sl_proc *p, int fd, char *buf, size_t len);

/* How many sockets the live program holds (from /proc/PID/fd); when desc is
 * not NULL, they are listed there as "3=socket:[40331] 4=...". */
int sl_socket_count(const struct sl_proc *p, char *desc, size_t len);

/* The file status flags of the live program's fd (the "flags:" line of
 * /proc/PID/fdinfo/FD: O_RDWR, O_NONBLOCK, O_CLOEXEC ...), or -1 if it has
 * no such fd. */
long sl_fd_flags(const struct sl_proc *p, int fd);

/* The live program's soft and hard limit called `name` in /proc/PID/limits
 * ("Max open files"); "unlimited" reads as RLIM_INFINITY. Returns 0, or -1
 * if there is no such line. */
int sl_proc_limit(const struct sl_proc *p, const char *name, unsigned long long *soft,
                  unsigned long long *hard);

/* Wait until the program sleeps (state S in /proc/PID/stat: blocked in a
 * read, accept or poll), so that what /proc shows cannot change until the
 * test acts. Fails if it exits first or is still running at the deadline.
 * (No event tells "blocked", so this polls /proc every millisecond.) */
void sl_wait_blocked(struct sl_proc *p, double seconds);

/* ---- sockets, as a peer ---------------------------------------------------
 * Hosts are numeric ("127.0.0.1", "::1"). Every fd returned is blocking and
 * close-on-exec; every wait below keeps draining the programs' output and
 * fails at its deadline with what was expected and what came. */

/* A TCP port on loopback that nothing listens on right now (bind port 0,
 * read it back, close). Programs should take port 0 and say which port
 * they got; use this only where a test needs to name a port first. */
int sl_free_port(void);

/* The loopback address 127.0.0.N (N 1-254) as text: each test may use
 * several (127.0.0.1, 127.0.0.2 ...), all on lo. */
const char *sl_loopback(int n);

/* Skip the test unless IPv6 loopback (::1) works here. */
void sl_need_ipv6(void);

/* The ephemeral port range of this network namespace. */
void sl_port_range(int *low, int *high);

/* The local / remote port of a socket (getsockname / getpeername). */
int sl_local_port(int fd);
int sl_remote_port(int fd);

/* Connect over TCP to host:port. sl_tcp_connect fails the test if the
 * connection is refused or not made by the deadline; sl_tcp_try_connect
 * returns -1 with errno set (ECONNREFUSED when nothing listens there). */
int sl_tcp_connect(const char *host, int port, double seconds);
int sl_tcp_try_connect(const char *host, int port, double seconds);

/* Listen on host, port 0 (the kernel picks); the port into *port. */
int sl_tcp_listen(const char *host, int *port);

/* Accept one connection on a listening fd within the deadline. */
int sl_tcp_accept(int lfd, double seconds);

/* A UDP socket bound to host, port 0 (its port into *port, if not NULL);
 * with sl_udp_connect, connected to host:port as well. */
int sl_udp_bind(const char *host, int *port);
int sl_udp_connect(const char *host, int port);

/* Send one datagram on a connected UDP socket and wait for one reply:
 * its length (copied into reply, cut to cap), or -1 if none came by the
 * deadline (a loss is for the test to judge). */
ssize_t sl_udp_exchange(int fd, const void *msg, size_t len, void *reply, size_t cap, double seconds);

/* One datagram within the deadline: its length, or -1 if none came. */
ssize_t sl_udp_recv(int fd, void *buf, size_t cap, double seconds);

/* Unix domain sockets at path (SOCK_STREAM, SOCK_DGRAM or SOCK_SEQPACKET):
 * listen (bound there), or connect to a listener there. */
int sl_unix_listen(const char *path, int type);
int sl_unix_connect(const char *path, int type, double seconds);

/* Write all len bytes on a socket (short writes and EINTR handled); fails
 * if the peer resets, or takes no byte for `seconds` (a deadline on
 * progress, so that 10 MiB and 10 bytes take the same argument). */
void sl_send(int fd, const void *data, size_t len, double seconds);

/* Read exactly len bytes; fails on end of file, a reset, or no byte for
 * `seconds`, saying how many bytes came. sl_expect_recv checks they are
 * exactly `data`, naming the first byte that differs. */
void sl_recv_exact(int fd, void *buf, size_t len, double seconds);
void sl_expect_recv(int fd, const void *data, size_t len, double seconds);

/* Expect the peer (`who`, "echo_server") to close the connection: end of
 * file within the deadline, any bytes before it ignored; or to reset it
 * (ECONNRESET: it closed with unread data, or SO_LINGER 0). */
void sl_expect_eof(int fd, const char *who, double seconds);
void sl_expect_reset(int fd, const char *who, double seconds);

/* The state of the TCP socket from local to remote ("127.0.0.1:41234",
 * "[::1]:41234"; a listener's remote is "0.0.0.0:0" or "[::]:0") in the
 * kernel's table as `ss -tan` lists it, in RFC 793's words ("ESTABLISHED",
 * "TIME-WAIT", "LISTEN"), into buf; NULL if there is no such socket. */
const char *sl_tcp_state(const char *local, const char *remote, char *buf, size_t len);

/* ---- the sandbox --------------------------------------------------------- */

/* True when the tests run in a private user + network namespace (the
 * student's code cannot reach the real network; raw sockets work). */
bool sl_sandboxed(void);

/* Why the tests are not sandboxed ("" when they are). */
const char *sl_sandbox_note(void);

/* Outside the sandbox, in a throwaway container that grade --host-loopback
 * vouches for (Gradescope's: root, no user namespaces, nothing else on its
 * loopback): take this machine's loopback for a test that needs raw
 * sockets and a capture of lo, but no network settings of its own. True
 * once the test holds it: alone (no other such test runs until this one
 * ends), with CAP_NET_RAW to give (keep_caps) and the wire captured. False
 * in the sandbox and wherever grade did not vouch for the machine.
 *   if (!sl_sandboxed() && !sl_host_loopback()) sl_skip("needs the sandbox: %s", sl_sandbox_note()); */
bool sl_host_loopback(void);

/* Give this test a private /etc/hosts with `content` (its own mount
 * namespace); programs started afterwards see it. Skips the test when
 * the sandbox is not available. */
void sl_private_hosts(const char *content);

/* Give this test the names of tests/hosts.txt (the one table of names the
 * tests resolve from /etc/hosts). In the sandbox: a private /etc/hosts of
 * localhost and the table, as sl_private_hosts. Without it: the real
 * /etc/hosts, if it is root's and holds exactly the table's lines for the
 * table's names (Gradescope's run_autograder puts them there); the grader
 * never writes it. Otherwise skips the test, saying why. */
void sl_hosts_table(void);

/* A fresh directory for this test, removed when it ends. */
const char *sl_tmpdir(void);

/* ---- UDP, the test as a server ------------------------------------------
 * (added with lesson 06) */

/* One datagram within the deadline, and who sent it (to answer it with
 * sendto): its full length (MSG_TRUNC: more than cap if it was cut), the
 * sender into *from, and when `when` is not NULL the time the kernel
 * received it (SIOCGSTAMP) on sl_now()'s clock, so that a test measures
 * a sender's pacing without its own delays; -1 if none came. */
ssize_t sl_udp_recvfrom(int fd, void *buf, size_t cap, struct sockaddr_storage *from, double *when,
                        double seconds);

/* ---- the wire ------------------------------------------------------------ */

/* Save what the test's loopback carried so far (the packets the wire
 * capture keeps: the last 512, 256 bytes of each) as a classic pcap file
 * at path, for tshark -r to decode beside a program's own reading. Returns
 * how many packets it holds. Skips the test when there is no capture (no
 * sandbox); fails it when the file cannot be written. */
int sl_wire_save(const char *path);

/* ---- where a failure happened --------------------------------------------
 * Each call that can fail the test first notes the test's own file and
 * line, which the report shows ("at: tests/03-bind-and-ports.c:212") and
 * Criterion's log points to. The harness's own files are built with
 * SL_HARNESS_INTERNAL and call the functions themselves. */
void sl_here(const char *file, int line);
#ifndef SL_HARNESS_INTERNAL
#define SL_AT_(call) (sl_here(__FILE__, __LINE__), call)
#define sl_fail(...) SL_AT_(sl_fail(__VA_ARGS__))
#define sl_skip(...) SL_AT_(sl_skip(__VA_ARGS__))
#define sl_startx(...) SL_AT_(sl_startx(__VA_ARGS__))
#define sl_start(...) SL_AT_(sl_start(__VA_ARGS__))
#define sl_startv(...) SL_AT_(sl_startv(__VA_ARGS__))
#define sl_run(...) SL_AT_(sl_run(__VA_ARGS__))
#define sl_peer(...) SL_AT_(sl_peer(__VA_ARGS__))
#define sl_peer_ready(...) SL_AT_(sl_peer_ready(__VA_ARGS__))
#define sl_tool(...) SL_AT_(sl_tool(__VA_ARGS__))
#define sl_wait_line(...) SL_AT_(sl_wait_line(__VA_ARGS__))
#define sl_wait_err(...) SL_AT_(sl_wait_err(__VA_ARGS__))
#define sl_wait_port(...) SL_AT_(sl_wait_port(__VA_ARGS__))
#define sl_wait_exit(...) SL_AT_(sl_wait_exit(__VA_ARGS__))
#define sl_expect_exit(...) SL_AT_(sl_expect_exit(__VA_ARGS__))
#define sl_expect_failure(...) SL_AT_(sl_expect_failure(__VA_ARGS__))
#define sl_write(...) SL_AT_(sl_write(__VA_ARGS__))
#define sl_write_bytes(...) SL_AT_(sl_write_bytes(__VA_ARGS__))
#define sl_read_out(...) SL_AT_(sl_read_out(__VA_ARGS__))
#define sl_expect_out(...) SL_AT_(sl_expect_out(__VA_ARGS__))
#define sl_expect_contains(...) SL_AT_(sl_expect_contains(__VA_ARGS__))
#define sl_expect_not_contains(...) SL_AT_(sl_expect_not_contains(__VA_ARGS__))
#define sl_expect_one_line_error(...) SL_AT_(sl_expect_one_line_error(__VA_ARGS__))
#define sl_expect_error(...) SL_AT_(sl_expect_error(__VA_ARGS__))
#define sl_expect_no_leaks(...) SL_AT_(sl_expect_no_leaks(__VA_ARGS__))
#define sl_socket_count(...) SL_AT_(sl_socket_count(__VA_ARGS__))
#define sl_wait_blocked(...) SL_AT_(sl_wait_blocked(__VA_ARGS__))
#define sl_free_port(...) SL_AT_(sl_free_port(__VA_ARGS__))
#define sl_need_ipv6(...) SL_AT_(sl_need_ipv6(__VA_ARGS__))
#define sl_port_range(...) SL_AT_(sl_port_range(__VA_ARGS__))
#define sl_local_port(...) SL_AT_(sl_local_port(__VA_ARGS__))
#define sl_remote_port(...) SL_AT_(sl_remote_port(__VA_ARGS__))
#define sl_tcp_connect(...) SL_AT_(sl_tcp_connect(__VA_ARGS__))
#define sl_tcp_try_connect(...) SL_AT_(sl_tcp_try_connect(__VA_ARGS__))
#define sl_tcp_listen(...) SL_AT_(sl_tcp_listen(__VA_ARGS__))
#define sl_tcp_accept(...) SL_AT_(sl_tcp_accept(__VA_ARGS__))
#define sl_udp_bind(...) SL_AT_(sl_udp_bind(__VA_ARGS__))
#define sl_udp_connect(...) SL_AT_(sl_udp_connect(__VA_ARGS__))
#define sl_udp_exchange(...) SL_AT_(sl_udp_exchange(__VA_ARGS__))
#define sl_udp_recv(...) SL_AT_(sl_udp_recv(__VA_ARGS__))
#define sl_unix_listen(...) SL_AT_(sl_unix_listen(__VA_ARGS__))
#define sl_unix_connect(...) SL_AT_(sl_unix_connect(__VA_ARGS__))
#define sl_send(...) SL_AT_(sl_send(__VA_ARGS__))
#define sl_recv_exact(...) SL_AT_(sl_recv_exact(__VA_ARGS__))
#define sl_expect_recv(...) SL_AT_(sl_expect_recv(__VA_ARGS__))
#define sl_expect_eof(...) SL_AT_(sl_expect_eof(__VA_ARGS__))
#define sl_expect_reset(...) SL_AT_(sl_expect_reset(__VA_ARGS__))
#define sl_tcp_state(...) SL_AT_(sl_tcp_state(__VA_ARGS__))
#define sl_private_hosts(...) SL_AT_(sl_private_hosts(__VA_ARGS__))
#define sl_hosts_table(...) SL_AT_(sl_hosts_table(__VA_ARGS__))
#define sl_tmpdir(...) SL_AT_(sl_tmpdir(__VA_ARGS__))
#define sl_udp_recvfrom(...) SL_AT_(sl_udp_recvfrom(__VA_ARGS__))
#define sl_wire_save(...) SL_AT_(sl_wire_save(__VA_ARGS__))
#define sl_wait_reaped(...) SL_AT_(sl_wait_reaped(__VA_ARGS__))
#endif

#endif
