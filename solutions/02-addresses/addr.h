/*
 * addr.h - socket addresses as text: parse "HOST:PORT", format a sockaddr.
 *
 * An endpoint is written the way URLs and most tools write it:
 *
 *     192.0.2.1:80        an IPv4 literal and a port
 *     [2001:db8::1]:443   an IPv6 literal in brackets (its colons would
 *                         otherwise be confused with the port's)
 *     localhost:8080      a name, to be resolved with getaddrinfo
 *
 * parse_endpoint() turns such a string into a struct endpoint, building the
 * socket address itself when the host is a literal. format_sockaddr() goes
 * the other way, from any IPv4 or IPv6 sockaddr back to "ADDR:PORT".
 */
#ifndef SOCKLAB_ADDR_H
#define SOCKLAB_ADDR_H

#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>

/* Room for the longest formatted address: "[" IPv6 "%" zone "]:65535". */
#define ADDR_STRLEN (INET6_ADDRSTRLEN + IF_NAMESIZE + sizeof "[]:65535")

/* An endpoint parsed from "HOST:PORT". */
struct endpoint {
    char host[NI_MAXHOST];        /* the host part, brackets removed */
    uint16_t port;                /* the port, in host byte order */
    struct sockaddr_storage addr; /* the socket address, if host is a literal */
    socklen_t addrlen;            /* its length; 0 when host is a name */
};

/* Parse a decimal port number "0".."65535" (digits only) into *port.
 * Returns 0, or -1 with errno EINVAL (not a number) or ERANGE (too big). */
int parse_port(const char *text, uint16_t *port);

/* Parse "IPv4:PORT", "[IPv6]:PORT" or "NAME:PORT" into *ep; for a literal,
 * ep->addr is a ready sockaddr_in or sockaddr_in6 (port in network order).
 * Returns 0, or -1 with errno EINVAL or ERANGE and *why set to a reason. */
int parse_endpoint(const char *text, struct endpoint *ep, const char **why);

/* Write the numeric address of sa ("192.0.2.1", "2001:db8::1") into buf.
 * Returns 0 or an EAI_* code, like getnameinfo (EAI_SYSTEM sets errno). */
int format_address(const struct sockaddr *sa, socklen_t salen, char *buf, size_t size);

/* Write sa as "192.0.2.1:80" or "[2001:db8::1]:443" into buf, numerically.
 * Returns 0 or an EAI_* code, like getnameinfo (EAI_SYSTEM sets errno). */
int format_sockaddr(const struct sockaddr *sa, socklen_t salen, char *buf, size_t size);

#endif
