# Corpus workload: a 50 MiB base with bursts to ~200 MiB for one second every 5 s (a batch
# job inside a server). Memory is anonymous mmap, touched page by page, so the bursts are
# real usage and their frees return to the kernel at once.
import mmap
import time

MIB = 1 << 20
PAGE = 4096


def touched(size):
    m = mmap.mmap(-1, size)
    m[::PAGE] = b"\x01" * (size // PAGE)
    return m


print("bursts: 50 MiB base, +150 MiB for 1 s every 5 s", flush=True)
base = touched(50 * MIB)
while True:
    time.sleep(4.0)
    burst = touched(150 * MIB)
    time.sleep(1.0)
    burst.close()
