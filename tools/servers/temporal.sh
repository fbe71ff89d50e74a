#!/usr/bin/env bash
# Builds the Temporal CLI (its dev server is what the lab runs) from the Go module
# proxy, once, into a cache outside the checkout keyed by version. Prints the
# binary's path on stdout; progress goes to stderr.
#   TEMPORAL_CLI_VERSION  version to build (the Makefile sets it)
#   PATTERNLAB_CACHE      cache root (default: ~/.cache/patternlab)
set -euo pipefail
version=${TEMPORAL_CLI_VERSION:?set TEMPORAL_CLI_VERSION, e.g. v1.5.1}
cache=${PATTERNLAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/patternlab}
dir="$cache/temporal/$version"
bin="$dir/temporal"
if [ -x "$bin" ]; then echo "$bin"; exit 0; fi
mkdir -p "$dir"
echo ">> building the Temporal CLI $version into $dir" >&2
echo ">> first time only: about 5 minutes on 2 cores and 2 GB of memory" >&2
start=$(date +%s)
tmp="$dir/.build.$$"
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
GOBIN="$tmp" GOFLAGS=-trimpath CGO_ENABLED=0 \
  go install -ldflags='-s -w' "github.com/temporalio/cli/cmd/temporal@$version" >&2
mv "$tmp/temporal" "$bin"
echo ">> built $bin in $(( $(date +%s) - start )) s" >&2
echo "$bin"
