// Package history records what concurrent clients did to a system (each
// operation's call and return time, client, input and output) and checks that
// record against a sequential model with Porcupine, the linearizability
// checker of MIT 6.5840 and etcd's robustness tests. The system's authors did
// not write the checker, which is the point: it knows only the model.
//
// An operation whose outcome the client cannot know (a timeout, a lost reply)
// is recorded with Lost: its return is left open, so the checker may place it
// anywhere after its call, or after everything else, which is where an
// operation that never took effect ends up.
package history

import (
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/anishathalye/porcupine"
)

// Open is the return time of an operation whose outcome is unknown: later
// than every other event, so the checker may linearize it at any point after
// its call.
const Open int64 = math.MaxInt64

// Recorder collects the operations of concurrent clients. It is safe for
// concurrent use; times are nanoseconds on the monotonic clock since the
// recorder was made.
type Recorder struct {
	start time.Time

	mu  sync.Mutex
	ops []porcupine.Operation
}

// NewRecorder starts a history.
func NewRecorder() *Recorder { return &Recorder{start: time.Now()} }

// Call is one operation in flight, returned by Begin.
type Call struct {
	r      *Recorder
	client int
	input  any
	call   int64
	note   string
	once   sync.Once
}

// Note attaches what the client knows about the call beyond its output (an
// error's text, the node that answered); the visualisation shows it when
// the operation is hovered. Call it before End or Lost.
func (c *Call) Note(format string, args ...any) { c.note = fmt.Sprintf(format, args...) }

// Begin records that client (numbered from 0) calls the system with input,
// now. End or Lost records its outcome; a call left without either counts as
// lost.
func (r *Recorder) Begin(client int, input any) *Call {
	return &Call{r: r, client: client, input: input, call: r.now()}
}

// End records that the call returned output, now.
func (c *Call) End(output any) { c.finish(output, c.r.now()) }

// Lost records that the call's outcome is unknown: it may have taken effect,
// at any moment after its call, or never. output says what the client saw
// (the model decides what it allows).
func (c *Call) Lost(output any) { c.finish(output, Open) }

func (c *Call) finish(output any, ret int64) {
	c.once.Do(func() {
		c.r.mu.Lock()
		defer c.r.mu.Unlock()
		c.r.ops = append(c.r.ops, porcupine.Operation{
			ClientId: c.client, Input: c.input, Call: c.call, Output: output, Return: ret, Metadata: c.note,
		})
	})
}

func (r *Recorder) now() int64 { return time.Since(r.start).Nanoseconds() }

// Operations is a copy of the history so far, in the order the calls returned.
func (r *Recorder) Operations() []porcupine.Operation {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]porcupine.Operation(nil), r.ops...)
}

// Len is the number of operations recorded, and how many of them are lost.
func (r *Recorder) Len() (total, lost int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, op := range r.ops {
		if op.Return == Open {
			lost++
		}
	}
	return len(r.ops), lost
}

// Settled is what was learned about a lost operation after the run.
type Settled struct {
	Output any
	// NoEffect: the operation is proven to have done nothing, so its
	// return is closed at its call (when it did nothing does not matter).
	NoEffect bool
}

// Resolve settles lost operations with what was learned after the run: for
// each operation whose return is open, settle returns what the system's
// final state proves (ok true), or ok false to leave it as it was. For an
// append-only log read in full after the faults healed, an append whose
// events are absent never took effect (Failed, NoEffect) and one whose
// events are there did (OK, its return still open: when is unknown). Each
// settled operation leaves the checker fewer branches to explore.
func Resolve(ops []porcupine.Operation, settle func(op porcupine.Operation) (Settled, bool)) []porcupine.Operation {
	out := make([]porcupine.Operation, len(ops))
	for i, op := range ops {
		out[i] = op
		if op.Return != Open {
			continue
		}
		if s, ok := settle(op); ok {
			out[i].Output = s.Output
			if s.NoEffect {
				out[i].Return = op.Call
			}
		}
	}
	return out
}
