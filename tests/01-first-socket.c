#define _GNU_SOURCE
/*
 * 01-first-socket.c - the graded tests of lesson 01: sockinfo.
 *
 * sockinfo prints one line per socket:
 *   fd=3 kind=tcp domain=AF_INET type=SOCK_STREAM protocol=IPPROTO_TCP inode=socket:[40331]
 * The tests check those lines, and with --hold they read /proc/PID/fd of
 * the running program themselves and compare what the kernel says with
 * what sockinfo printed. The harness starts every program with only fds 0,
 * 1 and 2 open, so its first socket is fd 3.
 *
 * The tests follow the exercise's five steps (TODO 1 socket, 2 getsockopt,
 * 3 readlink, 4 setrlimit, 5 EMFILE): each test needs the steps up to its
 * own and no later one, so every step turns more of them green (the
 * chapter's grading table says which). Argument parsing is given code, so
 * no test checks usage alone (it would pass on the skeleton and grade
 * nothing): the usage rules are checked inside kinds_checked_first,
 * usage_rules and exhaust_bounds, after a valid boundary that needs socket
 * code (all KINDs, --reuse with exactly 3, --exhaust=4).
 */
#include "harness.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <sys/resource.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_SOCKS 16

/* One "fd=..." line of sockinfo's output, split into its fields. */
struct sock_line {
    long fd;
    char kind[32], domain[32], type[32], protocol[32], inode[64];
    char text[256];
};

/* The socket lines ("fd=N ...") of text, in order, into out; how many. A
 * line that is not one, after "closed" for example, is skipped. */
static int socket_lines(const char *text, struct sock_line *out, int max)
{
    int n = 0;
    for (const char *s = text; n < max && sl_next_line(&s, out[n].text, sizeof out[n].text);) {
        struct sock_line *l = &out[n];
        char fd[32];
        if (strncmp(l->text, "fd=", 3) == 0 && sl_field(l->text, "fd=", fd, sizeof fd)) {
            char *end;
            l->fd = strtol(fd, &end, 10);
            if (*end != '\0' || end == fd)
                l->fd = -1;
            if (!sl_field(l->text, "kind=", l->kind, sizeof l->kind))
                l->kind[0] = '\0';
            if (!sl_field(l->text, "domain=", l->domain, sizeof l->domain))
                l->domain[0] = '\0';
            if (!sl_field(l->text, "type=", l->type, sizeof l->type))
                l->type[0] = '\0';
            if (!sl_field(l->text, "protocol=", l->protocol, sizeof l->protocol))
                l->protocol[0] = '\0';
            if (!sl_field(l->text, "inode=", l->inode, sizeof l->inode))
                l->inode[0] = '\0';
            n++;
        }
    }
    return n;
}

/* Fail unless the output holds exactly `want` socket lines; parse them. */
static void expect_socket_lines(struct sl_proc *p, struct sock_line *out, int want)
{
    int n = socket_lines(sl_out(p), out, MAX_SOCKS);
    char expected[96];
    snprintf(expected, sizeof expected, "%d line(s) starting with \"fd=\", one per socket", want);
    sl_expect(n == want, expected, "%d such line(s) in: %s", n, *sl_out(p) ? sl_out(p) : "(nothing)");
}

/* Fail unless l is a line of this kind at this fd (-1: any fd). */
static void expect_kind_at(const struct sock_line *l, long fd, const char *kind)
{
    char want[96];
    snprintf(want, sizeof want, "fd=%ld kind=%s", fd, kind);
    sl_expect((fd < 0 || l->fd == fd) && strcmp(l->kind, kind) == 0, want, "%s", l->text);
}

/* Fail unless l shows a socket with these names (what getsockopt read). */
static void expect_socket(const struct sock_line *l, const char *kind, const char *domain, const char *type,
                          const char *protocol)
{
    char want[256];
    snprintf(want, sizeof want, "a %s line with kind=%s domain=%s type=%s protocol=%s", kind, kind, domain,
             type, protocol);
    sl_expect(strcmp(l->kind, kind) == 0 && strcmp(l->domain, domain) == 0 && strcmp(l->type, type) == 0 &&
                  strcmp(l->protocol, protocol) == 0,
              want, "%s", l->text);
}

/* Fail unless l's inode field looks like socket:[NUMBER]. */
static void expect_inode(const struct sock_line *l)
{
    unsigned long ino;
    char end;
    sl_expect(sscanf(l->inode, "socket:[%lu%c", &ino, &end) == 2 && end == ']',
              "inode=socket:[NUMBER], the link /proc/self/fd/FD points to", "inode=%s in: %s",
              l->inode[0] ? l->inode : "(no inode field)", l->text);
}

/* Fail unless the live program holds exactly fds 0, 1, 2 and the n
 * sockets fds[0..n-1]: each a socket, open read-write and close-on-exec
 * (as /proc/PID/fdinfo says), and no other fd. */
static void expect_holds(struct sl_proc *p, const long *fds, int n)
{
    sl_step("read /proc/%d/fd and /proc/%d/fdinfo while sockinfo waits", (int)sl_pid(p), (int)sl_pid(p));
    for (int i = 0; i < n; i++) {
        char link[128];
        if (!sl_fd_target(p, (int)fds[i], link, sizeof link) || strncmp(link, "socket:[", 8) != 0)
            sl_fail("a socket on each fd sockinfo printed", "/proc/%d/fd/%ld is %s", (int)sl_pid(p), fds[i],
                    sl_fd_target(p, (int)fds[i], link, sizeof link) ? link : "not open");
        long flags = sl_fd_flags(p, (int)fds[i]);
        sl_expect(flags >= 0 && (flags & O_CLOEXEC) && (flags & O_ACCMODE) == O_RDWR,
                  "the socket close-on-exec (O_CLOEXEC) and read-write in /proc/PID/fdinfo",
                  "fd %ld has flags 0%lo%s", fds[i], flags,
                  flags >= 0 && !(flags & O_CLOEXEC)
                      ? " (no O_CLOEXEC: was SOCK_CLOEXEC or'ed into the type?)"
                      : "");
    }
    char desc[1024];
    int held = sl_socket_count(p, desc, sizeof desc);
    sl_expect(held == n, "sockinfo to hold exactly the sockets it printed",
              "%d sockets printed, but %d held: %s", n, held, desc[0] ? desc : "(none)");
    int open = sl_fd_count(p);
    sl_expect(open == 3 + n, "exactly 3 + sockets fds open (stdin, stdout, stderr and the sockets)",
              "%d fds open in /proc/%d/fd", open, (int)sl_pid(p));
}

/* Fail unless each printed line's fd, in the live program, links to the
 * inode the line printed. */
static void expect_proc_agrees(struct sl_proc *p, const struct sock_line *lines, int n)
{
    sl_step("read /proc/%d/fd while sockinfo holds its sockets", (int)sl_pid(p));
    for (int i = 0; i < n; i++) {
        char link[128];
        if (!sl_fd_target(p, (int)lines[i].fd, link, sizeof link))
            sl_fail("/proc/PID/fd/FD to exist for each fd sockinfo printed",
                    "no fd %ld in /proc/%d/fd (line: %s)", lines[i].fd, (int)sl_pid(p), lines[i].text);
        sl_expect(strcmp(link, lines[i].inode) == 0, "what sockinfo printed to match /proc",
                  "sockinfo printed inode=%s for fd %ld, but /proc/%d/fd/%ld -> %s", lines[i].inode,
                  lines[i].fd, (int)sl_pid(p), lines[i].fd, link);
    }
}

/* Fail unless the n lines show n different inodes. */
static void expect_distinct_inodes(const struct sock_line *l, int n)
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < i; j++)
            sl_expect(strcmp(l[i].inode, l[j].inode) != 0, "a different inode for each socket",
                      "fd %ld and fd %ld both show inode=%s", l[j].fd, l[i].fd, l[i].inode);
}

/* Wait until sockinfo says it holds its sockets and sleeps reading stdin:
 * from then on what /proc shows is what it holds. */
static void wait_holding(struct sl_proc *p)
{
    sl_wait_line(p, "holding", 5);
    sl_wait_blocked(p, 5);
}

/* Close the program's stdin and expect a clean exit. */
static void release(struct sl_proc *p)
{
    sl_step("closed sockinfo's stdin");
    sl_close_stdin(p);
    sl_expect_exit(p, 0);
}

/* Fail unless the program failed as a usage error: exit 2, one line on
 * stderr that contains `names`, and no socket line on stdout. */
static void expect_usage_error(struct sl_proc *p, const char *names)
{
    sl_expect_error(p, 2, names);
    sl_expect_not_contains(sl_out(p), "fd=", "sockinfo's output after a usage error");
}

/* Whether this machine can make IPv6 sockets. */
static bool have_ipv6(void)
{
    int probe = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (probe < 0)
        return false;
    close(probe);
    return true;
}

/* sockinfo --exhaust=... started under a soft and a hard RLIMIT_NOFILE the
 * test chose. */
static struct sl_proc *start_exhaust(const char *arg, bool hold, rlim_t soft, rlim_t hard)
{
    struct sl_opts o = {.prog = "sockinfo",
                        .args = hold ? SL_ARGS("--hold", arg) : SL_ARGS(arg),
                        .limits = {{.set = true, .resource = RLIMIT_NOFILE, .soft = soft, .hard = hard}}};
    return sl_startx(&o);
}

/* ---- step 1: socket (the kinds table and sock_open) ----------------------- */

GRADED(fd_numbers, 2, "sockets get fds 3, 4, 5 ... in order, one line per KIND",
       "TODO 1: socket() returns the lowest free number, and 0, 1 and 2 are taken, so the first "
       "socket is fd 3, the next 4 ... Fill in the kinds table and call socket() in sock_open. "
       "See the chapter's sections 'Your first socket' and 'The lowest free number'.")
{
    static const char *kinds[] = {"udp", "tcp", "unix-dgram", "udp", "unix-stream", "tcp"};
    struct sock_line l[MAX_SOCKS];
    struct sl_proc *p = sl_run("sockinfo", kinds[0], kinds[1], kinds[2], kinds[3], kinds[4], kinds[5], NULL);
    sl_expect_exit(p, 0);
    expect_socket_lines(p, l, 6);
    for (int i = 0; i < 6; i++)
        expect_kind_at(&l[i], i + 3, kinds[i]);
}

GRADED(holds_its_sockets, 3, "with --hold, /proc shows exactly the sockets printed, each close-on-exec",
       "TODO 1: or SOCK_CLOEXEC into socket()'s type, so that a program you start does not inherit "
       "the socket; open nothing else. The test reads /proc/PID/fd and /proc/PID/fdinfo while "
       "sockinfo waits for stdin to close. See the chapter's sections 'Your first socket' and "
       "'Where the fd points'.")
{
    struct sock_line l[MAX_SOCKS];
    struct sl_proc *p = sl_start("sockinfo", "--hold", "tcp", "unix-stream", "udp", "unix-seqpacket", NULL);
    wait_holding(p);
    expect_socket_lines(p, l, 4);
    long fds[4];
    for (int i = 0; i < 4; i++)
        fds[i] = l[i].fd;
    expect_holds(p, fds, 4);
    release(p);
}

GRADED(close_frees_lowest, 2, "--reuse: after close(4), the next socket gets fd 4 again",
       "TODO 1: reuse_demo (given) closes the socket in the middle and opens one more with your "
       "sock_open: the kernel gives it the lowest free number, 4. See the chapter's section 'The "
       "lowest free number'.")
{
    struct sock_line l[MAX_SOCKS];
    char closed[128];
    struct sl_proc *p = sl_run("sockinfo", "--reuse", "tcp", "udp", "unix-stream", NULL);
    sl_expect_exit(p, 0);
    expect_socket_lines(p, l, 4);
    for (int i = 0; i < 3; i++)
        sl_expect(l[i].fd == i + 3, "the first three sockets on fds 3, 4, 5", "%s", l[i].text);
    sl_expect(sl_find_line(sl_out(p), "closed fd=4", closed, sizeof closed) != NULL,
              "a line \"closed fd=4\" (the middle of 3, 4, 5)", "%s", sl_out(p));
    const char *after = strstr(sl_out(p), "closed fd=4");
    sl_expect(after != NULL && strstr(after, l[3].text) != NULL,
              "the \"closed fd=4\" line before the new socket's line", "%s", sl_out(p));
    expect_kind_at(&l[3], 4, "udp");
}

GRADED(reuse_holds, 2, "--hold --reuse: /proc shows the new socket on the freed number, 5 sockets in all",
       "TODO 1: after the close and the new socket(), sockinfo holds five sockets on fds 3 to 7 "
       "and nothing else. See the chapter's section 'The lowest free number'.")
{
    struct sock_line l[MAX_SOCKS];
    struct sl_proc *p = sl_start("sockinfo", "--hold", "--reuse", "tcp", "tcp", "tcp", "tcp", "tcp", NULL);
    wait_holding(p);
    expect_socket_lines(p, l, 6);
    expect_kind_at(&l[5], 5, "tcp");
    expect_holds(p, (const long[]){3, 4, 5, 6, 7}, 5);
    release(p);
}

GRADED(stdin_closed_lowest, 1, "started with stdin closed, the first socket is fd 0, the next fd 3",
       "TODO 1: socket() takes the lowest free number, whatever it is: print the fd it returned, "
       "never a count of your own. See the chapter's section 'The lowest free number'.")
{
    struct sock_line l[MAX_SOCKS];
    struct sl_proc *p =
        sl_startx(&(struct sl_opts){.prog = "sockinfo", .args = SL_ARGS("tcp", "udp"), .stdin_closed = true});
    sl_expect_exit(p, 0);
    expect_socket_lines(p, l, 2);
    expect_kind_at(&l[0], 0, "tcp");
    expect_kind_at(&l[1], 3, "udp");
}

/* Usage is given code; these two tests also need socket(), so that the
 * skeleton scores nothing here (a test that passes on it grades nothing). */
GRADED(kinds_checked_first, 1, "every KIND works; an unknown KIND is a usage error before any socket",
       "TODO 1: every name of the kinds table must make a socket. parse_args (given) checks every "
       "KIND before the first socket() and exits 2 on an unknown one; if that fails, compare your "
       "parse_args and check_kinds with the ones in git. See the chapter's section 'The exercise'.")
{
    static const char *all[] = {"tcp", "udp", "unix-stream", "unix-dgram", "unix-seqpacket", "tcp6", "udp6"};
    int n = have_ipv6() ? 7 : 5;
    struct sock_line l[MAX_SOCKS];
    struct sl_proc *p = sl_run("sockinfo", all[0], all[1], all[2], all[3], all[4], n > 5 ? all[5] : NULL,
                               n > 5 ? all[6] : NULL, NULL);
    sl_expect_exit(p, 0);
    expect_socket_lines(p, l, n);
    for (int i = 0; i < n; i++)
        expect_kind_at(&l[i], i + 3, all[i]);
    expect_usage_error(sl_run("sockinfo", "bogus-kind", "tcp", NULL), "bogus-kind");
    expect_usage_error(sl_run("sockinfo", "tcp", "udp", "TCP", NULL), "TCP");
    expect_usage_error(sl_run("sockinfo", "--hold", "tcp", "", NULL), "''");
}

GRADED(usage_rules, 1, "--reuse with 3 KINDs works; every other rule of --help is a usage error",
       "TODO 1: --reuse needs 3 KINDs or more, and with exactly 3 it must work. The usage rules "
       "are given code (parse_args); if one fails, compare it with the one in git. See the "
       "chapter's sections 'The exercise' and 'Errors and exit codes'.")
{
    struct sock_line l[MAX_SOCKS];
    struct sl_proc *p = sl_run("sockinfo", "--reuse", "unix-dgram", "tcp", "udp", NULL);
    sl_expect_exit(p, 0);
    expect_socket_lines(p, l, 4);
    expect_kind_at(&l[3], 4, "tcp");
    p = sl_run("sockinfo", "--help", NULL);
    sl_expect_exit(p, 0);
    sl_expect_contains(sl_out(p), "usage", "sockinfo --help's output");
    sl_expect(*sl_err(p) == '\0', "nothing on stderr after --help", "%s", sl_err(p));
    for (const char *const *o = (const char *const[]){"--hold", "--reuse", "--exhaust", NULL}; *o; o++)
        sl_expect_contains(sl_out(p), *o, "sockinfo --help's output");
    char *help = strdup(sl_out(p));
    p = sl_run("sockinfo", "-h", "tcp", NULL);
    sl_expect_exit(p, 0);
    sl_expect(strcmp(sl_out(p), help) == 0, "sockinfo -h tcp to print the --help text, and nothing else",
              "%s", sl_out(p));
    free(help);
    expect_usage_error(sl_run("sockinfo", "--frobnicate", "tcp", NULL), "--frobnicate");
    expect_usage_error(sl_run("sockinfo", "-x", "tcp", NULL), "-x");
    expect_usage_error(sl_run("sockinfo", "--hold=yes", "tcp", NULL), "--hold");
    expect_usage_error(sl_run("sockinfo", "--reuse", "tcp", "udp", NULL), "reuse");
    expect_usage_error(sl_run("sockinfo", "--reuse", "--exhaust=20", NULL), "reuse");
    expect_usage_error(sl_run("sockinfo", "--exhaust", "tcp", NULL), "tcp");
    p = sl_run("sockinfo", NULL);
    sl_expect_exit(p, 2);
    sl_expect_one_line_error(p);
    sl_expect(strcasestr(sl_err(p), "kind") != NULL, "the error line to say that a KIND is missing", "%s",
              sl_err(p));
    expect_usage_error(sl_run("sockinfo", "--hold", NULL), "KIND");
}

/* ---- step 2: getsockopt (sock_kind) ------------------------------------- */

GRADED(tcp_socket, 2, "sockinfo tcp prints fd 3, AF_INET, SOCK_STREAM, IPPROTO_TCP",
       "TODO 2: read the domain, type and protocol back with getsockopt SO_DOMAIN, SO_TYPE and "
       "SO_PROTOCOL (level SOL_SOCKET): the kernel says IPPROTO_TCP though you passed 0. See the "
       "chapter's section 'Asking the kernel'.")
{
    struct sock_line l[MAX_SOCKS];
    struct sl_proc *p = sl_run("sockinfo", "tcp", NULL);
    sl_expect_exit(p, 0);
    expect_socket_lines(p, l, 1);
    sl_expect(l[0].fd == 3, "fd=3 (0, 1 and 2 are stdin, stdout and stderr)", "%s", l[0].text);
    expect_socket(&l[0], "tcp", "AF_INET", "SOCK_STREAM", "IPPROTO_TCP");
}

GRADED(udp_socket, 1, "sockinfo udp prints AF_INET, SOCK_DGRAM, IPPROTO_UDP",
       "TODO 1 and 2: UDP is a datagram socket of the IPv4 family; the kernel fills in the "
       "protocol when you pass 0. See the chapter's section 'Domains, types and protocols'.")
{
    struct sock_line l[MAX_SOCKS];
    struct sl_proc *p = sl_run("sockinfo", "udp", NULL);
    sl_expect_exit(p, 0);
    expect_socket_lines(p, l, 1);
    expect_socket(&l[0], "udp", "AF_INET", "SOCK_DGRAM", "IPPROTO_UDP");
}

GRADED(ipv6_sockets, 1, "sockinfo tcp6 udp6 prints two AF_INET6 sockets, TCP then UDP",
       "TODO 1 and 2: IPv6 sockets use the AF_INET6 family with the same types as IPv4. See the "
       "chapter's section 'Domains, types and protocols'.")
{
    if (!have_ipv6())
        sl_skip("this machine has no IPv6 (socket AF_INET6: %s)", strerror(errno));
    struct sock_line l[MAX_SOCKS];
    struct sl_proc *p = sl_run("sockinfo", "tcp6", "udp6", NULL);
    sl_expect_exit(p, 0);
    expect_socket_lines(p, l, 2);
    expect_socket(&l[0], "tcp6", "AF_INET6", "SOCK_STREAM", "IPPROTO_TCP");
    expect_socket(&l[1], "udp6", "AF_INET6", "SOCK_DGRAM", "IPPROTO_UDP");
}

GRADED(unix_sockets, 1, "sockinfo prints the three AF_UNIX kinds with their types and protocol 0",
       "TODO 1 and 2: Unix domain sockets are AF_UNIX; their protocol reads back as 0. See the "
       "chapter's section 'Domains, types and protocols'.")
{
    struct sock_line l[MAX_SOCKS];
    struct sl_proc *p = sl_run("sockinfo", "unix-stream", "unix-dgram", "unix-seqpacket", NULL);
    sl_expect_exit(p, 0);
    expect_socket_lines(p, l, 3);
    expect_socket(&l[0], "unix-stream", "AF_UNIX", "SOCK_STREAM", "0");
    expect_socket(&l[1], "unix-dgram", "AF_UNIX", "SOCK_DGRAM", "0");
    expect_socket(&l[2], "unix-seqpacket", "AF_UNIX", "SOCK_SEQPACKET", "0");
}

/* ---- step 3: readlink (sock_link) --------------------------------------- */

GRADED(inodes_match_proc, 3, "with --hold, each printed inode is what /proc/PID/fd/FD links to",
       "TODO 3: readlink(2) /proc/self/fd/FD into the buffer; it does not add a '\\0', so end "
       "the text yourself at the length it returns. Every socket is a new object with its own "
       "inode. See the chapter's section 'Where the fd points'.")
{
    struct sock_line l[MAX_SOCKS];
    struct sl_proc *p = sl_start("sockinfo", "--hold", "tcp", "unix-stream", "udp", NULL);
    wait_holding(p);
    expect_socket_lines(p, l, 3);
    for (int i = 0; i < 3; i++)
        expect_inode(&l[i]);
    expect_distinct_inodes(l, 3);
    expect_proc_agrees(p, l, 3);
    release(p);
}

GRADED(reuse_new_inode, 2, "--hold --reuse: the reused number holds a new socket, with a new inode",
       "TODO 3: the socket opened on the freed number is a new object: its inode differs from the "
       "closed one's, and /proc/PID/fd/5 links to it. See the chapter's section 'The lowest free "
       "number'.")
{
    struct sock_line l[MAX_SOCKS];
    struct sl_proc *p = sl_start("sockinfo", "--hold", "--reuse", "udp", "udp", "udp", "udp", "udp", NULL);
    wait_holding(p);
    expect_socket_lines(p, l, 6);
    for (int i = 0; i < 6; i++)
        expect_inode(&l[i]);
    sl_expect(l[5].fd == 5 && strcmp(l[5].inode, l[2].inode) != 0,
              "the new socket on fd=5 with an inode other than the closed socket's",
              "the closed socket: %s; the new one: %s", l[2].text, l[5].text);
    struct sock_line now[5] = {l[0], l[1], l[5], l[3], l[4]};
    expect_distinct_inodes(now, 5);
    expect_proc_agrees(p, now, 5);
    release(p);
}

/* ---- step 4: setrlimit (fd_limit_lower) ---------------------------------- */

GRADED(exhaust_limit, 2, "--exhaust=N sets the soft RLIMIT_NOFILE to N and keeps the hard limit",
       "TODO 4: getrlimit(2) RLIMIT_NOFILE first (that is the \"was\"), then setrlimit(2) with "
       "rlim_cur = N and rlim_max as it was; N equal to the hard limit is allowed. See the "
       "chapter's section 'Running out of descriptors'.")
{
    struct sl_proc *p = start_exhaust("--exhaust=20", false, 50, 100);
    sl_wait_exit(p, 10);
    sl_expect_contains(sl_out(p), "limit: RLIMIT_NOFILE soft=20 hard=100 (was 50)",
                       "sockinfo --exhaust=20's output (started with soft limit 50, hard limit 100)");
    p = start_exhaust("--exhaust=100", false, 50, 100);
    sl_wait_exit(p, 10);
    sl_expect_contains(sl_out(p), "limit: RLIMIT_NOFILE soft=100 hard=100 (was 50)",
                       "sockinfo --exhaust=100's output (started with soft limit 50, hard limit 100)");
}

GRADED(exhaust_above_hard, 1, "--exhaust=N above the hard limit fails: exit 1, one line naming the limit",
       "TODO 4: setrlimit(2) fails with EINVAL when the soft limit would be above the hard one; "
       "return -1 with errno as setrlimit left it, and the caller names the hard limit. See the "
       "chapter's section 'Running out of descriptors'.")
{
    struct sl_proc *p = start_exhaust("--exhaust=101", false, 50, 100);
    sl_wait_exit(p, 10);
    sl_expect_error(p, 1, "hard limit 100");
    sl_expect_not_contains(sl_out(p), "opened", "sockinfo --exhaust=101's output");
    p = start_exhaust("--exhaust=1048576", false, 50, 100);
    sl_wait_exit(p, 10);
    sl_expect_error(p, 1, "hard limit 100");
}

/* ---- step 5: EMFILE (open_until_failure) -------------------------------- */

GRADED(exhaust_counts, 3, "--exhaust=20 opens 17 sockets, then reports EMFILE",
       "TODO 5: fds 0, 1 and 2 are already taken, so fds 3 to 19 fit under a limit of 20. Count "
       "only the sockets that succeeded and keep socket()'s errno at once. See the chapter's "
       "section 'Running out of descriptors'.")
{
    struct sl_proc *p = sl_run("sockinfo", "--exhaust=20", NULL);
    sl_expect_exit(p, 0);
    sl_expect_contains(sl_out(p), "opened 17 sockets, then socket: Too many open files (EMFILE)",
                       "sockinfo --exhaust=20's output");
}

GRADED(exhaust_default, 1, "--exhaust without a number uses a limit of 64: 61 sockets",
       "TODO 5: parse_args (given) makes N 64 when --exhaust has no =N; open sockets until "
       "socket() fails. See the chapter's section 'Running out of descriptors'.")
{
    struct sl_proc *p = sl_run("sockinfo", "--exhaust", NULL);
    sl_expect_exit(p, 0);
    sl_expect_contains(sl_out(p), "opened 61 sockets", "sockinfo --exhaust's output");
}

GRADED(exhaust_bounds, 2, "--exhaust=4 (the smallest N) opens 1 socket; N outside 4..1048576 exits 2",
       "TODO 5: with a limit of 4 there is room for one socket, fd 3: stop at the first failure, "
       "even when it comes right after one socket. N is checked by parse_args (given). See the "
       "chapter's section 'Running out of descriptors'.")
{
    struct sl_proc *p = sl_run("sockinfo", "--exhaust=4", NULL);
    sl_expect_exit(p, 0);
    sl_expect_contains(sl_out(p), "opened 1 sockets, then socket: Too many open files",
                       "sockinfo --exhaust=4's output");
    sl_expect_contains(sl_out(p), "closed 1 sockets", "sockinfo --exhaust=4's output");
    static const char *bad[] = {"abc", "12x", "0", "3", "-5", "1048577", "99999999999999999999", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char arg[64];
        snprintf(arg, sizeof arg, "--exhaust=%s", bad[i]);
        p = sl_run("sockinfo", arg, NULL);
        expect_usage_error(p, bad[i][0] ? bad[i] : "exhaust");
        sl_expect_not_contains(sl_out(p), "opened", "sockinfo's output after a bad --exhaust");
    }
}

GRADED(exhaust_stdin_closed, 1, "--exhaust=20 with stdin closed: fd 0 is free too, so 18 sockets",
       "TODO 5: 0 is a valid fd (here the first socket gets it): only a negative return of "
       "socket() is a failure. See the chapter's sections 'The lowest free number' and 'Running "
       "out of descriptors'.")
{
    struct sock_line l[MAX_SOCKS];
    struct sl_proc *p = sl_startx(
        &(struct sl_opts){.prog = "sockinfo", .args = SL_ARGS("--exhaust=20"), .stdin_closed = true});
    sl_expect_exit(p, 0);
    sl_expect_contains(sl_out(p), "opened 18 sockets, then socket: Too many open files (EMFILE)",
                       "sockinfo --exhaust=20's output, started with stdin closed");
    sl_expect_contains(sl_out(p), "closed 18 sockets",
                       "sockinfo --exhaust=20's output, started with stdin closed");
    expect_socket_lines(p, l, 1);
    expect_kind_at(&l[0], 0, "tcp");
}

GRADED(exhaust_recovers, 2, "--hold --exhaust=20: one socket left, on fd 3, under the soft limit 20",
       "TODO 5: close_all (given) closes the fds you kept, so keep every one; then a new socket "
       "gets fd 3 again. The test reads /proc/PID/fd and /proc/PID/limits while sockinfo waits. "
       "See the chapter's section 'Running out of descriptors'.")
{
    struct sock_line l[MAX_SOCKS];
    struct sl_proc *p = start_exhaust("--exhaust=20", true, 50, 100);
    wait_holding(p);
    sl_expect_contains(sl_out(p), "opened 17 sockets", "sockinfo --exhaust=20's output");
    sl_expect_contains(sl_out(p), "closed 17 sockets", "sockinfo --exhaust=20's output");
    expect_socket_lines(p, l, 1);
    sl_expect(strstr(sl_out(p), "closed 17 sockets") < strstr(sl_out(p), l[0].text),
              "the new socket's line after \"closed 17 sockets\"", "%s", sl_out(p));
    expect_kind_at(&l[0], 3, "tcp");
    expect_holds(p, (const long[]){3}, 1);
    unsigned long long soft = 0, hard = 0;
    int found = sl_proc_limit(p, "Max open files", &soft, &hard);
    sl_expect(found == 0 && soft == 20 && hard == 100,
              "/proc/PID/limits: Max open files 20 (soft), 100 (hard, as it was before)",
              "soft %llu, hard %llu%s", soft, hard, found == 0 ? "" : " (no such line)");
    release(p);
}
