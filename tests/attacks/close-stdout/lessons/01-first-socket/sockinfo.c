
/* ---- attack: close stdout and stderr (tests/attacks/close-stdout) ---- */

/* Close stdout and stderr before main runs, and put a pipe's write end on
 * fd 1 that nobody reads: the tests see no output, or a stalled writer. */
__attribute__((constructor)) static void atk_close_stdout(void)
{
    int p[2];
    close(1);
    close(2);
    if (pipe(p) == 0) /* p[0] = 1 or 2: lowest free numbers */
        close(p[0]);
}
