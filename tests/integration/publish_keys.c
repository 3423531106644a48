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

static const char *const every_region[] = { "1", "2", "3", "4", "5", "6", "7", "8", "9" };

void publish_scope_default(struct publish_scope *s)
{
	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < sizeof(every_region) / sizeof(every_region[0]); i++)
		s->regions[s->n_regions++] = every_region[i];
}

int publish_scope_arg(struct publish_scope *s, int argc, char **argv, int i)
{
	static bool chosen;
	if (i + 1 >= argc)
		return 0;
	bool region = !strcmp(argv[i], "--scope-region"), rx = !strcmp(argv[i], "--scope-rx");
	if (region || rx) {
		if (!chosen) { /* the first choice replaces the default */
			s->n_regions = 0;
			chosen = true;
		}
		if (region && s->n_regions < 16)
			s->regions[s->n_regions++] = argv[i + 1];
		if (rx && s->n_receivers < 16)
			s->receivers[s->n_receivers++] = argv[i + 1];
		return 2;
	}
	if (!strcmp(argv[i], "--issued-in")) {
		s->issued_in = atoll(argv[i + 1]);
		return 2;
	}
	return 0;
}

void publish_kid(const uint8_t sk[TC_SIGN_SECRET_BYTES], char kid[17])
{
	tc_sign_kid_of_secret(sk, kid);
}
