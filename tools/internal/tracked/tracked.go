// Package tracked checks what git tracks: no compiled program and no file
// too large to review is ever committed (a `go build` run inside a module
// directory leaves its binary there, and `git add -A` picks it up).
package tracked

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// MaxBytes is the largest file the repository accepts; bigger files are
// generated (site/, results of a run) or vendored and never belong in git.
const MaxBytes = 2 << 20

// magic lists the first bytes of the executable formats a build can leave.
var magic = map[string][]byte{
	"an ELF executable":       {0x7f, 'E', 'L', 'F'},
	"a Mach-O executable":     {0xcf, 0xfa, 0xed, 0xfe},
	"a Windows executable":    {'M', 'Z'},
	"a WebAssembly module":    {0x00, 'a', 's', 'm'},
	"a Java class file":       {0xca, 0xfe, 0xba, 0xbe},
	"a Go archive or ar file": []byte("!<arch>\n"),
}

// Check lists the tracked files under root that are programs or too large.
func Check(root string) ([]string, error) {
	out, err := exec.Command("git", "-C", root, "ls-files", "-z").Output()
	if err != nil {
		return nil, fmt.Errorf("git ls-files: %w", err)
	}
	var bad []string
	for _, name := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		if name == "" {
			continue
		}
		if why := inspect(filepath.Join(root, name)); why != "" {
			bad = append(bad, name+": "+why+" is tracked by git; remove it (git rm --cached) and rebuild it instead")
		}
	}
	return bad, nil
}

// inspect says what is wrong with one file, or "" when nothing is (a file
// listed by git but gone from the work tree is not this check's business).
func inspect(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.IsDir() {
		return ""
	}
	head := make([]byte, 8)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	for what, m := range magic {
		if bytes.HasPrefix(head, m) {
			return what
		}
	}
	if st.Size() > MaxBytes {
		return fmt.Sprintf("a file of %d bytes (over %d)", st.Size(), MaxBytes)
	}
	return ""
}
