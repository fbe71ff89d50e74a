package edgeiot

import (
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// Link is the wide-area link between the edge and the hub: a TCP relay the
// edge's leafnode connection goes through. Cut drops every connection and
// refuses new ones until Restore, which is what a pulled cable or a lost
// cellular uplink looks like to both servers. SetLatency delays each
// direction, to compare a local hop with a WAN round trip.
type Link struct {
	ln     net.Listener
	target string

	mu      sync.Mutex
	up      bool
	latency time.Duration
	conns   map[net.Conn]struct{}
	cuts    int

	wg sync.WaitGroup // the accept loop and every relay goroutine
}

// NewLink listens on a free loopback port and relays to target (host:port).
// The link starts up.
func NewLink(target string) (*Link, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("link listen: %w", err)
	}
	l := &Link{ln: ln, target: target, up: true, conns: map[net.Conn]struct{}{}}
	l.wg.Add(1)
	go l.accept()
	return l, nil
}

// Addr is the host:port the edge dials instead of the hub.
func (l *Link) Addr() string { return l.ln.Addr().String() }

// Cut drops every connection across the link and refuses new ones.
func (l *Link) Cut() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.up {
		l.cuts++
	}
	l.up = false
	for c := range l.conns {
		_ = c.Close()
	}
}

// Restore lets connections through again; the edge redials on its own.
func (l *Link) Restore() {
	l.mu.Lock()
	l.up = true
	l.mu.Unlock()
}

// Up reports whether the link lets connections through.
func (l *Link) Up() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.up
}

// Cuts counts how many times the link was cut.
func (l *Link) Cuts() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cuts
}

// SetLatency delays every byte by d in each direction (a round trip costs
// 2d). It applies to connections made afterwards.
func (l *Link) SetLatency(d time.Duration) {
	l.mu.Lock()
	l.latency = d
	l.mu.Unlock()
}

// Close stops the link and waits for its goroutines.
func (l *Link) Close() error {
	err := l.ln.Close()
	l.Cut()
	l.wg.Wait()
	return err
}

func (l *Link) accept() {
	defer l.wg.Done()
	for {
		in, err := l.ln.Accept()
		if err != nil {
			return // listener closed
		}
		l.mu.Lock()
		up, latency := l.up, l.latency
		l.mu.Unlock()
		if !up {
			_ = in.Close()
			continue
		}
		out, err := net.DialTimeout("tcp", l.target, time.Second)
		if err != nil { // the hub is down: the edge will redial
			_ = in.Close()
			continue
		}
		if !l.track(in, out) {
			continue
		}
		l.wg.Add(2)
		go l.relay(out, in, latency)
		go l.relay(in, out, latency)
	}
}

// track registers a relayed pair, or closes it when the link was cut while
// it was being dialled.
func (l *Link) track(a, b net.Conn) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.up {
		_ = a.Close()
		_ = b.Close()
		return false
	}
	l.conns[a], l.conns[b] = struct{}{}, struct{}{}
	return true
}

func (l *Link) untrack(a, b net.Conn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.conns, a)
	delete(l.conns, b)
}

// relay copies src to dst until either side closes, then closes both so the
// peer sees the cut at once.
func (l *Link) relay(dst, src net.Conn, latency time.Duration) {
	defer l.wg.Done()
	defer l.untrack(dst, src)
	defer dst.Close()
	defer src.Close()
	if latency <= 0 {
		_, _ = io.Copy(dst, src)
		return
	}
	delayedCopy(dst, src, latency)
}

// chunk is bytes read at a time, released to the writer latency later.
type chunk struct {
	data []byte
	due  time.Time
}

// delayedCopy is a delay line: the reader stamps each chunk with its due
// time and the writer (this goroutine) sleeps until then. Order and
// throughput are kept; only latency is added.
func delayedCopy(dst, src net.Conn, latency time.Duration) {
	line := make(chan chunk, 1024)
	done := make(chan struct{})
	go func() { // owned by delayedCopy: it ends when src closes, and we wait for it
		defer close(line)
		for {
			buf := make([]byte, 32*1024)
			n, err := src.Read(buf)
			if n > 0 {
				select {
				case line <- chunk{data: buf[:n], due: time.Now().Add(latency)}:
				case <-done:
					return
				}
			}
			if err != nil {
				return
			}
		}
	}()
	defer func() {
		close(done)
		_ = src.Close() // unblocks the reader if the writer stopped first
		for range line {
		}
	}()
	timer := time.NewTimer(latency)
	defer timer.Stop()
	for c := range line {
		if wait := time.Until(c.due); wait > 0 {
			timer.Reset(wait)
			<-timer.C
		}
		if _, err := dst.Write(c.data); err != nil {
			return
		}
	}
}
