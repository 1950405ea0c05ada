/*
 * mutate - mutation testing of a lesson's tests against its solution.
 *
 * usage: mutate [-j N] [--sample N] [--seed S] [--only FILE] [--strict] [--timeout S] [--list]
 *               [--cc CC] [--cflags FLAGS] [--ldflags FLAGS]
 *               [--program 'LESSON/NAME=SOURCE... [;LIBS]']... LESSON...
 *
 * --program (the Makefile passes one per program, from lesson.mk): program
 * NAME of LESSON is made of SOURCE... (its own files, and ../NN-slug/FILE.c
 * of an earlier lesson), then LIBS (archives, -lNAME). A mutant of a file
 * relinks the programs made of it; the others are the solution's. Without
 * --program for a lesson, each file with main() is a program made of
 * itself and every file without one.
 *
 * For each LESSON, mutate reads the .c files of solutions/LESSON and generates mutants
 * from the code between the BEGIN SOLUTION and END SOLUTION markers (what a
 * student writes), one change each:
 *
 *   rel          < <=, > >=, == != (each way)
 *   arith        binary + -, * /, += -=
 *   logic        && ||
 *   const        an integer literal +1 and -1 (0 becomes 1 and -1)
 *   retval       return -1 becomes return 0, return 0 becomes return -1
 *   negate       if (C) and while (C) become if (!(C)), while (!(C))
 *   delete-call  a statement `f(...);` removed
 *   delete-stmt  any other expression statement removed (never a return)
 *   swap-args    two adjacent arguments of a call swapped
 *   flag         `| FLAG` (or `FLAG |`) removed
 *   symbol       a constant swapped by a small table (AF_INET AF_INET6, ...)
 *
 * Comments, string and character literals and preprocessor lines are never
 * mutated: a message's wording is not a bug a socket test should catch, and
 * a format string's conversions are checked by the compiler (-Wformat).
 *
 * Each mutant is the solution with one change, compiled with the lesson's
 * flags (a mutant that does not compile is "stillborn" and not counted),
 * linked with the unchanged modules' objects from build/sol/LESSON (and
 * build/sol/NN-slug for an earlier lesson's file the lesson reuses), as the
 * Makefile says each program is made from its lesson.mk (--program), and
 * graded by build/tests/LESSON --fail-fast under a timeout. It is killed
 * when the test program reports a failed test (through the results pipe,
 * SOCKLAB_RESULTS_FD), ends without its report, exits non-zero, or times
 * out. Mutants run in parallel (-j).
 *
 * A mutant's id, FILE:FUNCTION:OPERATOR:HASH, survives edits elsewhere: the
 * hash covers the mutated line (whitespace folded), which occurrence on
 * that line, and the change. tests/mutation/LESSON.equivalent lists the
 * equivalent mutants, one per line: ID then the reason.
 *
 * Output, per lesson, in build/mutation/LESSON/: report.txt (counts, score,
 * survivors grouped by operator), survivors.diff (a unified diff for each
 * survivor, headed by its id) and mutants.csv; on the terminal a table.
 * score = killed / (generated - stillborn - equivalent).
 *
 * --sample N grades a random sample of N mutants (seeded by --seed, so a CI
 * run is repeatable). --only FILE grades only the mutants whose ids FILE
 * lists, one per line (build/mutation/LESSON/survivors.txt, written by every
 * run, re-grades the last survivors after a new test); ids from the
 * equivalents file are graded too, to see whether a new test kills them
 * (then remove them from the list). --list prints the
 * mutants and grades nothing.
 *
 * Exit: 0 done (with --strict: only when every lesson scores at least 90%);
 * 1 a lesson scored under 90% with --strict, or the solution itself fails
 * its tests, or an I/O error; 2 usage.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>

#define GOAL 90.0 /* percent of non-equivalent mutants a lesson's tests must kill */

/* ---- small utilities ------------------------------------------------------- */

static void *xmalloc(size_t n)
{
    void *p = calloc(1, n ? n : 1);
    if (!p) {
        fprintf(stderr, "mutate: out of memory\n");
        exit(1);
    }
    return p;
}

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p) {
        fprintf(stderr, "mutate: out of memory\n");
        exit(1);
    }
    return p;
}

static char *xstrndup(const char *s, size_t n)
{
    char *d = xmalloc(n + 1);
    memcpy(d, s, n);
    return d;
}

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    char *s;
    va_start(ap, fmt);
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0) {
        fprintf(stderr, "mutate: out of memory\n");
        exit(1);
    }
    return s;
}

/* The whole content of path in a new NUL-terminated buffer, or NULL (errno). */
static char *mut_slurp(const char *path, size_t *lenp)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    size_t len = 0, cap = 8192;
    char *buf = xmalloc(cap);
    size_t n;
    while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len < 2)
            buf = xrealloc(buf, cap *= 2);
    }
    int err = ferror(f) ? errno : 0;
    fclose(f);
    if (err) {
        free(buf);
        errno = err;
        return NULL;
    }
    buf[len] = '\0';
    if (lenp)
        *lenp = len;
    return buf;
}

/* Write len bytes of text to path; -1 with errno on failure. */
static int mut_write(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    if (fwrite(text, 1, len, f) != len) {
        int saved = errno;
        fclose(f);
        errno = saved;
        return -1;
    }
    return fclose(f);
}

/* mkdir -p; -1 with errno on failure. */
static int mut_mkdirs(const char *path)
{
    char *p = xstrndup(path, strlen(path));
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0755) < 0 && errno != EEXIST) {
            free(p);
            return -1;
        }
        *s = '/';
    }
    int rc = mkdir(p, 0755) < 0 && errno != EEXIST ? -1 : 0;
    free(p);
    return rc;
}

/* rm -r of a directory that holds only files. */
static void mut_rmdir(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return;
    for (struct dirent *e; (e = readdir(d));) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char *f = xasprintf("%s/%s", path, e->d_name);
        unlink(f);
        free(f);
    }
    closedir(d);
    rmdir(path);
}

/* Empty build/mutation/LESSON/work of the last run's mutant directories. */
static void clear_work(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        char *sub = xasprintf("%s/%s", path, e->d_name);
        mut_rmdir(sub);
        free(sub);
    }
    closedir(d);
}

/* 32-bit FNV-1a, continued from h. */
static uint32_t mut_hash(uint32_t h, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return h;
}

static double mut_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Split a space-separated flag string into argv entries appended to *v. */
static void mut_split_words(const char *s, char ***v, int *n)
{
    while (*s) {
        while (*s == ' ' || *s == '\t')
            s++;
        const char *w = s;
        while (*s && *s != ' ' && *s != '\t')
            s++;
        if (s > w) {
            *v = xrealloc(*v, sizeof **v * (size_t)(*n + 2));
            (*v)[(*n)++] = xstrndup(w, (size_t)(s - w));
            (*v)[*n] = NULL;
        }
    }
}

/* ---- the lexer ----------------------------------------------------------- */

enum tkind { T_IDENT, T_NUM, T_PUNCT, T_STR, T_CHAR };
enum btype { B_BLOCK, B_INIT, B_DECL };

struct tok {
    enum tkind kind;
    size_t start, len;
    int line;       /* 1-based */
    int depth;      /* braces around the token */
    enum btype in;  /* the innermost brace's kind (when depth > 0) */
    int parens;     /* ( and [ open since the innermost brace */
    bool stmt;      /* starts a statement of a block */
    int func;       /* index into the file's names: the enclosing function or object */
    int match;      /* for ( [ {: the index of the closing token, and back */
    bool after_hdr; /* for ): it closes an if/while/for/switch header */
};

struct srcfile {
    char *name; /* e.g. addr.c */
    char *text;
    size_t len;
    bool program; /* defines int main( */
    bool *in_sol; /* per line (1-based): inside a solution region */
    int nlines;
    size_t *line_start; /* per line (1-based) */
    struct tok *t;
    int nt;
    char **names;
    int nnames;
};

static bool tok_is(const struct srcfile *f, int i, const char *s)
{
    if (i < 0 || i >= f->nt)
        return false;
    size_t n = strlen(s);
    return f->t[i].len == n && memcmp(f->text + f->t[i].start, s, n) == 0;
}

static const char *const keywords[] = {
    "auto",      "break",    "case",           "char",     "const",    "continue", "default",   "do",
    "double",    "else",     "enum",           "extern",   "float",    "for",      "goto",      "if",
    "inline",    "int",      "long",           "register", "restrict", "return",   "short",     "signed",
    "sizeof",    "static",   "struct",         "switch",   "typedef",  "union",    "unsigned",  "void",
    "volatile",  "while",    "_Bool",          "bool",     "size_t",   "ssize_t",  "socklen_t", "uint16_t",
    "uint32_t",  "uint8_t",  "int64_t",        "uint64_t", "pid_t",    "FILE",     "va_list",   "off_t",
    "in_port_t", "_Alignof", "_Static_assert", NULL,
};

static bool tok_keyword(const struct srcfile *f, int i)
{
    if (i < 0 || i >= f->nt || f->t[i].kind != T_IDENT)
        return false;
    for (int k = 0; keywords[k]; k++)
        if (tok_is(f, i, keywords[k]))
            return true;
    return false;
}

/* An operand's last token: an identifier (not a keyword), a number, a
 * string, ) or ]. The token after one is a binary operator. */
static bool tok_ends_operand(const struct srcfile *f, int i)
{
    if (i < 0)
        return false;
    const struct tok *t = &f->t[i];
    if (t->kind == T_IDENT)
        return !tok_keyword(f, i);
    return t->kind == T_NUM || t->kind == T_STR || t->kind == T_CHAR || tok_is(f, i, ")") ||
           tok_is(f, i, "]");
}

static const char *const puncts[] = {
    "...", "<<=", ">>=", "->", "++", "--", "<<", ">>", "<=", ">=", "==", "!=",
    "&&",  "||",  "+=",  "-=", "*=", "/=", "%=", "&=", "|=", "^=", "##", NULL,
};

/* Tokenise f->text: skip comments, preprocessor lines and whitespace. */
static void lex(struct srcfile *f)
{
    const char *s = f->text;
    size_t i = 0, n = f->len;
    int line = 1, cap = 0;
    bool bol = true; /* only whitespace so far on this line */
    while (i < n) {
        char c = s[i];
        if (c == '\n') {
            line++;
            bol = true;
            i++;
            continue;
        }
        if (isspace((unsigned char)c)) {
            i++;
            continue;
        }
        if (c == '/' && i + 1 < n && s[i + 1] == '*') {
            for (i += 2; i + 1 < n && !(s[i] == '*' && s[i + 1] == '/'); i++)
                line += s[i] == '\n';
            i += 2;
            continue;
        }
        if (c == '/' && i + 1 < n && s[i + 1] == '/') {
            while (i < n && s[i] != '\n')
                i++;
            continue;
        }
        if (c == '#' && bol) {
            while (i < n && s[i] != '\n') {
                if (s[i] == '\\' && i + 1 < n && s[i + 1] == '\n') {
                    line++;
                    i++;
                }
                i++;
            }
            continue;
        }
        bol = false;
        if (f->nt == cap)
            f->t = xrealloc(f->t, sizeof *f->t * (size_t)(cap = cap ? cap * 2 : 1024));
        struct tok *t = &f->t[f->nt++];
        memset(t, 0, sizeof *t);
        t->start = i;
        t->line = line;
        if (c == '"' || c == '\'') {
            t->kind = c == '"' ? T_STR : T_CHAR;
            for (i++; i < n && s[i] != c; i++)
                if (s[i] == '\\')
                    i++;
            i++;
        } else if (isalpha((unsigned char)c) || c == '_') {
            t->kind = T_IDENT;
            while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '_'))
                i++;
        } else if (isdigit((unsigned char)c) || (c == '.' && i + 1 < n && isdigit((unsigned char)s[i + 1]))) {
            t->kind = T_NUM;
            while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '.' || s[i] == '_'))
                i++;
        } else {
            t->kind = T_PUNCT;
            size_t len = 1;
            for (int k = 0; puncts[k]; k++) {
                size_t pl = strlen(puncts[k]);
                if (i + pl <= n && memcmp(s + i, puncts[k], pl) == 0) {
                    len = pl;
                    break;
                }
            }
            i += len;
        }
        t->len = i - t->start;
    }
}

static int add_name(struct srcfile *f, const char *s, size_t n)
{
    for (int i = 0; i < f->nnames; i++)
        if (strlen(f->names[i]) == n && memcmp(f->names[i], s, n) == 0)
            return i;
    f->names = xrealloc(f->names, sizeof *f->names * (size_t)(f->nnames + 1));
    f->names[f->nnames] = xstrndup(s, n);
    return f->nnames++;
}

/* The nearest identifier before token i, or -1. */
static int ident_before(const struct srcfile *f, int i)
{
    for (i--; i >= 0; i--)
        if (f->t[i].kind == T_IDENT && !tok_keyword(f, i))
            return i;
        else if (tok_is(f, i, ";") || tok_is(f, i, "}") || tok_is(f, i, "{"))
            return -1;
    return -1;
}

/* Fill in each token's nesting, statement starts and enclosing name. */
static void structure(struct srcfile *f)
{
    struct open {
        int tok;
        enum btype type; /* for { */
        bool header;     /* for (: after if/while/for/switch */
        int func;
    } *st = xmalloc(sizeof *st * (size_t)(f->nt + 1));
    int sp = 0, filename = add_name(f, "(file)", 6);
    bool next_stmt = false;
    int eq_name = -1; /* the name before = at depth 0 */
    for (int i = 0; i < f->nt; i++) {
        struct tok *t = &f->t[i];
        int depth = 0, parens = 0, top = -1;
        for (int k = sp - 1; k >= 0; k--)
            if (tok_is(f, st[k].tok, "{")) {
                if (top < 0)
                    top = k;
                depth++;
            } else if (top < 0) {
                parens++;
            }
        t->depth = depth;
        t->parens = parens;
        t->in = top >= 0 ? st[top].type : B_DECL;
        t->func = top >= 0 ? st[top].func : filename;
        t->stmt = next_stmt && top >= 0 && st[top].type == B_BLOCK && parens == 0;
        next_stmt = false;
        bool block_here = top >= 0 && st[top].type == B_BLOCK && parens == 0;
        if (depth == 0 && parens == 0 && tok_is(f, i, "=")) {
            int id = ident_before(f, i);
            eq_name = id >= 0 ? id : -1;
        }
        if (tok_is(f, i, "(") || tok_is(f, i, "[")) {
            bool hdr = tok_is(f, i - 1, "if") || tok_is(f, i - 1, "while") || tok_is(f, i - 1, "for") ||
                       tok_is(f, i - 1, "switch");
            st[sp++] = (struct open){.tok = i, .header = hdr && tok_is(f, i, "("), .func = t->func};
        } else if (tok_is(f, i, "{")) {
            enum btype ty;
            int fn = t->func;
            bool enclosing_block = top >= 0 && st[top].type == B_BLOCK && parens == 0;
            if (tok_is(f, i - 1, ")")) {
                int open = f->t[i - 1].match;
                if (depth == 0 && parens == 0) {
                    ty = B_BLOCK;
                    if (open > 0 && f->t[open - 1].kind == T_IDENT)
                        fn = add_name(f, f->text + f->t[open - 1].start, f->t[open - 1].len);
                } else {
                    ty = f->t[i - 1].after_hdr ? B_BLOCK : B_INIT;
                }
            } else if (tok_is(f, i - 1, "=")) {
                ty = B_INIT;
                if (depth == 0 && eq_name >= 0)
                    fn = add_name(f, f->text + f->t[eq_name].start, f->t[eq_name].len);
            } else if (f->t[i - 1].kind == T_IDENT && !tok_is(f, i - 1, "else") && !tok_is(f, i - 1, "do")) {
                ty = B_DECL; /* struct NAME {, enum { */
                if (depth == 0)
                    fn = add_name(f, f->text + f->t[i - 1].start, f->t[i - 1].len);
            } else if (enclosing_block) {
                ty = B_BLOCK;
            } else {
                ty = top >= 0 ? st[top].type == B_DECL ? B_DECL : B_INIT : B_DECL;
            }
            st[sp++] = (struct open){.tok = i, .type = ty, .func = fn};
            next_stmt = ty == B_BLOCK;
        } else if ((tok_is(f, i, ")") || tok_is(f, i, "]") || tok_is(f, i, "}")) && sp > 0) {
            struct open o = st[--sp];
            t->match = o.tok;
            f->t[o.tok].match = i;
            if (tok_is(f, i, ")") && o.header) {
                t->after_hdr = true;
                next_stmt = true;
            }
            if (tok_is(f, i, "}")) {
                bool in_block = sp > 0 && tok_is(f, st[sp - 1].tok, "{") && st[sp - 1].type == B_BLOCK;
                next_stmt = in_block;
            }
        } else if (block_here && (tok_is(f, i, ";") || tok_is(f, i, "else") || tok_is(f, i, "do"))) {
            next_stmt = true;
        } else if (block_here && tok_is(f, i, ":") &&
                   (tok_is(f, i - 1, "default") || f->t[i - 1].kind == T_IDENT || f->t[i - 1].kind == T_NUM ||
                    f->t[i - 1].kind == T_CHAR)) {
            /* a case label or a goto label; a ?: at statement level is rare */
            int k = i - 1;
            while (k >= 0 && !tok_is(f, k, "case") && !tok_is(f, k, "default") && !tok_is(f, k, ";") &&
                   !tok_is(f, k, "{") && !tok_is(f, k, "}") && !tok_is(f, k, "?"))
                k--;
            next_stmt = k >= 0 && (tok_is(f, k, "case") || tok_is(f, k, "default") || k == i - 2);
        }
    }
    free(st);
}

/* Mark the lines inside solution regions, and the start of each line. */
static void regions(struct srcfile *f)
{
    int lines = 1;
    for (size_t i = 0; i < f->len; i++)
        lines += f->text[i] == '\n';
    f->nlines = lines;
    f->in_sol = xmalloc(sizeof *f->in_sol * (size_t)(lines + 2));
    f->line_start = xmalloc(sizeof *f->line_start * (size_t)(lines + 2));
    bool in = false;
    int ln = 1;
    size_t start = 0;
    for (size_t i = 0; i <= f->len; i++) {
        if (i < f->len && f->text[i] != '\n')
            continue;
        f->line_start[ln] = start;
        char *line = xstrndup(f->text + start, i - start);
        if (strstr(line, "BEGIN SOLUTION"))
            in = true;
        else if (strstr(line, "END SOLUTION"))
            in = false;
        else
            f->in_sol[ln] = in;
        free(line);
        ln++;
        start = i + 1;
    }
    f->line_start[ln] = f->len;
}

/* ---- mutants ------------------------------------------------------------- */

enum status { S_PENDING, S_STILLBORN, S_KILLED, S_SURVIVED, S_SKIPPED };
static const char *const status_names[] = {"pending", "stillborn", "killed", "survived", "not-run"};

struct mutant {
    int file;          /* index into the lesson's files */
    size_t start, len; /* the span replaced */
    char *repl;        /* by this */
    const char *op;    /* the operator's name */
    int line, func;    /* where (1-based line), the function's name index */
    char id[256];
    enum status status;
    bool equivalent; /* listed in the equivalents file */
    char *why;       /* the killing test, or why it is stillborn */
    double seconds;
};

struct lesson {
    const char *name;
    struct srcfile *files;
    int nfiles;
    struct mutant *m;
    int nm, cap;
};

static void add_mutant(struct lesson *l, int file, size_t start, size_t len, const char *repl, const char *op,
                       const struct tok *at)
{
    for (int k = 0; k < l->nm; k++) /* two operators may make the same change */
        if (l->m[k].file == file && l->m[k].start == start && l->m[k].len == len &&
            strcmp(l->m[k].repl, repl) == 0)
            return;
    if (l->nm == l->cap)
        l->m = xrealloc(l->m, sizeof *l->m * (size_t)(l->cap = l->cap ? l->cap * 2 : 256));
    struct mutant *m = &l->m[l->nm++];
    memset(m, 0, sizeof *m);
    m->file = file;
    m->start = start;
    m->len = len;
    m->repl = xstrndup(repl, strlen(repl));
    m->op = op;
    m->line = at->line;
    m->func = at->func;
}

/* The text of tokens [a, b] as a new string. */
static char *tok_text(const struct srcfile *f, int a, int b)
{
    return xstrndup(f->text + f->t[a].start, f->t[b].start + f->t[b].len - f->t[a].start);
}

static void mut_span(struct lesson *l, int fi, int a, int b, const char *repl, const char *op)
{
    const struct srcfile *f = &l->files[fi];
    add_mutant(l, fi, f->t[a].start, f->t[b].start + f->t[b].len - f->t[a].start, repl, op, &f->t[a]);
}

/* The symbols swapped by the "symbol" operator: each FROM becomes TO. */
static const char *const symbols[][2] = {
    {"AF_INET", "AF_INET6"},
    {"AF_INET6", "AF_INET"},
    {"AF_UNSPEC", "AF_INET"},
    {"PF_INET", "PF_INET6"},
    {"PF_INET6", "PF_INET"},
    {"SOCK_STREAM", "SOCK_DGRAM"},
    {"SOCK_DGRAM", "SOCK_STREAM"},
    {"SOCK_SEQPACKET", "SOCK_STREAM"},
    {"SOCK_RAW", "SOCK_DGRAM"},
    {"IPPROTO_TCP", "IPPROTO_UDP"},
    {"IPPROTO_UDP", "IPPROTO_TCP"},
    {"INADDR_ANY", "INADDR_LOOPBACK"},
    {"INADDR_LOOPBACK", "INADDR_ANY"},
    {"SOL_SOCKET", "IPPROTO_TCP"},
    {"SO_REUSEADDR", "SO_REUSEPORT"},
    {"SO_TYPE", "SO_PROTOCOL"},
    {"SO_PROTOCOL", "SO_TYPE"},
    {"SO_DOMAIN", "SO_TYPE"},
    {"SHUT_WR", "SHUT_RD"},
    {"SHUT_RD", "SHUT_WR"},
    {"SOCK_CLOEXEC", "SOCK_NONBLOCK"},
    {"SOCK_NONBLOCK", "SOCK_CLOEXEC"},
    {"O_NONBLOCK", "O_CLOEXEC"},
    {"NI_NUMERICHOST", "NI_NUMERICSERV"},
    {"NI_NUMERICSERV", "NI_NUMERICHOST"},
    {"AI_PASSIVE", "AI_CANONNAME"},
    {"AI_NUMERICSERV", "AI_NUMERICHOST"},
    {"INET_ADDRSTRLEN", "INET6_ADDRSTRLEN"},
    {"INET6_ADDRSTRLEN", "INET_ADDRSTRLEN"},
    {"POLLIN", "POLLOUT"},
    {"RLIMIT_NOFILE", "RLIMIT_NPROC"},
    {"EINVAL", "ERANGE"},
    {"ERANGE", "EINVAL"},
    {"EMFILE", "ENFILE"},
    {"ENFILE", "EMFILE"},
    {"EINTR", "EAGAIN"},
    {"EXIT_SUCCESS", "EXIT_FAILURE"},
    {"EXIT_FAILURE", "EXIT_SUCCESS"},
    {"STDIN_FILENO", "STDOUT_FILENO"},
    {"STDOUT_FILENO", "STDERR_FILENO"},
    {"STDERR_FILENO", "STDOUT_FILENO"},
    {"stdout", "stderr"},
    {"stderr", "stdout"},
    {"true", "false"},
    {"false", "true"},
};

static bool all_caps(const struct srcfile *f, int i)
{
    if (i < 0 || i >= f->nt || f->t[i].kind != T_IDENT)
        return false;
    bool letter = false;
    for (size_t k = 0; k < f->t[i].len; k++) {
        char c = f->text[f->t[i].start + k];
        if (islower((unsigned char)c))
            return false;
        letter |= isupper((unsigned char)c);
    }
    return letter;
}

/* A binary operator at token i: it follows an operand. A `*` after a type
 * at the start of a declaration (FILE *f =) is not one. */
static bool binary_at(const struct srcfile *f, int i)
{
    if (!tok_ends_operand(f, i - 1))
        return false;
    if (!tok_is(f, i, "*"))
        return true;
    if (tok_is(f, i + 1, ")") || tok_is(f, i + 1, "*") || tok_is(f, i + 1, ","))
        return false;
    bool decl_start = tok_is(f, i - 2, ";") || tok_is(f, i - 2, "{") || tok_is(f, i - 2, "}") ||
                      tok_is(f, i - 2, "const") || tok_is(f, i - 2, "struct") || tok_is(f, i - 2, "enum") ||
                      tok_is(f, i - 2, "union") || tok_is(f, i - 2, "static") || tok_is(f, i - 2, "(") ||
                      tok_is(f, i - 2, ",") || i < 2;
    return !(decl_start && f->t[i - 1].kind == T_IDENT);
}

/* An integer literal's value, its base and its suffix; false for others. */
static bool int_literal(const char *s, size_t n, long long *v, bool *hex, const char **suffix)
{
    char *end;
    char *tmp = xstrndup(s, n);
    errno = 0;
    unsigned long long u = strtoull(tmp, &end, 0);
    size_t used = (size_t)(end - tmp);
    bool ok = errno == 0 && used > 0 && u < (1ULL << 62);
    for (size_t k = used; ok && k < n; k++)
        ok = strchr("uUlL", tmp[k]) != NULL;
    free(tmp);
    if (!ok || (n > 1 && s[0] == '0' && isdigit((unsigned char)s[1])))
        return false; /* octal: leave it */
    *v = (long long)u;
    *hex = n > 1 && (s[1] == 'x' || s[1] == 'X');
    *suffix = s + used;
    return true;
}

/* A number in an array declaration's size (char buf[64], or the second
 * array of char a[N], b[16]) or in sizeof a[0]: not mutated, a bigger or
 * smaller buffer that still fits is the same program. */
static bool array_size(const struct srcfile *f, int i)
{
    if (i < 3 || !tok_is(f, i - 1, "[") || !tok_is(f, i + 1, "]") || f->t[i - 2].kind != T_IDENT)
        return false;
    if (tok_is(f, i - 3, "sizeof"))
        return true; /* sizeof a[0]: never evaluated */
    int depth = 0, k = i - 2;
    for (; k > 0; k--) { /* back to the start of the statement, at this level */
        if (tok_is(f, k - 1, ")") || tok_is(f, k - 1, "]"))
            depth++;
        else if ((tok_is(f, k - 1, "(") || tok_is(f, k - 1, "[")) && depth-- == 0)
            return false; /* inside a call or an index: an expression */
        else if (depth == 0 && tok_is(f, k - 1, "="))
            return false; /* an initializer's expression */
        else if (depth == 0 && (tok_is(f, k - 1, ";") || tok_is(f, k - 1, "{") || tok_is(f, k - 1, "}")))
            break;
    }
    static const char *const types[] = {"char",     "unsigned", "signed", "int",    "long",
                                        "short",    "const",    "static", "struct", "uint8_t",
                                        "uint16_t", "uint32_t", NULL};
    for (int t = 0; types[t]; t++)
        if (tok_is(f, k, types[t]))
            return true;
    return false;
}

static void gen_const(struct lesson *l, int fi, int i)
{
    const struct srcfile *f = &l->files[fi];
    long long v;
    bool hex;
    const char *suffix;
    if (!int_literal(f->text + f->t[i].start, f->t[i].len, &v, &hex, &suffix) || array_size(f, i))
        return;
    size_t slen = f->t[i].start + f->t[i].len - (size_t)(suffix - f->text);
    int a = i;
    if (tok_is(f, i - 1, "-") && !tok_ends_operand(f, i - 2)) { /* a negative literal: -1 */
        a = i - 1;
        v = -v;
    }
    if (tok_is(f, a - 1, "return") && tok_is(f, i + 1, ";") && (v == -1 || v == 0)) {
        /* return -1 and return 0 get only the retval change: a caller tests
         * < 0 or == -1, so -2 or 1 would be equivalent more often than not */
        mut_span(l, fi, a, i, v == 0 ? "-1" : "0", "retval");
        return;
    }
    for (int d = 1; d >= -1; d -= 2) {
        long long w = v + d;
        char *r = hex && w >= 0
                      ? xasprintf("0x%llx%.*s", w, (int)slen, suffix)
                      : xasprintf("%s%lld%.*s", w < 0 && a == i && tok_ends_operand(f, i - 1) ? " " : "", w,
                                  (int)slen, suffix);
        mut_span(l, fi, a, i, r, "const");
        free(r);
    }
}

/* The end of the statement starting at token i (its ';'), or -1 if it is
 * not an expression statement on one level. */
static int stmt_end(const struct srcfile *f, int i)
{
    int depth = 0;
    for (int k = i; k < f->nt; k++) {
        if (tok_is(f, k, "(") || tok_is(f, k, "["))
            depth++;
        else if (tok_is(f, k, ")") || tok_is(f, k, "]"))
            depth--;
        else if (tok_is(f, k, "{") || tok_is(f, k, "}"))
            return -1;
        else if (depth == 0 && tok_is(f, k, ";"))
            return k;
        if (depth < 0)
            return -1;
    }
    return -1;
}

static void gen_stmt(struct lesson *l, int fi, int i)
{
    const struct srcfile *f = &l->files[fi];
    static const char *const seconds[] = {"(",  "=",   "+=",  "-=", "*=", "/=", "|=", "&=", "^=",
                                          "%=", "<<=", ">>=", "->", ".",  "[",  "++", "--", NULL};
    bool expr = false;
    if (f->t[i].kind == T_IDENT && !tok_keyword(f, i)) {
        for (int k = 0; seconds[k] && !expr; k++)
            expr = tok_is(f, i + 1, seconds[k]);
    } else {
        expr = tok_is(f, i, "*") || tok_is(f, i, "++") || tok_is(f, i, "--");
    }
    if (!expr)
        return;
    int end = stmt_end(f, i);
    if (end < 0)
        return;
    bool call = tok_is(f, i + 1, "(") && f->t[i + 1].match == end - 1;
    mut_span(l, fi, i, end, "{}", call ? "delete-call" : "delete-stmt");
}

static void gen_negate(struct lesson *l, int fi, int i)
{
    const struct srcfile *f = &l->files[fi];
    if (!(tok_is(f, i, "if") || tok_is(f, i, "while")) || !tok_is(f, i + 1, "("))
        return;
    int close = f->t[i + 1].match;
    if (close <= i + 2)
        return;
    char *cond = tok_text(f, i + 2, close - 1);
    char *r = xasprintf("!(%s)", cond);
    mut_span(l, fi, i + 2, close - 1, r, "negate");
    free(r);
    free(cond);
}

static void gen_swap(struct lesson *l, int fi, int i)
{
    const struct srcfile *f = &l->files[fi];
    if (f->t[i].kind != T_IDENT || tok_keyword(f, i) || !tok_is(f, i + 1, "(") || f->t[i].depth == 0)
        return;
    int close = f->t[i + 1].match;
    int arg[64][2], na = 0, depth = 0, from = i + 2;
    for (int k = i + 2; k <= close && na < 64; k++) {
        if (tok_is(f, k, "(") || tok_is(f, k, "[") || tok_is(f, k, "{"))
            depth++;
        else if ((tok_is(f, k, ")") || tok_is(f, k, "]") || tok_is(f, k, "}")) && k != close)
            depth--;
        if ((depth == 0 && tok_is(f, k, ",")) || k == close) {
            if (k > from)
                arg[na][0] = from, arg[na][1] = k - 1, na++;
            from = k + 1;
        }
    }
    for (int k = 0; k + 1 < na; k++) {
        char *a = tok_text(f, arg[k][0], arg[k][1]);
        char *b = tok_text(f, arg[k + 1][0], arg[k + 1][1]);
        char *sep = xstrndup(f->text + f->t[arg[k][1]].start + f->t[arg[k][1]].len,
                             f->t[arg[k + 1][0]].start - f->t[arg[k][1]].start - f->t[arg[k][1]].len);
        if (strcmp(a, b) != 0) {
            char *r = xasprintf("%s%s%s", b, sep, a);
            mut_span(l, fi, arg[k][0], arg[k + 1][1], r, "swap-args");
            free(r);
        }
        free(a);
        free(b);
        free(sep);
    }
}

static void gen_binary(struct lesson *l, int fi, int i)
{
    const struct srcfile *f = &l->files[fi];
    static const char *const swaps[][3] = {
        {"<", "<=", "rel"},    {"<=", "<", "rel"},    {">", ">=", "rel"},    {">=", ">", "rel"},
        {"==", "!=", "rel"},   {"!=", "==", "rel"},   {"&&", "||", "logic"}, {"||", "&&", "logic"},
        {"+", "-", "arith"},   {"-", "+", "arith"},   {"*", "/", "arith"},   {"/", "*", "arith"},
        {"+=", "-=", "arith"}, {"-=", "+=", "arith"},
    };
    if (f->t[i].kind != T_PUNCT || f->t[i].depth == 0)
        return;
    for (size_t k = 0; k < sizeof swaps / sizeof swaps[0]; k++)
        if (tok_is(f, i, swaps[k][0]) && binary_at(f, i))
            mut_span(l, fi, i, i, swaps[k][1], swaps[k][2]);
    if (tok_is(f, i, "|") && binary_at(f, i)) {
        if (all_caps(f, i + 1) && !tok_is(f, i + 2, "(") && !tok_is(f, i + 2, "[")) {
            size_t from = f->t[i - 1].start + f->t[i - 1].len; /* the space before | goes too */
            add_mutant(l, fi, from, f->t[i + 1].start + f->t[i + 1].len - from, "", "flag", &f->t[i]);
        }
        if (all_caps(f, i - 1) && (tok_is(f, i - 2, "(") || tok_is(f, i - 2, ",") || tok_is(f, i - 2, "=") ||
                                   tok_is(f, i - 2, "return")))
            mut_span(l, fi, i - 1, i, "", "flag");
    }
}

static void gen_symbol(struct lesson *l, int fi, int i)
{
    const struct srcfile *f = &l->files[fi];
    if (f->t[i].kind != T_IDENT)
        return;
    for (size_t k = 0; k < sizeof symbols / sizeof symbols[0]; k++)
        if (tok_is(f, i, symbols[k][0]))
            mut_span(l, fi, i, i, symbols[k][1], "symbol");
}

/* Give each mutant its id: FILE:FUNCTION:OP:HASH, HASH over the line's text
 * (whitespace folded), the change's column among equal tokens on the line
 * and the replacement; a repeat within a function gets .2, .3, ... */
static void name_mutants(struct lesson *l)
{
    for (int k = 0; k < l->nm; k++) {
        struct mutant *m = &l->m[k];
        const struct srcfile *f = &l->files[m->file];
        size_t ls = f->line_start[m->line], le = f->line_start[m->line + 1];
        uint32_t h = 2166136261u;
        h = mut_hash(h, m->op, strlen(m->op) + 1);
        bool space = false;
        for (size_t p = ls; p < le; p++) {
            char c = f->text[p];
            if (isspace((unsigned char)c)) {
                space = true;
                continue;
            }
            if (space && p > ls)
                h = mut_hash(h, " ", 1);
            space = false;
            h = mut_hash(h, &c, 1);
        }
        int nth = 0; /* equal spans earlier on the line */
        for (size_t p = ls; p < m->start; p++)
            nth += m->len > 0 && p + m->len <= f->len && memcmp(f->text + p, f->text + m->start, m->len) == 0;
        char buf[32];
        int n = snprintf(buf, sizeof buf, "|%d|", nth);
        h = mut_hash(h, buf, (size_t)n);
        h = mut_hash(h, m->repl, strlen(m->repl));
        int dup = 1;
        char base[224];
        snprintf(base, sizeof base, "%s:%s:%s:%08x", f->name, f->names[m->func], m->op, h);
        for (int j = 0; j < k; j++)
            dup += strncmp(l->m[j].id, base, strlen(base)) == 0 &&
                   (l->m[j].id[strlen(base)] == '\0' || l->m[j].id[strlen(base)] == '.');
        if (dup > 1)
            snprintf(m->id, sizeof m->id, "%s.%d", base, dup);
        else
            snprintf(m->id, sizeof m->id, "%s", base);
    }
}

static void generate(struct lesson *l)
{
    for (int fi = 0; fi < l->nfiles; fi++) {
        const struct srcfile *f = &l->files[fi];
        for (int i = 0; i < f->nt; i++) {
            if (!f->in_sol[f->t[i].line])
                continue;
            if (f->t[i].kind == T_NUM)
                gen_const(l, fi, i);
            gen_binary(l, fi, i);
            gen_symbol(l, fi, i);
            if (f->t[i].in == B_BLOCK && f->t[i].depth > 0) {
                gen_negate(l, fi, i);
                if (f->t[i].stmt)
                    gen_stmt(l, fi, i);
            }
            gen_swap(l, fi, i);
        }
    }
    name_mutants(l);
}

/* ---- reading a lesson ---------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_lesson(struct lesson *l)
{
    char *dir = xasprintf("solutions/%s", l->name);
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "mutate: %s: %s\n", dir, strerror(errno));
        free(dir);
        return -1;
    }
    char **names = NULL;
    int n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (len > 2 && strcmp(e->d_name + len - 2, ".c") == 0) {
            names = xrealloc(names, sizeof *names * (size_t)(n + 1));
            names[n++] = xstrndup(e->d_name, len);
        }
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, cmp_str);
    l->files = xmalloc(sizeof *l->files * (size_t)(n ? n : 1));
    for (int i = 0; i < n; i++) {
        struct srcfile *f = &l->files[l->nfiles++];
        char *path = xasprintf("%s/%s", dir, names[i]);
        f->name = names[i];
        f->text = mut_slurp(path, &f->len);
        if (!f->text) {
            fprintf(stderr, "mutate: %s: %s\n", path, strerror(errno));
            exit(1);
        }
        f->program = strstr(f->text, "\nint main(") != NULL || strncmp(f->text, "int main(", 9) == 0;
        free(path);
        regions(f);
        lex(f);
        structure(f);
    }
    free(names);
    free(dir);
    generate(l);
    return 0;
}

/* Mark the mutants tests/mutation/LESSON.equivalent lists; warn about ids
 * it lists that no mutant has (stale after an edit). */
static void load_equivalents(struct lesson *l)
{
    char *path = xasprintf("tests/mutation/%s.equivalent", l->name);
    char *text = mut_slurp(path, NULL);
    if (!text) {
        free(path);
        return;
    }
    int ln = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        ln++;
        while (isspace((unsigned char)*line))
            line++;
        if (*line == '#' || *line == '\0')
            continue;
        size_t idlen = strcspn(line, " \t");
        bool found = false;
        for (int k = 0; k < l->nm; k++)
            if (strlen(l->m[k].id) == idlen && strncmp(l->m[k].id, line, idlen) == 0)
                l->m[k].equivalent = found = true;
        if (!found)
            fprintf(stderr, "mutate: %s: %.*s matches no mutant (the code changed: remove or update it)\n",
                    path, (int)idlen, line);
        if (line[idlen] == '\0')
            fprintf(stderr, "mutate: %s: %.*s has no reason\n", path, (int)idlen, line);
    }
    free(text);
    free(path);
}

/* ---- building and grading one mutant --------------------------------------- */

/* A program of a lesson and what it is made of (--program). */
struct program {
    char *lesson, *name;
    char **srcs; /* "listener.c", "../02-addresses/addr.c" */
    int nsrcs;
    char **libs; /* "build/lib/libcourse.a", "-lm" */
    int nlibs;
};

struct config {
    char **cc; /* the compiler and CFLAGS, as argv */
    int ncc;
    char **ld; /* the compiler and LDFLAGS */
    int nld;
    int jobs, timeout;
    bool strict, list;
    long sample;
    unsigned long seed;
    const char *only;         /* a file of mutant ids, one per line: grade just those */
    struct program *programs; /* --program: how each program is made */
    int nprograms;
};

/* Run argv with stdout and stderr to logfd; its exit status, or -1. */
static int run_cmd(char **argv, int logfd)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        dup2(logfd, 1);
        dup2(logfd, 2);
        execvp(argv[0], argv);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static char **argv_plus(char **base, int n, char **extra, int nextra)
{
    char **v = xmalloc(sizeof *v * (size_t)(n + nextra + 1));
    memcpy(v, base, sizeof *v * (size_t)n);
    memcpy(v + n, extra, sizeof *v * (size_t)nextra);
    return v;
}

/* True if --program said how the programs of lesson l are made. */
static bool has_programs(const struct config *c, const struct lesson *l)
{
    for (int i = 0; i < c->nprograms; i++)
        if (strcmp(c->programs[i].lesson, l->name) == 0)
            return true;
    return false;
}

/* The object of source src of lesson l in the solution's build: its own
 * build/sol/LESSON/FILE.o, or build/sol/NN-slug/FILE.o for ../NN-slug/FILE.c. */
static char *solution_object(const struct lesson *l, const char *src)
{
    size_t n = strlen(src) - 2; /* without ".c" */
    if (strncmp(src, "../", 3) == 0)
        return xasprintf("build/sol/%.*s.o", (int)(n - 3), src + 3);
    return xasprintf("build/sol/%s/%.*s.o", l->name, (int)n, src);
}

/* Link each program of lesson l (as --program says) into dir: the ones
 * made of the mutated file f (compiled into obj) anew, the others as links
 * to the solution's. 0, or -1. */
static int link_programs(const struct config *c, const struct lesson *l, const struct srcfile *f,
                         const char *obj, const char *dir, int logfd)
{
    int rc = 0;
    for (int i = 0; rc == 0 && i < c->nprograms; i++) {
        const struct program *p = &c->programs[i];
        if (strcmp(p->lesson, l->name) != 0)
            continue;
        char *exe = xasprintf("%s/%s", dir, p->name);
        bool uses = false;
        for (int k = 0; k < p->nsrcs; k++)
            uses |= strcmp(p->srcs[k], f->name) == 0;
        if (!uses) {
            char *target = xasprintf("../../../../sol/%s/%s", l->name, p->name);
            rc = symlink(target, exe);
            free(target);
            free(exe);
            continue;
        }
        char **args = xmalloc(sizeof *args * (size_t)(p->nsrcs + p->nlibs + 2));
        int na = 0;
        for (int k = 0; k < p->nsrcs; k++)
            args[na++] =
                strcmp(p->srcs[k], f->name) == 0 ? xasprintf("%s", obj) : solution_object(l, p->srcs[k]);
        for (int k = 0; k < p->nlibs; k++)
            args[na++] = xasprintf("%s", p->libs[k]);
        args[na++] = xasprintf("-o");
        args[na++] = exe;
        char **lv = argv_plus(c->ld, c->nld, args, na);
        rc = run_cmd(lv, logfd) == 0 ? 0 : -1;
        free(lv);
        for (int k = 0; k < na; k++)
            free(args[k]);
        free(args);
    }
    return rc;
}

/* Parse --program 'LESSON/NAME=SOURCE... [;LIBS]' into *p. 0, or -1. */
static int parse_program(const char *spec, struct program *p)
{
    const char *slash = strchr(spec, '/'), *eq = strchr(spec, '=');
    if (!slash || !eq || slash > eq || slash == spec || eq == slash + 1)
        return -1;
    memset(p, 0, sizeof *p);
    p->lesson = xstrndup(spec, (size_t)(slash - spec));
    p->name = xstrndup(slash + 1, (size_t)(eq - slash - 1));
    const char *semi = strchr(eq, ';');
    char *srcs = xstrndup(eq + 1, semi ? (size_t)(semi - eq - 1) : strlen(eq + 1));
    mut_split_words(srcs, &p->srcs, &p->nsrcs);
    if (semi)
        mut_split_words(semi + 1, &p->libs, &p->nlibs);
    free(srcs);
    for (int k = 0; k < p->nsrcs; k++) {
        size_t n = strlen(p->srcs[k]);
        if (n < 3 || strcmp(p->srcs[k] + n - 2, ".c") != 0)
            return -1;
    }
    return p->nsrcs > 0 ? 0 : -1;
}

/* Compile the mutated file and link every program of the lesson into dir
 * (unchanged programs are links to the solution's). 0, or -1: stillborn. */
static int build_mutant(const struct config *c, const struct lesson *l, const struct mutant *m,
                        const char *dir, int logfd)
{
    const struct srcfile *f = &l->files[m->file];
    char *src = xasprintf("%s/%s", dir, f->name);
    size_t rl = strlen(m->repl);
    char *text = xmalloc(f->len - m->len + rl + 1);
    memcpy(text, f->text, m->start);
    memcpy(text + m->start, m->repl, rl);
    memcpy(text + m->start + rl, f->text + m->start + m->len, f->len - m->start - m->len);
    int rc = mut_write(src, text, f->len - m->len + rl);
    free(text);
    char *obj = xasprintf("%s/%.*s.o", dir, (int)(strlen(f->name) - 2), f->name);
    char *inc = xasprintf("-Isolutions/%s", l->name);
    char *cargs[] = {inc, "-c", src, "-o", obj};
    char **argv = argv_plus(c->cc, c->ncc, cargs, 5);
    if (rc == 0)
        rc = run_cmd(argv, logfd) == 0 ? 0 : -1;
    free(argv);
    if (rc == 0 && has_programs(c, l))
        rc = link_programs(c, l, f, obj, dir, logfd);
    for (int p = 0; rc == 0 && !has_programs(c, l) && p < l->nfiles; p++) {
        const struct srcfile *prog = &l->files[p];
        if (!prog->program)
            continue;
        int stem = (int)strlen(prog->name) - 2;
        char *exe = xasprintf("%s/%.*s", dir, stem, prog->name);
        if (p != m->file && f->program) { /* another program: unchanged */
            char *target = xasprintf("../../../../sol/%s/%.*s", l->name, stem, prog->name);
            rc = symlink(target, exe);
            free(target);
            free(exe);
            continue;
        }
        char **objs = xmalloc(sizeof *objs * (size_t)(l->nfiles + 3));
        int no = 0;
        for (int k = 0; k < l->nfiles; k++) {
            if (l->files[k].program && k != p)
                continue;
            int ks = (int)strlen(l->files[k].name) - 2;
            objs[no++] = k == m->file ? xasprintf("%s", obj)
                                      : xasprintf("build/sol/%s/%.*s.o", l->name, ks, l->files[k].name);
        }
        objs[no++] = "-o";
        objs[no++] = exe;
        char **lv = argv_plus(c->ld, c->nld, objs, no);
        rc = run_cmd(lv, logfd) == 0 ? 0 : -1;
        free(lv);
        for (int k = 0; k < no - 2; k++)
            free(objs[k]);
        free(objs);
        free(exe);
    }
    free(src);
    free(obj);
    free(inc);
    return rc;
}

/* Grade the programs in dir with the lesson's tests: 1 killed, 0 survived.
 * why gets the first failing test's name (or the way it ended). */
static int grade_mutant(const struct config *c, const char *lesson, const char *dir, int logfd, char *why,
                        size_t whylen)
{
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) < 0)
        return -1;
    char *testbin = xasprintf("build/tests/%s", lesson);
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        dup2(logfd, 1);
        dup2(logfd, 2);
        int wfd = dup(pfd[1]); /* without O_CLOEXEC */
        char env[16];
        snprintf(env, sizeof env, "%d", wfd);
        setenv("SOCKLAB_RESULTS_FD", env, 1);
        setenv("SOCKLAB_BIN", dir, 1);
        execl(testbin, testbin, "--ascii", "--fail-fast", (char *)NULL);
        _exit(127);
    }
    free(testbin);
    close(pfd[1]);
    if (pid < 0) {
        close(pfd[0]);
        return -1;
    }
    setpgid(pid, pid);
    char *out = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&out, &len);
    double end = mut_now() + c->timeout;
    bool timed_out = false;
    for (;;) {
        int left = (int)((end - mut_now()) * 1000);
        if (left <= 0) {
            timed_out = true;
            break;
        }
        struct pollfd p = {.fd = pfd[0], .events = POLLIN};
        int r = poll(&p, 1, left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            continue;
        char buf[4096];
        ssize_t n = read(pfd[0], buf, sizeof buf);
        if (n <= 0)
            break;
        fwrite(buf, 1, (size_t)n, mem);
    }
    close(pfd[0]);
    if (timed_out)
        kill(-pid, SIGKILL);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (timed_out)
        kill(-pid, SIGKILL);
    fclose(mem);
    int killed = 0;
    bool ended = strstr(out, "\nend\n") != NULL;
    snprintf(why, whylen, "%s", "");
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        char *field[5] = {0};
        int nf = 0;
        for (char *p = line; nf < 5 && p; nf++) {
            field[nf] = p;
            p = strchr(p, '\t');
            if (p)
                *p++ = '\0';
        }
        if (nf >= 5 && strcmp(field[0], "test") == 0 && strcmp(field[4], "fail") == 0 && !killed) {
            killed = 1;
            const char *msg = field[4] + strlen(field[4]) + 1, *tab; /* description, hint, message */
            for (int skip = 0; skip < 2 && (tab = strchr(msg, '\t')); skip++)
                msg = tab + 1;
            const char *nl = strstr(msg, "\\n");
            snprintf(why, whylen, "%s: %.*s", field[1], nl ? (int)(nl - msg) : 160, msg);
        }
    }
    if (!killed && timed_out) {
        killed = 1;
        snprintf(why, whylen, "(timed out after %d s)", c->timeout);
    } else if (!killed && !ended) {
        killed = 1;
        snprintf(why, whylen, "(the test program ended without its report: %s %d)",
                 WIFSIGNALED(st) ? "signal" : "exit", WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
    } else if (!killed && (!WIFEXITED(st) || WEXITSTATUS(st) != 0)) {
        killed = 1;
        snprintf(why, whylen, "(the test program exited %d)",
                 WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
    }
    free(out);
    return killed;
}

/* One mutant, in a child process: build, grade, write the result file.
 * Exit status: the mutant's status. */
static int run_mutant(const struct config *c, const struct lesson *l, const struct mutant *m, const char *dir)
{
    char *logp = xasprintf("%s/log", dir);
    int logfd = open(logp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    free(logp);
    if (logfd < 0)
        return 100;
    char why[512] = "";
    int status;
    if (build_mutant(c, l, m, dir, logfd) != 0) {
        status = S_STILLBORN;
    } else {
        int k = grade_mutant(c, l->name, dir, logfd, why, sizeof why);
        status = k < 0 ? 100 : k ? S_KILLED : S_SURVIVED;
    }
    char *res = xasprintf("%s/result", dir);
    mut_write(res, why, strlen(why));
    free(res);
    close(logfd);
    return status;
}

/* ---- the run: parallel workers ------------------------------------------- */

static char *mutant_dir(const char *lesson, int k)
{
    return xasprintf("build/mutation/%s/work/%04d", lesson, k);
}

/* Run the selected mutants (m->status S_PENDING) with up to c->jobs at once. */
static void run_all(const struct config *c, struct lesson *l)
{
    struct slot {
        pid_t pid;
        int k;
        double t0;
    } *slots = xmalloc(sizeof *slots * (size_t)c->jobs);
    int next = 0, running = 0, done = 0, todo = 0;
    for (int k = 0; k < l->nm; k++)
        todo += l->m[k].status == S_PENDING;
    double t0 = mut_now();
    bool tty = isatty(2);
    while (next < l->nm || running > 0) {
        while (running < c->jobs && next < l->nm) {
            int k = next++;
            if (l->m[k].status != S_PENDING)
                continue;
            char *dir = mutant_dir(l->name, k);
            mut_rmdir(dir);
            mut_mkdirs(dir);
            fflush(NULL);
            pid_t pid = fork();
            if (pid == 0)
                _exit(run_mutant(c, l, &l->m[k], dir));
            free(dir);
            if (pid < 0) {
                fprintf(stderr, "mutate: fork: %s\n", strerror(errno));
                exit(1);
            }
            for (int s = 0; s < c->jobs; s++)
                if (slots[s].pid == 0) {
                    slots[s] = (struct slot){pid, k, mut_now()};
                    break;
                }
            running++;
        }
        int st;
        pid_t pid = wait(&st);
        if (pid < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int s = 0; s < c->jobs; s++) {
            if (slots[s].pid != pid)
                continue;
            struct mutant *m = &l->m[slots[s].k];
            m->seconds = mut_now() - slots[s].t0;
            int code = WIFEXITED(st) ? WEXITSTATUS(st) : 100;
            m->status =
                code == S_STILLBORN || code == S_KILLED || code == S_SURVIVED ? (enum status)code : S_KILLED;
            char *dir = mutant_dir(l->name, slots[s].k);
            char *res = xasprintf("%s/result", dir);
            char *why = mut_slurp(res, NULL);
            if (code == S_STILLBORN) {
                char *logp = xasprintf("%s/log", dir);
                char *log = mut_slurp(logp, NULL);
                char *e = log ? strstr(log, "error: ") : NULL;
                free(why);
                why = e ? xstrndup(e + 7, strcspn(e + 7, "\n")) : xasprintf("%s", "does not build");
                free(log);
                free(logp);
            }
            m->why = why ? why : xasprintf("(mutate could not run it: status %d)", code);
            if (m->status != S_SURVIVED) /* keep survivors' sources to look at */
                mut_rmdir(dir);
            free(res);
            free(dir);
            slots[s].pid = 0;
            running--;
            done++;
            double el = mut_now() - t0;
            if (tty)
                fprintf(stderr, "\r  %s: %d/%d mutants, %.0f s, about %.0f s left   ", l->name, done, todo,
                        el, el / done * (todo - done));
            else if (done % 100 == 0) /* a log: a line now and then */
                fprintf(stderr, "  %s: %d/%d mutants, %.0f s\n", l->name, done, todo, el);
        }
    }
    if (tty)
        fprintf(stderr, "\r%*s\r", 78, "");
    free(slots);
}

/* Check the unchanged solution passes its tests here; false if not. */
static bool baseline(const struct config *c, const struct lesson *l)
{
    char *dir = xasprintf("build/mutation/%s/baseline", l->name);
    mut_mkdirs(dir);
    char *logp = xasprintf("%s/log", dir);
    int logfd = open(logp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    char *bin = xasprintf("build/sol/%s", l->name);
    char why[512];
    int k = logfd < 0 ? -1 : grade_mutant(c, l->name, bin, logfd, why, sizeof why);
    if (k != 0)
        fprintf(stderr, "mutate: %s: the solution itself fails its tests (%s); see %s\n", l->name,
                k < 0 ? strerror(errno) : why, logp);
    if (logfd >= 0)
        close(logfd);
    free(bin);
    free(logp);
    free(dir);
    return k == 0;
}

/* ---- reports ------------------------------------------------------------- */

/* The lines [first, last] of f, with the mutant applied when m is given. */
static void print_lines(FILE *out, const struct srcfile *f, const struct mutant *m, int first, int last,
                        char mark)
{
    size_t a = f->line_start[first], b = f->line_start[last + 1];
    size_t cut = m ? m->start : b, resume = m ? m->start + m->len : b;
    fputc(mark, out);
    for (size_t p = a; p < b; p++) {
        if (m && p == cut) {
            for (const char *r = m->repl; *r; r++) {
                fputc(*r, out);
                if (*r == '\n')
                    fputc(mark, out);
            }
            p = resume - 1;
            continue;
        }
        fputc(f->text[p], out);
        if (f->text[p] == '\n' && p + 1 < b)
            fputc(mark, out);
    }
    if (b == 0 || f->text[b - 1] != '\n')
        fputc('\n', out);
}

static int line_of(const struct srcfile *f, size_t off)
{
    int ln = 1;
    while (ln < f->nlines && f->line_start[ln + 1] <= off)
        ln++;
    return ln;
}

/* A unified diff of the mutant against the solution, 2 lines of context. */
static void print_diff(FILE *out, const struct lesson *l, const struct mutant *m)
{
    const struct srcfile *f = &l->files[m->file];
    int first = m->line, last = line_of(f, m->start + (m->len ? m->len - 1 : 0));
    int before = first - 2 < 1 ? 1 : first - 2, after = last + 2 > f->nlines - 1 ? f->nlines - 1 : last + 2;
    int newlines = last - first + 1;
    for (const char *r = m->repl; *r; r++)
        newlines += *r == '\n';
    for (size_t p = m->start; p < m->start + m->len; p++)
        newlines -= f->text[p] == '\n';
    fprintf(out, "# %s  (%s:%d, in %s, %s)\n", m->id, f->name, m->line, f->names[m->func], m->op);
    fprintf(out, "--- a/%s\n+++ b/%s\n", f->name, f->name);
    int ctx = (first - before) + (after - last);
    fprintf(out, "@@ -%d,%d +%d,%d @@\n", before, ctx + last - first + 1, before, ctx + newlines);
    if (first > before)
        print_lines(out, f, NULL, before, first - 1, ' ');
    print_lines(out, f, NULL, first, last, '-');
    print_lines(out, f, m, first, last, '+');
    if (after > last)
        print_lines(out, f, NULL, last + 1, after, ' ');
}

/* A field for the CSV: quoted, quotes doubled, newlines folded. */
static void csv_field(FILE *out, const char *s, size_t n)
{
    fputc('"', out);
    for (size_t i = 0; i < n && s[i]; i++)
        if (s[i] == '"')
            fputs("\"\"", out);
        else
            fputc(s[i] == '\n' ? ' ' : s[i], out);
    fputc('"', out);
}

struct counts {
    int generated, stillborn, equivalent, killed, survived, run;
    double score;
};

static struct counts count(const struct lesson *l)
{
    struct counts n = {0};
    for (int k = 0; k < l->nm; k++) {
        const struct mutant *m = &l->m[k];
        if (m->status == S_SKIPPED)
            continue;
        n.generated++;
        if (m->status == S_STILLBORN)
            n.stillborn++;
        else if (m->equivalent && m->status != S_KILLED)
            n.equivalent++;
        else if (m->status == S_KILLED)
            n.killed++;
        else if (m->status == S_SURVIVED)
            n.survived++;
    }
    int denom = n.killed + n.survived;
    n.score = denom ? 100.0 * n.killed / denom : 100.0;
    return n;
}

static void write_reports(const struct lesson *l, const struct config *c)
{
    char *dir = xasprintf("build/mutation/%s", l->name);
    char *p1 = xasprintf("%s/mutants.csv", dir), *p2 = xasprintf("%s/survivors.diff", dir),
         *p3 = xasprintf("%s/report.txt", dir), *p4 = xasprintf("%s/survivors.txt", dir);
    FILE *csv = fopen(p1, "w"), *diff = fopen(p2, "w"), *rep = fopen(p3, "w"), *ids = fopen(p4, "w");
    if (!csv || !diff || !rep || !ids) {
        fprintf(stderr, "mutate: cannot write the reports in %s: %s\n", dir, strerror(errno));
        exit(1);
    }
    fprintf(csv, "id,file,line,function,operator,status,equivalent,seconds,detail,original,mutated\n");
    for (int k = 0; k < l->nm; k++) {
        const struct mutant *m = &l->m[k];
        const struct srcfile *f = &l->files[m->file];
        if (m->status == S_SKIPPED)
            continue;
        fprintf(csv, "%s,%s,%d,%s,%s,%s,%s,%.1f,", m->id, f->name, m->line, f->names[m->func], m->op,
                status_names[m->status], m->equivalent ? "yes" : "no", m->seconds);
        csv_field(csv, m->why ? m->why : "", 300);
        fputc(',', csv);
        csv_field(csv, f->text + m->start, m->len);
        fputc(',', csv);
        csv_field(csv, m->repl, strlen(m->repl));
        fputc('\n', csv);
        if (m->status == S_SURVIVED && !m->equivalent) {
            fprintf(ids, "%s\n", m->id);
            print_diff(diff, l, m);
            fputc('\n', diff);
        }
    }
    struct counts n = count(l);
    fprintf(rep, "Mutation testing of %s (tests: build/tests/%s)\n\n", l->name, l->name);
    if (c->sample > 0)
        fprintf(rep, "A sample of %ld mutants, seed %lu.\n", c->sample, c->seed);
    if (c->only)
        fprintf(rep, "Only the mutants listed in %s: not the lesson's score.\n", c->only);
    fprintf(rep, "generated %d, stillborn %d, equivalent %d, killed %d, survived %d\n", n.generated,
            n.stillborn, n.equivalent, n.killed, n.survived);
    fprintf(rep, "score %.1f%% = killed / (generated - stillborn - equivalent), goal %.0f%%\n\n", n.score,
            GOAL);
    static const char *const ops[] = {"rel",         "arith",       "logic",     "const", "retval", "negate",
                                      "delete-call", "delete-stmt", "swap-args", "flag",  "symbol"};
    for (size_t o = 0; o < sizeof ops / sizeof ops[0]; o++) {
        int surv = 0, all = 0, kill = 0;
        for (int k = 0; k < l->nm; k++) {
            const struct mutant *m = &l->m[k];
            if (strcmp(m->op, ops[o]) != 0 || m->status == S_SKIPPED || m->status == S_STILLBORN ||
                (m->equivalent && m->status != S_KILLED))
                continue;
            all++;
            kill += m->status == S_KILLED;
            surv += m->status == S_SURVIVED;
        }
        if (all == 0)
            continue;
        fprintf(rep, "%-12s %d of %d killed%s\n", ops[o], kill, all, surv ? ", survivors:" : "");
        for (int k = 0; k < l->nm; k++) {
            const struct mutant *m = &l->m[k];
            if (strcmp(m->op, ops[o]) != 0 || m->status != S_SURVIVED || m->equivalent)
                continue;
            const struct srcfile *f = &l->files[m->file];
            fprintf(rep, "  %s:%d in %s  %s\n", f->name, m->line, f->names[m->func], m->id);
            int last = line_of(f, m->start + (m->len ? m->len - 1 : 0));
            print_lines(rep, f, NULL, m->line, last, '-');
            print_lines(rep, f, m, m->line, last, '+');
        }
    }
    bool warned = false;
    for (int k = 0; k < l->nm; k++)
        if (l->m[k].equivalent && l->m[k].status == S_KILLED) {
            if (!warned)
                fprintf(rep, "\nListed as equivalent but killed (remove them from the list):\n");
            warned = true;
            fprintf(rep, "  %s (%s)\n", l->m[k].id, l->m[k].why);
            fprintf(stderr,
                    "mutate: %s is listed as equivalent but was killed by %s: remove it from the list\n",
                    l->m[k].id, l->m[k].why);
        }
    fclose(csv);
    fclose(diff);
    fclose(rep);
    fclose(ids);
    free(p1);
    free(p2);
    free(p3);
    free(p4);
    free(dir);
}

/* Keep a seeded random sample of n of the mutants not listed equivalent. */
static void sample(struct lesson *l, long n, unsigned long seed)
{
    int *idx = xmalloc(sizeof *idx * (size_t)(l->nm + 1)), ni = 0;
    for (int k = 0; k < l->nm; k++) {
        if (!l->m[k].equivalent)
            idx[ni++] = k;
        l->m[k].status = S_SKIPPED;
    }
    unsigned long long x = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    for (int k = ni - 1; k > 0; k--) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        int j = (int)((x >> 33) % (unsigned long long)(k + 1));
        int t = idx[k];
        idx[k] = idx[j];
        idx[j] = t;
    }
    for (int k = 0; k < ni && k < n; k++)
        l->m[idx[k]].status = S_PENDING;
    free(idx);
}

/* Grade only the mutants whose ids the file `path` lists (the first word of
 * each line; blank lines and # comments skipped). 0, or -1 with errno set. */
static int only_listed(struct lesson *l, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    for (int k = 0; k < l->nm; k++)
        l->m[k].status = S_SKIPPED;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        char id[256];
        if (line[0] == '#' || sscanf(line, "%255s", id) != 1)
            continue;
        for (int k = 0; k < l->nm; k++)
            if (strcmp(l->m[k].id, id) == 0)
                l->m[k].status = S_PENDING; /* an equivalent too: is it killed now? */
    }
    fclose(f);
    return 0;
}

/* n bytes of s on one line: each run of whitespace as one space. */
static void print_folded(FILE *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (isspace((unsigned char)s[i])) {
            while (i + 1 < n && isspace((unsigned char)s[i + 1]))
                i++;
            fputc(' ', out);
        } else {
            fputc(s[i], out);
        }
    }
}

static void usage(FILE *to)
{
    fprintf(to,
            "usage: mutate [-j N] [--sample N] [--seed S] [--only FILE] [--strict] [--timeout S] [--list]\n"
            "              [--cc CC] [--cflags FLAGS] [--ldflags FLAGS]\n"
            "              [--program 'LESSON/NAME=SOURCE... [;LIBS]']... LESSON...\n");
}

int main(int argc, char **argv)
{
    struct config c = {.jobs = 2, .timeout = 120, .seed = 1};
    const char *cc = "cc", *cflags = "-std=c17 -Wall -Wextra -Werror -O1 -g", *ldflags = "";
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool takes = strcmp(a, "-j") == 0 || strcmp(a, "--sample") == 0 || strcmp(a, "--seed") == 0 ||
                     strcmp(a, "--only") == 0 || strcmp(a, "--timeout") == 0 || strcmp(a, "--cc") == 0 ||
                     strcmp(a, "--cflags") == 0 || strcmp(a, "--ldflags") == 0 || strcmp(a, "--program") == 0;
        if (takes && !v) {
            usage(stderr);
            return 2;
        }
        if (strcmp(a, "-j") == 0)
            c.jobs = atoi(v) > 0 ? atoi(v) : 1;
        else if (strcmp(a, "--only") == 0)
            c.only = v;
        else if (strcmp(a, "--sample") == 0)
            c.sample = strtol(v, NULL, 10);
        else if (strcmp(a, "--seed") == 0)
            c.seed = strtoul(v, NULL, 10);
        else if (strcmp(a, "--timeout") == 0)
            c.timeout = atoi(v) > 0 ? atoi(v) : 120;
        else if (strcmp(a, "--cc") == 0)
            cc = v;
        else if (strcmp(a, "--cflags") == 0)
            cflags = v;
        else if (strcmp(a, "--ldflags") == 0)
            ldflags = v;
        else if (strcmp(a, "--program") == 0) {
            c.programs = xrealloc(c.programs, sizeof *c.programs * (size_t)(c.nprograms + 1));
            if (parse_program(v, &c.programs[c.nprograms++]) == -1) {
                fprintf(stderr, "mutate: --program '%s': expected 'LESSON/NAME=SOURCE.c... [;LIBS]'\n", v);
                return 2;
            }
        } else if (strcmp(a, "--strict") == 0)
            c.strict = true;
        else if (strcmp(a, "--list") == 0)
            c.list = true;
        else if (strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
        } else {
            usage(stderr);
            return 2;
        }
        i += takes;
    }
    if (i == argc) {
        usage(stderr);
        return 2;
    }
    mut_split_words(cc, &c.cc, &c.ncc);
    mut_split_words(cflags, &c.cc, &c.ncc);
    mut_split_words(cc, &c.ld, &c.nld);
    mut_split_words(ldflags, &c.ld, &c.nld);
    signal(SIGPIPE, SIG_IGN);

    int nl = argc - i, failed = 0;
    struct lesson *ls = xmalloc(sizeof *ls * (size_t)nl);
    for (int k = 0; k < nl; k++) {
        ls[k].name = argv[i + k];
        if (load_lesson(&ls[k]) != 0)
            return 1;
        load_equivalents(&ls[k]);
        if (c.list) {
            for (int j = 0; j < ls[k].nm; j++) {
                const struct mutant *m = &ls[k].m[j];
                const struct srcfile *f = &ls[k].files[m->file];
                printf("%s\t%s:%d\t", m->id, f->name, m->line);
                print_folded(stdout, f->text + m->start, m->len);
                fputs(" -> ", stdout);
                print_folded(stdout, m->repl, strlen(m->repl));
                puts(m->equivalent ? "\t(equivalent)" : "");
            }
            continue;
        }
        if (c.sample > 0)
            sample(&ls[k], c.sample, c.seed);
        if (c.only && only_listed(&ls[k], c.only) != 0) {
            fprintf(stderr, "mutate: --only %s: %s\n", c.only, strerror(errno));
            return 2;
        }
        char *dir = xasprintf("build/mutation/%s/work", ls[k].name);
        clear_work(dir);
        mut_mkdirs(dir);
        free(dir);
        if (!baseline(&c, &ls[k])) {
            failed = 1;
            continue;
        }
        double t0 = mut_now();
        run_all(&c, &ls[k]);
        write_reports(&ls[k], &c);
        struct counts n = count(&ls[k]);
        fprintf(stderr, "  %s: %d mutants graded in %.0f s\n", ls[k].name, n.generated, mut_now() - t0);
    }
    if (c.list)
        return 0;
    printf("\n%-22s %9s %9s %10s %6s %8s %6s\n", "lesson", "generated", "stillborn", "equivalent", "killed",
           "survived", "score");
    for (int k = 0; k < nl; k++) {
        struct counts n = count(&ls[k]);
        if (n.generated == 0)
            continue;
        bool low = n.score < GOAL;
        printf("%-22s %9d %9d %10d %6d %8d %5.1f%%%s\n", ls[k].name, n.generated, n.stillborn, n.equivalent,
               n.killed, n.survived, n.score, low ? "  (under 90%)" : "");
        if (low && c.strict)
            failed = 1;
    }
    printf("\nSurvivors: build/mutation/LESSON/survivors.diff (report.txt groups them by operator).\n");
    return failed;
}
