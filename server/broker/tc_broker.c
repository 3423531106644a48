/*
 * tc_broker.c — accounts and rights for mosquitto's dynamic-security plugin (tc_broker.h).
 */
#include "tc_broker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <nettle/base64.h>
#include <nettle/pbkdf2.h>

#include "tc_proto.h"

static json_t *acl(const char *type, const char *topic)
{
	return json_pack("{s:s, s:s, s:b}", "acltype", type, "topic", topic, "allow", 1);
}

static char *dump(json_t *j)
{
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	return s;
}

/* The ACLs of receiver id in region; NULL when an id cannot be in a topic. */
static json_t *rx_acls(const char *prefix, const char *id, const char *region)
{
	char scopes[TC_PROTO_MAX_REGIONS][16], t[TC_PROTO_MAX_TOPIC];
	size_t n = tc_proto_region_scopes(region, scopes);
	json_t *a = json_array();
	if (!n || tc_proto_topic(t, sizeof(t), prefix, TC_TOPIC_RX_ACK, id, NULL)) {
		json_decref(a);
		return NULL;
	}
	json_array_append_new(a, acl("publishClientSend", t));
	tc_proto_topic(t, sizeof(t), prefix, TC_TOPIC_RX_STATUS, id, NULL);
	json_array_append_new(a, acl("publishClientSend", t));
	tc_proto_topic(t, sizeof(t), prefix, TC_TOPIC_RX_CMD, id, NULL);
	json_array_append_new(a, acl("subscribePattern", t));
	for (size_t i = 0; i < n; i++) {
		tc_proto_topic(t, sizeof(t), prefix, TC_TOPIC_REGION_ALERT, scopes[i], "+");
		json_array_append_new(a, acl("subscribePattern", t));
	}
	snprintf(t, sizeof(t), "%s/audio/+", prefix);
	json_array_append_new(a, acl("subscribePattern", t));
	return a;
}

enum tc_rc tc_broker_control_topic(char *out, size_t len, const char *prefix, const char *region)
{
	char county[TC_PROTO_MAX_TOPIC];
	if (!region)
		return snprintf(out, len, "%s", TC_BROKER_CONTROL) < (int)len ? TC_OK : TC_ERR_LIMIT;
	enum tc_rc rc = tc_proto_county_prefix(county, sizeof(county), prefix, region);
	if (!rc && snprintf(out, len, "%s/dynsec", county) >= (int)len)
		rc = TC_ERR_LIMIT;
	return rc;
}

char *tc_broker_rx_commands(const char *prefix, const char *id, const char *region, const char *secret, bool moved)
{
	char role[96];
	json_t *acls = rx_acls(prefix, id, region);
	if (!acls)
		return NULL;
	snprintf(role, sizeof(role), "rx:%s", id);
	json_t *cmds = json_array();
	json_array_append_new(cmds, json_pack("{s:s, s:s, s:O}", "command", "createRole", "rolename", role, "acls", acls));
	if (moved)
		json_array_append_new(cmds, json_pack("{s:s, s:s, s:O}", "command", "modifyRole", "rolename", role, "acls",
						      acls));
	json_array_append_new(cmds, json_pack("{s:s, s:s, s:s, s:s, s:[{s:s}]}", "command", "createClient", "username", id,
					      "password", secret, "clientid", id, "roles", "rolename", role));
	json_decref(acls);
	return dump(json_pack("{s:o}", "commands", cmds));
}

char *tc_broker_rx_delete(const char *id)
{
	char role[96];
	snprintf(role, sizeof(role), "rx:%s", id);
	return dump(json_pack("{s:[{s:s, s:s}, {s:s, s:s}]}", "commands", "command", "deleteClient", "username", id,
			      "command", "deleteRole", "rolename", role));
}

enum tc_rc tc_broker_hash(const char *password, const uint8_t salt[TC_BROKER_SALT_BYTES], int iterations,
			  char *out, size_t out_len)
{
	uint8_t hash[64];
	if (out_len < BASE64_ENCODE_RAW_LENGTH(sizeof(hash)) + 1 || iterations < 1)
		return TC_ERR_USAGE;
	pbkdf2_hmac_sha512(strlen(password), (const uint8_t *)password, (unsigned)iterations, TC_BROKER_SALT_BYTES,
			   salt, sizeof(hash), hash);
	base64_encode_raw(out, sizeof(hash), hash);
	out[BASE64_ENCODE_RAW_LENGTH(sizeof(hash))] = '\0';
	return TC_OK;
}

/* A client of the plugin's file: username, hashed password, salt, rounds, one role. */
static json_t *client(const char *user, const char *clientid, const char *password, const uint8_t *salt,
		      const char *role)
{
	char hash[128], salt64[BASE64_ENCODE_RAW_LENGTH(TC_BROKER_SALT_BYTES) + 1];
	if (tc_broker_hash(password, salt, TC_BROKER_ITERATIONS, hash, sizeof(hash)))
		return NULL;
	base64_encode_raw(salt64, TC_BROKER_SALT_BYTES, salt);
	salt64[sizeof(salt64) - 1] = '\0';
	json_t *c = json_pack("{s:s, s:s, s:s, s:i, s:[{s:s}]}", "username", user, "password", hash, "salt", salt64,
			      "iterations", TC_BROKER_ITERATIONS, "roles", "rolename", role);
	if (c && clientid)
		json_object_set_new(c, "clientid", json_string(clientid));
	return c;
}

/* tocsind's client and role into clients and roles (nothing when password is NULL); false when it cannot be made. */
static bool add_tocsind(json_t *clients, json_t *roles, const char *prefix, const char *password, const uint8_t *salt)
{
	char all[TC_PROTO_MAX_TOPIC];
	if (!password)
		return true;
	json_t *me = client(TC_BROKER_USER, NULL, password, salt, TC_BROKER_USER);
	if (!me)
		return false;
	snprintf(all, sizeof(all), "%s/#", prefix);
	json_t *acls = json_array();
	json_array_append_new(acls, acl("publishClientSend", all));
	json_array_append_new(acls, acl("subscribePattern", all));
	json_array_append_new(acls, acl("publishClientSend", TC_BROKER_CONTROL "/#"));
	json_array_append_new(acls, acl("subscribePattern", TC_BROKER_CONTROL "/#"));
	json_array_append_new(clients, me);
	json_array_append_new(roles, json_pack("{s:s, s:o}", "rolename", TC_BROKER_USER, "acls", acls));
	return true;
}

/* The whole file around clients and roles (taken). */
static char *dynsec_file(json_t *clients, json_t *roles)
{
	return dump(json_pack("{s:{s:b, s:b, s:b, s:b}, s:o, s:[], s:o}", "defaultACLAccess", "publishClientSend", 0,
			      "publishClientReceive", 1, "subscribe", 0, "unsubscribe", 1, "clients", clients, "groups",
			      "roles", roles));
}

/* The ACLs of county's bridge account; NULL when county is not 6 digits. */
static json_t *bridge_acls(const char *prefix, const char *county)
{
	static const char *const reads[] = { "region/+/alert/+", "rx/+/cmd", "audio/+", "dynsec" };
	static const char *const writes[] = { "rx/+/ack", "rx/+/status", "dynsec/response" };
	char under[TC_PROTO_MAX_TOPIC], t[TC_PROTO_MAX_TOPIC + 32];
	if (strlen(county) != TC_PROTO_COUNTY_DIGITS || tc_proto_county_prefix(under, sizeof(under), prefix, county))
		return NULL;
	json_t *a = json_array();
	for (size_t i = 0; i < sizeof(reads) / sizeof(reads[0]); i++) {
		snprintf(t, sizeof(t), "%s/%s", under, reads[i]);
		json_array_append_new(a, acl("subscribePattern", t));
	}
	for (size_t i = 0; i < sizeof(writes) / sizeof(writes[0]); i++) {
		snprintf(t, sizeof(t), "%s/%s", under, writes[i]);
		json_array_append_new(a, acl("publishClientSend", t));
	}
	return a;
}

char *tc_broker_dynsec_top(const char *prefix, const char *password, const uint8_t salt[TC_BROKER_SALT_BYTES],
			   const struct tc_broker_bridge *b, size_t n)
{
	json_t *clients = json_array(), *roles = json_array();
	bool ok = add_tocsind(clients, roles, prefix, password, salt);
	for (size_t i = 0; ok && i < n; i++) {
		char user[64], role[64];
		json_t *acls = bridge_acls(prefix, b[i].county);
		snprintf(user, sizeof(user), TC_BROKER_BRIDGE_USER "%s", b[i].county);
		snprintf(role, sizeof(role), "bridge:%s", b[i].county);
		json_t *c = acls ? client(user, user, b[i].password, b[i].salt, role) : NULL;
		ok = c != NULL;
		if (ok) {
			json_array_append_new(roles, json_pack("{s:s, s:o}", "rolename", role, "acls", acls));
			json_array_append_new(clients, c);
		} else {
			json_decref(acls);
		}
	}
	if (ok)
		return dynsec_file(clients, roles);
	json_decref(clients);
	json_decref(roles);
	return NULL;
}

char *tc_broker_dynsec_config(const char *prefix, const char *password, const uint8_t salt[TC_BROKER_SALT_BYTES],
			      const struct tc_broker_rx *rx, size_t n)
{
	json_t *clients = json_array(), *roles = json_array();
	if (!add_tocsind(clients, roles, prefix, password, salt)) {
		json_decref(clients);
		json_decref(roles);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		char role[96];
		json_t *rx_acl = rx_acls(prefix, rx[i].id, rx[i].region);
		if (!rx_acl)
			continue;
		snprintf(role, sizeof(role), "rx:%s", rx[i].id);
		json_array_append_new(roles, json_pack("{s:s, s:o}", "rolename", role, "acls", rx_acl));
		json_array_append_new(clients, client(rx[i].id, rx[i].id, rx[i].secret, rx[i].salt, role));
	}
	return dynsec_file(clients, roles);
}
