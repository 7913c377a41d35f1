/* SPDX-License-Identifier: MIT */
/* Logging to stderr with the "warden: " prefix (OpenBSD log.h shape). No allocation. */
#ifndef WARDEN_LOG_H
#define WARDEN_LOG_H

#include <stdbool.h>

void log_init(bool debug);
/* log_warn appends ": strerror(errno)"; the x variants do not. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Only before the event loop starts (STYLE rule 18). Exit code 1. */
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* Impossible state: log and abort. */
#define BUG(msg) log_bug(__FILE__, __LINE__, (msg))
void log_bug(const char *file, int line, const char *msg) __attribute__((noreturn));

#endif
