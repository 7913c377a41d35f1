/* SPDX-License-Identifier: MIT */
/* Host guard (earlyoom / systemd-oomd style): when MemAvailable drops below
 * [host] min_available, or memory PSI "full" stays above max_pressure, warden acts on
 * one supervised service: the lowest priority first, then the largest. It drains it when
 * there is time and kills it at once below half the threshold. */
#ifndef WARDEN_GUARD_HOST_H
#define WARDEN_GUARD_HOST_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

struct supervisor;

struct host_guard {
    bool enabled;
    int timer_fd;           /* MemAvailable sampling, adaptive */
    int psi_fd;             /* /proc/pressure/memory trigger (EPOLLPRI), -1 without PSI */
    char meminfo_path[256]; /* /proc/meminfo; WARDEN_TEST_MEMINFO in tests */
    uint64_t last_action_ms;
    uint64_t action_count;
    uint64_t read_errors;
};

/* Arm the guard when cfg has a [host] section. 0 or -errno. */
int guard_host_init(struct supervisor *sup);
void guard_host_fini(struct supervisor *sup);

/* Can bytes more be used without taking MemAvailable below [host] min_available? true
 * when there is no such floor. *available: what MemAvailable read (0 when not read). */
bool guard_host_room_for(struct supervisor *sup, uint64_t bytes, uint64_t *available);

#endif
