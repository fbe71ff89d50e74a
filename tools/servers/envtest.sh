#!/usr/bin/env bash
# Builds the envtest control plane (kube-apiserver and etcd) from the Go module
# proxy, once, into a cache outside the checkout keyed by version. Prints the
# directory to use as KUBEBUILDER_ASSETS on stdout; progress goes to stderr.
#   KUBE_VERSION   kube-apiserver version, e.g. v1.37.2
#   ETCD_VERSION   etcd version, e.g. v3.7.3
#   PATTERNLAB_CACHE  cache root (default: ~/.cache/patternlab)
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
mkdir -p "$dir"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export GOFLAGS="-trimpath -buildvcs=false" CGO_ENABLED=0 GOWORK=off
start=$(date +%s)

if [ ! -x "$dir/etcd" ]; then
  echo ">> building etcd $etcd (first time only: about 2 minutes)" >&2
  mkdir -p "$tmp/etcd" && cd "$tmp/etcd"
  go mod init patternlab.local/envtest/etcd >/dev/null 2>&1
  go get "go.etcd.io/etcd/server/v3@$etcd" >&2
  go build -ldflags='-s -w' -o "$dir/etcd.tmp" go.etcd.io/etcd/server/v3
  mv "$dir/etcd.tmp" "$dir/etcd"
fi

if [ ! -x "$dir/kube-apiserver" ]; then
  echo ">> building kube-apiserver $kube (first time only: about 11 minutes, 2.5 GB of memory)" >&2
  mkdir -p "$tmp/kube" && cd "$tmp/kube"
  go mod init patternlab.local/envtest/kube-apiserver >/dev/null 2>&1
  staging="v0.${kube#v1.}"
  gomod=$(go mod download -json "k8s.io/kubernetes@$kube" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  # every `k8s.io/x v0.0.0` line of kubernetes's require block becomes a replace
  awk '/^require \(/{r=1;next} r&&/^\)/{r=0} r&&$1~/^k8s\.io\//&&$2=="v0.0.0"{print $1}' "$gomod" |
    while read -r m; do go mod edit -replace "$m@v0.0.0=$m@$staging"; done
  echo ">>   $(grep -c '=>' go.mod) staging modules replaced with $staging" >&2
  go get "k8s.io/kubernetes/cmd/kube-apiserver@$kube" >&2
  minor=${kube#v1.}; minor=${minor%%.*}
  pkg=k8s.io/component-base/version
  go build -ldflags="-s -w -X $pkg.gitVersion=$kube -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor" \
    -o "$dir/kube-apiserver.tmp" k8s.io/kubernetes/cmd/kube-apiserver
  mv "$dir/kube-apiserver.tmp" "$dir/kube-apiserver"
fi
echo ">> envtest binaries ready in $dir ($(( $(date +%s) - start )) s)" >&2
echo "$dir"
