/* SPDX-License-Identifier: MIT */
/* Every hard cap of warden in one place. Each is a size chosen once; reaching one is
 * handled where it is used (refused, dropped, or counted), never grown past. */
#ifndef WARDEN_BOUNDS_H
#define WARDEN_BOUNDS_H

#define SERVICES_MAX      64u   /* services in one config */
#define METRICS_ADDR_MAX  64u   /* "[IPV6]:PORT" of the metrics server, NUL included */
#define SERVICE_NAME_MAX  48u   /* bytes incl. NUL; [A-Za-z0-9_.-], no leading dot */
#define COMMAND_BYTES_MAX 1024u /* bytes of a `command =` value incl. NUL */
#define COMMAND_ARGV_MAX  64u   /* words in a command */
#define USER_NAME_MAX     33u   /* bytes incl. NUL (useradd allows 32) */
#define CONFIG_LINE_MAX   2048u /* libinih line buffer (INI_MAX_LINE is 200 by default) */
#define WARDEN_PATH_MAX                                                                            \
    1024u /* config, state_dir and socket paths incl. NUL: ample, and a                            \
             short path in a PATH_MAX array pins a page (bench rss) */

#define JOURNAL_SEGMENT_BYTES (1u << 20)  /* bytes per journal segment */
#define JOURNAL_SEGMENT_COUNT 8u          /* segments kept: the journal takes <= 8 MiB */
#define JOURNAL_LINE_MAX      4096u       /* bytes of one event line incl. newline */
#define JOURNAL_SYNC_MS       1000u       /* fsync debounce for ordinary events */
#define JOURNAL_SPILL_BYTES   (64u << 10) /* events held in memory while the disk is full */

#define CONTROL_CLIENTS_MAX  16u          /* concurrent control connections */
#define CONTROL_REQUEST_MAX  4096u        /* bytes of one request line */
#define CONTROL_RESPONSE_MAX (256u << 10) /* bytes of one response */
#define CONTROL_TIMEOUT_MS   2000u        /* a client must finish its request within this */

#define LOOP_FDS_MAX      4096u /* fd numbers the loop can watch: 0..4095 (asserts below) */
#define LOOP_EVENTS_BATCH 32u   /* epoll_wait batch */

#define LOG_LINE_MAX    4096u       /* a service output line; longer ones are split */
#define LOG_RELAY_BYTES (64u << 10) /* read per wakeup per stream, then yield to the loop */

#define OUTTAIL_LINES    20u   /* last output lines kept per instance (exit records, report) */
#define OUTTAIL_BYTES    4096u /* ...in at most this many bytes */
#define OUTTAIL_LINE_MAX 400u  /* a kept line is cut here */
#define RUNTIME_LINE_MAX 240u  /* the runtime's out-of-memory line quoted in an exit record */

#define CRASHLOOP_FAILURES      5u     /* consecutive failures before crash-looping */
#define DETERMINISTIC_WINDOW_MS 10000u /* a failure this soon after start may be deterministic */
#define EXEC_FAIL_BREAKER       3u     /* exec failures in a row before the breaker opens */

#define CGROUP_PATH_MAX    256u  /* bytes of one cgroup directory path incl. NUL */
#define CGROUP_FILE_MAX    4096u /* bytes read from one cgroup control file */
#define CGROUP_KILL_ROUNDS 64u   /* procs-list kill passes before giving up (v1 fallback) */

#define GUARD_SAMPLE_MIN_MS        2u    /* fastest adaptive sampling, close to a threshold */
#define GUARD_SAMPLE_MAX_MS        1000u /* slowest, far from every threshold */
#define GUARD_ASSUMED_MIB_PER_MS   1u    /* growth the sampler is sized for: 1 GiB/s */
#define GUARD_ASSUMED_FORKS_PER_MS 50u   /* fork rate the sampler is sized for */
#define FORK_RATE_WINDOW_MS        1000u /* fork_rate counts growth within this window... */
#define FORK_RATE_POINTS           16u   /* ...from this many pids points, one per 1/16 of it */
#define SNAPSHOT_PIDS_MAX          8192u /* processes read for a process-tree snapshot */
#define ESCAPE_TREE_MAX            256u /* processes of an escaped main process's tree moved back */
#define ESCAPE_CHECK_TICKS         60u  /* 1 s ticks between escape checks at a steady task count */
#define PROBE_OWNER_PIDS_MAX       256u /* replacement processes searched for a probe's socket */
#define PROBE_OWNER_FDS_MAX        16384u /* fd links read per search */
#define PROBE_DIAG_REPLY_MAX       1024u  /* bytes of one sock_diag reply (an inet_diag_msg) */
#define SNAPSHOT_GROUPS_MAX        64u    /* distinct (command, parent) pairs counted */
#define SNAPSHOT_TOP               5u     /* pairs reported */
#define LEAK_POINTS                60u    /* minima kept for the trend (one per LEAK_WINDOW) */
#define LEAK_WINDOW_SAMPLES        10u    /* 1 s samples per minimum: a 10 s window */
#define GROWTH_POINTS              8u     /* 1 s points kept per instance for its growth */
#define LEAK_RUNS                                                                                  \
    3u /* instances in a row ended by memory, each growing                                         \
          at a like rate, make a leak across instances */

/* environment entries passed to a service (warden's own), and one NODE_OPTIONS= or
 * JAVA_TOOL_OPTIONS= entry runtime_heap = auto merges its flags into, NUL included */
#define SPAWN_ENV_MAX          1024u
#define RUNTIME_HEAP_VAR_BYTES 4096u

/* Control connections waiting in the listen backlog while all CONTROL_CLIENTS_MAX slots
 * are busy (the kernel also caps it at net.core.somaxconn, 4096 by default): a burst of
 * 200 parallel `warden status` queues here instead of being accepted and reset. */
#define CONTROL_BACKLOG 256u
/* The CLI retries a connection that is refused or reset before any reply byte for up to
 * this long in total, waiting CONTROL_RETRY_FIRST_MS at first and doubling each time up
 * to CONTROL_RETRY_STEP_MAX_MS. */
#define CONTROL_RETRY_MS          2000u
#define CONTROL_RETRY_FIRST_MS    10u
#define CONTROL_RETRY_STEP_MAX_MS 200u

#define LISTEN_MAX       8u   /* listen = lines per service */
#define LISTEN_BACKLOG   4096 /* asked of listen(2); the kernel caps it at somaxconn */
#define LISTEN_ADDR_TEXT 128u /* "tcp:[ipv6]:port" or "unix:/path" as configured, max */

#define SPAWN_GROUPS_MAX 64u   /* supplementary groups passed to a service user */
#define CLOEXEC_SCAN_MAX 65536 /* fallback without close_range: fds scanned, at most */
#define QUOTE_VALUE_MAX  48u   /* bytes of a value quoted in a message (fits UNITS_QUOTE_BYTES) */

#define KMSG_VICTIMS     8u    /* recent OOM kills kept */
#define KMSG_MEMCG_BYTES 256u  /* a task_memcg path kept (longer ones: its last bytes) */
#define KMSG_RECORD_MAX  8192u /* bytes of a /dev/kmsg record (CONSOLE_EXT_LOG_MAX) */
#define KMSG_READS_MAX   4096u /* records read for one OOM lookup, at most */

#define LOGFILE_SIZE_MIN  (64ull << 10) /* log_max size bounds (one file) */
#define LOGFILE_SIZE_MAX  (1ull << 30)  /* ...so a service's logs take <= 16 GiB of disk */
#define LOGFILE_COUNT_MIN 2u            /* log_max count bounds (files incl. NAME.log) */
#define LOGFILE_COUNT_MAX 16u           /* ... */

#define HISTORY_FINE_COUNT   3600u   /* 1 s points kept per service: one hour */
#define HISTORY_COARSE_COUNT 2880u   /* 1 min aggregates kept per service: two days */
#define HISTORY_RETENTION_S  604800u /* 7 days: history files of removed services kept */

#define METRICS_CONNECTIONS_MAX      8u /* concurrent HTTP connections; more: closed */
#define METRICS_CONNECTION_TIMEOUT_S 5u /* an idle connection is cut after (libmicrohttpd) */
/* The whole request (line, headers, any body) must arrive within METRICS_REQUEST_DEADLINE_MS
 * of the accept, or of the end of the previous response on a kept-alive connection; else
 * the connection is closed (libmicrohttpd's own timeout is only an idle one). The pool
 * leaves room for an 8 KiB URL and its headers, so a URL up to that size is read whole and
 * answered 414 on a connection kept open; a longer one gets libmicrohttpd's own 414 or 431
 * and a close, which can reset it while the client is still sending. */
#define METRICS_REQUEST_DEADLINE_MS 3000u        /* from accept to the whole request */
#define METRICS_URL_MAX             2048u        /* bytes of a request URL; longer: HTTP 414 */
#define METRICS_CONNECTION_POOL     (16u << 10)  /* libmicrohttpd memory per connection */
#define METRICS_BODY_MAX            (256u << 10) /* bytes of one exposition; larger: HTTP 500 */
#define METRICS_LISTEN_BACKLOG      16u          /* pending connections in the kernel queue */
/* libmicrohttpd's own connection limit: one above ours, so a connection evicted at the cap
 * can still be closing while its replacement is accepted (metrics_server.c). */
#define MHD_CONNECTIONS_MAX (METRICS_CONNECTIONS_MAX + 1)
#define MHD_MSG_MAX         160 /* bytes kept of libmicrohttpd's last log message */
#define ADDR_QUOTE_MAX      64  /* bytes of a bad metrics address quoted back in a message */

/* `warden report`. Each is handled where it is reached (the oldest dropped or the rest left
 * out) and counted in the report ("*_omitted" fields). */
#define REPORT_EVENTS_MAX     4096u /* newest journal events read per service (a ring) */
#define REPORT_TIMELINE_MAX   64u   /* timeline entries kept (the newest) */
#define REPORT_EXITS_MAX      100u  /* exits listed in "exits" (the newest) */
#define REPORT_PEAKS_MAX      4096u /* peaks fed to the percentile (2 days of minutes fit) */
#define REPORT_CHART_POINTS   600u  /* points per SVG chart after downsampling */
#define REPORT_MARKERS_MAX    200u  /* markers (OOM kills, starts) per chart */
#define REPORT_TEXT_EXITS     10u   /* exits shown by report_text (all are in the JSON) */
#define REPORT_TEXT_TAIL      8u    /* last output lines of the last failure in the text */
#define REPORT_MERGE_LOOKBACK 4u    /* timeline entries searched to merge a repeat into */
#define X_TICKS_MAX           16u   /* time labels per chart, whatever the span */
#define TITLE_MAX             480   /* bytes of a chart marker's tooltip before escaping */

/* File descriptors. The loop's handler table is indexed by fd number, and the kernel hands
 * out the lowest free number, so LOOP_FDS_MAX must cover every fd warden can hold at once,
 * watched or not. Per service, at most: pidfd, exec-result pipe, service timer, stdout and
 * stderr pipes, log-rate timer (6, service.h); its cgroup's v2, v1 memory and v1 pids
 * directories and the sampler's two kept-open files (5, cgroup.h); the guard's sample timer,
 * v1 usage eventfd, PSI trigger and memory.events inotify (4, guard.h); its history file
 * (1); its log file and the logs directory (2, logfile.h); LISTEN_MAX listening sockets, a
 * readiness probe and the ready/watchdog timer (service.h); and an old instance draining
 * beside the new one: pidfd, cgroup directories and kept files, output pipes and timer (9,
 * service_overlap.c). */
#define SERVICE_FDS_MAX (6u + 5u + 4u + 1u + 2u + LISTEN_MAX + 2u + 9u)
/* warden's own: stdin/out/err, epoll, signalfd, /dev/null, journal directory and segment,
 * journal, history and metrics timers, the control socket and its timer with
 * CONTROL_CLIENTS_MAX clients, the metrics socket, libmicrohttpd's epoll and its
 * MHD_CONNECTIONS_MAX connections (and one in reserve), the host guard's timer and PSI
 * trigger, /dev/kmsg, the sd_notify socket. */
#define WARDEN_FDS_FIXED                                                                           \
    (3u + 3u + 2u + 3u + 2u + CONTROL_CLIENTS_MAX + 3u + MHD_CONNECTIONS_MAX + 2u + 2u)
/* Opened and closed within one handler: a spawn's pipe write ends, cgroup and /proc files,
 * the config file at a reload, a service's new listening sockets before its old ones close. */
#define WARDEN_FDS_TRANSIENT (8u + LISTEN_MAX)
/* All of them: 64 x 37 + 45 + 16 = 2429. loop_init raises the soft RLIMIT_NOFILE (often
 * 1024) to LOOP_FDS_MAX, up to the hard limit, so that warden may open that many. */
#define WARDEN_FDS_NEEDED (SERVICES_MAX * SERVICE_FDS_MAX + WARDEN_FDS_FIXED + WARDEN_FDS_TRANSIENT)
_Static_assert(WARDEN_FDS_NEEDED <= LOOP_FDS_MAX,
               "SERVICES_MAX services with their fds do not fit the loop's table: raise "
               "LOOP_FDS_MAX (24 bytes a slot, resident only where fds are in use)");

#endif
