# bench_lib.sh — what the benchmark scripts that start real processes share: a temporary
# folder ($tmp), the processes they start (add each pid to pids: killed on exit, and $tmp
# removed), the integration tests' broker helpers and staff (the API takes no request without
# a token), and as many file descriptors as allowed (one MQTT connection each).
# Sourced from the repository's top folder.
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
. tests/integration/broker.sh
. tests/integration/lib.sh
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
