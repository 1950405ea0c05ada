/*
 * listener.c - bind a TCP socket to an address and a port, and say which.
 *
 * usage: listener [--reuseaddr] [ADDRESS] PORT
 *
 * Binds a TCP socket to ADDRESS (an IPv4 or IPv6 address or a host name;
 * default: the wildcard address 0.0.0.0) and PORT (0 lets the kernel pick
 * a free ephemeral port), listens, and prints the address it really got,
 * read back with getsockname, as its ready line:
 *
 *     listening on 127.0.0.1:41234
 *
 * Then it accepts each connection, prints "accepted 127.0.0.1:50112" and
 * closes it at once, so that this side closes first and keeps the
 * TIME_WAIT. It runs until its standard input ends (Ctrl-D) or a signal
 * ends it.
 *
 *     listener 127.0.0.1 0             # any free port on loopback only
 *     listener 127.0.0.1 41234         # the same port again: EADDRINUSE
 *     listener --reuseaddr ::1 8080    # IPv6, rebinding over TIME_WAIT
 *
 * Exit: 0 at end of input, 1 on a runtime error (the bind failed ...),
 * 2 on a usage error (unknown option, bad port, missing argument).
 */
#define _GNU_SOURCE
#include "cli.h"
#include "ports.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define BACKLOG 16

static const char usage[] = "usage: listener [--reuseaddr] [ADDRESS] PORT\n"
                            "\n"
                            "Bind a TCP socket to ADDRESS and PORT, listen, and print the address it\n"
                            "got: \"listening on 127.0.0.1:41234\". Then accept each connection, print\n"
                            "\"accepted ADDR:PORT\" and close it, until standard input ends (Ctrl-D).\n"
                            "\n"
                            "  ADDRESS      an IPv4 or IPv6 address or a host name\n"
                            "               (default: the wildcard address 0.0.0.0)\n"
                            "  PORT         0 to 65535; 0 lets the kernel pick a free ephemeral port\n"
                            "  --reuseaddr  set SO_REUSEADDR before bind, to bind a port that still\n"
                            "               has connections in TIME_WAIT\n"
                            "  --help       show this help\n"
                            "\n"
                            "Exit: 0 at end of input, 1 on a runtime error, 2 on a usage error.\n";

struct options {
    bool help;
    bool reuseaddr;
    const char *host;          /* NULL: the wildcard address */
    char port[sizeof "65535"]; /* checked, in decimal */
};

/* Parse the command line into *opt (the port with parse_port, from your
 * lesson 02 addr.c). Returns 0, or -1 after printing a one-line usage error. */
static int parse_args(int argc, char *argv[], struct options *opt)
{
    const char *args[2];
    int nargs = 0;
    bool options_done = false;
    memset(opt, 0, sizeof *opt);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool is_option = !options_done && a[0] == '-' && !isdigit((unsigned char)a[1]);
        if (is_option && strcmp(a, "--") == 0) {
            options_done = true;
        } else if (is_option && strcmp(a, "--help") == 0) {
            opt->help = true;
            return 0;
        } else if (is_option && strcmp(a, "--reuseaddr") == 0) {
            opt->reuseaddr = true;
        } else if (is_option) {
            return cli_usage_error("unknown option '%s'", a);
        } else if (nargs == 2) {
            return cli_usage_error("too many arguments at '%s'", a);
        } else {
            args[nargs++] = a;
        }
    }
    if (nargs == 0)
        return cli_usage_error("missing PORT");
    opt->host = nargs == 2 ? args[0] : NULL;
    uint16_t port;
    if (parse_port(args[nargs - 1], &port) == -1)
        return cli_usage_error("bad port '%s': %s", args[nargs - 1],
                               errno == ERANGE ? "out of range 0-65535" : "not a number 0-65535");
    snprintf(opt->port, sizeof opt->port, "%u", (unsigned)port);
    return 0;
}

/* Print "listening on ADDR:PORT" for the address fd is bound to, read back
 * with getsockname (the kernel chose the port if we asked for 0).
 * Returns 0, or -1 after printing an error. */
static int announce(int fd)
{
    /* TODO: getsockname into a struct sockaddr_storage, format_sockaddr
     * (yours, from lesson 02), print the ready line (stdout is
     * line-buffered, see main). Report a failure with cli_error
     * (lib/cli.h). Chapter: 'Port 0'. */
    /* BEGIN SOLUTION */
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    char addr[ADDR_STRLEN];
    if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
        return cli_error("getsockname:");
    int rc = format_sockaddr((struct sockaddr *)&ss, len, addr, sizeof addr);
    if (rc != 0)
        return cli_error("getnameinfo: %s", rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
    printf("listening on %s\n", addr);
    return 0;
    /* END SOLUTION */
    /* BEGIN SKELETON
    (void)fd;
    fprintf(stderr, "listener: announce is not written yet (see the TODO in listener.c)\n");
    return -1;
    END SKELETON */
}

/* Accept one pending connection, print "accepted ADDR:PORT" (the peer) and
 * close it at once: the side that closes first keeps the TIME_WAIT.
 * Returns 0 (also when the peer went away first), or -1 after an error. */
static int accept_and_close(int lfd)
{
    /* TODO: accept4 with SOCK_CLOEXEC (ask for the peer's address),
     * format_sockaddr, print, close. ECONNABORTED and EINTR are not
     * errors: return 0; any other (EMFILE ...) is: cli_error, return -1.
     * Chapter: 'Who closes first keeps TIME_WAIT'. */
    /* BEGIN SOLUTION */
    struct sockaddr_storage peer;
    socklen_t len = sizeof peer;
    char addr[ADDR_STRLEN];
    int fd = accept4(lfd, (struct sockaddr *)&peer, &len, SOCK_CLOEXEC);
    if (fd == -1) {
        if (errno == ECONNABORTED || errno == EINTR || errno == EAGAIN)
            return 0;
        return cli_error("accept:");
    }
    if (format_sockaddr((struct sockaddr *)&peer, len, addr, sizeof addr) != 0)
        snprintf(addr, sizeof addr, "(unknown peer)");
    printf("accepted %s\n", addr);
    if (close(fd) == -1)
        return cli_error("close:");
    return 0;
    /* END SOLUTION */
    /* BEGIN SKELETON
    (void)lfd;
    fprintf(stderr, "listener: accept_and_close is not written yet (see the TODO in listener.c)\n");
    return -1;
    END SKELETON */
}

int main(int argc, char *argv[])
{
    struct options opt;
    char err[LISTEN_ERRLEN];
    setvbuf(stdout, NULL, _IOLBF, 0); /* each line out at once, also to a pipe */
    if (parse_args(argc, argv, &opt) == -1)
        return CLI_EXIT_USAGE;
    if (opt.help) {
        fputs(usage, stdout);
        return 0;
    }
    int fd = tcp_listen_on(opt.host, opt.port, opt.reuseaddr, BACKLOG, err, sizeof err);
    if (fd == -1) {
        cli_error("%s", err);
        return 1;
    }
    int rc = announce(fd) == 0 && cli_serve_until_eof(fd, accept_and_close) == 0 ? 0 : 1;
    close(fd);
    return rc;
}
