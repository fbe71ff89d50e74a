#!/usr/bin/env bash
# Starts a Docker engine for the integration tests when none answers, and waits
# until it does. Needs root and Debian's docker.io. Prints the environment
# testcontainers-go needs on these machines (they look like containers to it,
# and no registry is reachable, so the reaper image cannot be pulled).
set -euo pipefail
if ! docker info >/dev/null 2>&1; then
  command -v dockerd >/dev/null || { echo "dockerd not installed (apt-get install docker.io)" >&2; exit 1; }
  echo ">> starting dockerd (log: /tmp/patternlab-dockerd.log)" >&2
  nohup dockerd >/tmp/patternlab-dockerd.log 2>&1 &
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 0.5
  done
  docker info >/dev/null 2>&1 || { echo "dockerd did not come up; see /tmp/patternlab-dockerd.log" >&2; exit 1; }
fi
echo "export TESTCONTAINERS_RYUK_DISABLED=true TESTCONTAINERS_HOST_OVERRIDE=localhost DOCKER_BUILDKIT=0"
