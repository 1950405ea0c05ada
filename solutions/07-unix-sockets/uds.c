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
    /* BEGIN SOLUTION */
    bool abstract = spec[0] == '@';
    const char *name = abstract ? spec + 1 : spec;
    size_t len = strlen(name);
    memset(a, 0, sizeof *a);
    a->sun.sun_family = AF_UNIX;
    if (len == 0) {
        errno = EINVAL;
        return -1;
    }
    if (len > UDS_NAME_MAX) {
        errno = ENAMETOOLONG;
        return -1;
    }
    if (abstract) {
        memcpy(a->sun.sun_path + 1, name, len);
        a->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + len);
    } else {
        memcpy(a->sun.sun_path, name, len + 1);
        a->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + 1);
    }
    return 0;
    /* END SOLUTION */
    /* BEGIN SKELETON
    (void)spec;
    memset(a, 0, sizeof *a);
    cli_error("%s is not written yet (see the TODO in uds.c)", __func__);
    errno = ENOSYS;
    return -1;
    END SKELETON */
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

/* BEGIN SOLUTION */
/* Is anyone serving the socket file at path? Probe it with a connect of
 * the same type. Returns 0 when it is stale (removed, so that bind can
 * take the path), or -1 with errno: EADDRINUSE for a live server, EEXIST
 * for a file that is not a socket, or what lstat or unlink said. */
static int remove_if_stale(const struct uds_addr *a, int type)
{
    struct stat st;
    if (lstat(a->sun.sun_path, &st) == -1)
        return -1;
    if (!S_ISSOCK(st.st_mode)) {
        errno = EEXIST;
        return -1;
    }
    int probe = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
    if (probe == -1)
        return -1;
    int rc = connect(probe, (const struct sockaddr *)&a->sun, a->len);
    int err = errno;
    close(probe);
    if (rc == -1 && err == ECONNREFUSED)
        return unlink(a->sun.sun_path);
    /* Connected, or EPROTOTYPE (a live socket of another type), or EAGAIN
     * (its backlog is full): someone is there. */
    errno = rc == 0 || err == EPROTOTYPE || err == EAGAIN ? EADDRINUSE : err;
    return -1;
}

/* Bind fd to a, a path socket getting exactly `mode` (unless it is
 * (mode_t)-1): the umask is what bind applies to a new socket file, so it
 * is set for the bind alone. Returns 0, or -1 with errno set. */
static int bind_with_mode(int fd, const struct uds_addr *a, mode_t mode)
{
    bool path = a->sun.sun_path[0] != '\0';
    mode_t old = 0;
    if (path && mode != (mode_t)-1)
        old = umask(~mode & 0777);
    int rc = bind(fd, (const struct sockaddr *)&a->sun, a->len);
    int err = errno;
    if (path && mode != (mode_t)-1)
        umask(old);
    errno = err;
    return rc;
}

/* END SOLUTION */
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
    /* BEGIN SOLUTION */
    struct uds_addr a;
    if (uds_address(spec, &a) == -1)
        return -1;
    int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
    if (fd == -1)
        return -1;
    int rc = bind_with_mode(fd, &a, mode);
    if (rc == -1 && errno == EADDRINUSE && a.sun.sun_path[0] != '\0' && remove_if_stale(&a, type) == 0)
        rc = bind_with_mode(fd, &a, mode);
    if (rc == 0 && (type == SOCK_DGRAM || listen(fd, BACKLOG) == 0))
        return fd;
    int err = errno;
    close(fd);
    errno = err;
    return -1;
    /* END SOLUTION */
    /* BEGIN SKELETON
    (void)spec;
    (void)type;
    (void)mode;
    cli_error("%s is not written yet (see the TODO in uds.c)", __func__);
    errno = ENOSYS;
    return -1;
    END SKELETON */
}

int uds_connect(const char *spec, int type)
{
    /* TODO: uds_address, socket, connect with the address's own length;
     * close the fd if connect fails (keep errno). */
    /* BEGIN SOLUTION */
    struct uds_addr a;
    if (uds_address(spec, &a) == -1)
        return -1;
    int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
    if (fd == -1)
        return -1;
    if (connect(fd, (const struct sockaddr *)&a.sun, a.len) == 0)
        return fd;
    int err = errno;
    close(fd);
    errno = err;
    return -1;
    /* END SOLUTION */
    /* BEGIN SKELETON
    (void)spec;
    (void)type;
    cli_error("%s is not written yet (see the TODO in uds.c)", __func__);
    errno = ENOSYS;
    return -1;
    END SKELETON */
}

int uds_send_fd(int sock, int fd_to_pass, char tag)
{
    /* TODO: a struct msghdr with one iovec (the tag byte) and a control
     * buffer of CMSG_SPACE(sizeof(int)) (in a union with struct cmsghdr,
     * for alignment); CMSG_FIRSTHDR: SOL_SOCKET, SCM_RIGHTS,
     * CMSG_LEN(sizeof(int)), the fd copied in with memcpy(CMSG_DATA(...)).
     * sendmsg with MSG_NOSIGNAL, again on EINTR. Chapter: 'Passing an
     * open file'. */
    /* BEGIN SOLUTION */
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    struct iovec iov = {.iov_base = &tag, .iov_len = 1};
    struct msghdr msg = {
        .msg_iov = &iov,
        .msg_iovlen = 1,
        .msg_control = control.buf,
        .msg_controllen = sizeof control.buf,
    };
    memset(control.buf, 0, sizeof control.buf);
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd_to_pass, sizeof(int));
    for (;;) {
        ssize_t n = sendmsg(sock, &msg, MSG_NOSIGNAL);
        if (n == 1)
            return 0;
        if (n == -1 && errno != EINTR)
            return -1;
    }
    /* END SOLUTION */
    /* BEGIN SKELETON
    (void)sock;
    (void)fd_to_pass;
    (void)tag;
    cli_error("%s is not written yet (see the TODO in uds.c)", __func__);
    errno = ENOSYS;
    return -1;
    END SKELETON */
}

/* BEGIN SOLUTION */
/* Take the fds of every SCM_RIGHTS message of msg: the first into *fd (if
 * it is still -1), every other one closed. */
static void take_fds(struct msghdr *msg, int *fd)
{
    for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < count; i++) {
            int got;
            memcpy(&got, CMSG_DATA(c) + i * sizeof(int), sizeof got);
            if (*fd == -1)
                *fd = got;
            else
                close(got);
        }
    }
}

/* END SOLUTION */
ssize_t uds_recv_fd(int sock, void *buf, size_t len, int *fd)
{
    /* TODO: recvmsg with one iovec (buf, len) and a control buffer for a
     * few fds (CMSG_SPACE(FDS_MAX * sizeof(int)), aligned as in
     * uds_send_fd), MSG_CMSG_CLOEXEC; again on EINTR. Walk the control
     * messages with CMSG_FIRSTHDR / CMSG_NXTHDR: keep the first SCM_RIGHTS
     * fd in *fd, close any other. Chapter: 'Passing an open file'. */
    /* BEGIN SOLUTION */
    union {
        char buf[CMSG_SPACE(FDS_MAX * sizeof(int))];
        struct cmsghdr align;
    } control;
    struct iovec iov = {.iov_base = buf, .iov_len = len};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
    ssize_t n;
    *fd = -1;
    do {
        msg.msg_control = control.buf;
        msg.msg_controllen = sizeof control.buf;
        n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    } while (n == -1 && errno == EINTR);
    if (n >= 0)
        take_fds(&msg, fd);
    return n;
    /* END SOLUTION */
    /* BEGIN SKELETON
    (void)sock;
    (void)buf;
    (void)len;
    *fd = -1;
    cli_error("%s is not written yet (see the TODO in uds.c)", __func__);
    errno = ENOSYS;
    return -1;
    END SKELETON */
}

int uds_peer(int sock, pid_t *pid, uid_t *uid, gid_t *gid)
{
    /* TODO: getsockopt(SOL_SOCKET, SO_PEERCRED) into a struct ucred.
     * Chapter: 'Who is at the other end'. */
    /* BEGIN SOLUTION */
    struct ucred cred;
    socklen_t len = sizeof cred;
    if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1)
        return -1;
    *pid = cred.pid;
    *uid = cred.uid;
    *gid = cred.gid;
    return 0;
    /* END SOLUTION */
    /* BEGIN SKELETON
    (void)sock;
    *pid = 0;
    *uid = 0;
    *gid = 0;
    cli_error("%s is not written yet (see the TODO in uds.c)", __func__);
    errno = ENOSYS;
    return -1;
    END SKELETON */
}
