// SPDX-License-Identifier: MIT
// Reading a service's argv and environment as Node, the JVM and Go read them: NODE_OPTIONS
// and JAVA_TOOL_OPTIONS split by each runtime's own rules, the heap flags and their values,
// and which runtime the command starts (through `env` and `sh -c`).
#include <errno.h>
#include <string.h>

#include "runtime_heap_int.h"

// A word of NODE_OPTIONS or JAVA_TOOL_OPTIONS kept for matching: the longest flag we look for
// with a 20-digit value is 45 bytes; a longer word is cut, and a value cut with it is refused.
#define WORD_BYTES 128u

/* ---- small parsers ---- */

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// Decimal digits at s into *v (saturated at UINT64_MAX); returns the first byte after them,
// or NULL when s does not start with a digit.
static const char *parse_digits(const char *s, uint64_t *v)
{
    if (*s < '0' || *s > '9') {
        return NULL;
    }
    uint64_t n = 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        n = runtime_heap_sat_mul(n, 10);
        n = n > UINT64_MAX - (uint64_t)(*s - '0') ? UINT64_MAX : n + (uint64_t)(*s - '0');
    }
    *v = n;
    return s;
}

// HotSpot's size: digits with an optional k/m/g/t suffix (binary), nothing after. 0 or -EINVAL.
static int parse_jvm_size(const char *s, uint64_t *bytes)
{
    uint64_t v = 0;
    const char *end = parse_digits(s, &v);
    if (!end) {
        return -EINVAL;
    }
    static const char units[] = "kmgt";
    const char *u = *end ? strchr(units, *end | 0x20) : NULL;
    if (*end && (!u || end[1])) {
        return -EINVAL;
    }
    unsigned shift = u ? 10u * (unsigned)(u - units + 1) : 0;
    *bytes = v > (UINT64_MAX >> shift) ? UINT64_MAX : v << shift;
    return 0;
}

// A percentage "58.6" (HotSpot takes a double) into thousandths of a percent, 0..100000.
static int parse_pct(const char *s, uint64_t *milli)
{
    uint64_t whole = 0, frac = 0, scale = 1000;
    const char *p = parse_digits(s, &whole);
    if (!p || whole > 100) {
        return -EINVAL;
    }
    if (*p == '.') {
        for (p++; *p >= '0' && *p <= '9'; p++) {
            scale /= 10;
            frac += (uint64_t)(*p - '0') * scale; // digits past the third add 0
        }
    }
    if (*p || whole * 1000 + frac > 100000) {
        return -EINVAL;
    }
    *milli = whole * 1000 + frac;
    return 0;
}

// Go's GOMEMLIMIT (runtime parseByteCount): digits with B, KiB, MiB, GiB or TiB, or none.
static int parse_go_size(const char *s, uint64_t *bytes)
{
    static const char *const units[] = {"", "B", "KiB", "MiB", "GiB", "TiB"};
    static const unsigned shifts[] = {0, 0, 10, 20, 30, 40};
    uint64_t v = 0;
    const char *end = parse_digits(s, &v);
    for (size_t i = 0; end && i < sizeof(units) / sizeof(units[0]); i++) {
        if (strcmp(end, units[i]) == 0) {
            *bytes = v > (UINT64_MAX >> shifts[i]) ? UINT64_MAX : v << shifts[i];
            return *bytes > INT64_MAX ? -EINVAL : 0; // Go keeps the limit in an int64
        }
    }
    return -EINVAL;
}

/* ---- words ---- */

struct words {
    const char *p;
    bool node; // NODE_OPTIONS rules, else JAVA_TOOL_OPTIONS rules
};

// The next word into w (WORD_BYTES, cut: *cut). 1: a word; 0: the end; -EINVAL: malformed.
// NODE_OPTIONS as node 20 parses it (ParseNodeOptionsEnvVar): only ' ' separates, "..."
// groups, a backslash inside quotes takes the next byte; an unterminated quote or a trailing
// backslash in one makes node refuse to start (measured: "unterminated string"). JAVA_TOOL_OPTIONS
// as HotSpot does: any white space separates, '...' or "..." group, no escapes.
static int next_word(struct words *it, char *w, bool *cut)
{
    const char *p = it->p;
    size_t n = 0;
    char quote = 0;
    *cut = false;
    while (*p && (it->node ? *p == ' ' : is_space(*p))) {
        p++;
    }
    if (!*p) {
        it->p = p;
        return 0;
    }
    for (; *p; p++) {
        char c = *p;
        if (quote && c == quote) {
            quote = 0;
            continue;
        }
        if (quote && it->node && c == '\\') {
            if (!p[1]) {
                return -EINVAL;
            }
            c = *++p;
        } else if (!quote && (it->node ? c == ' ' : is_space(c))) {
            break;
        } else if (!quote && (c == '"' || (!it->node && c == '\''))) {
            quote = c;
            continue;
        }
        if (n + 1 < WORD_BYTES) {
            w[n++] = c;
        } else {
            *cut = true;
        }
    }
    w[n] = '\0';
    it->p = p;
    return quote ? -EINVAL : 1;
}

// Is the whole of s well formed under its rules (node or JVM)?
static bool words_ok(const char *s, bool node)
{
    struct words it = {s, node};
    char w[WORD_BYTES] = "";
    bool cut;
    int rc;
    while ((rc = next_word(&it, w, &cut)) > 0) {
    }
    return rc == 0;
}

static const char *env_get(char *const *envp, const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; envp && envp[i] && i < SPAWN_ENV_MAX; i++) {
        if (strncmp(envp[i], name, len) == 0 && envp[i][len] == '=') {
            return envp[i] + len + 1; // the first, as getenv(3)
        }
    }
    return NULL;
}

static const char *base_name(const char *path, size_t len, size_t *blen)
{
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        start = path[i] == '/' ? i + 1 : start;
    }
    *blen = len - start;
    return path + start;
}

static bool name_is(const char *s, size_t len, const char *name)
{
    return strlen(name) == len && memcmp(s, name, len) == 0;
}

static enum runtime_kind kind_of(const char *path, size_t len)
{
    size_t n;
    const char *b = base_name(path, len, &n);
    if (name_is(b, n, "node") || name_is(b, n, "nodejs")) {
        return RUNTIME_NODE;
    }
    return name_is(b, n, "java") ? RUNTIME_JVM : RUNTIME_UNKNOWN;
}

/* ---- the command ---- */

static bool is_shell(const char *w)
{
    size_t n;
    const char *b = base_name(w, strlen(w), &n);
    static const char *const shells[] = {"sh", "bash", "dash", "ash", "zsh", "busybox"};
    for (size_t i = 0; i < sizeof(shells) / sizeof(shells[0]); i++) {
        if (name_is(b, n, shells[i])) {
            return true;
        }
    }
    return false;
}

static enum runtime_kind script_kind(const char *s)
{
    for (unsigned words = 0; words < COMMAND_ARGV_MAX; words++) {
        while (is_space(*s)) {
            s++;
        }
        size_t n = 0;
        while (s[n] && !is_space(s[n])) {
            n++;
        }
        const char *eq = memchr(s, '=', n);
        if (n && (name_is(s, n, "exec") || name_is(s, n, "env") || (eq && s[0] != '/'))) {
            s += n;
            continue;
        }
        return n ? kind_of(s, n) : RUNTIME_UNKNOWN;
    }
    return RUNTIME_UNKNOWN;
}

static struct runtime_heap_program find_program(char *const *argv)
{
    struct runtime_heap_program p = {RUNTIME_UNKNOWN, 0, false};
    if (!argv || !argv[0]) {
        return p;
    }
    size_t n;
    const char *b = base_name(argv[0], strlen(argv[0]), &n);
    if (name_is(b, n, "env")) {
        for (p.index = 1; argv[p.index] && p.index < COMMAND_ARGV_MAX &&
                          (argv[p.index][0] == '-' || strchr(argv[p.index], '='));
             p.index++) {
        }
        if (!argv[p.index]) {
            return p;
        }
    }
    const char *prog = argv[p.index];
    if (is_shell(prog) && argv[p.index + 1] && strcmp(argv[p.index + 1], "-c") == 0 &&
        argv[p.index + 2]) {
        p.index += 2;
        p.script = true;
        p.kind = script_kind(argv[p.index]);
        return p;
    }
    p.kind = kind_of(prog, strlen(prog));
    return p;
}

enum runtime_kind runtime_heap_detect(char *const *argv)
{
    return find_program(argv).kind;
}

const char *runtime_heap_kind_name(enum runtime_kind k)
{
    static const char *const names[RUNTIME_KIND_COUNT] = {"unknown", "node", "jvm", "go"};
    return k < RUNTIME_KIND_COUNT ? names[k] : "unknown";
}

// Does word w (an option of node or java) take the next word as its value?
static bool takes_value(const char *w, bool node)
{
    static const char *const node_opts[] = {"-e",       "--eval",       "-p",
                                            "--print",  "-r",           "--require",
                                            "--import", "--loader",     "--experimental-loader",
                                            "-C",       "--conditions", "--input-type",
                                            "--title"};
    static const char *const jvm_opts[] = {
            "-cp",           "-classpath",     "--class-path",          "-p",
            "--module-path", "--add-modules",  "--add-opens",           "--add-exports",
            "--add-reads",   "--patch-module", "--upgrade-module-path", "--limit-modules",
            "-jar"};
    const char *const *opts = node ? node_opts : jvm_opts;
    size_t count = node ? sizeof(node_opts) / sizeof(node_opts[0])
                        : sizeof(jvm_opts) / sizeof(jvm_opts[0]);
    for (size_t i = 0; i < count; i++) {
        if (strcmp(w, opts[i]) == 0) {
            return true;
        }
    }
    return false;
}

// The argv words the runtime reads as its own options: for node or java, those between the
// program and the script / main class (`-jar X` ends them too; later words are the program's
// arguments, which node and java ignore: measured for node); for anything else (a wrapper
// such as npm or a start script, or sh -c) every word, since warden cannot tell where they go.
// Returns the end index; *start the first.
static size_t option_words(char *const *argv, const struct runtime_heap_program *p, size_t *start)
{
    size_t i = p->script ? p->index : p->index + 1;
    *start = p->kind == RUNTIME_UNKNOWN || p->script ? 0 : i;
    bool node = p->kind == RUNTIME_NODE;
    for (; argv && argv[i] && i < COMMAND_ARGV_MAX + 3; i++) {
        if (p->kind == RUNTIME_UNKNOWN || p->script) {
            continue;
        }
        if (argv[i][0] != '-' || strcmp(argv[i], "--") == 0) {
            break;
        }
        if (takes_value(argv[i], node)) {
            if (!argv[i + 1] || strcmp(argv[i], "-jar") == 0) {
                break;
            }
            i++;
        }
    }
    return i;
}

/* ---- what is set already ---- */

// Every V8 flag in w, as V8 reads one: after one or two '-', dashes and underscores alike,
// then '=' and the value in MiB. A word is one option (node splits NODE_OPTIONS itself: a
// tab inside a word does not start a flag, measured); anywhere: a flag anywhere in w counts
// too, for the words of a wrapper or a `sh -c` script warden cannot parse.
static void node_scan_word(const char *w, bool cut, bool argv, bool anywhere, struct node_seen *s)
{
    static const char *const names[NODE_FLAG_COUNT] = {"max-old-space-size", "max-heap-size"};
    for (size_t at = 1; w[0] && w[at] && (anywhere || at <= 2); at++) {
        const char *p = w + at;
        if (p[-1] != '-' || (!anywhere && at == 2 && w[0] != '-')) {
            continue;
        }
        for (unsigned f = 0; f < NODE_FLAG_COUNT; f++) {
            size_t i = 0, len = strlen(names[f]);
            while (i < len && (p[i] == names[f][i] || (names[f][i] == '-' && p[i] == '_'))) {
                i++;
            }
            if (i < len || p[len] != '=') {
                continue;
            }
            uint64_t v = 0;
            const char *end = parse_digits(p + len + 1, &v);
            s->set[f] = true;
            s->ok[f] = end && !cut && (!*end || (anywhere && is_space(*end)));
            s->mib[f] = v;
            s->from_argv[f] = argv;
        }
    }
}

// One HotSpot flag at p, if it is a heap or RAM one (the value ends at white space in argv
// scripts).
static void jvm_flag(const char *p, bool cut, const char *where, struct jvm_seen *s)
{
    static const char *const flags[] = {"-Xmx",
                                        "-XX:MaxHeapSize=",
                                        "-XX:MaxRAM=",
                                        "-XX:MaxRAMPercentage=",
                                        "-XX:MaxRAMFraction=",
                                        "-XX:MinRAMPercentage=",
                                        "-XX:MinRAMFraction="};
    char v[WORD_BYTES];
    for (unsigned f = 0; f < sizeof(flags) / sizeof(flags[0]); f++) {
        size_t len = strlen(flags[f]);
        if (strncmp(p, flags[f], len) != 0) {
            continue;
        }
        size_t n = 0;
        while (p[len + n] && !is_space(p[len + n]) && n + 1 < sizeof(v)) {
            v[n] = p[len + n];
            n++;
        }
        v[n] = '\0';
        s->where = s->any ? s->where : where;
        s->any = true;
        uint64_t x = 0;
        bool ok = !cut;
        if (f <= 1) {
            s->heap_set = true;
            s->heap_ok = ok && parse_jvm_size(v, &x) == 0;
            s->heap_bytes = x;
        } else if (f == 2) {
            s->ram_set = ok && parse_jvm_size(v, &x) == 0;
            s->ram_bytes = x;
            s->pct_bad |= !s->ram_set;
        } else {
            bool fraction = f == 4 || f == 6;
            int rc = fraction ? (parse_digits(v, &x) && x ? 0 : -EINVAL) : parse_pct(v, &x);
            x = fraction && rc == 0 ? 100000 / x : x;
            s->pct_bad |= !ok || rc != 0;
            *(f <= 4 ? &s->max_set : &s->min_set) = true;
            *(f <= 4 ? &s->max_milli : &s->min_milli) = x;
        }
        return;
    }
}

static void jvm_scan_word(const char *w, bool cut, const char *where, bool anywhere,
                          struct jvm_seen *s)
{
    if (!anywhere) {
        jvm_flag(w, cut, where, s);
        return;
    }
    for (const char *p = strchr(w, '-'); p; p = strchr(p + 1, '-')) {
        jvm_flag(p, cut, where, s);
    }
}

static void scan_env_words(const char *value, bool node, const char *where,
                           struct runtime_heap_seen *s, struct jvm_seen *j)
{
    struct words it = {value, node};
    char w[WORD_BYTES] = "";
    bool cut;
    while (next_word(&it, w, &cut) > 0) {
        if (node) {
            node_scan_word(w, cut, false, false, &s->node);
        } else {
            jvm_scan_word(w, cut, where, false, j);
        }
    }
}

// What argv and envp set already (runtime_heap_int.h). Node reads NODE_OPTIONS before its argv, and
// the JVM JAVA_TOOL_OPTIONS, then JDK_JAVA_OPTIONS (the java launcher), then argv: the last wins.
void runtime_heap_scan(const struct runtime_heap_input *in, struct runtime_heap_seen *s)
{
    memset(s, 0, sizeof(*s));
    s->prog = find_program(in->argv);
    s->opt_end = option_words(in->argv, &s->prog, &s->opt_start);
    for (s->env_count = 0; in->envp && in->envp[s->env_count] && s->env_count <= SPAWN_ENV_MAX;
         s->env_count++) {
    }
    s->node_options = env_get(in->envp, "NODE_OPTIONS");
    s->java_tool_options = env_get(in->envp, "JAVA_TOOL_OPTIONS");
    s->gomemlimit = env_get(in->envp, "GOMEMLIMIT");
    s->gomemlimit_ok = s->gomemlimit && parse_go_size(s->gomemlimit, &s->gomemlimit_bytes) == 0;
    s->node_options_bad = s->node_options && !words_ok(s->node_options, true);
    s->jto_bad = s->java_tool_options && !words_ok(s->java_tool_options, false);
    if (s->node_options && !s->node_options_bad) {
        scan_env_words(s->node_options, true, NULL, s, NULL);
    }
    if (s->java_tool_options) {
        scan_env_words(s->java_tool_options, false, "JAVA_TOOL_OPTIONS", s, &s->jvm);
    }
    const char *jdk = env_get(in->envp, "JDK_JAVA_OPTIONS");
    if (jdk) {
        scan_env_words(jdk, false, "JDK_JAVA_OPTIONS", s, &s->jvm);
    }
    for (size_t i = s->opt_start; i < s->opt_end; i++) {
        // a wrapper's words or a script: a flag anywhere in them; else one option per word
        bool anywhere = s->prog.kind == RUNTIME_UNKNOWN || s->prog.script;
        node_scan_word(in->argv[i], false, true, anywhere, &s->node);
        jvm_scan_word(in->argv[i], false, "argv", anywhere, &s->jvm);
    }
    // JAVA_OPTS is no JVM variable (measured: JAVA_OPTS=-Xmx64m leaves java's MaxHeapSize at
    // its default); start scripts (catalina.sh, gradle's) put it on java's command line, where
    // an -Xmx wins over JAVA_TOOL_OPTIONS anyway. Auto still leaves the JVM alone for it.
    const char *opts = env_get(in->envp, "JAVA_OPTS");
    if (opts) {
        struct jvm_seen j = {0};
        scan_env_words(opts, false, "JAVA_OPTS", s, &j);
        s->jvm_opts_explicit = j.any;
        if (j.any && s->prog.kind != RUNTIME_JVM && !s->jvm.any) {
            s->jvm = j; // a script passes it to java: the cap it gives
        }
    }
}
