// SPDX-License-Identifier: MIT
// Splitting a `command =` value into argv: sh-like words (quotes and backslashes, no
// expansion), or sh -c when shell = yes; the result is copied to the config's arena.
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "units.h"

#define SPACE_CHARS " \t\n\r\v\f" // sh's word separators, as isspace() in C

// isspace() without the locale: the bytes sh splits words on.
static bool is_space(char c)
{
    return c != '\0' && strchr(SPACE_CHARS, c);
}

/* Copy one word starting at *pp into buf at *len, unquoted, with its NUL. Returns NULL or
 * the reason the command is bad; *pp ends on the space or NUL after the word. */
static const char *split_word(const char **pp, char *buf, size_t cap, size_t *len)
{
    const char *p = *pp;
    char quote = 0;
    while (*p != '\0' && (quote || !is_space(*p))) {
        if (*len + 1 >= cap) {
            return "too long"; // keeps room for this byte and the NUL
        }
        if (quote ? *p == quote : (*p == '\'' || *p == '"')) {
            quote = (char)(quote ? 0 : *p); // open, or close the open one
            p++;
            continue;
        }
        // Outside quotes \ escapes anything; inside "..." only \" \\ \$ \`; inside '...' none.
        bool esc = *p == '\\' &&
                   (quote == 0 || (quote == '"' && p[1] != '\0' && strchr("\"\\$`", p[1])));
        if (esc && p[1] == '\0') {
            return "trailing backslash";
        }
        p += esc;
        buf[(*len)++] = *p++;
    }
    if (quote) {
        return quote == '\'' ? "unterminated single quote" : "unterminated double quote";
    }
    if (*len >= cap) {
        return "too long";
    }
    buf[(*len)++] = '\0';
    *pp = p;
    return NULL;
}

void *config_arena_alloc(struct config_arena *a, size_t n)
{
    size_t at = (a->used + sizeof(char *) - 1) & ~(sizeof(char *) - 1);
    if (at > sizeof(a->buf) || n > sizeof(a->buf) - at) {
        return NULL;
    }
    a->used = at + n;
    return a->buf + at;
}

// The split words before they go to the arena.
struct words {
    char buf[COMMAND_BYTES_MAX + 16];
    size_t off[COMMAND_ARGV_MAX];
    size_t len;
    int argc;
};

// The words of command, as sh would split them without expanding anything.
static const char *split_words(const char *command, struct words *w)
{
    const char *p = command;
    for (;;) {
        while (is_space(*p)) {
            p++;
        }
        if (*p == '\0') {
            break;
        }
        if (w->argc == (int)COMMAND_ARGV_MAX) {
            return "too many words";
        }
        w->off[w->argc] = w->len;
        const char *why = split_word(&p, w->buf, sizeof(w->buf), &w->len);
        if (why) {
            return why;
        }
        w->argc++;
    }
    return NULL;
}

// argv = {"/bin/sh", "-c", command}.
static const char *split_shell(const char *command, struct words *w)
{
    // The NULs written by %c end "/bin/sh" (8 bytes) and "-c" (3 bytes).
    int n = snprintf(w->buf, sizeof(w->buf), "/bin/sh%c-c%c%s", '\0', '\0', command);
    if (n < 0 || (size_t)n >= sizeof(w->buf)) {
        return "too long";
    }
    w->off[0] = 0;
    w->off[1] = 8;
    w->off[2] = 11;
    w->len = (size_t)n + 1;
    w->argc = 3;
    return NULL;
}

// sc->argv from w, in the arena. NULL or why not.
static const char *store_words(struct config_arena *a, struct svc_config *sc, const struct words *w)
{
    char **argv = config_arena_alloc(a, (size_t)(w->argc + 1) * sizeof(char *));
    char *buf = argv ? config_arena_alloc(a, w->len) : NULL;
    if (!buf) {
        return "no room left for commands in this config";
    }
    memcpy(buf, w->buf, w->len);
    for (int i = 0; i < w->argc; i++) {
        argv[i] = buf + w->off[i];
    }
    argv[w->argc] = NULL;
    sc->argv = argv;
    sc->argc = w->argc;
    return NULL;
}

static char *const no_argv[] = {NULL};

int config_split_command(struct config_arena *a, struct svc_config *sc, struct errbuf *eb)
{
    struct words w; // 1.6 kB of stack, reused after: a static would stay resident
    const char *why = "empty";
    const char *command = sc->command ? sc->command : "";
    sc->argc = 0;
    sc->argv = (char **)(uintptr_t)no_argv;
    w.len = 0;
    w.argc = 0;
    if (strnlen(command, COMMAND_BYTES_MAX) == COMMAND_BYTES_MAX) {
        why = "too long";
    } else if (command[strspn(command, SPACE_CHARS)] != '\0') {
        why = sc->shell ? split_shell(command, &w) : split_words(command, &w);
        why = why ? why : store_words(a, sc, &w);
    }
    if (!why) {
        return 0;
    }
    sc->argc = 0;
    sc->argv = (char **)(uintptr_t)no_argv;
    char q[UNITS_QUOTE_BYTES];
    units_quote(command, COMMAND_BYTES_MAX, q, sizeof(q));
    return errbuf_set(
            eb,
            "invalid command %s (%s): expected at most %u words separated by spaces, quoted "
            "with '...' or \"...\", \\ escapes the next character (no $ or glob expansion); "
            "or set shell = yes",
            q, why, COMMAND_ARGV_MAX);
}

int config_set_command(struct config_arena *a, struct svc_config *sc, const char *value,
                       struct errbuf *eb)
{
    size_t n = strlen(value);
    char *copy = n && n < COMMAND_BYTES_MAX ? config_arena_alloc(a, n + 1) : NULL;
    if (!copy) {
        char q[UNITS_QUOTE_BYTES];
        units_quote(value, SIZE_MAX, q, sizeof(q));
        return errbuf_set(eb, "invalid command %s (%s): expected %s", q,
                          n == 0                   ? "empty"
                          : n >= COMMAND_BYTES_MAX ? "too long"
                                                   : "no room left for commands in this config",
                          "a program and its arguments, at most 1023 bytes (e.g. /usr/bin/api -v)");
    }
    memcpy(copy, value, n + 1);
    sc->command = copy;
    return 0;
}

int config_set_argv(struct config_arena *a, struct svc_config *sc, int argc, char *const *argv)
{
    struct words w;
    char display[COMMAND_BYTES_MAX];
    if (argc < 1 || argc > (int)COMMAND_ARGV_MAX) {
        return -E2BIG;
    }
    w.len = 0;
    w.argc = argc;
    size_t dlen = 0;
    for (int i = 0; i < argc; i++) {
        size_t len = strlen(argv[i]) + 1;
        if (len > COMMAND_BYTES_MAX - w.len) {
            return -E2BIG;
        }
        w.off[i] = w.len;
        memcpy(w.buf + w.len, argv[i], len);
        w.len += len;
        int n = snprintf(display + dlen, sizeof(display) - dlen, "%s%s", i ? " " : "", argv[i]);
        dlen = (n > 0 && dlen + (size_t)n < sizeof(display)) ? dlen + (size_t)n : dlen;
    }
    char *cmd = config_arena_alloc(a, dlen + 1);
    if (!cmd || store_words(a, sc, &w)) {
        return -E2BIG;
    }
    memcpy(cmd, display, dlen + 1);
    sc->command = cmd;
    return 0;
}
