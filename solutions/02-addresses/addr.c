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
    /* BEGIN SOLUTION */
    if (!isdigit((unsigned char)text[0])) { /* "", "-1", "+1", " 1" */
        errno = EINVAL;
        return -1;
    }
    char *end;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (*end != '\0') {
        errno = EINVAL;
        return -1;
    }
    if (errno == ERANGE || value > 65535) {
        errno = ERANGE;
        return -1;
    }
    *port = (uint16_t)value;
    return 0;
    /* END SOLUTION */
    /* BEGIN SKELETON
    (void)text;
    (void)port;
    fprintf(stderr, "%s: parse_port is not written yet (see the TODO in lessons/02-addresses/addr.c)\n",
            program_invocation_short_name);
    exit(1);
    END SKELETON */
}

/* BEGIN SOLUTION */
/* Set *why and errno EINVAL; returns -1 for the caller to return. */
static int endpoint_error(const char **why, const char *reason)
{
    *why = reason;
    errno = EINVAL;
    return -1;
}

/* Copy the host part of text into ep->host, brackets removed, and point
 * *port at the text after the host's ':'. Returns 0, or -1 with *why set. */
static int split_endpoint(const char *text, struct endpoint *ep, const char **port, bool *bracketed,
                          const char **why)
{
    const char *host = text, *end; /* the host is [host, end) */
    *bracketed = text[0] == '[';
    if (*bracketed) {
        host = text + 1;
        end = strchr(host, ']');
        if (!end)
            return endpoint_error(why, "missing ']' after the IPv6 address");
        if (end[1] != ':')
            return endpoint_error(why, end[1] ? "expected ':' right after ']'"
                                              : "missing port: write [IPv6]:PORT");
        *port = end + 2;
    } else {
        end = strchr(text, ':');
        if (!end)
            return endpoint_error(why, "missing port: write HOST:PORT");
        if (strchr(end + 1, ':'))
            return endpoint_error(why, "an IPv6 address needs brackets: [IPv6]:PORT");
        *port = end + 1;
    }
    size_t len = (size_t)(end - host);
    if (len == 0)
        return endpoint_error(why, "missing host before the ':'");
    if (len >= sizeof ep->host)
        return endpoint_error(why, "host name too long");
    memcpy(ep->host, host, len);
    ep->host[len] = '\0';
    return 0;
}

/* If ep->host is a literal of `family`, build ep->addr from it and ep->port
 * and return true; otherwise return false and leave ep->addrlen 0. */
static bool endpoint_literal(struct endpoint *ep, int family)
{
    if (family == AF_INET6) {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ep->addr;
        if (inet_pton(AF_INET6, ep->host, &sin6->sin6_addr) != 1)
            return false;
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(ep->port);
        ep->addrlen = sizeof *sin6;
    } else {
        struct sockaddr_in *sin = (struct sockaddr_in *)&ep->addr;
        if (inet_pton(AF_INET, ep->host, &sin->sin_addr) != 1)
            return false;
        sin->sin_family = AF_INET;
        sin->sin_port = htons(ep->port);
        ep->addrlen = sizeof *sin;
    }
    return true;
}

/* True if every character of s is in the set `allowed` or is alphanumeric
 * (when alnum is true). */
static bool only_chars(const char *s, const char *allowed, bool alnum)
{
    for (; *s; s++)
        if (!strchr(allowed, *s) && !(alnum && isalnum((unsigned char)*s)))
            return false;
    return true;
}

/* END SOLUTION */
int parse_endpoint(const char *text, struct endpoint *ep, const char **why)
{
    /* TODO: split HOST:PORT (brackets around an IPv6 literal, which has
     * colons of its own), check the port with parse_port, and for a literal
     * fill ep->addr with inet_pton and htons. A name stays a name (addrlen 0).
     * Chapter: 'Writing an endpoint down'. */
    /* BEGIN SOLUTION */
    bool bracketed;
    memset(ep, 0, sizeof *ep);
    const char *port;
    if (split_endpoint(text, ep, &port, &bracketed, why) == -1)
        return -1;
    if (*port == '\0')
        return endpoint_error(why, "missing port after the ':'");
    if (parse_port(port, &ep->port) == -1) {
        *why = errno == ERANGE ? "port out of range 0-65535" : "port is not a number";
        return -1;
    }
    if (bracketed) {
        if (!endpoint_literal(ep, AF_INET6))
            return endpoint_error(why, "not an IPv6 address inside [ ]");
    } else if (strpbrk(ep->host, "[]")) {
        return endpoint_error(why, "brackets go around the whole host: [IPv6]:PORT");
    } else if (!endpoint_literal(ep, AF_INET)) {
        if (only_chars(ep->host, "0123456789.", false))
            return endpoint_error(why, "not an IPv4 address (four numbers 0-255)");
        if (!only_chars(ep->host, "-._", true))
            return endpoint_error(why, "a host name has only letters, digits, '-', '.' and '_'");
    }
    return 0;
    /* END SOLUTION */
    /* BEGIN SKELETON
    (void)text;
    (void)ep;
    (void)why;
    fprintf(stderr, "%s: parse_endpoint is not written yet (see the TODO in lessons/02-addresses/addr.c)\n",
            program_invocation_short_name);
    exit(1);
    END SKELETON */
}

int format_address(const struct sockaddr *sa, socklen_t salen, char *buf, size_t size)
{
    /* TODO: getnameinfo with NI_NUMERICHOST, no service. Chapter:
     * 'From sockaddr back to text'. */
    /* BEGIN SOLUTION */
    return getnameinfo(sa, salen, buf, (socklen_t)size, NULL, 0, NI_NUMERICHOST);
    /* END SOLUTION */
    /* BEGIN SKELETON
    (void)sa;
    (void)salen;
    (void)buf;
    (void)size;
    fprintf(stderr, "%s: format_address is not written yet (see the TODO in lessons/02-addresses/addr.c)\n",
            program_invocation_short_name);
    exit(1);
    END SKELETON */
}

int format_sockaddr(const struct sockaddr *sa, socklen_t salen, char *buf, size_t size)
{
    /* TODO: getnameinfo with NI_NUMERICHOST | NI_NUMERICSERV, then write
     * "ADDR:PORT", with brackets around an IPv6 address; EAI_OVERFLOW if
     * buf is too small. Chapter: 'From sockaddr back to text'. */
    /* BEGIN SOLUTION */
    char host[INET6_ADDRSTRLEN + IF_NAMESIZE], port[sizeof "65535"];
    int rc = getnameinfo(sa, salen, host, sizeof host, port, sizeof port, NI_NUMERICHOST | NI_NUMERICSERV);
    if (rc != 0)
        return rc;
    int n = sa->sa_family == AF_INET6 ? snprintf(buf, size, "[%s]:%s", host, port)
                                      : snprintf(buf, size, "%s:%s", host, port);
    if (n < 0 || (size_t)n >= size)
        return EAI_OVERFLOW;
    return 0;
    /* END SOLUTION */
    /* BEGIN SKELETON
    (void)sa;
    (void)salen;
    (void)buf;
    (void)size;
    fprintf(stderr, "%s: format_sockaddr is not written yet (see the TODO in lessons/02-addresses/addr.c)\n",
            program_invocation_short_name);
    exit(1);
    END SKELETON */
}
