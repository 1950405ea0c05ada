/*
 * internal.h - what the harness's modules share; tests include harness.h only.
 *
 * The modules, along the harness's seams:
 *   util.c     time, growing buffers, formatted strings
 *   report.c   steps, failures, skips (what a student reads)
 *   proc.c     starting programs: which file, its options, its command line
 *   io.c       the I/O loop: every wait and write; output kept per stream
 *   text.c     checks of printed text, line parsers
 *   procfs.c   hygiene from /proc: fds, sockets, zombies, state
 *   net.c      sockets as a peer
 *   sandbox.c  namespaces, private files, temp dirs, the end of a test's processes
 *   hosts.c    the tests' names in /etc/hosts (tests/hosts.txt): private, or root's real one
 *   privs.c    what a program may do: capabilities, no_new_privs, limits, seccomp
 *   tools.c    the course's test tools: the hostile peer, faultio.so for .faults
 *   wire.c     the capture of the test's loopback, shown when it fails
 *   main.c     the test program's main and its report to the grader
 */
#ifndef SOCKLAB_HARNESS_INTERNAL_H
#define SOCKLAB_HARNESS_INTERNAL_H

#define SL_HARNESS_INTERNAL /* the functions themselves, not the macros that note the caller */
#include "../harness.h"

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define SL_MAX_PROCS 32
#define SL_MAX_STEPS 24
#define SL_DEFAULT_WAIT 5.0

/* A growing, NUL-terminated byte buffer. */
struct sl_buf {
    char *data;
    size_t len, cap;
};

/* Output kept per stream: everything, up to SL_KEEP_MAX bytes; past that
 * the first SL_HEAD_KEEP bytes and the latest SL_KEEP_MAX / 2 at least. */
#define SL_KEEP_MAX (32u << 20)
#define SL_HEAD_KEEP (1u << 20)

/* One output stream of a program (its stdout or its stderr). Offsets are
 * counted from the stream's first byte. */
struct sl_stream {
    int fd;             /* our end of the pipe; -1 once at end of file */
    struct sl_buf buf;  /* the bytes [base, total) */
    size_t base, total; /* bytes dropped from the front; bytes received */
    struct sl_buf head; /* the first SL_HEAD_KEEP bytes, once any are dropped */
    struct sl_buf view; /* head, a note, then buf: what sl_out shows of a flood */
    size_t line_at;     /* where sl_wait_line looks next */
    size_t scan_at;     /* how far a '\n' was looked for after line_at */
    size_t read_at;     /* where sl_read_out takes from next */
};

struct sl_proc {
    pid_t pid;
    int pidfd; /* readable once it exits; -1 if the kernel has none */
    int in;    /* our end of its stdin pipe; -1 once closed */
    struct sl_stream out, err;
    bool exited, exit_logged;
    int status;
    char *name; /* the program's short name, for messages */
    char *cmdline;
    char line[1024];
};

/* Per-test state; each test runs in its own worker process. */
extern struct sl_proc *sl_procs[SL_MAX_PROCS];
extern int sl_nprocs;

/* util.c */
void sl_buf_append(struct sl_buf *b, const char *s, size_t n);
char *sl_xvasprintf(const char *fmt, va_list ap);
char *sl_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Where a course file is: $env when it is set and not empty (env may be
 * NULL), else `rel` ("tests/hosts.txt", "build/tools") under the course
 * root, two directories above this test program (build/tests/NAME); just
 * `rel` if /proc/self/exe cannot be read. A new string. */
char *sl_course_file(const char *env, const char *rel);
/* text made fit for one report line: \n shown as "\\n", control bytes '?',
 * cut to max bytes; a new string */
char *sl_one_line(const char *text, size_t max);

/* report.c: fail the test with keyed lines (status:, expected:, got:,
 * step:, try:) that the grader lays out. */
void sl_fail_with(const char *status, const char *expected, const char *got) __attribute__((noreturn));

/* proc.c */
const char *sl_describe_status(int st, char *buf, size_t len);
void sl_kill_group(struct sl_proc *p);
/* One round of the test's I/O loop: wait until `until` (sl_now() time) for
 * output on any pipe of any program, the exit of any program, or `events`
 * on fd (-1: none); collect the output and the exits. Returns fd's revents
 * (0 when fd is not ready yet). Every wait of the harness loops on it. */
short sl_io_round(int fd, short events, double until);
/* Read the table of real peers now, while the checkout is in reach (a
 * test's private /tmp may hide a checkout that lives under /tmp). */
void sl_peers_preload(void);
/* hosts.c: read tests/hosts.txt while the checkout is in reach */
void sl_hosts_preload(void);
void sl_proc_end_all(void); /* kill and reap every program of this test */

/* text.c: the first byte where a and b differ, described for a report
 * ("byte 1048576 is 0x00, expected 0x41"), into buf; NULL if equal. */
const char *sl_describe_diff(const void *got, const void *want, size_t len, char *buf, size_t size);

/* procfs.c: the state letter ('R', 'S', 'Z' ...) and the parent of process
 * pid, from /proc/PID/stat (either pointer may be NULL); 0, or -1 when it
 * is gone or the line cannot be read. */
int sl_proc_stat(pid_t pid, char *state, pid_t *ppid);

/* sandbox.c */
void sl_sandbox_enter(void);
void sl_tmpdir_remove(void); /* remove this test's sl_tmpdir(), if made */
/* In a program's child: when the test has a PID namespace of its own, a
 * mount namespace with a /proc of it. 0, or -1 with errno set. */
int sl_sandbox_child_ns(void);
/* Stop, kill and reap every descendant of this process (children, and
 * orphans adopted as a subreaper), until none is left; how many it killed.
 * The worker calls it as a test ends; a runner that is a subreaper may
 * call it before it reports, for a worker killed at its timeout. */
int sl_end_descendants(void);

/* tools.c: path as typed from the repository root (relative when it is
 * below the working directory); one of four static buffers. */
const char *sl_repo_path(const char *path);
/* The environment of opts with what its .faults asks for (LD_PRELOAD of
 * faultio.so, SOCKLAB_FAULTS); opts->env itself when there is none. */
const char *const *sl_faults_env(const struct sl_opts *opts);

/* wire.c: the capture of the test's loopback. In the worker: prepare
 * (before the test's files turn read-only: the pcap folder), start (in
 * its own network namespace), then the I/O loop polls sl_wire_fd (-1 when
 * not capturing) and drains; a failure appends its "wire:" lines. */
void sl_wire_prepare(void);
void sl_wire_start(bool own_netns);
/* The test holds this machine's loopback alone (sl_host_loopback): capture
 * it from now on, as the sandbox's own. */
void sl_wire_take_loopback(void);
int sl_wire_fd(void);
void sl_wire_drain(void);
void sl_wire_report(struct sl_buf *m);

/* privs.c */
/* In the worker, before a test starts programs: note which processes they
 * must not signal (none when they run in a PID namespace of their own)
 * and the process limit. */
void sl_privs_prepare(bool own_pid_ns);
/* In the test program's main, once: count the user's processes (the base
 * of the process limit; SOCKLAB_NPROC_BASE for the workers). */
void sl_privs_count_processes(void);
/* In a program's child, just before exec: drop every capability but those
 * in keep_caps (a mask of 1ULL << CAP_*), set no_new_privs, apply the
 * resource limits. 0, or -1 with errno set. */
int sl_sandbox_child(unsigned long long keep_caps);
/* If a program ended (wait status) because it hit one of those limits,
 * what to tell the student ("over the 512 MiB memory limit"); else NULL. */
const char *sl_limit_hit(int status);

#endif
