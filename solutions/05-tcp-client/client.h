/*
 * client.h - the client's side of TCP: tcp_connect, the address loop.
 *
 * tcp_connect() resolves a host and a port, tries each address getaddrinfo
 * gives (IPv6 and IPv4, in its order) until one connects, and says which
 * call failed on which address when none does.
 *
 * Lesson 05 uses your addr.c from lesson 02: parse_port() for the PORT
 * argument, format_sockaddr() and ADDR_STRLEN to name an address as
 * "127.0.0.1:41234" or "[::1]:41234" (lesson.mk links ../02-addresses/addr.c).
 *
 * Nothing here prints or exits: errors come back as -1 (errno set, and a
 * one-line reason) and the program decides what to say.
 */
#ifndef SOCKLAB_CLIENT_H
#define SOCKLAB_CLIENT_H

#include "../02-addresses/addr.h"

#include <stddef.h>

/* Room for a one-line reason from tcp_connect(). */
#define CONNECT_ERRLEN (ADDR_STRLEN + NI_MAXHOST + 160)

/* Connect a TCP socket to host and a numeric port, trying every address
 * getaddrinfo gives until one connects (closing the socket of each that
 * fails). timeout is the most seconds one connect() may take, and then
 * each send() on the connected socket (SO_SNDTIMEO; 0: no limit of our
 * own). Returns the connected fd (blocking, close-on-exec) with its peer
 * written as "ADDR:PORT" into peer (ADDR_STRLEN bytes); or -1 with err
 * holding a one-line reason for the FIRST address that failed: the call,
 * the address and why ("connect 127.0.0.1:8080: Connection refused"; a
 * timeout is "Connection timed out"), or the resolver's error. */
int tcp_connect(const char *host, const char *port, double timeout, char *peer, char *err, size_t errlen);

#endif
