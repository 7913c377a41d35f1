// SPDX-License-Identifier: MIT
// Loads the INI config with libinih into fixed-size storage and validates it whole: every
// problem is collected with its file and line, so one run shows every mistake at once.
#include "config.h"

#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ini.h>

#include "config_int.h"
#include "logfile.h"
#include "units.h"

/* libinih 55 as built by Debian takes its options from globals (ini_max_line, ...) instead
 * of compile-time macros, and reads lines into a 200-byte buffer by default. A longer line
 * is not an error there: its rest comes back as the next "lines", and section names are cut
 * at 49 bytes. So the reader below does the line work itself: it counts lines (the handler
 * gets no line number), refuses long lines and NUL bytes, and parses section headers in
 * full. inih is left to split "key = value" and strip comments. */
#define CONFIG_FILE_BYTES_MAX (1u << 20) // larger is a mistake (/dev/zero); TODO: bounds.h
#define NAME_CHARS            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-"
#define KEY_LIST_BYTES        256u // "command, user, ..." for unknown-key messages

struct load_ctx {
    struct warden_config *cfg;
    FILE *f;
    struct errbuf *errs;
    unsigned errs_max;
    unsigned nerrs;
    int lineno;       // line last handed to inih
    int pending_line; // a "key = value" line the handler has not seen yet, or 0
    bool pending_handled;
    char pending_text[UNITS_QUOTE_BYTES];
    int read_errno;
    size_t bytes_read;
    bool too_big;
    enum section_kind sect;
    struct svc_config *svc;    // the current [service], when sect is SECT_SERVICE
    int warden_line;           // line of the [warden] header, 0 before it
    int host_line;             // line of the [host] header, 0 before it
    int seen[CONFIG_KEYS_MAX]; // line where each key was set in this section, 0 when unset
    int command_line;          // line of this service's command, 0 when unset
};

static void __attribute__((format(printf, 3, 4)))
add_error(struct load_ctx *ctx, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (ctx->nerrs < ctx->errs_max) {
        struct errbuf *eb = &ctx->errs[ctx->nerrs];
        // NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized): clang-tidy 14 multi-file bug
        (void)vsnprintf(eb->msg, sizeof(eb->msg), fmt, ap); // cut long messages, never overflow
        eb->file = ctx->cfg->file;
        eb->line = line;
    }
    va_end(ap);
    if (ctx->nerrs < UINT_MAX) {
        ctx->nerrs++;
    }
}

void config_service_defaults(struct svc_config *sc)
{
    static char *const no_argv[] = {NULL};
    memset(sc, 0, sizeof(*sc));
    sc->command = "";
    sc->argv = (char **)(uintptr_t)no_argv;
    sc->priority = 100;
    sc->restart = RESTART_ON_FAILURE;
    sc->backoff_min_ms = 1000;    // 1s
    sc->backoff_max_ms = 300000;  // 5m
    sc->stable_after_ms = 600000; // 10m
    sc->drain_ms = 30000;         // 30s
    sc->start_timeout_ms = 60000; // 1m
    sc->log_max_bytes = LOGFILE_DEFAULT_BYTES;
    sc->log_max_count = LOGFILE_DEFAULT_COUNT;
    sc->log_rate_lines = LOGFILE_RATE_LINES;
    sc->log_rate_bytes = LOGFILE_RATE_BYTES;
}

void config_defaults(struct warden_config *cfg)
{
    // Literals shorter than the arrays: the copies cannot be cut.
    (void)snprintf(cfg->state_dir, sizeof(cfg->state_dir), "%s", "/var/lib/warden");
    (void)snprintf(cfg->socket, sizeof(cfg->socket), "%s", "/run/warden.sock");
    cfg->file[0] = '\0';
    cfg->service_count = 0;
}

// Everything back to defaults except the caller's host_memory_bytes.
// Zero everything but the service table: a service slot is reset when its section
// starts. Zeroing all SERVICES_MAX slots would make ~180 kB resident for nothing (measured
// by bench/run.sh rss).
static void config_reset(struct warden_config *cfg)
{
    // The header is three WARDEN_PATH_MAX strings: config_defaults sets each, so no memset (it
    // would make all 12 KiB resident).
    config_defaults(cfg);
    cfg->arena.used = 0; // its bytes are not cleared: only what a load writes is touched
}

// config_check_name on the first len bytes of name.
static int check_name_n(const char *name, size_t len, struct errbuf *eb)
{
    const char *why = NULL;
    if (len == 0) {
        why = "empty";
    } else if (len >= SERVICE_NAME_MAX) {
        why = "too long";
    } else if (name[0] == '.' || name[0] == '-') {
        why = "starts with '.' or '-'";
    }
    for (size_t i = 0; !why && i < len; i++) {
        if (name[i] == '\0' || !strchr(NAME_CHARS, name[i])) {
            why = "bad character";
        } else if (name[i] == '.' && i + 1 < len && name[i + 1] == '.') {
            why = "contains \"..\"";
        }
    }
    if (!why) {
        return 0;
    }
    char q[UNITS_QUOTE_BYTES];
    units_quote(name, len, q, sizeof(q));
    return errbuf_set(eb,
                      "invalid service name %s (%s): expected 1 to %u of A-Z a-z 0-9 _ . -, not "
                      "starting with '.' or '-', without \"..\" (e.g. api, web-1)",
                      q, why, SERVICE_NAME_MAX - 1);
}

int config_check_name(const char *name, struct errbuf *eb)
{
    return check_name_n(name ? name : "", name ? strnlen(name, SERVICE_NAME_MAX) : 0, eb);
}

struct svc_config *config_find(struct warden_config *cfg, const char *name)
{
    for (unsigned i = 0; name && i < cfg->service_count && i < SERVICES_MAX; i++) {
        if (strcmp(cfg->services[i].name, name) == 0) {
            return &cfg->services[i];
        }
    }
    return NULL;
}

// "key = value" in a [warden] or [service] section.
static void section_key(struct load_ctx *ctx, const char *name, const char *value)
{
    char label[SERVICE_NAME_MAX + 16];
    char list[KEY_LIST_BYTES];
    size_t used = 0;
    // Fits: a service name is shorter than SERVICE_NAME_MAX.
    (void)snprintf(label, sizeof(label), ctx->sect == SECT_SERVICE ? "[service %s]" : "%s",
                   ctx->sect == SECT_SERVICE ? ctx->svc->name
                                             : (ctx->sect == SECT_HOST ? "[host]" : "[warden]"));
    for (size_t k = 0; k < config_key_count; k++) {
        if (config_keys[k].sect != ctx->sect) {
            continue;
        }
        if (strcmp(name, config_keys[k].name) != 0) {
            int n = snprintf(list + used, sizeof(list) - used, "%s%s", used ? ", " : "",
                             config_keys[k].name);
            used = n > 0 && (size_t)n < sizeof(list) - used ? used + (size_t)n : used;
            continue;
        }
        if (ctx->seen[k] && config_keys[k].kind != VAL_LISTEN) { // listen is repeatable
            add_error(ctx, ctx->lineno, "%s %s: set twice (first on line %d)", label, name,
                      ctx->seen[k]);
            return;
        }
        ctx->seen[k] = ctx->lineno;
        ctx->command_line = config_keys[k].kind == VAL_COMMAND ? ctx->lineno : ctx->command_line;
        struct errbuf eb = {{0}, NULL, 0};
        if (config_set_value(ctx->cfg, ctx->svc, &config_keys[k], value, &eb) != 0) {
            add_error(ctx, ctx->lineno, "%s %s: %s", label, name, eb.msg);
        }
        return;
    }
    char q[UNITS_QUOTE_BYTES];
    units_quote(name, SIZE_MAX, q, sizeof(q));
    add_error(ctx, ctx->lineno, "%s unknown key %s: expected one of %s", label, q, list);
}

// inih calls this for each "key = value"; the section is ours (inih's is cut at 49 bytes).
static int config_handler(void *user, const char *section, const char *name, const char *value)
{
    struct load_ctx *ctx = user;
    (void)section;
    if (ctx->pending_line == ctx->lineno) {
        ctx->pending_handled = true;
    }
    if (!name || !value || ctx->sect == SECT_IGNORED) {
        return 1;
    }
    if (ctx->sect == SECT_NONE) {
        char q[UNITS_QUOTE_BYTES];
        units_quote(name, SIZE_MAX, q, sizeof(q));
        add_error(ctx, ctx->lineno,
                  "key %s outside any section: expected it under [warden] or [service NAME]", q);
        return 1;
    }
    section_key(ctx, name, value);
    return 1; // errors are collected in ctx; inih's own count is for syntax only
}

static int seen_line(const struct load_ctx *ctx, const char *key)
{
    for (size_t k = 0; k < config_key_count; k++) {
        if (strcmp(config_keys[k].name, key) == 0) {
            return ctx->seen[k];
        }
    }
    return 0;
}

// Thresholds that contradict each other: lo must stay below hi (or at most hi when
// or_equal), when both are set (a set threshold is never 0: each key's minimum is at least
// 1). Reported on lo, naming hi and where it was set.
static unsigned check_order(const struct config_origin *o, const char *lo, uint64_t lo_v,
                            const char *hi, uint64_t hi_v, bool or_equal)
{
    if (!lo_v || !hi_v || lo_v < hi_v || (or_equal && lo_v == hi_v)) {
        return 0;
    }
    char where[128] = "";
    o->where(o->ctx, hi, where, sizeof(where));
    char reason[sizeof(((struct errbuf *)0)->msg)];
    (void)snprintf(reason, sizeof(reason), "%llu must be %s %s (%llu%s%s), or it can never fire",
                   (unsigned long long)lo_v, or_equal ? "at most" : "below", hi,
                   (unsigned long long)hi_v, where[0] ? ", " : "", where);
    o->report(o->ctx, lo, reason);
    return 1;
}

unsigned config_check_service(const struct svc_config *sc, const struct config_origin *o)
{
    unsigned n = 0;
    n += check_order(o, "memory_restart", sc->memory_restart_bytes, "memory_max",
                     sc->memory_max_bytes, false);
    n += check_order(o, "memory_high", sc->memory_high_bytes, "memory_max", sc->memory_max_bytes,
                     false);
    n += check_order(o, "pids_warn", sc->pids_warn, "pids_max", sc->pids_max, false);
    n += check_order(o, "pids_warn", sc->pids_warn, "pids_kill", sc->pids_kill, false);
    n += check_order(o, "pids_kill", sc->pids_kill, "pids_max", sc->pids_max, true);
    if (sc->ready == READY_TCP || sc->ready == READY_HTTP) {
        bool tcp = false;
        for (unsigned i = 0; i < sc->listen_count; i++) {
            tcp = tcp || strncmp(sc->listen[i], "tcp:", 4) == 0;
        }
        if (!tcp) {
            char reason[128];
            (void)snprintf(reason, sizeof(reason),
                           "%s probes the service's listening socket: add listen = "
                           "tcp:HOST:PORT, or use ready = notify",
                           sc->ready == READY_TCP ? "tcp" : "http");
            o->report(o->ctx, "ready", reason);
            n++;
        }
    }
    return n;
}

// config_check_service's view of a config file: a key is named by the line that set it.
static void file_where(void *ctx, const char *key, char *buf, size_t size)
{
    int line = seen_line(ctx, key);
    if (line) {
        (void)snprintf(buf, size, "line %d", line);
    }
}

static void file_report(void *ctx, const char *key, const char *reason)
{
    struct load_ctx *lctx = ctx;
    add_error(lctx, seen_line(lctx, key), "[service %s] %s: %s", lctx->svc->name, key, reason);
}

static void check_thresholds(struct load_ctx *ctx)
{
    const struct config_origin o = {file_where, file_report, ctx};
    (void)config_check_service(ctx->svc, &o);
}

// At the end of a [service] section: it needs a command, split now that `shell` is known.
static void finish_service(struct load_ctx *ctx)
{
    struct svc_config *sc = ctx->svc;
    if (ctx->sect != SECT_SERVICE) {
        return;
    }
    check_thresholds(ctx);
    if (!ctx->command_line) {
        add_error(ctx, sc->line,
                  "[service %s]: missing required key \"command\" (e.g. command = "
                  "/usr/bin/api --port 8080)",
                  sc->name);
        return;
    }
    if (sc->command[0] == '\0') {
        return; // its bad value is reported already
    }
    struct errbuf eb = {{0}, NULL, 0};
    if (config_split_command(&ctx->cfg->arena, sc, &eb) != 0) {
        add_error(ctx, ctx->command_line, "[service %s] command: %s", sc->name, eb.msg);
    }
}

// "[service NAME]" with NAME = [name, name + len).
static void service_header(struct load_ctx *ctx, const char *name, size_t len)
{
    struct warden_config *cfg = ctx->cfg;
    struct errbuf eb = {{0}, NULL, 0};
    char q[UNITS_QUOTE_BYTES];
    if (check_name_n(name, len, &eb) != 0) {
        add_error(ctx, ctx->lineno, "[service NAME]: %s", eb.msg);
        return;
    }
    units_quote(name, len, q, sizeof(q));
    for (unsigned i = 0; i < cfg->service_count; i++) {
        if (strlen(cfg->services[i].name) == len && memcmp(cfg->services[i].name, name, len) == 0) {
            add_error(ctx, ctx->lineno, "duplicate service %s: first defined on line %d", q,
                      cfg->services[i].line);
            return;
        }
    }
    if (cfg->service_count >= SERVICES_MAX) {
        add_error(ctx, ctx->lineno, "too many services: %s would be number %u, at most %u", q,
                  cfg->service_count + 1, SERVICES_MAX);
        return;
    }
    ctx->svc = &cfg->services[cfg->service_count++];
    config_service_defaults(ctx->svc);
    memcpy(ctx->svc->name, name, len); // len < SERVICE_NAME_MAX: checked above
    ctx->svc->name[len] = '\0';
    ctx->svc->line = ctx->lineno;
    ctx->sect = SECT_SERVICE;
}

// The header's text between [ and ], trimmed: [warden] or [service NAME].
static void section_start(struct load_ctx *ctx, const char *a, const char *end)
{
    while (a < end && isspace((unsigned char)*a)) {
        a++;
    }
    while (end > a && isspace((unsigned char)end[-1])) {
        end--;
    }
    size_t len = (size_t)(end - a);
    if (len == 6 && memcmp(a, "warden", 6) == 0) {
        if (ctx->warden_line) {
            add_error(ctx, ctx->lineno, "[warden] repeated: first on line %d", ctx->warden_line);
            return;
        }
        ctx->warden_line = ctx->lineno;
        ctx->sect = SECT_WARDEN;
        return;
    }
    if (len == 4 && memcmp(a, "host", 4) == 0) {
        if (ctx->host_line) {
            add_error(ctx, ctx->lineno, "[host] repeated: first on line %d", ctx->host_line);
            return;
        }
        ctx->host_line = ctx->lineno;
        ctx->sect = SECT_HOST;
        memset(ctx->seen, 0, sizeof(ctx->seen));
        return;
    }
    if (len >= 7 && memcmp(a, "service", 7) == 0 && (len == 7 || isspace((unsigned char)a[7]))) {
        a += 7;
        while (a < end && isspace((unsigned char)*a)) {
            a++;
        }
        service_header(ctx, a, (size_t)(end - a));
        return;
    }
    char q[UNITS_QUOTE_BYTES];
    units_quote(a, len, q, sizeof(q));
    add_error(ctx, ctx->lineno, "unknown section %s: expected [warden], [host] or [service NAME]",
              q);
}

// Where inih's find_chars_or_comment(s, "]") stops: ']', " ;" (a comment) or the end.
static const char *find_close(const char *s)
{
    bool was_space = false;
    while (*s != '\0' && *s != ']' && !(was_space && *s == ';')) {
        was_space = isspace((unsigned char)*s);
        s++;
    }
    return s;
}

// A line starting with '['; p points at it. Ends the previous section.
static void section_line(struct load_ctx *ctx, const char *p)
{
    const char *end = find_close(p + 1);
    char q[UNITS_QUOTE_BYTES];
    finish_service(ctx);
    ctx->sect = SECT_IGNORED;
    ctx->svc = NULL;
    ctx->command_line = 0;
    memset(ctx->seen, 0, sizeof(ctx->seen));
    if (*end != ']') {
        units_quote(p, SIZE_MAX, q, sizeof(q));
        add_error(
                ctx, ctx->lineno,
                "section header %s has no closing ']': expected [warden], [host] or [service NAME]",
                q);
        return;
    }
    const char *rest = end + 1;
    while (isspace((unsigned char)*rest)) {
        rest++;
    }
    if (*rest != '\0' && *rest != ';' && *rest != '#') {
        units_quote(rest, SIZE_MAX, q, sizeof(q));
        add_error(ctx, ctx->lineno, "unexpected text %s after ']': expected a comment or nothing",
                  q);
    }
    section_start(ctx, p + 1, end);
}

// The line before the current one looked like "key = value" but inih did not take it.
static void finish_pending(struct load_ctx *ctx)
{
    if (ctx->pending_line && !ctx->pending_handled) {
        add_error(ctx, ctx->pending_line,
                  "unexpected line %s: expected \"key = value\", a [section] header or a comment",
                  ctx->pending_text);
    }
    ctx->pending_line = 0;
}

/* INI reads " ;" as the start of a comment, even inside quotes, so
 * `command = sh -c 'a ; b'` would silently lose "; b'". Refuse it with the fix instead. */
static void check_command_comment(struct load_ctx *ctx, const char *p)
{
    size_t klen = strcspn(p, "= \t");
    const char *eq = strchr(p, '=');
    if (klen != 7 || strncmp(p, "command", 7) != 0 || !eq) {
        return;
    }
    for (const char *q = eq + 1; *q; q++) {
        if (*q == ';' && q > eq + 1 && isspace((unsigned char)q[-1])) {
            add_error(ctx, ctx->lineno,
                      "command: \" ;\" starts an INI comment, even inside quotes, and would cut "
                      "the command: write \";\" without a space before it");
            return;
        }
    }
}

// What the line in str is: comment, section header (handled here) or "key = value".
static void classify_line(struct load_ctx *ctx, const char *str)
{
    const char *p = str;
    if (ctx->lineno == 1 && strncmp(p, "\xEF\xBB\xBF", 3) == 0) {
        p += 3; // UTF-8 BOM, skipped by inih too (ini_allow_bom)
    }
    while (isspace((unsigned char)*p)) {
        p++;
    }
    if (*p == '\0' || *p == ';' || *p == '#') {
        return;
    }
    if (*p == '[') {
        section_line(ctx, p);
        return;
    }
    ctx->pending_line = ctx->lineno;
    ctx->pending_handled = false;
    units_quote(p, SIZE_MAX, ctx->pending_text, sizeof(ctx->pending_text));
    check_command_comment(ctx, p);
}

/* inih's fgets: one line into str (num bytes, from ini_max_line), without its newline.
 * A line that does not fit, or holds a NUL byte, is reported and handed on as empty. */
static char *config_reader(char *str, int num, void *stream)
{
    struct load_ctx *ctx = stream;
    finish_pending(ctx);
    if (ctx->too_big || num < 2) {
        return NULL;
    }
    size_t cap = (size_t)num - 1; // bytes of text that fit with the NUL
    size_t n = 0;
    bool nul = false;
    int c;
    while ((c = getc(ctx->f)) != EOF) {
        if (++ctx->bytes_read > CONFIG_FILE_BYTES_MAX) {
            add_error(ctx, ctx->lineno + 1, "file is larger than %u bytes", CONFIG_FILE_BYTES_MAX);
            ctx->too_big = true;
            return NULL;
        }
        if (c == '\n') {
            break;
        }
        nul |= c == '\0';
        if (n < cap) {
            str[n] = (char)c;
        }
        n++;
    }
    if (c == EOF && ferror(ctx->f)) {
        ctx->read_errno = errno ? errno : EIO;
        return NULL;
    }
    if (c == EOF && n == 0) {
        return NULL; // end of file (a last line without '\n' is still a line)
    }
    ctx->lineno++;
    str[n > cap ? 0 : n] = '\0';
    if (nul) {
        str[0] = '\0';
        add_error(ctx, ctx->lineno, "line holds a NUL byte: expected text");
    } else if (n > cap) {
        add_error(ctx, ctx->lineno, "line is longer than %zu bytes", cap);
    } else {
        classify_line(ctx, str);
    }
    return str; // a refused line goes on as "" (a blank line to inih)
}

/* inih's options are process-wide; warden has no other inih user, so they are set before
 * each parse and left so. The stack line buffer is CONFIG_LINE_MAX bytes (a VLA inside
 * ini_parse_stream). No multi-line values: an indented line would silently extend the
 * previous value. The comment prefixes are the ones classify_line and find_close assume. */
static void ini_configure(void)
{
    static char start_prefixes[] = ";#";
    static char inline_prefixes[] = ";";
    ini_max_line = (int)CONFIG_LINE_MAX;
    ini_use_stack = true;
    ini_allow_multiline = false;
    ini_allow_inline_comments = true;
    ini_stop_on_first_error = false;
    ini_allow_no_value = false;
    ini_allow_bom = true;
    ini_start_comment_prefixes = start_prefixes;
    ini_inline_comment_prefixes = inline_prefixes;
}

static int parse_stream(struct load_ctx *ctx)
{
    ini_configure();
    int rc = ini_parse_stream(config_reader, ctx, config_handler, ctx);
    finish_pending(ctx);
    finish_service(ctx);
    if (ctx->read_errno) {
        add_error(ctx, ctx->lineno + 1, "unable to read the file: %s", strerror(ctx->read_errno));
        return -ctx->read_errno;
    }
    if (rc == -2) {
        add_error(ctx, 0, "unable to parse the file: out of memory");
        return -ENOMEM;
    }
    if (rc > 0 && ctx->nerrs == 0) {
        add_error(ctx, rc, "syntax error"); // inih saw something the reader did not
    }
    return 0;
}

int config_load_stream(struct warden_config *cfg, FILE *f, const char *name, struct errbuf *errs,
                       unsigned errs_max, unsigned *nerrs)
{
    struct load_ctx ctx;
    config_reset(cfg);
    memset(&ctx, 0, sizeof(ctx));
    ctx.cfg = cfg;
    ctx.f = f;
    ctx.errs = errs;
    ctx.errs_max = errs ? errs_max : 0;
    int n = snprintf(cfg->file, sizeof(cfg->file), "%s", name ? name : "");
    if (n < 0 || (size_t)n >= sizeof(cfg->file)) {
        cfg->file[0] = '\0';
        add_error(&ctx, 0, "config file name is longer than %u bytes", WARDEN_PATH_MAX - 1);
        *nerrs = ctx.nerrs;
        return -ENAMETOOLONG;
    }
    int rc = parse_stream(&ctx);
    *nerrs = ctx.nerrs;
    if (rc != 0) {
        return rc;
    }
    return ctx.nerrs ? -EINVAL : 0;
}

// Open a config file without ever blocking (a FIFO's open(2) waits for a writer: a reload
// froze the whole loop, `warden check` hung), and read only a regular file. NULL with errno
// set, and *what the words for it.
static FILE *open_regular(const char *path, const char **what)
{
    *what = NULL;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    struct stat st = {0};
    if (fd < 0) {
        return NULL;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        int e = errno;
        *what = S_ISFIFO(st.st_mode)  ? "not a regular file (a FIFO)"
                : S_ISDIR(st.st_mode) ? "not a regular file (a directory)"
                                      : "not a regular file (a device or socket)";
        (void)close(fd);
        errno = S_ISREG(st.st_mode) ? e : S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
        return NULL;
    }
    int flags = fcntl(fd, F_GETFL);
    (void)fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    FILE *f = fdopen(fd, "r");
    if (!f) {
        int e = errno;
        (void)close(fd);
        errno = e;
    }
    return f;
}

int config_load(struct warden_config *cfg, const char *path, struct errbuf *errs, unsigned errs_max,
                unsigned *nerrs)
{
    const char *what;
    FILE *f = open_regular(path, &what);
    if (!f) {
        int e = errno;
        config_reset(cfg);
        (void)snprintf(cfg->file, sizeof(cfg->file), "%s", path); // a cut name only in messages
        *nerrs = 1;
        if (errs && errs_max > 0) {
            (void)errbuf_set(&errs[0], "unable to open the file: %s", what ? what : strerror(e));
            errs[0].file = cfg->file;
            errs[0].line = 0;
        }
        return -e;
    }
    int rc = config_load_stream(cfg, f, path, errs, errs_max, nerrs);
    (void)fclose(f); // read-only: nothing to lose on close
    return rc;
}

static bool str_eq(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

bool config_listen_differs(const struct svc_config *a, const struct svc_config *b)
{
    if (a->listen_count != b->listen_count) {
        return true;
    }
    for (unsigned i = 0; i < a->listen_count; i++) {
        if (!str_eq(a->listen[i], b->listen[i])) {
            return true;
        }
    }
    return false;
}

bool config_service_equal(const struct svc_config *a, const struct svc_config *b)
{
#define SAME(f) (a->f == b->f)
    return str_eq(a->name, b->name) && str_eq(a->command, b->command) && SAME(shell) &&
           SAME(has_user) && str_eq(a->user, b->user) && SAME(uid) && SAME(gid) &&
           SAME(memory_max_bytes) && SAME(runtime_heap) && SAME(pids_max) && SAME(restart) &&
           SAME(backoff_min_ms) && SAME(backoff_max_ms) && SAME(stable_after_ms) &&
           SAME(drain_ms) && SAME(restart_max) && SAME(memory_restart_bytes) &&
           SAME(memory_high_bytes) && SAME(pids_warn) && SAME(pids_kill) && SAME(fork_rate) &&
           SAME(priority) && SAME(log_max_bytes) && SAME(log_max_count) && SAME(log_rate_lines) &&
           SAME(log_rate_bytes) && !config_listen_differs(a, b) && SAME(ready) &&
           str_eq(a->ready_path, b->ready_path) && SAME(start_timeout_ms) && SAME(watchdog_ms);
#undef SAME
}
