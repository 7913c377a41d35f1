# Corpus workload: a Python service whose cache grows until the allocator refuses (the
# service runs under `ulimit -v`, so malloc fails before the cgroup limit) and the uncaught
# MemoryError ends a traceback, exit code 1.
import sys
import time

CHUNK = 8 << 20
print("python-cache: loading the cache in 8 MiB chunks", flush=True)
cache = []


def load_partition(n):
    # bytes filled by repetition: every page is touched, like real data
    return bytes([n & 0xff | 1]) * CHUNK


def warm_cache():
    n = 0
    while True:
        cache.append(load_partition(n))
        n += 1
        if n % 8 == 0:
            time.sleep(0.05)  # a little work between partitions


warm_cache()
sys.exit(0)
