/*
 * scoreboard.c - what a student reads on the terminal: each lesson's tests,
 * pass or fail, with what was expected, what came, and the hint.
 */
#define _GNU_SOURCE
#include "grade.h"
#include <stdio.h>
#include <string.h>

bool board_color;

/* code (an escape sequence) when the scoreboard has colour, else "". */
const char *board_c(const char *code)
{
    return board_color ? code : "";
}
#define RED board_c("\033[31m")
#define GREEN board_c("\033[32m")
#define YELLOW board_c("\033[33m")
#define BOLD board_c("\033[1m")
#define DIM board_c("\033[2m")
#define OFF board_c("\033[0m")

static void print_indented(const char *label, const char *text, int len)
{
    printf("        %s%s%s %.*s\n", DIM, label, OFF, len, text);
}

static void print_result(const struct result *r, bool detail)
{
    bool pass = strcmp(r->status, "passed") == 0, skip = strcmp(r->status, "skipped") == 0;
    const char *col = pass ? GREEN : skip ? YELLOW : RED;
    printf("  %s%-7s%s %2d/%-2d  %s\n", col,
           pass   ? "pass"
           : skip ? "skip"
                  : "FAIL",
           OFF, pass ? r->points : 0, r->points, r->desc);
    if (pass || result_is(r, "does not compile")) /* the lesson's compiler error is shown once, above */
        return;
    if (skip) {
        print_indented("skipped:", r->msg, (int)strlen(r->msg));
        return;
    }
    if (strcmp(r->status, "failed") != 0)
        printf("        %s%s%s\n", RED, r->status, OFF);
    int len;
    const char *v;
    if ((v = result_field(r->msg, "expected: ", &len)))
        print_indented("expected:", v, len);
    if ((v = result_field(r->msg, "got: ", &len)))
        print_indented("but got: ", v, len > 300 && !detail ? 300 : len);
    else if (*r->msg)
        print_indented("why:     ", r->msg, (int)strcspn(r->msg, "\n"));
    if (detail) {
        for (const char *s = r->msg; (s = strstr(s, "step: ")); s += 6) {
            int n = (int)strcspn(s + 6, "\n");
            print_indented("step:    ", s + 6, n);
        }
        if ((v = result_field(r->msg, "try: ", &len)))
            print_indented("try:     ", v, len);
        for (const char *s = r->msg; (s = strstr(s, "\nwire: ")); s += 7) /* the test's packets */
            print_indented("wire:    ", s + 7, (int)strcspn(s + 7, "\n"));
    }
    if (*r->hint)
        print_indented("hint:    ", r->hint, (int)strlen(r->hint));
}

/* A lesson's block of the scoreboard: its points, its compiler error, each
 * test (with why it failed; its steps too with detail), its problems. */
void board_print_lesson(const struct run *run, bool detail)
{
    int got, max;
    run_score(run, &got, &max);
    printf("\n%sLesson %s%s", BOLD, run->lesson, OFF);
    if (run->n)
        printf("%*s%s%d/%d points%s\n", (int)(50 - strlen(run->lesson)), "", got == max ? GREEN : "", got,
               max, OFF);
    else
        printf("\n");
    if (run->compile_error)
        printf("  %sdoes not compile:%s %s\n", RED, OFF, run->compile_error);
    for (size_t i = 0; i < run->n; i++)
        print_result(&run->r[i], detail);
    if (run->problem)
        printf("  %s%s%s\n", RED, run->problem, OFF);
}
