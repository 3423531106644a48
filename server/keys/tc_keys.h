/*
 * tc_keys.h — the bureau's signing keys in the data directory, and their
 * rotation (docs/operations.md, "Signing keys").
 *
 *   signing.key       the secret key tocsind seals with (base64, mode 0600)
 *   signing.pub       its public half, what receivers trust (base64)
 *   signing-next.*    a key pair made by `tocsin key new`, trusted by
 *                     receivers before it is used
 *   signing-prev.pub  the public half of the key used before the last
 *                     rotation, still trusted until `tocsin key retire`
 *
 * No existing key file is ever overwritten: files are created with O_EXCL
 * and mode 0600 (public halves 0644) before a byte is written, and renamed
 * into place. A rotation cut short (a crash, a full disk) is finished by the
 * next tc_keys_ensure() or tc_keys_rotate(), whichever comes first.
 */
#ifndef TC_KEYS_H
#define TC_KEYS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "tc_diag.h"
#include "tc_sign.h"

/*
 * Make the key files of dir usable: a rotation cut short is finished, a
 * missing signing.pub is derived again from signing.key (same key id), and
 * only when neither file exists a new pair is made (*made true). A
 * signing.pub without signing.key, or one that is not signing.key's public
 * half, is an error: nothing is changed, receivers trust that file.
 */
enum tc_rc tc_keys_ensure(const char *dir, bool *made, struct tc_diags *d);

/* The secret key tocsind seals with (signing.key), checked against signing.pub when there is one. */
enum tc_rc tc_keys_load(const char *dir, uint8_t sk[TC_SIGN_SECRET_BYTES], struct tc_diags *d);

/* `tocsin key new`: make signing-next.key/.pub; TC_ERR_INVALID (nothing changed) when they exist. */
enum tc_rc tc_keys_new(const char *dir, struct tc_diags *d);

/*
 * `tocsin key rotate`: the next key becomes the current one; the current
 * public half is kept as signing-prev.pub (still trusted). Refused when
 * there is no next key, or a previous key has not been retired.
 */
enum tc_rc tc_keys_rotate(const char *dir, struct tc_diags *d);

/* `tocsin key retire`: signing-prev.pub is removed; receivers stop trusting it once given the new list. */
enum tc_rc tc_keys_retire(const char *dir, struct tc_diags *d);

/* `tocsin key trusted`: the public keys receivers should trust (current, next, previous), one a line. */
enum tc_rc tc_keys_trusted(const char *dir, FILE *out, struct tc_diags *d);

/* `tocsin key list`: one line per key file: role, key id, file. */
enum tc_rc tc_keys_list(const char *dir, FILE *out, struct tc_diags *d);

#endif
