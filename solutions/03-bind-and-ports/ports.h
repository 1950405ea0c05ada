/*
 * ports.h - port numbers, addresses as text, and listening sockets.
 *
 * Shared by listener and sockstate. A port comes from the command line as
 * text ("8080", "0" for "any free port"); an address goes back to text as
 * "127.0.0.1:41234" or "[::1]:41234"; tcp_listen_on() does the whole
 * getaddrinfo / socket / setsockopt / bind / listen dance and, when it
 * fails, says which call failed on which address.
 *
 * Nothing here prints or exits: errors come back as -1 (errno set, and a
 * one-line reason where there is one) and the program decides what to say.
 */
#ifndef SOCKLAB_PORTS_H
#define SOCKLAB_PORTS_H

#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Room for the longest formatted address: "[" IPv6 "%" zone "]:65535". */
#define ADDR_STRLEN (INET6_ADDRSTRLEN + IF_NAMESIZE + sizeof "[]:65535")

/* Room for a one-line reason from tcp_listen_on(). */
#define LISTEN_ERRLEN (ADDR_STRLEN + NI_MAXHOST + 160)

/* Parse a decimal port number "0".."65535" (digits only) into *port.
 * Returns 0, or -1 with errno EINVAL (not a number) or ERANGE (too big). */
int parse_port(const char *text, uint16_t *port);

/* Write sa as "192.0.2.1:80" or "[2001:db8::1]:443" into buf, numerically.
 * Returns 0 or an EAI_* code, like getnameinfo (EAI_SYSTEM sets errno). */
int format_sockaddr(const struct sockaddr *sa, socklen_t salen, char *buf, size_t size);

/* Resolve host (NULL: the wildcard address) and a numeric port for a
 * passive TCP socket, then bind and listen on the first address that
 * works, with SO_REUSEADDR when reuseaddr is true. Returns the listening
 * fd, or -1 with errno set (0 for a resolver error) and `err` holding a
 * one-line reason: the call, the address and why ("bind 127.0.0.1:8080:
 * Address already in use"), for the first address that failed. */
int tcp_listen_on(const char *host, const char *port, bool reuseaddr, int backlog, char *err, size_t errlen);

#endif
