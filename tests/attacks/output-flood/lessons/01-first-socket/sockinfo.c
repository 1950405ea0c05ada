
/* ---- attack: a 100 MB output flood (tests/attacks/output-flood) ---- */

/* Write 100 MB to stdout and 100 MB to stderr, lines without an end. */
__attribute__((constructor)) static void atk_output_flood(void)
{
    static char buf[1 << 16];
    memset(buf, 'A', sizeof buf);
    for (int i = 0; i < 100 * 16; i++) {
        if (write(1, buf, sizeof buf) < 0 || write(2, buf, sizeof buf) < 0)
            return;
    }
}
