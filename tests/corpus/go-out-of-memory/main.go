// Corpus workload: a Go service that builds an index in 8 MiB blocks, then sizes one
// buffer from a bad length (1 TiB): the kernel refuses the mapping and the Go runtime dies
// with "fatal error: runtime: out of memory", exit code 2.
package main

import (
	"fmt"
	"time"
)

func main() {
	fmt.Println("go-index: building the index in 8 MiB blocks")
	var index [][]byte
	for i := 0; i < 8; i++ {
		b := make([]byte, 8<<20)
		for j := range b {
			b[j] = byte(i) | 1
		}
		index = append(index, b)
		time.Sleep(50 * time.Millisecond)
	}
	n := 1 << 40 // the bad length
	buf := make([]byte, n)
	buf[0] = 1
	fmt.Println(len(index), len(buf))
}
