// Corpus workload: a JVM service whose cache keeps every entry; under -Xmx64m the heap
// fills and the uncaught java.lang.OutOfMemoryError ends the main thread, exit code 1.
// Run by the source launcher (java Cache.java): no build step, no class file in git.
import java.util.ArrayList;
import java.util.List;

public class Cache {
    public static void main(String[] args) throws InterruptedException {
        System.out.println("jvm-cache: keeping 1 MiB per entry under -Xmx");
        List<byte[]> kept = new ArrayList<>();
        for (int i = 0;; i++) {
            byte[] entry = new byte[1 << 20];
            java.util.Arrays.fill(entry, (byte) (i | 1));
            kept.add(entry);
            if (i % 16 == 0) {
                Thread.sleep(20);
            }
        }
    }
}
