# lib.sh — what the integration scripts share: counting checks and the closing line.
# Sourced; each script reads "N passed, N failed" at the end via finish.
pass=0
fail=0

# check NAME EXPECTED ACTUAL: the two must be equal
check() {
	if [ "$2" = "$3" ]; then pass=$((pass + 1)); else
		fail=$((fail + 1)); echo "FAIL $1: got '$3', expected '$2'"; fi
}

# expect NAME COMMAND...: the command must succeed
expect() {
	if "${@:2}" >/dev/null 2>&1; then pass=$((pass + 1)); else
		fail=$((fail + 1)); echo "FAIL $1"; fi
}

# wait_until SECONDS COMMAND...: poll every 0.1 s until COMMAND succeeds; false after SECONDS
wait_until() {
	local end=$((SECONDS + $1))
	shift
	while ! "$@" >/dev/null 2>&1; do
		[ "$SECONDS" -ge "$end" ] && return 1
		sleep 0.1
	done
}

# finish: print the counts and exit non-zero on any failure
finish() {
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}
