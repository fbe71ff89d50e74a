#!/usr/bin/env bash
# Prints the environment the given modules need beyond Go, building what is
# missing first (once; cached outside the checkout). Each module's needs are
# read from its pattern.yaml (`needs: [temporal-cli, envtest]`).
#   usage: eval "$(tools/servers/env.sh patterns/saga patterns/operator)"
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# The server versions live in the Makefile (one place); outside make, read them there.
for v in TEMPORAL_CLI_VERSION KUBE_VERSION ETCD_VERSION; do
  if [ -z "${!v:-}" ]; then
    val=$(sed -n "s/^$v *:= *//p" "$here/../../Makefile")
    [ -n "$val" ] && export "$v=$val"
  fi
done
needs=""
for m in "$@"; do
  [ -f "$m/pattern.yaml" ] || continue
  needs="$needs $(sed -n 's/^needs: *\[\(.*\)\].*/\1/p' "$m/pattern.yaml" | tr ',' ' ')"
done
for n in $(echo "$needs" | tr ' ' '\n' | sort -u); do
  case "$n" in
    temporal-cli) echo "export TEMPORAL_CLI=$("$here/temporal.sh")" ;;
    envtest)      echo "export KUBEBUILDER_ASSETS=$("$here/envtest.sh")" ;;
    *) echo "unknown need '$n' in a pattern.yaml" >&2; exit 1 ;;
  esac
done
