/* SPDX-License-Identifier: MIT */
/* What `warden report` and Prometheus read: each service's memory and pids history (one
 * fixed-size file per service, a point a second) and the /metrics server. The supervisor
 * calls these; the history tick and the metrics server run in its one loop. */
#ifndef WARDEN_OBSERVE_H
#define WARDEN_OBSERVE_H

#include <stddef.h>

struct supervisor;

/* Open the history files (pruning those of services gone for HISTORY_RETENTION_S), arm the
 * 1 s history tick, and start the metrics server when cfg->metrics is set. History problems
 * are logged and leave history off; a metrics address that cannot be served is fatal
 * (-errno, msg says why). */
int observe_init(struct supervisor *sup, char *msg, size_t msg_len);
void observe_fini(struct supervisor *sup);
/* A service added by a reload (or back after one removed it): its history file. */
struct service;
void observe_add(struct supervisor *sup, struct service *svc);

/* The Prometheus text exposition of warden's state into buf: its length, or -ENOSPC. */
int observe_metrics_text(struct supervisor *sup, char *buf, size_t size);

#endif
