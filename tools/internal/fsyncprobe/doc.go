// Package fsyncprobe measures the disk under the benchmarks: what one
// durable write (write then fsync) costs in the temporary directory, where
// the embedded NATS servers keep their JetStream file storage. make bench
// runs its benchmarks into benchmarks/results/disk.txt; the Benchmarks page
// compares them with JetStream's file-storage publish rate.
package fsyncprobe
