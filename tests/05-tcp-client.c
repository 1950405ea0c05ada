#define _GNU_SOURCE
/*
 * 05-tcp-client.c - the graded tests of lesson 05: tcpcat, a small netcat.
 *
 * tcpcat [-w SECONDS] [--frames [--max BYTES]] HOST PORT connects (every
 * address of HOST in turn), copies stdin to the server and the server to
 * stdout, half-closes at stdin's end of file and prints the rest of the
 * reply until the server's end of file; exit 0. With --frames, each stdin
 * line goes as a frame (4-byte big-endian length, then the bytes), and
 * each frame received is printed on a line. Errors are one line naming the
 * call and the address ("tcpcat: connect 127.0.0.1:41234: Connection
 * refused"), exit 1; usage errors exit 2.
 *
 * The servers are real peers (socat), the hostile peer (build/tools/peer:
 * reset, halfclose, trickle, bigframe) and the test's own sockets where it
 * must look at the bytes (frames) or hold the server's side in a state
 * (a full accept queue, a closed socket).
 */
#include "harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Ends every hint: tcpcat links the student's own lesson 02 addr.c. */
#define FROM_LESSON_02                                                                                       \
    " If tcpcat says parse_port or format_sockaddr is not written yet: lesson 05 uses your addr.c "          \
    "from lesson 02, finish that first (make grade L=02)."

/* ---- helpers ------------------------------------------------------------- */

/* A port number as text, for a program's arguments (four at a time). */
static const char *port_text(int port)
{
    static char buf[4][16];
    static int next;
    char *b = buf[next++ % 4];
    snprintf(b, 16, "%d", port);
    return b;
}

/* socat as a server on host (127.0.0.1 or ::1), port 0, running `what` for
 * its one client (EXEC:cat echoes; SYSTEM:'wc -c' answers only after end of
 * file). Its port into *port. */
static struct sl_proc *socat_server(const char *host, const char *what, int *port)
{
    char listen[64];
    if (strchr(host, ':'))
        snprintf(listen, sizeof listen, "TCP6-LISTEN:0,bind=[%s]", host);
    else
        snprintf(listen, sizeof listen, "TCP4-LISTEN:0,bind=%s", host);
    struct sl_proc *s = sl_start("socat", "-d", "-d", listen, what, NULL);
    *port = (int)sl_addr_port(strrchr(sl_wait_err(s, "listening on", 5), ' ') + 1);
    sl_expect(*port > 0, "socat's port in its \"listening on\" line", "%s", sl_err(s));
    return s;
}

/* `len` bytes of a pattern that shows where a byte went missing. */
static char *pattern(size_t len)
{
    char *d = malloc(len);
    sl_expect(d != NULL, "memory for the test's data", "none");
    for (size_t i = 0; i < len; i++)
        d[i] = (char)(i % 251);
    return d;
}

/* tcpcat host port, its stdin `data` (then end of file), through socat's
 * echo: the same bytes come back on stdout, then it exits 0, having given
 * back its getaddrinfo list (faultio's leaks=1 is added to faults, as
 * sl_opts). */
static void echo_through_socat(const char *host, size_t len, const char *faults)
{
    int port;
    char *data = pattern(len), keys[128];
    snprintf(keys, sizeof keys, "%s%sleaks=1", faults ? faults : "", faults ? "," : "");
    socat_server(host, "EXEC:cat", &port);
    struct sl_proc *p = sl_startx(
        &(struct sl_opts){.prog = "tcpcat", .args = SL_ARGS(host, port_text(port)), .faults = keys});
    sl_write_bytes(p, data, len);
    sl_close_stdin(p);
    sl_expect_out(p, data, len, 10);
    sl_expect_exit(p, 0);
    sl_expect_no_leaks(p);
    free(data);
}

/* Check that p's stderr is exactly "tcpcat: " + line + "\n", exit 1. */
static void expect_error_line(struct sl_proc *p, const char *line)
{
    char want[512];
    sl_expect_error(p, 1, line);
    snprintf(want, sizeof want, "tcpcat: %s\n", line);
    sl_expect(strcmp(sl_err(p), want) == 0, want, "\"%s\"", sl_err(p));
}

/* The address as tcpcat names it: "127.0.0.1:41234", "[::1]:41234". */
static const char *shown(const char *host, int port)
{
    static char buf[4][80];
    static int next;
    char *b = buf[next++ % 4];
    snprintf(b, 80, strchr(host, ':') ? "[%s]:%d" : "%s:%d", host, port);
    return b;
}

/* ---- talking to real servers --------------------------------------------- */

GRADED(echo, 3, "tcpcat copies stdin to socat's echo and the echo to stdout, then exits 0",
       "Connect (tcp_connect in client.c), then poll stdin and the socket: what stdin gives, "
       "send_all to the socket; what the socket gives, write to stdout. Chapter: 'Both ways at "
       "once'." FROM_LESSON_02)
{
    int port;
    socat_server("127.0.0.1", "EXEC:cat", &port);
    struct sl_proc *p = sl_start("tcpcat", "127.0.0.1", port_text(port), NULL);
    sl_write(p, "hello\n");
    sl_expect_out(p, "hello\n", 6, 5);
    sl_write(p, "!");
    sl_expect_out(p, "!", 1, 5);
    sl_wait_blocked(p, 5);
    int fds = sl_fd_count(p);
    sl_expect(fds == 4, "4 fds while connected: stdin, stdout, stderr and the socket", "%d fds", fds);
    long flags = sl_fd_flags(p, 3);
    sl_expect(flags != -1 && (flags & O_CLOEXEC), "the socket (fd 3) close-on-exec: SOCK_CLOEXEC (lesson 01)",
              "/proc/%d/fdinfo/3 flags: 0%lo", (int)sl_pid(p), flags);
    sl_write(p, "world\n");
    sl_expect_out(p, "world\n", 6, 5);
    sl_close_stdin(p);
    sl_expect_exit(p, 0);
}

GRADED(echo_ipv6, 2, "the same over IPv6: tcpcat ::1 PORT to socat's echo on [::1]",
       "getaddrinfo gives an AF_INET6 address for \"::1\": take the family, the type and the "
       "address from the result, not from constants. Chapter: 'Every address, in order'." FROM_LESSON_02)
{
    sl_need_ipv6();
    echo_through_socat("::1", 6, NULL);
}

GRADED(half_close, 4,
       "a server that answers only after end of file (socat running wc -c) gets it, and tcpcat prints the "
       "answer",
       "At stdin's end of file, shutdown(fd, SHUT_WR): the server reads end of file and can still "
       "answer. Do not close the socket yet, and do not stop at stdin's end: print the reply until "
       "recv returns 0. Chapter: 'Half-close'." FROM_LESSON_02)
{
    int port;
    socat_server("127.0.0.1", "SYSTEM:wc -c", &port);
    struct sl_proc *p = sl_start("tcpcat", "127.0.0.1", port_text(port), NULL);
    sl_write(p, "twelve bytes");
    sl_close_stdin(p);
    sl_step("the server (wc -c) answers only after it reads end of file");
    sl_wait_line(p, "12", 5);
    sl_expect_exit(p, 0);
    sl_expect(strcmp(sl_out(p), "12\n") == 0, "exactly \"12\\n\" on stdout (wc -c's answer)", "\"%s\"",
              sl_out(p));
}

GRADED(half_close_ipv6, 2, "the same over IPv6: the reply after end of file comes back from [::1]",
       "The half-close does not care about the family: shutdown(fd, SHUT_WR) at stdin's end of "
       "file, then read until the server's end of file. Chapter: 'Half-close'." FROM_LESSON_02)
{
    sl_need_ipv6();
    int port;
    socat_server("::1", "SYSTEM:wc -c", &port);
    struct sl_proc *p = sl_start("tcpcat", "::1", port_text(port), NULL);
    sl_write(p, "twelve bytes");
    sl_close_stdin(p);
    sl_wait_line(p, "12", 5);
    sl_expect_exit(p, 0);
}

GRADED(big_transfer, 3, "8 MiB through socat's echo come back byte-exact",
       "Both directions at once: while you send stdin, the echo fills your receive buffer; if you "
       "only read the socket after sending everything, both sides block. Poll both, and send_all "
       "each chunk. Chapter: 'Both ways at once'." FROM_LESSON_02)
{
    echo_through_socat("127.0.0.1", 8u << 20, NULL);
}

GRADED(short_counts, 3, "with send and recv returning short counts and EINTR, every byte still goes through",
       "send() may take fewer bytes than you gave it, and any call may fail with EINTR: send_all "
       "loops until everything is sent, retrying EINTR; recv's EINTR is no error either. "
       "Chapter: 'Short counts'." FROM_LESSON_02)
{
    echo_through_socat("127.0.0.1", 2u << 20, "seed=7,short=0.5,eintr=0.2");
}

/* ---- every address -------------------------------------------------------- */

/* tcpcat NAME PORT where NAME (tests/hosts.txt) has two addresses and only
 * the second listens: tcpcat must come to it, with the first socket closed. */
static void expect_every_address(const char *name, const char *second)
{
    int port;
    sl_hosts_table();
    int lfd = sl_tcp_listen(second, &port);
    sl_step("only %s listens: the first address of %s refuses", shown(second, port), name);
    struct sl_proc *p = sl_start("tcpcat", name, port_text(port), NULL);
    int fd = sl_tcp_accept(lfd, 5);
    sl_write(p, "ping\n");
    sl_expect_recv(fd, "ping\n", 5, 5);
    sl_wait_blocked(p, 5);
    int fds = sl_fd_count(p);
    sl_expect(fds == 4, "4 fds: stdin, stdout, stderr, the connected socket (the refused one closed)",
              "%d fds", fds);
    sl_send(fd, "pong\n", 5, 5);
    sl_expect_out(p, "pong\n", 5, 5);
    sl_close_stdin(p);
    sl_expect_eof(fd, "tcpcat", 5);
    close(fd);
    sl_expect_exit(p, 0);
    close(lfd);
}

GRADED(every_address, 3, "a name whose first address refuses: tcpcat tries the next one and talks to it",
       "Loop over every getaddrinfo result: when connect fails, close that socket and try the next "
       "address; stop at the first that connects. Chapter: 'Every address, in order'." FROM_LESSON_02)
{
    expect_every_address("socklab-two.test", "127.0.0.2"); /* 127.0.0.1, then 127.0.0.2 */
}

GRADED(every_address_ipv6, 2,
       "a name with [::1] first and 127.0.0.1 second: only IPv4 listens, tcpcat gets there",
       "Each result brings its own family: socket(ai->ai_family, ...) per address, not one socket "
       "for all. Chapter: 'Every address, in order'." FROM_LESSON_02)
{
    sl_need_ipv6();
    expect_every_address("socklab-two6.test", "127.0.0.1"); /* ::1, then 127.0.0.1 */
}

/* ---- errors, each one line ------------------------------------------------ */

/* tcpcat to host (127.0.0.1 or ::1) at a port where nothing listens:
 * exactly "connect ADDR:PORT: Connection refused", exit 1. */
static void expect_refused(const char *host)
{
    int port;
    int lfd = sl_tcp_listen(host, &port);
    close(lfd); /* nothing listens on host:port now */
    char want[128];
    snprintf(want, sizeof want, "connect %s: Connection refused", shown(host, port));
    expect_error_line(sl_run("tcpcat", host, port_text(port), NULL), want);
}

/* tcpcat to the hostile peer on host, which resets mid-message: exactly
 * "recv ADDR:PORT: Connection reset by peer", exit 1. */
static void expect_reset(const char *host)
{
    struct sl_proc *peer = sl_peer("listen", host, "0", "reset", NULL);
    int port = sl_peer_ready(peer, 5);
    struct sl_proc *p = sl_start("tcpcat", host, port_text(port), NULL);
    sl_wait_err(peer, "reset after sending", 5);
    char want[128];
    snprintf(want, sizeof want, "recv %s: Connection reset by peer", shown(host, port));
    expect_error_line(p, want);
}

/* tcpcat -w 1 to a listener on host whose accept queue is full (a SYN to
 * it is dropped, so connect() waits): exactly "connect ADDR:PORT:
 * Connection timed out", exit 1. */
static void expect_timed_out(const char *host)
{
    int port;
    int lfd = sl_tcp_listen(host, &port);
    sl_expect(listen(lfd, 0) == 0, "listen(fd, 0) on the test's socket", "%s", strerror(errno));
    int filler = sl_tcp_connect(host, port, 5);
    sl_step("the test listens on %s with a full accept queue: a new SYN is dropped", shown(host, port));
    struct sl_proc *p = sl_start("tcpcat", "-w", "1", host, port_text(port), NULL);
    sl_close_stdin(p);
    char want[128];
    snprintf(want, sizeof want, "connect %s: Connection timed out", shown(host, port));
    expect_error_line(p, want);
    close(filler);
    close(lfd);
}

GRADED(refused, 2, "nothing listening: \"tcpcat: connect 127.0.0.1:PORT: Connection refused\", exit 1",
       "connect() fails with ECONNREFUSED (the server's host answered with a reset): print one "
       "line naming the call, the address (format_sockaddr) and strerror(errno), exit 1. "
       "Chapter: 'When the server is not there'." FROM_LESSON_02)
{
    expect_refused("127.0.0.1");
}

GRADED(reset_by_peer, 2,
       "a server that resets mid-message: \"recv 127.0.0.1:PORT: Connection reset by peer\", exit 1",
       "recv() fails with ECONNRESET when the server aborts (RST): that is an error, not an end "
       "of file; report it in one line naming the address, exit 1. Chapter: 'End of file, and "
       "the reset'." FROM_LESSON_02)
{
    expect_reset("127.0.0.1");
}

GRADED(timed_out, 2,
       "-w 1 and a server that never answers the SYN: \"connect 127.0.0.1:PORT: Connection timed out\"",
       "With -w, set SO_SNDTIMEO on the socket before connect(): a blocking connect that runs out "
       "of it fails with EINPROGRESS, which tcpcat reports as ETIMEDOUT. Chapter: 'When the "
       "server is not there'." FROM_LESSON_02)
{
    expect_timed_out("127.0.0.1");
}

GRADED(send_timed_out, 2,
       "-w 1 and a server that takes no bytes: \"send 127.0.0.1:PORT: Connection timed out\", exit 1",
       "SO_SNDTIMEO bounds each send() too: when the server stops reading and the buffers are full, "
       "a blocking send fails with EAGAIN after the timeout; send_all reports it as ETIMEDOUT. "
       "Chapter: 'When the server is not there'." FROM_LESSON_02)
{
    enum { SIZE = 24 << 20 };
    char path[4096];
    snprintf(path, sizeof path, "%s/input", sl_tmpdir());
    FILE *f = fopen(path, "we");
    sl_expect(f != NULL, "a file of input for tcpcat", "%s", strerror(errno));
    char *data = pattern(1 << 20);
    for (int i = 0; i < SIZE >> 20; i++)
        fwrite(data, 1, 1 << 20, f);
    free(data);
    sl_expect(fclose(f) == 0, "24 MiB of input written", "%s", strerror(errno));
    struct sl_proc *peer = sl_peer("listen", "127.0.0.1", "0", "noread", NULL);
    int port = sl_peer_ready(peer, 5);
    sl_step("the server accepts and never reads: 24 MiB cannot all fit in the buffers");
    struct sl_proc *p = sl_startx(&(struct sl_opts){
        .prog = "tcpcat", .args = SL_ARGS("-w", "1", "127.0.0.1", port_text(port)), .stdin_file = path});
    char want[128];
    snprintf(want, sizeof want, "send %s: Connection timed out", shown("127.0.0.1", port));
    expect_error_line(p, want);
}

GRADED(errors_ipv6, 2, "the IPv6 twins: refused, reset and timed out on [::1]:PORT, one line each",
       "The error names the address as format_sockaddr writes it, brackets and all: \"connect "
       "[::1]:41234: Connection refused\". Chapter: 'When the server is not there'." FROM_LESSON_02)
{
    sl_need_ipv6();
    expect_refused("::1");
    expect_reset("::1");
    expect_timed_out("::1");
}

GRADED(server_half_closes, 2,
       "a server that half-closes first still gets all of stdin, and tcpcat exits 0 after",
       "recv returning 0 is the server's end of file, not an error and not the end: it only says "
       "the server sends no more. Stop polling the socket, keep sending stdin until its end, "
       "then shutdown(SHUT_WR). Chapter: 'End of file, and the reset'." FROM_LESSON_02)
{
    struct sl_proc *peer = sl_peer("listen", "127.0.0.1", "0", "halfclose", NULL);
    int port = sl_peer_ready(peer, 5);
    struct sl_proc *p = sl_start("tcpcat", "127.0.0.1", port_text(port), NULL);
    sl_wait_err(peer, "accepted", 5);
    sl_step("the server half-closed at once: tcpcat reads end of file and must keep sending");
    sl_write(p, "still ");
    sl_write(p, "talking\n");
    sl_close_stdin(p);
    sl_expect_out(peer, "still talking\n", 14, 5);
    sl_wait_err(peer, "then end of file", 5);
    sl_expect_exit(p, 0);
    sl_expect(strcmp(sl_err(p), "") == 0, "nothing on tcpcat's stderr", "\"%s\"", sl_err(p));
}

/* Wait until the TCP socket local -> remote has left CLOSE-WAIT (the
 * server's reset has arrived), polling the kernel's table with a deadline. */
static void wait_left_close_wait(const char *local, const char *remote)
{
    char state[32];
    double until = sl_now() + sl_deadline(5);
    while (sl_tcp_state(local, remote, state, sizeof state) && strcmp(state, "CLOSE-WAIT") == 0) {
        sl_expect(sl_now() < until, "the server's reset to end tcpcat's connection", "still %s", state);
        nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
    }
    sl_step("the server's reset has closed tcpcat's side (%s -> %s)", local, remote);
}

/* Start tcpcat against the test's own server, send a line, then close the
 * server's socket and send another: the server's kernel answers it with a
 * reset. Returns tcpcat once that reset has closed its side; *lfd is the
 * listening socket, remote the server's "127.0.0.1:PORT". */
static struct sl_proc *tcpcat_after_reset(int *lfd, char *remote, size_t len)
{
    int port;
    *lfd = sl_tcp_listen("127.0.0.1", &port);
    struct sl_proc *p = sl_start("tcpcat", "127.0.0.1", port_text(port), NULL);
    int fd = sl_tcp_accept(*lfd, 5);
    char local[80];
    snprintf(local, sizeof local, "127.0.0.1:%d", sl_remote_port(fd));
    snprintf(remote, len, "127.0.0.1:%d", port);
    sl_write(p, "one\n");
    sl_expect_recv(fd, "one\n", 4, 5);
    close(fd);
    sl_step("the server closed its socket: what tcpcat sends next is answered with a reset");
    sl_write(p, "two\n");
    wait_left_close_wait(local, remote);
    return p;
}

GRADED(no_sigpipe, 2, "sending to a server that has gone: one line and exit 1, not killed by SIGPIPE",
       "A send on a connection the peer has reset raises SIGPIPE, which kills the program "
       "silently. Pass MSG_NOSIGNAL to send(): you get EPIPE instead, and can say what "
       "happened. Chapter: 'SIGPIPE'." FROM_LESSON_02)
{
    int lfd;
    char remote[80], want[128];
    struct sl_proc *p = tcpcat_after_reset(&lfd, remote, sizeof remote);
    sl_write(p, "three\n");
    sl_expect_exit(p, 1);
    snprintf(want, sizeof want, "send %s: ", remote);
    sl_expect_one_line_error(p);
    sl_expect_contains(sl_err(p), want, "tcpcat's error line");
    sl_expect(strstr(sl_err(p), "Broken pipe") || strstr(sl_err(p), "Connection reset by peer"),
              "the reason EPIPE (\"Broken pipe\") or ECONNRESET gives", "\"%s\"", sl_err(p));
    close(lfd);
}

GRADED(shutdown_after_reset, 1,
       "end of input on a connection the server has reset: the failed shutdown is one line, exit 1",
       "shutdown() can fail too: on a connection that a reset has ended it returns ENOTCONN. Check "
       "it, and report it like any other call (\"shutdown ADDR:PORT: ...\"). Chapter: "
       "'Half-close'." FROM_LESSON_02)
{
    int lfd;
    char remote[80], want[160];
    struct sl_proc *p = tcpcat_after_reset(&lfd, remote, sizeof remote);
    sl_close_stdin(p);
    snprintf(want, sizeof want, "shutdown %s: Transport endpoint is not connected", remote);
    expect_error_line(p, want);
    close(lfd);
}

/* ---- frames ---------------------------------------------------------------- */

/* Receive one frame from fd as the test's server, checking its 4-byte
 * length is big-endian `len`, then its bytes are `data`. */
static void expect_frame(int fd, const char *data, size_t len)
{
    unsigned char hdr[4];
    sl_recv_exact(fd, hdr, 4, 5);
    uint32_t got = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 | (uint32_t)hdr[2] << 8 | hdr[3];
    sl_expect(got == len, "a frame's length as 4 bytes in network byte order (big-endian): htonl",
              "the bytes %02x %02x %02x %02x, which read as %u big-endian, for a %zu-byte line", hdr[0],
              hdr[1], hdr[2], hdr[3], (unsigned)got, len);
    sl_expect_recv(fd, data, len, 5);
}

/* Send one frame to fd: a big-endian length, then the bytes. */
static void send_frame(int fd, const char *data, size_t len)
{
    unsigned char hdr[4] = {(unsigned char)(len >> 24), (unsigned char)(len >> 16), (unsigned char)(len >> 8),
                            (unsigned char)len};
    sl_send(fd, hdr, 4, 5);
    sl_send(fd, data, len, 5);
}

/* A frames exchange with the test as the server on host: lines out, frames
 * back. faults: as sl_opts. */
static void expect_frames_exchange(const char *host, const char *faults)
{
    int port;
    int lfd = sl_tcp_listen(host, &port);
    struct sl_proc *p = sl_startx(&(struct sl_opts){
        .prog = "tcpcat", .args = SL_ARGS("--frames", host, port_text(port)), .faults = faults});
    int fd = sl_tcp_accept(lfd, 5);
    sl_write(p, "hello\n\nframes of a byte stream\n");
    sl_close_stdin(p);
    expect_frame(fd, "hello", 5);
    expect_frame(fd, "", 0);
    expect_frame(fd, "frames of a byte stream", 23);
    sl_expect_eof(fd, "tcpcat (a half-close after the last frame)", 5);
    send_frame(fd, "one", 3);
    send_frame(fd, "", 0);
    send_frame(fd, "three", 5);
    close(fd);
    sl_expect_out(p, "one\n\nthree\n", 11, 5);
    sl_expect_exit(p, 0);
    close(lfd);
}

GRADED(frames_big_endian, 3,
       "--frames: each line goes as a big-endian length and its bytes; each frame back prints as a line",
       "frame_write: htonl(len) as the 4-byte prefix, then the payload, both with send_all. "
       "frame_read: recv_all 4 bytes, ntohl, then recv_all that many. An empty frame is a frame. "
       "Chapter: 'Putting the boundaries back'." FROM_LESSON_02)
{
    expect_frames_exchange("127.0.0.1", NULL);
}

GRADED(frames_ipv6_short_counts, 2, "--frames over IPv6, with send and recv returning short counts and EINTR",
       "A frame's 4 bytes of length may come in 4 recv calls, and its payload in many: "
       "frame_read must use recv_all for both, never one recv. Chapter: 'Short counts'." FROM_LESSON_02)
{
    sl_need_ipv6();
    expect_frames_exchange("::1", "seed=11,short=0.6,eintr=0.2");
}

/* Two frames, "hello" and "abc", then twelve "x"s, as the peer's -s. */
#define FRAMES_TEXT                                                                                          \
    "\\x00\\x00\\x00\\x05hello\\x00\\x00\\x00\\x03abc" TWELVE TWELVE TWELVE TWELVE TWELVE TWELVE TWELVE      \
        TWELVE TWELVE TWELVE TWELVE TWELVE
#define TWELVE "\\x00\\x00\\x00\\x01x"
#define FRAMES_OUT "hello\nabc\nx\nx\nx\nx\nx\nx\nx\nx\nx\nx\nx\nx\n"

/* tcpcat --frames --max 5 against the peer sending FRAMES_TEXT in `mode`
 * (trickle: a byte at a time; send: at once), under `faults`. */
static void expect_frames_from_peer(const char *mode, const char *faults)
{
    struct sl_proc *peer = sl_peer("-s", FRAMES_TEXT, "-i", "1", "listen", "127.0.0.1", "0", mode, NULL);
    int port = sl_peer_ready(peer, 5);
    struct sl_proc *p =
        sl_startx(&(struct sl_opts){.prog = "tcpcat",
                                    .args = SL_ARGS("--frames", "--max", "5", "127.0.0.1", port_text(port)),
                                    .stdin_file = "/dev/null",
                                    .faults = faults});
    sl_expect_out(p, FRAMES_OUT, strlen(FRAMES_OUT), 10);
    sl_expect_exit(p, 0);
}

GRADED(
    frames_trickled, 2,
    "--frames --max 5: frames that come a byte at a time, or at once with short reads, are put back together",
    "The stream keeps no boundaries: recv_all loops until it has the 4-byte length, then the "
    "payload, asking each time only for what is still missing (len - got) and retrying EINTR. "
    "A frame of exactly max bytes is allowed. Chapter: 'Putting the boundaries back'." FROM_LESSON_02)
{
    expect_frames_from_peer("trickle", NULL);
    expect_frames_from_peer("send", "seed=5,short=0.7,eintr=0.3");
}

GRADED(frame_over_max, 3,
       "--frames: a frame over the maximum is refused before it is allocated, one line, exit 1",
       "The length comes from the network: check it against max BEFORE malloc, and fail with "
       "EMSGSIZE (\"Message too long\"). A peer that says 4294967295 would otherwise cost you "
       "4 GiB. Chapter: 'Putting the boundaries back'." FROM_LESSON_02)
{
    struct sl_proc *peer = sl_peer("listen", "127.0.0.1", "0", "bigframe", NULL); /* length 65537 */
    int port = sl_peer_ready(peer, 5);
    struct sl_proc *p = sl_start("tcpcat", "--frames", "127.0.0.1", port_text(port), NULL);
    sl_close_stdin(p);
    char want[160];
    snprintf(want, sizeof want,
             "frame_read %s: a frame of 65537 bytes is over the maximum of 65536: Message too long",
             shown("127.0.0.1", port));
    expect_error_line(p, want);

    peer = sl_peer("-m", "4294967294", "listen", "127.0.0.1", "0", "bigframe", NULL); /* 4294967295 */
    port = sl_peer_ready(peer, 5);
    p = sl_startx(
        &(struct sl_opts){.prog = "tcpcat",
                          .args = SL_ARGS("--frames", "--max", "1000", "127.0.0.1", port_text(port)),
                          .stdin_file = "/dev/null"});
    snprintf(want, sizeof want,
             "frame_read %s: a frame of 4294967295 bytes is over the maximum of 1000: Message too long",
             shown("127.0.0.1", port));
    expect_error_line(p, want);
}

GRADED(frame_write_over_max, 1, "--frames --max 4: a 5-byte line is refused before anything is sent",
       "frame_write checks len against max first: EMSGSIZE, and not a byte on the wire. "
       "Chapter: 'Putting the boundaries back'." FROM_LESSON_02)
{
    int port;
    int lfd = sl_tcp_listen("127.0.0.1", &port);
    struct sl_proc *p = sl_start("tcpcat", "--frames", "--max", "4", "127.0.0.1", port_text(port), NULL);
    int fd = sl_tcp_accept(lfd, 5);
    sl_write(p, "four\nfive!\n");
    sl_close_stdin(p);
    char want[160];
    snprintf(want, sizeof want,
             "frame_write %s: a frame of 5 bytes is over the maximum of 4: Message too long",
             shown("127.0.0.1", port));
    expect_error_line(p, want);
    expect_frame(fd, "four", 4);
    sl_expect_eof(fd, "tcpcat (nothing after the refused frame)", 5);
    close(fd);
    close(lfd);
}

/* tcpcat --frames against the peer sending `text` in `mode`: exactly
 * "frame_read ADDR:PORT: " + why, exit 1, nothing on stdout. */
static void expect_frame_error(const char *text, const char *mode, const char *why)
{
    struct sl_proc *peer = sl_peer("-s", text, "listen", "127.0.0.1", "0", mode, NULL);
    int port = sl_peer_ready(peer, 5);
    struct sl_proc *p = sl_start("tcpcat", "--frames", "127.0.0.1", port_text(port), NULL);
    sl_close_stdin(p);
    char want[160];
    snprintf(want, sizeof want, "frame_read %s: %s", shown("127.0.0.1", port), why);
    expect_error_line(p, want);
    sl_expect(strcmp(sl_out(p), "") == 0, "nothing on stdout (no frame came whole)", "\"%s\"", sl_out(p));
}

GRADED(frame_cut_short, 1, "--frames: an end of file or a reset inside a frame is an error, one line",
       "When recv_all returns fewer bytes than the length or the payload needs, the stream ended "
       "mid-frame: EPROTO, never a frame of the bytes that came. A reset (ECONNRESET) is reported "
       "as itself. Chapter: 'Putting the boundaries back'." FROM_LESSON_02)
{
    expect_frame_error("\\x00\\x00\\x00\\x10abc", "send", "the connection ended inside a frame");
    expect_frame_error("\\x00", "send", "the connection ended inside a frame");
    sl_step("now a server that resets after the length and 2 bytes of a 16-byte payload");
    expect_frame_error("\\x00\\x00\\x00\\x10abcdefgh", "reset", "Connection reset by peer");
}

/* ---- arguments ------------------------------------------------------------- */

GRADED(arguments, 2, "bad arguments: one line and exit 2; --help exits 0; port 65535 reaches connect()",
       "tcpcat's argument parsing is given: it checks PORT with parse_port from your lesson 02 "
       "addr.c. 65535 is a valid port: it must reach connect(), refused here: \"connect "
       "127.0.0.1:65535: Connection refused\", exit 1. Chapter: 'The exercise'." FROM_LESSON_02)
{
    static const char *const bad[][6] = {
        {"tcpcat", NULL},
        {"tcpcat", "127.0.0.1", NULL},
        {"tcpcat", "127.0.0.1", "0", NULL},
        {"tcpcat", "127.0.0.1", "65536", NULL},
        {"tcpcat", "127.0.0.1", "http", NULL},
        {"tcpcat", "-w", "0", "127.0.0.1", "7"},
        {"tcpcat", "-w", NULL},
        {"tcpcat", "--max", "4294967296", "127.0.0.1", "7"},
        {"tcpcat", "--bogus", "127.0.0.1", "7", NULL},
        {"tcpcat", "127.0.0.1", "7", "extra", NULL},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct sl_proc *p = sl_startv("tcpcat", (char *const *)bad[i]);
        sl_close_stdin(p);
        sl_expect_exit(p, 2);
        sl_expect_one_line_error(p);
    }
    struct sl_proc *h = sl_run("tcpcat", "--help", NULL);
    sl_expect_exit(h, 0);
    sl_expect_contains(sl_out(h), "usage", "tcpcat --help's output");
    int fd = sl_tcp_try_connect("127.0.0.1", 65535, 5);
    if (fd >= 0) {
        close(fd);
        sl_skip("something listens on 127.0.0.1:65535 here: the last port cannot be tried");
    }
    sl_step("65535 is a port: it must reach connect(), refused here");
    expect_error_line(sl_run("tcpcat", "127.0.0.1", "65535", NULL),
                      "connect 127.0.0.1:65535: Connection refused");
}

GRADED(bad_host, 1, "a host that does not resolve: \"getaddrinfo NAME: ...\" on one line, exit 1",
       "getaddrinfo returns an error code, not -1 with errno: print gai_strerror(rc). Chapter: "
       "'Every address, in order'." FROM_LESSON_02)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res;
    int rc = getaddrinfo("bad..host", "7", &hints, &res);
    if (rc == 0) {
        freeaddrinfo(res);
        sl_skip("bad..host resolves on this machine");
    }
    char want[160];
    snprintf(want, sizeof want, "getaddrinfo bad..host: %s", gai_strerror(rc));
    expect_error_line(sl_run("tcpcat", "bad..host", "7", NULL), want);
}
