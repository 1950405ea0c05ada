/*
 * udp.c - UDP sockets: udp_server (bound to the wildcard address) and
 * udp_client (connected to one peer).
 *
 * The contracts are in udp.h. Nothing here prints or exits: errors come
 * back as -1 with errno and a one-line reason. format_sockaddr is yours,
 * from lesson 02's addr.c.
 */
#define _GNU_SOURCE
#include "udp.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* BEGIN SOLUTION */
/* Write "CALL ADDR: REASON" for a call that failed on address ai into err. */
static void udp_error(const struct addrinfo *ai, const char *call, int saved, char *err, size_t errlen)
{
    char addr[ADDR_STRLEN];
    if (format_sockaddr(ai->ai_addr, ai->ai_addrlen, addr, sizeof addr) != 0)
        snprintf(addr, sizeof addr, "(an address)");
    snprintf(err, errlen, "%s %s: %s", call, addr, strerror(saved));
}

/* Write the reason of a getaddrinfo failure rc into err; errno 0 unless
 * the resolver failed on a system call. */
static void udp_gai_error(const char *host, int rc, char *err, size_t errlen)
{
    snprintf(err, errlen, "getaddrinfo %s: %s", host ? host : "(any address)",
             rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
    if (rc != EAI_SYSTEM)
        errno = 0;
}

/* A socket for one getaddrinfo result, bound to it (passive) or connected
 * to it. v6only: the IPV6_V6ONLY value for an AF_INET6 server socket.
 * Returns the fd, or -1 with errno set and *call naming the failed call. */
static int udp_open_one(const struct addrinfo *ai, bool passive, int v6only, const char **call)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd == -1) {
        *call = "socket";
        return -1;
    }
    if (passive && ai->ai_family == AF_INET6 &&
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only) == -1)
        *call = "setsockopt IPV6_V6ONLY";
    else if (passive && bind(fd, ai->ai_addr, ai->ai_addrlen) == -1)
        *call = "bind";
    else if (!passive && connect(fd, ai->ai_addr, ai->ai_addrlen) == -1)
        *call = "connect";
    else
        return fd;
    int saved = errno;
    close(fd);
    errno = saved;
    return -1;
}

/* The getaddrinfo loop of both: the first result of (host, port, family)
 * that udp_open_one opens. Returns the fd, or -1 (errno, err) as udp.h says. */
static int udp_open(const char *host, const char *port, int family, bool passive, int v6only, char *err,
                    size_t errlen)
{
    struct addrinfo hints = {
        .ai_family = family,
        .ai_socktype = SOCK_DGRAM,
        .ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0),
    };
    struct addrinfo *res;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        udp_gai_error(host, rc, err, errlen);
        return -1;
    }
    int fd = -1, first_errno = 0;
    for (const struct addrinfo *ai = res; ai && fd == -1; ai = ai->ai_next) {
        const char *call;
        fd = udp_open_one(ai, passive, v6only, &call);
        if (fd == -1 && first_errno == 0) {
            first_errno = errno;
            udp_error(ai, call, first_errno, err, errlen);
        }
    }
    freeaddrinfo(res);
    if (fd == -1)
        errno = first_errno;
    return fd;
}

/* END SOLUTION */
int udp_server(int family, const char *port, char *err, size_t errlen)
{
    /* TODO: getaddrinfo(NULL, port) with hints for a passive UDP socket
     * (AI_PASSIVE | AI_NUMERICSERV, SOCK_DGRAM); for each result: socket
     * (SOCK_CLOEXEC), for AF_INET6 setsockopt IPV6_V6ONLY (1 for -6, 0 to
     * serve IPv4 too), bind; stop at the first that works, close the fd of
     * each that fails, freeaddrinfo on every path. AF_UNSPEC: try AF_INET6
     * (dual-stack) first, then AF_INET. Chapter: 'One socket serves all'. */
    /* BEGIN SOLUTION */
    if (family != AF_UNSPEC)
        return udp_open(NULL, port, family, true, family == AF_INET6, err, errlen);
    int fd = udp_open(NULL, port, AF_INET6, true, 0, err, errlen);
    if (fd == -1 && (errno == EAFNOSUPPORT || errno == EADDRNOTAVAIL || errno == 0))
        fd = udp_open(NULL, port, AF_INET, true, 0, err, errlen);
    return fd;
    /* END SOLUTION */
    /* BEGIN SKELETON
    (void)family;
    (void)port;
    (void)err;
    (void)errlen;
    fprintf(stderr, "%s: udp_server is not written yet (see the TODO in udp.c)\n",
            program_invocation_short_name);
    exit(1);
    END SKELETON */
}

int udp_client(const char *host, const char *port, char *err, size_t errlen)
{
    /* TODO: the same loop with getaddrinfo(host, port) (AI_NUMERICSERV,
     * SOCK_DGRAM, AF_UNSPEC), socket and connect: a UDP connect sends
     * nothing, it only fixes the peer, so that send() needs no address and
     * the kernel reports the peer's ICMP errors to this socket. Chapter:
     * 'Connected UDP and ICMP errors'. */
    /* BEGIN SOLUTION */
    return udp_open(host, port, AF_UNSPEC, false, 0, err, errlen);
    /* END SOLUTION */
    /* BEGIN SKELETON
    (void)host;
    (void)port;
    (void)err;
    (void)errlen;
    fprintf(stderr, "%s: udp_client is not written yet (see the TODO in udp.c)\n",
            program_invocation_short_name);
    exit(1);
    END SKELETON */
}
