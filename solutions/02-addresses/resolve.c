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
/* BEGIN SOLUTION */
/* The text for a getaddrinfo/getnameinfo error code (EAI_SYSTEM: errno). */
static const char *resolver_error(int rc)
{
    return rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc);
}

/* The name getent uses for a socket type, "STREAM", or its number in buf. */
static const char *socktype_name(int type, char *buf, size_t size)
{
    switch (type) {
    case SOCK_STREAM:
        return "STREAM";
    case SOCK_DGRAM:
        return "DGRAM";
    case SOCK_RAW:
        return "RAW";
    case SOCK_SEQPACKET:
        return "SEQPACKET";
    default:
        snprintf(buf, size, "%d", type);
        return buf;
    }
}

/* The name of an address family, "AF_INET", for printing. */
static const char *family_name(int family)
{
    return family == AF_INET ? "AF_INET" : family == AF_INET6 ? "AF_INET6" : "AF_UNSPEC";
}
/* END SOLUTION */

/* Fill *opt from the command line. Returns 0, or -1 after printing a
 * one-line usage error. */
static int parse_args(int argc, char *argv[], struct options *opt)
{
    /* TODO: --help/-h; --parse/-p ENDPOINT (check it with parse_endpoint);
     * otherwise HOST [SERVICE], where a SERVICE that does not start with a
     * letter (a digit, a sign, a space, or nothing) must be a valid port
     * (parse_port). Anything else: one line on stderr naming the bad
     * argument. Chapter: 'The exercise'. */
    /* BEGIN SOLUTION */
    memset(opt, 0, sizeof *opt);
    const char *first = argc > 1 ? argv[1] : "";
    if (strcmp(first, "-h") == 0 || strcmp(first, "--help") == 0) {
        opt->mode = MODE_HELP;
        return 0;
    }
    if (strcmp(first, "-p") == 0 || strcmp(first, "--parse") == 0) {
        const char *why;
        if (argc != 3) {
            fprintf(stderr, "resolve: %s needs exactly one ENDPOINT (try --help)\n", first);
            return -1;
        }
        if (parse_endpoint(argv[2], &opt->endpoint, &why) == -1) {
            fprintf(stderr, "resolve: bad endpoint '%s': %s\n", argv[2], why);
            return -1;
        }
        opt->mode = MODE_PARSE;
        return 0;
    }
    if (first[0] == '-') {
        fprintf(stderr, "resolve: unknown option '%s' (try --help)\n", first);
        return -1;
    }
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "resolve: %s (try --help)\n", argc < 2 ? "missing HOST" : "too many arguments");
        return -1;
    }
    opt->mode = MODE_HOST;
    opt->host = argv[1];
    opt->service = argc == 3 ? argv[2] : NULL;
    /* A service name starts with a letter ("http"); anything else must be
     * a port: getaddrinfo itself would quietly turn 65616 into 80, and ""
     * or " 80" into ports 0 and 80. */
    uint16_t port;
    if (opt->service && !isalpha((unsigned char)opt->service[0]) && parse_port(opt->service, &port) == -1) {
        fprintf(stderr, "resolve: bad port '%s': %s\n", opt->service,
                errno == ERANGE ? "out of range 0-65535" : "expected a number 0-65535");
        return -1;
    }
    return 0;
    /* END SOLUTION */
    /* BEGIN SKELETON
    (void)argc;
    (void)argv;
    (void)opt;
    fprintf(stderr, "resolve: parse_args is not written yet (see the TODO in resolve.c)\n");
    return -1;
    END SKELETON */
}

/* BEGIN SOLUTION */
/* Print one getaddrinfo result as getent ahosts does: address (or ADDR:PORT
 * when with_port), socket type, canonical name. Returns 0, or -1 after
 * printing an error. */
static int print_result(const struct addrinfo *ai, bool with_port)
{
    char addr[ADDR_STRLEN], type[16];
    int rc = with_port ? format_sockaddr(ai->ai_addr, ai->ai_addrlen, addr, sizeof addr)
                       : format_address(ai->ai_addr, ai->ai_addrlen, addr, sizeof addr);
    if (rc != 0) {
        fprintf(stderr, "resolve: getnameinfo: %s\n", resolver_error(rc));
        return -1;
    }
    printf("%-15s %-6s %s\n", addr, socktype_name(ai->ai_socktype, type, sizeof type),
           ai->ai_canonname ? ai->ai_canonname : "");
    return 0;
}

/* END SOLUTION */
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
    /* BEGIN SOLUTION */
    struct addrinfo hints = {
        .ai_family = AF_UNSPEC,
        .ai_flags = AI_V4MAPPED | AI_ADDRCONFIG | AI_CANONNAME,
    };
    struct addrinfo *res;
    int rc = getaddrinfo(host, service, &hints, &res);
    if (rc != 0) {
        fprintf(stderr, "resolve: getaddrinfo %s%s%s: %s\n", host, service ? " " : "", service ? service : "",
                resolver_error(rc));
        return -1;
    }
    for (const struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        if (print_result(ai, service != NULL) == -1) {
            freeaddrinfo(res);
            return -1;
        }
    }
    freeaddrinfo(res);
    return 0;
    /* END SOLUTION */
    /* BEGIN SKELETON
    (void)host;
    (void)service;
    fprintf(stderr, "resolve: show_host is not written yet (see the TODO in resolve.c)\n");
    return -1;
    END SKELETON */
}

/* BEGIN SOLUTION */
/* Print the port, in host byte order and as the two bytes stored in the
 * sockaddr (network byte order). `stored` is a sin_port/sin6_port value. */
static void print_port(in_port_t stored)
{
    unsigned char bytes[sizeof stored];
    memcpy(bytes, &stored, sizeof bytes);
    printf("port     %u\n", (unsigned)ntohs(stored));
    printf("bytes    %02x %02x\n", bytes[0], bytes[1]);
}

/* Resolve the name of a parsed endpoint (TCP only, numeric port) and print
 * one "sockaddr ADDR:PORT" line per result. Returns 0, or -1 after an error. */
static int show_endpoint_name(const struct endpoint *ep)
{
    char service[sizeof "65535"], addr[ADDR_STRLEN];
    snprintf(service, sizeof service, "%u", (unsigned)ep->port);
    struct addrinfo hints = {
        .ai_family = AF_UNSPEC,
        .ai_socktype = SOCK_STREAM,
        .ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG,
    };
    struct addrinfo *res;
    int rc = getaddrinfo(ep->host, service, &hints, &res);
    if (rc != 0) {
        fprintf(stderr, "resolve: getaddrinfo %s %s: %s\n", ep->host, service, resolver_error(rc));
        return -1;
    }
    for (const struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        rc = format_sockaddr(ai->ai_addr, ai->ai_addrlen, addr, sizeof addr);
        if (rc != 0) {
            fprintf(stderr, "resolve: getnameinfo: %s\n", resolver_error(rc));
            freeaddrinfo(res);
            return -1;
        }
        printf("sockaddr %s\n", addr);
    }
    freeaddrinfo(res);
    return 0;
}

/* END SOLUTION */
/* Print what parse_endpoint made of an endpoint: family, address or name,
 * port, the port's bytes, the sockaddr(s). Returns 0, or -1 after an error. */
static int show_endpoint(const struct endpoint *ep)
{
    /* TODO: print the lines the chapter shows in 'The exercise': family,
     * address (format_address), port (ntohs of sin_port or sin6_port), the
     * port's two bytes as stored, sockaddr (format_sockaddr). For a name
     * (addrlen 0): family AF_UNSPEC, the name, port and bytes, then one
     * sockaddr line per getaddrinfo result (SOCK_STREAM, AI_NUMERICSERV). */
    /* BEGIN SOLUTION */
    if (ep->addrlen == 0) {
        printf("family   %s\n", family_name(AF_UNSPEC));
        printf("name     %s\n", ep->host);
        print_port(htons(ep->port));
        return show_endpoint_name(ep);
    }
    const struct sockaddr *sa = (const struct sockaddr *)&ep->addr;
    in_port_t stored = sa->sa_family == AF_INET6 ? ((const struct sockaddr_in6 *)&ep->addr)->sin6_port
                                                 : ((const struct sockaddr_in *)&ep->addr)->sin_port;
    char addr[ADDR_STRLEN], full[ADDR_STRLEN];
    int rc = format_address(sa, ep->addrlen, addr, sizeof addr);
    if (rc == 0)
        rc = format_sockaddr(sa, ep->addrlen, full, sizeof full);
    if (rc != 0) {
        fprintf(stderr, "resolve: getnameinfo: %s\n", resolver_error(rc));
        return -1;
    }
    printf("family   %s\n", family_name(sa->sa_family));
    printf("address  %s\n", addr);
    print_port(stored);
    printf("sockaddr %s\n", full);
    return 0;
    /* END SOLUTION */
    /* BEGIN SKELETON
    (void)ep;
    fprintf(stderr, "resolve: show_endpoint is not written yet (see the TODO in resolve.c)\n");
    return -1;
    END SKELETON */
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
