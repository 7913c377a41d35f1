// SPDX-License-Identifier: MIT
// libFuzzer target for control.c's request parser: the bytes a client sent, as they sit in
// its CONTROL_REQUEST_MAX buffer, parsed with and without eof (a half-close). The result
// is one of the documented codes, a success is a JSON object, and eof changes nothing
// once a newline has come.
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "bounds.h"
#include "control.h"
#include "errbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok, const char *what)
{
    if (!ok) {
        (void)fprintf(stderr, "fuzz_control: %s\n", what);
        abort();
    }
}

// Parse buf[0..len) once; returns the code and, for a success, whether the object has a
// string "cmd" (1), a non-string or no "cmd" (0); -1 otherwise.
static int parse(const char *buf, size_t len, bool eof, int *rc_out)
{
    struct errbuf eb = {{0}, NULL, 0};
    json_t *req = (json_t *)&eb; // poisoned: the parser must reset it
    int rc = control_parse_request(buf, len, eof, &req, &eb);
    *rc_out = rc;
    check(rc == 0 || rc == -EAGAIN || rc == -EMSGSIZE || rc == -ENODATA || rc == -EINVAL,
          "rc is one of 0, -EAGAIN, -EMSGSIZE, -ENODATA, -EINVAL");
    check((rc == 0) == (req != NULL), "*req is set exactly on success");
    check(rc != -EINVAL || eb.msg[0] != '\0', "an invalid request has a message");
    check(rc != 0 || json_is_object(req), "a request is a JSON object");
    int has_cmd = rc == 0 ? json_is_string(json_object_get(req, "cmd")) : -1;
    json_decref(req);
    return has_cmd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    // the daemon never holds more than CONTROL_REQUEST_MAX bytes of one client
    if (size > CONTROL_REQUEST_MAX) {
        size = CONTROL_REQUEST_MAX;
    }
    const char *buf = (const char *)data;
    const char *nl = memchr(buf, '\n', size);
    int rc_more = 0;
    int rc_eof = 0;
    int cmd_more = parse(buf, size, false, &rc_more);
    int cmd_eof = parse(buf, size, true, &rc_eof);
    check(rc_more != -ENODATA, "only eof has no data");
    check(rc_eof != -EAGAIN, "eof never waits for more");
    check((rc_more == -EAGAIN) == (!nl && size < CONTROL_REQUEST_MAX),
          "more is awaited exactly while no newline came and there is room");
    check((rc_more == -EMSGSIZE) == (!nl && size == CONTROL_REQUEST_MAX),
          "too large exactly when a full buffer has no newline");
    check(rc_eof != -ENODATA || size == 0, "no data only for an empty request");
    if (nl) {
        check(rc_more == rc_eof && cmd_more == cmd_eof, "eof changes nothing after a newline");
        // what follows the newline is ignored: the line alone at eof parses the same
        int rc_line = 0;
        int cmd_line = parse(buf, (size_t)(nl - buf), true, &rc_line);
        check(rc_line == rc_eof || (rc_line == -ENODATA && nl == buf),
              "the line alone parses the same");
        check(rc_line != rc_eof || cmd_line == cmd_eof, "the line alone gives the same request");
    }
    return 0;
}
