// SPDX-License-Identifier: MIT
// warden: keeps Linux services alive under memory and process exhaustion, and says why
// they died. main only dispatches subcommands (cli.c and cli_client.c do the work).
#include <stdio.h>
#include <string.h>

#include "cli.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        (void)cli_help(NULL);
        return CLI_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "run") == 0) {
        return cli_run(argc - 1, argv + 1);
    }
    if (strcmp(cmd, "daemon") == 0) {
        return cli_daemon(argc - 1, argv + 1);
    }
    if (strcmp(cmd, "check") == 0) {
        return cli_check(argc - 1, argv + 1);
    }
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        return cli_version(argc - 1, argv + 1);
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        return cli_help(argc > 2 ? argv[2] : NULL) == 0 ? CLI_OK : CLI_USAGE;
    }
    if (strcmp(cmd, "_journal-fill") == 0) {
        return cli_journal_fill(argc - 1, argv + 1);
    }
    static const char *const client_cmds[] = {"status",  "start",  "stop",
                                              "restart", "events", "metrics"};
    for (size_t i = 0; i < sizeof(client_cmds) / sizeof(client_cmds[0]); i++) {
        if (strcmp(cmd, client_cmds[i]) == 0) {
            return cli_client(cmd, argc - 1, argv + 1);
        }
    }
    if (strcmp(cmd, "report") == 0) {
        return cli_report(argc - 1, argv + 1);
    }
    if (strcmp(cmd, "logs") == 0) {
        return cli_logs(argc - 1, argv + 1);
    }
    (void)fprintf(stderr, "warden: unknown command '%s' (see 'warden help')\n", cmd);
    return CLI_USAGE;
}
