/* SPDX-License-Identifier: MIT */
/* Whole reads and writes with EINTR retried and short counts continued, and small text files
 * read in one go: the loops five modules had each written for themselves. */
#ifndef WARDEN_IO_H
#define WARDEN_IO_H

#include <sys/types.h>

#include <stddef.h>

/* Exactly len bytes at off. 0, -errno, or -EIO when the file ends first (cut under us). */
int io_pread_full(int fd, void *buf, size_t len, off_t off);
/* All len bytes at off, or all len bytes at the file's offset. 0 or -errno (-EIO when the
 * kernel takes nothing). */
int io_pwrite_full(int fd, const void *buf, size_t len, off_t off);
int io_write_full(int fd, const void *buf, size_t len);
/* A small text file (/proc, cgroupfs): up to len - 1 bytes, NUL-terminated; buf is "" on any
 * error. The byte count, or -errno. */
ssize_t io_read_text(const char *path, char *buf, size_t len);

#endif
