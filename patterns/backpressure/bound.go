package backpressure

import "fmt"

// The stated memory bound of a bounded strategy. A strategy of capacity B
// holds at most B queued messages, and the JetStream one at most W <= B more
// in its client's pull buffer: 2B messages. The bound allows twice that, each
// message counted with MessageOverhead bytes of headers and bookkeeping, plus
// HeapSlack for the runtime, the broker's own structures and sampling noise.
const (
	HeapSlack       = 8 << 20
	MessageOverhead = 512
)

// BoundFormula states MemoryBound in words, as pattern.yaml and the demo do.
var BoundFormula = fmt.Sprintf("%d MiB + 4·B·(payload + %d B)", HeapSlack>>20, MessageOverhead)

// MemoryBound is the most a strategy of capacity B may grow the live heap,
// in bytes, with payloads of the given size: HeapSlack + 4·B·(payload +
// MessageOverhead).
func MemoryBound(capacity, payload int) uint64 {
	return HeapSlack + 4*uint64(capacity)*uint64(payload+MessageOverhead)
}

// MiB formats a byte count in mebibytes.
func MiB(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
