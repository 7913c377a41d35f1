// SPDX-License-Identifier: MIT
// A service's listening sockets: bound once and held across restarts, passed to each
// instance with the socket-activation environment; a held address fails the service.
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "listen.h"
#include "log.h"
#include "runtime_heap.h"
#include "service_int.h"
#include "supervisor.h"

void service_close_listen(struct service *svc)
{
    for (unsigned i = 0; i < svc->listen_open; i++) {
        (void)close(svc->listen_fds[i]);
    }
    svc->listen_open = 0;
}

// Bind the service's listen addresses (once: they stay open across restarts). On failure
// nothing stays bound, the holder is named (incident 003: 8,414 restarts of a port conflict
// nobody named), and the start is backed off like a failed one: the holder may exit.
bool service_ensure_listening(struct service *svc)
{
    const struct svc_config *c = svc->cfg;
    if (svc->listen_open == c->listen_count) {
        return true;
    }
    for (unsigned i = 0; i < c->listen_count; i++) {
        struct listen_addr a;
        int fd = listen_parse(c->listen[i], &a, NULL, 0);
        fd = fd < 0 ? fd : listen_open(&a);
        if (fd >= 0) {
            svc->listen_fds[svc->listen_open++] = fd;
            continue;
        }
        char holder[256] = "";
        if (fd == -EADDRINUSE) {
            listen_holder(&a, holder, sizeof(holder));
        }
        service_close_listen(svc);
        char what[sizeof(svc->reason)];
        int n = snprintf(what, sizeof(what), "listen on %s%s%s%s", c->listen[i],
                         holder[0] ? " (held by " : "", holder, holder[0] ? ")" : "");
        (void)n; // cut to fit: the event has the whole holder
        sup_event(svc->sup, svc, "port-conflict",
                  json_pack("{s:s, s:s, s:s}", "address", c->listen[i], "error",
                            strerrorname_np(-fd) ? strerrorname_np(-fd) : "?", "holder", holder),
                  true);
        // Backed off like a failed start, naming the holder each time: the holder may go away
        // (DESIGN "Crash loops"); restart_max is the user's give-up.
        service_start_failed(svc, what, -fd);
        return false;
    }
    return true;
}

// What runtime_heap = auto adds to this instance's environment; NULL when nothing (off, no
// budget, every runtime set explicitly, or over a cap: then said, and the instance starts
// without the additions). Policy is decided here, so this is where it is logged.
static const struct runtime_heap_plan *heap_additions(const struct service *svc)
{
    static struct runtime_heap_plan plan; // 12 kB: one spawn at a time, untouched when off
    const struct svc_config *c = svc->cfg;
    if (c->runtime_heap != RUNTIME_HEAP_AUTO) {
        return NULL;
    }
    struct runtime_heap_input in;
    runtime_heap_input_of(c, &in);
    if (runtime_heap_plan(&in, &plan) < 0) {
        log_warnx("%s: unable to add runtime_heap = auto's heap caps: %s; starting without them",
                  c->name, plan.error);
        return NULL;
    }
    if (!plan.budget_bytes) {
        log_warnx("%s: runtime_heap = auto: no memory_restart or memory_max to derive a heap cap "
                  "from; starting without one",
                  c->name);
        return NULL;
    }
    return plan.node.left && plan.go.left && plan.jvm.left ? NULL : &plan;
}

static bool replaced(const char *entry, const struct runtime_heap_plan *heap)
{
    return heap && ((!heap->node.left && strncmp(entry, "NODE_OPTIONS=", 13) == 0) ||
                    (!heap->jvm.left && strncmp(entry, "JAVA_TOOL_OPTIONS=", 18) == 0));
}

// The environment of an instance that gets sockets, a notify socket or runtime_heap = auto's
// heap caps: warden's, minus any LISTEN_*, NOTIFY_SOCKET and WATCHDOG_* it was given itself
// (and the NODE_OPTIONS / JAVA_TOOL_OPTIONS auto merged its flags into), plus the
// socket-activation and sd_notify variables and the heap caps. NULL: warden's environ as is
// (auto had nothing to add and there are no sockets). *pid_slot: the LISTEN_PID entry the
// child completes (NULL when no sockets are passed). Static storage: one spawn at a time.
char *const *service_activation_env(const struct service *svc, char **pid_slot)
{
    extern char **environ;
    static char *envp[SPAWN_ENV_MAX + 9]; // + 3 heap caps, 3 LISTEN_*, 2 notify, NULL
    static char fds_var[32];
    static char pid_var[sizeof("LISTEN_PID=") + 20];
    static char names_var[sizeof("LISTEN_FDNAMES=") + (size_t)LISTEN_MAX * SERVICE_NAME_MAX];
    static char notify_var[sizeof("NOTIFY_SOCKET=") + 40];
    static char watchdog_var[48];
    const struct runtime_heap_plan *heap = heap_additions(svc);
    *pid_slot = NULL;
    if (!heap && !svc->listen_open && !service_wants_notify(svc)) {
        return NULL;
    }
    size_t n = 0;
    for (char **e = environ; *e && n < SPAWN_ENV_MAX; e++) {
        if (strncmp(*e, "LISTEN_", 7) != 0 && strncmp(*e, "NOTIFY_SOCKET=", 14) != 0 &&
            strncmp(*e, "WATCHDOG_", 9) != 0 && !replaced(*e, heap)) {
            envp[n++] = *e;
        }
    }
    const struct runtime_heap_var *vars[] = {heap ? &heap->node : NULL, heap ? &heap->go : NULL,
                                             heap ? &heap->jvm : NULL};
    for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
        if (vars[i] && !vars[i]->left) {
            envp[n++] = (char *)(uintptr_t)vars[i]->var; // execve does not write it
        }
    }
    if (svc->listen_open) {
        (void)snprintf(fds_var, sizeof(fds_var), "LISTEN_FDS=%u", svc->listen_open);
        (void)snprintf(pid_var, sizeof(pid_var), "LISTEN_PID=");
        size_t used = (size_t)snprintf(names_var, sizeof(names_var), "LISTEN_FDNAMES=");
        for (unsigned i = 0; i < svc->listen_open; i++) { // systemd's default name: the unit's
            int k = snprintf(names_var + used, sizeof(names_var) - used, "%s%s", i ? ":" : "",
                             svc->cfg->name);
            used += k > 0 ? (size_t)k : 0;
        }
        envp[n++] = fds_var;
        envp[n++] = pid_var;
        envp[n++] = names_var;
        *pid_slot = pid_var;
    }
    if (service_wants_notify(svc)) {
        (void)snprintf(notify_var, sizeof(notify_var), "NOTIFY_SOCKET=%s", svc->sup->notify_path);
        envp[n++] = notify_var;
        if (svc->cfg->watchdog_ms) {
            (void)snprintf(watchdog_var, sizeof(watchdog_var), "WATCHDOG_USEC=%llu",
                           (unsigned long long)svc->cfg->watchdog_ms * 1000u);
            envp[n++] = watchdog_var;
        }
    }
    envp[n] = NULL;
    return envp;
}
