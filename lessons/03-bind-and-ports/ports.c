/*
 * ports.c - port numbers, addresses as text, and listening sockets.
 *
 * The contracts are in ports.h. Nothing here prints or exits: errors come
 * back as -1 with errno (and a one-line reason from tcp_listen_on), or as
 * an EAI_* code from the formatter, and the program decides what to say.
 */
#define _GNU_SOURCE
#include "ports.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int parse_port(const char *text, uint16_t *port)
{
    /* TODO: accept only digits (no sign, no spaces, not empty), convert
     * with strtol and range-check 0..65535; never atoi, which turns "abc"
     * into 0 without a word. Chapter: 'Choosing a port'. */
    (void)text;
    (void)port;
    fprintf(stderr, "%s: parse_port is not written yet (see the TODO in ports.c)\n",
            program_invocation_short_name);
    exit(1);
}

int format_sockaddr(const struct sockaddr *sa, socklen_t salen, char *buf, size_t size)
{
    /* TODO: getnameinfo with NI_NUMERICHOST | NI_NUMERICSERV, then write
     * "ADDR:PORT", with brackets around an IPv6 address; EAI_OVERFLOW if
     * buf is too small. Lesson 02 wrote the same function. */
    (void)sa;
    (void)salen;
    (void)buf;
    (void)size;
    fprintf(stderr, "%s: format_sockaddr is not written yet (see the TODO in ports.c)\n",
            program_invocation_short_name);
    exit(1);
}

int tcp_listen_on(const char *host, const char *port, bool reuseaddr, int backlog, char *err, size_t errlen)
{
    /* TODO: getaddrinfo(host, port) with hints for a passive TCP socket
     * (AI_PASSIVE | AI_NUMERICSERV, SOCK_STREAM, AF_UNSPEC); for each
     * result: socket, setsockopt SO_REUSEADDR when asked, bind, listen;
     * stop at the first that works. Close the fd of each one that fails,
     * remember the first failure for err ("bind 127.0.0.1:8080: Address
     * already in use"), and freeaddrinfo on every path. Chapter: 'Binding
     * an address'. */
    (void)host;
    (void)port;
    (void)reuseaddr;
    (void)backlog;
    (void)err;
    (void)errlen;
    fprintf(stderr, "%s: tcp_listen_on is not written yet (see the TODO in ports.c)\n",
            program_invocation_short_name);
    exit(1);
}
