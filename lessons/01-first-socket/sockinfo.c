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
    /* TODO 1 (socket): fill in each kind's domain (AF_INET, AF_INET6 or
     * AF_UNIX) and type (SOCK_STREAM, SOCK_DGRAM or SOCK_SEQPACKET). See
     * socket(2) and the chapter's section 'Domains, types and protocols'. */
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

/* N of --exhaust=N: a whole number from EXHAUST_MIN to EXHAUST_MAX, or -1
 * if text is not one. */
static long parse_limit(const char *text)
{
    char *end;

    errno = 0;
    long n = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || n < EXHAUST_MIN || n > EXHAUST_MAX)
        return -1;
    return n;
}

/* Check that the KINDs in o fit the options. Returns PARSE_OK, or
 * PARSE_ERROR after printing one line on stderr. */
static int check_kinds(const struct opts *o)
{
    if (o->exhaust > 0 && o->count > 0) {
        report_error("--exhaust takes no KIND, got '%s' (write --exhaust=N)", o->kinds[0]);
        return PARSE_ERROR;
    }
    if (o->exhaust > 0 && o->reuse) {
        report_error("--reuse and --exhaust do not go together (try --help)");
        return PARSE_ERROR;
    }
    if (o->exhaust == 0 && o->count == 0) {
        report_error("no KIND given (try --help)");
        return PARSE_ERROR;
    }
    for (int i = 0; i < o->count; i++) {
        if (kind_find(o->kinds[i]) == NULL) {
            report_error("unknown kind '%s' (try --help)", o->kinds[i]);
            return PARSE_ERROR;
        }
    }
    if (o->reuse && o->count < 3) {
        report_error("--reuse needs 3 KINDs or more, got %d", o->count);
        return PARSE_ERROR;
    }
    return PARSE_OK;
}

/* Parse the command line into o. Returns PARSE_OK; PARSE_HELP for --help;
 * or PARSE_ERROR after printing one line on stderr that names the problem:
 * an unknown option, a bad N (not a whole number from 4 to 1048576), an
 * unknown KIND, no KIND (unless --exhaust), a KIND with --exhaust, --reuse
 * with fewer than 3 KINDs or with --exhaust. */
static int parse_args(int argc, char **argv, struct opts *o)
{
    enum { OPT_HOLD = 256, OPT_REUSE, OPT_EXHAUST };
    static const struct option longopts[] = {
        {"hold", no_argument, NULL, OPT_HOLD},
        {"reuse", no_argument, NULL, OPT_REUSE},
        {"exhaust", optional_argument, NULL, OPT_EXHAUST},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;

    *o = (struct opts){0};
    opterr = 0; /* we print our own errors, naming the program */
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            return PARSE_HELP;
        case OPT_HOLD:
            o->hold = true;
            break;
        case OPT_REUSE:
            o->reuse = true;
            break;
        case OPT_EXHAUST:
            o->exhaust = optarg ? parse_limit(optarg) : EXHAUST_DEFAULT;
            if (o->exhaust < 0) {
                report_error("--exhaust: '%s' is not a number from %d to %d", optarg, EXHAUST_MIN,
                             EXHAUST_MAX);
                return PARSE_ERROR;
            }
            break;
        default:
            if (optopt > 0 && optopt < 256)
                report_error("unknown option '-%c' (try --help)", optopt);
            else
                report_error("bad option '%s' (try --help)", argv[optind - 1]);
            return PARSE_ERROR;
        }
    }
    o->kinds = argv + optind;
    o->count = argc - optind;
    return check_kinds(o);
}

/* A new socket of kind k, close-on-exec; its fd, or -1 with errno set. */
static int sock_open(const struct kind *k)
{
    /* TODO 1 (socket): call socket(2) with k's domain, k's type |
     * SOCK_CLOEXEC, and protocol 0; fill in the kinds table above too. See
     * the chapter's sections 'Your first socket' and 'Domains, types and
     * protocols'. */
    (void)k;
    report_error("sock_open is not written yet (TODO 1 in sockinfo.c)");
    errno = ENOSYS;
    return -1;
}

/* What the kernel says socket fd is: its domain (SO_DOMAIN), type
 * (SO_TYPE) and protocol (SO_PROTOCOL), read with getsockopt(2) into
 * *domain, *type and *protocol. Returns 0, or -1 with errno set. */
static int sock_kind(int fd, int *domain, int *type, int *protocol)
{
    /* TODO 2 (getsockopt): read the three options at level SOL_SOCKET; each
     * is an int, and getsockopt's last argument is the size of your int on
     * the way in and what the kernel wrote on the way out. See the
     * chapter's section 'Asking the kernel'. */
    static bool told;
    (void)fd;
    if (!told)
        report_error("sock_kind is not written yet (TODO 2 in sockinfo.c): it reads -1");
    told = true;
    *domain = *type = *protocol = -1;
    return 0;
}

/* The target of the link /proc/self/fd/FD ("socket:[40331]"), as a string
 * in buf of size bytes. Returns 0, or -1 with errno set. */
static int sock_link(int fd, char *buf, size_t size)
{
    /* TODO 3 (readlink): build the path /proc/self/fd/FD with snprintf and
     * readlink(2) it into buf; readlink does not end the text with '\0',
     * and a link that fills the whole buffer may have been cut short. See
     * the chapter's section 'Where the fd points'. */
    static bool told;
    (void)fd;
    if (!told)
        report_error("sock_link is not written yet (TODO 3 in sockinfo.c): inode prints as ?");
    told = true;
    snprintf(buf, size, "?");
    return 0;
}

/* Print fd's line, every field but kind read back from the kernel:
 *   fd=3 kind=tcp domain=AF_INET type=SOCK_STREAM protocol=IPPROTO_TCP inode=socket:[40331]
 * Returns 0, or -1 after printing an error line that names the call. */
static int sock_print(int fd, const char *kind)
{
    int domain = -1, type = -1, protocol = -1;
    char link[64];

    /* '?' up to the last byte: a sock_link that forgets the '\0' shows as
     * inode=socket:[40331]???..., not as whatever the stack held. */
    memset(link, '?', sizeof link - 1);
    link[sizeof link - 1] = '\0';
    if (sock_kind(fd, &domain, &type, &protocol) < 0) {
        report_error("getsockopt fd %d:", fd);
        return -1;
    }
    if (sock_link(fd, link, sizeof link) < 0) {
        report_error("readlink /proc/self/fd/%d:", fd);
        return -1;
    }
    char d[SOCKNAME_LEN], t[SOCKNAME_LEN], p[SOCKNAME_LEN];
    printf("fd=%d kind=%s domain=%s type=%s protocol=%s inode=%s\n", fd, kind, sockname_domain(domain, d),
           sockname_type(type, t), sockname_protocol(protocol, p), link);
    return 0;
}

/* Close the socket in the middle of fds[0..n-1] and print "closed fd=N";
 * then open one more socket of the same kind (kinds[i] names the kind of
 * fds[i]), store it in its place and print its line: the kernel hands out
 * the lowest free number, so it gets N back. Returns 0, or -1 after
 * printing an error line. */
static int reuse_demo(int *fds, int n, char **kinds)
{
    int mid = n / 2;
    int old = fds[mid];

    fds[mid] = -1;
    if (close(old) < 0) {
        report_error("close fd %d:", old);
        return -1;
    }
    printf("closed fd=%d\n", old);

    const struct kind *k = kind_find(kinds[mid]);
    fds[mid] = sock_open(k);
    if (fds[mid] < 0) {
        report_error("socket %s:", k->name);
        return -1;
    }
    return sock_print(fds[mid], k->name);
}

/* Set the soft RLIMIT_NOFILE to limit and keep the hard one; *was gets
 * the limits as they were (read first, so they are there even when the new
 * one is refused). Returns 0, or -1 with errno set: EINVAL when limit is
 * above the hard limit. */
static int fd_limit_lower(long limit, struct rlimit *was)
{
    /* TODO 4 (setrlimit): getrlimit(2) RLIMIT_NOFILE into *was, then
     * setrlimit(2) a struct rlimit with the new soft limit (rlim_cur) and
     * the hard limit (rlim_max) as it was. See the chapter's section
     * 'Running out of descriptors'. */
    (void)limit;
    (void)was;
    report_error("fd_limit_lower is not written yet (TODO 4 in sockinfo.c)");
    errno = ENOSYS;
    return -1;
}

/* Open TCP sockets into fds[0..cap-1] until socket() fails. Returns how
 * many it opened; *err is socket()'s errno (0 if it never failed). */
static long open_until_failure(int *fds, long cap, int *err)
{
    /* TODO 5 (EMFILE): sock_open a tcp socket (kind_find("tcp")) in a loop,
     * keeping each fd in fds, until it fails; save its errno in *err at
     * once (the next call may change errno). See the chapter's section
     * 'Running out of descriptors'. */
    (void)fds;
    (void)cap;
    report_error("open_until_failure is not written yet (TODO 5 in sockinfo.c)");
    *err = ENOSYS;
    return 0;
}

/* Set the soft RLIMIT_NOFILE to limit and print
 * "limit: RLIMIT_NOFILE soft=N hard=H (was S)". Returns 0, or -1 after
 * printing an error line that names the hard limit when limit is above it. */
static int set_fd_limit(long limit)
{
    struct rlimit was = {0};

    if (fd_limit_lower(limit, &was) < 0) {
        if (errno == EINVAL)
            report_error("--exhaust=%ld is above the hard limit %llu (ulimit -Hn)", limit,
                         (unsigned long long)was.rlim_max);
        else
            report_error("setrlimit RLIMIT_NOFILE %ld:", limit);
        return -1;
    }
    printf("limit: RLIMIT_NOFILE soft=%ld hard=%llu (was %llu)\n", limit, (unsigned long long)was.rlim_max,
           (unsigned long long)was.rlim_cur);
    return 0;
}

/* Set the soft RLIMIT_NOFILE to limit, open TCP sockets until socket()
 * fails, print how many and why ("opened 61 sockets, then socket: Too many
 * open files (EMFILE)"), close them all ("closed 61 sockets"), then open
 * and print one more socket to show that closing recovers. Returns that
 * socket's fd, or -1 after printing an error line (also when socket()
 * failed with something other than EMFILE or ENFILE). */
static int exhaust_demo(long limit)
{
    if (set_fd_limit(limit) < 0)
        return -1;
    int *fds = calloc((size_t)limit, sizeof *fds);
    if (fds == NULL) {
        report_error("calloc:");
        return -1;
    }
    int err;
    long n = open_until_failure(fds, limit, &err);
    char buf[SOCKNAME_LEN];
    const char *name = sockname_errno(err, buf);
    printf("opened %ld sockets, then socket: %s (%s)\n", n, strerror(err), name);
    close_all(fds, n);
    free(fds);
    printf("closed %ld sockets\n", n);
    if (err != EMFILE && err != ENFILE) {
        report_error("expected EMFILE or ENFILE, but got %s", name);
        return -1;
    }

    int fd = sock_open(kind_find("tcp"));
    if (fd < 0) {
        report_error("socket tcp after closing %ld:", n);
        return -1;
    }
    if (sock_print(fd, "tcp") < 0) {
        close_all(&fd, 1);
        return -1;
    }
    return fd;
}

/* Read and discard stdin until end of file. Returns 0 at end of file, or
 * -1 with errno set if read fails. */
static int hold_stdin(void)
{
    char buf[512];

    for (;;) {
        ssize_t r = read(STDIN_FILENO, buf, sizeof buf);
        if (r == 0)
            return 0;
        if (r < 0 && errno != EINTR)
            return -1;
    }
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
