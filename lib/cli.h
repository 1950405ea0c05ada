/*
 * cli.h - the course library: what every lesson's command-line program
 * does the same way, given and never graded.
 *
 * Every program of the course reports an error as one line on stderr that
 * names the program, the call, its argument and the reason, and exits 2 on a
 * usage error (STYLE.md, habits 1 and 11):
 *
 *     listener: getsockname: Bad file descriptor          cli_error("getsockname:")
 *     sockstate: getaddrinfo bad..address: Name or ...     cli_error("getaddrinfo %s: %s", h, why)
 *     listener: unknown option '--bogus' (see listener --help)
 *                                                         cli_usage_error("unknown option '%s'", a)
 *
 * Nothing here exits: each function returns -1 for `return cli_error(...)`
 * in a step that reports its own failure, and main decides the exit status
 * (0 done, 1 a runtime error, CLI_EXIT_USAGE a usage error).
 *
 * What a lesson teaches is never here: a helper a lesson asks students to
 * write (parse_port, format_sockaddr ...) is reused by later lessons from the
 * student's own file of that lesson (see the lesson's lesson.mk), so that
 * nothing in this folder answers a graded exercise.
 */
#ifndef SOCKLAB_CLI_H
#define SOCKLAB_CLI_H

/* The exit status of a usage error (a bad option, argument or number). */
#define CLI_EXIT_USAGE 2

/* Print "PROGRAM: MESSAGE\n" on stderr, MESSAGE formatted as printf does;
 * when fmt ends with ':', a space and strerror(errno) follow, as suckless
 * die() does ("bind %s:" -> "bind 0.0.0.0:80: Permission denied").
 * Returns -1, with errno as it was. */
int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print "PROGRAM: MESSAGE (see PROGRAM --help)\n" on stderr. Returns -1
 * with errno EINVAL; the caller's main returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Read fd until its end of file (Ctrl-D, or the writer closed its end),
 * dropping what arrives; EINTR is retried. Returns 0 at end of file, or -1
 * with errno set (a read error). */
int cli_wait_eof(int fd);

/* Serve fd until standard input ends (Ctrl-D, or the writer closed it; no
 * stdin at all ends it too): poll waits for either, input is dropped, and
 * each time fd is readable ready(fd) runs (accept a connection, answer a
 * datagram). Lesson 10 explains poll. Returns 0 at the end of input, -1
 * when ready returns -1, or -1 after printing poll's error. */
int cli_serve_until_eof(int fd, int (*ready)(int fd));

#endif
