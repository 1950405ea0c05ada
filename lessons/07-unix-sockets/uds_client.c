/*
 * uds_client.c - a client of uds_server: lines out, echoes back, or an
 * open file passed across.
 *
 * usage: uds_client [--type stream|dgram|seqpacket] [--send-fd FILE] PATH|@NAME
 *
 * Connects to PATH (or @NAME in the abstract namespace), then sends each
 * line of its standard input as one message and prints what comes back.
 * A datagram client first binds an address of its own (an autobound
 * abstract name), so that the server has somewhere to answer.
 *
 * --send-fd FILE opens FILE, passes the open file over the socket
 * (SCM_RIGHTS, with one byte 'F'), closes its own copy, shuts its side down
 * and prints everything the server sends back until it closes: uds_server
 * answers with the file's contents, read through the fd it was given, even
 * when it could not open FILE itself.
 *
 *     echo hello | uds_client /tmp/echo.sock
 *     uds_client --send-fd secret.txt @echo
 *
 * Exit: 0 at the end, 1 on a runtime error (connect refused ...), 2 on a
 * usage error.
 */
#define _GNU_SOURCE
#include "cli.h"
#include "uds.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BUFSIZE 65536

static const char usage[] = "usage: uds_client [--type stream|dgram|seqpacket] [--send-fd FILE] PATH|@NAME\n"
                            "\n"
                            "Connect to a Unix domain socket (a file PATH, or @NAME in the abstract\n"
                            "namespace), send each line of standard input as one message and print\n"
                            "the replies.\n"
                            "\n"
                            "  --type T        stream (default), dgram or seqpacket\n"
                            "  --send-fd FILE  pass FILE, opened here, to the server (SCM_RIGHTS), then\n"
                            "                  print what it sends back until it closes\n"
                            "  --help          show this help\n"
                            "\n"
                            "Exit: 0 at the end, 1 on a runtime error, 2 on a usage error.\n";

struct options {
    bool help;
    int type;
    const char *send_fd; /* a file to pass, or NULL */
    const char *spec;
};

/* Parse the command line into *opt. Returns 0, or -1 after printing a
 * one-line usage error. */
static int parse_args(int argc, char *argv[], struct options *opt)
{
    *opt = (struct options){.type = SOCK_STREAM};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0) {
            opt->help = true;
            return 0;
        } else if (strcmp(a, "--type") == 0 && i + 1 < argc) {
            if ((opt->type = uds_type_of(argv[++i])) == -1)
                return cli_usage_error("bad --type '%s': stream, dgram or seqpacket", argv[i]);
        } else if (strcmp(a, "--send-fd") == 0 && i + 1 < argc) {
            opt->send_fd = argv[++i];
        } else if (a[0] == '-' && a[1] != '\0') {
            return cli_usage_error("unknown option '%s'", a);
        } else if (opt->spec) {
            return cli_usage_error("too many arguments at '%s'", a);
        } else {
            opt->spec = a;
        }
    }
    if (!opt->spec)
        return cli_usage_error("missing PATH or @NAME");
    if (uds_check_address(opt->spec) == -1)
        return -1;
    if (opt->send_fd && opt->type == SOCK_DGRAM)
        return cli_usage_error("--send-fd needs a connection: --type stream or seqpacket");
    return 0;
}

/* Connect as opt says; a datagram socket first binds an autobound abstract
 * address (bind with only the family) so that replies can come back.
 * Returns the fd, or -1 after printing an error. */
static int connect_to(const struct options *opt)
{
    struct uds_addr a;
    if (opt->type != SOCK_DGRAM) {
        int fd = uds_connect(opt->spec, opt->type);
        return fd != -1 ? fd : cli_error("connect %s:", opt->spec);
    }
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd == -1)
        return cli_error("socket:");
    struct sockaddr_un self = {.sun_family = AF_UNIX};
    if (bind(fd, (struct sockaddr *)&self, sizeof self.sun_family) == -1 ||
        uds_address(opt->spec, &a) == -1 || connect(fd, (struct sockaddr *)&a.sun, a.len) == -1) {
        cli_error("connect %s:", opt->spec);
        close(fd);
        return -1;
    }
    return fd;
}

/* Write len bytes to stdout. Returns 0, or -1 with errno set. */
static int write_out(const char *buf, size_t len)
{
    return fwrite(buf, 1, len, stdout) == len && fflush(stdout) == 0 ? 0 : -1;
}

/* Send each line of stdin as one message and print its echo: on a stream
 * as many bytes as were sent, else one message. Returns 0, or -1 after
 * printing an error. */
static int echo_lines(int fd, int type)
{
    static char reply[BUFSIZE];
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int rc = 0;
    while (rc == 0 && (len = getline(&line, &cap, stdin)) > 0) {
        if (uds_send_all(fd, line, (size_t)len) == -1) {
            rc = cli_error("send:");
            break;
        }
        for (ssize_t got = 0; rc == 0 && got < len;) {
            ssize_t n = recv(fd, reply, sizeof reply, 0);
            if (n == -1 && errno == EINTR)
                continue;
            if (n <= 0)
                rc = n == 0 ? cli_error("the server closed the connection") : cli_error("recv:");
            else if (write_out(reply, (size_t)n) == -1)
                rc = cli_error("write:");
            got = type == SOCK_STREAM ? got + n : len;
        }
    }
    free(line);
    return rc;
}

/* Pass the file `path` over fd, then print what comes back until the
 * server closes. Returns 0, or -1 after printing an error. */
static int send_file_fd(int fd, const char *path)
{
    static char buf[BUFSIZE];
    int file = open(path, O_RDONLY | O_CLOEXEC);
    if (file == -1)
        return cli_error("open %s:", path);
    /* TODO: uds_send_fd (uds.c) with the tag 'F', then close our copy of
     * the file (the server's is its own now) and shutdown(SHUT_WR) to say
     * we are done. Chapter: 'Passing an open file'. */
    close(file);
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n == -1 && errno == EINTR)
            continue;
        if (n == 0)
            return 0;
        if (n == -1)
            return cli_error("recv:");
        if (write_out(buf, (size_t)n) == -1)
            return cli_error("write:");
    }
}

int main(int argc, char *argv[])
{
    struct options opt;
    if (parse_args(argc, argv, &opt) == -1)
        return CLI_EXIT_USAGE;
    if (opt.help) {
        fputs(usage, stdout);
        return 0;
    }
    signal(SIGPIPE, SIG_IGN);
    int fd = connect_to(&opt);
    if (fd == -1)
        return 1;
    int rc = opt.send_fd ? send_file_fd(fd, opt.send_fd) : echo_lines(fd, opt.type);
    close(fd);
    return rc == 0 ? 0 : 1;
}
