#!/bin/sh
# pg.sh — a throwaway PostgreSQL server for the tests.
#
#   pg.sh start DIR        make a cluster (in a folder of its own under /tmp), start it on a free
#                          loopback port, and write its URI (superuser "tocsin", database
#                          "tocsin") to DIR/uri; a server an earlier start left in DIR is stopped
#   pg.sh stop DIR         stop it and remove its cluster
#   pg.sh run DIR CMD...   run CMD with TOCSIN_TEST_POSTGRESQL set to the URI
#
# PostgreSQL refuses to run as root: as root the cluster belongs to the postgres
# user (the Debian package makes it). It listens on 127.0.0.1 only, and on a
# socket in its folder; connections from this machine are trusted (a test
# cluster, with nobody's data), and fsync is off.
set -eu
cmd=${1:?usage: pg.sh start|stop|run DIR [CMD...]}
dir=${2:?usage: pg.sh start|stop|run DIR [CMD...]}
shift 2
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)

as_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

stop() {
	[ -f "$dir/cluster" ] || return 0
	cluster=$(cat "$dir/cluster")
	as_owner "$bin/pg_ctl" -D "$cluster/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
	rm -rf "$cluster" "$dir/cluster" "$dir/uri"
}

case $cmd in
start)
	[ -x "$bin/initdb" ] || { echo "pg.sh: PostgreSQL's server is not installed (Debian: postgresql)" >&2; exit 2; }
	mkdir -p "$dir"
	stop
	cluster=$(mktemp -d /tmp/tocsin-pg.XXXXXX)
	echo "$cluster" >"$dir/cluster"
	[ "$(id -u)" -eq 0 ] && chown postgres: "$cluster"
	as_owner "$bin/initdb" -D "$cluster/data" -U tocsin --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
		{ cat "$dir/initdb.log" >&2; exit 1; }
	tries=0
	while :; do
		port=$(free_port)
		if as_owner "$bin/pg_ctl" -D "$cluster/data" -l "$cluster/server.log" -w -t 30 \
			-o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$cluster -c fsync=off -c max_connections=300" \
			start >/dev/null; then
			break
		fi
		tries=$((tries + 1))
		[ $tries -lt 5 ] || { cat "$cluster/server.log" >&2; exit 1; }
	done
	as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U tocsin tocsin
	echo "postgresql://tocsin@127.0.0.1:$port/tocsin" >"$dir/uri"
	cat "$dir/uri"
	;;
stop)
	stop
	;;
run)
	[ -f "$dir/uri" ] || { echo "pg.sh: no server started in $dir (pg.sh start $dir)" >&2; exit 2; }
	TOCSIN_TEST_POSTGRESQL=$(cat "$dir/uri")
	export TOCSIN_TEST_POSTGRESQL
	exec "$@"
	;;
*)
	echo "pg.sh: no command $cmd (start, stop, run)" >&2
	exit 2
	;;
esac
