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

# wait_until SECONDS COMMAND...: poll every 0.1 s until COMMAND succeeds; false after SECONDS.
# The shell expands COMMAND's words once, before the first try: a figure read with $(...) must be
# read again on each try, so write it as wait_until 10 eval 'test "$(figure)" -ge 2'.
wait_until() {
	local end=$((SECONDS + $1))
	shift
	while ! "$@" >/dev/null 2>&1; do
		[ "$SECONDS" -ge "$end" ] && return 1
		sleep 0.1
	done
}

# server_url DATA_DIR: the URL of the tocsind started with --data-dir DATA_DIR
# --http 127.0.0.1:0, once it has written DATA_DIR/http.addr (up to 10 s):
# https:// when it serves TLS (DATA_DIR/http.url, written just before)
server_url() {
	for _ in $(seq 100); do
		[ -s "$1/http.addr" ] && break
		sleep 0.1
	done
	if [ -s "$1/http.url" ]; then
		cat "$1/http.url"
	else
		echo "http://$(cat "$1/http.addr" 2>/dev/null)"
	fi
}

# wait_for ID JQ [SECONDS]: until `$tocsin status ID --json --server $url`
# satisfies JQ (default 180 s: sanitizer builds are slow); the status is kept
# in $tmp/status.json
wait_for() {
	local deadline=$((SECONDS + ${3:-180}))
	while [ $SECONDS -lt $deadline ]; do
		"$tocsin" status "$1" --json --server "$url" >"$tmp/status.json" 2>/dev/null &&
			jq -e "$2" "$tmp/status.json" >/dev/null && return 0
		sleep 0.3
	done
	echo "timed out waiting for $2 on $1: $(cat "$tmp/status.json")"
	return 1
}

# check_log LOG [PATTERN...]: the server's log LOG holds no error line but those the test
# provokes on purpose, each matching one of the extended regular expressions PATTERN. An error
# line is one tc_log wrote at level error ("... tocsind error category: ..."), or one of a
# sanitizer or a failed assert(). Each unexpected line is printed, and fails the test.
check_log() {
	local log=$1 unexpected p
	shift
	if [ ! -f "$log" ]; then
		fail=$((fail + 1))
		echo "FAIL no log at $log"
		return
	fi
	unexpected=$(grep -aE '^[0-9TZ:.-]+ [a-z-]+ error |ERROR: [A-Za-z]*Sanitizer|runtime error: |Assertion .* failed' \
		"$log" || true)
	for p in "$@"; do
		unexpected=$(printf '%s\n' "$unexpected" | grep -avE -- "$p" || true)
	done
	unexpected=$(printf '%s\n' "$unexpected" | sed '/^$/d')
	if [ -z "$unexpected" ]; then
		pass=$((pass + 1))
		return
	fi
	fail=$((fail + 1))
	echo "FAIL unexpected error line(s) in $log:"
	printf '%s\n' "$unexpected" | head -20 | sed 's/^/  /'
}

# staff DATA_DIR: the people a test's tocsind serves, made with `tocsin user add` on its data
# directory (before it starts or while it runs), each of every region and department:
# t-approver, t-drafter, t-registry, t-viewer and t-admin, their API tokens in $tmp/token.ROLE.
# Afterwards TOCSIN_TOKEN is the approver's, and $tocsin is a wrapper that sends the registry
# clerk's token for import, export, provision and remove (the roles are apart on purpose).
# Scripts not about approval run tocsind with approval_required = none (start_server does).
staff() {
	local dir=$1 role real=${tocsin_real:-$tocsin}
	mkdir -p "$dir"
	for role in approver drafter registry viewer admin; do
		local scope=()
		case $role in
		approver | drafter) scope=(--region '*' --department '*') ;;
		registry) scope=(--region '*') ;;
		esac
		"$real" user add "t-$role" --role "$role" "${scope[@]}" --data-dir "$dir" 2>>"$tmp/staff.log" |
			tail -1 >"$tmp/token.$role"
		[ -s "$tmp/token.$role" ] || echo "staff: could not add t-$role (see $tmp/staff.log)"
	done
	TOCSIN_TOKEN=$(cat "$tmp/token.approver")
	export TOCSIN_TOKEN
	tocsin_real=$real
	cat >"$tmp/tocsin-staff" <<WRAP
#!/bin/sh
# tocsin as the test's staff: registry work with the registry clerk's token, the rest as TOCSIN_TOKEN
case "\$1" in import | export | provision | remove) TOCSIN_TOKEN=\$(cat "$tmp/token.registry"); export TOCSIN_TOKEN ;; esac
exec "$real" "\$@"
WRAP
	chmod +x "$tmp/tocsin-staff"
	tocsin=$tmp/tocsin-staff
}

# api ROLE CURL-ARGS...: curl with the token of the test's ROLE (staff made them)
api() {
	local role=$1
	shift
	curl -H "Authorization: Bearer $(cat "$tmp/token.$role")" "$@"
}

# message_waits URL: "written late longest" from tocsind's /metrics (read as the viewer): the
# broker messages written, how many of them more than 0.2 s after they arrived, and the longest
# wait in seconds (tocsin_broker_message_wait_seconds and its maximum)
message_waits() {
	api viewer -s "$1/metrics" | awk '
		/^tocsin_broker_message_wait_seconds_bucket\{le="0.2"\}/ { le = $2 }
		/^tocsin_broker_message_wait_seconds_count/ { all = $2 }
		/^tocsin_broker_message_wait_max_seconds/ { max = $2 }
		END { print all, all - le, max }'
}

# finish: print the counts and exit non-zero on any failure
finish() {
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}

# acks_at_qos FILE KIND QOS: how many acknowledgments of KIND a recorder (mosquitto_sub -F
# '%t %p qos=%q') wrote to FILE as delivered at QOS
acks_at_qos() {
	grep -c -- "/ack .*\"ack\":\"$2\".* qos=$3\$" "$1"
}

# The store on PostgreSQL (tests/pg/pg.sh run, CTest's *_pg tests): with TOCSIN_TEST_POSTGRESQL
# set, $tocsind and $tocsin become wrappers (pg_store.sh) under which every data directory stands
# for a database of its own on that server: tocsind's configuration says store = its URI, and
# `tocsin user|audit` take --store URI for --data-dir. A script's cleanup calls store_drop. A
# script that sets its stores up itself (failover.sh: two tocsind on one) sets
# TOCSIN_TEST_OWN_STORE before it sources this file.
pg_store=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/pg_store.sh
if [ -n "${TOCSIN_TEST_POSTGRESQL:-}" ] && [ -n "${tmp:-}" ] && [ -z "${TOCSIN_TEST_OWN_STORE:-}" ]; then
	TOCSIN_TEST_PG_PREFIX=t$(basename "$tmp" | tr -c 'a-zA-Z0-9\n' _)
	TOCSIN_TEST_PG_STORES=$tmp/pg-stores
	export TOCSIN_TEST_PG_PREFIX TOCSIN_TEST_PG_STORES
	: >"$TOCSIN_TEST_PG_STORES"
	for _w in tocsind tocsin; do
		if [ -n "${!_w:-}" ]; then
			printf '#!/bin/sh\nexec "%s" %s "%s" "$@"\n' "$pg_store" "$_w" "${!_w}" >"$tmp/pg-$_w"
			chmod +x "$tmp/pg-$_w"
			printf -v "$_w" '%s' "$tmp/pg-$_w"
		fi
	done
fi

# on_postgresql: whether the test's stores are on PostgreSQL
on_postgresql() { [ -n "${TOCSIN_TEST_PG_PREFIX:-}" ]; }

# store_drop: drop the test's PostgreSQL databases (nothing on SQLite); for a script's cleanup,
# after its tocsind is gone
store_drop() {
	on_postgresql && "$pg_store" drop
	return 0
}

# store_sql DATA_DIR SQL [SEPARATOR]: run SQL on the store of the tocsind of DATA_DIR (its
# tocsin.db, or its PostgreSQL database) as the engine's own client, a row a line, columns
# apart by SEPARATOR (default |)
store_sql() {
	if on_postgresql; then
		psql "$("$pg_store" uri "$1")" -XAtq -v ON_ERROR_STOP=1 \
			-F "${3:-|}" -c "$2"
	else
		sqlite3 -separator "${3:-|}" -cmd '.timeout 5000' "$1/tocsin.db" "$2"
	fi
}

# lock_store: a client of the store holding its write lock (on SQLite a write transaction on
# $tmp/data/tocsin.db, on PostgreSQL the advisory lock every write transaction takes, see
# server/store/tc_db.h), its pid in lock_pid, so that tocsind cannot write until unlock_store;
# a script's cleanup kills $lock_pid
lock_store() {
	rm -f "$tmp/lock.in"
	mkfifo "$tmp/lock.in"
	if on_postgresql; then
		local lock
		lock=$(sed -n 's/^#define TC_DB_PG_WRITE_LOCK "\([0-9]*\)"/\1/p' \
			"$(dirname "$pg_store")/../../server/store/tc_db.h")
		psql "$("$pg_store" uri "$tmp/data")" -XAtq \
			<"$tmp/lock.in" >"$tmp/lock.out" 2>&1 &
		lock_pid=$!
		exec 7>"$tmp/lock.in"
		printf "BEGIN;\nSELECT pg_advisory_xact_lock(%s);\nSELECT 'locked';\n" "$lock" >&7
	else
		sqlite3 "$tmp/data/tocsin.db" <"$tmp/lock.in" >"$tmp/lock.out" 2>&1 &
		lock_pid=$!
		exec 7>"$tmp/lock.in"
		printf ".timeout 10000\nBEGIN IMMEDIATE;\nSELECT 'locked';\n" >&7
	fi
	wait_until 20 grep -q locked "$tmp/lock.out"
}

unlock_store() {
	if on_postgresql; then
		printf 'ROLLBACK;\n\\q\n' >&7
	else
		printf 'ROLLBACK;\n.quit\n' >&7
	fi
	exec 7>&-
	wait "$lock_pid"
	lock_pid=
}

# fresh FILE [EXPIRES]: the example $examples/FILE moved to today (Beijing time); optionally a new expiry
# twenty_villages OFFICIALS [SIM_FLAGS...]: 20 villages of Binhai (1201160010NN) in the registry
# of the tocsind at $url, a loudspeaker each, their 信息员 (138001000NN) and the contacts OFFICIALS
# lists (CSV lines phone,name,role,region,language) imported, the loudspeakers provisioned and
# run by $sim on $broker_url with SIM_FLAGS; sets sim_pid.
twenty_villages() {
	local officials=$1 villages
	shift
	villages=$(for i in $(seq -w 0 19); do printf '1201160010%s,' "$i"; done)
	"$sim" --emit-registry "$tmp/rx.csv" --count 20 --region "${villages%,}"
	"$tocsin" import receivers "$tmp/rx.csv" --server "$url" >/dev/null
	{
		echo "phone,name,role,region,language"
		for i in $(seq -w 0 19); do echo "138001000$i,信息员$i,信息员,1201160010$i,zh-CN"; done
		cat "$officials"
	} >"$tmp/contacts.csv"
	"$tocsin" import contacts "$tmp/contacts.csv" --server "$url" >"$tmp/import.out" 2>&1 ||
		{ echo "FAIL contacts import: $(cat "$tmp/import.out")"; exit 1; }
	"$tocsin" provision --all --csv --server "$url" --out "$tmp/credentials.csv" >/dev/null
	"$sim" --registry "$tmp/rx.csv" --broker "$broker_url" --cafile "$broker_ca" --credentials "$tmp/credentials.csv" \
		--pubkey "$tmp/data/signing.pub" --delay-ms 100 "$@" 2>>"$tmp/sim.log" &
	sim_pid=$!
	sleep 1.5
}

fresh() {
	local today tomorrow
	today=$(TZ=Asia/Shanghai date +%Y-%m-%d)
	tomorrow=$(TZ=Asia/Shanghai date -d tomorrow +%Y-%m-%d)
	sed -e "s/2026-0[678]-[0-9][0-9]T/${today}T/g" -e "s/2026-08-13/$tomorrow/g" \
		-e "s/_2026[0-9]\{4\}/_${today//-/}/g" "$examples/$1" |
		if [ -n "${2:-}" ]; then sed "s|<expires>[^<]*</expires>|<expires>$2</expires>|"; else
			sed "s|<expires>${today}T|<expires>${tomorrow}T|"; fi
}
