/*
 * test_keys.c — the signing key files (server/keys): made once and never
 * overwritten, a lost public half derived again, O_EXCL and 0600, and a
 * rotation — also one cut short at each step — that ends with the new key
 * sealing and the old one still trusted.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tc_file.h"
#include "tc_keys.h"

static char dir[64];

static int make_dir(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_keys.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static char *path(const char *name)
{
	static char p[4][256];
	static int k;
	k = (k + 1) % 4;
	snprintf(p[k], sizeof(p[k]), "%s/%s", dir, name);
	return p[k];
}

static bool has(const char *name)
{
	return access(path(name), F_OK) == 0;
}

static char *text_of(const char *name)
{
	size_t len = 0;
	return tc_file_slurp(path(name), &len);
}

static void kid_of_file(const char *name, char kid[17])
{
	char *t = text_of(name);
	uint8_t pk[TC_SIGN_PUBLIC_BYTES];
	assert_non_null(t);
	assert_int_equal(tc_sign_key_from_text(t, pk, sizeof(pk)), TC_OK);
	free(t);
	tc_sign_kid(pk, kid);
}

static void kid_loaded(char kid[17])
{
	uint8_t sk[TC_SIGN_SECRET_BYTES];
	assert_int_equal(tc_keys_load(dir, sk, NULL), TC_OK);
	tc_sign_kid_of_secret(sk, kid);
}

static void test_first_start_and_never_overwritten(void **state)
{
	(void)state;
	bool made = false;
	assert_int_equal(tc_keys_ensure(dir, &made, NULL), TC_OK);
	assert_true(made);
	struct stat st;
	assert_int_equal(stat(path("signing.key"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	char *before = text_of("signing.key");
	assert_int_equal(tc_keys_ensure(dir, &made, NULL), TC_OK);
	assert_false(made);
	char *after = text_of("signing.key");
	assert_string_equal(before, after);
	free(before);
	free(after);
}

static void test_lost_public_half_derived_again(void **state)
{
	(void)state;
	bool made = true;
	char kid[17], again[17];
	assert_int_equal(tc_keys_ensure(dir, &made, NULL), TC_OK);
	kid_of_file("signing.pub", kid);
	assert_int_equal(unlink(path("signing.pub")), 0);
	assert_int_equal(tc_keys_ensure(dir, &made, NULL), TC_OK);
	assert_false(made);
	kid_of_file("signing.pub", again);
	assert_string_equal(kid, again);
}

static void test_lost_secret_is_an_error(void **state)
{
	(void)state;
	bool made = true;
	struct tc_diags *d = tc_diags_new();
	assert_int_equal(tc_keys_ensure(dir, &made, NULL), TC_OK);
	char *pub = text_of("signing.pub");
	assert_int_equal(unlink(path("signing.key")), 0);
	assert_int_equal(tc_keys_ensure(dir, &made, d), TC_ERR_INVALID);
	assert_false(made);
	assert_non_null(tc_diags_find(d, "keys.missing"));
	assert_false(has("signing.key"));
	char *still = text_of("signing.pub");
	assert_string_equal(pub, still); /* receivers' key untouched */
	free(pub);
	free(still);
	tc_diags_free(d);
}

static void test_mismatched_public_half_refused(void **state)
{
	(void)state;
	bool made;
	uint8_t pk[TC_SIGN_PUBLIC_BYTES], sk[TC_SIGN_SECRET_BYTES], loaded[TC_SIGN_SECRET_BYTES];
	char text[64];
	assert_int_equal(tc_keys_ensure(dir, &made, NULL), TC_OK);
	assert_int_equal(tc_sign_keypair(pk, sk), TC_OK);
	tc_sign_key_to_text(pk, sizeof(pk), text, sizeof(text));
	FILE *f = fopen(path("signing.pub"), "w");
	fputs(text, f);
	fclose(f);
	struct tc_diags *d = tc_diags_new();
	assert_int_equal(tc_keys_ensure(dir, &made, d), TC_ERR_INVALID);
	assert_non_null(tc_diags_find(d, "keys.mismatch"));
	assert_int_equal(tc_keys_load(dir, loaded, d), TC_ERR_INVALID);
	tc_diags_free(d);
}

/* Rotation: new (trusted before it seals), rotate, retire. */
static void test_rotation(void **state)
{
	(void)state;
	bool made;
	char old_kid[17], next_kid[17], kid[17], line[128];
	assert_int_equal(tc_keys_ensure(dir, &made, NULL), TC_OK);
	kid_loaded(old_kid);
	struct tc_diags *d = tc_diags_new();
	assert_int_equal(tc_keys_rotate(dir, d), TC_ERR_INVALID); /* nothing to rotate to */
	assert_non_null(tc_diags_find(d, "keys.no-next"));
	assert_int_equal(tc_keys_new(dir, NULL), TC_OK);
	assert_int_equal(tc_keys_new(dir, d), TC_ERR_INVALID); /* never a second next key */
	struct stat st;
	assert_int_equal(stat(path("signing-next.key"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	kid_of_file("signing-next.pub", next_kid);
	kid_loaded(kid);
	assert_string_equal(kid, old_kid); /* still sealing with the old one */

	FILE *f = tmpfile();
	assert_int_equal(tc_keys_trusted(dir, f, NULL), TC_OK);
	rewind(f);
	int n = 0;
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	assert_int_equal(n, 2);

	assert_int_equal(tc_keys_rotate(dir, NULL), TC_OK);
	kid_loaded(kid);
	assert_string_equal(kid, next_kid);
	kid_of_file("signing.pub", kid);
	assert_string_equal(kid, next_kid);
	kid_of_file("signing-prev.pub", kid);
	assert_string_equal(kid, old_kid);
	assert_false(has("signing-next.key"));
	assert_false(has("signing-next.pub"));

	/* a second rotation waits for the previous key to be retired */
	assert_int_equal(tc_keys_new(dir, NULL), TC_OK);
	assert_int_equal(tc_keys_rotate(dir, d), TC_ERR_INVALID);
	assert_non_null(tc_diags_find(d, "keys.prev"));
	assert_int_equal(tc_keys_retire(dir, NULL), TC_OK);
	assert_false(has("signing-prev.pub"));
	assert_int_equal(tc_keys_retire(dir, d), TC_ERR_INVALID);
	tc_diags_free(d);
}

/* Cut short after signing-prev.pub was made: the next start finishes it. */
static void test_rotation_cut_after_link(void **state)
{
	(void)state;
	bool made;
	char old_kid[17], next_kid[17], kid[17];
	assert_int_equal(tc_keys_ensure(dir, &made, NULL), TC_OK);
	kid_loaded(old_kid);
	assert_int_equal(tc_keys_new(dir, NULL), TC_OK);
	kid_of_file("signing-next.pub", next_kid);
	assert_int_equal(link(path("signing.pub"), path("signing-prev.pub")), 0);
	assert_int_equal(tc_keys_ensure(dir, &made, NULL), TC_OK);
	kid_loaded(kid);
	assert_string_equal(kid, next_kid);
	kid_of_file("signing-prev.pub", kid);
	assert_string_equal(kid, old_kid);
	assert_false(has("signing-next.key"));
}

/* Cut short after signing.key was replaced, before signing.pub: finished, same kid on both. */
static void test_rotation_cut_after_key(void **state)
{
	(void)state;
	bool made;
	char old_kid[17], next_kid[17], kid[17];
	assert_int_equal(tc_keys_ensure(dir, &made, NULL), TC_OK);
	kid_loaded(old_kid);
	assert_int_equal(tc_keys_new(dir, NULL), TC_OK);
	kid_of_file("signing-next.pub", next_kid);
	assert_int_equal(link(path("signing.pub"), path("signing-prev.pub")), 0);
	assert_int_equal(rename(path("signing-next.key"), path("signing.key")), 0);
	assert_int_equal(tc_keys_ensure(dir, &made, NULL), TC_OK);
	kid_of_file("signing.pub", kid);
	assert_string_equal(kid, next_kid);
	kid_loaded(kid);
	assert_string_equal(kid, next_kid);
	assert_false(has("signing-next.pub"));
	kid_of_file("signing-prev.pub", kid);
	assert_string_equal(kid, old_kid);
}

/* Cut short while writing the next key: its public half is derived again. */
static void test_new_cut_short(void **state)
{
	(void)state;
	bool made;
	char next_kid[17], kid[17];
	assert_int_equal(tc_keys_ensure(dir, &made, NULL), TC_OK);
	assert_int_equal(tc_keys_new(dir, NULL), TC_OK);
	kid_of_file("signing-next.pub", next_kid);
	assert_int_equal(unlink(path("signing-next.pub")), 0);
	assert_int_equal(tc_keys_ensure(dir, &made, NULL), TC_OK);
	kid_of_file("signing-next.pub", kid);
	assert_string_equal(kid, next_kid);
}

int main(void)
{
	tc_sign_init();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_first_start_and_never_overwritten, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_lost_public_half_derived_again, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_lost_secret_is_an_error, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_mismatched_public_half_refused, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_rotation, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_rotation_cut_after_link, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_rotation_cut_after_key, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_new_cut_short, make_dir, remove_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
