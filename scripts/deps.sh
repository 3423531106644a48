# deps.sh — the Debian 12 packages tocsin needs, and installing what is missing.
# Sourced by check.sh and demo.sh; one list, so nothing is forgotten in either.

TOCSIN_BUILD_PACKAGES="build-essential cmake pkg-config libxml2-dev libjansson-dev nettle-dev libsodium-dev libsndfile1-dev libsamplerate0-dev libopus-dev libogg-dev libespeak-ng-dev espeak-ng-data libsqlite3-dev libmicrohttpd-dev libcurl4-openssl-dev libmosquitto-dev portaudio19-dev libasound2-dev libncurses-dev"
TOCSIN_TEST_PACKAGES="libcmocka-dev libxml2-utils jq clang libclang-rt-14-dev multimon-ng sox curl espeak-ng mosquitto mosquitto-clients tmux alsa-utils python3 sqlite3"
# The SMS channel: libsmpp34 packs SMPP PDUs; Net::SMPP is the SMSC simulator of the tests, Kannel the HTTP gateway.
TOCSIN_BUILD_PACKAGES="$TOCSIN_BUILD_PACKAGES libsmpp34-dev"
TOCSIN_TEST_PACKAGES="$TOCSIN_TEST_PACKAGES libnet-smpp-perl kannel kannel-extras"
# The secured broker: GnuTLS makes its certificates (tocsin broker setup); mosquitto's
# dynamic-security plugin ships in the mosquitto package; openssl checks them in the tests.
TOCSIN_BUILD_PACKAGES="$TOCSIN_BUILD_PACKAGES libgnutls28-dev"
TOCSIN_TEST_PACKAGES="$TOCSIN_TEST_PACKAGES openssl"
# The duty console's map: Leaflet from Debian (served by tocsind at /console/lib/leaflet/).
TOCSIN_BUILD_PACKAGES="$TOCSIN_BUILD_PACKAGES libjs-leaflet"
# PostgreSQL as the store of a server with a standby: libpq to speak to it; the tests start a real one.
TOCSIN_BUILD_PACKAGES="$TOCSIN_BUILD_PACKAGES libpq-dev"
TOCSIN_TEST_PACKAGES="$TOCSIN_TEST_PACKAGES postgresql"
# sim_sources.sh reads which loopback addresses the simulated receivers connect from with ss.
TOCSIN_TEST_PACKAGES="$TOCSIN_TEST_PACKAGES iproute2"
# Mandarin readings: Rime's Terra Pinyin dictionary and OpenCC (traditional → simplified) build
# the reading dictionary tocsin embeds.
TOCSIN_BUILD_PACKAGES="$TOCSIN_BUILD_PACKAGES rime-data-terra-pinyin libopencc-dev"
# The duty console in a browser: headless Chromium driven by Selenium.
TOCSIN_TEST_PACKAGES="$TOCSIN_TEST_PACKAGES chromium chromium-driver python3-selenium fonts-wqy-microhei"

# tocsin_install PACKAGE... : install the ones not yet installed.
# As root: apt-get update, then apt-get install. Otherwise print the exact
# command for an administrator and fail.
tocsin_install() {
	local missing="" p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "tocsin needs these Debian packages:$missing" >&2
		echo "Ask an administrator to run:" >&2
		echo "  sudo apt-get update && sudo apt-get install -y$missing" >&2
		return 2
	fi
	echo "== installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q && apt-get install -y -q --no-install-recommends $missing
}
