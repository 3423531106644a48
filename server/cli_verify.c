/*
 * cli_verify.c — `tocsin verify --pubkey FILE (--sig FILE PAYLOAD | SEALED)`:
 * check a payload's Ed25519 signature the way every receiver does.
 *
 * With --sig, PAYLOAD is the exact signed bytes and FILE its base64
 * signature (as `tocsin render` writes them); without, the file is a sealed
 * MQTT message ("tocsin-sig-v2 KID ..." line, then the payload), checked
 * against every key of the pubkey file (one a line, as `tocsin key trusted`
 * prints them).
 * Exit 0 when the signature is good, 1 when it is not, 2 on usage or I/O.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "tc_file.h"
#include "tc_sign.h"

int tc_cli_verify(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pubkey", required_argument, NULL, 'k' }, { "sig", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },         { NULL, 0, NULL, 0 },
	};
	const char *pub = NULL, *sig_path = NULL;
	uint8_t sig[TC_SIGN_BYTES];
	struct tc_keyring ring = { .n = 0 };
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "k:s:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'k': pub = optarg; break;
		case 's': sig_path = optarg; break;
		case 'h':
			printf("usage: tocsin verify --pubkey FILE [--sig FILE] PAYLOAD\n");
			return TC_EXIT_OK;
		default: return TC_EXIT_USAGE;
		}
	}
	if (!pub || optind != argc - 1) {
		fprintf(stderr, "usage: tocsin verify --pubkey FILE [--sig FILE] PAYLOAD\n");
		return TC_EXIT_USAGE;
	}
	char *keys = NULL;
	size_t keys_len = 0, bad = 0;
	int unreadable = tc_sign_init() || tc_file_read(pub, 65536, &keys, &keys_len) ||
			 tc_keyring_add_text(&ring, keys, &bad) || !ring.n;
	free(keys);
	if (unreadable) {
		fprintf(stderr, "tocsin verify: %s is not a readable list of base64 Ed25519 public keys%s\n", pub,
			bad ? " (a key is not 32 bytes of base64)" : "");
		return TC_EXIT_USAGE;
	}
	if (sig_path && tc_cli_read_key(sig_path, sig, sizeof(sig))) {
		fprintf(stderr, "tocsin verify: %s is not a readable base64 signature\n", sig_path);
		return TC_EXIT_USAGE;
	}
	char *data = NULL;
	size_t len = 0;
	if (tc_file_read(argv[optind], 64u << 20, &data, &len)) {
		fprintf(stderr, "tocsin verify: cannot read %s\n", argv[optind]);
		return TC_EXIT_USAGE;
	}
	enum tc_verify v;
	if (sig_path) {
		v = TC_VERIFY_BAD_SIGNATURE;
		for (size_t i = 0; i < ring.n; i++)
			if (tc_sign_check_detached(data, len, sig, ring.pk[i]))
				v = TC_VERIFY_OK;
	} else {
		const uint8_t *body;
		size_t body_len;
		v = tc_sign_open((const uint8_t *)data, len, &ring, &body, &body_len, NULL);
	}
	free(data);
	printf("%s: %s\n", argv[optind], v == TC_VERIFY_OK ? "signature good" : tc_verify_name(v));
	return v == TC_VERIFY_OK ? TC_EXIT_OK : TC_EXIT_REFUSED;
}
