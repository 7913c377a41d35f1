// SPDX-License-Identifier: MIT
// A service slot's life (split from service.c): creation with its timer and per-slot tables
// (line buffers, log file, output tail), a reload's new config, and teardown.
#include <sys/epoll.h>

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "logfile.h"
#include "loop.h"
#include "outtail.h"
#include "service_int.h"
#include "supervisor.h"

static void on_timer(struct loop *loop, int fd, uint32_t events, void *ctx)
{
    (void)loop;
    (void)events;
    // An expiration queued in the same batch as an event that re-armed or disarmed the
    // timer reads as 0 here: stale, so not dispatched.
    if (timer_drain(fd) > 0) {
        service_handle(ctx, SVC_EV_TIMER);
    }
}

// One pair of line buffers per service slot, in a table of their own: they are only
// touched (made resident) when output flows through a prefixing relay. Indexed by the slot
// in sup->services (one supervisor per process), like the log files.
static struct linebuf linebufs[SERVICES_MAX][2];
static struct logfile logfiles[SERVICES_MAX];
static struct outtail tails[SERVICES_MAX];
static char tail_bufs[SERVICES_MAX][OUTTAIL_BYTES]; // touched only by output (outtail.h)

void service_reconfigure(struct service *svc, const struct svc_config *cfg)
{
    bool rebind = config_listen_differs(svc->cfg, cfg);
    svc->cfg = cfg;
    if (rebind) {
        service_close_listen(svc); // bound again at the next start
    }
    guard_fini(svc);
    (void)guard_init(svc); // without a timer the guard is off; said by status
    if (svc->log) {
        logfile_close(svc->log);
        svc->log = NULL;
    }
    svc->log_error = 0;
    service_open_log(svc, &logfiles[svc - svc->sup->services]);
}

int service_init(struct service *svc, struct supervisor *sup, const struct svc_config *cfg)
{
    ptrdiff_t slot = svc - sup->services;
    if (slot < 0 || slot >= (ptrdiff_t)SERVICES_MAX) {
        return -EINVAL;
    }
    memset(svc, 0, sizeof(*svc));
    svc->out_lb = &linebufs[slot][0];
    svc->err_lb = &linebufs[slot][1];
    svc->tail = &tails[slot];
    if (!svc->tail->buf) {
        svc->tail->buf = tail_bufs[slot];
    }
    // Static storage starts zeroed and logs_flush empties a buffer at every teardown, so
    // nothing is written (or even read) here: the buffers' pages stay unmapped until used.
    svc->sup = sup;
    svc->cfg = cfg;
    svc->state = SVC_STOPPED;
    svc->pidfd = svc->exec_fd = svc->out_fd = svc->err_fd = svc->log_timer_fd = -1;
    svc->probe_fd = svc->ready_timer_fd = -1;
    svc->hist.fd = -1; // opened by observe_init, or observe_add after a reload
    cgroup_svc_init(&svc->cg);
    policy_ring_reset(&svc->failures);
    service_open_log(svc, &logfiles[slot]);
    svc->timer_fd = timer_create_fd();
    if (svc->timer_fd < 0) {
        return svc->timer_fd;
    }
    int rc = loop_add(sup->loop, svc->timer_fd, EPOLLIN, on_timer, svc);
    return rc < 0 ? rc : guard_init(svc);
}

void service_close_fd(struct service *svc, int *fd)
{
    loop_close(svc->sup->loop, fd);
}

void service_fini(struct service *svc)
{
    service_overlap_fini(svc);
    service_ready_fini(svc);
    service_close_listen(svc);
    guard_fini(svc);
    service_close_fd(svc, &svc->timer_fd);
    service_close_fd(svc, &svc->pidfd);
    service_close_fd(svc, &svc->exec_fd);
    service_close_fd(svc, &svc->out_fd);
    service_close_fd(svc, &svc->err_fd);
    service_close_fd(svc, &svc->log_timer_fd);
    if (svc->log) {
        logfile_close(svc->log);
        svc->log = NULL;
    }
}
