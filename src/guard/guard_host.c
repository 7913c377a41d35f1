// SPDX-License-Identifier: MIT
// Host guard. MemAvailable is sampled adaptively (the interval shrinks with the distance
// to min_available, sized for 1 GiB/s of decline, as earlyoom does); memory pressure comes
// from a PSI trigger on /proc/pressure/memory, which the kernel signals with EPOLLPRI.
#include "guard_host.h"

#include <sys/epoll.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "log.h"
#include "loop.h"
#include "meminfo.h"
#include "service.h"
#include "supervisor.h"

#define HOST_SAMPLE_MIN_MS 10u   // fastest MemAvailable sampling, near the threshold
#define HOST_SAMPLE_MAX_MS 1000u // slowest, far from it
#define HOST_COOLDOWN_MS   1000u // after acting, give the kernel time to free memory

static int read_available(struct host_guard *h, uint64_t *bytes)
{
    struct meminfo mi;
    int rc = meminfo_read(h->meminfo_path, &mi);
    if (rc == 0 && !mi.has_available) {
        rc = -EINVAL;
    }
    *bytes = mi.available_bytes;
    return rc;
}

bool guard_host_room_for(struct supervisor *sup, uint64_t bytes, uint64_t *available)
{
    uint64_t floor = sup->cfg->host_min_available_bytes;
    *available = 0;
    if (!sup->host.enabled || !floor || read_available(&sup->host, available) < 0) {
        return true; // no [host] floor to keep (or nothing to read): the kernel's limits rule
    }
    return *available >= floor && *available - floor >= bytes;
}

// The victim: a live service, lowest priority first, then the largest.
static struct service *pick_victim(struct supervisor *sup, uint64_t *usage)
{
    struct service *best = NULL;
    uint64_t best_mem = 0;
    for (unsigned i = 0; i < sup->service_count; i++) {
        struct service *svc = &sup->services[i];
        uint64_t mem = 0, pids = 0;
        if (svc->pid <= 0 || (svc->state != SVC_RUNNING && svc->state != SVC_STARTING)) {
            continue;
        }
        (void)cgroup_sample(&sup->cgs, &svc->cg, &mem, &pids);
        if (!best || svc->cfg->priority < best->cfg->priority ||
            (svc->cfg->priority == best->cfg->priority && mem > best_mem)) {
            best = svc;
            best_mem = mem;
        }
    }
    *usage = best_mem;
    return best;
}

static void act(struct supervisor *sup, const char *trigger, uint64_t avail, bool urgent)
{
    struct host_guard *h = &sup->host;
    uint64_t now = clock_mono_ms();
    if (h->last_action_ms && now - h->last_action_ms < HOST_COOLDOWN_MS) {
        return;
    }
    uint64_t usage = 0;
    struct service *svc = pick_victim(sup, &usage);
    if (!svc) {
        return; // nothing of ours to give back
    }
    h->last_action_ms = now;
    h->action_count++;
    const char *action = urgent ? "kill" : "drain";
    log_warnx("host memory: %s (MemAvailable %llu kB, min_available %llu kB): %s %s "
              "(priority %llu, %llu kB)",
              trigger, (unsigned long long)(avail >> 10),
              (unsigned long long)(sup->cfg->host_min_available_bytes >> 10), action,
              svc->cfg->name, (unsigned long long)svc->cfg->priority,
              (unsigned long long)(usage >> 10));
    json_t *ev = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I}", "trigger", trigger, "action", action,
                           "mem_available_bytes", (json_int_t)avail, "min_available_bytes",
                           (json_int_t)sup->cfg->host_min_available_bytes, "priority",
                           (json_int_t)svc->cfg->priority, "usage_bytes", (json_int_t)usage);
    if (urgent) {
        service_guard_kill(svc, "host-pressure", ev);
    } else {
        service_guard_drain(svc, "host-pressure", ev);
    }
}

static void arm_sample(struct supervisor *sup, uint64_t avail)
{
    uint64_t min = sup->cfg->host_min_available_bytes, iv = HOST_SAMPLE_MAX_MS;
    if (avail > min) {
        iv = (avail - min) / (1u << 20); // ms at 1 GiB/s of decline
    } else {
        iv = HOST_SAMPLE_MIN_MS;
    }
    iv = iv < HOST_SAMPLE_MIN_MS ? HOST_SAMPLE_MIN_MS
                                 : (iv > HOST_SAMPLE_MAX_MS ? HOST_SAMPLE_MAX_MS : iv);
    (void)timer_arm_ms(sup->host.timer_fd, iv);
}

static void on_sample(struct loop *loop, int fd, uint32_t events, void *ctx)
{
    (void)loop;
    (void)events;
    struct supervisor *sup = ctx;
    struct host_guard *h = &sup->host;
    (void)timer_drain(fd);
    uint64_t avail = 0, min = sup->cfg->host_min_available_bytes;
    if (read_available(h, &avail) < 0) {
        if (h->read_errors++ % 100 == 0) {
            log_warnx("unable to read MemAvailable from %s (%llu times)", h->meminfo_path,
                      (unsigned long long)h->read_errors);
        }
        (void)timer_arm_ms(fd, HOST_SAMPLE_MAX_MS);
        return;
    }
    if (min && avail < min && !sup->shutting_down) {
        act(sup, "min_available", avail, avail < min / 2);
    }
    arm_sample(sup, avail);
}

static void on_psi(struct loop *loop, int fd, uint32_t events, void *ctx)
{
    (void)loop;
    (void)fd;
    struct supervisor *sup = ctx;
    if (!(events & EPOLLPRI) || sup->shutting_down) {
        return;
    }
    uint64_t avail = 0;
    (void)read_available(&sup->host, &avail);
    act(sup, "max_pressure", avail, false);
}

// A PSI trigger: "full <stall us> <window us>" on /proc/pressure/memory (Linux 5.2+).
static int open_psi(struct supervisor *sup)
{
    const struct warden_config *c = sup->cfg;
    uint64_t window_us = c->host_pressure_window_ms * 1000u;
    int fd = psi_trigger_open(AT_FDCWD, "/proc/pressure/memory", "full",
                              window_us * c->host_max_pressure_pct / 100u, &window_us);
    if (fd >= 0 && window_us != c->host_pressure_window_ms * 1000u) {
        log_warnx("max_pressure: the kernel takes only 2 s multiples as PSI windows without "
                  "CAP_SYS_RESOURCE: watching %llu%% over %llu ms",
                  (unsigned long long)c->host_max_pressure_pct,
                  (unsigned long long)(window_us / 1000u));
    }
    return fd;
}

int guard_host_init(struct supervisor *sup)
{
    struct host_guard *h = &sup->host;
    const struct warden_config *c = sup->cfg;
    h->timer_fd = h->psi_fd = -1;
    h->enabled = c->host_min_available_bytes || c->host_max_pressure_pct;
    if (!h->enabled) {
        return 0;
    }
    (void)snprintf(h->meminfo_path, sizeof(h->meminfo_path), "%s", sup->hooks.meminfo_path);
    if (c->host_min_available_bytes) {
        h->timer_fd = timer_create_fd();
        if (h->timer_fd < 0) {
            return h->timer_fd;
        }
        int rc = loop_add(sup->loop, h->timer_fd, EPOLLIN, on_sample, sup);
        if (rc < 0) {
            return rc;
        }
        (void)timer_arm_ms(h->timer_fd, HOST_SAMPLE_MIN_MS);
    }
    if (c->host_max_pressure_pct) {
        int fd = open_psi(sup);
        if (fd < 0) {
            log_warnx("unable to set a memory PSI trigger: %s (max_pressure is not watched)",
                      strerror(-fd));
        } else if (loop_add(sup->loop, fd, EPOLLPRI, on_psi, sup) < 0) {
            (void)close(fd);
        } else {
            h->psi_fd = fd;
        }
    }
    return 0;
}

void guard_host_fini(struct supervisor *sup)
{
    struct host_guard *h = &sup->host;
    loop_close(sup->loop, &h->timer_fd);
    loop_close(sup->loop, &h->psi_fd);
}
