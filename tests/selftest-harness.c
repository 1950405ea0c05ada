#define _GNU_SOURCE
/*
 * selftest-harness.c - the harness's own checks: the I/O loop, bounded
 * output, the network helpers. Not a lesson: no points, run by hand or by
 * `make test`:
 *
 *   make build/tests/selftest-harness && build/tests/selftest-harness
 *
 * Each check is a test of the harness against programs every system has
 * (cat, sh) or real peers (socat), named by path or in tests/peers.txt.
 */
#include "harness.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CHECK(name, desc)                                                                                    \
    Test(harness, name, .description = desc, .timeout = SL_TEST_TIMEOUT, .init = sl_test_init,               \
         .fini = sl_test_fini)

/* len bytes of a pattern that no shift of itself matches (a counter). */
static char *pattern(size_t len)
{
    char *d = malloc(len);
    sl_expect(d != NULL, "memory for the test's data", "malloc failed");
    for (size_t i = 0; i < len; i++)
        d[i] = (char)(i * 7 + i / 251);
    return d;
}

/* Send len bytes through cat and expect them back byte for byte. */
static void through_cat(size_t len)
{
    char *data = pattern(len);
    struct sl_proc *cat = sl_start("/bin/cat", NULL);
    double t0 = sl_now();
    sl_write_bytes(cat, data, len);
    sl_close_stdin(cat);
    sl_expect_out(cat, data, len, 10);
    sl_step("%zu bytes through cat in %.3f s", len, sl_now() - t0);
    fprintf(stderr, "harness selftest: %zu bytes through cat and back in %.3f s\n", len, sl_now() - t0);
    sl_expect_exit(cat, 0);
    free(data);
}

CHECK(cat_1mib, "1 MiB written to cat comes back byte-exact (no deadlock on full pipes)")
{
    through_cat(1u << 20);
}

CHECK(cat_10mib, "10 MiB written to cat comes back byte-exact")
{
    through_cat(10u << 20);
}

CHECK(two_programs, "writing to one program drains another's flood of output meanwhile")
{
    struct sl_proc *noisy =
        sl_start("/bin/sh", "-c", "head -c 8388608 /dev/zero | tr '\\0' y; echo; echo done", NULL);
    char *data = pattern(4u << 20);
    struct sl_proc *cat = sl_start("/bin/cat", NULL);
    sl_write_bytes(cat, data, 4u << 20);
    sl_close_stdin(cat);
    sl_expect_out(cat, data, 4u << 20, 10);
    sl_wait_line(noisy, "done", 10);
    sl_expect_exit(noisy, 0);
    free(data);
}

CHECK(flood_is_bounded, "100 MB of output: the first and the last part kept, the rest counted")
{
    struct sl_proc *p =
        sl_start("/bin/sh", "-c", "yes 0123456789abcdef | head -c 104857600; echo; echo the-end", NULL);
    sl_wait_line(p, "the-end", 20);
    sl_expect_exit(p, 0);
    const char *out = sl_out(p);
    size_t len = strlen(out);
    sl_expect(len < (40u << 20), "at most 40 MiB of 100 MB kept", "%zu bytes kept", len);
    sl_expect_contains(out, "bytes not kept", "the flood's text");
    sl_expect(strncmp(out, "0123456789abcdef\n", 17) == 0, "the flood's first line kept", "%.20s", out);
    sl_expect(len > 8 && strcmp(out + len - 8, "the-end\n") == 0, "the flood's last line kept", "%s",
              out + (len > 40 ? len - 40 : 0));
}

CHECK(exit_seen_at_once, "an exit is seen through the pidfd, not by polling")
{
    double t0 = sl_now();
    for (int i = 0; i < 20; i++)
        sl_expect_exit(sl_run("/bin/true", NULL), 0);
    fprintf(stderr, "harness selftest: 20 runs of true in %.3f s\n", sl_now() - t0);
}

CHECK(signals_at_default, "a program starts with no signal ignored, whatever the test ignores")
{
    signal(SIGINT, SIG_IGN); /* as under a shell's background job, or nohup */
    signal(SIGQUIT, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    struct sl_proc *p = sl_start("/bin/grep", "^SigIgn:", "/proc/self/status", NULL);
    sl_expect_exit(p, 0);
    const char *line = strstr(sl_out(p), "SigIgn:");
    sl_expect(line != NULL, "a SigIgn line from grep", "%s", sl_out(p));
    unsigned long long ignored = strtoull(line + strlen("SigIgn:"), NULL, 16);
    /* signals 1-31 (bit n - 1 is signal n); glibc keeps 32 and 33 to itself */
    sl_expect((ignored & 0x7fffffffULL) == 0, "no standard signal ignored (SigIgn in /proc/PID/status)", "%s",
              sl_out(p));
}

CHECK(stdin_file_env_dir, "a program started with a file as stdin, an environment and a directory")
{
    char path[4096];
    snprintf(path, sizeof path, "%s/input", sl_tmpdir());
    FILE *f = fopen(path, "w");
    sl_expect(f && fputs("from the file\n", f) >= 0 && fclose(f) == 0, "to write the input file", "failed");
    struct sl_proc *p = sl_startx(&(struct sl_opts){
        .prog = "/bin/sh",
        .args = SL_ARGS("-c", "cat; echo \"$SOCKLAB_SELFTEST\"; pwd; ulimit -n"),
        .env = SL_ARGS("SOCKLAB_SELFTEST=set by the test"),
        .dir = sl_tmpdir(),
        .stdin_file = path,
        .limits = {SL_LIMIT(RLIMIT_NOFILE, 77)},
    });
    sl_expect_exit(p, 0);
    sl_expect_contains(sl_out(p), "from the file\nset by the test\n", "the program's output");
    sl_expect_contains(sl_out(p), sl_tmpdir(), "the program's output");
    sl_expect_contains(sl_out(p), "\n77\n", "the program's output");
    sl_expect_contains(sl_cmdline(p), "ulimit -n 77", "the command line to paste");
}

CHECK(tcp_echo_through_socat, "the network helpers against socat: connect, send, receive, end of file")
{
    struct sl_proc *s = sl_start("socat", "-d", "-d", "TCP-LISTEN:0,bind=127.0.0.1", "EXEC:cat", NULL);
    const char *line = sl_wait_err(s, "listening on", 5);
    long port = sl_number_after(line, ":");
    int fd = sl_tcp_connect("127.0.0.1", (int)port, 5);
    char *data = pattern(1u << 20);
    sl_send(fd, data, 1u << 20, 5);
    shutdown(fd, SHUT_WR);
    sl_expect_recv(fd, data, 1u << 20, 5);
    sl_expect_eof(fd, "socat", 5);
    close(fd);
    free(data);
}

CHECK(tcp_refused_and_reset, "a refused connection, and a reset seen as a reset")
{
    int lport;
    int lfd = sl_tcp_listen(sl_loopback(2), &lport);
    close(lfd);
    sl_expect(sl_tcp_try_connect(sl_loopback(2), lport, 5) < 0, "a refused connection", "it connected");
    lfd = sl_tcp_listen("127.0.0.1", &lport);
    int c = sl_tcp_connect("127.0.0.1", lport, 5);
    int a = sl_tcp_accept(lfd, 5);
    sl_send(c, "unread", 6, 5);
    sl_recv_exact(a, (char[2]){0}, 1, 5);
    close(a); /* with 5 bytes unread: the kernel resets */
    sl_expect_reset(c, "the test's own server", 5);
    close(c);
    close(lfd);
}

CHECK(udp_and_unix, "a UDP exchange with a timeout; a Unix stream connection")
{
    int sport;
    int srv = sl_udp_bind("127.0.0.1", &sport);
    int cli = sl_udp_connect("127.0.0.1", sport);
    char reply[16];
    sl_expect(sl_udp_exchange(cli, "ping", 4, reply, sizeof reply, 0.2) == -1, "no reply (nobody answers)",
              "a reply");
    char got[16];
    sl_expect(sl_udp_recv(srv, got, sizeof got, 5) == 4, "the datagram at the server", "none");
    close(srv);
    close(cli);
    char path[4096];
    snprintf(path, sizeof path, "%s/sock", sl_tmpdir());
    int l = sl_unix_listen(path, SOCK_STREAM);
    int c = sl_unix_connect(path, SOCK_STREAM, 5);
    sl_send(c, "hi", 2, 5);
    int a = accept(l, NULL, NULL);
    sl_expect_recv(a, "hi", 2, 5);
    close(a);
    close(c);
    close(l);
}

/* ---- the hostile peer (build/tools/peer) against real programs --------- */

/* socat serving `what` (EXEC:cat echoes) on 127.0.0.1 (UDP: udp != 0);
 * its port into *port. */
static struct sl_proc *socat_server(const char *what, bool udp, int *port)
{
    struct sl_proc *s = sl_start(
        "socat", "-d", "-d", udp ? "UDP-LISTEN:0,bind=127.0.0.1" : "TCP-LISTEN:0,bind=127.0.0.1", what, NULL);
    *port = (int)sl_number_after(sl_wait_err(s, "listening on", 5), ":");
    return s;
}

static const char *text_port(int port)
{
    static char buf[4][16];
    static int next;
    char *b = buf[next++ % 4];
    snprintf(b, 16, "%d", port);
    return b;
}

CHECK(peer_trickle_send,
      "peer: one byte at a time through socat's echo; a listening peer that sends to socat")
{
    int port;
    socat_server("EXEC:cat", false, &port);
    struct sl_proc *p = sl_peer("-s", "hello\\n", "connect", "127.0.0.1", text_port(port), "trickle", NULL);
    sl_peer_ready(p, 5);
    sl_expect_out(p, "hello\n", 6, 5);
    sl_wait_err(p, "peer: sent 6 bytes, received 6 bytes, then end of file", 5);
    sl_expect_exit(p, 0);

    struct sl_proc *l = sl_peer("-s", "hi there\\n", "listen", "127.0.0.1", "0", "send", NULL);
    int lport = sl_peer_ready(l, 5);
    char addr[64];
    snprintf(addr, sizeof addr, "TCP:127.0.0.1:%d", lport);
    struct sl_proc *c = sl_start("socat", "-t", "5", "-", addr, NULL);
    sl_write(c, "from socat");
    sl_close_stdin(c);
    sl_expect_out(c, "hi there\n", 9, 5);
    sl_expect_exit(c, 0);
    sl_wait_err(l, "peer: sent 9 bytes, received 10 bytes, then end of file", 5);
    sl_expect_out(l, "from socat", 10, 5);
}

CHECK(peer_reset, "peer: a reset mid-message, as socat sees it (ECONNRESET after 5 bytes)")
{
    struct sl_proc *l = sl_peer("-s", "0123456789", "listen", "127.0.0.1", "0", "reset", NULL);
    int port = sl_peer_ready(l, 5);
    char addr[64];
    snprintf(addr, sizeof addr, "TCP:127.0.0.1:%d", port);
    struct sl_proc *c = sl_start("socat", "-d", "-", addr, NULL); /* -d: socat's warnings */
    sl_expect_out(c, "01234", 5, 5);
    sl_wait_err(l, "peer: reset after sending 5 bytes", 5);
    sl_wait_err(c, "Connection reset by peer", 5);
}

CHECK(peer_halfclose, "peer: half-closes at once; socat sees end of file and still sends")
{
    struct sl_proc *l = sl_peer("listen", "127.0.0.1", "0", "halfclose", NULL);
    int port = sl_peer_ready(l, 5);
    char addr[64];
    snprintf(addr, sizeof addr, "TCP:127.0.0.1:%d", port);
    struct sl_proc *c = sl_start("socat", "-t", "5", "-", addr, NULL);
    sl_write(c, "still sending");
    sl_close_stdin(c);
    sl_expect_exit(c, 0);
    sl_expect(strcmp(sl_out(c), "") == 0, "nothing from the peer (it half-closed first)", "\"%s\"",
              sl_out(c));
    sl_wait_err(l, "peer: sent 0 bytes, received 13 bytes, then end of file", 5);
    sl_expect_out(l, "still sending", 13, 5);
}

CHECK(peer_noread, "peer: never reads; socat's echo fills its window and blocks")
{
    int port;
    struct sl_proc *s = socat_server("EXEC:cat", false, &port);
    struct sl_proc *p = sl_peer("connect", "127.0.0.1", text_port(port), "noread", NULL);
    const char *l = sl_wait_err(p, "peer: stalled after sending ", 10);
    long sent = sl_number_after(l, "sending ");
    sl_expect(sent > 65536, "more than 64 KiB sent before the window filled", "%ld bytes", sent);
    sl_wait_blocked(s, 5); /* the echo's writer: nobody reads what it sends back */
}

CHECK(peer_garbage_bigframe,
      "peer: seeded garbage echoed byte-exact; a frame over the maximum, its length in network order")
{
    int port;
    socat_server("EXEC:cat", false, &port);
    struct sl_proc *a =
        sl_peer("-n", "4096", "-S", "7", "connect", "127.0.0.1", text_port(port), "garbage", NULL);
    sl_wait_err(a, "peer: sent 4096 bytes, received 4096 bytes, then end of file", 5);
    sl_expect_exit(a, 0);
    socat_server("EXEC:cat", false, &port);
    struct sl_proc *b =
        sl_peer("-n", "4096", "-S", "7", "connect", "127.0.0.1", text_port(port), "garbage", NULL);
    sl_wait_err(b, "then end of file", 5);
    sl_expect_exit(b, 0);
    sl_expect(memcmp(sl_out(a), sl_out(b), 4096) == 0, "the same bytes for the same seed", "others");

    socat_server("SYSTEM:'head -c 4 | od -An -tx1'", false, &port);
    struct sl_proc *f =
        sl_peer("-n", "0", "-m", "65536", "connect", "127.0.0.1", text_port(port), "bigframe", NULL);
    sl_wait_err(f, "then end of file", 5);
    sl_expect_contains(sl_out(f), "00 01 00 01", "the frame's length as od read it (65537, big-endian)");
}

CHECK(peer_flood, "peer: a TCP flood of 8 MiB through socat's echo, counted both ways")
{
    int port;
    socat_server("EXEC:cat", false, &port);
    struct sl_proc *p = sl_peer("-n", "8388608", "connect", "127.0.0.1", text_port(port), "flood", NULL);
    sl_wait_err(p, "peer: sent 8388608 bytes, received 8388608 bytes, then end of file", 20);
    sl_expect_exit(p, 0);
}

CHECK(peer_udp, "peer: UDP to socat's echo, a flood of datagrams, and an ICMP port unreachable")
{
    int port;
    socat_server("EXEC:cat", true, &port);
    /* -w 3: socat starts cat when the first datagram comes, and only then
     * echoes; on a loaded machine that took more than 0.3 s of silence. */
    struct sl_proc *p = sl_peer("-s", "ping", "-w", "3", "udp", "127.0.0.1", text_port(port), "send", NULL);
    sl_peer_ready(p, 5);
    sl_expect_out(p, "ping", 4, 5);
    sl_wait_err(p, "peer: sent 1 datagrams (4 bytes), received 1 (4 bytes), then silence", 10);
    socat_server("EXEC:cat", true, &port); /* socat's UDP-LISTEN serves its first client only */
    struct sl_proc *f =
        sl_peer("-c", "200", "-n", "100", "-w", "3", "udp", "127.0.0.1", text_port(port), "flood", NULL);
    const char *l = sl_wait_err(f, "peer: sent 200 datagrams (20000 bytes)", 15);
    sl_expect(sl_number_after(l, "received ") > 0, "some of the flood echoed", "%s", l);

    int closed;
    close(sl_udp_bind("127.0.0.1", &closed)); /* a UDP port nobody has */
    struct sl_proc *r = sl_peer("-s", "ping", "udp", "127.0.0.1", text_port(closed), "send", NULL);
    sl_wait_err(r, "then connection refused (ICMP port unreachable)", 5);
}

CHECK(peer_udp_modes, "peer: UDP trickle (a datagram per byte), seeded garbage and a bigframe datagram, "
                      "as a UDP socket of the check sees them (sl_udp_recvfrom)")
{
    int port;
    int fd = sl_udp_bind("127.0.0.1", &port);
    struct sl_proc *t =
        sl_peer("-s", "hello", "-w", "0.2", "udp", "127.0.0.1", text_port(port), "trickle", NULL);
    for (int i = 0; i < 5; i++) { /* not socat's EXEC:cat: its pipe would merge them */
        char c[8];
        ssize_t n = sl_udp_recv(fd, c, sizeof c, 5);
        sl_expect(n == 1 && c[0] == "hello"[i], "one datagram per byte, in order", "%zd bytes", n);
    }
    sl_wait_err(t, "peer: sent 5 datagrams (5 bytes), received 0 (0 bytes), then silence", 5);

    struct sl_proc *g[2];
    char first[2][4096];
    ssize_t firstlen[2];
    for (int i = 0; i < 2; i++) {
        g[i] = sl_peer("-c", "3", "-n", "4000", "-S", "7", "-w", "0.2", "udp", "127.0.0.1", text_port(port),
                       "garbage", NULL);
        int peer_port = sl_peer_ready(g[i], 5);
        struct sockaddr_storage from;
        double when;
        firstlen[i] = sl_udp_recvfrom(fd, first[i], sizeof first[i], &from, &when, 5);
        sl_expect(firstlen[i] >= 0 && firstlen[i] <= 4000, "a garbage datagram of at most -n bytes", "%zd",
                  firstlen[i]);
        sl_expect(ntohs(((struct sockaddr_in *)&from)->sin_port) == peer_port,
                  "sl_udp_recvfrom to name the peer's port", "port %d, peer %d",
                  ntohs(((struct sockaddr_in *)&from)->sin_port), peer_port);
        sl_expect(when <= sl_now() && when > sl_now() - 5, "the kernel's arrival time, on sl_now()'s clock",
                  "%.3f (now %.3f)", when, sl_now());
        char rest[4096];
        for (int k = 1; k < 3; k++)
            sl_expect(sl_udp_recv(fd, rest, sizeof rest, 5) >= 0, "the other garbage datagrams", "none");
        sl_wait_err(g[i], "peer: sent 3 datagrams", 5);
    }
    sl_expect(firstlen[0] == firstlen[1] && memcmp(first[0], first[1], (size_t)firstlen[0]) == 0,
              "the same garbage for the same seed", "%zd and %zd bytes, or other bytes", firstlen[0],
              firstlen[1]);

    struct sl_proc *b = sl_peer("-w", "0.2", "udp", "127.0.0.1", text_port(port), "bigframe", NULL);
    static unsigned char big[70000];
    ssize_t n = sl_udp_recv(fd, big, sizeof big, 5);
    sl_expect(n == 65507, "one datagram of 65507 bytes (the most IPv4 carries)", "%zd", n);
    sl_expect(big[0] == 0 && big[1] == 1 && big[2] == 0 && big[3] == 1,
              "a frame length of 65537 (-m 65536, plus one), big-endian", "%02x %02x %02x %02x", big[0],
              big[1], big[2], big[3]);
    sl_wait_err(b, "peer: sent 1 datagrams (65507 bytes), received 0", 5);
    close(fd);
}

CHECK(peer_ipv6_usage, "peer: over IPv6 through getaddrinfo; a usage error is one line and exit code 2")
{
    sl_need_ipv6();
    struct sl_proc *l = sl_peer("-6", "-s", "over six\\n", "listen", "::1", "0", "send", NULL);
    int port = sl_peer_ready(l, 5);
    char addr[64];
    snprintf(addr, sizeof addr, "TCP6:[::1]:%d", port);
    struct sl_proc *c = sl_start("socat", "-t", "5", "-", addr, NULL);
    sl_close_stdin(c);
    sl_expect_out(c, "over six\n", 9, 5);
    sl_expect_exit(c, 0);
    sl_expect_contains(sl_err(l), "listening on [::1]:", "the peer's ready line");
    sl_expect_error(sl_startx(&(struct sl_opts){.prog = sl_tool("peer"),
                                                .args = SL_ARGS("connect", "::1", "7", "bogus")}),
                    2, "bogus");
}

/* ---- the fault-injecting interposer (build/tools/faultio.so) -------------- */

/* A tiny client, compiled by the check: `echo MODE HOST PORT` sends 1 MiB
 * to an echo server and reads it back. MODE naive sends in 16 calls and
 * takes each for done (the classic bug); loop handles short counts and
 * EINTR; udp sends 20 datagrams of 1000 bytes and reads each back. It
 * prints "ok N" or what went wrong, exit 0 or 1. */
static const char echo_client_c[] =
    "#include <errno.h>\n#include <netdb.h>\n#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n"
    "#include <sys/socket.h>\n#include <unistd.h>\n"
    "#define LEN (1 << 20)\n"
    "static char out[LEN], in[LEN];\n"
    "static int send_all(int fd, const char *d, size_t n) {\n"
    "  while (n > 0) { ssize_t k = send(fd, d, n, 0);\n"
    "    if (k < 0 && errno == EINTR) continue;\n"
    "    if (k < 0) return -1; d += k; n -= (size_t)k; }\n"
    "  return 0; }\n"
    "static ssize_t recv_retry(int fd, char *b, size_t n) {\n"
    "  ssize_t k; while ((k = recv(fd, b, n, 0)) < 0 && errno == EINTR) ; return k; }\n"
    "int main(int argc, char **argv) {\n"
    "  int udp = strcmp(argv[1], \"udp\") == 0;\n"
    "  struct addrinfo h = {.ai_socktype = udp ? SOCK_DGRAM : SOCK_STREAM}, *r;\n"
    "  if (argc != 4 || getaddrinfo(argv[2], argv[3], &h, &r) != 0) return 2;\n"
    "  int fd = socket(r->ai_family, r->ai_socktype, 0);\n"
    "  if (fd < 0 || connect(fd, r->ai_addr, r->ai_addrlen) != 0) { perror(\"connect\"); return 1; }\n"
    "  for (size_t i = 0; i < LEN; i++) out[i] = (char)(i * 7 + i / 251);\n"
    "  if (udp) { for (int i = 0; i < 20; i++) {\n"
    "      ssize_t k; while ((k = send(fd, out, 1000, 0)) < 0 && errno == EINTR) ;\n"
    "      if (k != 1000) { printf(\"sent %zd of 1000\\n\", k); return 1; }\n"
    "      k = recv_retry(fd, in, sizeof in);\n"
    "      if (k != 1000) { printf(\"a datagram of %zd bytes\\n\", k); return 1; } }\n"
    "    printf(\"ok 20 datagrams\\n\"); return 0; }\n"
    "  if (strcmp(argv[1], \"naive\") == 0) {\n"
    "    for (int i = 0; i < 16; i++) send(fd, out + i * (LEN / 16), LEN / 16, 0);\n"
    "  } else if (send_all(fd, out, LEN) != 0) { perror(\"send\"); return 1; }\n"
    "  shutdown(fd, SHUT_WR);\n"
    "  size_t got = 0; ssize_t k;\n"
    "  while (got < LEN && (k = recv_retry(fd, in + got, LEN - got)) > 0) got += (size_t)k;\n"
    "  if (got != LEN || memcmp(in, out, LEN) != 0) { printf(\"got %zu of %d bytes back\\n\", got, LEN); "
    "return 1; }\n"
    "  printf(\"ok %zu\\n\", got); return 0; }\n";

/* Under SAN=1 the tiny client is built with the sanitizers, as the lessons'
 * programs are: faultio.so then runs before the ASan runtime (the harness
 * sets ASAN_OPTIONS=verify_asan_link_order=0 for .faults). */
#if defined(__SANITIZE_ADDRESS__)
#define ECHO_CLIENT_FLAGS "-O1 -fsanitize=address,undefined"
#else
#define ECHO_CLIENT_FLAGS "-O1"
#endif

/* Compile the tiny client into the test's directory; its path. */
static const char *echo_client(void)
{
    static char bin[4096];
    char src[4096];
    snprintf(src, sizeof src, "%s/echo_client.c", sl_tmpdir());
    snprintf(bin, sizeof bin, "%s/echo_client", sl_tmpdir());
    FILE *f = fopen(src, "w");
    sl_expect(f && fputs(echo_client_c, f) >= 0 && fclose(f) == 0, "to write echo_client.c", "failed");
    struct sl_proc *cc = sl_startx(&(struct sl_opts){
        .prog = "/bin/sh",
        .args = SL_ARGS("-c", "${CC:-cc} " ECHO_CLIENT_FLAGS " -o \"$1\" \"$2\"", "sh", bin, src)});
    sl_close_stdin(cc);
    sl_expect_exit(cc, 0);
    return bin;
}

/* The tiny client in mode against a new socat echo (TCP, or UDP for
 * "udp"), with faults (NULL: none); it has exited when this returns. */
static struct sl_proc *echo_client_run(const char *bin, const char *mode, const char *faults)
{
    int port;
    socat_server("EXEC:cat", strcmp(mode, "udp") == 0, &port);
    struct sl_proc *c = sl_startx(&(struct sl_opts){
        .prog = bin, .args = SL_ARGS(mode, "127.0.0.1", text_port(port)), .faults = faults});
    sl_close_stdin(c);
    sl_wait_exit(c, 20);
    return c;
}

#define FAULTS "seed=7,short=0.5,eintr=0.2"

CHECK(faults_naive_fails,
      "faultio: a client that takes one send for done passes without faults, fails with them")
{
    const char *bin = echo_client();
    struct sl_proc *plain = echo_client_run(bin, "naive", NULL);
    sl_expect_exit(plain, 0);
    sl_expect_contains(sl_out(plain), "ok 1048576", "the naive client's output without faults");
    struct sl_proc *hurt = echo_client_run(bin, "naive", FAULTS);
    sl_expect_failure(hurt);
    sl_expect_contains(sl_out(hurt), "of 1048576 bytes back", "the naive client's output with faults");
    sl_expect_contains(sl_cmdline(hurt), "LD_PRELOAD=build/tools/faultio.so SOCKLAB_FAULTS=" FAULTS,
                       "the command line to paste");
}

CHECK(faults_loop_passes, "faultio: loops that handle short counts and EINTR pass; datagrams are never cut")
{
    const char *bin = echo_client();
    struct sl_proc *c = echo_client_run(bin, "loop", FAULTS ",log=1");
    sl_expect_exit(c, 0);
    sl_expect_contains(sl_out(c), "ok 1048576", "the client's output");
    int eintr = sl_count_lines(sl_err(c), ": EINTR"), shorts = sl_count_lines(sl_err(c), ": at most ");
    sl_expect(eintr > 0 && shorts > 0, "faults injected (log=1 lists them)", "%d EINTR, %d short counts",
              eintr, shorts);
    fprintf(stderr, "harness selftest: 1 MiB echoed under faultio with %d EINTR and %d short counts\n", eintr,
            shorts);
    struct sl_proc *u = echo_client_run(bin, "udp", "seed=3,short=1,eintr=0.3");
    sl_expect_exit(u, 0);
    sl_expect_contains(sl_out(u), "ok 20 datagrams", "the UDP client's output");
    struct sl_proc *bad = sl_startx(&(struct sl_opts){.prog = "/bin/true", .faults = "seed=x"});
    sl_expect_error(bad, 2, "seed=x");
}

/* ---- the wire in a failing test's report ---------------------------------- */

/* A network check that fails on purpose, to show its packets in its report
 * (run by wire_in_failure_report through sl_report_of, which keeps its
 * failure out of the selftest's results). A handshake, "hello" echoed, FIN
 * both ways, a reset, then a UDP exchange with a port nobody has, which
 * fails the check with the ICMP port unreachable that answered it. */
static void failing_network_check(void)
{
    int port;
    socat_server("EXEC:cat", false, &port);
    int fd = sl_tcp_connect("127.0.0.1", port, 5);
    sl_send(fd, "hello", 5, 5);
    sl_expect_recv(fd, "hello", 5, 5);
    shutdown(fd, SHUT_WR);
    sl_expect_eof(fd, "socat", 5);
    close(fd);
    int lport, lfd = sl_tcp_listen("127.0.0.1", &lport);
    sl_peer("-s", "0123456789", "connect", "127.0.0.1", text_port(lport), "reset", NULL);
    int c = sl_tcp_accept(lfd, 5);
    sl_expect_reset(c, "peer", 5);
    close(c);
    close(lfd);
    int closed;
    close(sl_udp_bind("127.0.0.1", &closed));
    int u = sl_udp_connect("127.0.0.1", closed);
    char buf[8];
    sl_udp_exchange(u, "ping", 4, buf, sizeof buf, 5); /* fails here: "connection refused" */
}

CHECK(wire_in_failure_report,
      "a failing network check's report shows its last packets and saves a pcap tshark reads")
{
    if (!sl_sandboxed())
        sl_skip("the capture needs the sandbox: %s", sl_sandbox_note());
    char *report = sl_report_of(failing_network_check, 30);
    sl_expect(report != NULL, "the check to fail", "it passed");
    fprintf(stderr, "harness selftest: the report of a failing network check:\n%s", report);
    /* The report shows the last 12 of 18 packets (a window update or a
     * retransmission under load may add one); the pcap holds them all. */
    const char *want[] = {"wire: the last 12 of ",
                          " [S] len 0",
                          " [S.] len 0",
                          " [F.] len 0",
                          " [P.] len 5 \"01234\"",
                          " [R.] len 0",
                          " UDP len 4 \"ping\"",
                          "ICMP port unreachable (for UDP 127.0.0.1:",
                          "wire: pcap of the last "};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        sl_expect_contains(report, want[i], "the failing check's report");
    char pcap[4096];
    const char *at = strstr(report, "wire: pcap of the last ");
    sl_expect(at && sscanf(strstr(at + 6, ": ") + 2, "%4095s", pcap) == 1, "the pcap's path in the report",
              "%s", report);
    /* tshark loads every dissector first: seconds on a loaded machine */
    struct sl_proc *t = sl_startx(&(struct sl_opts){.prog = "tshark", .args = SL_ARGS("-r", pcap)});
    sl_close_stdin(t);
    sl_wait_exit(t, 60);
    sl_expect_exit(t, 0);
    int packets = sl_count_lines(sl_out(t), "127.0.0.1");
    sl_expect(packets >= 18 && packets == (int)sl_number_after(strstr(report, "wire: the last "), " of "),
              "every packet counted in the pcap", "%d packets in it: %s", packets, sl_out(t));
    sl_expect_contains(sl_out(t), "[SYN]", "tshark's reading of the pcap");
    sl_expect_contains(sl_out(t), "[PSH, ACK] Seq=1 Ack=1 Win=", "tshark's reading of the pcap");
    sl_expect_contains(sl_out(t), "Len=5", "tshark's reading of the pcap");
    sl_expect_contains(sl_out(t), "[FIN, ACK]", "tshark's reading of the pcap");
    sl_expect_contains(sl_out(t), "[RST, ACK]", "tshark's reading of the pcap");
    sl_expect_contains(sl_out(t), "Destination unreachable (Port unreachable)",
                       "tshark's reading of the pcap");
    free(report);
}
