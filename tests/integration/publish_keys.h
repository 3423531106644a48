/*
 * publish_keys.h — what the test publishers (rx_publish, sim_publish) share:
 * writing a file, and the bureau's signing key pair in a folder.
 */
#ifndef TC_PUBLISH_KEYS_H
#define TC_PUBLISH_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tc_sign.h"

/* path written with len bytes of data: 0, or -1. */
int publish_write_file(const char *path, const void *data, size_t len);
/* A new key pair as DIR/signing.key and DIR/signing.pub (base64 text): NULL, or what failed. */
const char *publish_keygen(const char *dir);
/* The secret key in the file at path (as publish_keygen writes it): 0, or -1. */
int publish_read_key(const char *path, uint8_t sk[TC_SIGN_SECRET_BYTES]);

/*
 * Who a test payload is for, and when it was issued: --scope-region CODE and
 * --scope-rx ID (each repeatable; without either, every region code: the
 * prefixes 1 to 9) and --issued-in S (seconds from now, default 0).
 */
struct publish_scope {
	const char *regions[16];
	size_t n_regions;
	const char *receivers[16];
	size_t n_receivers;
	long long issued_in;
};
void publish_scope_default(struct publish_scope *s);
/* When argv[i] is one of those options: take it and its value, return 2; else 0. */
int publish_scope_arg(struct publish_scope *s, int argc, char **argv, int i);
/* The key id of sk, as tc_sign_kid. */
void publish_kid(const uint8_t sk[TC_SIGN_SECRET_BYTES], char kid[17]);

#endif
