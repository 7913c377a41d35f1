# Corpus workload: a service that loads a 300 MiB data set at start (every page touched)
# before it serves; under memory_max = 256M the kernel's OOM killer ends it at about the
# same usage soon after every start. Raising the limit is the fix.
import time

MIB = 1 << 20
print("loader: loading a 300 MiB data set in 4 MiB blocks", flush=True)
blocks = [b"\x02" * (4 * MIB) for _ in range(75)]
print(f"loader: loaded {len(blocks) * 4} MiB, serving", flush=True)
while True:
    time.sleep(1)
