// Package goimage turns a Go main package into a container image for the
// integration tests: a static binary (CGO_ENABLED=0) in a FROM-scratch image.
// No registry is needed, which is the point: nats-server itself is built this
// way from the Go module cache, at the version the module's go.mod names.
package goimage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/patternlab/patternlab/kit/labtest"
)

// Binary is the path of the program inside every image built here.
const Binary = "/app"

const dockerfile = "FROM scratch\nCOPY app " + Binary + "\nENTRYPOINT [\"" + Binary + "\"]\n"

var (
	mu    sync.Mutex
	built = map[string]string{} // package -> image tag, per process
)

// Build compiles pkg (an import path resolvable from the current module or
// workspace, e.g. "github.com/nats-io/nats-server/v2") as a static binary and
// returns the tag of a FROM-scratch image running it as /app. The tag is the
// binary's content hash, so an unchanged binary reuses the image.
func Build(ctx context.Context, pkg string) (string, error) {
	mu.Lock()
	defer mu.Unlock()
	if tag, ok := built[pkg]; ok {
		return tag, nil
	}
	dir, err := os.MkdirTemp("", "patternlab-image-*")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)

	gobuild := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", filepath.Join(dir, "app"), pkg)
	gobuild.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	if out, err := gobuild.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %w\n%s", pkg, err, out)
	}
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(dockerfile), 0o644); err != nil {
		return "", err
	}
	sum, err := fileHash(filepath.Join(dir, "app"))
	if err != nil {
		return "", err
	}
	tag := "patternlab/" + imageName(pkg) + ":" + sum[:16]

	if exec.CommandContext(ctx, "docker", "image", "inspect", tag).Run() != nil {
		build := exec.CommandContext(ctx, "docker", "build", "-q", "-t", tag, dir)
		build.Env = append(os.Environ(), "DOCKER_BUILDKIT=0")
		if out, err := build.CombinedOutput(); err != nil {
			return "", fmt.Errorf("docker build %s: %w\n%s", tag, err, out)
		}
	}
	built[pkg] = tag
	return tag, nil
}

// RequireDocker skips the test when no Docker engine answers, or fails it in
// CI (PATTERNLAB_CI=1), where nothing may skip.
func RequireDocker(t testing.TB) {
	t.Helper()
	if err := exec.Command("docker", "info").Run(); err != nil {
		labtest.Missing(t, fmt.Sprintf("no Docker engine answers (%v); start one with tools/servers/dockerd.sh", err))
	}
}

// imageName turns an import path into an image name: its last element, or the
// one before a major-version suffix (".../nats-server/v2" -> "nats-server").
func imageName(pkg string) string {
	base := path.Base(pkg)
	if len(base) >= 2 && base[0] == 'v' && strings.Trim(base[1:], "0123456789") == "" {
		base = path.Base(path.Dir(pkg))
	}
	if base == "." || base == "/" || base == "" {
		return "app"
	}
	return strings.ToLower(base)
}

func fileHash(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", errors.Join(fmt.Errorf("hash %s", p), err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
