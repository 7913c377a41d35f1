/* SPDX-License-Identifier: MIT */
/* Command line: subcommand implementations. Exit codes come from one enum. */
#ifndef WARDEN_CLI_H
#define WARDEN_CLI_H

enum cli_exit {
    CLI_OK = 0,      /* success */
    CLI_RUNTIME = 1, /* runtime failure (cannot reach the daemon, I/O error, ...) */
    CLI_USAGE = 2,   /* usage or config error, unknown service */
};

/* Client commands talking to the daemon: status, start, stop, restart, events. */
int cli_client(const char *cmd, int argc, char **argv);
/* `warden report`: diagnosis from the journal, history and live status. */
int cli_report(int argc, char **argv);
/* `warden logs NAME [-f] [-n N]`: captured output, from the files under state_dir. */
int cli_logs(int argc, char **argv);
/* warden run / daemon / check / version / help. */
int cli_run(int argc, char **argv);
int cli_daemon(int argc, char **argv);
int cli_check(int argc, char **argv);
int cli_version(int argc, char **argv);
int cli_help(const char *topic);
/* Where a client command finds the daemon and its files, one order for every command
 * (cli_client.c): the option (--socket, --state-dir), then -c FILE's [warden] value (NULL
 * without -c), then $WARDEN_SOCKET / $WARDEN_STATE_DIR, then, for the state_dir, the one
 * the running daemon reports (live, NULL when unknown), then fallback (may be NULL). */
const char *cli_socket(const char *opt, const char *cfg_socket, const char *fallback);
const char *cli_state_dir(const char *opt, const char *cfg_dir, const char *live,
                          const char *fallback);
/* Hidden test hook: append COUNT synthetic events to the journal in DIR through the real
 * journal code (the 200,000-event cap test and the SIGKILL-mid-write test use it). */
int cli_journal_fill(int argc, char **argv);

#endif
