#!/usr/bin/env bash
# Interleaved A/B timing of two builds of the engine on one workload, for changes smaller than this
# machine's drift between two hyperfine invocations: runs A and B alternately N times each and prints
# their medians and the median of the pairwise differences.
#   bench/ab.sh A_LAUNCHER B_LAUNCHER N WORKLOAD [INVENTORY]
# e.g. with a worktree of the earlier commit built by its own launcher:
#   git worktree add /tmp/wt-before HEAD~1 && /tmp/wt-before/bin/runbook --version
#   bench/ab.sh /tmp/wt-before/bin/runbook bin/runbook 30 bench/workloads/ssh-seq-20.yaml
set -euo pipefail
[[ $# -ge 4 ]] || { sed -n '2,8p' "$0" >&2; exit 2; }
a=$1 b=$2 n=$3 workload=$4 inv=${5:-/tmp/runbook-bench/state/inventory.yml}
for ((i = 0; i < n; i++)); do
  for v in A B; do
    launcher=$a; [[ $v == B ]] && launcher=$b
    s=$(date +%s%N); "$launcher" run -i "$inv" "$workload" >/dev/null 2>&1; e=$(date +%s%N)
    echo "$v $(((e - s) / 1000000))"
  done
done | python3 -c '
import statistics, sys
d = {}
for line in sys.stdin:
    v, ms = line.split()
    d.setdefault(v, []).append(int(ms))
a, b = d["A"], d["B"]
print("A median %d ms, B median %d ms (n=%d each)" % (statistics.median(a), statistics.median(b), len(a)))
print("B faster in %d of %d pairs; median difference A-B %d ms" % (sum(y < x for x, y in zip(a, b)), len(a),
      statistics.median([x - y for x, y in zip(a, b)])))
'
