/*
 * cli_verify.c — `tocsin verify --pubkey FILE (--sig FILE PAYLOAD | SEALED)`:
 * check a payload's Ed25519 signature the way every receiver does.
 *
 * With --sig, PAYLOAD is the exact signed bytes and FILE its base64
 * signature (as `tocsin render` writes them); without, the file is a sealed
 * MQTT message ("tocsin-sig-v1 ..." line, then the payload).
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
	uint8_t pk[TC_SIGN_PUBLIC_BYTES], sig[TC_SIGN_BYTES];
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
	if (tc_sign_init() || tc_cli_read_key(pub, pk, sizeof(pk))) {
		fprintf(stderr, "tocsin verify: %s is not a readable base64 Ed25519 public key\n", pub);
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
		v = tc_sign_check_detached(data, len, sig, pk) ? TC_VERIFY_OK : TC_VERIFY_BAD_SIGNATURE;
	} else {
		const uint8_t *body;
		size_t body_len;
		v = tc_sign_open((const uint8_t *)data, len, pk, &body, &body_len);
	}
	free(data);
	printf("%s: %s\n", argv[optind], v == TC_VERIFY_OK ? "signature good" : tc_verify_name(v));
	return v == TC_VERIFY_OK ? TC_EXIT_OK : TC_EXIT_REFUSED;
}
