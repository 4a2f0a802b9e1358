#!/usr/bin/env bash
# Breaks the demo again so recover.yaml has something to fix: stops the service and corrupts its state.
set -euo pipefail
workdir="${1:-/tmp/runbook-demo}"
if [[ -f $workdir/service.pid ]]; then
  kill "$(cat "$workdir/service.pid")" 2>/dev/null || true
  rm -f "$workdir/service.pid"
fi
mkdir -p "$workdir"
printf '{"assets": ["stage/city.usd", "stage/li' > "$workdir/state.json"   # a write cut short
echo "demo broken: service stopped, $workdir/state.json truncated"
