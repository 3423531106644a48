/*
 * test_broker.c — the broker's accounts and rights (tc_broker.h) and the
 * receivers' secrets that feed them (tc_store_secrets.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "store_fixture.h"
#include "tc_broker.h"
#include "tc_registry.h"
#include "tc_store_secrets.h"

static json_t *command(json_t *all, size_t i, const char *name)
{
	json_t *c = json_array_get(json_object_get(all, "commands"), i);
	assert_non_null(c);
	assert_string_equal(json_string_value(json_object_get(c, "command")), name);
	return c;
}

/* The ACLs of one receiver as "type topic" lines, in order. */
static void acl_lines(json_t *acls, char *out, size_t len)
{
	size_t i;
	json_t *a;
	out[0] = '\0';
	json_array_foreach(acls, i, a) {
		assert_true(json_is_true(json_object_get(a, "allow")));
		snprintf(out + strlen(out), len - strlen(out), "%s %s\n", json_string_value(json_object_get(a, "acltype")),
			 json_string_value(json_object_get(a, "topic")));
	}
}

static void receiver_rights(void **state)
{
	(void)state;
	char *text = tc_broker_rx_commands("tocsin/v1", "r-1", "120116001001", "0123456789abcdef0123456789abcdef", true);
	assert_non_null(text);
	json_t *all = json_loads(text, 0, NULL);
	assert_non_null(all);
	json_t *create = command(all, 0, "createRole");
	assert_string_equal(json_string_value(json_object_get(create, "rolename")), "rx:r-1");
	json_t *mod = command(all, 1, "modifyRole");
	assert_string_equal(json_string_value(json_object_get(mod, "rolename")), "rx:r-1");
	assert_true(json_equal(json_object_get(create, "acls"), json_object_get(mod, "acls")));
	char lines[2048];
	acl_lines(json_object_get(mod, "acls"), lines, sizeof(lines));
	assert_string_equal(lines, "publishClientSend tocsin/v1/rx/r-1/ack\n"
				   "publishClientSend tocsin/v1/rx/r-1/status\n"
				   "subscribePattern tocsin/v1/rx/r-1/cmd\n"
				   "subscribePattern tocsin/v1/region/120116001001/alert/+\n"
				   "subscribePattern tocsin/v1/region/120116001/alert/+\n"
				   "subscribePattern tocsin/v1/region/120116/alert/+\n"
				   "subscribePattern tocsin/v1/region/1201/alert/+\n"
				   "subscribePattern tocsin/v1/region/12/alert/+\n"
				   "subscribePattern tocsin/v1/audio/+\n");
	assert_null(strchr(lines, '#')); /* never everything */
	json_t *cl = command(all, 2, "createClient");
	assert_string_equal(json_string_value(json_object_get(cl, "username")), "r-1");
	assert_string_equal(json_string_value(json_object_get(cl, "clientid")), "r-1"); /* no other id, no take-over */
	assert_string_equal(json_string_value(json_object_get(cl, "password")), "0123456789abcdef0123456789abcdef");
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(cl, "roles"), 0), "rolename")),
			    "rx:r-1");
	assert_int_equal(json_array_size(json_object_get(all, "commands")), 3);
	json_decref(all);
	free(text);
	/* sent again after a reconnection, same region: nothing that would rewrite the plugin's file */
	text = tc_broker_rx_commands("tocsin/v1", "r-1", "120116001001", "0123456789abcdef0123456789abcdef", false);
	all = json_loads(text, 0, NULL);
	command(all, 0, "createRole");
	command(all, 1, "createClient");
	assert_int_equal(json_array_size(json_object_get(all, "commands")), 2);
	json_decref(all);
	free(text);
}

static void bad_ids_have_no_account(void **state)
{
	(void)state;
	const char *ids[] = { "a+b", "a#", "a/b", "" };
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		assert_null(tc_broker_rx_commands("tocsin/v1", ids[i], "120116", "s", true));
	assert_null(tc_broker_rx_commands("tocsin/v1", "r-1", "12x", "s", true));
	assert_null(tc_broker_rx_commands("tocsin/v1", "r-1", "", "s", false));
}

static void delete_account(void **state)
{
	(void)state;
	char *text = tc_broker_rx_delete("r-1");
	json_t *all = json_loads(text, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(command(all, 0, "deleteClient"), "username")), "r-1");
	assert_string_equal(json_string_value(json_object_get(command(all, 1, "deleteRole"), "rolename")), "rx:r-1");
	json_decref(all);
	free(text);
}

static void password_hash_as_the_plugin(void **state)
{
	(void)state;
	uint8_t salt[TC_BROKER_SALT_BYTES];
	char out[128];
	for (size_t i = 0; i < sizeof(salt); i++)
		salt[i] = (uint8_t)i;
	assert_int_equal(tc_broker_hash("secret", salt, 101, out, sizeof(out)), TC_OK);
	/* PBKDF2-HMAC-SHA512 (Python's hashlib.pbkdf2_hmac), base64 */
	assert_string_equal(out, "Xr99N9ym9ys8TWxis5ajETJq6EVYzmc6nb8t3pUYnPBbCAbICS4xejTltonXWCtJNBvA+By+TXUqU6qCblO00w==");
	assert_int_equal(tc_broker_hash("secret", salt, 101, out, 10), TC_ERR_USAGE);
}

static void plugin_file(void **state)
{
	(void)state;
	uint8_t salt[TC_BROKER_SALT_BYTES];
	for (size_t i = 0; i < sizeof(salt); i++)
		salt[i] = (uint8_t)i;
	struct tc_broker_rx rx[2] = { { "r-1", "120116001001", "s1", { 0 } }, { "a+b", "120116", "s2", { 0 } } };
	char *text = tc_broker_dynsec_config("tocsin/v1", "secret", salt, rx, 2);
	json_t *j = json_loads(text, 0, NULL);
	assert_non_null(j);
	json_t *def = json_object_get(j, "defaultACLAccess");
	assert_true(json_is_false(json_object_get(def, "publishClientSend")));
	assert_true(json_is_false(json_object_get(def, "subscribe")));
	json_t *cl = json_array_get(json_object_get(j, "clients"), 0);
	assert_int_equal(json_array_size(json_object_get(j, "clients")), 2); /* a+b cannot be in a topic: left out */
	json_t *r1 = json_array_get(json_object_get(j, "clients"), 1);
	assert_string_equal(json_string_value(json_object_get(r1, "username")), "r-1");
	assert_string_equal(json_string_value(json_object_get(r1, "clientid")), "r-1");
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(j, "roles"), 1), "rolename")),
			    "rx:r-1");
	assert_int_equal(json_array_size(json_object_get(j, "roles")), 2);
	assert_string_equal(json_string_value(json_object_get(cl, "username")), "tocsind");
	assert_string_equal(json_string_value(json_object_get(cl, "salt")), "AAECAwQFBgcICQoL");
	assert_int_equal(json_integer_value(json_object_get(cl, "iterations")), 101);
	assert_string_equal(json_string_value(json_object_get(cl, "password")),
			    "Xr99N9ym9ys8TWxis5ajETJq6EVYzmc6nb8t3pUYnPBbCAbICS4xejTltonXWCtJNBvA+By+TXUqU6qCblO00w==");
	char lines[1024];
	acl_lines(json_object_get(json_array_get(json_object_get(j, "roles"), 0), "acls"), lines, sizeof(lines));
	assert_string_equal(lines, "publishClientSend tocsin/v1/#\nsubscribePattern tocsin/v1/#\n"
				   "publishClientSend $CONTROL/dynamic-security/v1/#\n"
				   "subscribePattern $CONTROL/dynamic-security/v1/#\n");
	json_decref(j);
	free(text);
}

/* A broker tree: where accounts go, the top broker's bridge accounts, a county's file without tocsind. */
static void tree_files(void **state)
{
	(void)state;
	char t[128], lines[1024];
	uint8_t salt[TC_BROKER_SALT_BYTES] = { 0 };
	assert_int_equal(tc_broker_control_topic(t, sizeof(t), "tocsin/v1", NULL), TC_OK);
	assert_string_equal(t, TC_BROKER_CONTROL);
	assert_int_equal(tc_broker_control_topic(t, sizeof(t), "tocsin/v1", "120116001001"), TC_OK);
	assert_string_equal(t, "tocsin/v1/county/120116/dynsec");
	assert_int_equal(tc_broker_control_topic(t, sizeof(t), "tocsin/v1", "1201"), TC_ERR_USAGE);

	struct tc_broker_bridge b[2] = { { "120116", "pa", { 0 } }, { "310101", "pb", { 0 } } };
	char *text = tc_broker_dynsec_top("tocsin/v1", "secret", salt, b, 2);
	json_t *j = json_loads(text, 0, NULL);
	assert_non_null(j);
	json_t *clients = json_object_get(j, "clients"), *roles = json_object_get(j, "roles");
	assert_int_equal(json_array_size(clients), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(clients, 0), "username")), "tocsind");
	json_t *ba = json_array_get(clients, 1);
	assert_string_equal(json_string_value(json_object_get(ba, "username")), "bridge-120116");
	assert_string_equal(json_string_value(json_object_get(ba, "clientid")), "bridge-120116");
	assert_string_equal(json_string_value(json_object_get(json_array_get(roles, 1), "rolename")), "bridge:120116");
	acl_lines(json_object_get(json_array_get(roles, 1), "acls"), lines, sizeof(lines));
	assert_string_equal(lines, "subscribePattern tocsin/v1/county/120116/region/+/alert/+\n"
				   "subscribePattern tocsin/v1/county/120116/rx/+/cmd\n"
				   "subscribePattern tocsin/v1/county/120116/audio/+\n"
				   "subscribePattern tocsin/v1/county/120116/dynsec\n"
				   "publishClientSend tocsin/v1/county/120116/rx/+/ack\n"
				   "publishClientSend tocsin/v1/county/120116/rx/+/status\n"
				   "publishClientSend tocsin/v1/county/120116/dynsec/response\n");
	json_decref(j);
	free(text);
	struct tc_broker_bridge bad = { "1201", "p", { 0 } };
	assert_null(tc_broker_dynsec_top("tocsin/v1", "secret", salt, &bad, 1));

	struct tc_broker_rx rx = { "r-1", "120116001001", "s1", { 0 } };
	text = tc_broker_dynsec_config("tocsin/v1", NULL, salt, &rx, 1);
	j = json_loads(text, 0, NULL);
	assert_non_null(j);
	assert_int_equal(json_array_size(json_object_get(j, "clients")), 1); /* the receiver only: no tocsind */
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(j, "clients"), 0), "username")),
			    "r-1");
	json_decref(j);
	free(text);
}

static void collect(const char *id, const char *region, const char *secret, void *user)
{
	(void)region;
	char *out = user;
	assert_int_equal(strlen(secret), TC_SECRET_CHARS);
	assert_int_equal(strspn(secret, "0123456789abcdef"), TC_SECRET_CHARS);
	snprintf(out + strlen(out), 256 - strlen(out), "%s ", id);
}

/* "id" or "id(moved)" */
static void collect_unsynced(const char *id, const char *region, const char *secret, const char *was, void *user)
{
	bool moved = strcmp(was, region) != 0;
	char *out = user;
	assert_int_equal(strlen(secret), TC_SECRET_CHARS);
	assert_int_equal(strspn(secret, "0123456789abcdef"), TC_SECRET_CHARS);
	snprintf(out + strlen(out), 256 - strlen(out), "%s%s ", id, moved ? "(moved)" : "");
}

static void collect_id(const char *id, const char *region, void *user)
{
	char *out = user;
	snprintf(out + strlen(out), 256 - strlen(out), "%s%s%s ", id, region[0] ? "@" : "", region);
}

static void secrets_follow_the_registry(void **state)
{
	(void)state;
	struct tc_store *s = NULL;
	struct tc_diags *d = tc_diags_new();
	size_t n = 0;
	char ids[256] = "", secret[TC_SECRET_CHARS + 1], again[TC_SECRET_CHARS + 1], region[16];
	static const char csv[] = "id,kind,name,lat,lon,region\n"
				  "r-1,loudspeaker,A,39.1,117.2,120116001001\n"
				  "r-2,signage,B,39.1,117.2,120116001002\n";
	assert_int_equal(fixture_store_dir(), 0);
	assert_int_equal(tc_store_open(fixture_db, &s, d), TC_OK);
	assert_int_equal(tc_store_schema_version(s), TC_STORE_SCHEMA_VERSION);
	assert_int_equal(tc_registry_import(s, TC_REG_RECEIVERS, csv, strlen(csv), &n, d), TC_OK);
	assert_int_equal(tc_secrets_ensure(s, 100, &n), TC_OK);
	assert_int_equal(n, 0); /* the import gave each receiver its secret */
	struct tc_db *db;
	assert_non_null(db = fixture_db_open(fixture_db));
	assert_int_equal(tc_db_exec(db, "DELETE FROM receiver_secrets WHERE receiver_id = 'r-2'"),
			 TC_DB_OK);
	tc_db_close(db);
	assert_int_equal(tc_secrets_ensure(s, 100, &n), TC_OK);
	assert_int_equal(n, 1);
	assert_int_equal(tc_secrets_ensure(s, 100, &n), TC_OK);
	assert_int_equal(n, 0); /* made once, never changed */
	assert_int_equal(tc_secrets_get(s, "r-1", secret, region), TC_OK);
	assert_string_equal(region, "120116001001");
	assert_int_equal(tc_secrets_get(s, "r-2", again, region), TC_OK);
	assert_string_not_equal(secret, again);
	assert_int_equal(tc_secrets_get(s, "nobody", again, region), TC_ERR_NOTFOUND);
	assert_int_equal(tc_secrets_unsynced(s, "", 10, collect_unsynced, ids), TC_OK);
	assert_string_equal(ids, "r-1(moved) r-2(moved) ");
	assert_int_equal(tc_secrets_synced(s, "r-1", "120116001001"), TC_OK);
	ids[0] = '\0';
	assert_int_equal(tc_secrets_unsynced(s, "", 10, collect_unsynced, ids), TC_OK);
	assert_string_equal(ids, "r-2(moved) ");
	assert_int_equal(tc_secrets_synced(s, "r-2", "120116001002"), TC_OK);
	long resent = -1;
	assert_int_equal(tc_secrets_resync(s, "120116001002", &resent), TC_OK); /* one broker's prefix */
	assert_int_equal(resent, 1);
	ids[0] = '\0';
	assert_int_equal(tc_secrets_unsynced(s, "", 10, collect_unsynced, ids), TC_OK);
	assert_string_equal(ids, "r-2 ");
	assert_int_equal(tc_secrets_resync(s, "", &resent), TC_OK); /* every one */
	assert_int_equal(resent, 1);
	ids[0] = '\0';
	assert_int_equal(tc_secrets_unsynced(s, "", 10, collect_unsynced, ids), TC_OK);
	assert_string_equal(ids, "r-1 r-2 ");
	ids[0] = '\0'; /* a page at a time, in the order of the ids */
	assert_int_equal(tc_secrets_unsynced(s, "", 1, collect_unsynced, ids), TC_OK);
	assert_int_equal(tc_secrets_unsynced(s, "r-1", 1, collect_unsynced, ids), TC_OK);
	assert_int_equal(tc_secrets_unsynced(s, "r-2", 1, collect_unsynced, ids), TC_OK);
	assert_string_equal(ids, "r-1 r-2 ");
	/* a receiver imported again in another village: its role's ACLs are replaced */
	static const char moved[] = "id,kind,name,lat,lon,region\nr-2,signage,B,39.1,117.2,120116001003\n";
	assert_int_equal(tc_secrets_synced(s, "r-1", "120116001001"), TC_OK);
	assert_int_equal(tc_secrets_synced(s, "r-2", "120116001002"), TC_OK);
	assert_int_equal(tc_registry_import(s, TC_REG_RECEIVERS, moved, strlen(moved), &n, d), TC_OK);
	ids[0] = '\0';
	assert_int_equal(tc_secrets_unsynced(s, "", 10, collect_unsynced, ids), TC_OK);
	assert_string_equal(ids, "r-2(moved) ");
	/* removal: the receiver goes, its account waits to be deleted, then is forgotten */
	assert_int_equal(tc_store_remove_receiver(s, "r-1"), TC_OK);
	assert_int_equal(tc_store_remove_receiver(s, "r-1"), TC_ERR_NOTFOUND);
	assert_int_equal(tc_secrets_get(s, "r-1", again, region), TC_ERR_NOTFOUND);
	ids[0] = '\0';
	assert_int_equal(tc_secrets_removed(s, 10, collect_id, ids), TC_OK);
	assert_string_equal(ids, "r-1@120116001001 "); /* the region its role was given for: where it is deleted */
	ids[0] = '\0';
	assert_int_equal(tc_secrets_each(s, collect, ids), TC_OK);
	assert_string_equal(ids, "r-2 ");
	assert_int_equal(tc_secrets_forget(s, "r-1"), TC_OK);
	ids[0] = '\0';
	assert_int_equal(tc_secrets_removed(s, 10, collect_id, ids), TC_OK);
	assert_string_equal(ids, "");
	/* imported again: a new secret, made by the import */
	assert_int_equal(tc_registry_import(s, TC_REG_RECEIVERS, csv, strlen(csv), &n, d), TC_OK);
	assert_int_equal(tc_secrets_ensure(s, 100, &n), TC_OK);
	assert_int_equal(n, 0);
	assert_int_equal(tc_secrets_get(s, "r-1", again, region), TC_OK);
	assert_string_not_equal(secret, again);
	tc_store_close(s);
	tc_diags_free(d);
	fixture_store_remove();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(receiver_rights),
		cmocka_unit_test(bad_ids_have_no_account),
		cmocka_unit_test(delete_account),
		cmocka_unit_test(password_hash_as_the_plugin),
		cmocka_unit_test(plugin_file),
		cmocka_unit_test(tree_files),
		cmocka_unit_test(secrets_follow_the_registry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
