/*
 * udp_echo.c - a UDP echo server: one socket serves every client.
 *
 * usage: udp_echo [-4|-6] [PORT]
 *
 * Binds a UDP socket to the wildcard address and PORT (default 0: the
 * kernel picks a free port), prints the address it got as its ready line,
 *
 *     listening on [::]:41234
 *
 * then sends each datagram back to the address it came from, one datagram
 * for one datagram, and logs it:
 *
 *     echoed 5 bytes to 127.0.0.1:50412
 *
 * A datagram longer than its buffer (UDP_ECHO_MAX bytes) would arrive cut
 * short; it is reported and not echoed:
 *
 *     truncated 5000 bytes from 127.0.0.1:50412: over the 4096-byte buffer, not echoed
 *
 * It runs until its standard input ends (Ctrl-D) or a signal ends it.
 * Without -4 or -6 the socket serves IPv6 and IPv4 clients alike.
 *
 *     udp_echo                  # any free port, IPv4 and IPv6
 *     udp_echo -4 9999          # 0.0.0.0:9999, IPv4 only
 *     socat - UDP:127.0.0.1:9999  # a client: type a line, get it back
 *
 * Exit: 0 at end of input, 1 on a runtime error (the bind failed ...),
 * 2 on a usage error.
 */
#define _GNU_SOURCE
#include "cli.h"
#include "udp.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The largest datagram udp_echo echoes: its receive buffer. */
#define UDP_ECHO_MAX 4096

static const char usage[] = "usage: udp_echo [-4|-6] [PORT]\n"
                            "\n"
                            "Bind a UDP socket to the wildcard address and PORT, print the address it\n"
                            "got (\"listening on [::]:41234\"), and send every datagram back to its\n"
                            "sender, until standard input ends (Ctrl-D). A datagram over 4096 bytes is\n"
                            "reported as truncated and not echoed.\n"
                            "\n"
                            "  PORT    0 to 65535 (default 0: the kernel picks a free port)\n"
                            "  -4      IPv4 only (0.0.0.0)\n"
                            "  -6      IPv6 only ([::])\n"
                            "          (default: [::] for IPv6 and IPv4 clients alike)\n"
                            "  --help  show this help\n"
                            "\n"
                            "Exit: 0 at end of input, 1 on a runtime error, 2 on a usage error.\n";

struct options {
    bool help;
    int family;                /* AF_UNSPEC, AF_INET or AF_INET6 */
    char port[sizeof "65535"]; /* checked, in decimal */
};

/* Parse the command line into *opt (the port with parse_port, from your
 * lesson 02 addr.c). Returns 0, or -1 after printing a one-line usage error. */
static int parse_args(int argc, char *argv[], struct options *opt)
{
    const char *port = "0";
    int nargs = 0;
    memset(opt, 0, sizeof *opt);
    opt->family = AF_UNSPEC;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0) {
            opt->help = true;
            return 0;
        } else if (strcmp(a, "-4") == 0 || strcmp(a, "-6") == 0) {
            int family = a[1] == '4' ? AF_INET : AF_INET6;
            if (opt->family != AF_UNSPEC && opt->family != family)
                return cli_usage_error("-4 and -6 exclude each other");
            opt->family = family;
        } else if (a[0] == '-' && a[1] != '\0') {
            return cli_usage_error("unknown option '%s'", a);
        } else if (nargs++ == 1) {
            return cli_usage_error("too many arguments at '%s'", a);
        } else {
            port = a;
        }
    }
    uint16_t p;
    if (parse_port(port, &p) == -1)
        return cli_usage_error("bad port '%s': %s", port,
                               errno == ERANGE ? "out of range 0-65535" : "not a number 0-65535");
    snprintf(opt->port, sizeof opt->port, "%u", (unsigned)p);
    return 0;
}

/* Print "listening on ADDR:PORT" for the address fd is bound to, read back
 * with getsockname. Returns 0, or -1 after printing an error. */
static int announce(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    char addr[ADDR_STRLEN];
    if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
        return cli_error("getsockname:");
    int rc = format_sockaddr((struct sockaddr *)&ss, len, addr, sizeof addr);
    if (rc == EAI_SYSTEM)
        return cli_error("getnameinfo:");
    if (rc != 0)
        return cli_error("getnameinfo: %s", gai_strerror(rc));
    printf("listening on %s\n", addr);
    return 0;
}

/* The sender's address as text, for the log ("(unknown)" if it has none). */
static const char *peer_text(const struct sockaddr_storage *ss, socklen_t len, char *buf, size_t size)
{
    if (format_sockaddr((const struct sockaddr *)ss, len, buf, size) != 0)
        snprintf(buf, size, "(unknown)");
    return buf;
}

/* Receive one datagram on fd and send it back to its sender, whole, with
 * one sendto; log it. A datagram longer than the buffer is logged as
 * truncated and dropped. Returns 0 (also when there was nothing to read,
 * or this one client could not be answered), or -1 after an error of the
 * socket itself. */
static int echo_one(int fd)
{
    /* TODO: recvfrom into buf with MSG_TRUNC (the return value is then
     * the datagram's real length, even when that is more than the buffer
     * holds) and the sender's address in a struct sockaddr_storage; over
     * sizeof buf: print "truncated N bytes from ADDR: over the 4096-byte
     * buffer, not echoed"; else sendto the same address and print "echoed
     * N bytes to ADDR". EINTR or EAGAIN: nothing to do, return 0. A sendto
     * that fails harms one client only: cli_error, return 0. Chapter:
     * 'One socket serves all' and 'Truncation'. */
    (void)fd;
    (void)peer_text;
    fprintf(stderr, "udp_echo: echo_one is not written yet (see the TODO in udp_echo.c)\n");
    return -1;
}

int main(int argc, char *argv[])
{
    struct options opt;
    char err[UDP_ERRLEN];
    setvbuf(stdout, NULL, _IOLBF, 0); /* each line out at once, also to a pipe */
    if (parse_args(argc, argv, &opt) == -1)
        return CLI_EXIT_USAGE;
    if (opt.help) {
        fputs(usage, stdout);
        return 0;
    }
    int fd = udp_server(opt.family, opt.port, err, sizeof err);
    if (fd == -1) {
        cli_error("%s", err);
        return 1;
    }
    int rc = announce(fd) == 0 && cli_serve_until_eof(fd, echo_one) == 0 ? 0 : 1;
    close(fd);
    return rc;
}
