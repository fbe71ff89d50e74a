package otherlang

import (
	"strings"
	"testing"

	"github.com/patternlab/patternlab/tools/internal/testrepo"
)

const page = "# Saga\n\n## Implementation walkthrough\n\n```go\nfunc pasted() {}\n```\n\n## Other languages\n\n" +
	"=== \"Java\"\n\n    ```java\n    --8<-- \"languages/saga/java/saga/Orchestrator.java\"\n    ```\n\n" +
	"=== \"Rust\"\n\n    _Not compiled: needs tokio, which cannot be fetched here._\n\n    ```rust\n    let (tx, rx) = mpsc::channel(8);\n    ```\n\n%s" +
	"## FAQ\n\n```go\nfunc alsoPasted() {}\n```\n"

func TestCheckPage(t *testing.T) {
	for _, c := range []struct {
		name, extra string
		wantLine    int // 0: no finding
	}{
		{"includes and marked blocks pass; blocks of other sections are not this rule's", "", 0},
		{"a pasted block fails", "```java\nqueue.put(m);\n```\n\n", 25},
		{"a marker must be just above the fence", "_Not compiled: old._\n\nSome prose.\n\n```java\nqueue.put(m);\n```\n\n", 29},
		{"a block mixing an include and pasted code fails", "```java\n--8<-- \"languages/saga/java/saga/Main.java\"\nextra();\n```\n\n", 25},
		{"an empty block fails", "```java\n```\n\n", 25},
	} {
		t.Run(c.name, func(t *testing.T) {
			data := []byte(strings.Replace(page, "%s", c.extra, 1))
			got := CheckPage("docs/patterns/saga.md", data)
			switch {
			case c.wantLine == 0 && len(got) > 0:
				t.Errorf("want no finding, got %v", got)
			case c.wantLine > 0 && (len(got) != 1 || got[0].Line != c.wantLine):
				t.Errorf("want one finding at line %d, got %v", c.wantLine, got)
			}
		})
	}
}

func TestCheckWalksDocs(t *testing.T) {
	r := testrepo.New(t)
	testrepo.Write(t, r.Root, "docs/patterns/saga.md", strings.Replace(page, "%s", "```java\nqueue.put(m);\n```\n\n", 1))
	got, err := Check(r)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].File != "docs/patterns/saga.md" {
		t.Fatalf("want one finding in docs/patterns/saga.md, got %v", got)
	}
}
