// SPDX-License-Identifier: MIT
// epoll loop with a fixed handler table indexed by fd (redis ae's preallocated slots,
// without its growable arrays). Handlers are looked up at dispatch time by fd and a
// generation number, so a handler deleted earlier in the same batch is never called.
#include "loop.h"

#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/timerfd.h>

#include <errno.h>
#include <time.h>
#include <unistd.h>

#include "bounds.h"

struct loop_slot {
    loop_fn *fn;
    void *ctx;
    uint32_t gen; // bumped on every add/del; stale batch entries are skipped
};

struct loop {
    int epfd;
    bool in_use;
    bool stopping;
    struct loop_slot slots[LOOP_FDS_MAX];
};

// One loop per process (warden is single-threaded). Static storage rather than calloc:
// the 96 KiB slot table is only made resident page by page as fds are registered (the
// kernel hands out the lowest free fd number, so a handful of services stay in its first
// page of 170 slots; mlockall is MCL_ONFAULT, so untouched pages stay unmapped).
static struct loop the_loop;

// The RLIMIT_NOFILE warden was started with, when loop_init raised its soft limit.
static struct rlimit nofile_inherited;
static bool nofile_raised;

static void raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= LOOP_FDS_MAX) {
        return;
    }
    struct rlimit want = {rl.rlim_max < LOOP_FDS_MAX ? rl.rlim_max : LOOP_FDS_MAX, rl.rlim_max};
    if (want.rlim_cur > rl.rlim_cur && setrlimit(RLIMIT_NOFILE, &want) == 0) {
        nofile_inherited = rl; // best effort: else opens past the limit get EMFILE
        nofile_raised = true;
    }
}

void loop_nofile_restore(void)
{
    if (nofile_raised) {
        (void)setrlimit(RLIMIT_NOFILE, &nofile_inherited);
    }
}

int loop_init(struct loop **out)
{
    struct loop *loop = &the_loop;
    if (loop->in_use) {
        return -EBUSY;
    }
    raise_nofile();
    loop->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (loop->epfd < 0) {
        return -errno;
    }
    loop->in_use = true;
    loop->stopping = false;
    *out = loop;
    return 0;
}

void loop_fini(struct loop *loop)
{
    if (!loop || !loop->in_use) {
        return;
    }
    (void)close(loop->epfd);
    for (unsigned fd = 0; fd < LOOP_FDS_MAX; fd++) {
        if (loop->slots[fd].fn) { // only slots in use: leave untouched pages unmapped
            loop->slots[fd].fn = NULL;
            loop->slots[fd].ctx = NULL;
        }
    }
    loop->in_use = false;
}

static uint64_t pack(int fd, uint32_t gen)
{
    return ((uint64_t)gen << 32) | (uint32_t)fd;
}

int loop_add(struct loop *loop, int fd, uint32_t events, loop_fn *fn, void *ctx)
{
    if (fd < 0 || (unsigned)fd >= LOOP_FDS_MAX) {
        return -EMFILE;
    }
    struct loop_slot *s = &loop->slots[fd];
    if (s->fn) {
        return -EEXIST;
    }
    s->gen++;
    struct epoll_event ev = {.events = events, .data.u64 = pack(fd, s->gen)};
    if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
        return -errno;
    }
    s->fn = fn;
    s->ctx = ctx;
    return 0;
}

int loop_mod(struct loop *loop, int fd, uint32_t events)
{
    if (fd < 0 || (unsigned)fd >= LOOP_FDS_MAX || !loop->slots[fd].fn) {
        return -ENOENT;
    }
    struct epoll_event ev = {.events = events, .data.u64 = pack(fd, loop->slots[fd].gen)};
    if (epoll_ctl(loop->epfd, EPOLL_CTL_MOD, fd, &ev) < 0) {
        return -errno;
    }
    return 0;
}

void loop_del(struct loop *loop, int fd)
{
    if (fd < 0 || (unsigned)fd >= LOOP_FDS_MAX || !loop->slots[fd].fn) {
        return;
    }
    (void)epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL);
    loop->slots[fd].fn = NULL;
    loop->slots[fd].ctx = NULL;
    loop->slots[fd].gen++;
}

int loop_run_once(struct loop *loop, int timeout_ms)
{
    struct epoll_event evs[LOOP_EVENTS_BATCH];
    int n = epoll_wait(loop->epfd, evs, LOOP_EVENTS_BATCH, timeout_ms);
    if (n < 0) {
        return errno == EINTR ? 0 : -errno;
    }
    for (int i = 0; i < n; i++) {
        int fd = (int)(uint32_t)evs[i].data.u64;
        uint32_t gen = (uint32_t)(evs[i].data.u64 >> 32);
        struct loop_slot *s = &loop->slots[fd];
        if (!s->fn || s->gen != gen) {
            continue; // deleted (or replaced) earlier in this batch
        }
        s->fn(loop, fd, evs[i].events, s->ctx);
    }
    return 0;
}

int loop_run(struct loop *loop)
{
    while (!loop->stopping) {
        int rc = loop_run_once(loop, -1);
        if (rc < 0) {
            return rc;
        }
    }
    return 0;
}

void loop_stop(struct loop *loop)
{
    loop->stopping = true;
}

bool loop_stopping(const struct loop *loop)
{
    return loop->stopping;
}

void loop_close(struct loop *loop, int *fd)
{
    if (*fd >= 0) {
        loop_del(loop, *fd);
        (void)close(*fd);
        *fd = -1;
    }
}

int timer_create_fd(void)
{
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

int timer_arm_ms(int tfd, uint64_t ms)
{
    struct itimerspec its = {0};
    its.it_value.tv_sec = (time_t)(ms / 1000);
    its.it_value.tv_nsec = (long)(ms % 1000) * 1000000L;
    return timerfd_settime(tfd, 0, &its, NULL) < 0 ? -errno : 0;
}

int timer_arm_periodic_ms(int tfd, uint64_t ms)
{
    struct itimerspec its = {0};
    its.it_value.tv_sec = its.it_interval.tv_sec = (time_t)(ms / 1000);
    its.it_value.tv_nsec = its.it_interval.tv_nsec = (long)(ms % 1000) * 1000000L;
    return timerfd_settime(tfd, 0, &its, NULL) < 0 ? -errno : 0;
}

// One read: a timerfd returns every expiration since the last read at once (a second read
// would only say EAGAIN, and idle warden is mostly timer wake-ups).
uint64_t timer_drain(int tfd)
{
    uint64_t n = 0;
    ssize_t r;
    do {
        r = read(tfd, &n, sizeof(n));
    } while (r < 0 && errno == EINTR);
    return r == (ssize_t)sizeof(n) ? n : 0;
}

static uint64_t clock_ms(clockid_t id)
{
    struct timespec ts;
    (void)clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t clock_mono_ms(void)
{
    return clock_ms(CLOCK_MONOTONIC);
}

uint64_t clock_wall_ms(void)
{
    return clock_ms(CLOCK_REALTIME);
}
