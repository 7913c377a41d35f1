# Corpus workload: a slow leak under garbage-collector-like saw teeth. A base that grows
# 1.5 MiB/s (kept forever) plus 25 MiB allocated for 2 s and freed every 4 s. Memory is
# anonymous mmap, touched page by page, so a free returns it to the kernel at once (no
# allocator hysteresis to blur the shape).
import mmap
import time

MIB = 1 << 20
PAGE = 4096


def touched(size):
    m = mmap.mmap(-1, size)
    m[::PAGE] = b"\x01" * (size // PAGE)
    return m


print("sawtooth: base +1.5 MiB/s, 25 MiB saw tooth every 4 s", flush=True)
base = []
tooth = None
tick = 0
while True:
    base.append(touched(3 * MIB // 2))  # the leak: 1.5 MiB per second, never freed
    phase = tick % 4
    if phase == 0:
        tooth = touched(25 * MIB)
    elif phase == 2 and tooth is not None:
        tooth.close()
        tooth = None
    tick += 1
    time.sleep(1.0)
