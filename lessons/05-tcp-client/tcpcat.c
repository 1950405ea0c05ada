/*
 * tcpcat.c - a small netcat: connect to a TCP server, copy standard input
 * to it and what it sends to standard output.
 *
 * usage: tcpcat [-w SECONDS] [--frames [--max BYTES]] HOST PORT
 *
 * Connects to HOST (a name, an IPv4 or an IPv6 address) and PORT, trying
 * every address the name has until one answers. Then it copies both ways
 * at once (poll): standard input to the server, the server's bytes to
 * standard output. At the end of standard input it half-closes the
 * connection (shutdown SHUT_WR: the server reads end of file) and goes on
 * printing the server's reply until the server closes its side too.
 *
 *     printf 'GET / HTTP/1.0\r\n\r\n' | tcpcat example.org 80
 *     tcpcat -w 3 ::1 8080 < request > reply
 *     printf 'one\ntwo\n' | tcpcat --frames 127.0.0.1 41234
 *
 * With --frames, each line of standard input (without its newline) goes as
 * one length-prefixed frame (4-byte big-endian length, then the bytes); at
 * the end of input tcpcat half-closes and prints each frame it receives,
 * one a line, until the server's end of file. A frame over --max bytes
 * (default 65536) is refused, either way.
 *
 * Errors are one line naming the call and the server's address:
 *     tcpcat: connect 127.0.0.1:41234: Connection refused
 *     tcpcat: recv 127.0.0.1:41234: Connection reset by peer
 *     tcpcat: connect [::1]:41234: Connection timed out        (-w)
 *     tcpcat: send [::1]:41234: Connection timed out           (-w)
 *
 * -w SECONDS bounds each connect() and each send() (SO_SNDTIMEO), as
 * netcat's -w does: a server that takes no bytes for that long is gone.
 *
 * Exit: 0 when both directions ended cleanly, 1 on a runtime error, 2 on a
 * usage error.
 */
#define _GNU_SOURCE
#include "cli.h"
#include "client.h"
#include "stream.h"

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUFSIZE 65536
#define DEFAULT_MAX 65536

static const char usage[] = "usage: tcpcat [-w SECONDS] [--frames [--max BYTES]] HOST PORT\n"
                            "\n"
                            "Connect to HOST and PORT over TCP (every address of HOST is tried in\n"
                            "turn), copy standard input to the server and the server's bytes to\n"
                            "standard output. At the end of input, half-close (the server reads end\n"
                            "of file) and print the rest of the reply until the server closes.\n"
                            "\n"
                            "  HOST         a host name, an IPv4 or an IPv6 address\n"
                            "  PORT         1 to 65535\n"
                            "  -w SECONDS   give up on an address, or on a server that takes no\n"
                            "               bytes, after SECONDS (0.001 to 3600)\n"
                            "  --frames     send each input line as a length-prefixed frame (4-byte\n"
                            "               big-endian length), print each frame received on a line\n"
                            "  --max BYTES  the largest frame either way (default 65536)\n"
                            "  --help       show this help\n"
                            "\n"
                            "Exit: 0 when both directions ended, 1 on a runtime error, 2 on a usage\n"
                            "error.\n";

struct options {
    bool help, frames;
    double timeout; /* seconds; 0: the kernel's */
    size_t max;     /* the largest frame */
    const char *host;
    char port[sizeof "65535"];
};

/* Parse a number of seconds "0.001".."3600" into *seconds. Returns 0 or -1. */
static int parse_seconds(const char *text, double *seconds)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno != 0 || end == text || *end != '\0' || !(v >= 0.001 && v <= 3600))
        return -1;
    *seconds = v;
    return 0;
}

/* Parse a frame size "0".."4294967295" (digits only) into *max. Returns 0 or -1. */
static int parse_size(const char *text, size_t *max)
{
    char *end;
    if (!isdigit((unsigned char)text[0]))
        return -1;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno != 0 || *end != '\0' || v > FRAME_MAX_LIMIT)
        return -1;
    *max = (size_t)v;
    return 0;
}

/* The value of option argv[*i], moving *i past it; NULL (after a usage
 * error) when it is missing. */
static const char *option_value(int argc, char *argv[], int *i)
{
    if (*i + 1 >= argc) {
        cli_usage_error("option '%s' needs a value", argv[*i]);
        return NULL;
    }
    return argv[++*i];
}

/* Parse one option argv[*i] into *opt. Returns 0, or -1 after a usage error. */
static int parse_option(int argc, char *argv[], int *i, struct options *opt)
{
    const char *a = argv[*i], *v;
    if (strcmp(a, "--help") == 0) {
        opt->help = true;
    } else if (strcmp(a, "--frames") == 0) {
        opt->frames = true;
    } else if (strcmp(a, "-w") == 0) {
        if (!(v = option_value(argc, argv, i)))
            return -1;
        if (parse_seconds(v, &opt->timeout) == -1)
            return cli_usage_error("bad timeout '%s': seconds from 0.001 to 3600", v);
    } else if (strcmp(a, "--max") == 0) {
        if (!(v = option_value(argc, argv, i)))
            return -1;
        if (parse_size(v, &opt->max) == -1)
            return cli_usage_error("bad frame size '%s': bytes from 0 to %lu", v, FRAME_MAX_LIMIT);
    } else {
        return cli_usage_error("unknown option '%s'", a);
    }
    return 0;
}

/* Parse the command line into *opt (the port with parse_port, from your
 * lesson 02 addr.c). Returns 0, or -1 after printing a one-line usage error. */
static int parse_args(int argc, char *argv[], struct options *opt)
{
    const char *args[2];
    int nargs = 0;
    bool options_done = false;
    *opt = (struct options){.max = DEFAULT_MAX};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!options_done && strcmp(a, "--") == 0) {
            options_done = true;
        } else if (!options_done && a[0] == '-' && a[1] != '\0') {
            if (parse_option(argc, argv, &i, opt) == -1)
                return -1;
            if (opt->help)
                return 0;
        } else if (nargs == 2) {
            return cli_usage_error("too many arguments at '%s'", a);
        } else {
            args[nargs++] = a;
        }
    }
    if (nargs < 2)
        return cli_usage_error(nargs == 0 ? "missing HOST and PORT" : "missing PORT");
    uint16_t port;
    if (parse_port(args[1], &port) == -1 || port == 0)
        return cli_usage_error("bad port '%s': a number from 1 to 65535", args[1]);
    opt->host = args[0];
    snprintf(opt->port, sizeof opt->port, "%u", (unsigned)port);
    return 0;
}

/* Write all len bytes of buf to fd (standard output: a terminal, a pipe or
 * a file), looping over short writes and EINTR. Returns 0, or -1. */
static int write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n == -1 && errno == EINTR)
            continue;
        if (n == -1)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* One event on standard input: read what is there and send it all to the
 * server; at the end of input, half-close (the server reads end of file,
 * and can still answer) and stop polling stdin (*in = -1). Returns 0, or
 * -1 after printing an error. */
static int stdin_to_server(int *in, int fd, const char *peer, char *buf)
{
    ssize_t n = read(*in, buf, BUFSIZE);
    if (n == -1)
        return errno == EINTR || errno == EAGAIN ? 0 : cli_error("read standard input:");
    /* TODO: n bytes came: send them all (send_all). End of input (n == 0):
     * shutdown(fd, SHUT_WR), so that the server reads end of file and can
     * still answer; then stop polling stdin (*in = -1). Name peer in each
     * error: cli_error("send %s:", peer). Chapter: 'Half-close'. */
    (void)fd;
    (void)peer;
    return cli_error("stdin_to_server is not written yet (see the TODO in tcpcat.c)");
}

/* One event on the socket: receive what is there and write it to standard
 * output; at the server's end of file stop polling the socket (*sock =
 * -1): the other direction may still be open. Returns 0, or -1 after
 * printing an error ("recv 127.0.0.1:41234: Connection reset by peer"). */
static int server_to_stdout(int *sock, const char *peer, char *buf)
{
    /* TODO: recv what is there (up to BUFSIZE bytes): EINTR is no error
     * (return 0 and poll again); any other failure is, name peer in it;
     * 0 is the server's end of file: stop polling the socket (*sock = -1),
     * it is not an error; bytes go to standard output with write_all.
     * Chapter: 'End of file, and the reset'. */
    (void)sock;
    (void)peer;
    (void)buf;
    (void)write_all;
    return cli_error("server_to_stdout is not written yet (see the TODO in tcpcat.c)");
}

/* Copy both ways until both have ended: stdin to the connected socket fd,
 * fd to stdout, as poll says either is ready (a blocking read of one would
 * stall the other). Returns 0, or -1 after printing an error. */
static int relay(int fd, const char *peer)
{
    static char buf[BUFSIZE];
    struct pollfd pfd[2] = {{.fd = STDIN_FILENO, .events = POLLIN}, {.fd = fd, .events = POLLIN}};
    while (pfd[0].fd != -1 || pfd[1].fd != -1) {
        if (poll(pfd, 2, -1) == -1) {
            if (errno == EINTR)
                continue;
            return cli_error("poll:");
        }
        if (pfd[0].revents != 0 && stdin_to_server(&pfd[0].fd, fd, peer, buf) != 0)
            return -1;
        if (pfd[1].revents != 0 && server_to_stdout(&pfd[1].fd, peer, buf) != 0)
            return -1;
    }
    return 0;
}

/* Report a frame_write or frame_read failure (errno) for a frame of len
 * bytes. Returns -1. */
static int frame_error(const char *call, const char *peer, size_t len, size_t max)
{
    if (errno == EMSGSIZE)
        return cli_error("%s %s: a frame of %zu bytes is over the maximum of %zu: %s", call, peer, len, max,
                         strerror(EMSGSIZE));
    if (errno == EPROTO)
        return cli_error("%s %s: the connection ended inside a frame", call, peer);
    return cli_error("%s %s:", call, peer);
}

/* --frames: send each line of standard input as a frame, half-close, then
 * print each frame the server sends, one a line, until its end of file.
 * Returns 0, or -1 after printing an error. */
static int relay_frames(int fd, const char *peer, size_t max)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int rc = 0;
    while (rc == 0 && (n = getline(&line, &cap, stdin)) != -1) {
        size_t len = (size_t)n - (line[n - 1] == '\n');
        if (frame_write(fd, line, len, max) == -1)
            rc = frame_error("frame_write", peer, len, max);
    }
    free(line);
    if (rc == 0 && ferror(stdin))
        rc = cli_error("read standard input:");
    /* ENOTCONN: the server has reset already; frame_read will say so */
    if (rc == 0 && shutdown(fd, SHUT_WR) == -1 && errno != ENOTCONN)
        rc = cli_error("shutdown %s:", peer);
    while (rc == 0) {
        void *frame;
        size_t len = 0;
        int got = frame_read(fd, max, &frame, &len);
        if (got == 0)
            break;
        if (got != 1)
            return frame_error("frame_read", peer, len, max);
        if (write_all(STDOUT_FILENO, frame, len) == -1 || write_all(STDOUT_FILENO, "\n", 1) == -1)
            rc = cli_error("write standard output:");
        free(frame);
    }
    return rc;
}

int main(int argc, char *argv[])
{
    struct options opt;
    char peer[ADDR_STRLEN], err[CONNECT_ERRLEN];
    if (parse_args(argc, argv, &opt) == -1)
        return CLI_EXIT_USAGE;
    if (opt.help) {
        fputs(usage, stdout);
        return 0;
    }
    int fd = tcp_connect(opt.host, opt.port, opt.timeout, peer, err, sizeof err);
    if (fd == -1) {
        cli_error("%s", err);
        return 1;
    }
    int rc = opt.frames ? relay_frames(fd, peer, opt.max) : relay(fd, peer);
    close(fd);
    return rc == 0 ? 0 : 1;
}
