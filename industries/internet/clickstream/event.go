package clickstream

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Kind is what a user did.
type Kind string

// The kinds of events a site's beacon sends.
const (
	View       Kind = "view"       // a page view
	Cart       Kind = "cart"       // add to cart
	Purchase   Kind = "purchase"   // an order placed
	Impression Kind = "impression" // an ad shown
	Click      Kind = "click"      // an ad clicked
)

var kinds = map[Kind]bool{View: true, Cart: true, Purchase: true, Impression: true, Click: true}

// Event is one beacon as the browser or app sent it. Times are Unix
// milliseconds on the device's clock, which may be wrong: TS is when the user
// acted, Sent when the device sent the beacon (later, if it buffered it
// offline). The edge stamps its own receive time on the log record, not here.
type Event struct {
	ID       string `json:"id"`       // set by the device: a retried beacon repeats it
	Producer string `json:"producer"` // the site front end that relayed it, e.g. "web-2"
	User     string `json:"user"`
	Kind     Kind   `json:"kind"`
	Page     string `json:"page,omitempty"`     // view, cart, purchase
	Campaign string `json:"campaign,omitempty"` // impression, click
	TS       int64  `json:"ts"`
	Sent     int64  `json:"sent"`
	Agent    string `json:"agent"`         // the user agent
	Context  string `json:"ctx,omitempty"` // the page context a real beacon carries (cookies, screen, referrer)
}

// Reasons an event is refused before it reaches a window. A ParseError wraps
// exactly one of them.
var (
	ErrNotJSON     = errors.New("not a JSON object")
	ErrMissing     = errors.New("required field missing")
	ErrUnknownKind = errors.New("unknown event kind")
	ErrBadTime     = errors.New("timestamp outside 2020..2100 or sent before it happened")
	ErrBadID       = errors.New("identifier with characters outside [A-Za-z0-9._/-]")
)

var reasonKinds = map[error]string{
	ErrNotJSON:     "not-json",
	ErrMissing:     "missing-field",
	ErrUnknownKind: "unknown-kind",
	ErrBadTime:     "bad-time",
	ErrBadID:       "bad-identifier",
}

// ParseError says why a beacon is not an event.
type ParseError struct {
	Field string
	Err   error
}

func (e *ParseError) Error() string { return fmt.Sprintf("%s: %v", e.Field, e.Err) }

func (e *ParseError) Unwrap() error { return e.Err }

// Kind is a short stable name of the reason, e.g. "unknown-kind".
func (e *ParseError) Kind() string { return reasonKinds[e.Err] }

// Valid timestamps: 2020-01-01 to 2100-01-01, in Unix milliseconds.
const (
	minMS = 1577836800000
	maxMS = 4102444800000
)

var ident = regexp.MustCompile(`^[A-Za-z0-9._/-]{1,128}$`)

// Parse decodes one beacon strictly: unknown fields, a missing identity, an
// unknown kind or an impossible time make it a *ParseError.
func Parse(raw []byte) (Event, error) {
	var e Event
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		return Event{}, &ParseError{Field: "event", Err: ErrNotJSON}
	}
	if dec.More() {
		return Event{}, &ParseError{Field: "event", Err: ErrNotJSON}
	}
	for _, f := range []struct{ name, v string }{{"id", e.ID}, {"producer", e.Producer}, {"user", e.User}} {
		if f.v == "" {
			return Event{}, &ParseError{Field: f.name, Err: ErrMissing}
		}
		if !ident.MatchString(f.v) {
			return Event{}, &ParseError{Field: f.name, Err: ErrBadID}
		}
	}
	if !kinds[e.Kind] {
		return Event{}, &ParseError{Field: "kind", Err: ErrUnknownKind}
	}
	target, field := e.Page, "page"
	if e.Kind == Impression || e.Kind == Click {
		target, field = e.Campaign, "campaign"
	}
	if target == "" {
		return Event{}, &ParseError{Field: field, Err: ErrMissing}
	}
	if !ident.MatchString(target) {
		return Event{}, &ParseError{Field: field, Err: ErrBadID}
	}
	if e.TS < minMS || e.TS > maxMS || e.Sent < e.TS || e.Sent > maxMS {
		return Event{}, &ParseError{Field: "ts", Err: ErrBadTime}
	}
	return e, nil
}

// Encode is the beacon's wire form.
func (e Event) Encode() []byte {
	b, err := json.Marshal(e)
	if err != nil { // an Event has only strings and integers
		panic(err)
	}
	return b
}

// botMarkers are what declared crawlers and headless browsers put in their
// user agent.
var botMarkers = []string{"bot", "crawler", "spider", "headless", "python-requests", "curl/"}

// IsBot reports whether the user agent says it is not a person. Declared
// crawlers say so; a rate-based detector would be a window of its own.
func IsBot(agent string) bool {
	a := strings.ToLower(agent)
	for _, m := range botMarkers {
		if strings.Contains(a, m) {
			return true
		}
	}
	return false
}
