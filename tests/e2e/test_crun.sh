# shellcheck shell=bash
# The leak scenarios (scenarios.sh) under crun.
# shellcheck source=tests/e2e/scenarios.sh
. "$ROOT/tests/e2e/scenarios.sh"
for s in $(declare -F | awk '$3 ~ /^scenario_/ { print $3 }'); do
	eval "test_${s#scenario_}() { RUNTIME=crun; $s; }"
done
