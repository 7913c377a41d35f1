# Corpus workload: a healthy service holding ~30 MiB steadily (every page touched).
import mmap
import time

MIB = 1 << 20
print("steady: holding 30 MiB", flush=True)
held = mmap.mmap(-1, 30 * MIB)
held[::4096] = b"\x01" * (30 * MIB // 4096)
while True:
    time.sleep(1)
