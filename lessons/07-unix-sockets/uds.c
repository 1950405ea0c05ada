/*
 * uds.c - Unix domain sockets: uds_address, uds_listen, uds_connect,
 * uds_send_fd, uds_recv_fd, uds_peer.
 *
 * The contracts are in uds.h. Nothing here exits, and only
 * uds_check_address prints: errors come back as -1 with errno set, and the
 * program decides what to say.
 */
#define _GNU_SOURCE
#include "uds.h"

#include "cli.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BACKLOG 16

/* How many fds one uds_recv_fd call makes room for: one is kept, the rest
 * are closed (a peer may send more than we asked for). */
#define FDS_MAX 4

static const struct {
    const char *name;
    int type;
} uds_types[] = {
    {"stream", SOCK_STREAM},
    {"dgram", SOCK_DGRAM},
    {"seqpacket", SOCK_SEQPACKET},
};

const char *uds_type_name(int type)
{
    for (size_t i = 0; i < sizeof uds_types / sizeof uds_types[0]; i++)
        if (uds_types[i].type == type)
            return uds_types[i].name;
    return "unknown";
}

int uds_type_of(const char *name)
{
    for (size_t i = 0; i < sizeof uds_types / sizeof uds_types[0]; i++)
        if (strcmp(uds_types[i].name, name) == 0)
            return uds_types[i].type;
    return -1;
}

int uds_send_all(int sock, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = send(sock, p, len, MSG_NOSIGNAL);
        if (n == -1 && errno == EINTR)
            continue;
        if (n == -1)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int uds_address(const char *spec, struct uds_addr *a)
{
    /* TODO: zero *a, set sun_family. "@NAME": sun_path[0] stays 0, NAME
     * follows, and the length is offsetof(struct sockaddr_un, sun_path) +
     * 1 + strlen(NAME): no NUL is counted (a NUL would be part of the
     * name). A path: copied with its NUL, the length is that of the whole
     * struct (or offsetof + strlen + 1). Refuse what does not fit with
     * ENAMETOOLONG, an empty path or name with EINVAL. Chapter: 'Two kinds
     * of address'. */
    (void)spec;
    memset(a, 0, sizeof *a);
    cli_error("%s is not written yet (see the TODO in uds.c)", __func__);
    errno = ENOSYS;
    return -1;
}

int uds_check_address(const char *spec)
{
    struct uds_addr a;
    if (uds_address(spec, &a) == 0)
        return 0;
    if (errno == ENAMETOOLONG)
        return cli_usage_error("'%.40s...' is too long: %zu bytes, sun_path holds at most %zu", spec,
                               strlen(spec) - (spec[0] == '@'), UDS_NAME_MAX);
    return cli_usage_error("bad address '%s': %s", spec, strerror(errno));
}

int uds_listen(const char *spec, int type, mode_t mode)
{
    /* TODO: uds_address; socket(AF_UNIX, type | SOCK_CLOEXEC); bind with
     * the permissions asked for (umask(~mode & 0777) around bind); on
     * EADDRINUSE for a path, probe it: connect a socket of the same type;
     * ECONNREFUSED means the server is dead: unlink and bind again; a
     * connect that works means it is alive: EADDRINUSE, never unlink it.
     * lstat first: a file that is not a socket is never removed (EEXIST).
     * listen unless SOCK_DGRAM. Close the fd on every error path (keep
     * errno). Chapter: 'Stale socket files'. */
    (void)spec;
    (void)type;
    (void)mode;
    cli_error("%s is not written yet (see the TODO in uds.c)", __func__);
    errno = ENOSYS;
    return -1;
}

int uds_connect(const char *spec, int type)
{
    /* TODO: uds_address, socket, connect with the address's own length;
     * close the fd if connect fails (keep errno). */
    (void)spec;
    (void)type;
    cli_error("%s is not written yet (see the TODO in uds.c)", __func__);
    errno = ENOSYS;
    return -1;
}

int uds_send_fd(int sock, int fd_to_pass, char tag)
{
    /* TODO: a struct msghdr with one iovec (the tag byte) and a control
     * buffer of CMSG_SPACE(sizeof(int)) (in a union with struct cmsghdr,
     * for alignment); CMSG_FIRSTHDR: SOL_SOCKET, SCM_RIGHTS,
     * CMSG_LEN(sizeof(int)), the fd copied in with memcpy(CMSG_DATA(...)).
     * sendmsg with MSG_NOSIGNAL, again on EINTR. Chapter: 'Passing an
     * open file'. */
    (void)sock;
    (void)fd_to_pass;
    (void)tag;
    cli_error("%s is not written yet (see the TODO in uds.c)", __func__);
    errno = ENOSYS;
    return -1;
}

ssize_t uds_recv_fd(int sock, void *buf, size_t len, int *fd)
{
    /* TODO: recvmsg with one iovec (buf, len) and a control buffer for a
     * few fds (CMSG_SPACE(FDS_MAX * sizeof(int)), aligned as in
     * uds_send_fd), MSG_CMSG_CLOEXEC; again on EINTR. Walk the control
     * messages with CMSG_FIRSTHDR / CMSG_NXTHDR: keep the first SCM_RIGHTS
     * fd in *fd, close any other. Chapter: 'Passing an open file'. */
    (void)sock;
    (void)buf;
    (void)len;
    *fd = -1;
    cli_error("%s is not written yet (see the TODO in uds.c)", __func__);
    errno = ENOSYS;
    return -1;
}

int uds_peer(int sock, pid_t *pid, uid_t *uid, gid_t *gid)
{
    /* TODO: getsockopt(SOL_SOCKET, SO_PEERCRED) into a struct ucred.
     * Chapter: 'Who is at the other end'. */
    (void)sock;
    *pid = 0;
    *uid = 0;
    *gid = 0;
    cli_error("%s is not written yet (see the TODO in uds.c)", __func__);
    errno = ENOSYS;
    return -1;
}
