package federatedlearning

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
)

// RoundStart is the coordinator's broadcast that opens a round: the global
// model and the sites asked to train on it.
type RoundStart struct {
	Round       int       `json:"round"`
	Selected    []string  `json:"selected"`
	Weights     []float64 `json:"weights"`
	Coordinator string    `json:"coordinator"`
}

// Update is what a site sends back: its locally trained model and how many
// samples it trained on. Never a sample.
type Update struct {
	Round   int       `json:"round"`
	Site    string    `json:"site"`
	Samples int       `json:"samples"`
	Weights []float64 `json:"weights"`
}

// Commit is the global model of a round as the coordinator stores it in the
// key-value bucket: the model, how it was aggregated and exactly which
// updates it counted (by digest of the bytes received).
type Commit struct {
	Round       int       `json:"round"`
	Weights     []float64 `json:"weights"`
	Aggregator  string    `json:"aggregator"`
	Trim        int       `json:"trim"`
	Counted     []Counted `json:"counted"`
	Coordinator string    `json:"coordinator"`
}

// Counted names one update a commit counted.
type Counted struct {
	Site   string `json:"site"`
	Round  int    `json:"round"` // the round the update said it was for
	Digest string `json:"digest"`
}

// Limits an update must respect.
const (
	MaxSamples   = 1_000_000 // a site claiming more is refused
	MaxAbsWeight = 1e6       // a weight beyond this is refused as malformed
)

// Reasons an update is dead-lettered (the kind is the dead letter's subject
// token).
var (
	ErrMalformed = errors.New("malformed")
	ErrForeign   = errors.New("foreign")
	ErrShape     = errors.New("shape")
)

// DecodeUpdate parses and validates an update received on the subject of
// site subjectSite, enrolled sites being roster. The error wraps
// ErrMalformed, ErrForeign or ErrShape with the reason.
func DecodeUpdate(data []byte, subjectSite string, roster []string) (Update, error) {
	var u Update
	if err := json.Unmarshal(data, &u); err != nil {
		return u, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if !slices.Contains(roster, subjectSite) {
		return u, fmt.Errorf("%w: %q is not an enrolled site", ErrForeign, subjectSite)
	}
	if u.Site != subjectSite {
		return u, fmt.Errorf("%w: update signed %q on %s's subject", ErrForeign, u.Site, subjectSite)
	}
	if len(u.Weights) != Dim {
		return u, fmt.Errorf("%w: %d weights, want %d", ErrShape, len(u.Weights), Dim)
	}
	if u.Samples < 1 || u.Samples > MaxSamples {
		return u, fmt.Errorf("%w: %d samples, want 1..%d", ErrShape, u.Samples, MaxSamples)
	}
	if u.Round < 1 {
		return u, fmt.Errorf("%w: round %d", ErrShape, u.Round)
	}
	for i, w := range u.Weights {
		if math.Abs(w) > MaxAbsWeight {
			return u, fmt.Errorf("%w: weight %d is %g, beyond ±%g", ErrShape, i, w, MaxAbsWeight)
		}
	}
	return u, nil
}

// Digest names an update by its bytes: what a commit lists and what the
// auditor finds again on the wire.
func Digest(data []byte) string {
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:8])
}

// UpdateBound is the size of the largest valid update: every weight and the
// sample count at their longest encoding. An update is model-sized, whatever
// the size of the shard it was trained on.
func UpdateBound(longestSite string) int {
	w := make([]float64, Dim)
	for i := range w {
		w[i] = -1.2345678901234567e-300
	}
	data, _ := json.Marshal(Update{Round: math.MaxInt32, Site: longestSite, Samples: MaxSamples, Weights: w})
	return len(data)
}
