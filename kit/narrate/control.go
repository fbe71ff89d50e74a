package narrate

import (
	"bufio"
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

// serveControl reads control lines ("fault <name>") from r until it ends
// or the verdict is written, and answers each with a control event (ok or
// the error) before the verdict: a request read after it is not answered.
func (n *Narrator) serveControl(r io.Reader) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		n.answering <- struct{}{}
		if n.hasEnded() {
			<-n.answering
			return
		}
		n.answer(line)
		<-n.answering
	}
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
	result := map[string]any{"request": line, "ok": err == nil}
	if err != nil {
		result["error"] = err.Error()
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.emitLocked(Event{Kind: KindControl, Actor: "lab", Fields: result}, "")
	n.verdictShown = false // a verdict written before the answer is restated after it
}
