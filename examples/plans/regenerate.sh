#!/bin/sh
# Writes examples/plans/NAME.md for every runbook in runbooks/: the plan a reviewer sees for the
# production example inventory (`runbook plan NAME --format markdown -i
# inventory/production.example.yaml`). Params a runbook requires come from NAME.params beside its
# plan, one key=value a line. src/test/java/dev/runbook/stack/PlansAreCurrentTest.java fails while
# a plan is stale, missing, or left over from a runbook that is gone: run this, then commit.
#
#   examples/plans/regenerate.sh                                    # with bin/runbook
#   RUNBOOK="java -jar /tmp/build/runbook.jar" examples/plans/regenerate.sh
set -eu
cd "$(dirname "$0")/../.."
runbook=${RUNBOOK:-bin/runbook}
unset RUNBOOK_INVENTORY RUNBOOK_PATH
for file in runbooks/*.yaml; do
  name=$(basename "$file" .yaml)
  set --
  if [ -f "examples/plans/$name.params" ]; then
    while IFS= read -r param; do
      case $param in '' | '#'*) ;; *) set -- "$@" -p "$param" ;; esac
    done < "examples/plans/$name.params"
  fi
  $runbook plan "$name" --format markdown -i inventory/production.example.yaml "$@" > "examples/plans/$name.md.tmp"
  mv "examples/plans/$name.md.tmp" "examples/plans/$name.md"
done
for plan in examples/plans/*.md; do
  [ -f "runbooks/$(basename "$plan" .md).yaml" ] || rm -v "$plan"
done
