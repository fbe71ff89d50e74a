package fsyncprobe

import (
	"os"
	"testing"
)

// BenchmarkDisk appends 1 KiB per op to a file in the temporary directory:
// write only (the page cache), and write followed by fsync (the disk's
// durable-write latency, the floor of any store that syncs every write).
func BenchmarkDisk(b *testing.B) {
	for _, sync := range []bool{false, true} {
		name := "write-1KiB"
		if sync {
			name = "write-1KiB-fsync"
		}
		b.Run(name, func(b *testing.B) {
			f, err := os.CreateTemp("", "fsyncprobe")
			if err != nil {
				b.Fatal(err)
			}
			defer os.Remove(f.Name())
			defer f.Close()
			block := make([]byte, 1024)
			for b.Loop() {
				if _, err := f.Write(block); err != nil {
					b.Fatal(err)
				}
				if sync {
					if err := f.Sync(); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "writes/s")
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/write")
		})
	}
}
