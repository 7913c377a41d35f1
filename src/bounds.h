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

#define LOOP_FDS_MAX      1024u /* highest fd number the loop can watch */
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

#endif
