# counties_lib.sh — what the scripts with receivers of two counties on two brokers share
# (broker_tree.sh, multi_broker.sh). Sourced after tocsind_lib.sh; uses $tmp/cred.csv (the
# provisioned credentials), sims A's registry $tmp/ra.csv and B's $tmp/rb.csv of 4 each.

# county_sim NAME REGISTRY PORT DIR: the registry's receivers on the broker at PORT, whose CA
# is DIR/broker/ca.crt
county_sim() {
	"$sim" --registry "$2" --broker "mqtts://127.0.0.1:$3" --cafile "$4/broker/ca.crt" --credentials "$tmp/cred.csv" \
		--pubkey "$tmp/data/signing.pub" --report "$tmp/$1.json" --delay-ms 300 2>>"$tmp/sim-$1.log" &
	sims+=($!)
	eval "sim_$1=$!"
}

# pub PORT CA ID USER PASS TOPIC MESSAGE: one QoS 1 message over TLS; mosquitto_pub's exit status
pub() {
	timeout 10 mosquitto_pub -V 5 -h 127.0.0.1 -p "$1" --cafile "$2" -i "$3" -u "$4" -P "$5" -q 1 -t "$6" -m "$7" \
		2>>"$tmp/pub.log"
}

# moves ID SECRET REGION FROM TO: receiver ID (its secret SECRET) imported again in REGION, served
# by broker TO (a or b: $tmp/TO/broker, $port_TO) instead of FROM: it logs in on TO's broker, its
# account goes from FROM's plugin file, and it cannot log in on FROM's any more
moves() {
	local id=$1 secret=$2 from=$4 to=$5 port_from port_to
	eval "port_from=\$port_$from port_to=\$port_$to"
	online() { pub "$1" "$tmp/$2/broker/ca.crt" "$id" "$id" "$secret" "$P/rx/$id/status" '{"v":1,"state":"online","at":1}'; }
	printf 'id,kind,name,lat,lon,region\n%s,loudspeaker,New,39.03,117.70,%s\n' "$id" "$3" >"$tmp/moved.csv"
	"$tocsin" import receivers "$tmp/moved.csv" --server "$url" >/dev/null
	expect "$id moved to $3 logs in on broker $to" wait_until 20 online "$port_to" "$to"
	expect "... its account is gone from $from's plugin file" \
		wait_until 10 eval "! grep -q '\"$id\"' '$tmp/$from/broker/dynamic-security.json'"
	expect "... and it cannot log in on $from's any more" test "$(online "$port_from" "$from"; echo $?)" -ne 0
}

# alert_both: one alert for both counties (sims sa and sb) reaches all 8 receivers; sets first
# (its id) and leaves its CAP in $tmp/first.xml
alert_both() {
	fresh cn-lightning-yellow.xml >"$tmp/first.xml"
	first=$("$tocsin" submit "$tmp/first.xml" --server "$url")
	check "alert accepted" 0 $?
	expect "every receiver of both counties played it" wait_for "$first" '.counts.played == 8' 60
	check "coverage" 100 "$(counts "$first" '.coverage')"
	check "A's sims played it" 4 "$(report sa | jq --arg id "$first" '.alerts[$id].played // 0')"
	check "B's sims played it" 4 "$(report sb | jq --arg id "$first" '.alerts[$id].played // 0')"
	check "no silent sim" "0 0" "$(report sa | jq '.silent | length') $(report sb | jq '.silent | length')"
}
