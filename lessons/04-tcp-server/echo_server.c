/*
 * echo_server.c - a TCP echo server: every byte a client sends comes back.
 *
 * usage: echo_server [-4|-6] [--fork] [--max-clients N] [PORT]
 *
 * Listens on every address of one family (-4: 0.0.0.0, the default; -6:
 * ::) and PORT (default 0: the kernel picks a free port), and prints the
 * address it got as its ready line:
 *
 *     listening on 0.0.0.0:41234
 *
 * Then, for each client, it logs "connected ADDR:PORT", sends back every
 * byte the client sends until the client's end of file, closes, and logs
 * "closed ADDR:PORT: N bytes echoed". A client that resets or vanishes is
 * logged and dropped; the server goes on. One client at a time, or with
 * --fork one child process per client, reaped when it ends.
 *
 *     echo_server                      # any free port, IPv4
 *     echo_server -6 --fork 7007       # IPv6, a process per client
 *     socat - TCP:127.0.0.1:41234      # a client, from another terminal
 *
 * Exit: 0 after --max-clients N clients, 1 on a runtime error (the bind
 * failed ...), 2 on a usage error. Without --max-clients it runs until a
 * signal ends it (Ctrl-C).
 */
#define _GNU_SOURCE
#include "cli.h"
#include "echo.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* How many connections the kernel may complete before we accept them. */
#define BACKLOG 128
/* The largest --max-clients. */
#define MAX_CLIENTS 1000000UL

static const char usage[] = "usage: echo_server [-4|-6] [--fork] [--max-clients N] [PORT]\n"
                            "\n"
                            "Listen on every address and PORT, print \"listening on ADDR:PORT\", and\n"
                            "send back every byte each client sends until it closes. Each client is\n"
                            "logged when it connects and when it is closed.\n"
                            "\n"
                            "  PORT             0 to 65535 (default 0: the kernel picks a free port)\n"
                            "  -4               listen on 0.0.0.0, IPv4 (the default)\n"
                            "  -6               listen on ::, IPv6\n"
                            "  --fork           serve each client in a child process\n"
                            "  --max-clients N  exit after serving N clients (1 to 1000000)\n"
                            "  --help           show this help\n"
                            "\n"
                            "Exit: 0 after --max-clients clients, 1 on a runtime error, 2 on a usage\n"
                            "error. Without --max-clients it runs until a signal ends it.\n";

struct options {
    bool help;
    bool fork;
    int family;                /* AF_INET or AF_INET6 */
    unsigned long max_clients; /* 0: no limit */
    uint16_t port;
};

/* Parse a count "1".."MAX_CLIENTS" (digits only) into *n. Returns 0 or -1. */
static int parse_count(const char *text, unsigned long *n)
{
    char *end;
    if (!isdigit((unsigned char)text[0]))
        return -1;
    errno = 0;
    *n = strtoul(text, &end, 10);
    return *end == '\0' && errno == 0 && *n >= 1 && *n <= MAX_CLIENTS ? 0 : -1;
}

/* Parse the command line into *opt (the port with parse_port, from your
 * lesson 02 addr.c). Returns 0, or -1 after printing a one-line usage error. */
static int parse_args(int argc, char *argv[], struct options *opt)
{
    const char *port = NULL;
    bool options_done = false;
    memset(opt, 0, sizeof *opt);
    opt->family = AF_INET;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool is_option = !options_done && a[0] == '-' && a[1] != '\0';
        if (is_option && strcmp(a, "--") == 0) {
            options_done = true;
        } else if (is_option && strcmp(a, "--help") == 0) {
            opt->help = true;
            return 0;
        } else if (is_option && (strcmp(a, "-4") == 0 || strcmp(a, "-6") == 0)) {
            opt->family = a[1] == '4' ? AF_INET : AF_INET6;
        } else if (is_option && strcmp(a, "--fork") == 0) {
            opt->fork = true;
        } else if (is_option && strcmp(a, "--max-clients") == 0) {
            if (i + 1 == argc)
                return cli_usage_error("--max-clients needs a number");
            if (parse_count(argv[++i], &opt->max_clients) == -1)
                return cli_usage_error("bad --max-clients '%s': not a number 1-%lu", argv[i], MAX_CLIENTS);
        } else if (is_option) {
            return cli_usage_error("unknown option '%s'", a);
        } else if (port) {
            return cli_usage_error("too many arguments at '%s'", a);
        } else {
            port = a;
        }
    }
    if (port && parse_port(port, &opt->port) == -1)
        return cli_usage_error("bad port '%s': %s", port,
                               errno == ERANGE ? "out of range 0-65535" : "not a number 0-65535");
    return 0;
}

/* Print "listening on ADDR:PORT" for the address fd is bound to, read back
 * with getsockname (the kernel chose the port if we asked for 0). Returns
 * 0, or -1 after printing an error. */
static int announce(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    char addr[ADDR_STRLEN];
    if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
        return cli_error("getsockname:");
    int rc = format_sockaddr((struct sockaddr *)&ss, len, addr, sizeof addr);
    if (rc == EAI_SYSTEM)
        return cli_error("format_sockaddr:");
    if (rc != 0)
        return cli_error("format_sockaddr: %s", gai_strerror(rc));
    printf("listening on %s\n", addr);
    return 0;
}

int main(int argc, char *argv[])
{
    struct options opt;
    char err[ECHO_ERRLEN];
    setvbuf(stdout, NULL, _IOLBF, 0); /* each log line out at once, also to a pipe */
    if (parse_args(argc, argv, &opt) == -1)
        return CLI_EXIT_USAGE;
    if (opt.help) {
        fputs(usage, stdout);
        return 0;
    }
    int fd = echo_listen(opt.family, opt.port, BACKLOG, err, sizeof err);
    if (fd == -1) {
        cli_error("%s", err);
        return 1;
    }
    int rc = announce(fd) == 0 && echo_serve(fd, opt.fork, opt.max_clients) == 0 ? 0 : 1;
    close(fd);
    return rc;
}
