#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Where does a running warden's private memory go? For each static object of the binary
# (.data/.bss symbols from `nm -S`), count the resident pages of the live process that
# overlap it (from /proc/PID/pagemap, present bit), and print the biggest ones.
# Usage: bss_pages.py PID BINARY [TOP]   (a page shared by two symbols counts for both)
import os
import struct
import subprocess
import sys

PAGE = os.sysconf("SC_PAGE_SIZE")


def main():
    pid, binary = int(sys.argv[1]), sys.argv[2]
    top = int(sys.argv[3]) if len(sys.argv) > 3 else 8
    real = os.path.realpath(binary)
    base = None
    with open(f"/proc/{pid}/maps") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 6 and os.path.realpath(parts[5]) == real and int(parts[2], 16) == 0:
                base = int(parts[0].split("-")[0], 16)
                break
    if base is None:
        sys.exit(f"{binary} is not mapped in pid {pid}")
    out = subprocess.run(["nm", "-S", "--size-sort", binary], capture_output=True, text=True,
                         check=True).stdout
    rows = []
    with open(f"/proc/{pid}/pagemap", "rb") as pm:
        for line in out.splitlines():
            parts = line.split()
            if len(parts) != 4 or parts[2] not in "bBdD":
                continue
            addr, size = base + int(parts[0], 16), int(parts[1], 16)
            if size < PAGE // 4:
                continue
            resident = 0
            for page in range(addr // PAGE, (addr + size - 1) // PAGE + 1):
                pm.seek(page * 8)
                (entry,) = struct.unpack("<Q", pm.read(8))
                if entry >> 63 & 1:
                    resident += 1
            rows.append((resident * PAGE // 1024, size // 1024, parts[3]))
    rows.sort(reverse=True)
    print(f"{'resident kB':>11} {'size kB':>8}  symbol (.data/.bss of {os.path.basename(binary)})")
    for res, size, name in rows[:top]:
        print(f"{res:>11} {size:>8}  {name}")


if __name__ == "__main__":
    main()
