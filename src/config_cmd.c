// SPDX-License-Identifier: MIT
// Splitting a `command =` value into argv: sh-like words (quotes and backslashes, no
// expansion) into the service's fixed argv buffer, or sh -c when shell = yes.
#include <errno.h>
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

// The words of sc->command, as sh would split them without expanding anything.
static const char *split_words(struct svc_config *sc)
{
    const char *p = sc->command;
    size_t len = 0;
    int argc = 0;
    for (;;) {
        while (is_space(*p)) {
            p++;
        }
        if (*p == '\0') {
            break;
        }
        if (argc == (int)COMMAND_ARGV_MAX) {
            return "too many words";
        }
        sc->argv[argc] = sc->argv_buf + len;
        const char *why = split_word(&p, sc->argv_buf, sizeof(sc->argv_buf), &len);
        if (why) {
            return why;
        }
        argc++;
    }
    sc->argv[argc] = NULL;
    sc->argc = argc;
    return NULL;
}

// argv = {"/bin/sh", "-c", command}, all three copied into argv_buf.
static const char *split_shell(struct svc_config *sc)
{
    char *buf = sc->argv_buf;
    // The NULs written by %c end "/bin/sh" (8 bytes) and "-c" (3 bytes).
    int n = snprintf(buf, sizeof(sc->argv_buf), "/bin/sh%c-c%c%s", '\0', '\0', sc->command);
    if (n < 0 || (size_t)n >= sizeof(sc->argv_buf)) {
        return "too long";
    }
    sc->argv[0] = buf;
    sc->argv[1] = buf + 8;
    sc->argv[2] = buf + 11;
    sc->argv[3] = NULL;
    sc->argc = 3;
    return NULL;
}

int config_split_command(struct svc_config *sc, struct errbuf *eb)
{
    const char *why = "empty";
    sc->argc = 0;
    sc->argv[0] = NULL;
    if (strnlen(sc->command, sizeof(sc->command)) == sizeof(sc->command)) {
        why = "not NUL-terminated";
    } else if (sc->command[strspn(sc->command, SPACE_CHARS)] != '\0') {
        why = sc->shell ? split_shell(sc) : split_words(sc);
    }
    if (!why) {
        return 0;
    }
    sc->argc = 0;
    sc->argv[0] = NULL;
    char q[UNITS_QUOTE_BYTES];
    units_quote(sc->command, sizeof(sc->command), q, sizeof(q));
    return errbuf_set(
            eb,
            "invalid command %s (%s): expected at most %u words separated by spaces, quoted "
            "with '...' or \"...\", \\ escapes the next character (no $ or glob expansion); "
            "or set shell = yes",
            q, why, COMMAND_ARGV_MAX);
}
