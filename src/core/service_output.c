// SPDX-License-Identifier: MIT
// A service's output: the pipes from each instance, relayed line by line to warden's
// stdout/stderr and the service's log file (logs.c, logfile.c), paused while over the
// rate limit.
#include <sys/epoll.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "logfile.h"
#include "loop.h"
#include "outtail.h"
#include "service_int.h"
#include "supervisor.h"

// Capture into STATE_DIR/logs/NAME.log. A file that cannot be opened costs the capture,
// not the service: its output is still passed through, and status says why.
void service_open_log(struct service *svc, struct logfile *lf)
{
    const struct svc_config *cfg = svc->cfg;
    if (!cfg->log_max_bytes) {
        return;
    }
    int rc = logfile_open(lf, svc->sup->cfg->state_dir, cfg->name, cfg->log_max_bytes,
                          (unsigned)cfg->log_max_count);
    if (rc < 0) {
        svc->log_error = -rc;
        log_warn("%s: output not captured: unable to open %s/" LOGFILE_DIR "/%s.log: %s", cfg->name,
                 svc->sup->cfg->state_dir, cfg->name, strerror(-rc));
        return;
    }
    logfile_set_rate(lf, cfg->log_rate_lines, cfg->log_rate_bytes);
    svc->log = lf;
}

/* ---- output pipes ---- */

struct relay_out service_relay_for(const struct service *svc, bool is_out)
{
    return (struct relay_out){.out_fd = is_out ? STDOUT_FILENO : STDERR_FILENO,
                              .prefix = svc->sup->prefix_output ? svc->cfg->name : NULL,
                              .lf = svc->log,
                              .tail = svc->tail};
}

static void on_log_timer(struct loop *loop, int fd, uint32_t events, void *ctx)
{
    (void)events;
    struct service *svc = ctx;
    (void)timer_drain(fd);
    for (int i = 0; i < 2; i++) {
        int out_fd = i == 0 ? svc->out_fd : svc->err_fd;
        if ((svc->log_paused & (1u << i)) && out_fd >= 0) {
            (void)loop_mod(loop, out_fd, EPOLLIN);
        }
    }
    svc->log_paused = 0;
}

// The rate limit dropped lines: stop reading this stream for LOGS_PAUSE_MS. Without a
// timer (none could be made) the stream is simply read on: dropping still bounds the disk.
static void pause_stream(struct service *svc, int fd, bool is_out)
{
    if (svc->log_timer_fd < 0) {
        int tfd = timer_create_fd();
        if (tfd < 0 || loop_add(svc->sup->loop, tfd, EPOLLIN, on_log_timer, svc) < 0) {
            if (tfd >= 0) {
                (void)close(tfd);
            }
            return;
        }
        svc->log_timer_fd = tfd;
    }
    if (loop_mod(svc->sup->loop, fd, 0) == 0) {
        if (!svc->log_paused) {
            (void)timer_arm_ms(svc->log_timer_fd, LOGS_PAUSE_MS);
        }
        svc->log_paused |= is_out ? 1u : 2u;
    }
}

static void on_output(struct loop *loop, int fd, uint32_t events, void *ctx)
{
    (void)loop;
    (void)events;
    struct service *svc = ctx;
    bool is_out = fd == svc->out_fd;
    struct relay_out out = service_relay_for(svc, is_out);
    int rc = logs_relay(fd, &out, is_out ? svc->out_lb : svc->err_lb);
    if (rc != 0) {
        service_close_fd(svc, is_out ? &svc->out_fd : &svc->err_fd);
    } else if (out.dropped) {
        pause_stream(svc, fd, is_out);
    }
}

// Pipes are per instance; a grandchild holding the write end keeps ours open until the
// cgroup is empty, which is when the instance is torn down anyway. Output is inherited
// as it is only when there is nothing to do with it: one service, not captured.
void service_watch_output(struct service *svc)
{
    if (svc->out_fd >= 0) {
        (void)loop_add(svc->sup->loop, svc->out_fd, EPOLLIN, on_output, svc);
    }
    if (svc->err_fd >= 0) {
        (void)loop_add(svc->sup->loop, svc->err_fd, EPOLLIN, on_output, svc);
    }
}

int service_open_output(struct service *svc, int *out_w, int *err_w)
{
    *out_w = *err_w = -1;
    // Always through pipes, even with nothing to prefix or capture: the last lines of each
    // instance are kept (outtail.h) for its exit record, and a runtime's own out-of-memory
    // message is recognised in them.
    outtail_reset(svc->tail);
    int po[2], pe[2];
    if (pipe2(po, O_CLOEXEC) < 0) {
        return -errno;
    }
    if (pipe2(pe, O_CLOEXEC) < 0) {
        int e = errno;
        (void)close(po[0]);
        (void)close(po[1]);
        return -e;
    }
    (void)fcntl(po[0], F_SETFL, O_NONBLOCK);
    (void)fcntl(pe[0], F_SETFL, O_NONBLOCK);
    service_close_fd(svc, &svc->out_fd);
    service_close_fd(svc, &svc->err_fd);
    svc->log_paused = 0; // a pending resume finds new fds already read
    svc->out_fd = po[0];
    svc->err_fd = pe[0];
    *out_w = po[1];
    *err_w = pe[1];
    service_watch_output(svc);
    return 0;
}

void service_read_output(struct service *svc)
{
    for (int i = 0; i < 2; i++) {
        bool is_out = i == 0;
        int fd = is_out ? svc->out_fd : svc->err_fd;
        if (fd >= 0) {
            struct relay_out out = service_relay_for(svc, is_out);
            (void)logs_relay(fd, &out, is_out ? svc->out_lb : svc->err_lb);
        }
    }
}

void service_drain_output(struct service *svc)
{
    for (int i = 0; i < 2; i++) {
        bool is_out = i == 0;
        int *fd = is_out ? &svc->out_fd : &svc->err_fd;
        if (*fd >= 0) {
            struct relay_out out = service_relay_for(svc, is_out);
            struct linebuf *lb = is_out ? svc->out_lb : svc->err_lb;
            (void)logs_relay(*fd, &out, lb);
            logs_flush(&out, lb);
        }
        service_close_fd(svc, fd);
    }
}
