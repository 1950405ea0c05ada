/*
 * addr.c - socket addresses as text: parse "HOST:PORT", format a sockaddr.
 *
 * The contracts are in addr.h. Nothing here prints or exits: errors come
 * back as -1 with errno (and a reason for the parser), or as an EAI_* code
 * for the formatters, and the program decides what to say.
 */
#define _GNU_SOURCE
#include "addr.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int parse_port(const char *text, uint16_t *port)
{
    /* TODO: accept only digits (no sign, no spaces, not empty), convert
     * with strtol and range-check 0..65535. Chapter: 'Ports are numbers'. */
    (void)text;
    (void)port;
    fprintf(stderr, "%s: parse_port is not written yet (see the TODO in lessons/02-addresses/addr.c)\n",
            program_invocation_short_name);
    exit(1);
}

int parse_endpoint(const char *text, struct endpoint *ep, const char **why)
{
    /* TODO: split HOST:PORT (brackets around an IPv6 literal, which has
     * colons of its own), check the port with parse_port, and for a literal
     * fill ep->addr with inet_pton and htons. A name stays a name (addrlen 0).
     * Chapter: 'Writing an endpoint down'. */
    (void)text;
    (void)ep;
    (void)why;
    fprintf(stderr, "%s: parse_endpoint is not written yet (see the TODO in lessons/02-addresses/addr.c)\n",
            program_invocation_short_name);
    exit(1);
}

int format_address(const struct sockaddr *sa, socklen_t salen, char *buf, size_t size)
{
    /* TODO: getnameinfo with NI_NUMERICHOST, no service. Chapter:
     * 'From sockaddr back to text'. */
    (void)sa;
    (void)salen;
    (void)buf;
    (void)size;
    fprintf(stderr, "%s: format_address is not written yet (see the TODO in lessons/02-addresses/addr.c)\n",
            program_invocation_short_name);
    exit(1);
}

int format_sockaddr(const struct sockaddr *sa, socklen_t salen, char *buf, size_t size)
{
    /* TODO: getnameinfo with NI_NUMERICHOST | NI_NUMERICSERV, then write
     * "ADDR:PORT", with brackets around an IPv6 address; EAI_OVERFLOW if
     * buf is too small. Chapter: 'From sockaddr back to text'. */
    (void)sa;
    (void)salen;
    (void)buf;
    (void)size;
    fprintf(stderr, "%s: format_sockaddr is not written yet (see the TODO in lessons/02-addresses/addr.c)\n",
            program_invocation_short_name);
    exit(1);
}
