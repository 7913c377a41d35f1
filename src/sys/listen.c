// SPDX-License-Identifier: MIT
// Listening sockets held for services, and who holds an address warden could not bind.
#include "listen.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FORMS                                                                                      \
    "expected tcp:HOST:PORT (tcp:127.0.0.1:8080, tcp:[::1]:8080, tcp::8080 or tcp:*:8080 for "     \
    "all addresses) or unix:/ABSOLUTE/PATH"

static int bad(char *err, size_t errlen, const char *text, const char *why)
{
    if (err && errlen) {
        (void)snprintf(err, errlen, "invalid listen address \"%.64s\" (%s): " FORMS, text, why);
    }
    return -EINVAL;
}

static int parse_unix(const char *path, struct listen_addr *out, char *err, size_t errlen,
                      const char *text)
{
    struct sockaddr_un *un = (struct sockaddr_un *)&out->sa;
    size_t n = strlen(path);
    if (path[0] != '/') {
        return bad(err, errlen, text, "not an absolute path");
    }
    if (n >= sizeof(un->sun_path)) {
        return bad(err, errlen, text, "path too long for a unix socket");
    }
    memset(out, 0, sizeof(*out));
    un->sun_family = AF_UNIX;
    memcpy(un->sun_path, path, n + 1);
    out->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
    out->is_unix = true;
    return 0;
}

int listen_parse(const char *text, struct listen_addr *out, char *err, size_t errlen)
{
    if (!text || strlen(text) >= LISTEN_ADDR_TEXT) {
        return bad(err, errlen, text ? text : "", "too long");
    }
    if (strncmp(text, "unix:", 5) == 0) {
        return parse_unix(text + 5, out, err, errlen, text);
    }
    if (strncmp(text, "tcp:", 4) != 0) {
        return bad(err, errlen, text, "no tcp: or unix: prefix");
    }
    const char *host = text + 4;
    const char *colon = strrchr(host, ':');
    if (!colon) {
        return bad(err, errlen, text, "no :PORT");
    }
    char *end = NULL;
    errno = 0;
    unsigned long port = strtoul(colon + 1, &end, 10);
    if (colon[1] == '\0' || *end != '\0' || errno || port < 1 || port > 65535 ||
        !isdigit((unsigned char)colon[1])) {
        return bad(err, errlen, text, "port not 1..65535");
    }
    char h[LISTEN_ADDR_TEXT];
    size_t hl = (size_t)(colon - host);
    memcpy(h, host, hl);
    h[hl] = '\0';
    memset(out, 0, sizeof(*out));
    if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&out->sa;
        h[hl - 1] = '\0';
        if (inet_pton(AF_INET6, h + 1, &s6->sin6_addr) != 1) {
            return bad(err, errlen, text, "not an IPv6 address");
        }
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)port);
        out->len = sizeof(*s6);
        return 0;
    }
    struct sockaddr_in *s4 = (struct sockaddr_in *)&out->sa;
    s4->sin_family = AF_INET;
    s4->sin_port = htons((uint16_t)port);
    out->len = sizeof(*s4);
    if (hl == 0 || strcmp(h, "*") == 0) {
        s4->sin_addr.s_addr = htonl(INADDR_ANY);
        return 0;
    }
    if (inet_pton(AF_INET, h, &s4->sin_addr) != 1) {
        return bad(err, errlen, text, "not an IPv4 address (IPv6 goes in [brackets])");
    }
    return 0;
}

// A unix socket file left by a dead server: nobody accepts on it.
static bool stale_unix(const struct listen_addr *a)
{
    const struct sockaddr_un *un = (const struct sockaddr_un *)&a->sa;
    struct stat st;
    if (lstat(un->sun_path, &st) != 0 || !S_ISSOCK(st.st_mode)) {
        return false;
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return false;
    }
    bool stale = connect(fd, (const struct sockaddr *)&a->sa, a->len) < 0 && errno == ECONNREFUSED;
    (void)close(fd);
    return stale;
}

int listen_open(const struct listen_addr *a)
{
    int fd = socket(a->sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -errno;
    }
    int one = 1;
    if (!a->is_unix) {
        (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    } else if (stale_unix(a)) {
        (void)unlink(((const struct sockaddr_un *)&a->sa)->sun_path);
    }
    if (bind(fd, (const struct sockaddr *)&a->sa, a->len) < 0 || listen(fd, LISTEN_BACKLOG) < 0) {
        int e = errno;
        (void)close(fd);
        return -e;
    }
    return fd;
}

// One line of /proc/net/unix: the socket's inode when it listens on path, else 0.
static unsigned long unix_line_inode(const char *line, const char *path)
{
    // Num RefCount Protocol Flags Type St Inode Path
    char have[256] = "";
    unsigned long inode = 0;
    unsigned flags = 0;
    if (sscanf(line, "%*s %*s %*s %x %*s %*s %lu %255s", &flags, &inode, have) == 3 &&
        (flags & 0x10000) && // __SO_ACCEPTCON: listening
        strcmp(have, path) == 0) {
        return inode;
    }
    return 0;
}

// One line of /proc/net/tcp or tcp6: the socket's inode when it listens on port, else 0.
static unsigned long tcp_line_inode(const char *line, unsigned port)
{
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
    char local[64];
    unsigned st = 0;
    unsigned long inode = 0;
    if (sscanf(line, "%*s %63s %*s %x %*s %*s %*s %*s %*s %lu", local, &st, &inode) != 3) {
        return 0;
    }
    const char *pc = strrchr(local, ':');
    return st == 0x0A && pc && strtoul(pc + 1, NULL, 16) == port ? inode : 0; // 0A: LISTEN
}

// The inode of the listening socket for a in /proc/net/{tcp,tcp6,unix}, or 0.
static unsigned long find_inode(const struct listen_addr *a)
{
    const char *files[2] = {"/proc/net/tcp", "/proc/net/tcp6"};
    unsigned nfiles = 2;
    unsigned port = 0;
    if (a->is_unix) {
        files[0] = "/proc/net/unix";
        nfiles = 1;
    } else {
        port = a->sa.ss_family == AF_INET6 ? ntohs(((const struct sockaddr_in6 *)&a->sa)->sin6_port)
                                           : ntohs(((const struct sockaddr_in *)&a->sa)->sin_port);
    }
    char line[512];
    for (unsigned f = 0; f < nfiles; f++) {
        FILE *fp = fopen(files[f], "re");
        if (!fp) {
            continue;
        }
        unsigned long found = 0;
        while (!found && fgets(line, sizeof(line), fp)) {
            found = a->is_unix
                            ? unix_line_inode(line, ((const struct sockaddr_un *)&a->sa)->sun_path)
                            : tcp_line_inode(line, port);
        }
        (void)fclose(fp);
        if (found) {
            return found;
        }
    }
    return 0;
}

// The first process with an fd on socket:[inode]: its pid, or 0.
static pid_t find_pid(unsigned long inode)
{
    char want[48], path[64], link[64];
    (void)snprintf(want, sizeof(want), "socket:[%lu]", inode);
    DIR *proc = opendir("/proc");
    pid_t found = 0;
    struct dirent *de;
    while (proc && !found && (de = readdir(proc))) {
        if (!isdigit((unsigned char)de->d_name[0])) {
            continue;
        }
        (void)snprintf(path, sizeof(path), "/proc/%.16s/fd", de->d_name);
        DIR *fds = opendir(path);
        struct dirent *fe;
        while (fds && !found && (fe = readdir(fds))) {
            (void)snprintf(path, sizeof(path), "/proc/%.16s/fd/%.16s", de->d_name, fe->d_name);
            ssize_t n = readlink(path, link, sizeof(link) - 1);
            if (n > 0) {
                link[n] = '\0';
                found = strcmp(link, want) == 0 ? (pid_t)atoi(de->d_name) : 0;
            }
        }
        if (fds) {
            (void)closedir(fds);
        }
    }
    if (proc) {
        (void)closedir(proc);
    }
    return found;
}

void listen_holder(const struct listen_addr *a, char *buf, size_t size)
{
    if (size) {
        buf[0] = '\0';
    }
    unsigned long inode = find_inode(a);
    pid_t pid = inode ? find_pid(inode) : 0;
    if (!pid) {
        return;
    }
    char path[64], cmd[200] = "";
    (void)snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, cmd, sizeof(cmd) - 1) : -1;
    if (fd >= 0) {
        (void)close(fd);
    }
    for (ssize_t i = 0; i < n - 1; i++) {
        if (cmd[i] == '\0') {
            cmd[i] = ' '; // argv words joined by spaces
        }
    }
    cmd[n > 0 ? n : 0] = '\0';
    (void)snprintf(buf, size, "pid %d (%s)", (int)pid, cmd[0] ? cmd : "?");
}
