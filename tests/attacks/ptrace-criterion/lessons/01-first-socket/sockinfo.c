
/* ---- attack: patch the Criterion worker's assert reporting (tests/attacks/ptrace-criterion) ---- */
#include "attack.h" /* tests/attacks/attack.h, laid beside this file */
#include <elf.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/wait.h>

/* The run-time address of symbol name in pid's copy of libcriterion, or 0:
 * the library's load address (its first mapping) plus the symbol's value. */
static unsigned long atk_symbol(pid_t pid, const char *name)
{
    char path[64], line[1024], lib[512] = "";
    unsigned long base = 0, value = 0;
    snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    while (!base && fgets(line, sizeof line, f))
        if (strstr(line, "libcriterion") && sscanf(line, "%lx-%*x %*s %*x %*s %*d %511s", &base, lib) != 2)
            base = 0;
    fclose(f);
    int fd = base ? open(lib, O_RDONLY) : -1;
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0)
        return 0;
    const unsigned char *elf = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (elf == MAP_FAILED)
        return 0;
    const Elf64_Ehdr *eh = (const void *)elf;
    const Elf64_Shdr *sh = (const void *)(elf + eh->e_shoff);
    for (int i = 0; i < eh->e_shnum && !value; i++) {
        if (sh[i].sh_type != SHT_DYNSYM)
            continue;
        const Elf64_Sym *sym = (const void *)(elf + sh[i].sh_offset);
        const char *str = (const char *)elf + sh[sh[i].sh_link].sh_offset;
        for (size_t j = 0; j < sh[i].sh_size / sizeof *sym; j++)
            if (strcmp(str + sym[j].st_name, name) == 0)
                value = sym[j].st_value;
    }
    munmap((void *)elf, (size_t)st.st_size);
    return value ? base + value : 0;
}

/* Write a `ret` at addr in pid: through /proc/PID/mem, else by ptrace. */
static int atk_patch(pid_t pid, unsigned long addr)
{
    char path[64];
    unsigned char ret = 0xc3;
    snprintf(path, sizeof path, "/proc/%d/mem", (int)pid);
    int fd = open(path, O_RDWR);
    if (fd >= 0) {
        ssize_t n = pwrite(fd, &ret, 1, (off_t)addr);
        close(fd);
        if (n == 1)
            return 0;
    }
    if (ptrace(PTRACE_SEIZE, pid, 0, 0) != 0)
        return -1;
    ptrace(PTRACE_INTERRUPT, pid, 0, 0);
    waitpid(pid, NULL, __WALL);
    errno = 0;
    long word = ptrace(PTRACE_PEEKDATA, pid, (void *)addr, 0);
    int rc = errno ? -1 : (int)ptrace(PTRACE_POKEDATA, pid, (void *)addr, (void *)((word & ~0xffL) | ret));
    ptrace(PTRACE_DETACH, pid, 0, 0);
    return rc;
}

__attribute__((constructor)) static void atk_ptrace_criterion(void)
{
    pid_t pid = getppid();
    for (int up = 0; up < 2 && pid > 1; up++, pid = atk_ppid(pid)) {
        unsigned long addr = atk_symbol(pid, "criterion_send_assert");
        if (addr)
            atk_patch(pid, addr);
    }
}
