package tracked

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckFindsProgramsAndLargeFiles(t *testing.T) {
	root := t.TempDir()
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", root}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git("init", "-q")
	write := func(name string, data []byte) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(root, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("main.go", []byte("package main\n"))
	write("patterns/saga/service", append([]byte{0x7f, 'E', 'L', 'F'}, make([]byte, 100)...))
	write("big.json", make([]byte, MaxBytes+1))
	write("untracked.bin", []byte{0x7f, 'E', 'L', 'F'})
	write("M.txt", []byte("M")) // one byte of "MZ" is not a program
	git("add", "main.go", "patterns/saga/service", "big.json", "M.txt")

	bad, err := Check(root)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(bad, "\n")
	if len(bad) != 2 || !strings.Contains(got, "patterns/saga/service: an ELF executable") || !strings.Contains(got, "big.json: a file of") {
		t.Fatalf("want the ELF program and the large file, got:\n%s", got)
	}
}
