#!/usr/bin/env bash
# cli_programs.sh — the tocsin front and the programs beside it, and what
# each program links.
#   - Every command runs through the front, also when the front is reached
#     through a symbolic link from another folder.
#   - The front runs only the program installed beside it: a program of the
#     same name earlier in PATH or in the working folder is never run.
#   - A front without its programs says which one is missing (exit 2).
#   - The device programs link neither libxml2 nor espeak-ng; tocsin-validate
#     links neither the speech, audio nor HTTP libraries.
# Usage: cli_programs.sh TOCSIN RECEIVER SIGNAGE SIM EXAMPLES_DIR
set -u
tocsin=$(readlink -f "$1")
receiver=$2
signage=$3
sim=$4
examples=$(readlink -f "$5")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/lib.sh"
bin=$(dirname "$tocsin")
typhoon=$examples/cn-typhoon-orange.xml

"$tocsin" --help >"$tmp/help"; check "help" 0 $?
for c in validate render speak verify key submit import export status cancel; do
	expect "help lists $c" grep -q "^  $c " "$tmp/help"
	"$tocsin" "$c" --help >/dev/null 2>&1; check "$c --help reaches its program" 0 $?
done
"$tocsin" validate --profile cn "$typhoon" >/dev/null; check "validate through the front" 0 $?

# Through a symbolic link from elsewhere: the programs are found beside the real front.
mkdir "$tmp/elsewhere"
ln -s "$(readlink -f "$tocsin")" "$tmp/elsewhere/tocsin"
"$tmp/elsewhere/tocsin" validate --profile cn "$typhoon" >/dev/null; check "validate through a link" 0 $?

# A planted program of the same name, first in PATH and in the working folder, is never run.
mkdir "$tmp/planted"
printf '#!/bin/sh\ntouch "%s/planted-ran"\nexit 0\n' "$tmp" >"$tmp/planted/tocsin-validate"
chmod +x "$tmp/planted/tocsin-validate"
(cd "$tmp/planted" && PATH="$tmp/planted:$PATH" "$tocsin" validate --profile cn "$typhoon" >/dev/null)
check "the real program answered" 0 $?
expect "the planted program never ran" test ! -e "$tmp/planted-ran"
# The same planted program beside a copy of the front stands in for a broken installation: it is
# what runs there (the front trusts its own folder only), and nothing else does.
mkdir "$tmp/alone"
cp "$(readlink -f "$tocsin")" "$tmp/alone/tocsin"
"$tmp/alone/tocsin" validate "$typhoon" >/dev/null 2>"$tmp/err"; check "front without programs" 2 $?
expect "the missing program is named" grep -q "tocsin-validate" "$tmp/err"
PATH="$bin:$PATH" "$tmp/alone/tocsin" validate "$typhoon" >/dev/null 2>&1
check "PATH does not stand in for the folder" 2 $?

# What each program links.
for prog in "$receiver" "$signage" "$sim"; do
	ldd "$prog" >"$tmp/ldd"
	expect "$(basename "$prog") links no libxml2" sh -c "! grep -q libxml2 '$tmp/ldd'"
	expect "$(basename "$prog") links no espeak-ng" sh -c "! grep -q libespeak '$tmp/ldd'"
done
ldd "$bin/tocsin-validate" >"$tmp/ldd"
for lib in libespeak libsndfile libopus libcurl libsqlite3 libmosquitto; do
	expect "tocsin-validate links no $lib" sh -c "! grep -q $lib '$tmp/ldd'"
done
ldd "$tocsin" >"$tmp/ldd"
expect "the front links libc only" sh -c "! grep -q 'libxml2\|libcurl\|libjansson' '$tmp/ldd'"

finish
