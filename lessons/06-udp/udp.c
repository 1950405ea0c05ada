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

int udp_server(int family, const char *port, char *err, size_t errlen)
{
    /* TODO: getaddrinfo(NULL, port) with hints for a passive UDP socket
     * (AI_PASSIVE | AI_NUMERICSERV, SOCK_DGRAM); for each result: socket
     * (SOCK_CLOEXEC), for AF_INET6 setsockopt IPV6_V6ONLY (1 for -6, 0 to
     * serve IPv4 too), bind; stop at the first that works, close the fd of
     * each that fails, freeaddrinfo on every path. AF_UNSPEC: try AF_INET6
     * (dual-stack) first, then AF_INET. Chapter: 'One socket serves all'. */
    (void)family;
    (void)port;
    (void)err;
    (void)errlen;
    fprintf(stderr, "%s: udp_server is not written yet (see the TODO in udp.c)\n",
            program_invocation_short_name);
    exit(1);
}

int udp_client(const char *host, const char *port, char *err, size_t errlen)
{
    /* TODO: the same loop with getaddrinfo(host, port) (AI_NUMERICSERV,
     * SOCK_DGRAM, AF_UNSPEC), socket and connect: a UDP connect sends
     * nothing, it only fixes the peer, so that send() needs no address and
     * the kernel reports the peer's ICMP errors to this socket. Chapter:
     * 'Connected UDP and ICMP errors'. */
    (void)host;
    (void)port;
    (void)err;
    (void)errlen;
    fprintf(stderr, "%s: udp_client is not written yet (see the TODO in udp.c)\n",
            program_invocation_short_name);
    exit(1);
}
