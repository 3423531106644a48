/*
 * publish_keys.c — files and keys for the test publishers (publish_keys.h).
 */
#include "publish_keys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tc_file.h"

int publish_write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	size_t w = fwrite(data, 1, len, f);
	return fclose(f) || w != len ? -1 : 0;
}

static int write_key(const char *dir, const char *name, const uint8_t *key, size_t n)
{
	char text[128], path[4096];
	tc_sign_key_to_text(key, n, text, sizeof(text));
	strcat(text, "\n");
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return publish_write_file(path, text, strlen(text));
}

const char *publish_keygen(const char *dir)
{
	uint8_t pk[TC_SIGN_PUBLIC_BYTES], sk[TC_SIGN_SECRET_BYTES];
	if (tc_sign_keypair(pk, sk))
		return "no key pair";
	if (write_key(dir, "signing.key", sk, sizeof(sk)))
		return "cannot write signing.key";
	return write_key(dir, "signing.pub", pk, sizeof(pk)) ? "cannot write signing.pub" : NULL;
}

int publish_read_key(const char *path, uint8_t sk[TC_SIGN_SECRET_BYTES])
{
	size_t len;
	char *text = tc_file_slurp(path, &len);
	while (text && len && text[len - 1] == '\n')
		text[--len] = '\0';
	int bad = !text || tc_sign_key_from_text(text, sk, TC_SIGN_SECRET_BYTES);
	free(text);
	return bad ? -1 : 0;
}
