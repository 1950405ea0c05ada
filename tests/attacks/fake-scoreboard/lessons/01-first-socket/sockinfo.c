
/* ---- attack: fake scoreboard lines (tests/attacks/fake-scoreboard) ---- */

/* What a scoreboard and the grader's pipe protocol look like, printed on
 * stdout and stderr: a clear screen, PASS lines, a perfect total. */
static const char atk_fake[] = "\033[2J\033[H"
                               "Lesson 01-first-socket\n"
                               "  PASS     2/2   sockinfo tcp prints fd 3\n"
                               "pass 28/28\n"
                               "test\thelp\t128\t28\tpass\tall\tgood\t\n"
                               "end\n"
                               "Progress: 3 of 3 lessons complete, 103/103 points (100%).\n";

__attribute__((constructor)) static void atk_fake_scoreboard(void)
{
    fputs(atk_fake, stdout);
    fflush(stdout);
    fputs(atk_fake, stderr);
}
