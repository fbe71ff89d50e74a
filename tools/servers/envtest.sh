#!/usr/bin/env bash
# Builds the envtest control plane (kube-apiserver and etcd) from the Go module
# proxy, once, into a cache outside the checkout keyed by version. Prints the
# directory to use as KUBEBUILDER_ASSETS on stdout; progress goes to stderr.
#   KUBE_VERSION   kube-apiserver version, e.g. v1.37.2
#   ETCD_VERSION   etcd version, e.g. v3.7.3
#   PATTERNLAB_CACHE  cache root (default: ~/.cache/patternlab)
#   BUILD_LOG      file for the go command's own output (default: stderr)
#   --ready        print the directory and exit 0 if both are built, else exit 1
#
# Neither module can be built with `go install pkg@version` (both have replace
# directives), so each is built inside a throwaway wrapper module. The wrapper
# for k8s.io/kubernetes replaces every staging module it requires at v0.0.0
# with the published v0.<minor>.<patch>; the list is read from kubernetes's own
# go.mod, so it cannot drift from the version being built.
set -euo pipefail
kube=${KUBE_VERSION:?set KUBE_VERSION, e.g. v1.37.2}
etcd=${ETCD_VERSION:?set ETCD_VERSION, e.g. v3.7.3}
cache=${PATTERNLAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/patternlab}
dir="$cache/envtest/kube-$kube-etcd-$etcd"
if [ -x "$dir/kube-apiserver" ] && [ -x "$dir/etcd" ]; then echo "$dir"; exit 0; fi
if [ "${1:-}" = "--ready" ]; then exit 1; fi
here=$(cd "$(dirname "$0")" && pwd)
. "$here/progress.sh"
mkdir -p "$dir"
echo ">> building envtest's kube-apiserver $kube and etcd $etcd into $dir" >&2
echo ">> first time only: about 13 minutes on 2 cores and 2.5 GB of memory" >&2
[ -z "${BUILD_LOG:-}" ] || echo ">> the go command writes its own output to $BUILD_LOG" >&2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export GOFLAGS="-trimpath -buildvcs=false" CGO_ENABLED=0 GOWORK=off
start=$(date +%s)

if [ ! -x "$dir/etcd" ]; then
  mkdir -p "$tmp/etcd" && cd "$tmp/etcd"
  go mod init patternlab.local/envtest/etcd >/dev/null 2>&1
  phase "envtest: [1/4] etcd $etcd: downloading modules" go get "go.etcd.io/etcd/server/v3@$etcd"
  phase "envtest: [2/4] etcd: compiling (about 2 minutes)" go build -ldflags='-s -w' -o "$dir/etcd.tmp" go.etcd.io/etcd/server/v3
  mv "$dir/etcd.tmp" "$dir/etcd"
fi

if [ ! -x "$dir/kube-apiserver" ]; then
  mkdir -p "$tmp/kube" && cd "$tmp/kube"
  go mod init patternlab.local/envtest/kube-apiserver >/dev/null 2>&1
  staging="v0.${kube#v1.}"
  gomod=$(go mod download -json "k8s.io/kubernetes@$kube" 2>>"${BUILD_LOG:-/dev/stderr}" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  # every `k8s.io/x v0.0.0` line of kubernetes's require block becomes a replace
  awk '/^require \(/{r=1;next} r&&/^\)/{r=0} r&&$1~/^k8s\.io\//&&$2=="v0.0.0"{print $1}' "$gomod" |
    while read -r m; do go mod edit -replace "$m@v0.0.0=$m@$staging"; done
  echo ">>   $(grep -c '=>' go.mod) staging modules replaced with $staging" >&2
  phase "envtest: [3/4] kube-apiserver $kube: downloading modules" go get "k8s.io/kubernetes/cmd/kube-apiserver@$kube"
  minor=${kube#v1.}; minor=${minor%%.*}
  pkg=k8s.io/component-base/version
  phase "envtest: [4/4] kube-apiserver: compiling (the long part, about 11 minutes)" \
    go build -ldflags="-s -w -X $pkg.gitVersion=$kube -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor" \
    -o "$dir/kube-apiserver.tmp" k8s.io/kubernetes/cmd/kube-apiserver
  mv "$dir/kube-apiserver.tmp" "$dir/kube-apiserver"
fi
echo ">> envtest binaries ready in $dir ($(( $(date +%s) - start )) s)" >&2
echo "$dir"
