/*
 * udp.h - UDP sockets for udp_echo and udp_ping: a server socket bound to
 * the wildcard address, a client socket connected to one peer.
 *
 * Lesson 06 uses your addr.c from lesson 02: parse_port() for the PORT
 * argument, format_sockaddr() and ADDR_STRLEN to print an address as
 * "127.0.0.1:41234" or "[::1]:41234". lesson.mk links ../02-addresses/addr.c
 * into each program. A test that fails with "parse_port is not written yet"
 * wants lesson 02 finished first (make grade L=02).
 *
 * Nothing here prints or exits: errors come back as -1 (errno set, and a
 * one-line reason in err) and the program decides what to say.
 */
#ifndef SOCKLAB_UDP_H
#define SOCKLAB_UDP_H

#include "../02-addresses/addr.h"

#include <stddef.h>

/* Room for a one-line reason from udp_server() or udp_client(). */
#define UDP_ERRLEN (ADDR_STRLEN + NI_MAXHOST + 160)

/* A UDP socket bound to the wildcard address and a numeric port ("0": the
 * kernel picks one). family AF_INET binds 0.0.0.0; AF_INET6 binds [::] for
 * IPv6 only; AF_UNSPEC binds [::] for IPv6 and IPv4 alike (IPV6_V6ONLY off),
 * or 0.0.0.0 where IPv6 is missing. Returns the fd (close-on-exec), or -1
 * with errno set and err holding "CALL ADDR: REASON". */
int udp_server(int family, const char *port, char *err, size_t errlen);

/* A UDP socket connected to host:port (a numeric port), on the first
 * getaddrinfo result (IPv4 or IPv6) that connects. Connected, it sends to
 * that peer only, receives from it only, and hears its ICMP errors: a port
 * unreachable comes back as ECONNREFUSED on the next send or recv. Returns
 * the fd (close-on-exec), or -1 with errno set (0 for a resolver error) and
 * err holding a one-line reason. */
int udp_client(const char *host, const char *port, char *err, size_t errlen);

#endif
