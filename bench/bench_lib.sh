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
# receipt_line LINE: tocsind's line "alert=… N of M target(s) acknowledged receipt, none is waiting;
# X s after publication" read into got (N), recv_s (X, three decimals), t_recv (the line's time,
# ms) and t_pub (the first message out, ms)
receipt_line() {
	got=$(sed -n 's/.* \([0-9]*\) of [0-9]* target(s) acknowledged receipt.*/\1/p' <<<"$1")
	recv_s=$(sed -n 's/.* none is waiting; \([0-9.]*\) s after publication.*/\1/p' <<<"$1")
	t_recv=$(date -d "$(cut -d' ' -f1 <<<"$1")" +%s%3N)
	t_pub=$((t_recv - 10#${recv_s/./}))
}
