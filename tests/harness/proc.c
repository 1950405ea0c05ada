/*
 * proc.c - starting the programs under test: which file, with what, and how.
 *
 * A name is either a real peer listed in tests/peers.txt ("socat"), found on
 * PATH, or a program of the lesson being graded, found in its build
 * directory ($SOCKLAB_BIN) and nowhere else; a name with a '/' is a path.
 * The I/O loop that talks to them once started is in io.c.
 */
#define _GNU_SOURCE
#include "internal.h"
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char **environ;

struct sl_proc *sl_procs[SL_MAX_PROCS];
int sl_nprocs;

/* ---- which file to run --------------------------------------------------- */

/* The table of real peers: "PROGRAM PACKAGE" lines of tests/peers.txt. */
struct peer {
    char name[64], package[64];
};
#define MAX_PEERS 64
static struct peer peers[MAX_PEERS];
static int npeers = -1; /* -1: not read yet */

/* Where the table is: $SOCKLAB_PEERS, else tests/peers.txt beside the
 * build/tests/ directory this test program is in. A new string. */
static char *peers_path(void)
{
    return sl_course_file("SOCKLAB_PEERS", "tests/peers.txt");
}

/* Read the table into peers[]; -1 (errno set) if it cannot be opened. */
static int peers_read(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    npeers = 0;
    char line[256];
    while (fgets(line, sizeof line, f) && npeers < MAX_PEERS) {
        struct peer *p = &peers[npeers];
        if (line[strspn(line, " \t")] != '#' && sscanf(line, "%63s %63s", p->name, p->package) == 2)
            npeers++;
    }
    fclose(f);
    return 0;
}

void sl_peers_preload(void)
{
    if (npeers >= 0)
        return;
    char *path = peers_path();
    (void)peers_read(path); /* a failure is reported by the first test that needs the table */
    free(path);
}

/* Read the table once; fails the test if it cannot be read. */
static void peers_load(void)
{
    if (npeers >= 0)
        return;
    char *path = peers_path();
    if (peers_read(path) != 0)
        sl_fail("the table of real peers, tests/peers.txt", "%s: %s", path, strerror(errno));
    free(path);
}

/* The Debian package of a real peer, or NULL if name is not one. */
static const char *peer_package(const char *name)
{
    peers_load();
    for (int i = 0; i < npeers; i++)
        if (strcmp(peers[i].name, name) == 0)
            return peers[i].package;
    return NULL;
}

static const char *bin_dir(void)
{
    const char *d = getenv("SOCKLAB_BIN");
    return d && *d ? d : ".";
}

/* The executable file `name` in the directories of PATH, or NULL. */
static char *search_path(const char *name)
{
    const char *path = getenv("PATH");
    char *copy = strdup(path && *path ? path : "/usr/bin:/bin");
    char *found = NULL;
    for (char *save, *dir = strtok_r(copy, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
        char *p = sl_xasprintf("%s/%s", dir, name);
        if (access(p, X_OK) == 0)
            found = p;
        else
            free(p);
    }
    free(copy);
    return found;
}

/* The file to execute for prog (a new string), and in *shown how a student
 * would type it. Skips the test for a missing peer; fails it for a lesson
 * program that was not built. */
static char *resolve_prog(const char *prog, char **shown)
{
    if (strchr(prog, '/')) {
        *shown = strdup(prog);
        return strdup(prog);
    }
    const char *package = peer_package(prog);
    if (package) {
        char *path = search_path(prog);
        if (!path)
            sl_skip("this test talks to the real program '%s' (Debian package %s), which is not "
                    "installed: run 'make deps'",
                    prog, package);
        *shown = strdup(prog);
        return path;
    }
    char *path = sl_xasprintf("%s/%s", bin_dir(), prog);
    if (access(path, X_OK) != 0) {
        char *want = sl_xasprintf("your program '%s' built in %s/", prog, bin_dir());
        char *got = sl_xasprintf("%s was not built: run 'make' and read the compiler's errors", prog);
        sl_fail_with(NULL, want, got);
    }
    *shown = strdup(path);
    return path;
}

/* ---- the command line a student can paste -------------------------------- */

/* A shell-quoted copy of arg, appended to b. */
static void quote_arg(struct sl_buf *b, const char *arg)
{
    bool plain = *arg != '\0';
    for (const char *s = arg; *s; s++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=,+@%", *s))
            plain = false;
    if (plain) {
        sl_buf_append(b, arg, strlen(arg));
        return;
    }
    sl_buf_append(b, "'", 1);
    for (const char *s = arg; *s; s++)
        if (*s == '\'')
            sl_buf_append(b, "'\\''", 4);
        else
            sl_buf_append(b, s, 1);
    sl_buf_append(b, "'", 1);
}

static void append(struct sl_buf *b, const char *s)
{
    sl_buf_append(b, s, strlen(s));
}

/* The ulimit option of a resource limit and its unit in bytes, or NULL. */
static const char *ulimit_flag(int resource, rlim_t *unit)
{
    static const struct {
        int resource;
        const char *flag;
        rlim_t unit;
    } flags[] = {{RLIMIT_NOFILE, "-n", 1}, {RLIMIT_AS, "-v", 1024},  {RLIMIT_CPU, "-t", 1},
                 {RLIMIT_NPROC, "-u", 1},  {RLIMIT_CORE, "-c", 512}, {RLIMIT_STACK, "-s", 1024},
                 {RLIMIT_FSIZE, "-f", 512}};
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
        if (flags[i].resource == resource) {
            *unit = flags[i].unit;
            return flags[i].flag;
        }
    return NULL;
}

/* "(cd DIR && ulimit -n 64 && NAME=V prog args < FILE)", the parentheses
 * and the parts before prog only when needed. A new string. */
static char *make_cmdline(const char *shown, const struct sl_opts *o)
{
    struct sl_buf b = {0};
    sl_buf_append(&b, "", 0);
    bool sub = o->dir != NULL;
    if (o->dir) {
        append(&b, "(cd ");
        quote_arg(&b, o->dir);
        append(&b, " && ");
    }
    for (int i = 0; i < SL_MAX_LIMITS; i++) {
        rlim_t unit;
        const char *flag = o->limits[i].set ? ulimit_flag(o->limits[i].resource, &unit) : NULL;
        if (!flag)
            continue;
        char *u = o->limits[i].soft == o->limits[i].hard
                      ? sl_xasprintf("%sulimit %s %llu && ", sub ? "" : "(", flag,
                                     (unsigned long long)(o->limits[i].soft / unit))
                      : sl_xasprintf("%sulimit -S%s %llu && ulimit -H%s %llu && ", sub ? "" : "(", flag + 1,
                                     (unsigned long long)(o->limits[i].soft / unit), flag + 1,
                                     (unsigned long long)(o->limits[i].hard / unit));
        append(&b, u);
        free(u);
        sub = true;
    }
    for (int i = 0; o->env && o->env[i]; i++) {
        quote_arg(&b, o->env[i]);
        append(&b, " ");
    }
    quote_arg(&b, shown);
    for (int i = 0; o->args && o->args[i]; i++) {
        append(&b, " ");
        quote_arg(&b, o->args[i]);
    }
    if (o->stdin_file) {
        append(&b, " < ");
        quote_arg(&b, o->stdin_file);
    }
    if (o->stdin_closed)
        append(&b, " <&-");
    if (sub)
        append(&b, ")");
    return b.data;
}

/* ---- starting ------------------------------------------------------------ */

/* environ with the NAME=value additions of env (replacing the same NAMEs);
 * a new array of borrowed strings. */
static char **make_env(const char *const *env)
{
    size_t n = 0, extra = 0;
    while (environ[n])
        n++;
    while (env && env[extra])
        extra++;
    char **out = calloc(n + extra + 1, sizeof *out);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        bool replaced = false;
        for (size_t j = 0; j < extra && !replaced; j++) {
            size_t name = strcspn(env[j], "=");
            replaced = strncmp(environ[i], env[j], name) == 0 && environ[i][name] == '=';
        }
        if (!replaced)
            out[k++] = environ[i];
    }
    for (size_t j = 0; j < extra; j++)
        out[k++] = (char *)env[j];
    return out;
}

/* What the child reports on its pipe if it cannot exec. */
struct child_error {
    int err;
    char what[32];
};

/* In the child: become a process group of its own that dies with the test,
 * with the pipes as stdio and nothing else open, sandboxed, limited; then
 * exec. Reports what failed on fd `report` (close-on-exec) and exits 127. */
static void child_exec(const char *path, char *const argv[], char *const envp[], const struct sl_opts *o,
                       int in, int out, int err, int report)
{
    struct child_error e = {0};
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    /* Every signal at its default, as from a terminal: an ignored one (our
     * SIGPIPE; SIGINT and SIGQUIT under a shell's background job; SIGHUP
     * under nohup) would stay ignored across exec. (glibc keeps 32 and 33
     * for itself: signal() refuses them, and so do programs.) */
    for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP)
            signal(sig, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    snprintf(e.what, sizeof e.what, "set up its stdio");
    if ((in >= 0 && dup2(in, 0) < 0) || dup2(out, 1) < 0 || dup2(err, 2) < 0 || dup2(report, 3) < 0 ||
        fcntl(3, F_SETFD, FD_CLOEXEC) < 0)
        goto fail;
    if (in < 0)
        close(0); /* .stdin_closed */
    if (close_range(4, ~0U, 0) != 0)
        for (int fd = 4; fd < 1024; fd++)
            close(fd);
    snprintf(e.what, sizeof e.what, "chdir");
    if (o->dir && chdir(o->dir) < 0)
        goto fail;
    snprintf(e.what, sizeof e.what, "enter the sandbox");
    if (sl_sandbox_child(o->keep_caps) != 0)
        goto fail;
    snprintf(e.what, sizeof e.what, "setrlimit");
    for (int i = 0; i < SL_MAX_LIMITS; i++) {
        struct rlimit rl = {o->limits[i].soft, o->limits[i].hard};
        if (o->limits[i].set && setrlimit(o->limits[i].resource, &rl) != 0)
            goto fail;
    }
    snprintf(e.what, sizeof e.what, "exec");
    execve(path, argv, envp);
fail:
    e.err = errno;
    ssize_t n = write(3, &e, sizeof e);
    (void)n;
    _exit(127);
}

/* A pipe whose ends are close-on-exec; fails the test if none is left. */
static void make_pipe(int fds[2])
{
    if (pipe2(fds, O_CLOEXEC) < 0)
        sl_fail("to create pipes for the program", "pipe2: %s", strerror(errno));
}

struct sl_proc *sl_startx(const struct sl_opts *o)
{
    if (sl_nprocs == SL_MAX_PROCS)
        sl_fail("a test to start at most 32 programs", "more: this is a bug in the test");
    char *shown;
    char *path = resolve_prog(o->prog, &shown);
    int pin[2] = {-1, -1}, pout[2], perr[2], rep[2];
    if (o->stdin_closed) {
        /* no pipe: the child closes its fd 0 */
    } else if (o->stdin_file) {
        pin[0] = open(o->stdin_file, O_RDONLY | O_CLOEXEC);
        if (pin[0] < 0)
            sl_fail("a file to give the program as its stdin", "%s: %s", o->stdin_file, strerror(errno));
    } else {
        make_pipe(pin);
    }
    make_pipe(pout);
    make_pipe(perr);
    make_pipe(rep);
    size_t nargs = 0;
    while (o->args && o->args[nargs])
        nargs++;
    char **argv = calloc(nargs + 2, sizeof *argv);
    argv[0] = (char *)o->prog;
    for (size_t i = 0; i < nargs; i++)
        argv[i + 1] = (char *)o->args[i];
    struct sl_opts with = *o; /* .faults, as environment variables */
    if (!with.faults && !strchr(o->prog, '/') && !peer_package(o->prog))
        with.faults = getenv("SOCKLAB_FAULTS_ALL"); /* every lesson program, for a whole run */
    with.env = sl_faults_env(&with);
    char **envp = make_env(with.env);
    struct sl_proc *p = calloc(1, sizeof *p);
    p->name = strdup(o->prog);
    p->cmdline = make_cmdline(shown, &with);
    fflush(NULL);
    p->pid = fork();
    if (p->pid < 0)
        sl_fail("to start a program", "fork: %s", strerror(errno));
    if (p->pid == 0)
        child_exec(path, argv, envp, o, pin[0], pout[1], perr[1], rep[1]);
    setpgid(p->pid, p->pid); /* also here, so a kill right after cannot miss */
    p->pidfd = (int)syscall(SYS_pidfd_open, p->pid, 0);
    if (pin[0] >= 0)
        close(pin[0]);
    close(pout[1]);
    close(perr[1]);
    close(rep[1]);
    p->in = pin[1];
    p->out.fd = pout[0];
    p->err.fd = perr[0];
    if (p->in >= 0)
        fcntl(p->in, F_SETFL, O_NONBLOCK);
    fcntl(p->out.fd, F_SETFL, O_NONBLOCK);
    fcntl(p->err.fd, F_SETFL, O_NONBLOCK);
    sl_procs[sl_nprocs++] = p;
    struct child_error e;
    ssize_t n = read(rep[0], &e, sizeof e);
    close(rep[0]);
    free(argv);
    free(envp);
    if (with.env != o->env)
        free((void *)with.env);
    sl_step("started `%s`", p->cmdline);
    if (n == (ssize_t)sizeof e)
        sl_fail("the program to start", "could not %s %s: %s", e.what, shown, strerror(e.err));
    free(path);
    free(shown);
    return p;
}

/* The arguments after prog, up to the NULL, as a new array. */
static const char **collect_args(va_list ap)
{
    size_t n = 0, cap = 8;
    const char **args = calloc(cap, sizeof *args);
    for (const char *a; (a = va_arg(ap, const char *)) != NULL;) {
        if (n + 2 > cap)
            args = realloc(args, (cap *= 2) * sizeof *args);
        args[n++] = a;
    }
    args[n] = NULL;
    return args;
}

struct sl_proc *sl_startv(const char *prog, char *const argv[])
{
    return sl_startx(
        &(struct sl_opts){.prog = prog, .args = (const char *const *)(argv[0] ? argv + 1 : argv)});
}

struct sl_proc *sl_start(const char *prog, ...)
{
    va_list ap;
    va_start(ap, prog);
    const char **args = collect_args(ap);
    va_end(ap);
    struct sl_proc *p = sl_startx(&(struct sl_opts){.prog = prog, .args = args});
    free(args);
    return p;
}

struct sl_proc *sl_run(const char *prog, ...)
{
    va_list ap;
    va_start(ap, prog);
    const char **args = collect_args(ap);
    va_end(ap);
    struct sl_proc *p = sl_startx(&(struct sl_opts){.prog = prog, .args = args});
    free(args);
    sl_close_stdin(p);
    sl_wait_exit(p, SL_DEFAULT_WAIT);
    return p;
}

/* ---- the programs, once started ------------------------------------------ */

/* Kill the program's whole process group: also what it forked, which may
 * outlive it. */
void sl_kill_group(struct sl_proc *p)
{
    if (p->pid > 0)
        kill(-p->pid, SIGKILL);
}

void sl_signal(struct sl_proc *p, int sig)
{
    sl_step("sent %s to `%s`", sigabbrev_np(sig) ? sigabbrev_np(sig) : "a signal", p->name);
    if (!p->exited)
        kill(-p->pid, sig);
}

void sl_close_stdin(struct sl_proc *p)
{
    if (p->in >= 0) {
        close(p->in);
        p->in = -1;
    }
}

pid_t sl_pid(const struct sl_proc *p)
{
    return p->pid;
}

const char *sl_cmdline(const struct sl_proc *p)
{
    return p->cmdline;
}
