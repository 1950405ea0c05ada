/*
 * uds_server.c - an echo service on a Unix domain socket.
 *
 * usage: uds_server [--type stream|dgram|seqpacket] [--mode OCTAL] PATH|@NAME
 *
 * Listens on a socket file PATH (or on NAME in the abstract namespace:
 * "@NAME") and prints its ready line:
 *
 *     listening on /tmp/echo.sock (stream)
 *
 * A socket file left there by a server that died is replaced ("replaced
 * the stale socket file ..."); a live server's is never touched: the second
 * one says "already running" and exits 1. --mode 0600 gives the socket file
 * exactly those permissions (connect needs write permission on it).
 *
 * For each connection (stream, seqpacket) it prints who connected, as the
 * kernel saw it (SO_PEERCRED):
 *
 *     peer pid=4242 uid=1000 gid=1000
 *
 * then, for each recv, "recv N bytes" and sends the same bytes back (one
 * message per message on seqpacket and dgram). A message that carries an
 * open file (SCM_RIGHTS) is answered with the file's contents instead:
 * "received an fd: sent back N bytes of its file". Datagrams are answered
 * to their sender's address (a client must bind one).
 *
 * It serves one connection at a time, until its standard input ends
 * (Ctrl-D), or SIGINT or SIGTERM: then it removes its socket file.
 *
 * Exit: 0 at the end, 1 on a runtime error (already running, bind ...),
 * 2 on a usage error (unknown option, bad mode, a path too long for
 * sun_path).
 */
#define _GNU_SOURCE
#include "cli.h"
#include "uds.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BUFSIZE 65536

static const char usage[] = "usage: uds_server [--type stream|dgram|seqpacket] [--mode OCTAL] PATH|@NAME\n"
                            "\n"
                            "Echo every message that arrives on a Unix domain socket: a file PATH, or\n"
                            "NAME in the abstract namespace (@NAME). Prints \"listening on PATH (TYPE)\",\n"
                            "then \"peer pid=P uid=U gid=G\" for each connection and \"recv N bytes\" for\n"
                            "each receive. A message carrying an open file (SCM_RIGHTS) is answered with\n"
                            "the file's contents. Runs until standard input ends, SIGINT or SIGTERM,\n"
                            "then removes the socket file.\n"
                            "\n"
                            "  --type T     stream (default), dgram or seqpacket\n"
                            "  --mode OCTAL permissions of the socket file, 0 to 0777 (e.g. 0600: only\n"
                            "               its owner may connect); default: as the umask says\n"
                            "  --help       show this help\n"
                            "\n"
                            "Exit: 0 at the end, 1 on a runtime error (a server already running there),\n"
                            "2 on a usage error (a bad option, a path longer than sun_path holds).\n";

struct options {
    bool help;
    int type;
    mode_t mode; /* (mode_t)-1: as the umask says */
    const char *spec;
};

/* Set by SIGINT and SIGTERM, which are blocked but while waiting in ppoll. */
static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
    stop_signal = sig;
}

/* Parse a mode "0600" (octal, 0 to 0777) into *mode. Returns 0 or -1. */
static int parse_mode(const char *s, mode_t *mode)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 8);
    if (errno != 0 || end == s || *end != '\0' || v < 0 || v > 0777)
        return -1;
    *mode = (mode_t)v;
    return 0;
}

/* Parse the command line into *opt. Returns 0, or -1 after printing a
 * one-line usage error. */
static int parse_args(int argc, char *argv[], struct options *opt)
{
    *opt = (struct options){.type = SOCK_STREAM, .mode = (mode_t)-1};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0) {
            opt->help = true;
            return 0;
        } else if (strcmp(a, "--type") == 0 && i + 1 < argc) {
            if ((opt->type = uds_type_of(argv[++i])) == -1)
                return cli_usage_error("bad --type '%s': stream, dgram or seqpacket", argv[i]);
        } else if (strcmp(a, "--mode") == 0 && i + 1 < argc) {
            if (parse_mode(argv[++i], &opt->mode) == -1)
                return cli_usage_error("bad --mode '%s': an octal number 0 to 0777", argv[i]);
        } else if (a[0] == '-' && a[1] != '\0') {
            return cli_usage_error("unknown option '%s'", a);
        } else if (opt->spec) {
            return cli_usage_error("too many arguments at '%s'", a);
        } else {
            opt->spec = a;
        }
    }
    if (!opt->spec)
        return cli_usage_error("missing PATH or @NAME");
    if (uds_check_address(opt->spec) == -1)
        return -1;
    return 0;
}

/* Block SIGINT and SIGTERM (they are taken in ppoll only, so that no
 * signal slips in between a check and a wait) and catch them; *waitmask is
 * the mask for ppoll. SIGPIPE is ignored (a peer may go away). */
static void catch_stop_signals(sigset_t *waitmask)
{
    sigset_t block;
    struct sigaction sa = {.sa_handler = on_stop};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigprocmask(SIG_BLOCK, &block, waitmask);
}

/* Send the contents of the file open on fd back on sock, a read at a time
 * (each one message on seqpacket). Returns the byte count, or -1. */
static long send_file(int sock, int fd, char *buf)
{
    long total = 0;
    for (;;) {
        ssize_t n = read(fd, buf, BUFSIZE);
        if (n == -1 && errno == EINTR)
            continue;
        if (n <= 0)
            return n == 0 ? total : -1;
        if (uds_send_all(sock, buf, (size_t)n) == -1)
            return -1;
        total += n;
    }
}

/* Print who is at the other end of a new connection. */
static void print_peer(int cfd)
{
    pid_t pid;
    uid_t uid;
    gid_t gid;
    /* TODO: uds_peer (uds.c), then print "peer pid=P uid=U gid=G".
     * Chapter: 'Who is at the other end'. */
    (void)pid;
    (void)uid;
    (void)gid;
    (void)cfd;
}

/* Serve one receive on a connected socket: echo it, or answer an fd with
 * its file. Returns 1 to go on, 0 at end of file, -1 after an error (the
 * connection is dropped, the server goes on). */
static int serve_one(int cfd, char *buf)
{
    int fd;
    ssize_t n = uds_recv_fd(cfd, buf, BUFSIZE, &fd);
    if (n == -1)
        return cli_error("recv:");
    if (fd != -1) {
        /* TODO: send the file's contents back (send_file), print
         * "received an fd: sent back N bytes of its file", and close the
         * fd: it is ours now. Chapter: 'Passing an open file'. */
        (void)send_file;
    }
    if (n == 0)
        return 0;
    printf("recv %zd bytes\n", n);
    if (uds_send_all(cfd, buf, (size_t)n) == -1)
        return cli_error("send:");
    return 1;
}

/* Serve one datagram: echo it to its sender, if the sender has an address
 * to answer to. Returns 0, or -1 after an error. */
static int serve_datagram(int sfd, char *buf)
{
    struct sockaddr_un from;
    socklen_t fromlen = sizeof from;
    ssize_t n = recvfrom(sfd, buf, BUFSIZE, 0, (struct sockaddr *)&from, &fromlen);
    if (n == -1)
        return errno == EINTR ? 0 : cli_error("recvfrom:");
    printf("recv %zd bytes\n", n);
    if (fromlen <= sizeof from.sun_family) {
        printf("the sender has no address: no reply\n");
        return 0;
    }
    if (sendto(sfd, buf, (size_t)n, MSG_NOSIGNAL, (struct sockaddr *)&from, fromlen) == -1)
        cli_error("sendto:"); /* the sender is gone: serve the others */
    return 0;
}

/* Accept a connection and say who it is. Returns its fd, or -1 when there
 * was none after all (the server goes on). */
static int accept_peer(int lfd)
{
    int cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    if (cfd == -1) {
        if (errno != EINTR && errno != ECONNABORTED && errno != EAGAIN)
            cli_error("accept:");
        return -1;
    }
    print_peer(cfd);
    return cfd;
}

/* Serve on sfd until standard input ends or a stop signal. Returns 0, or
 * -1 after an error the server cannot go on from. */
static int serve(int sfd, int type, const sigset_t *waitmask)
{
    static char buf[BUFSIZE];
    int cfd = -1;
    struct pollfd pfd[2] = {{.fd = STDIN_FILENO, .events = POLLIN}, {.events = POLLIN}};
    while (!stop_signal) {
        pfd[1].fd = cfd != -1 ? cfd : sfd;
        if (ppoll(pfd, 2, NULL, waitmask) == -1) {
            if (errno == EINTR)
                continue;
            return cli_error("poll:");
        }
        if (pfd[0].revents != 0) { /* input, end of input, or no stdin at all */
            char in[512];
            ssize_t n = read(STDIN_FILENO, in, sizeof in);
            if (n == 0 || (n == -1 && errno != EINTR && errno != EAGAIN))
                break;
        }
        if (pfd[1].revents == 0)
            continue;
        if (type == SOCK_DGRAM) {
            if (serve_datagram(sfd, buf) == -1)
                return -1;
        } else if (cfd == -1) {
            cfd = accept_peer(sfd);
        } else if (serve_one(cfd, buf) <= 0) {
            close(cfd);
            cfd = -1;
        }
    }
    if (cfd != -1)
        close(cfd);
    return 0;
}

/* Say why uds_listen failed, in the words a user needs. */
static void listen_error(const char *spec)
{
    if (errno == EADDRINUSE && spec[0] == '@')
        cli_error("%s: a server is already running with that abstract name", spec);
    else if (errno == EADDRINUSE)
        cli_error("%s: a server is already running there (its socket file is live)", spec);
    else if (errno == EEXIST)
        cli_error("%s: exists and is not a socket: not touching it", spec);
    else
        cli_error("listen on %s:", spec);
}

int main(int argc, char *argv[])
{
    struct options opt;
    sigset_t waitmask;
    setvbuf(stdout, NULL, _IOLBF, 0); /* each line out at once, also to a pipe */
    if (parse_args(argc, argv, &opt) == -1)
        return CLI_EXIT_USAGE;
    if (opt.help) {
        fputs(usage, stdout);
        return 0;
    }
    catch_stop_signals(&waitmask);
    bool stale = opt.spec[0] != '@' && access(opt.spec, F_OK) == 0;
    int fd = uds_listen(opt.spec, opt.type, opt.mode);
    if (fd == -1) {
        listen_error(opt.spec);
        return 1;
    }
    if (stale)
        printf("replaced the stale socket file %s (nobody was listening there)\n", opt.spec);
    printf("listening on %s (%s)\n", opt.spec, uds_type_name(opt.type));
    int rc = serve(fd, opt.type, &waitmask) == 0 ? 0 : 1;
    close(fd);
    /* TODO: remove the socket file (a path, not an @name: the abstract
     * name went away with close). Chapter: 'Cleaning up'. */
    if (stop_signal)
        printf("stopped by %s\n", strsignal(stop_signal));
    return rc;
}
