package labtest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/patternlab/patternlab/kit/narrate"
)

// Switch turns off one safeguard the invariant depends on. pattern.yaml
// lists them:
//
//	switches:
//	  - flag: -inbox=false
//	    breaks: the consumer's idempotent inbox
//	    evidence: processed twice
//
// With the flag, the demo must end VIOLATED and its last line must contain
// evidence (which messages were applied twice, which readings were lost).
type Switch struct {
	Flag     string `yaml:"flag"`
	Breaks   string `yaml:"breaks"`
	Evidence string `yaml:"evidence"`
}

// ReadSwitches reads the switches of the pattern.yaml at path.
func ReadSwitches(path string) ([]Switch, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var meta struct {
		Switches []Switch `yaml:"switches"`
	}
	if err := yaml.Unmarshal(data, &meta); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return meta.Switches, nil
}

// Switches runs the module's demo once without switches (it must end HELD)
// and once per switch listed in the module's pattern.yaml (each must end
// VIOLATED, exit 1, with the switch's evidence in the last line). base are
// flags added to every run, to keep them short; they must not weaken the
// attack. `make check` fails a module whose switches no test runs this way.
func Switches(t *testing.T, cmd narrate.Command, base ...string) {
	t.Helper()
	switchesIn(t, "pattern.yaml", cmd, base...)
}

func switchesIn(t *testing.T, path string, cmd narrate.Command, base ...string) {
	t.Helper()
	switches, err := ReadSwitches(path)
	if err != nil {
		t.Fatalf("read switches: %v", err)
	}
	if len(switches) == 0 {
		t.Fatal("pattern.yaml lists no switches: every safeguard the invariant depends on needs one")
	}
	t.Run("no switch", func(t *testing.T) {
		out, code := execDemo(t, cmd, base)
		if err := judgeBaseline(out, code); err != nil {
			t.Fatal(err)
		}
	})
	for _, sw := range switches {
		t.Run(strings.TrimLeft(sw.Flag, "-"), func(t *testing.T) {
			if sw.Flag == "" || sw.Evidence == "" || sw.Breaks == "" {
				t.Fatalf("switch %+v: flag, breaks and evidence are all required", sw)
			}
			out, code := execDemo(t, cmd, append(append([]string(nil), base...), sw.Flag))
			if err := judgeSwitch(sw, out, code); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func judgeBaseline(out string, code int) error {
	if code != narrate.ExitHeld || !strings.HasPrefix(LastLine(out), "[invariant] HELD") {
		return fmt.Errorf("without switches the demo must hold; exit %d, output:\n%s", code, out)
	}
	return nil
}

func judgeSwitch(sw Switch, out string, code int) error {
	last := LastLine(out)
	if code != narrate.ExitViolated || !strings.HasPrefix(last, "[invariant] VIOLATED") {
		return fmt.Errorf("with %s (%s off) the demo must end VIOLATED; exit %d, output:\n%s", sw.Flag, sw.Breaks, code, out)
	}
	if !strings.Contains(last, sw.Evidence) {
		return fmt.Errorf("with %s the last line must show the evidence %q; it is:\n%s\nwhole output:\n%s", sw.Flag, sw.Evidence, last, out)
	}
	return nil
}

func execDemo(t *testing.T, cmd narrate.Command, args []string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var out, errOut bytes.Buffer
	code := narrate.Exec(ctx, args, &out, &errOut, cmd)
	if errOut.Len() > 0 {
		t.Logf("stderr of %v:\n%s", args, errOut.String())
	}
	return out.String(), code
}

// LastLine is the last non-empty line of a demo's output.
func LastLine(out string) string {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	return lines[len(lines)-1]
}
