package narrate

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// ctrl is a fault a demo offers on demand.
type ctrl struct {
	actor, what string
	inject      func() error
}

// Offer declares a fault the learner may inject while the demo runs (the
// lab's fault buttons): name is the command ("crash-consumer"), actor and
// what describe it. inject runs in the control goroutine and must be safe to
// call at any moment of the demo; it returns an error when the fault cannot
// be injected now ("the consumer is not running"). The scheduled faults stay
// the default and the invariant is checked either way. In JSON mode the
// offer is an event, so the page shows the button.
func (n *Narrator) Offer(name, actor, what string, inject func() error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.controls == nil {
		n.controls = map[string]*ctrl{}
	}
	n.controls[name] = &ctrl{actor: actor, what: what, inject: inject}
	n.emitLocked(Event{Kind: KindControl, Actor: actor, Fields: map[string]any{"offer": name, "what": what}}, "")
}

// Withdraw removes an offer (the act that could take it is over).
func (n *Narrator) Withdraw(name string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	delete(n.controls, name)
	n.emitLocked(Event{Kind: KindControl, Fields: map[string]any{"withdraw": name}}, "")
}

// Offers lists the faults on offer now, sorted.
func (n *Narrator) Offers() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []string
	for name := range n.controls {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// Inject injects an offered fault now, as a control line "fault <name>"
// does. The injection itself narrates its FAULT line.
func (n *Narrator) Inject(name string) error {
	n.mu.Lock()
	c := n.controls[name]
	n.mu.Unlock()
	if c == nil {
		return fmt.Errorf("no fault %q on offer now (on offer: %s)", name, strings.Join(n.Offers(), ", "))
	}
	return c.inject()
}

// maxControlLine is the longest control line read (without its newline);
// a longer one is answered with errControlLineTooLong and skipped.
const maxControlLine = 64 * 1024

const errControlLineTooLong = "control line longer than 64 KiB: not read (want \"fault <name>\")"

// serveControl reads control lines ("fault <name>") from r until it ends
// or the verdict is written, and answers each with a control event (ok or
// the error) before the verdict: a request read after it is not answered.
// A line longer than maxControlLine is answered with an error and the
// lines after it are served.
func (n *Narrator) serveControl(r io.Reader) {
	rd := bufio.NewReaderSize(r, maxControlLine+1) // the line and its newline
	for {
		line, tooLong, err := readControlLine(rd)
		if line = strings.TrimSpace(line); line != "" {
			n.answering <- struct{}{}
			if n.hasEnded() {
				<-n.answering
				return
			}
			if tooLong {
				n.reply(line, errors.New(errControlLineTooLong))
			} else {
				n.answer(line)
			}
			<-n.answering
		}
		if err != nil {
			return
		}
	}
}

// readControlLine reads the next line from rd. A line longer than
// maxControlLine is read to its end and discarded: line is then its first
// 40 bytes (which name it in the answer) and tooLong is true. err is
// io.EOF (or the reader's error) at the end, with the last line if it had
// no newline.
func readControlLine(rd *bufio.Reader) (line string, tooLong bool, err error) {
	b, err := rd.ReadSlice('\n')
	if !errors.Is(err, bufio.ErrBufferFull) {
		return string(b), false, err
	}
	head := strings.ToValidUTF8(string(b[:40]), "")
	for errors.Is(err, bufio.ErrBufferFull) {
		_, err = rd.ReadSlice('\n')
	}
	return head + "…", true, err
}

// concluding waits for the control request being answered, if any (at
// most answerGrace: an injection stuck on a demo that has returned must not
// hold the verdict back), and stops the answering of any later one.
func (n *Narrator) concluding() {
	select {
	case n.answering <- struct{}{}:
		defer func() { <-n.answering }()
	case <-time.After(answerGrace):
	}
	n.mu.Lock()
	n.ended = true
	n.mu.Unlock()
}

// answerGrace bounds how long the verdict waits for a control answer.
const answerGrace = 10 * time.Second

func (n *Narrator) hasEnded() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.ended
}

func (n *Narrator) answer(line string) {
	verb, arg, _ := strings.Cut(line, " ")
	var err error
	switch verb {
	case "fault":
		err = n.Inject(strings.TrimSpace(arg))
	default:
		err = fmt.Errorf("unknown control %q: want \"fault <name>\"", verb)
	}
	n.reply(line, err)
}

// reply answers the control request line with a control event: ok, or err.
func (n *Narrator) reply(line string, err error) {
	result := map[string]any{"request": line, "ok": err == nil}
	if err != nil {
		result["error"] = err.Error()
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.emitLocked(Event{Kind: KindControl, Actor: "lab", Fields: result}, "")
	n.verdictShown = false // a verdict written before the answer is restated after it
}
