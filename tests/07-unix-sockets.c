#define _GNU_SOURCE
/*
 * 07-unix-sockets.c - the graded tests of lesson 07: uds_server, uds_client,
 * uds_pair.
 *
 * uds_server [--type T] [--mode OCTAL] PATH|@NAME prints its ready line
 *   listening on PATH (stream)
 * then "peer pid=P uid=U gid=G" for each connection and "recv N bytes" for
 * each receive, echoing what came (a message carrying an fd is answered
 * with the file's contents), until its stdin ends or SIGINT/SIGTERM, when
 * it removes its socket file. The tests talk to it as socat does (a real
 * peer, over a path and over an abstract name) and as their own socket
 * (two sends, SCM_RIGHTS), and read the kernel's view: the socket file's
 * mode and inode, /proc/PID/fd.
 *
 * uds_client [--type T] [--send-fd FILE] PATH|@NAME is graded against the
 * test listening on a socket; uds_pair MSG... (socketpair + fork) by its
 * lines and its child's SO_PEERCRED.
 */
#include "harness.h"

#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

/* The longest path or abstract name that fits sun_path (with its NUL or
 * its leading 0 byte). */
#define NAME_MAX_LEN (sizeof(((struct sockaddr_un *)0)->sun_path) - 1)

/* ---- helpers -------------------------------------------------------------- */

/* A formatted string, kept until the test's worker ends. */
static char *str(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *str(const char *fmt, ...)
{
    char *s;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0)
        sl_fail("memory for a string", "vasprintf: %s", strerror(errno));
    return s;
}

/* A path for a socket file in the test's own directory. */
static const char *sock_path(const char *name)
{
    return str("%s/%s", sl_tmpdir(), name);
}

/* An abstract name no other test uses at the same time (without the '@'). */
static const char *abstract_name(const char *what)
{
    return str("socklab-%ld-%s", (long)getpid(), what);
}

/* Start uds_server with args (NULL-terminated, the address last), with
 * faults in its socket I/O when faults is not NULL, and wait for
 * "listening on SPEC (TYPE)". */
static struct sl_proc *start_server_faults(const char *const *args, const char *spec, const char *type,
                                           const char *faults)
{
    struct sl_proc *p = sl_startx(&(struct sl_opts){.prog = "uds_server", .args = args, .faults = faults});
    char *want = str("listening on %s (%s)", spec, type);
    const char *line = sl_wait_line(p, "listening on ", 5);
    sl_expect(strncmp(line, want, strlen(want)) == 0, want, "\"%s\"", line);
    return p;
}

static struct sl_proc *start_server(const char *const *args, const char *spec, const char *type)
{
    return start_server_faults(args, spec, type, NULL);
}

/* End the server through its stdin and check it exits 0. */
static void stop_server(struct sl_proc *p)
{
    sl_close_stdin(p);
    sl_expect_exit(p, 0);
}

/* socat ADDRESS as a real client: send text, half-close, expect the echo
 * and an end of file (socat then exits 0). Returns socat, ended. */
static struct sl_proc *socat_echo(const char *address, const char *text)
{
    struct sl_proc *s = sl_startx(&(struct sl_opts){.prog = "socat", .args = SL_ARGS("-", address)});
    sl_write(s, text);
    sl_expect_out(s, text, strlen(text), 5);
    sl_close_stdin(s);
    sl_expect_exit(s, 0);
    return s;
}

/* Connect a socket of `type` to an address given as uds_server takes it
 * ("@NAME" or a path); a dgram socket is autobound first, so that the
 * server can answer. Fails the test if connect fails. */
static int connect_spec(const char *spec, int type)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    socklen_t len;
    if (spec[0] == '@') {
        memcpy(a.sun_path + 1, spec + 1, strlen(spec + 1));
        len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(spec));
    } else {
        snprintf(a.sun_path, sizeof a.sun_path, "%s", spec);
        len = sizeof a;
    }
    sl_step("connect to %s", spec);
    int fd = socket(AF_UNIX, SOCK_CLOEXEC | type, 0);
    struct sockaddr_un self = {.sun_family = AF_UNIX};
    if (fd == -1 || (type == SOCK_DGRAM && bind(fd, (struct sockaddr *)&self, sizeof(sa_family_t)) == -1) ||
        connect(fd, (struct sockaddr *)&a, len) == -1) {
        char *want = str("a server on %s", spec);
        sl_fail(want, "connect: %s", strerror(errno));
    }
    return fd;
}

/* Send one byte with n fds attached (SCM_RIGHTS; uds_client --send-fd
 * sends one). */
static void pass_fds(int sock, const int *fds, int n)
{
    union {
        char buf[CMSG_SPACE(2 * sizeof(int))];
        struct cmsghdr align;
    } control = {{0}};
    struct iovec iov = {.iov_base = "F", .iov_len = 1};
    struct msghdr msg = {.msg_iov = &iov,
                         .msg_iovlen = 1,
                         .msg_control = control.buf,
                         .msg_controllen = CMSG_SPACE((size_t)n * sizeof(int))};
    struct cmsghdr *rights = CMSG_FIRSTHDR(&msg);
    rights->cmsg_level = SOL_SOCKET;
    rights->cmsg_type = SCM_RIGHTS;
    rights->cmsg_len = CMSG_LEN((size_t)n * sizeof(int));
    memcpy(CMSG_DATA(rights), fds, (size_t)n * sizeof(int));
    if (sendmsg(sock, &msg, MSG_NOSIGNAL) != 1)
        sl_fail("to pass an fd to the server", "sendmsg: %s", strerror(errno));
    sl_step("passed %d open file%s (fd %d ...) with SCM_RIGHTS", n, n == 1 ? "" : "s", fds[0]);
}

static void pass_fd(int sock, int fd)
{
    pass_fds(sock, &fd, 1);
}

/* A file in the test's directory holding text, opened for reading and then
 * made unreadable (mode 0): only a process given the open fd can read it.
 * Returns that fd. */
static int unreadable_file(const char *name, const char *text)
{
    const char *path = sock_path(name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd == -1 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
        sl_fail("a file for the test", "%s: %s", path, strerror(errno));
    close(fd);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd == -1 || chmod(path, 0) == -1)
        sl_fail("a file for the test", "%s: %s", path, strerror(errno));
    sl_step("made %s (mode 0: nobody without privileges can open it) and opened it first", path);
    return fd;
}

/* The inode of a socket file, or 0 if there is none. */
static ino_t socket_inode(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0 && S_ISSOCK(st.st_mode) ? st.st_ino : 0;
}

/* Fail unless the server's socket file is gone. */
static void expect_removed(const char *path, const char *how)
{
    struct stat st;
    char *want = str("the socket file removed after %s", how);
    sl_expect(lstat(path, &st) == -1 && errno == ENOENT, want, "%s is still there", path);
}

/* Receive len bytes exactly, as one recv, from a socket: what the kernel
 * hands one recv call of `cap` bytes. Returns the count. */
static ssize_t recv_once(int fd, char *buf, size_t cap)
{
    ssize_t n;
    do
        n = recv(fd, buf, cap, MSG_DONTWAIT);
    while (n == -1 && errno == EINTR);
    return n;
}

/* The pid of a live program as the programs of the test see it: in the
 * sandbox each test has its own PID namespace, whose numbers are the last
 * of the NSpid line of /proc/PID/status. */
static long inner_pid(const struct sl_proc *p)
{
    char path[64], line[256];
    long pid = (long)sl_pid(p);
    snprintf(path, sizeof path, "/proc/%ld/status", pid);
    FILE *f = fopen(path, "re");
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "NSpid:", 6) == 0)
            for (char *t = strtok(line + 6, " \t\n"); t; t = strtok(NULL, " \t\n"))
                pid = strtol(t, NULL, 10);
    if (f)
        fclose(f);
    return pid;
}

/* ---- a path, an abstract name, real peers ------------------------------- */

GRADED(socat_path, 3, "socat talks to uds_server over its socket file (UNIX-CONNECT:PATH)",
       "uds_listen: socket(AF_UNIX, SOCK_STREAM), bind to the path (uds_address), listen; the "
       "server accepts and echoes. Chapter: 'Two kinds of address'.")
{
    const char *path = sock_path("echo.sock");
    struct sl_proc *p = start_server(SL_ARGS(path), path, "stream");
    sl_expect(socket_inode(path) != 0, "a socket file at the path", "none at %s", path);
    socat_echo(str("UNIX-CONNECT:%s", path), "hello over a path\n");
    sl_wait_line(p, "recv 18 bytes", 5);
    stop_server(p);
}

GRADED(socat_abstract, 3, "socat talks to uds_server over an abstract name (ABSTRACT-CONNECT:NAME)",
       "For @NAME, sun_path[0] is 0 and NAME follows; the address length is "
       "offsetof(struct sockaddr_un, sun_path) + 1 + strlen(NAME): no NUL is counted, or the "
       "NUL becomes part of the name and nobody finds it. Chapter: 'Two kinds of address'.")
{
    const char *name = abstract_name("abs");
    const char *spec = str("@%s", name);
    struct sl_proc *p = start_server(SL_ARGS(spec), spec, "stream");
    socat_echo(str("ABSTRACT-CONNECT:%s", name), "hello over an abstract name\n");
    sl_wait_line(p, "recv 28 bytes", 5);
    sl_expect(access(name, F_OK) == -1, "no file for an abstract name", "a file %s appeared", name);
    stop_server(p);
    sl_expect(sl_err(p)[0] == '\0', "no error from a server on an abstract name (no file to remove)", "%s",
              sl_err(p));
}

GRADED(peercred, 3, "uds_server prints the real client's pid, uid and gid (SO_PEERCRED)",
       "After accept, getsockopt(SOL_SOCKET, SO_PEERCRED) fills a struct ucred with what the "
       "kernel recorded at connect: print \"peer pid=P uid=U gid=G\". Chapter: 'Who is at the "
       "other end'.")
{
    const char *path = sock_path("cred.sock");
    struct sl_proc *p = start_server(SL_ARGS(path), path, "stream");
    struct sl_proc *s =
        sl_startx(&(struct sl_opts){.prog = "socat", .args = SL_ARGS("-", str("UNIX-CONNECT:%s", path))});
    char *want = str("peer pid=%ld uid=%ld gid=%ld", inner_pid(s), (long)getuid(), (long)getgid());
    const char *line = sl_wait_line(p, "peer ", 5);
    sl_expect(strcmp(line, want) == 0, want, "\"%s\" (socat's pid is %ld)", line, inner_pid(s));
    sl_close_stdin(s);
    sl_expect_exit(s, 0);
    stop_server(p);
}

/* ---- stale and live socket files ------------------------------------------ */

GRADED(stale_replaced, 3,
       "a socket file left by a dead server is replaced; a file that is not a socket is not",
       "bind gives EADDRINUSE while the old file exists. Probe it: connect a socket of the same "
       "type; ECONNREFUSED means nobody listens: unlink it and bind again. lstat first: never "
       "remove a file that is not a socket. Chapter: 'Stale socket files'.")
{
    const char *path = sock_path("stale.sock");
    close(sl_unix_listen(path, SOCK_STREAM));
    sl_step("closed that socket without unlinking: %s is now stale, as a crashed server leaves it", path);
    struct sl_proc *p = start_server(SL_ARGS(path), path, "stream");
    sl_wait_blocked(p, 5);
    int fds = sl_fd_count(p);
    sl_expect(fds == 4, "4 fds after the probe (stdio and the listening socket): the probe socket closed",
              "%d fds", fds);
    socat_echo(str("UNIX-CONNECT:%s", path), "fresh\n");
    stop_server(p);

    const char *locked = sock_path("locked.sock");
    close(sl_unix_listen(locked, SOCK_STREAM));
    if (chmod(locked, 0444) == -1)
        sl_fail("a read-only stale socket file", "chmod: %s", strerror(errno));
    sl_step("made a stale socket file %s read-only: a probe connect gets EACCES", locked);
    struct sl_proc *r = sl_start("uds_server", locked, NULL);
    sl_expect_error(r, 1, "Permission denied");
    sl_expect(socket_inode(locked) != 0, "a socket file the probe could not judge left alone",
              "it was removed");

    const char *plain = sock_path("notes.txt");
    int fd = open(plain, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd == -1 || write(fd, "keep me\n", 8) != 8)
        sl_fail("a file for the test", "%s: %s", plain, strerror(errno));
    close(fd);
    sl_step("wrote a plain file %s", plain);
    sl_expect_error(sl_start("uds_server", plain, NULL), 1, "not a socket");
    struct stat st;
    sl_expect(lstat(plain, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 8, "the plain file left alone",
              "it was removed or replaced");
}

GRADED(live_not_stolen, 3, "a second uds_server on a live socket says \"already running\", exit 1",
       "A probe connect that succeeds means a server is alive: never unlink its file (its clients "
       "could not find it any more). Report \"already running\" and exit 1. The same for an "
       "abstract name: bind says EADDRINUSE. Chapter: 'Stale socket files'.")
{
    const char *path = sock_path("live.sock");
    struct sl_proc *a = start_server(SL_ARGS(path), path, "stream");
    ino_t before = socket_inode(path);
    sl_expect_error(sl_start("uds_server", path, NULL), 1, "already running");
    sl_expect(socket_inode(path) == before, "the first server's socket file untouched",
              "inode %lu became %lu: the second server replaced it", (unsigned long)before,
              (unsigned long)socket_inode(path));
    socat_echo(str("UNIX-CONNECT:%s", path), "still here\n");
    sl_wait_line(a, "recv 11 bytes", 5);
    stop_server(a);

    const char *seq = sock_path("live-seqpacket.sock");
    struct sl_proc *c = start_server(SL_ARGS("--type", "seqpacket", seq), seq, "seqpacket");
    sl_expect_error(sl_start("uds_server", seq, NULL), 1, "already running");
    sl_step("a stream server's probe of a live seqpacket socket gets EPROTOTYPE: someone is there");
    stop_server(c);

    const char *spec = str("@%s", abstract_name("live"));
    struct sl_proc *b = start_server(SL_ARGS(spec), spec, "stream");
    sl_expect_error(sl_start("uds_server", spec, NULL), 1, "already running");
    stop_server(b);
}

/* ---- permissions and clean-up ----------------------------------------------- */

/* Can a process of another uid (65534, as nobody) connect to path? Only
 * root outside a namespace can try: returns 1 yes, 0 refused with EACCES,
 * -1 when this cannot be tried here. */
static int other_uid_connects(const char *path)
{
    if (getuid() != 0 || sl_sandboxed())
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        struct sockaddr_un a = {.sun_family = AF_UNIX};
        snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
        int fd = socket(AF_UNIX, SOCK_STREAM, 0);
        if (setgroups(0, NULL) == -1 || setgid(65534) == -1 || setuid(65534) == -1)
            _exit(3);
        if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0)
            _exit(1);
        _exit(errno == EACCES ? 0 : 2);
    }
    int status;
    if (pid == -1 || waitpid(pid, &status, 0) == -1 || !WIFEXITED(status) || WEXITSTATUS(status) > 1)
        return -1;
    return WEXITSTATUS(status) == 1;
}

GRADED(mode, 3, "--mode 0600 gives the socket file exactly rw-------; without w, connect is refused",
       "connect to a path needs write permission on the socket file. bind creates it with "
       "0777 & ~umask: set umask(~mode & 0777) around bind (a chmod after bind leaves a moment "
       "when anyone may connect). Chapter: 'Permissions'.")
{
    const char *path = sock_path("private.sock");
    struct sl_proc *p = start_server(SL_ARGS("--mode", "0600", path), path, "stream");
    struct stat st;
    sl_expect(lstat(path, &st) == 0 && (st.st_mode & 07777) == 0600, "mode 0600 on the socket file", "%04o",
              (unsigned)(st.st_mode & 07777));
    socat_echo(str("UNIX-CONNECT:%s", path), "owner\n");
    int other = other_uid_connects(path);
    if (other == -1)
        sl_step("another uid cannot be tried here (not root outside a namespace): the next step "
                "takes write permission from the owner instead");
    else
        sl_expect(other == 0, "another user (uid 65534) refused with EACCES", "it connected");
    stop_server(p);

    const char *plain = sock_path("umask.sock");
    mode_t mask = umask(022);
    struct sl_proc *u = start_server(SL_ARGS(plain), plain, "stream");
    umask(mask);
    sl_expect(lstat(plain, &st) == 0 && (st.st_mode & 07777) == 0755,
              "mode 0755 without --mode (0777 less the umask, 022)", "%04o", (unsigned)(st.st_mode & 07777));
    long flags = sl_fd_flags(u, 3);
    sl_expect(flags != -1 && (flags & O_CLOEXEC), "the listening socket (fd 3) close-on-exec (SOCK_CLOEXEC)",
              "flags %lo", flags);
    stop_server(u);

    const char *ro = sock_path("readonly.sock");
    struct sl_proc *q = start_server(SL_ARGS("--mode", "0444", ro), ro, "stream");
    sl_expect(lstat(ro, &st) == 0 && (st.st_mode & 07777) == 0444, "mode 0444 on the socket file", "%04o",
              (unsigned)(st.st_mode & 07777));
    struct sl_proc *s =
        sl_startx(&(struct sl_opts){.prog = "socat", .args = SL_ARGS("-", str("UNIX-CONNECT:%s", ro))});
    sl_close_stdin(s);
    sl_expect_failure(s);
    sl_expect_contains(sl_err(s), "Permission denied", "socat's error (a socket file without w for anyone)");
    stop_server(q);
}

GRADED(removed_on_exit, 3, "the socket file is removed when input ends, on SIGTERM and on SIGINT",
       "A path socket's file outlives close(): unlink it before exit. Catch SIGINT and SIGTERM "
       "(given: they end the wait in ppoll) and leave through the same clean-up. Chapter: "
       "'Cleaning up'.")
{
    static const struct {
        int sig;
        const char *how;
    } ways[] = {{0, "the end of input"}, {SIGTERM, "SIGTERM"}, {SIGINT, "SIGINT"}};
    for (size_t i = 0; i < sizeof ways / sizeof ways[0]; i++) {
        const char *path = sock_path(str("bye%zu.sock", i));
        struct sl_proc *p = start_server(SL_ARGS(path), path, "stream");
        socat_echo(str("UNIX-CONNECT:%s", path), "bye\n");
        sl_wait_blocked(p, 5);
        if (ways[i].sig == 0)
            sl_close_stdin(p);
        else
            sl_signal(p, ways[i].sig);
        sl_expect_exit(p, 0);
        expect_removed(path, ways[i].how);
        sl_expect(sl_err(p)[0] == '\0', "nothing on stderr after a clean exit", "%s", sl_err(p));
    }
}

/* ---- SCM_RIGHTS ------------------------------------------------------------------ */

GRADED(scm_rights, 3, "uds_server reads a file through an fd passed to it (SCM_RIGHTS), one it cannot open",
       "recvmsg with a control buffer (CMSG_SPACE), CMSG_FIRSTHDR / CMSG_NXTHDR, SCM_RIGHTS: the "
       "fd in CMSG_DATA is a new fd of yours for the sender's open file. Read it, send it back. "
       "Chapter: 'Passing an open file'.")
{
    const char *path = sock_path("fd.sock");
    struct sl_proc *p = start_server_faults(SL_ARGS(path), path, "stream", "seed=3,eintr=0.9");
    static const char secret[] = "the server could not open this file itself\n";
    int file = unreadable_file("secret.txt", secret);
    int fd = connect_spec(path, SOCK_STREAM);
    pass_fd(fd, file);
    shutdown(fd, SHUT_WR);
    sl_expect_recv(fd, secret, strlen(secret), 5);
    sl_expect_eof(fd, "uds_server", 5);
    close(fd);
    close(file);
    sl_wait_line(p, "received an fd", 5);
    stop_server(p);
}

GRADED(scm_rights_fds, 3, "uds_server closes each fd it was passed: 6 files later it holds as many fds",
       "An fd that arrives with SCM_RIGHTS is yours: close it once you have read the file, or "
       "every client leaks one (and keeps the file open). A message may carry more fds than you "
       "want: close the others at once. Chapter: 'Passing an open file'.")
{
    const char *path = sock_path("fds.sock");
    struct sl_proc *p = start_server(SL_ARGS(path), path, "stream");
    sl_wait_blocked(p, 5);
    int before = sl_fd_count(p);
    for (int i = 0; i < 5; i++) {
        const char *text = i == 2 ? "" : "x\n"; /* one empty file: 0 bytes is no error */
        int file = unreadable_file(str("f%d.txt", i), text);
        int fd = connect_spec(path, SOCK_STREAM);
        if (i < 4) {
            pass_fd(fd, file);
        } else { /* two fds in one message: the server answers the first, closes both */
            int two[2] = {file, unreadable_file("extra.txt", "y\n")};
            pass_fds(fd, two, 2);
            close(two[1]);
        }
        close(file);
        shutdown(fd, SHUT_WR);
        sl_expect_recv(fd, text, strlen(text), 5);
        sl_expect_eof(fd, "uds_server", 5);
        close(fd);
        sl_wait_line(p, str("received an fd: sent back %zu bytes", strlen(text)), 5);
    }
    sl_wait_blocked(p, 5);
    int after = sl_fd_count(p);
    sl_expect(after == before, "as many fds after 6 passed files (the last two in one message) as before",
              "%d before, %d after: close every fd recvmsg gave you", before, after);
    stop_server(p);
}

GRADED(client_send_fd, 2, "uds_client --send-fd FILE passes the open file and closes its own copy",
       "open FILE, sendmsg one byte with SCM_RIGHTS (CMSG_LEN(sizeof(int))), close your fd, "
       "shutdown(SHUT_WR), print what comes back. Chapter: 'Passing an open file'.")
{
    const char *path = sock_path("to-test.sock");
    const char *file = sock_path("passed.txt");
    static const char text[] = "passed by uds_client\n";
    int lfd = sl_unix_listen(path, SOCK_STREAM);
    int w = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (w == -1 || write(w, text, strlen(text)) != (ssize_t)strlen(text))
        sl_fail("a file for the test", "%s: %s", file, strerror(errno));
    close(w);
    struct sl_proc *c = sl_startx(&(struct sl_opts){
        .prog = "uds_client", .args = SL_ARGS("--send-fd", file, path), .faults = "seed=5,eintr=0.9"});
    int fd = sl_tcp_accept(lfd, 5);
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    sl_expect(poll(&pfd, 1, (int)(sl_deadline(5) * 1000)) == 1, "uds_client to send within 5 s", "nothing");
    char byte, got[64];
    union {
        char buf[CMSG_SPACE(4 * sizeof(int))];
        struct cmsghdr align;
    } control;
    struct iovec iov = {.iov_base = &byte, .iov_len = 1};
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control.buf};
    ssize_t n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
    struct cmsghdr *cm = n == 1 ? CMSG_FIRSTHDR(&msg) : NULL;
    sl_expect(cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS,
              "one byte with an SCM_RIGHTS fd", "%zd bytes, %s", n,
              cm ? "another control message" : "no control message");
    int passed;
    memcpy(&passed, CMSG_DATA(cm), sizeof passed);
    n = pread(passed, got, sizeof got, 0);
    sl_expect(n == (ssize_t)strlen(text) && memcmp(got, text, (size_t)n) == 0,
              "the file's text through the fd", "%zd bytes", n);
    close(passed);
    sl_expect_eof(fd, "uds_client (one message, then shutdown(SHUT_WR))", 5);
    sl_wait_blocked(c, 5);
    int fds = sl_fd_count(c);
    sl_expect(fds == 4, "uds_client to hold 4 fds (stdio and the socket): its copy of the file closed",
              "%d fds", fds);
    sl_send(fd, "ok\n", 3, 5);
    close(fd);
    close(lfd);
    sl_expect_out(c, "ok\n", 3, 5);
    sl_expect_exit(c, 0);
}

/* ---- socket types ------------------------------------------------------------------ */

/* Send "hello" and "world" in two sends on a socket of `type` to a
 * uds_server of that type, wait until it has received (and so echoed) all
 * 10 bytes and sleeps again, then read once with room for both: a stream
 * hands over all 10 bytes, a message socket one message. On a message
 * socket the server must have received two messages of 5 bytes too. */
static void boundaries(const char *type_name, int type)
{
    const char *path = sock_path(str("%s.sock", type_name));
    struct sl_proc *p = start_server(SL_ARGS("--type", type_name, path), path, type_name);
    int fd = connect_spec(path, type);
    sl_send(fd, "hello", 5, 5);
    sl_send(fd, "world", 5, 5);
    long total = 0;
    while (total < 10) {
        const char *line = sl_wait_line(p, "recv ", 5);
        long n = sl_number_after(line, "recv ");
        if (type != SOCK_STREAM)
            sl_expect(n == 5, "\"recv 5 bytes\": each message received whole and alone", "\"%s\"", line);
        total += n > 0 ? n : 10;
    }
    sl_wait_blocked(p, 5);
    char buf[64];
    ssize_t n = recv_once(fd, buf, sizeof buf);
    if (type == SOCK_STREAM)
        sl_expect(n == 10 && memcmp(buf, "helloworld", 10) == 0,
                  "one recv of the echo to return all 10 bytes: a stream keeps no boundaries", "%zd bytes",
                  n);
    else
        sl_expect(n == 5 && memcmp(buf, "hello", 5) == 0,
                  "one recv of the echo to return the first message, \"hello\", alone", "%zd bytes", n);
    close(fd);
    stop_server(p);
}

GRADED(boundaries_stream, 2, "--type stream: two sends may arrive as one recv (a byte stream)",
       "socket(AF_UNIX, SOCK_STREAM): echo each recv with a send_all loop. Chapter: 'Three "
       "socket types'.")
{
    boundaries("stream", SOCK_STREAM);
}

GRADED(boundaries_seqpacket, 2, "--type seqpacket: a connection that keeps each message whole",
       "socket(AF_UNIX, SOCK_SEQPACKET) with the type asked for, listen and accept as for a "
       "stream; each recv is one message. Chapter: 'Three socket types'.")
{
    boundaries("seqpacket", SOCK_SEQPACKET);
}

GRADED(boundaries_dgram, 2, "--type dgram: datagrams echoed to their sender's address, one by one",
       "SOCK_DGRAM: no listen, no accept; recvfrom gives the sender's address (a client that "
       "bound one), sendto answers it. Chapter: 'Three socket types'.")
{
    boundaries("dgram", SOCK_DGRAM);
}

GRADED(client_types, 2, "uds_client echoes lines over stream, seqpacket and dgram, to a path and to @NAME",
       "uds_connect: uds_address, socket of the type asked for, connect with the address's own "
       "length. Chapter: 'Two kinds of address'.")
{
    static const char *const types[] = {"stream", "seqpacket", "dgram"};
    for (size_t i = 0; i < 3; i++) {
        const char *spec = i == 1 ? str("@%s", abstract_name(types[i])) : sock_path(types[i]);
        struct sl_proc *p = start_server(SL_ARGS("--type", types[i], spec), spec, types[i]);
        struct sl_proc *c =
            sl_startx(&(struct sl_opts){.prog = "uds_client",
                                        .args = SL_ARGS("--type", types[i], spec),
                                        .faults = i == 0 ? "seed=7,short=0.5,eintr=0.2" : NULL});
        sl_write(c, "one\ntwo two\n");
        sl_expect_out(c, "one\ntwo two\n", 12, 5);
        sl_close_stdin(c);
        sl_expect_exit(c, 0);
        stop_server(p);
    }
}

/* ---- sun_path and the command line ------------------------------------------- */

/* A path of exactly len bytes in the test's directory. */
static const char *path_of_length(size_t len)
{
    const char *dir = sl_tmpdir();
    size_t base = strlen(dir) + 1;
    if (base + 1 > len || len - base > 255)
        sl_skip("the test directory %s is too long to make a %zu-byte path", dir, len);
    char *name = malloc(len - base + 1);
    memset(name, 'p', len - base);
    name[len - base] = '\0';
    return str("%s/%s", dir, name);
}

GRADED(sun_path_overflow, 2,
       "a path or name longer than sun_path: one line, exit 2; the longest that fits works",
       "sun_path holds 108 bytes: a path of at most 107 (plus its NUL), an abstract name of at "
       "most 107 (after the 0 byte). Check the length before copying: ENAMETOOLONG. Bad "
       "options are exit 2 too. Chapter: 'Two kinds of address'.")
{
    const char *longest = path_of_length(NAME_MAX_LEN);
    struct sl_proc *p = start_server(SL_ARGS(longest), longest, "stream");
    socat_echo(str("UNIX-CONNECT:%s", longest), "fits\n");
    stop_server(p);
    sl_expect_error(sl_start("uds_server", path_of_length(NAME_MAX_LEN + 1), NULL), 2, "too long");

    char name[NAME_MAX_LEN + 3] = "@";
    memset(name + 1, 'n', NAME_MAX_LEN);
    memcpy(name + 1, abstract_name("x"), strlen(abstract_name("x")));
    name[NAME_MAX_LEN + 1] = '\0';
    struct sl_proc *q = start_server(SL_ARGS(name), name, "stream");
    socat_echo(str("ABSTRACT-CONNECT:%s", name + 1), "fits too\n");
    stop_server(q);
    name[NAME_MAX_LEN + 1] = 'n';
    name[NAME_MAX_LEN + 2] = '\0';
    sl_expect_error(sl_start("uds_server", name, NULL), 2, "too long");
    sl_expect_error(sl_start("uds_client", name, NULL), 2, "too long");

    sl_expect_error(sl_start("uds_server", "--type", "raw", sock_path("t"), NULL), 2, "raw");
    sl_expect_error(sl_start("uds_server", "--mode", "0999", sock_path("t"), NULL), 2, "0999");
    sl_expect_error(sl_start("uds_server", "--bogus", sock_path("t"), NULL), 2, "--bogus");
    sl_expect_error(sl_start("uds_server", NULL), 2, "missing");
    struct sl_proc *empty = sl_start("uds_server", "", NULL);
    sl_expect_error(empty, 2, "bad address");
    sl_expect_contains(sl_err(empty), "Invalid argument", "the error for an empty path (EINVAL)");
    sl_expect_error(sl_start("uds_server", "@", NULL), 2, "bad address");
    struct sl_proc *h = sl_run("uds_server", "--help", NULL);
    sl_expect_exit(h, 0);
    sl_expect_contains(sl_out(h), "usage", "uds_server --help's output");
}

GRADED(connect_errors, 1, "uds_client to nobody: one line naming the address and the reason, exit 1",
       "connect to a path with no file: ENOENT; to a stale file or an unused abstract name: "
       "ECONNREFUSED. Report it with cli_error(\"connect %s:\", spec). Chapter: 'Stale socket "
       "files'.")
{
    const char *missing = sock_path("nobody.sock");
    sl_expect_error(sl_start("uds_client", missing, NULL), 1, "No such file");
    const char *stale = sock_path("dead.sock");
    close(sl_unix_listen(stale, SOCK_STREAM));
    sl_expect_error(sl_start("uds_client", stale, NULL), 1, "Connection refused");
    const char *spec = str("@%s", abstract_name("nobody"));
    sl_expect_error(sl_start("uds_client", spec, NULL), 1, "Connection refused");
}

/* ---- socketpair ------------------------------------------------------------------ */

GRADED(pair, 3, "uds_pair: socketpair, fork, the child answers in upper case and is reaped",
       "socketpair(AF_UNIX, type, 0, sv), fork; each side closes the other's end. For a pair, "
       "SO_PEERCRED names the process that called socketpair: the child sees its parent. "
       "waitpid the child. Chapter: 'socketpair and fork'.")
{
    static const char *const types[] = {"seqpacket", "dgram", "stream"};
    for (size_t i = 0; i < 3; i++) {
        struct sl_proc *p = sl_run("uds_pair", "--type", types[i], "hello", "Unix sockets", NULL);
        sl_expect_exit(p, 0);
        char line[256];
        const char *said = sl_find_line(sl_out(p), "parent pid=", line, sizeof line);
        long parent = sl_number_after(said, "parent pid=");
        sl_expect(parent > 0, "a line \"parent pid=P: sent ...\"", "none");
        char cline[256];
        const char *child = sl_find_line(sl_out(p), "child pid=", cline, sizeof cline);
        sl_expect(child != NULL, "a line \"child pid=C: peer pid=P ...\"", "none");
        long cpid = strtol(child + strlen("child pid="), NULL, 10);
        sl_expect(cpid > 0 && cpid != parent, "the child's own pid, not the parent's", "\"%s\"", child);
        char *want = str("peer pid=%ld uid=%ld gid=%ld", parent, (long)getuid(), (long)getgid());
        sl_expect_contains(child, want, "the child's SO_PEERCRED line (the parent made the pair)");
        char *answer = str("parent pid=%ld: sent \"Unix sockets\", child answered \"UNIX SOCKETS\"", parent);
        sl_expect_contains(sl_out(p), answer, "uds_pair's output");
        sl_expect_contains(sl_out(p), str("child pid=%ld exited with status 0", cpid), "uds_pair's output");
    }
}
