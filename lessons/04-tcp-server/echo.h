/*
 * echo.h - a TCP echo server: listen on every address, accept, echo each
 * client byte for byte until it closes, one client at a time or one child
 * process per client.
 *
 * Lesson 04 uses your addr.c from lesson 02: format_sockaddr() and
 * ADDR_STRLEN print an address as "127.0.0.1:41234" or "[::1]:41234" in
 * the log. lesson.mk links ../02-addresses/addr.c, and the include below
 * brings its header. A test that fails with "format_sockaddr is not written
 * yet" wants lesson 02 finished first (make grade L=02).
 *
 * Nothing here exits the program: a step that fails returns -1 with errno
 * set (and a one-line reason where the caller needs one); a client that
 * misbehaves is logged and dropped, and the server goes on.
 */
#ifndef SOCKLAB_ECHO_H
#define SOCKLAB_ECHO_H

#include "../02-addresses/addr.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Room for a one-line reason from echo_listen(). */
#define ECHO_ERRLEN (ADDR_STRLEN + 160)

/* Make a TCP socket listening on the wildcard address of family (AF_INET:
 * 0.0.0.0, AF_INET6: ::, IPv6 only) and port (host byte order; 0 lets the
 * kernel pick), with SO_REUSEADDR. Returns the fd, or -1 with errno set and
 * `err` holding the call, the address and why ("bind 0.0.0.0:8080: Address
 * already in use"). */
int echo_listen(int family, uint16_t port, int backlog, char *err, size_t errlen);

/* Send all len bytes of buf on the connected socket fd, however many calls
 * it takes (short counts, EINTR), never raising SIGPIPE. Returns 0, or -1
 * with errno set (EPIPE, ECONNRESET ...). */
int echo_send_all(int fd, const void *buf, size_t len);

/* Echo what arrives on fd back to it until the peer's end of file; *total
 * counts the bytes echoed. Returns 0 at end of file, or -1 with errno set
 * when a recv or send fails (the peer reset ...). */
int echo_stream(int fd, unsigned long long *total);

/* Serve one connected client: log "connected ADDR:PORT" (getpeername),
 * echo_stream, log "closed ADDR:PORT: N bytes echoed" (and the error, if
 * any). Does not close fd. Returns 0, or -1 when the exchange failed. */
int echo_client(int fd);

/* Accept and serve clients on lfd, one at a time, or (use_fork) each in a
 * child process that the server reaps, until max_clients have
 * been served (0: for ever). With use_fork, waits for the last children before
 * it returns. Returns 0, or -1 after logging an error that ends the server
 * (accept failing for a reason no client causes). */
int echo_serve(int lfd, bool use_fork, unsigned long max_clients);

#endif
