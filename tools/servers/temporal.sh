#!/usr/bin/env bash
# Builds the Temporal CLI (its dev server is what the lab runs) from the Go module
# proxy, once, into a cache outside the checkout keyed by version. Prints the
# binary's path on stdout; progress goes to stderr, one line per phase and a
# heartbeat while it compiles.
#   --ready               print the path and exit 0 if it is built, else exit 1
#   TEMPORAL_CLI_VERSION  version to build (the Makefile sets it)
#   PATTERNLAB_CACHE      cache root (default: ~/.cache/patternlab)
#   BUILD_LOG             file for the go command's own output (default: stderr)
set -euo pipefail
version=${TEMPORAL_CLI_VERSION:?set TEMPORAL_CLI_VERSION, e.g. v1.5.1}
cache=${PATTERNLAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/patternlab}
dir="$cache/temporal/$version"
bin="$dir/temporal"
if [ -x "$bin" ]; then echo "$bin"; exit 0; fi
if [ "${1:-}" = "--ready" ]; then exit 1; fi
here=$(cd "$(dirname "$0")" && pwd)
. "$here/progress.sh"
mkdir -p "$dir"
echo ">> building the Temporal CLI $version into $dir" >&2
echo ">> first time only: about 5 minutes on 2 cores and 2 GB of memory" >&2
[ -z "${BUILD_LOG:-}" ] || echo ">> the go command writes its own output to $BUILD_LOG" >&2
start=$(date +%s)
tmp="$dir/.build.$$"
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
export GOBIN="$tmp" GOFLAGS=-trimpath CGO_ENABLED=0
phase "temporal: downloading modules and compiling the CLI (go install)" \
  go install -ldflags='-s -w' "github.com/temporalio/cli/cmd/temporal@$version"
mv "$tmp/temporal" "$bin"
echo ">> built $bin in $(( $(date +%s) - start )) s" >&2
echo "$bin"
