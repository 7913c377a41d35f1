// SPDX-License-Identifier: MIT
// `warden reload` and SIGHUP: read the config file again and apply the difference.
// Unchanged services keep running untouched (only their config pointer moves to the new
// copy); changed ones are restarted with the new settings (drain, then start; a failed or
// backing-off one is started at once); removed ones are drained and then kept out of
// status; new ones are started. An invalid file changes nothing. [warden] and [host] are
// read at start only: a change there is reported, not applied.
//
// Two config buffers alternate: the one in use and the one the next reload reads into.
// A removed service still points into the old buffer, so the next reload waits until
// every removed service has stopped, then gives each a tombstone copy of its config.
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "history.h"
#include "log.h"
#include "observe.h"
#include "service_int.h"
#include "supervisor.h"

#define RELOAD_ERRS 4u

static struct warden_config spare_buf; // the first reload's buffer; then they alternate
static struct svc_config tombs[SERVICES_MAX];

static struct service *slot_named(struct supervisor *sup, const char *name)
{
    for (unsigned i = 0; i < sup->service_count; i++) {
        if (strcmp(sup->services[i].cfg->name, name) == 0) {
            return &sup->services[i];
        }
    }
    return NULL;
}

// Removed services must let go of the buffer about to be overwritten.
static int bury_removed(struct supervisor *sup, char *err, size_t errlen)
{
    static char *const no_argv[] = {NULL};
    for (unsigned i = 0; i < sup->service_count; i++) {
        struct service *svc = &sup->services[i];
        if (!svc->removed || svc->cfg == &tombs[i]) {
            continue;
        }
        if (!service_settled(svc)) {
            (void)snprintf(err, errlen,
                           "service %s, removed by the last reload, is still stopping: try again "
                           "once it has",
                           svc->cfg->name);
            return -EBUSY;
        }
        struct svc_config *t = &tombs[i];
        *t = *svc->cfg; // scalars and the name; nothing that points into the old arena:
        t->command = "";
        t->argv = (char **)(uintptr_t)no_argv;
        t->argc = 0;
        t->listen_count = 0;
        t->ready_path = NULL;
        svc->cfg = t;
    }
    return 0;
}

// A slot whose service a reload removed and which has stopped (its config is a tombstone).
static struct service *buried_slot(struct supervisor *sup)
{
    for (unsigned i = 0; i < sup->service_count; i++) {
        struct service *svc = &sup->services[i];
        if (svc->removed && svc->cfg == &tombs[i] && service_settled(svc)) {
            return svc;
        }
    }
    return NULL;
}

static void list_add(json_t *list, const char *name)
{
    (void)json_array_append_new(list, json_string(name));
}

// One service of the new config against what runs.
static int apply_one(struct supervisor *sup, const struct svc_config *nc, json_t *sum)
{
    struct service *svc = slot_named(sup, nc->name);
    if (svc && !svc->removed && config_service_equal(svc->cfg, nc)) {
        svc->cfg = nc; // same settings, new copy: nothing else to do
        return 0;
    }
    if (svc && !svc->removed) {
        service_reconfigure(svc, nc);
        list_add(json_object_get(sum, "changed"), nc->name);
        if (svc->state != SVC_STOPPED) { // an operator's stop stands
            service_handle(svc, SVC_EV_RESTART);
        }
        return 0;
    }
    if (!svc && sup->service_count == SERVICES_MAX) {
        svc = buried_slot(sup); // the table is full: reuse the slot of a removed service
    }
    if (svc) { // removed earlier (this name back, or a new one in its slot)
        history_close(&svc->hist);
        service_fini(svc);
    } else if (sup->service_count < SERVICES_MAX) {
        svc = &sup->services[sup->service_count];
    } else {
        return -ENOSPC;
    }
    int rc = service_init(svc, sup, nc);
    if (rc < 0) {
        return rc;
    }
    if (svc == &sup->services[sup->service_count]) {
        sup->service_count++;
    }
    observe_add(sup, svc);
    list_add(json_object_get(sum, "added"), nc->name);
    service_handle(svc, SVC_EV_START);
    return 0;
}

int sup_reload(struct supervisor *sup, json_t **summary, char *err, size_t errlen)
{
    *summary = NULL;
    if (!sup->cfg->file[0]) {
        (void)snprintf(err, errlen, "no config file to reload (warden run)");
        return -EINVAL;
    }
    int rc = bury_removed(sup, err, errlen);
    if (rc < 0) {
        return rc;
    }
    struct warden_config *next = sup->spare_cfg ? sup->spare_cfg : &spare_buf;
    static struct errbuf errs[RELOAD_ERRS];
    unsigned nerrs = 0;
    next->host_memory_bytes = sup->cfg->host_memory_bytes;
    rc = config_load(next, sup->cfg->file, errs, RELOAD_ERRS, &nerrs);
    if (rc < 0 || nerrs) {
        (void)snprintf(err, errlen, "%s:%d: %s%s", errs[0].file ? errs[0].file : sup->cfg->file,
                       errs[0].line, errs[0].msg, nerrs > 1 ? " (and more: see warden check)" : "");
        return rc < 0 ? rc : -EINVAL;
    }
    json_t *sum = json_pack("{s:[], s:[], s:[], s:[]}", "changed", "added", "removed", "ignored");
    if (strcmp(next->state_dir, sup->cfg->state_dir) != 0 ||
        strcmp(next->socket, sup->cfg->socket) != 0 ||
        strcmp(next->metrics, sup->cfg->metrics) != 0) {
        list_add(json_object_get(sum, "ignored"), "[warden] (restart warden to apply)");
    }
    if (next->host_min_available_bytes != sup->cfg->host_min_available_bytes ||
        next->host_max_pressure_pct != sup->cfg->host_max_pressure_pct ||
        next->host_pressure_window_ms != sup->cfg->host_pressure_window_ms) {
        list_add(json_object_get(sum, "ignored"), "[host] (restart warden to apply)");
    }
    // what is read at start only keeps its running values (history, logs, socket use them)
    memcpy(next->state_dir, sup->cfg->state_dir, sizeof(next->state_dir));
    memcpy(next->socket, sup->cfg->socket, sizeof(next->socket));
    memcpy(next->metrics, sup->cfg->metrics, sizeof(next->metrics));
    next->host_min_available_bytes = sup->cfg->host_min_available_bytes;
    next->host_max_pressure_pct = sup->cfg->host_max_pressure_pct;
    next->host_pressure_window_ms = sup->cfg->host_pressure_window_ms;
    // removed first: their addresses may be what a new service listens on
    for (unsigned i = 0; i < sup->service_count; i++) {
        struct service *svc = &sup->services[i];
        if (!svc->removed && !config_find(next, svc->cfg->name)) {
            svc->removed = true;
            list_add(json_object_get(sum, "removed"), svc->cfg->name);
            service_handle(svc, SVC_EV_STOP);
            service_close_listen(svc);
        }
    }
    for (unsigned i = 0; i < next->service_count; i++) {
        rc = apply_one(sup, &next->services[i], sum);
        if (rc < 0) {
            log_warnx("reload: unable to add service %s: %s", next->services[i].name,
                      strerror(-rc));
            list_add(json_object_get(sum, "ignored"), next->services[i].name);
        }
    }
    if (sup->notify_fd < 0) {
        (void)service_notify_open(sup); // a service that wants sd_notify may be new
    }
    sup->spare_cfg = sup->cfg; // the next reload reads into the old buffer
    sup->cfg = next;
    *summary = sum;
    return 0;
}
