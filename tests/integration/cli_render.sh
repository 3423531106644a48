#!/usr/bin/env bash
# cli_render.sh — `tocsin render` and `tocsin speak` as an operator runs them:
# every file is written, audio is real audio, the payload verifies with the
# public key and fails once altered, invalid alerts render nothing.
# Usage: cli_render.sh TOCSIN_BINARY EXAMPLES_DIR
set -u
tocsin=$1
examples=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/lib.sh"

out=$tmp/typhoon
"$tocsin" render --tone-ms 1000 "$examples/cn-typhoon-orange.xml" --out "$out" >"$tmp/log" 2>&1
check "render exit status" 0 $?
for f in zh-CN.script.txt zh-CN.wav zh-CN.opus zh-CN.sms.json en-US.script.txt en-US.wav en-US.opus \
	en-US.sms.json payload.json payload.sig signing.pub signing.key; do
	expect "wrote $f" test -s "$out/$f"
done
expect "wav is RIFF" bash -c "head -c 4 '$out/zh-CN.wav' | grep -q RIFF"
expect "opus is Ogg" bash -c "head -c 4 '$out/zh-CN.opus' | grep -q OggS"
expect "opus is Opus" grep -qa OpusHead "$out/zh-CN.opus"
expect "secret key is private" test "$(stat -c %a "$out/signing.key")" = 600
expect "script is normalised" grep -q "shi2 dao4 shi2 yi1 ji2" "$out/zh-CN.script.txt"
expect "script uses the lexicon" grep -q "bi4 nan4 chang3 suo3" "$out/zh-CN.script.txt"
expect "sms json" jq -e '.encoding == "ucs2" and (.segments|length) >= 1 and (.text|startswith("【"))' "$out/zh-CN.sms.json"
expect "sms gsm7 for english" jq -e '.encoding == "gsm7"' "$out/en-US.sms.json"
expect "payload names the audio by digest" jq -e \
	--arg sha "$(sha256sum "$out/zh-CN.opus" | cut -d' ' -f1)" '.infos[0].audio.sha256 == $sha' "$out/payload.json"
expect "payload colour" jq -e '.colour == "orange" and .repeats == 3 and .v == 1' "$out/payload.json"

"$tocsin" verify --pubkey "$out/signing.pub" --sig "$out/payload.sig" "$out/payload.json" >/dev/null
check "signature verifies" 0 $?
sed 's/orange/red/' "$out/payload.json" >"$tmp/forged.json"
"$tocsin" verify --pubkey "$out/signing.pub" --sig "$out/payload.sig" "$tmp/forged.json" >/dev/null
check "altered payload fails" 1 $?

# The same key signs a second render.
"$tocsin" render --key "$out/signing.key" "$examples/cn-lightning-yellow.xml" --out "$tmp/l" >/dev/null 2>&1
check "render with --key" 0 $?
"$tocsin" verify --pubkey "$out/signing.pub" --sig "$tmp/l/payload.sig" "$tmp/l/payload.json" >/dev/null
check "second payload verifies with the same key" 0 $?
expect "no new key written" test ! -e "$tmp/l/signing.key"

# An invalid alert renders nothing.
sed 's|<severity>Severe</severity>|<severity>Observed</severity>|' "$examples/cn-typhoon-orange.xml" >"$tmp/bad.xml"
"$tocsin" render "$tmp/bad.xml" --out "$tmp/bad" >"$tmp/log" 2>&1
check "invalid alert refused" 1 $?
expect "refusal names the problem" grep -q "Observed" "$tmp/log"
expect "nothing rendered" test ! -e "$tmp/bad/payload.json"

# speak
"$tocsin" speak --lang zh-CN --print-script "预计8～10级大风，请尽快到避难场所。" >"$tmp/s"
check "speak exit" 0 $?
expect "print-script" grep -q "ba1 dao4 shi2 ji2 da4 feng1" "$tmp/s"
# --explain: each word, its reading and what decided it
"$tocsin" speak --lang zh-CN --explain "各银行网点处于停业状态" >"$tmp/why"
check "explain exit" 0 $?
expect "explain: the dictionary reads 银行" grep -qP "^银行\tyin2 hang2\tdictionary$" "$tmp/why"
printf '网点\twang3 dian3\n银行\tyin2 hang2\n' >"$tmp/bureau.tsv"
"$tocsin" speak --lang zh-CN --explain --lexicon "$tmp/bureau.tsv" "各银行网点" >"$tmp/why"
expect "explain names the operator's lexicon" grep -qP "^网点\twang3 dian3\tlexicon: $tmp/bureau.tsv$" "$tmp/why"
printf '网点\twang3\n' >"$tmp/bad-lexicon.tsv"
"$tocsin" speak --lang zh-CN --print-script --lexicon "$tmp/bad-lexicon.tsv" "各银行网点" >"$tmp/log" 2>&1
check "a lexicon line whose syllables do not match the word is refused" 1 $?
expect "... naming the line" grep -q "bad-lexicon.tsv, line 1" "$tmp/log"
"$tocsin" speak --lang en-US --explain "Typhoon" >"$tmp/log" 2>&1
check "explain is for Chinese" 1 $?
expect "... saying so" grep -q "explain is for Chinese" "$tmp/log"
"$tocsin" speak --lang en-US --out "$tmp/hello.wav" "Typhoon warning" >/dev/null 2>&1
check "speak to wav" 0 $?
expect "speech wav" bash -c "head -c 4 '$tmp/hello.wav' | grep -q RIFF"
"$tocsin" speak --lang zh-CN --out "$tmp/hello.opus" "台风预警" >/dev/null 2>&1
check "speak to opus" 0 $?
expect "speech opus" grep -qa OpusHead "$tmp/hello.opus"
"$tocsin" speak --lang zh-CN "no mode" >/dev/null 2>&1
check "speak usage" 2 $?

finish
