/*
 * privs.c - what a program under test may do: capabilities, no_new_privs,
 * resource limits and a seccomp filter, set in its child just before exec;
 * and, after it ended, whether one of those limits ended it.
 *
 * The limits (CPU and memory scale with SOCKLAB_SLOW, as deadlines do):
 *   CPU        60 s       SIGXCPU at the soft limit, SIGKILL one second later
 *   memory     512 MiB    RLIMIT_DATA: malloc returns NULL past it; one request
 *                         for more than that at once is killed by the seccomp
 *                         filter (SIGSYS), so that it is reported by name.
 *                         Each program of a test has its own: a lesson's
 *                         programs use a few MiB, tshark about 120; a test
 *                         runs several, and a Gradescope container may have
 *                         less than 1 GiB in all. Not under SAN=1 (see
 *                         SL_SANITIZED).
 *   file size  64 MiB     SIGXFSZ
 *   open files 4096
 *   processes  256 more than the user ran as the tests began (RLIMIT_NPROC counts every
 *              process of the real uid; it binds nobody running as real root,
 *              where the test's PID namespace is what contains a fork bomb)
 */
#define _GNU_SOURCE
#include "internal.h"
#include <dirent.h>
#include <errno.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <linux/securebits.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define SL_CPU_SECONDS 60.0
#define SL_MEMORY_BYTES (512ULL << 20)
#define SL_FSIZE_BYTES (64ULL << 20)
#define SL_NOFILE 4096
#define SL_NPROC_MORE 256

/* Under SAN=1 (ASan): no memory limit (ASan maps terabytes of shadow), and
 * ptrace stays allowed (LeakSanitizer stops the program's threads with it
 * to look for leaks at exit). */
#if defined(__SANITIZE_ADDRESS__)
#define SL_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SL_SANITIZED 1
#endif
#endif
#ifndef SL_SANITIZED
#define SL_SANITIZED 0
#endif
#define SL_MEMORY_LIMITED (!SL_SANITIZED)

/* Processes of the harness that a program must not signal when no PID
 * namespace hides them (the worker and its ancestors); set by
 * sl_privs_prepare in the worker, read in the program's child. */
static pid_t guarded[8];
static int nguarded;
static rlim_t nproc_limit = RLIM_INFINITY;

/* ---- in the worker, before any program starts ------------------------ */

static pid_t parent_of(pid_t pid)
{
    pid_t ppid;
    return sl_proc_stat(pid, NULL, &ppid) == 0 ? ppid : -1;
}

/* The number of processes whose real uid is ours (as /proc shows them). */
static long processes_of_user(void)
{
    DIR *d = opendir("/proc");
    if (!d)
        return -1;
    long n = 0;
    char want[32];
    snprintf(want, sizeof want, "Uid:\t%d\t", (int)getuid());
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        char path[300], line[128];
        snprintf(path, sizeof path, "/proc/%s/status", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        while (fgets(line, sizeof line, f))
            if (strncmp(line, "Uid:", 4) == 0) {
                n += strncmp(line, want, strlen(want)) == 0;
                break;
            }
        fclose(f);
    }
    closedir(d);
    return n;
}

void sl_privs_prepare(bool own_pid_ns)
{
    nguarded = 0;
    if (!own_pid_ns) /* in a PID namespace of its own, a program sees none of us */
        for (pid_t p = getpid(); p > 1 && nguarded < 8; p = parent_of(p))
            guarded[nguarded++] = p;
    const char *base = getenv("SOCKLAB_NPROC_BASE");
    char *end;
    long n = base ? strtol(base, &end, 10) : -1;
    nproc_limit = n < 0 || *end ? RLIM_INFINITY : (rlim_t)(n + SL_NPROC_MORE);
}

void sl_privs_count_processes(void)
{
    char text[32];
    snprintf(text, sizeof text, "%ld", processes_of_user());
    setenv("SOCKLAB_NPROC_BASE", text, 1);
}

/* ---- in the program's child, just before exec -------------------------- */

static int set_limit(int resource, rlim_t soft, rlim_t hard)
{
    struct rlimit old, rl = {soft, hard};
    if (getrlimit(resource, &old) == 0 && old.rlim_max != RLIM_INFINITY) {
        if (rl.rlim_max > old.rlim_max) /* never above what we were given */
            rl.rlim_max = old.rlim_max;
        if (rl.rlim_cur > rl.rlim_max)
            rl.rlim_cur = rl.rlim_max;
    }
    return setrlimit(resource, &rl);
}

static rlim_t cpu_seconds(void)
{
    return (rlim_t)(sl_deadline(SL_CPU_SECONDS) + 0.5);
}

static rlim_t memory_bytes(void)
{
    return (rlim_t)(SL_MEMORY_BYTES * (sl_deadline(1.0) < 1.0 ? 1.0 : sl_deadline(1.0)));
}

static int set_limits(void)
{
    rlim_t cpu = cpu_seconds();
    if (set_limit(RLIMIT_CPU, cpu, cpu + 1) != 0 ||
        set_limit(RLIMIT_FSIZE, SL_FSIZE_BYTES, SL_FSIZE_BYTES) != 0 ||
        set_limit(RLIMIT_NOFILE, SL_NOFILE, SL_NOFILE) != 0 || set_limit(RLIMIT_CORE, 0, 0) != 0)
        return -1;
    if (nproc_limit != RLIM_INFINITY && set_limit(RLIMIT_NPROC, nproc_limit, nproc_limit) != 0)
        return -1;
    if (SL_MEMORY_LIMITED && set_limit(RLIMIT_DATA, memory_bytes(), memory_bytes()) != 0)
        return -1;
    return 0;
}

/* Drop every capability but keep (a mask of 1ULL << CAP_*): from the
 * bounding set, then effective, permitted and inheritable; keep those as
 * ambient, so that the exec'd program holds exactly them. Securebits make
 * sure that exec as root (inside the user namespace) grants nothing back.
 * Without CAP_SETPCAP (an ordinary user, unsandboxed) there is nothing to
 * drop but the bounding set, which no_new_privs makes harmless. */
static int drop_capabilities(unsigned long long keep)
{
    int last = CAP_LAST_CAP;
    FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "r");
    if (f) {
        if (fscanf(f, "%d", &last) != 1 || last > 63)
            last = CAP_LAST_CAP;
        fclose(f);
    }
    /* KEEP_CAPS is left unlocked: iputils ping sets it (PR_SET_KEEPCAPS) before
     * it drops to the capability it needs, and fails if it may not; with
     * NO_SETUID_FIXUP set it changes nothing, and exec clears it. */
    unsigned bits =
        SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP | SECBIT_NO_SETUID_FIXUP_LOCKED;
    if (prctl(PR_SET_SECUREBITS, bits, 0, 0, 0) != 0 && errno != EPERM)
        return -1;
    for (int cap = 0; cap <= last; cap++)
        if (!(keep & (1ULL << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EPERM &&
            errno != EINVAL)
            return -1;
    struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    for (int i = 0; i < 2; i++)
        data[i].effective = data[i].permitted = data[i].inheritable = (unsigned)(keep >> (32 * i));
    if (syscall(SYS_capset, &hdr, data) != 0)
        return -1;
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL)
        return -1;
    for (int cap = 0; cap <= last; cap++)
        if ((keep & (1ULL << cap)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) != 0)
            return -1;
    return 0;
}

#define LOAD(field) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, field))
#define ARG_LO(i) offsetof(struct seccomp_data, args[i])
#define ARG_HI(i) (offsetof(struct seccomp_data, args[i]) + 4)
#define RET(v) BPF_STMT(BPF_RET | BPF_K, (v))
#define EPERM_ (SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA))

/* Append instructions: if the syscall number is nr, return action. */
static void deny_call(struct sock_filter *code, size_t *n, int nr, unsigned action)
{
    code[(*n)++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nr, 0, 1);
    code[(*n)++] = (struct sock_filter)RET(action);
}

/* Append: if the syscall is nr and the low word of argument 0 is one of
 * the guarded pids (or, with groups, minus one of them, or -1), EPERM. */
static void guard_pid_arg(struct sock_filter *code, size_t *n, int nr, bool groups)
{
    unsigned values[2 * 8 + 1];
    unsigned m = 0;
    for (int i = 0; i < nguarded; i++) {
        values[m++] = (unsigned)guarded[i];
        if (groups)
            values[m++] = (unsigned)-guarded[i];
    }
    if (groups)
        values[m++] = 0xffffffffu;
    size_t s = *n, deny = s + 3 + m, reload = s + 4 + m;
    code[s] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nr, 0,
                                           (unsigned char)(reload - s - 1));
    code[s + 1] = (struct sock_filter)LOAD(args[0]);
    for (unsigned j = 0; j < m; j++) {
        size_t at = s + 2 + j;
        code[at] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, values[j],
                                                (unsigned char)(deny - at - 1), 0);
    }
    code[s + 2 + m] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JA, 1, 0, 0);
    code[deny] = (struct sock_filter)RET(EPERM_);
    code[reload] = (struct sock_filter)LOAD(nr);
    *n = reload + 1;
}

/* The seccomp filter: no tracing or reading of other processes at all; no
 * signal to the harness's processes (when no PID namespace hides them) and
 * no kill(-1); a single memory request over the limit kills the program
 * with SIGSYS, which sl_limit_hit names. */
static int install_filter(void)
{
    struct sock_filter code[160];
    size_t n = 0;
    code[n++] = (struct sock_filter)LOAD(arch);
    code[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
    code[n++] = (struct sock_filter)RET(SECCOMP_RET_ALLOW); /* other arches: limits and caps only */
    code[n++] = (struct sock_filter)LOAD(nr);
    if (!SL_SANITIZED)
        deny_call(code, &n, SYS_ptrace, EPERM_);
    deny_call(code, &n, SYS_process_vm_readv, EPERM_);
    deny_call(code, &n, SYS_process_vm_writev, EPERM_);
    deny_call(code, &n, SYS_pidfd_getfd, EPERM_);
    deny_call(code, &n, SYS_tkill, EPERM_);
    /* prlimit64 on another process (one could set the grader's file size
     * limit to 0): only pid 0, the caller itself, is allowed. */
    code[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_prlimit64, 0, 3);
    code[n++] = (struct sock_filter)LOAD(args[0]);
    code[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0);
    code[n++] = (struct sock_filter)RET(EPERM_);
    code[n++] = (struct sock_filter)LOAD(nr);
    if (nguarded > 0) {
        deny_call(code, &n, SYS_pidfd_send_signal, EPERM_);
        guard_pid_arg(code, &n, SYS_kill, true);
        guard_pid_arg(code, &n, SYS_tgkill, false);
        guard_pid_arg(code, &n, SYS_rt_sigqueueinfo, false);
        guard_pid_arg(code, &n, SYS_rt_tgsigqueueinfo, false);
        guard_pid_arg(code, &n, SYS_pidfd_open, false);
    }
    if (SL_MEMORY_LIMITED) {
        unsigned limit = (unsigned)(memory_bytes() > 0xffffffffULL ? 0xffffffffULL : memory_bytes());
        /* mmap(addr, LENGTH, ...) and mremap(addr, old, NEW_LENGTH, ...) */
        for (int k = 0; k < 2; k++) {
            int nr = k == 0 ? SYS_mmap : SYS_mremap;
            size_t arg = k == 0 ? 1 : 2;
            code[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nr, 0, 6);
            code[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_HI(arg));
            code[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 2);
            code[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(arg));
            code[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, limit, 0, 1);
            code[n++] = (struct sock_filter)RET(SECCOMP_RET_KILL_PROCESS);
            code[n++] = (struct sock_filter)LOAD(nr);
        }
    }
    code[n++] = (struct sock_filter)RET(SECCOMP_RET_ALLOW);
    struct sock_fprog prog = {.len = (unsigned short)n, .filter = code};
    return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

int sl_sandbox_child(unsigned long long keep_caps)
{
    if (sl_sandbox_child_ns() != 0 || set_limits() != 0 || drop_capabilities(keep_caps) != 0)
        return -1;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return -1;
    return install_filter();
}

/* ---- after it ended ------------------------------------------------------ */

const char *sl_limit_hit(int status)
{
    static char text[96];
    if (!WIFSIGNALED(status))
        return NULL;
    switch (WTERMSIG(status)) {
    case SIGXCPU:
        snprintf(text, sizeof text, "over the %llu s CPU limit", (unsigned long long)cpu_seconds());
        return text;
    case SIGXFSZ:
        snprintf(text, sizeof text, "over the %llu MiB file size limit",
                 (unsigned long long)(SL_FSIZE_BYTES >> 20));
        return text;
    case SIGSYS:
        if (!SL_MEMORY_LIMITED)
            return NULL;
        snprintf(text, sizeof text, "over the %llu MiB memory limit (it asked for more at once)",
                 (unsigned long long)(memory_bytes() >> 20));
        return text;
    default:
        return NULL;
    }
}
