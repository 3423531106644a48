#!/usr/bin/env bash
# sim_sources.sh — tocsin-sim --source-addresses: the receivers' connections come from the
# loopback addresses given, round robin (past one address's ephemeral ports), and anything but
# 127.x.x.x addresses is refused with a message naming it.
# Usage: sim_sources.sh TOCSIN_SIM SIM_PUBLISH
set -u
sim=$1
mk=$2
tmp=$(mktemp -d)
simpid= subpid= bpid=
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sim_lib.sh"
trap sim_cleanup EXIT

"$mk" keygen "$tmp" >/dev/null || exit 1
sim_broker || exit 1
"$sim" --broker "127.0.0.1:$port" --pubkey "$tmp/signing.pub" --count 40 --region 120116001001 \
	--source-addresses 127.0.0.2-127.0.0.4,127.0.0.9 2>"$tmp/sim.log" &
simpid=$!
wait_until 60 grep -q "all 40 receivers connected" "$tmp/sim.log"
check "all 40 connected" 0 $?
# from: how many connections to the broker come from each local address ("N ADDRESS" lines)
from() { ss -Htn state established "( dport = :$port )" | awk '{split($3, a, ":"); print a[1]}' | sort | uniq -c |
	awk '{print $1, $2}' | tr '\n' ' '; }
check "10 connections from each address" "10 127.0.0.2 10 127.0.0.3 10 127.0.0.4 10 127.0.0.9 " "$(from)"
kill -TERM "$simpid"
wait "$simpid"
check "clean stop" 0 $?
simpid=

# refused, naming the value, before any connection
refused() {
	"$sim" --broker "127.0.0.1:$port" --pubkey "$tmp/signing.pub" --count 2 --region 120116001001 \
		--source-addresses "$1" --duration-s 5 2>"$tmp/bad.log"
	check "--source-addresses $1 refused (exit 2)" 2 $?
	expect "--source-addresses $1: the message names it" grep -qF -- "$2" "$tmp/bad.log"
}
refused 10.0.0.1 "'10.0.0.1' is not a 127.x.x.x address"
refused 127.0.0.1-192.168.1.1 "'127.0.0.1-192.168.1.1' is not a 127.x.x.x address"
refused localhost "'localhost' is not a 127.x.x.x address"
refused 127.0.0.9-127.0.0.2 "the range '127.0.0.9-127.0.0.2' ends before it starts"
refused 127.0.0.0-127.0.9.0 "holds more than 256 addresses"
refused "" "--source-addresses: empty"
finish
