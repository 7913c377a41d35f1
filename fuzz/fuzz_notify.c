// SPDX-License-Identifier: MIT
// libFuzzer target for service_notify_parse: the input as one sd_notify datagram. The parser
// is checked against the loop it replaced in on_notify (the datagram as a C string, split at
// each '\n', exact matches for READY=1, WATCHDOG=1, STOPPING=1, the last STATUS= kept and cut
// to 63 bytes). The input sits in a heap buffer of exactly its size, not NUL-terminated, so
// ASan sees any read past len.
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service_int.h"

#define INPUT_MAX 4096u // NOTIFY_MSG_MAX: recvmsg never hands the parser more

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok, const char *what)
{
    if (!ok) {
        (void)fprintf(stderr, "fuzz_notify: %s\n", what);
        abort();
    }
}

// The reference: on_notify's loop before the parser was factored out of it.
static void reference(char *msg, struct notify_msg *ref)
{
    memset(ref, 0, sizeof(*ref));
    for (char *line = msg, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next) {
            *next++ = '\0';
        }
        if (strcmp(line, "READY=1") == 0) {
            ref->ready = true;
        } else if (strcmp(line, "WATCHDOG=1") == 0) {
            ref->watchdog = true;
        } else if (strncmp(line, "STATUS=", 7) == 0) {
            (void)snprintf(ref->status, sizeof(ref->status), "%s", line + 7);
            ref->has_status = true;
        } else if (strcmp(line, "STOPPING=1") == 0) {
            ref->stopping = true;
        } else if (*line) {
            ref->unknown_count++;
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > INPUT_MAX) {
        size = INPUT_MAX;
    }
    char *buf = malloc(size ? size : 1); // exact size: a read past len is caught
    char *str = malloc(size + 1);
    check(buf != NULL && str != NULL, "malloc");
    memcpy(buf, data, size);
    memcpy(str, data, size);
    str[size] = '\0';

    struct notify_msg got, ref;
    memset(&got, 'Z', sizeof(got)); // the parser must reset all of it
    check(service_notify_parse(buf, size, &got) == 0, "rc is 0");
    check(memcmp(buf, data, size) == 0, "input untouched");
    check(memchr(got.status, '\0', sizeof(got.status)) != NULL, "status is NUL-terminated");
    check(got.has_status || got.status[0] == '\0', "no status: empty");
    check(got.unknown_count <= size, "unknown lines <= bytes");

    reference(str, &ref);
    check(got.ready == ref.ready, "READY=1 as before");
    check(got.watchdog == ref.watchdog, "WATCHDOG=1 as before");
    check(got.stopping == ref.stopping, "STOPPING=1 as before");
    check(got.has_status == ref.has_status, "STATUS= seen as before");
    check(strcmp(got.status, ref.status) == 0, "STATUS= value as before");
    check(got.unknown_count == ref.unknown_count, "unknown lines as before");

    check(service_notify_parse(NULL, size, &got) == -EINVAL, "NULL buf is -EINVAL");
    check(service_notify_parse(buf, size, NULL) == -EINVAL, "NULL out is -EINVAL");
    free(str);
    free(buf);
    return 0;
}
