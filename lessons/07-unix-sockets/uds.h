/*
 * uds.h - Unix domain sockets: addresses, a listener that never steals a
 * live socket file, a connector, file descriptors passed with SCM_RIGHTS and
 * the peer's credentials. Shared by uds_server, uds_client and uds_pair.
 *
 * An address is given as text, the way the programs take it:
 *
 *     /run/app.sock   a file in the file system (a "path" socket)
 *     @app            a name in the abstract namespace (Linux only): no file,
 *                     sun_path[0] is 0 and the name follows, without a NUL
 *
 * Nothing here exits, and only uds_check_address prints: errors come back
 * as -1 with errno set, and the program decides what to say.
 */
#ifndef SOCKLAB_UDS_H
#define SOCKLAB_UDS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

/* The longest path or abstract name an address can hold: a path needs room
 * for its NUL, an abstract name for its leading 0 byte. */
#define UDS_NAME_MAX (sizeof(((struct sockaddr_un *)0)->sun_path) - 1)

/* A Unix socket address and the length that goes with it into bind,
 * connect and sendto (the length is part of an abstract address). */
struct uds_addr {
    struct sockaddr_un sun;
    socklen_t len;
};

/* Fill *a from spec: "@NAME" for the abstract namespace, anything else a
 * path. Returns 0, or -1 with errno ENAMETOOLONG (spec does not fit
 * sun_path: at most UDS_NAME_MAX bytes after the '@', or UDS_NAME_MAX for
 * a path) or EINVAL (an empty path or name). */
int uds_address(const char *spec, struct uds_addr *a);

/* Check an address given on the command line with uds_address. Returns
 * 0, or -1 after printing a one-line usage error that says what is wrong
 * ("... is too long: 120 bytes, sun_path holds at most 107"): the one
 * function here that prints, for the programs' argument parsing. */
int uds_check_address(const char *spec);

/* Create a socket of `type` (SOCK_STREAM, SOCK_DGRAM or SOCK_SEQPACKET)
 * bound to spec, listening unless it is SOCK_DGRAM. A path socket gets the
 * permissions `mode` before anyone can connect to it. A socket file left by
 * a dead server (connect says ECONNREFUSED) is removed and replaced; a live
 * one is never touched: -1 with errno EADDRINUSE. A file there that is not a
 * socket: -1 with errno EEXIST. Returns the fd, or -1 with errno set. */
int uds_listen(const char *spec, int type, mode_t mode);

/* Connect a new socket of `type` to spec. Returns the fd, or -1 with errno
 * set (ENOENT: no such path; ECONNREFUSED: nobody listens there). */
int uds_connect(const char *spec, int type);

/* Send one byte, `tag`, carrying a duplicate of fd_to_pass in an
 * SCM_RIGHTS message. The caller still owns fd_to_pass (and closes it).
 * Returns 0, or -1 with errno set. */
int uds_send_fd(int sock, int fd_to_pass, char tag);

/* Receive up to len bytes into buf, like recv; an fd passed with them is
 * stored in *fd (-1 when none came; any extra fd is closed at once).
 * The caller owns *fd and must close it. Returns the byte count (0 at end
 * of file), or -1 with errno set. */
ssize_t uds_recv_fd(int sock, void *buf, size_t len, int *fd);

/* The process at the other end of a connected Unix socket, as the kernel
 * recorded it at connect (or socketpair) time: SO_PEERCRED. Returns 0, or
 * -1 with errno set. */
int uds_peer(int sock, pid_t *pid, uid_t *uid, gid_t *gid);

/* Send all len bytes of buf on a connected socket (MSG_NOSIGNAL), again
 * on EINTR and after a short count. Returns 0, or -1 with errno set. */
int uds_send_all(int sock, const void *buf, size_t len);

/* The name of a socket type for messages: "stream", "dgram", "seqpacket";
 * uds_type_of is the inverse (-1 for an unknown name). */
const char *uds_type_name(int type);
int uds_type_of(const char *name);

#endif
