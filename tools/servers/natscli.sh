#!/usr/bin/env bash
# Builds the NATS CLI (its `nats bench` is the anchor the NATS benchmarks are
# measured against) from the Go module proxy, once, into a cache outside the
# checkout keyed by version. Prints the binary's path on stdout; progress goes
# to stderr.
#   --ready            print the path and exit 0 if it is built, else exit 1
#   NATSCLI_VERSION    version to build (the Makefile sets it)
#   PATTERNLAB_CACHE   cache root (default: ~/.cache/patternlab)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ -z "${NATSCLI_VERSION:-}" ]; then
  NATSCLI_VERSION=$(sed -n 's/^NATSCLI_VERSION *:= *//p' "$here/../../Makefile")
fi
version=${NATSCLI_VERSION:?set NATSCLI_VERSION, e.g. v0.5.0}
cache=${PATTERNLAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/patternlab}
dir="$cache/natscli/$version"
bin="$dir/nats"
if [ -x "$bin" ]; then echo "$bin"; exit 0; fi
if [ "${1:-}" = "--ready" ]; then exit 1; fi
. "$here/progress.sh"
mkdir -p "$dir"
echo ">> building the NATS CLI $version into $dir (first time only: about 2 minutes on 2 cores)" >&2
start=$(date +%s)
tmp="$dir/.build.$$"
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
export GOBIN="$tmp" GOFLAGS=-trimpath CGO_ENABLED=0
phase "natscli: downloading modules and compiling nats (go install)" \
  go install -ldflags='-s -w' "github.com/nats-io/natscli/nats@$version"
mv "$tmp/nats" "$bin"
echo ">> built $bin in $(( $(date +%s) - start )) s" >&2
echo "$bin"
