/*
 * ports.h - listening sockets: tcp_listen_on, shared by listener and sockstate.
 *
 * tcp_listen_on() does the whole getaddrinfo / socket / setsockopt / bind /
 * listen dance and, when it fails, says which call failed on which address.
 *
 * Lesson 03 uses your addr.c from lesson 02: parse_port() for the PORT
 * argument, format_sockaddr() and ADDR_STRLEN to print an address as
 * "127.0.0.1:41234" or "[::1]:41234". lesson.mk links ../02-addresses/addr.c
 * into each program, and the include below brings its header. A test that
 * fails with "parse_port is not written yet" wants lesson 02 finished first
 * (make grade L=02).
 *
 * Nothing here prints or exits: errors come back as -1 (errno set, and a
 * one-line reason where there is one) and the program decides what to say.
 */
#ifndef SOCKLAB_PORTS_H
#define SOCKLAB_PORTS_H

#include "../02-addresses/addr.h"

#include <stdbool.h>
#include <stddef.h>

/* Room for a one-line reason from tcp_listen_on(). */
#define LISTEN_ERRLEN (ADDR_STRLEN + NI_MAXHOST + 160)

/* Resolve host (NULL: the wildcard address) and a numeric port for a
 * passive TCP socket, then bind and listen on the first address that
 * works, with SO_REUSEADDR when reuseaddr is true. Returns the listening
 * fd, or -1 with errno set (0 for a resolver error) and `err` holding a
 * one-line reason: the call, the address and why ("bind 127.0.0.1:8080:
 * Address already in use"), for the first address that failed. */
int tcp_listen_on(const char *host, const char *port, bool reuseaddr, int backlog, char *err, size_t errlen);

#endif
