# Sourced by the server build scripts: phase "what" cmd... runs cmd with its
# output in $BUILD_LOG (or on stderr), prints one line when the phase starts,
# a heartbeat every minute, and how long it took; a failure shows the log's end.
phase() {
  local what=$1; shift
  local t0 beat status
  t0=$(date +%s)
  echo ">> $what" >&2
  ( while sleep 60; do echo ">>    ... $what: $(( ($(date +%s) - t0) / 60 )) min so far" >&2; done ) &
  beat=$!
  if [ -n "${BUILD_LOG:-}" ]; then
    "$@" >>"$BUILD_LOG" 2>&1 && status=0 || status=$?
  else
    "$@" >&2 && status=0 || status=$?
  fi
  kill "$beat" 2>/dev/null; wait "$beat" 2>/dev/null || true
  if [ "$status" -ne 0 ]; then
    echo ">> FAILED: $what (exit $status)" >&2
    [ -n "${BUILD_LOG:-}" ] && { echo ">> last lines of $BUILD_LOG:" >&2; tail -n 30 "$BUILD_LOG" >&2; }
    return "$status"
  fi
  echo ">>    done in $(( $(date +%s) - t0 )) s" >&2
}
