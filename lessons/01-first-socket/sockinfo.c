#define _GNU_SOURCE
/*
 * sockinfo.c - create sockets and show what the kernel made of them.
 *
 * For each KIND on the command line sockinfo calls socket(2) and prints one
 * line, read back from the kernel rather than echoed from the arguments:
 *
 *   fd=3 kind=tcp domain=AF_INET type=SOCK_STREAM protocol=IPPROTO_TCP inode=socket:[40331]
 *
 * fd is the number socket() returned; domain, type and protocol come from
 * getsockopt(2) (SO_DOMAIN, SO_TYPE, SO_PROTOCOL); inode is the target of the
 * symbolic link /proc/self/fd/FD. Other modes show how the fd table works:
 * --reuse closes a socket in the middle and shows that the next socket gets
 * the number just freed; --exhaust lowers RLIMIT_NOFILE and opens sockets
 * until socket() fails with EMFILE, then closes them and recovers; --hold
 * keeps the sockets open until stdin closes, so that you can look at
 * /proc/PID/fd while it waits.
 *
 * usage: sockinfo [--hold] [--reuse] KIND...
 *        sockinfo [--hold] --exhaust[=N]
 *        sockinfo --help
 *
 * Exit status: 0 on success, 1 on a runtime error, 2 on a usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sockname.h"

static const char usage[] = "usage: sockinfo [--hold] [--reuse] KIND...\n"
                            "       sockinfo [--hold] --exhaust[=N]\n"
                            "       sockinfo --help\n"
                            "Creates one socket of each KIND and prints one line for each, read back\n"
                            "from the kernel:\n"
                            "  fd=3 kind=tcp domain=AF_INET type=SOCK_STREAM protocol=IPPROTO_TCP "
                            "inode=socket:[40331]\n"
                            "KIND is one of tcp, udp, tcp6, udp6, unix-stream, unix-dgram, "
                            "unix-seqpacket.\n"
                            "  --reuse        close the socket in the middle, then open one more of\n"
                            "                 its kind: it gets the number just freed (3 KINDs or more)\n"
                            "  --exhaust[=N]  set the soft RLIMIT_NOFILE to N (4..1048576, default 64),\n"
                            "                 open TCP sockets until socket() fails, say how many and\n"
                            "                 why, close them all and open one more\n"
                            "  --hold         keep the sockets open until stdin closes (Ctrl-D), so\n"
                            "                 that you can look at /proc/PID/fd\n"
                            "  --help         print this help and exit\n";

/* --exhaust=N: the range of N, and N when it is not given. */
enum { EXHAUST_MIN = 4, EXHAUST_MAX = 1048576, EXHAUST_DEFAULT = 64 };

/* What parse_args found. */
enum { PARSE_OK, PARSE_HELP, PARSE_ERROR };

/* One kind of socket a user can ask for: its name and socket(2)'s first
 * two arguments. The third, the protocol, is always 0: "the usual one". */
struct kind {
    const char *name;
    int domain;
    int type;
};

static const struct kind kinds[] = {
    /* TODO: fill in each kind's domain (AF_INET, AF_INET6 or AF_UNIX) and
     * type (SOCK_STREAM, SOCK_DGRAM or SOCK_SEQPACKET). See socket(2) and
     * the chapter's section 'Domains, types and protocols'. */
    {"tcp", 0, 0},
    {"udp", 0, 0},
    {"tcp6", 0, 0},
    {"udp6", 0, 0},
    {"unix-stream", 0, 0},
    {"unix-dgram", 0, 0},
    {"unix-seqpacket", 0, 0},
    {NULL, 0, 0},
};

/* The command line, parsed. */
struct opts {
    bool hold;    /* --hold: keep the sockets open until stdin closes */
    bool reuse;   /* --reuse: close the middle socket, open one more */
    long exhaust; /* --exhaust=N: N; 0 when not asked for */
    char **kinds; /* the KIND arguments, all known kinds */
    int count;    /* how many KINDs */
};

/* Print "sockinfo: MESSAGE" on stderr as one line. A format that ends in
 * ':' gets ": " and the text of the current errno appended. */
static void report_error(const char *fmt, ...)
{
    int saved = errno;
    va_list ap;

    fputs("sockinfo: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    if (fmt[0] != '\0' && fmt[strlen(fmt) - 1] == ':')
        fprintf(stderr, " %s", strerror(saved));
    fputc('\n', stderr);
    errno = saved;
}

/* The kind called name, or NULL if there is none. */
static const struct kind *kind_find(const char *name)
{
    for (const struct kind *k = kinds; k->name != NULL; k++)
        if (strcmp(k->name, name) == 0)
            return k;
    return NULL;
}

/* Close the fds[0..n-1] that are open (>= 0); say so if a close fails. */
static void close_all(const int *fds, long n)
{
    for (long i = 0; i < n; i++)
        if (fds[i] >= 0 && close(fds[i]) < 0)
            report_error("close fd %d:", fds[i]);
}

/* Parse the command line into o. Returns PARSE_OK; PARSE_HELP for --help;
 * or PARSE_ERROR after printing one line on stderr that names the problem:
 * an unknown option, a bad N (not a whole number from 4 to 1048576), an
 * unknown KIND, no KIND (unless --exhaust), a KIND with --exhaust, --reuse
 * with fewer than 3 KINDs or with --exhaust. */
static int parse_args(int argc, char **argv, struct opts *o)
{
    /* TODO: read the options with getopt_long(3) (--hold, --reuse,
     * --exhaust with an optional =N, --help; set opterr = 0 and print your
     * own errors), check N with strtol(3) and its range, then check the
     * KINDs with kind_find. See the chapter's section 'The exercise'. */
    (void)argc;
    (void)argv;
    *o = (struct opts){0};
    report_error("parse_args is not written yet (see the TODO in sockinfo.c)");
    return PARSE_ERROR;
}

/* A new socket of kind k, close-on-exec; its fd, or -1 with errno set. */
static int sock_open(const struct kind *k)
{
    /* TODO: call socket(2) with k's domain, k's type | SOCK_CLOEXEC, and
     * protocol 0. See the chapter's section 'Your first socket'. */
    (void)k;
    report_error("sock_open is not written yet (see the TODO in sockinfo.c)");
    exit(1);
}

/* Print fd's line, every field but kind read back from the kernel:
 *   fd=3 kind=tcp domain=AF_INET type=SOCK_STREAM protocol=IPPROTO_TCP inode=socket:[40331]
 * Returns 0, or -1 after printing an error line that names the call. */
static int sock_print(int fd, const char *kind)
{
    /* TODO: read SO_DOMAIN, SO_TYPE and SO_PROTOCOL with getsockopt(2) and
     * the link /proc/self/fd/FD with readlink(2) (it does not end the text
     * with '\0'), then print the line; sockname.h turns numbers into names.
     * See the chapter's sections 'Asking the kernel' and 'Where the fd
     * points'. */
    (void)fd;
    (void)kind;
    report_error("sock_print is not written yet (see the TODO in sockinfo.c)");
    return -1;
}

/* Close the socket in the middle of fds[0..n-1] and print "closed fd=N";
 * then open one more socket of the same kind (kinds[i] names the kind of
 * fds[i]), store it in its place and print its line: the kernel hands out
 * the lowest free number, so it gets N back. Returns 0, or -1 after
 * printing an error line. */
static int reuse_demo(int *fds, int n, char **kinds)
{
    /* TODO: close(2) fds[n / 2], print "closed fd=N", then sock_open and
     * sock_print a socket of the same kind. See the chapter's section
     * 'The lowest free number'. */
    (void)fds;
    (void)n;
    (void)kinds;
    report_error("reuse_demo is not written yet (see the TODO in sockinfo.c)");
    return -1;
}

/* Set the soft RLIMIT_NOFILE to limit, open TCP sockets until socket()
 * fails, print how many and why ("opened 61 sockets, then socket: Too many
 * open files (EMFILE)"), close them all ("closed 61 sockets"), then open
 * and print one more socket to show that closing recovers. Returns that
 * socket's fd, or -1 after printing an error line (also when socket()
 * failed with something other than EMFILE or ENFILE). */
static int exhaust_demo(long limit)
{
    /* TODO: setrlimit(2) RLIMIT_NOFILE (the soft limit only), then
     * sock_open in a loop, keeping the fds; save errno when it fails. See
     * the chapter's section 'Running out of descriptors'. */
    (void)limit;
    report_error("exhaust_demo is not written yet (see the TODO in sockinfo.c)");
    return -1;
}

/* Read and discard stdin until end of file. Returns 0 at end of file, or
 * -1 with errno set if read fails. */
static int hold_stdin(void)
{
    /* TODO: read(2) from STDIN_FILENO in a loop until it returns 0; try
     * again when it fails with EINTR. See the chapter's section 'The
     * exercise'. */
    report_error("hold_stdin is not written yet (see the TODO in sockinfo.c)");
    exit(1);
}

/* Say that n sockets are held (the line a test waits for), then wait for
 * stdin to close. Returns 0, or -1 after printing an error line. */
static int hold(int n)
{
    printf("holding %d socket%s in pid %ld until stdin closes\n", n, n == 1 ? "" : "s", (long)getpid());
    if (fflush(stdout) == EOF) {
        report_error("write stdout:");
        return -1;
    }
    if (hold_stdin() < 0) {
        report_error("read stdin:");
        return -1;
    }
    return 0;
}

/* Open and print one socket of each KIND in o, then do what --reuse and
 * --hold ask, and close them all. Returns 0, or -1 after an error line. */
static int run_kinds(const struct opts *o)
{
    int *fds = calloc((size_t)o->count, sizeof *fds);
    if (fds == NULL) {
        report_error("calloc:");
        return -1;
    }
    int n = 0, rc = 0;
    while (rc == 0 && n < o->count) {
        const struct kind *k = kind_find(o->kinds[n]);
        if (k == NULL) {
            report_error("unknown kind '%s'", o->kinds[n]);
            rc = -1;
        } else if ((fds[n] = sock_open(k)) < 0) {
            report_error("socket %s:", k->name);
            rc = -1;
        } else {
            rc = sock_print(fds[n++], k->name);
        }
    }
    if (rc == 0 && o->reuse)
        rc = reuse_demo(fds, n, o->kinds);
    if (rc == 0 && o->hold)
        rc = hold(n);
    close_all(fds, n);
    free(fds);
    return rc;
}

/* Run --exhaust, then --hold on the one socket it ends with. Returns 0, or
 * -1 after an error line. */
static int run_exhaust(const struct opts *o)
{
    int fd = exhaust_demo(o->exhaust);
    if (fd < 0)
        return -1;
    int rc = o->hold ? hold(1) : 0;
    close_all(&fd, 1);
    return rc;
}

int main(int argc, char **argv)
{
    struct opts o;

    setvbuf(stdout, NULL, _IOLBF, 0); /* a line at a time, even to a pipe */
    switch (parse_args(argc, argv, &o)) {
    case PARSE_HELP:
        fputs(usage, stdout);
        return 0;
    case PARSE_ERROR:
        return 2;
    }
    int rc = o.exhaust > 0 ? run_exhaust(&o) : run_kinds(&o);
    return rc < 0 ? 1 : 0;
}
