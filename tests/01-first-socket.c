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
 */
#include "harness.h"

#include <dirent.h>
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

/* Fail unless l shows a socket with these names and an inode field that
 * looks like socket:[NUMBER]. */
static void expect_socket(const struct sock_line *l, const char *kind, const char *domain, const char *type,
                          const char *protocol)
{
    char want[256];
    snprintf(want, sizeof want, "a %s line with kind=%s domain=%s type=%s protocol=%s", kind, kind, domain,
             type, protocol);
    sl_expect(strcmp(l->kind, kind) == 0 && strcmp(l->domain, domain) == 0 && strcmp(l->type, type) == 0 &&
                  strcmp(l->protocol, protocol) == 0,
              want, "%s", l->text);
    unsigned long ino;
    char end;
    sl_expect(sscanf(l->inode, "socket:[%lu%c", &ino, &end) == 2 && end == ']',
              "inode=socket:[NUMBER], the link /proc/self/fd/FD points to", "inode=%s in: %s",
              l->inode[0] ? l->inode : "(no inode field)", l->text);
}

/* Fail unless each printed line's fd, in the live program, is the socket
 * the line names, and the program holds no other socket. */
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
    char desc[1024];
    int held = sl_socket_count(p, desc, sizeof desc);
    sl_expect(held == n, "sockinfo to hold exactly the sockets it printed",
              "%d sockets printed, but /proc/%d/fd holds %d: %s", n, (int)sl_pid(p), held,
              desc[0] ? desc : "(none)");
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

GRADED(help, 1, "sockinfo --help prints a usage message on stdout and exits 0",
       "Handle --help in parse_args (return PARSE_HELP); main prints the usage. See the "
       "chapter's section 'The exercise'.")
{
    struct sl_proc *p = sl_run("sockinfo", "--help", NULL);
    sl_expect_exit(p, 0);
    sl_expect_contains(sl_out(p), "usage", "sockinfo --help's output");
    sl_expect_contains(sl_out(p), "--exhaust", "sockinfo --help's output");
}

GRADED(tcp_socket, 2, "sockinfo tcp prints fd 3, AF_INET, SOCK_STREAM, IPPROTO_TCP and its inode",
       "socket(AF_INET, SOCK_STREAM, 0) returns the lowest free fd (3); read the domain, type and "
       "protocol back with getsockopt SO_DOMAIN, SO_TYPE, SO_PROTOCOL and the inode with "
       "readlink(\"/proc/self/fd/3\"). See the chapter's sections 'Your first socket' and "
       "'Asking the kernel'.")
{
    struct sock_line l[MAX_SOCKS];
    struct sl_proc *p = sl_run("sockinfo", "tcp", NULL);
    sl_expect_exit(p, 0);
    expect_socket_lines(p, l, 1);
    sl_expect(l[0].fd == 3, "fd=3 (0, 1 and 2 are stdin, stdout and stderr)", "%s", l[0].text);
    expect_socket(&l[0], "tcp", "AF_INET", "SOCK_STREAM", "IPPROTO_TCP");
}

GRADED(udp_socket, 1, "sockinfo udp prints AF_INET, SOCK_DGRAM, IPPROTO_UDP",
       "UDP is a datagram socket of the IPv4 family; the kernel fills in the protocol when you "
       "pass 0. See the chapter's section 'Domains, types and protocols'.")
{
    struct sock_line l[MAX_SOCKS];
    struct sl_proc *p = sl_run("sockinfo", "udp", NULL);
    sl_expect_exit(p, 0);
    expect_socket_lines(p, l, 1);
    expect_socket(&l[0], "udp", "AF_INET", "SOCK_DGRAM", "IPPROTO_UDP");
}

GRADED(ipv6_sockets, 1, "sockinfo tcp6 udp6 prints two AF_INET6 sockets, TCP then UDP",
       "IPv6 sockets use the AF_INET6 family with the same types as IPv4. See the chapter's "
       "section 'Domains, types and protocols'.")
{
    int probe = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (probe < 0)
        sl_skip("this machine has no IPv6 (socket AF_INET6: %s)", strerror(errno));
    close(probe);
    struct sock_line l[MAX_SOCKS];
    struct sl_proc *p = sl_run("sockinfo", "tcp6", "udp6", NULL);
    sl_expect_exit(p, 0);
    expect_socket_lines(p, l, 2);
    expect_socket(&l[0], "tcp6", "AF_INET6", "SOCK_STREAM", "IPPROTO_TCP");
    expect_socket(&l[1], "udp6", "AF_INET6", "SOCK_DGRAM", "IPPROTO_UDP");
}

GRADED(unix_sockets, 1, "sockinfo prints the three AF_UNIX kinds with their types and protocol 0",
       "Unix domain sockets are AF_UNIX; their protocol reads back as 0 (print it as a number). "
       "See the chapter's section 'Domains, types and protocols'.")
{
    struct sock_line l[MAX_SOCKS];
    struct sl_proc *p = sl_run("sockinfo", "unix-stream", "unix-dgram", "unix-seqpacket", NULL);
    sl_expect_exit(p, 0);
    expect_socket_lines(p, l, 3);
    expect_socket(&l[0], "unix-stream", "AF_UNIX", "SOCK_STREAM", "0");
    expect_socket(&l[1], "unix-dgram", "AF_UNIX", "SOCK_DGRAM", "0");
    expect_socket(&l[2], "unix-seqpacket", "AF_UNIX", "SOCK_SEQPACKET", "0");
}

GRADED(numbers_in_order, 2, "several sockets get fds 3, 4, 5 ... in order, each its own inode",
       "Each socket() takes the lowest free number, so a program that opens sockets one after "
       "the other gets 3, 4, 5 ...; every socket is a new object with its own inode. See the "
       "chapter's section 'The lowest free number'.")
{
    static const char *kinds[] = {"udp", "tcp", "unix-dgram", "udp", "unix-stream", "tcp"};
    struct sock_line l[MAX_SOCKS];
    struct sl_proc *p = sl_run("sockinfo", kinds[0], kinds[1], kinds[2], kinds[3], kinds[4], kinds[5], NULL);
    sl_expect_exit(p, 0);
    expect_socket_lines(p, l, 6);
    for (int i = 0; i < 6; i++) {
        char want[64];
        snprintf(want, sizeof want, "line %d to be fd=%d kind=%s", i + 1, i + 3, kinds[i]);
        sl_expect(l[i].fd == i + 3 && strcmp(l[i].kind, kinds[i]) == 0, want, "%s", l[i].text);
        for (int j = 0; j < i; j++)
            sl_expect(strcmp(l[i].inode, l[j].inode) != 0, "a different inode for each socket",
                      "fd %ld and fd %ld both show %s", l[j].fd, l[i].fd, l[i].inode);
    }
}

GRADED(inodes_match_proc, 3, "with --hold, /proc/PID/fd holds exactly the sockets sockinfo printed",
       "The inode must be read from /proc/self/fd/FD with readlink(2), which does not add a '\\0'; "
       "--hold must keep the sockets open until stdin closes, then exit 0. See the chapter's "
       "sections 'Where the fd points' and 'The exercise'.")
{
    struct sock_line l[MAX_SOCKS];
    struct sl_proc *p = sl_start("sockinfo", "--hold", "tcp", "unix-stream", "udp", NULL);
    sl_wait_line(p, "holding", 5);
    sl_wait_blocked(p, 5); /* from then on what /proc shows is what it holds */
    expect_socket_lines(p, l, 3);
    expect_proc_agrees(p, l, 3);
    release(p);
}

GRADED(close_frees_lowest, 3, "--reuse: after close(4), the next socket gets fd 4 again",
       "close the socket in the middle (fds[n / 2]), print \"closed fd=N\", then open a socket of "
       "the same kind: the kernel gives it the lowest free number. See the chapter's section "
       "'The lowest free number'.")
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
    sl_expect(strstr(sl_out(p), "closed fd=4") < strstr(sl_out(p), l[3].text),
              "the \"closed fd=4\" line before the new socket's line", "%s", sl_out(p));
    sl_expect(l[3].fd == 4, "the new socket on fd=4, the number just freed", "%s", l[3].text);
    expect_socket(&l[3], "udp", "AF_INET", "SOCK_DGRAM", "IPPROTO_UDP");
    sl_expect(strcmp(l[3].inode, l[1].inode) != 0,
              "a new inode for the new socket (it is a new socket on an old number)",
              "the same %s as the socket that was closed", l[3].inode);
}

GRADED(reuse_matches_proc, 2, "--hold --reuse: /proc shows the new socket on the reused number",
       "After the close and the new socket(), the program must hold the new socket on the old "
       "number and no longer hold the closed one. See the chapter's section 'The lowest free "
       "number'.")
{
    struct sock_line l[MAX_SOCKS];
    struct sl_proc *p = sl_start("sockinfo", "--hold", "--reuse", "tcp", "tcp", "tcp", "tcp", "tcp", NULL);
    sl_wait_line(p, "holding", 5);
    sl_wait_blocked(p, 5); /* from then on what /proc shows is what it holds */
    expect_socket_lines(p, l, 6);
    sl_expect(l[5].fd == 5, "the new socket on fd=5 (the middle of 3 to 7)", "%s", l[5].text);
    struct sock_line now[5] = {l[0], l[1], l[5], l[3], l[4]};
    expect_proc_agrees(p, now, 5);
    release(p);
}

GRADED(exhaust_counts, 3, "--exhaust=20 opens 17 sockets, then reports EMFILE",
       "Lower only the soft RLIMIT_NOFILE with setrlimit(2); fds 0, 1 and 2 are already taken, so "
       "fds 3 to 19 fit under a limit of 20. Count only the sockets that succeeded, and print the "
       "errno text. See the chapter's section 'Running out of descriptors'.")
{
    struct sl_proc *p = sl_run("sockinfo", "--exhaust=20", NULL);
    sl_expect_exit(p, 0);
    sl_expect_contains(sl_out(p), "opened 17 sockets", "sockinfo --exhaust=20's output");
    sl_expect_contains(sl_out(p), "Too many open files", "sockinfo --exhaust=20's output");
    sl_expect_contains(sl_out(p), "EMFILE", "sockinfo --exhaust=20's output");
}

GRADED(exhaust_default, 1, "--exhaust without a number uses a limit of 64: 61 sockets",
       "--exhaust takes an optional argument (optional_argument in getopt_long); when it is "
       "missing, use 64. See the chapter's section 'The exercise'.")
{
    struct sl_proc *p = sl_run("sockinfo", "--exhaust", NULL);
    sl_expect_exit(p, 0);
    sl_expect_contains(sl_out(p), "opened 61 sockets", "sockinfo --exhaust's output");
}

GRADED(exhaust_recovers, 2, "--exhaust closes every socket, then a new one gets fd 3",
       "Close all the sockets you opened (and print \"closed N sockets\"); the next socket() "
       "succeeds again and gets fd 3. See the chapter's section 'Running out of descriptors'.")
{
    struct sock_line l[MAX_SOCKS];
    struct sl_proc *p = sl_start("sockinfo", "--hold", "--exhaust=20", NULL);
    sl_wait_line(p, "holding", 5);
    sl_wait_blocked(p, 5); /* from then on what /proc shows is what it holds */
    sl_expect_contains(sl_out(p), "closed 17 sockets", "sockinfo --exhaust=20's output");
    expect_socket_lines(p, l, 1);
    sl_expect(strstr(sl_out(p), "closed 17 sockets") < strstr(sl_out(p), l[0].text),
              "the new socket's line after \"closed 17 sockets\"", "%s", sl_out(p));
    sl_expect(l[0].fd == 3, "the new socket on fd=3, the lowest free number", "%s", l[0].text);
    expect_socket(&l[0], "tcp", "AF_INET", "SOCK_STREAM", "IPPROTO_TCP");
    expect_proc_agrees(p, l, 1);
    release(p);
}

GRADED(bad_kind, 1, "an unknown KIND is a usage error: exit 2, one line naming it, no socket",
       "Check every KIND with kind_find before you create any socket; print one line on stderr "
       "that names the bad KIND and return PARSE_ERROR (main exits 2). See the chapter's section "
       "'The exercise'.")
{
    struct sl_proc *p = sl_run("sockinfo", "tcp", "bogus-kind", NULL);
    expect_usage_error(p, "bogus-kind");
}

GRADED(bad_option, 1, "an unknown option is a usage error: exit 2, one line naming it",
       "Set opterr = 0 and print your own line when getopt_long returns '?'; the option is "
       "argv[optind - 1]. See getopt_long(3) and the chapter's section 'The exercise'.")
{
    struct sl_proc *p = sl_run("sockinfo", "--frobnicate", "tcp", NULL);
    expect_usage_error(p, "--frobnicate");
}

GRADED(bad_exhaust_number, 2, "a bad --exhaust=N (not a number, too small, too big) exits 2",
       "Use strtol(3) with an end pointer and check errno, the end and the range 4..1048576; "
       "never atoi. See the chapter's section 'The exercise'.")
{
    static const char *bad[] = {"abc", "12x", "0", "3", "-5", "1048577", "99999999999999999999", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char arg[64];
        snprintf(arg, sizeof arg, "--exhaust=%s", bad[i]);
        struct sl_proc *p = sl_run("sockinfo", arg, NULL);
        expect_usage_error(p, bad[i][0] ? bad[i] : "exhaust");
        sl_expect_not_contains(sl_out(p), "opened", "sockinfo's output after a bad --exhaust");
    }
}

GRADED(no_kind, 1, "sockinfo with no KIND (and no --exhaust) is a usage error: exit 2",
       "When no KIND is left after the options, print one line on stderr that says so (\"no KIND "
       "given\") and return PARSE_ERROR. "
       "See the chapter's section 'The exercise'.")
{
    struct sl_proc *p = sl_run("sockinfo", NULL);
    sl_expect_exit(p, 2);
    sl_expect_one_line_error(p);
    sl_expect(strcasestr(sl_err(p), "kind") != NULL, "the error line to say that a KIND is missing", "%s",
              sl_err(p));
}

GRADED(reuse_needs_three, 1, "--reuse with fewer than 3 KINDs is a usage error: exit 2",
       "A socket in the middle needs one on each side: --reuse needs 3 KINDs or more. See the "
       "chapter's section 'The exercise'.")
{
    struct sl_proc *p = sl_run("sockinfo", "--reuse", "tcp", "udp", NULL);
    expect_usage_error(p, "reuse");
}
