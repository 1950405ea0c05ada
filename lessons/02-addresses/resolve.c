/*
 * resolve - look up a host the way a client does, and take endpoints apart.
 *
 * usage: resolve HOST [SERVICE]
 *        resolve --parse ENDPOINT
 *
 * resolve HOST prints one line per getaddrinfo result, in getaddrinfo's
 * order and in the shape of `getent ahosts HOST`: the numeric address, the
 * socket type, and on the first line the canonical name. With a SERVICE (a
 * port number or a name from /etc/services) the address column is the whole
 * socket address, "127.0.0.1:80" or "[::1]:80".
 *
 * resolve --parse ENDPOINT parses "1.2.3.4:80", "[::1]:80" or "name:80" and
 * prints the family, the address, the port in host byte order, the port's
 * two bytes as they sit in the socket address (network byte order), and the
 * socket address formatted back; a name is resolved, one sockaddr line per
 * address.
 *
 * Exit: 0 done, 1 the lookup failed, 2 usage (bad option, endpoint or port).
 */
#define _GNU_SOURCE
#include "addr.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static const char usage[] = "usage: resolve HOST [SERVICE]\n"
                            "       resolve --parse ENDPOINT\n"
                            "\n"
                            "  HOST [SERVICE]     print each getaddrinfo result like 'getent ahosts HOST':\n"
                            "                     address (with :PORT when SERVICE is given), socket type,\n"
                            "                     and the canonical name on the first line\n"
                            "  -p, --parse ENDPOINT\n"
                            "                     take apart 1.2.3.4:80, [::1]:80 or name:80 and print its\n"
                            "                     family, address, port, the port's bytes and the sockaddr\n"
                            "  -h, --help         print this help\n"
                            "\n"
                            "Exit: 0 done, 1 the lookup failed, 2 usage error.\n";

enum mode { MODE_HOST, MODE_PARSE, MODE_HELP };

struct options {
    enum mode mode;
    const char *host;         /* MODE_HOST */
    const char *service;      /* MODE_HOST; NULL when not given */
    struct endpoint endpoint; /* MODE_PARSE */
};

/* TODO: small helpers for the steps below, for example
 *   resolver_error(rc): the text for an EAI_* code, gai_strerror(rc), or
 *     strerror(errno) when rc is EAI_SYSTEM;
 *   socktype_name(type, buf, size): "STREAM", "DGRAM", "RAW", "SEQPACKET"
 *     as getent prints them, or the number;
 *   family_name(family): "AF_INET", "AF_INET6", else "AF_UNSPEC".
 * Chapter: 'getaddrinfo'. */

/* Fill *opt from the command line. Returns 0, or -1 after printing a
 * one-line usage error. */
static int parse_args(int argc, char *argv[], struct options *opt)
{
    /* TODO: --help/-h; --parse/-p ENDPOINT (check it with parse_endpoint);
     * otherwise HOST [SERVICE], where a SERVICE that does not start with a
     * letter (a digit, a sign, a space, or nothing) must be a valid port
     * (parse_port). Anything else: one line on stderr naming the bad
     * argument. Chapter: 'The exercise'. */
    (void)argc;
    (void)argv;
    (void)opt;
    fprintf(stderr, "resolve: parse_args is not written yet (see the TODO in resolve.c)\n");
    return -1;
}

/* Look host (and service) up as getent ahosts does and print every result.
 * Returns 0, or -1 after printing a one-line error. */
static int show_host(const char *host, const char *service)
{
    /* TODO: getaddrinfo with the hints getent uses (AF_UNSPEC; AI_V4MAPPED |
     * AI_ADDRCONFIG | AI_CANONNAME), then the result loop: for EVERY result
     * one line printf("%-15s %-6s %s\n", address, socket type, canonical
     * name or ""), the address from format_address, or format_sockaddr when
     * a service was given; freeaddrinfo on every path. Chapter: 'getaddrinfo'
     * and 'The result loop'. */
    (void)host;
    (void)service;
    fprintf(stderr, "resolve: show_host is not written yet (see the TODO in resolve.c)\n");
    return -1;
}

/* Print what parse_endpoint made of an endpoint: family, address or name,
 * port, the port's bytes, the sockaddr(s). Returns 0, or -1 after an error. */
static int show_endpoint(const struct endpoint *ep)
{
    /* TODO: print the lines the chapter shows in 'The exercise': family,
     * address (format_address), port (ntohs of sin_port or sin6_port), the
     * port's two bytes as stored, sockaddr (format_sockaddr). For a name
     * (addrlen 0): family AF_UNSPEC, the name, port and bytes, then one
     * sockaddr line per getaddrinfo result (SOCK_STREAM, AI_NUMERICSERV). */
    (void)ep;
    fprintf(stderr, "resolve: show_endpoint is not written yet (see the TODO in resolve.c)\n");
    return -1;
}

int main(int argc, char *argv[])
{
    struct options opt;
    if (parse_args(argc, argv, &opt) == -1)
        return 2;
    int rc = 0;
    switch (opt.mode) {
    case MODE_HELP:
        fputs(usage, stdout);
        break;
    case MODE_PARSE:
        rc = show_endpoint(&opt.endpoint);
        break;
    case MODE_HOST:
        rc = show_host(opt.host, opt.service);
        break;
    }
    if (fflush(stdout) == EOF) {
        fprintf(stderr, "resolve: write stdout: %s\n", strerror(errno));
        return 1;
    }
    return rc == -1 ? 1 : 0;
}
