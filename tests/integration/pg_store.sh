#!/usr/bin/env bash
# pg_store.sh — the integration tests' stores on PostgreSQL (lib.sh sets it up when
# TOCSIN_TEST_POSTGRESQL names a server: tests/pg/pg.sh run, CTest's *_pg tests).
# Each data directory a test gives tocsind or `tocsin user|audit` stands for a database of
# its own on that server, made at its first use and named after the test's temporary folder
# (TOCSIN_TEST_PG_PREFIX, the list of directories in TOCSIN_TEST_PG_STORES):
#
#   pg_store.sh uri DIR             the URI of DIR's database (made when new)
#   pg_store.sh tocsind REAL ARGS   REAL (tocsind) with ARGS, its configuration (--config FILE,
#                                   one made when none is given) saying store = the URI of
#                                   --data-dir's database
#   pg_store.sh tocsin REAL ARGS    REAL (tocsin) with ARGS; for `user` and `audit`, --data-dir
#                                   DIR becomes --store URI; `broker setup` gets --store URI
#                                   too (unless it names one)
#   pg_store.sh drop                drop every database of the test
set -eu
server=${TOCSIN_TEST_POSTGRESQL:?pg_store.sh: TOCSIN_TEST_POSTGRESQL is not set}
prefix=${TOCSIN_TEST_PG_PREFIX:?pg_store.sh: TOCSIN_TEST_PG_PREFIX is not set}
stores=${TOCSIN_TEST_PG_STORES:?pg_store.sh: TOCSIN_TEST_PG_STORES is not set}

admin() { psql "$server" -XAtq -v ON_ERROR_STOP=1 -c "$1"; }

# uri DIR: the database of DIR, made the first time (under a lock: tocsind and tocsin user may
# ask for it at once)
uri() {
	local dir n name
	mkdir -p "$1"
	dir=$(cd "$1" && pwd -P)
	exec 9>>"$stores"
	flock 9
	n=$(grep -nxF -- "$dir" "$stores" | cut -d: -f1 | head -1)
	if [ -z "$n" ]; then
		printf '%s\n' "$dir" >>"$stores"
		n=$(wc -l <"$stores")
		name=${prefix}_$n
		admin "CREATE DATABASE \"$name\"" >/dev/null
	fi
	exec 9>&-
	echo "${server%/*}/${prefix}_$n"
}

# option NAME ARGS...: the value of --NAME VALUE or --NAME=VALUE in ARGS
option() {
	local name=$1
	shift
	while [ $# -gt 0 ]; do
		case $1 in
		"--$name") echo "${2:-}"; return ;;
		"--$name="*) echo "${1#*=}"; return ;;
		esac
		shift
	done
}

cmd=${1:?usage: pg_store.sh uri|tocsind|tocsin|drop ...}
shift
case $cmd in
uri)
	uri "${1:?usage: pg_store.sh uri DIR}"
	;;
tocsind)
	real=$1
	shift
	dir=$(option data-dir "$@")
	[ -n "$dir" ] || exec "$real" "$@"
	store=$(uri "$dir")
	config=$(option config "$@")
	extra=()
	if [ -z "$config" ]; then
		config=$(dirname "$stores")/pg-$(basename "$dir").conf
		printf '[tocsind]\n' >"$config"
		extra=(--config "$config")
	fi
	[ -f "$config" ] || exec "$real" "$@" # its own error
	sed -i '/^store *=/d' "$config"
	printf 'store = %s\n' "$store" >>"$config"
	exec "$real" "${extra[@]}" "$@"
	;;
tocsin)
	real=$1
	shift
	case ${1:-} in
	user | audit) ;;
	broker)
		dir=$(option data-dir "$@")
		[ -n "$dir" ] && [ -z "$(option store "$@")" ] || exec "$real" "$@"
		exec "$real" "$@" --store "$(uri "$dir")"
		;;
	*) exec "$real" "$@" ;;
	esac
	args=()
	while [ $# -gt 0 ]; do
		case $1 in
		--data-dir) args+=(--store "$(uri "$2")"); shift ;;
		--data-dir=*) args+=(--store "$(uri "${1#*=}")") ;;
		*) args+=("$1") ;;
		esac
		shift
	done
	exec "$real" "${args[@]}"
	;;
drop)
	for name in $(admin "SELECT datname FROM pg_database WHERE starts_with(datname, '${prefix}_')"); do
		admin "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)" >/dev/null || true
	done
	;;
*)
	echo "pg_store.sh: no command $cmd (uri, tocsind, tocsin, drop)" >&2
	exit 2
	;;
esac
