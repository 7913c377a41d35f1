// SPDX-License-Identifier: MIT
// Per-service log files, the reading side: `warden logs NAME [-n N] [-f]`. Tail scans the
// rotated files backwards in fixed blocks (bounded memory whatever their size); follow is
// woken by inotify on the logs directory (and on state_dir, to notice the directory go)
// and follows renames by inode. The writer is logfile.c.
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "io.h"
#include "logfile.h"

#define READ_BYTES  8192u // reader block: backward scan and copy; 2 pages of stack
#define EVENT_BYTES 4096u // inotify read: >= 16 events with our short names

/* ---- tail ---- */

// The files of one service open at one moment, newest first, each file once.
struct snap {
    unsigned n;
    int fd[LOGFILE_COUNT_MAX];
    uint64_t size[LOGFILE_COUNT_MAX];  // at open: a file still written is read up to here
    uint64_t start[LOGFILE_COUNT_MAX]; // where the tail begins in each
    dev_t dev[LOGFILE_COUNT_MAX];
    ino_t ino[LOGFILE_COUNT_MAX];
};

struct file_id {
    dev_t dev;
    ino_t ino;
};

static void snap_close(struct snap *s)
{
    for (unsigned i = 0; i < s->n; i++) {
        if (s->fd[i] >= 0) {
            (void)close(s->fd[i]);
        }
    }
    s->n = 0;
}

static bool snap_has(const struct snap *s, const struct stat *st)
{
    for (unsigned i = 0; i < s->n; i++) {
        if (s->dev[i] == st->st_dev && s->ino[i] == st->st_ino) {
            return true;
        }
    }
    return false;
}

// Open NAME.log, NAME.log.1, ... up to LOGFILE_COUNT_MAX-1, stopping before the file
// `stop` (NULL: none). Newest first, skipping files already open: a rotation during the
// walk moves a file from k to k+1, where it is seen again and skipped, so none is missed.
static int snap_open(int dir_fd, const char *name, const struct file_id *stop, struct snap *s)
{
    s->n = 0;
    int rc = 0;
    for (unsigned k = 0; rc == 0 && k < LOGFILE_COUNT_MAX; k++) {
        char fname[LOGFILE_NAME_BYTES];
        rc = logfile_file_name(fname, sizeof(fname), name, k);
        int fd = rc == 0 ? openat(dir_fd, fname, O_RDONLY | O_CLOEXEC | O_NOFOLLOW) : -1;
        if (fd < 0) {
            rc = rc != 0 || errno == ENOENT ? rc : -errno;
            continue;
        }
        struct stat st;
        rc = fstat(fd, &st) != 0 ? -errno : 0;
        bool at_stop = rc == 0 && stop && st.st_dev == stop->dev && st.st_ino == stop->ino;
        if (rc != 0 || at_stop || !S_ISREG(st.st_mode) || snap_has(s, &st)) {
            (void)close(fd);
            if (at_stop) {
                break;
            }
            continue;
        }
        s->fd[s->n] = fd;
        s->size[s->n] = (uint64_t)st.st_size;
        s->start[s->n] = (uint64_t)st.st_size;
        s->dev[s->n] = st.st_dev;
        s->ino[s->n] = st.st_ino;
        s->n++;
    }
    if (rc != 0) {
        snap_close(s);
    }
    return rc;
}

// Find where the last *want lines of the first `size` bytes of fd begin, scanning backwards
// in READ_BYTES blocks. A final '\n' ends the last line; a final fragment without one is a
// line too. *want is decreased by the lines found (all of the file's when it has fewer).
static int scan_back(int fd, uint64_t size, unsigned *want, uint64_t *start)
{
    char buf[READ_BYTES];
    *start = size;
    if (size == 0 || *want == 0) {
        return 0;
    }
    for (uint64_t end = size; end > 0;) {
        uint64_t from = end > sizeof(buf) ? end - sizeof(buf) : 0;
        int rc = io_pread_full(fd, buf, (size_t)(end - from), (off_t)from);
        if (rc != 0) {
            return rc;
        }
        for (size_t i = (size_t)(end - from); i-- > 0;) {
            // a '\n' before the last byte begins the line after it
            if (buf[i] == '\n' && from + i + 1 < size && --*want == 0) {
                *start = from + i + 1;
                return 0;
            }
        }
        end = from;
    }
    --*want; // the file's first line
    *start = 0;
    return 0;
}

// Copy [*off, end) of fd to out_fd (end UINT64_MAX: up to EOF); *last: the last byte copied.
static int copy_range(int fd, uint64_t *off, uint64_t end, int out_fd, char *last)
{
    char buf[READ_BYTES];
    while (*off < end) {
        size_t want = end - *off < sizeof(buf) ? (size_t)(end - *off) : sizeof(buf);
        ssize_t n = pread(fd, buf, want, (off_t)*off);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return n < 0 ? -errno : 0; // EOF, or the file got shorter
        }
        int rc = io_write_full(out_fd, buf, (size_t)n);
        if (rc != 0) {
            return rc;
        }
        *off += (uint64_t)n;
        *last = buf[n - 1];
    }
    return 0;
}

// Copy a whole finished file, ending it with '\n' if it lacks one.
static int copy_file(int fd, uint64_t off, uint64_t end, int out_fd)
{
    char last = '\n';
    int rc = copy_range(fd, &off, end, out_fd, &last);
    return rc == 0 && last != '\n' ? io_write_full(out_fd, "\n", 1) : rc;
}

// Write the last n lines of the snapshot, oldest first. The newest file is left as it
// is when it is being followed (its torn tail, if any, is continued by the writer).
static int snap_tail(struct snap *s, unsigned n, int out_fd, bool following)
{
    unsigned want = n;
    for (unsigned i = 0; i < s->n && want > 0; i++) {
        int rc = scan_back(s->fd[i], s->size[i], &want, &s->start[i]);
        if (rc != 0) {
            return rc;
        }
    }
    for (unsigned i = s->n; i-- > 0;) {
        char last = '\n';
        uint64_t off = s->start[i];
        int rc = i == 0 && following ? copy_range(s->fd[i], &off, s->size[i], out_fd, &last)
                                     : copy_file(s->fd[i], off, s->size[i], out_fd);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

static int open_logs_dir(const char *state_dir, const char *name, char *path, size_t size)
{
    if (!logfile_name_ok(name)) {
        return -EINVAL;
    }
    int rc = logfile_dir_path(path, size, state_dir);
    if (rc != 0) {
        return rc;
    }
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

int logfile_tail(const char *state_dir, const char *name, unsigned n, int out_fd)
{
    char path[LOGFILE_DIR_BYTES];
    int dir_fd = open_logs_dir(state_dir, name, path, sizeof(path));
    if (dir_fd < 0) {
        return dir_fd;
    }
    struct snap s;
    int rc = snap_open(dir_fd, name, NULL, &s);
    if (rc == 0) {
        rc = snap_tail(&s, n, out_fd, false);
    }
    snap_close(&s);
    (void)close(dir_fd);
    return rc;
}

/* ---- follow ---- */

struct follow {
    int dir_fd;
    int ifd;       // inotify on the logs directory and on state_dir
    int parent_wd; // the state_dir watch: only deletions and renames in it
    int out_fd;
    const char *name;
    int fd;       // the file being followed, -1 while there is none
    uint64_t off; // how far it was written out
    struct file_id id;
    char last; // its last byte written out ('\n' when none)
};

// Take file i of s as the followed one, from off.
static int follow_adopt(struct follow *f, struct snap *s, unsigned i, uint64_t off)
{
    f->fd = s->fd[i];
    s->fd[i] = -1;
    f->off = off;
    f->id = (struct file_id){s->dev[i], s->ino[i]};
    f->last = '\n';
    return off > 0 ? io_pread_full(f->fd, &f->last, 1, (off_t)(off - 1)) : 0;
}

// Write what was appended to the followed file. When NAME.log is no longer that file,
// finish it (lines written before the rename), write the rotated files never seen (those
// between it and NAME.log), and go on with the newest.
static int follow_step(struct follow *f)
{
    int rc = f->fd >= 0 ? copy_range(f->fd, &f->off, UINT64_MAX, f->out_fd, &f->last) : 0;
    struct snap s = {0};
    if (rc == 0) {
        rc = snap_open(f->dir_fd, f->name, f->fd >= 0 ? &f->id : NULL, &s);
    }
    if (rc != 0 || s.n == 0) {
        return rc; // no newer file
    }
    if (f->fd >= 0) {
        rc = copy_range(f->fd, &f->off, UINT64_MAX, f->out_fd, &f->last);
        if (rc == 0 && f->last != '\n') {
            rc = io_write_full(f->out_fd, "\n", 1);
        }
        (void)close(f->fd);
        f->fd = -1;
    }
    for (unsigned i = s.n - 1; rc == 0 && i >= 1; i--) {
        rc = copy_file(s.fd[i], 0, UINT64_MAX, f->out_fd);
    }
    if (rc == 0) {
        rc = follow_adopt(f, &s, 0, 0);
    }
    if (rc == 0) {
        rc = copy_range(f->fd, &f->off, UINT64_MAX, f->out_fd, &f->last);
    }
    snap_close(&s);
    return rc;
}

static bool event_is_ours(const char *ev_name, const char *name)
{
    size_t len = strlen(name);
    return strncmp(ev_name, name, len) == 0 && strncmp(ev_name + len, ".log", 4) == 0 &&
           (ev_name[len + 4] == '\0' || ev_name[len + 4] == '.');
}

// Drain the inotify queue. *ours: an event about this service's files, or an overflow.
static int follow_events(struct follow *f, bool *ours)
{
    char buf[EVENT_BYTES] __attribute__((aligned(__alignof__(struct inotify_event))));
    for (;;) {
        ssize_t n = read(f->ifd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return n < 0 && errno == EAGAIN ? 0 : (n < 0 ? -errno : -EIO);
        }
        const struct inotify_event *ev;
        for (char *p = buf; p < buf + n; p += sizeof(*ev) + ev->len) {
            ev = (const struct inotify_event *)(void *)p;
            // The logs directory removed or renamed: nothing will come. IN_IGNORED alone
            // would come late: the open followed file pins the directory's dentry.
            if ((ev->mask & IN_IGNORED) ||
                (ev->wd == f->parent_wd && ev->len > 0 && strcmp(ev->name, LOGFILE_DIR) == 0)) {
                return -ENOENT;
            }
            bool in_logs = ev->wd != f->parent_wd && ev->len > 0;
            if ((ev->mask & IN_Q_OVERFLOW) || (in_logs && event_is_ours(ev->name, f->name))) {
                *ours = true;
            }
        }
    }
}

static int follow_loop(struct follow *f)
{
    for (;;) {
        // out_fd is polled for errors only: a pipe whose reader left reports POLLERR.
        struct pollfd pfd[2] = {{f->ifd, POLLIN, 0}, {f->out_fd, 0, 0}};
        if (poll(pfd, 2, -1) < 0) {
            return -errno; // EINTR: a signal handler ran; the caller decides
        }
        if (pfd[1].revents & POLLNVAL) {
            return -EBADF;
        }
        if (pfd[1].revents & (POLLERR | POLLHUP)) {
            return 0;
        }
        bool ours = false;
        int rc = follow_events(f, &ours);
        if (rc == 0 && ours) {
            rc = follow_step(f);
        }
        if (rc != 0) {
            return rc;
        }
    }
}

// The tail of what is there, then the newest file is followed from where the tail ended.
static int follow_start(struct follow *f, unsigned n)
{
    struct snap s;
    int rc = snap_open(f->dir_fd, f->name, NULL, &s);
    if (rc == 0) {
        rc = snap_tail(&s, n, f->out_fd, true);
    }
    if (rc == 0 && s.n > 0) {
        rc = follow_adopt(f, &s, 0, s.size[0]);
    }
    snap_close(&s);
    return rc;
}

int logfile_follow(const char *state_dir, const char *name, unsigned n, int out_fd)
{
    char path[LOGFILE_DIR_BYTES];
    struct follow f = {
            .ifd = -1, .parent_wd = -1, .out_fd = out_fd, .name = name, .fd = -1, .last = '\n'};
    f.dir_fd = open_logs_dir(state_dir, name, path, sizeof(path));
    int rc = f.dir_fd < 0 ? f.dir_fd : 0;
    if (rc == 0) {
        f.ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        rc = f.ifd < 0 ? -errno : 0;
    }
    // The watch comes before the snapshot, so anything appended after it wakes us.
    if (rc == 0 && inotify_add_watch(f.ifd, path, IN_MODIFY | IN_CREATE | IN_MOVED_TO) < 0) {
        rc = -errno;
    }
    if (rc == 0) {
        const char *parent = state_dir && state_dir[0] ? state_dir : "/"; // as logfile_dir_path
        f.parent_wd = inotify_add_watch(f.ifd, parent, IN_DELETE | IN_MOVED_FROM | IN_ONLYDIR);
        rc = f.parent_wd < 0 ? -errno : 0;
    }
    if (rc == 0) {
        rc = follow_start(&f, n);
    }
    if (rc == 0) {
        rc = follow_loop(&f);
    }
    if (f.fd >= 0) {
        (void)close(f.fd);
    }
    if (f.ifd >= 0) {
        (void)close(f.ifd);
    }
    if (f.dir_fd >= 0) {
        (void)close(f.dir_fd);
    }
    return rc == -EPIPE ? 0 : rc;
}
