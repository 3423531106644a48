/*
 * publish_keys.h — what the test publishers (rx_publish, sim_publish) share:
 * writing a file, and the bureau's signing key pair in a folder.
 */
#ifndef TC_PUBLISH_KEYS_H
#define TC_PUBLISH_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "tc_sign.h"

/* path written with len bytes of data: 0, or -1. */
int publish_write_file(const char *path, const void *data, size_t len);
/* A new key pair as DIR/signing.key and DIR/signing.pub (base64 text): NULL, or what failed. */
const char *publish_keygen(const char *dir);
/* The secret key in the file at path (as publish_keygen writes it): 0, or -1. */
int publish_read_key(const char *path, uint8_t sk[TC_SIGN_SECRET_BYTES]);

#endif
