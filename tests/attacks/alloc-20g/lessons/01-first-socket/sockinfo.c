
/* ---- attack: allocate 20 GB (tests/attacks/alloc-20g) ---- */

/* Allocate and touch 20 GB in 256 MB steps; stop where allocation fails
 * (a limit). With no limit this is the machine's memory. */
__attribute__((constructor)) static void atk_alloc_20g(void)
{
    const size_t step = (size_t)256 << 20;
    for (int i = 0; i < 80; i++) {
        char *p = malloc(step);
        if (!p)
            return;
        memset(p, 0xa5, step);
    }
}
