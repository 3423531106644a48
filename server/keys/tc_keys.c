/*
 * tc_keys.c — the signing key files and their rotation (tc_keys.h).
 */
#include "tc_keys.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "tc_file.h"

#define KEY_TEXT 128

enum role { CURRENT, NEXT, PREV, N_ROLES };
static const char *const role_names[N_ROLES] = { "current", "next", "previous" };
static const char *const sk_names[N_ROLES] = { "signing.key", "signing-next.key", NULL };
static const char *const pk_names[N_ROLES] = { "signing.pub", "signing-next.pub", "signing-prev.pub" };

static void path_of(char *out, size_t len, const char *dir, const char *name)
{
	snprintf(out, len, "%s/%s", dir, name);
}

static bool exists(const char *dir, const char *name)
{
	char p[4096];
	struct stat st;
	path_of(p, sizeof(p), dir, name);
	return lstat(p, &st) == 0;
}

/* Create dir/name (O_EXCL, mode) and write text; the file is removed again when writing fails. */
static enum tc_rc create_text(const char *dir, const char *name, const char *text, mode_t mode, struct tc_diags *d)
{
	char p[4096];
	path_of(p, sizeof(p), dir, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0) {
		tc_err(d, "keys.create", p, "cannot create %s: %s%s", p, strerror(errno),
		       errno == EEXIST ? " (an existing key file is never overwritten)" : "");
		return TC_ERR_IO;
	}
	size_t len = strlen(text), done = 0;
	while (done < len) {
		ssize_t n = write(fd, text + done, len - done);
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	int bad = done != len || fchmod(fd, mode) != 0 || fsync(fd) != 0;
	bad |= close(fd) != 0;
	if (bad) {
		tc_err(d, "keys.write", p, "cannot write %s", p);
		unlink(p);
		return TC_ERR_IO;
	}
	return TC_OK;
}

/* Read the base64 key of n bytes in dir/name; TC_ERR_NOTFOUND when there is no such file. */
static enum tc_rc read_key(const char *dir, const char *name, uint8_t *key, size_t n, struct tc_diags *d)
{
	char p[4096], *text = NULL;
	size_t len = 0;
	path_of(p, sizeof(p), dir, name);
	int err = tc_file_read(p, 4096, &text, &len);
	if (err == ENOENT)
		return TC_ERR_NOTFOUND;
	if (err) {
		tc_err(d, "keys.read", p, "cannot read %s: %s", p, strerror(err));
		return TC_ERR_IO;
	}
	enum tc_rc rc = tc_sign_key_from_text(text, key, n);
	sodium_memzero(text, len);
	free(text);
	if (rc)
		tc_err(d, "keys.read", p, "%s is not a base64 key of %zu bytes", p, n);
	return rc;
}

static enum tc_rc write_key(const char *dir, const char *name, const uint8_t *key, size_t n, mode_t mode,
			    struct tc_diags *d)
{
	char text[KEY_TEXT];
	tc_sign_key_to_text(key, n, text, sizeof(text) - 1);
	strcat(text, "\n");
	enum tc_rc rc = create_text(dir, name, text, mode, d);
	sodium_memzero(text, sizeof(text));
	return rc;
}

static enum tc_rc do_rename(const char *dir, const char *from, const char *to, struct tc_diags *d)
{
	char a[4096], b[4096];
	path_of(a, sizeof(a), dir, from);
	path_of(b, sizeof(b), dir, to);
	if (rename(a, b) != 0) {
		tc_err(d, "keys.rename", a, "cannot rename %s to %s: %s", a, b, strerror(errno));
		return TC_ERR_IO;
	}
	return TC_OK;
}

static bool same_key(const uint8_t *a, const uint8_t *b)
{
	return sodium_memcmp(a, b, TC_SIGN_PUBLIC_BYTES) == 0;
}

/*
 * The public half of a role's secret key is written again when it is
 * missing; a public file that names another key is an error.
 */
static enum tc_rc pair_ok(const char *dir, enum role r, struct tc_diags *d)
{
	uint8_t sk[TC_SIGN_SECRET_BYTES], pk[TC_SIGN_PUBLIC_BYTES], file_pk[TC_SIGN_PUBLIC_BYTES];
	enum tc_rc rc = read_key(dir, sk_names[r], sk, sizeof(sk), d);
	if (rc)
		return rc;
	tc_sign_public_of_secret(sk, pk);
	sodium_memzero(sk, sizeof(sk));
	rc = read_key(dir, pk_names[r], file_pk, sizeof(file_pk), d);
	if (rc == TC_ERR_NOTFOUND)
		return write_key(dir, pk_names[r], pk, sizeof(pk), 0644, d);
	if (!rc && !same_key(pk, file_pk)) {
		tc_err(d, "keys.mismatch", pk_names[r], "%s/%s is not the public half of %s/%s; nothing changed", dir,
		       pk_names[r], dir, sk_names[r]);
		return TC_ERR_INVALID;
	}
	return rc;
}

/*
 * A rotation cut short: renames go signing.pub -> signing-prev.pub (a
 * link, so signing.pub stays), signing-next.key -> signing.key,
 * signing-next.pub -> signing.pub. Whatever of that was done, the rest is.
 */
static enum tc_rc finish_rotation(const char *dir, struct tc_diags *d)
{
	uint8_t sk[TC_SIGN_SECRET_BYTES], cur[TC_SIGN_PUBLIC_BYTES], next_pub[TC_SIGN_PUBLIC_BYTES];
	uint8_t pub[TC_SIGN_PUBLIC_BYTES], prev[TC_SIGN_PUBLIC_BYTES];
	if (read_key(dir, sk_names[CURRENT], sk, sizeof(sk), d))
		return TC_OK; /* nothing to finish here; the caller says what is wrong */
	tc_sign_public_of_secret(sk, cur);
	sodium_memzero(sk, sizeof(sk));
	bool has_next_key = exists(dir, sk_names[NEXT]);
	bool has_next_pub = read_key(dir, pk_names[NEXT], next_pub, sizeof(next_pub), d) == TC_OK;
	bool has_pub = read_key(dir, pk_names[CURRENT], pub, sizeof(pub), d) == TC_OK;
	bool has_prev = read_key(dir, pk_names[PREV], prev, sizeof(prev), d) == TC_OK;
	/* signing.key already swapped, signing.pub not yet */
	if (!has_next_key && has_next_pub && same_key(next_pub, cur) && (!has_pub || !same_key(pub, cur)))
		return do_rename(dir, pk_names[NEXT], pk_names[CURRENT], d);
	/* signing-prev.pub made, the key not yet swapped */
	if (has_next_key && has_prev && has_pub && same_key(prev, pub) && same_key(pub, cur)) {
		enum tc_rc rc = pair_ok(dir, NEXT, d);
		if (!rc)
			rc = do_rename(dir, sk_names[NEXT], sk_names[CURRENT], d);
		if (!rc)
			rc = do_rename(dir, pk_names[NEXT], pk_names[CURRENT], d);
		return rc;
	}
	return TC_OK;
}

enum tc_rc tc_keys_ensure(const char *dir, bool *made, struct tc_diags *d)
{
	*made = false;
	if (tc_sign_init())
		return TC_ERR_INTERNAL;
	enum tc_rc rc = finish_rotation(dir, d);
	if (rc)
		return rc;
	bool has_sk = exists(dir, sk_names[CURRENT]), has_pk = exists(dir, pk_names[CURRENT]);
	if (!has_sk && has_pk) {
		tc_err(d, "keys.missing", sk_names[CURRENT],
		       "%s/%s is missing but %s/signing.pub is there: receivers trust that key, so no new one is made; "
		       "restore signing.key from a backup",
		       dir, sk_names[CURRENT], dir);
		return TC_ERR_INVALID;
	}
	if (!has_sk) {
		uint8_t pk[TC_SIGN_PUBLIC_BYTES], sk[TC_SIGN_SECRET_BYTES];
		if (tc_sign_keypair(pk, sk))
			return TC_ERR_INTERNAL;
		rc = write_key(dir, sk_names[CURRENT], sk, sizeof(sk), 0600, d);
		sodium_memzero(sk, sizeof(sk));
		if (!rc)
			rc = write_key(dir, pk_names[CURRENT], pk, sizeof(pk), 0644, d);
		*made = rc == TC_OK;
		return rc;
	}
	rc = pair_ok(dir, CURRENT, d);
	if (!rc && exists(dir, sk_names[NEXT]))
		rc = pair_ok(dir, NEXT, d);
	return rc;
}

enum tc_rc tc_keys_load(const char *dir, uint8_t sk[TC_SIGN_SECRET_BYTES], struct tc_diags *d)
{
	uint8_t pk[TC_SIGN_PUBLIC_BYTES], file_pk[TC_SIGN_PUBLIC_BYTES];
	enum tc_rc rc = read_key(dir, sk_names[CURRENT], sk, TC_SIGN_SECRET_BYTES, d);
	if (rc == TC_ERR_NOTFOUND)
		tc_err(d, "keys.missing", sk_names[CURRENT], "%s/%s is missing", dir, sk_names[CURRENT]);
	if (rc)
		return rc;
	tc_sign_public_of_secret(sk, pk);
	rc = read_key(dir, pk_names[CURRENT], file_pk, sizeof(file_pk), d);
	if (rc == TC_ERR_NOTFOUND)
		return TC_OK;
	if (!rc && !same_key(pk, file_pk)) {
		tc_err(d, "keys.mismatch", pk_names[CURRENT], "%s/signing.pub is not the public half of %s/signing.key",
		       dir, dir);
		rc = TC_ERR_INVALID;
	}
	if (rc)
		sodium_memzero(sk, TC_SIGN_SECRET_BYTES);
	return rc;
}

enum tc_rc tc_keys_new(const char *dir, struct tc_diags *d)
{
	uint8_t pk[TC_SIGN_PUBLIC_BYTES], sk[TC_SIGN_SECRET_BYTES];
	bool made;
	enum tc_rc rc = tc_keys_ensure(dir, &made, d);
	if (rc)
		return rc;
	if (exists(dir, sk_names[NEXT]) || exists(dir, pk_names[NEXT])) {
		tc_err(d, "keys.exists", sk_names[NEXT],
		       "%s/signing-next.key is already there: rotate to it ('tocsin key rotate') before making another",
		       dir);
		return TC_ERR_INVALID;
	}
	if (tc_sign_keypair(pk, sk))
		return TC_ERR_INTERNAL;
	rc = write_key(dir, sk_names[NEXT], sk, sizeof(sk), 0600, d);
	sodium_memzero(sk, sizeof(sk));
	if (!rc)
		rc = write_key(dir, pk_names[NEXT], pk, sizeof(pk), 0644, d);
	return rc;
}

enum tc_rc tc_keys_rotate(const char *dir, struct tc_diags *d)
{
	bool made;
	enum tc_rc rc = tc_keys_ensure(dir, &made, d);
	if (rc)
		return rc;
	if (!exists(dir, sk_names[NEXT])) {
		tc_err(d, "keys.no-next", sk_names[NEXT],
		       "%s/signing-next.key is missing: make it with 'tocsin key new' and give receivers "
		       "'tocsin key trusted' first",
		       dir);
		return TC_ERR_INVALID;
	}
	if (exists(dir, pk_names[PREV])) {
		tc_err(d, "keys.prev", pk_names[PREV],
		       "%s/signing-prev.pub is still there: retire it ('tocsin key retire') before rotating again", dir);
		return TC_ERR_INVALID;
	}
	char a[4096], b[4096];
	path_of(a, sizeof(a), dir, pk_names[CURRENT]);
	path_of(b, sizeof(b), dir, pk_names[PREV]);
	if (link(a, b) != 0) {
		tc_err(d, "keys.rename", b, "cannot keep %s as %s: %s", a, b, strerror(errno));
		return TC_ERR_IO;
	}
	return finish_rotation(dir, d);
}

enum tc_rc tc_keys_retire(const char *dir, struct tc_diags *d)
{
	char p[4096];
	path_of(p, sizeof(p), dir, pk_names[PREV]);
	bool made;
	enum tc_rc rc = tc_keys_ensure(dir, &made, d);
	if (rc)
		return rc;
	if (unlink(p) != 0) {
		tc_err(d, "keys.retire", p, "cannot remove %s: %s", p, errno == ENOENT ? "there is no previous key" : strerror(errno));
		return errno == ENOENT ? TC_ERR_INVALID : TC_ERR_IO;
	}
	return TC_OK;
}

/* Each public key of dir: fn(role, key, file). */
static enum tc_rc each_public(const char *dir, FILE *out, bool list, struct tc_diags *d)
{
	size_t n = 0;
	for (int r = 0; r < N_ROLES; r++) {
		uint8_t pk[TC_SIGN_PUBLIC_BYTES];
		char text[KEY_TEXT], kid[TC_KID_HEX + 1];
		enum tc_rc rc = read_key(dir, pk_names[r], pk, sizeof(pk), d);
		if (rc == TC_ERR_NOTFOUND)
			continue;
		if (rc)
			return rc;
		tc_sign_kid(pk, kid);
		tc_sign_key_to_text(pk, sizeof(pk), text, sizeof(text));
		if (list)
			fprintf(out, "%-8s %s %s/%s\n", role_names[r], kid, dir, pk_names[r]);
		else
			fprintf(out, "%s\n", text);
		n++;
	}
	if (!n) {
		tc_err(d, "keys.none", dir, "%s holds no signing key (tocsind makes one on its first start)", dir);
		return TC_ERR_NOTFOUND;
	}
	return TC_OK;
}

enum tc_rc tc_keys_trusted(const char *dir, FILE *out, struct tc_diags *d)
{
	return each_public(dir, out, false, d);
}

enum tc_rc tc_keys_list(const char *dir, FILE *out, struct tc_diags *d)
{
	return each_public(dir, out, true, d);
}
