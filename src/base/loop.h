/* SPDX-License-Identifier: MIT */
/* The one event loop: epoll over fds with handler slots preallocated at creation
 * (indexed by fd, up to LOOP_FDS_MAX), plus timerfd helpers. Single-threaded. */
#ifndef WARDEN_LOOP_H
#define WARDEN_LOOP_H

#include <stdbool.h>
#include <stdint.h>

struct loop;
typedef void loop_fn(struct loop *loop, int fd, uint32_t events, void *ctx);

/* Create the loop. Also raises the soft RLIMIT_NOFILE to LOOP_FDS_MAX (at most the hard
 * limit), so that warden can open as many fds as its table covers (bounds.h counts them):
 * the usual soft limit of 1024 is below what SERVICES_MAX services can hold. Returns 0 or
 * -errno. */
int loop_init(struct loop **out);
/* Give this process back the soft RLIMIT_NOFILE it had before loop_init raised it: a child
 * calls it before exec (spawn.c), so services get the limit warden was started with.
 * Async-signal-safe; nothing to do when loop_init did not raise it. */
void loop_nofile_restore(void);
void loop_fini(struct loop *loop);

/* Watch fd for events (EPOLLIN, ...). fd must be < LOOP_FDS_MAX (else -EMFILE) and not
 * already watched (-EEXIST). Returns 0 or -errno. */
int loop_add(struct loop *loop, int fd, uint32_t events, loop_fn *fn, void *ctx);
/* Change the events of a watched fd. 0 or -errno. */
int loop_mod(struct loop *loop, int fd, uint32_t events);
/* Stop watching fd (does not close it). Safe to call from inside a handler, also for
 * other fds of the same batch: their pending events are dropped. */
void loop_del(struct loop *loop, int fd);

/* Wait up to timeout_ms (-1: forever) and dispatch one batch. 0 or -errno (not EINTR). */
int loop_run_once(struct loop *loop, int timeout_ms);
/* Run until loop_stop. */
int loop_run(struct loop *loop);
void loop_stop(struct loop *loop);
bool loop_stopping(const struct loop *loop);

/* Create a CLOCK_MONOTONIC non-blocking timerfd. Returns fd or -errno. */
int timer_create_fd(void);
/* Stop watching *fd, close it and set it to -1; nothing when it is -1 already. */
void loop_close(struct loop *loop, int *fd);
/* Arm a one-shot timer in ms from now (0 disarms). 0 or -errno. */
int timer_arm_ms(int tfd, uint64_t ms);
/* Read and discard expirations; returns how many there were (0: a stale wakeup). */
uint64_t timer_drain(int tfd);
/* Arm tfd to fire every ms from now on (no re-arm per tick). 0 or -errno. */
int timer_arm_periodic_ms(int tfd, uint64_t ms);

/* Monotonic and wall clocks in ms. */
uint64_t clock_mono_ms(void);
uint64_t clock_wall_ms(void);

#endif
