/*
 * cli_broker.c — `tocsin broker setup`: everything mosquitto needs to run the
 * secured broker, and tocsind's credentials for it (docs/operations.md,
 * "Broker security").
 *
 *   tocsin broker setup --data-dir DIR [--store URI] --listen HOST:PORT --out BROKER_DIR
 *                       [--ca-cert FILE --cert FILE --key FILE] [--name NAME]...
 *                       [--prefix P] [--plugin PATH]
 *                       [--bridge-county C]... | [--county C --parent HOST:PORT
 *                        --parent-ca FILE --bridge-password-file FILE]
 *
 * BROKER_DIR gets mosquitto.conf (TLS on HOST:PORT, no anonymous access, the
 * dynamic-security plugin), ca.crt (what devices need), server.crt and
 * server.key, and dynamic-security.json with tocsind's account; without
 * --ca-cert/--cert/--key a CA of the bureau's own is made (ca.key, kept and
 * used again by a later setup, so devices keep trusting ca.crt) and the server
 * certificate names HOST and each --name. DIR gets broker.password (tocsind's
 * password, 0600) and broker-ca.crt. The receivers already in DIR/tocsin.db
 * (or, with --store URI, in tocsind's PostgreSQL store) get their accounts in
 * the plugin's file at once (each with its secret, made now if it has none);
 * tocsind adds later ones through the plugin.
 *
 * A broker tree (docs/operations.md, "A broker tree"): the top broker, where
 * tocsind connects, is set up as above with --bridge-county C for each
 * county: it gets no receivers' accounts but a bridge account per county,
 * whose password is left in BROKER_DIR/bridge-C.password (0600, kept by a
 * later setup) for that county's broker. A county broker is set up with
 * --county C --parent HOST:PORT --parent-ca FILE --bridge-password-file FILE:
 * its own TLS listener and CA (or the bureau's), the accounts of county C's
 * receivers only, no tocsind account, and a bridge up to the parent that
 * maps P/... here onto P/county/C/... there; DIR is only read.
 * Exit 0 done, 2 usage or I/O error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "cli.h"
#include "tc_broker.h"
#include "tc_db.h"
#include "tc_file.h"
#include "tc_proto.h"
#include "tc_store.h"
#include "tc_store_secrets.h"

#define BROKER_USAGE                                                                                       \
	"usage: tocsin broker setup --data-dir DIR [--store URI] --listen HOST:PORT --out BROKER_DIR\n"     \
	"                           [--ca-cert FILE --cert FILE --key FILE] [--name NAME]...\n"            \
	"                           [--prefix P] [--plugin PATH]\n"                                        \
	"                           [--bridge-county C]... | [--county C --parent HOST:PORT --parent-ca FILE\n" \
	"                                                     --bridge-password-file FILE]\n"              \
	"  --data-dir DIR    tocsind's data directory: gets broker.password (0600) and broker-ca.crt\n"    \
	"  --store URI       the receivers are read from tocsind's PostgreSQL store (its store setting)\n" \
	"                    instead of DIR/tocsin.db\n"                                                  \
	"  --listen H:P      where the broker listens for devices and tocsind (TLS)\n"                    \
	"  --out BROKER_DIR  gets mosquitto.conf, ca.crt (for devices), server.crt/.key, dynamic-security.json\n" \
	"  --ca-cert, --cert, --key  the bureau's own CA and server certificate (PEM) instead of new ones\n" \
	"  --name NAME       another host name or address devices use for the broker (repeatable)\n"      \
	"  --prefix P        topic prefix (default " TC_PROTO_DEFAULT_PREFIX ")\n"                              \
	"  --plugin PATH     mosquitto_dynamic_security.so (default: where Debian's mosquitto has it)\n"  \
	"a broker tree (the top broker, where tocsind connects, and one broker per county):\n"            \
	"  --bridge-county C the top broker takes county C's bridge (repeatable); its password goes to\n" \
	"                    BROKER_DIR/bridge-C.password (0600) for the county's broker\n"               \
	"  --county C        this is county C's broker (C: 6 digits): its receivers' accounts only\n"      \
	"  --parent H:P      the top broker it bridges up to (TLS)\n"                                    \
	"  --parent-ca FILE  the CA of the top broker's certificate (its BROKER_DIR/ca.crt)\n"           \
	"  --bridge-password-file FILE  the county's bridge password (the top's bridge-C.password)\n"

#define MAX_NAMES 16
#define MAX_COUNTIES 64
#define BRIDGE_CONNECTION "tocsin-top"

static const char *const plugin_paths[] = {
	"/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so",
	"/usr/lib/aarch64-linux-gnu/mosquitto_dynamic_security.so",
	"/usr/lib/arm-linux-gnueabihf/mosquitto_dynamic_security.so",
	"/usr/lib/mosquitto_dynamic_security.so",
	"/usr/local/lib/mosquitto_dynamic_security.so",
};

/* Write len bytes to path with mode (also when it exists: the mode is set before anything is written). */
static int write_mode(const char *path, const void *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0 || fchmod(fd, mode) != 0) {
		fprintf(stderr, "tocsin broker: cannot write %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	const char *p = data;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n <= 0) {
			fprintf(stderr, "tocsin broker: cannot write %s: %s\n", path, strerror(errno));
			close(fd);
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	if (close(fd) != 0) {
		fprintf(stderr, "tocsin broker: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* dir/name into out (a name too long to be a path is cut, and then cannot be opened). */
static void join(char *out, size_t len, const char *dir, const char *name)
{
	if (snprintf(out, len, "%s/%s", dir, name) >= (int)len)
		out[0] = '\0';
}

static int read_pem(const char *path, gnutls_datum_t *out)
{
	char *text = NULL;
	size_t len = 0;
	if (tc_file_read(path, 1 << 20, &text, &len)) {
		fprintf(stderr, "tocsin broker: cannot read %s\n", path);
		return -1;
	}
	out->data = (unsigned char *)text;
	out->size = (unsigned)len;
	return 0;
}

static int gnutls_said(int rc, const char *what)
{
	if (rc >= 0)
		return 0;
	fprintf(stderr, "tocsin broker: %s: %s\n", what, gnutls_strerror(rc));
	return -1;
}

/* A certificate for key with common name cn, signed by issuer (NULL: by itself). */
static int make_cert(gnutls_x509_crt_t *out, gnutls_x509_privkey_t key, const char *cn, int years,
		     gnutls_x509_crt_t issuer, gnutls_x509_privkey_t issuer_key, const char *const *names, size_t n)
{
	gnutls_x509_crt_t c;
	unsigned char serial[16], id[64];
	size_t id_len = sizeof(id);
	time_t now = time(NULL);
	bool ca = issuer == NULL;
	if (gnutls_said(gnutls_x509_crt_init(&c), "certificate"))
		return -1;
	gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof(serial));
	serial[0] &= 0x7f;
	int rc = gnutls_x509_crt_set_version(c, 3);
	if (rc >= 0)
		rc = gnutls_x509_crt_set_serial(c, serial, sizeof(serial));
	if (rc >= 0)
		rc = gnutls_x509_crt_set_activation_time(c, now - 3600);
	if (rc >= 0)
		rc = gnutls_x509_crt_set_expiration_time(c, now + (time_t)years * 365 * 86400);
	if (rc >= 0)
		rc = gnutls_x509_crt_set_dn_by_oid(c, GNUTLS_OID_X520_COMMON_NAME, 0, cn, (unsigned)strlen(cn));
	if (rc >= 0)
		rc = gnutls_x509_crt_set_key(c, key);
	if (rc >= 0)
		rc = gnutls_x509_crt_set_basic_constraints(c, ca, -1);
	if (rc >= 0)
		rc = gnutls_x509_crt_set_key_usage(c, ca ? GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN
						       : GNUTLS_KEY_DIGITAL_SIGNATURE);
	if (rc >= 0 && gnutls_x509_crt_get_key_id(c, 0, id, &id_len) >= 0)
		rc = gnutls_x509_crt_set_subject_key_id(c, id, id_len);
	if (rc >= 0 && !ca) {
		rc = gnutls_x509_crt_set_key_purpose_oid(c, GNUTLS_KP_TLS_WWW_SERVER, 0);
		id_len = sizeof(id);
		if (rc >= 0 && gnutls_x509_crt_get_subject_key_id(issuer, id, &id_len, NULL) >= 0)
			rc = gnutls_x509_crt_set_authority_key_id(c, id, id_len);
		for (size_t i = 0; rc >= 0 && i < n; i++) {
			unsigned char ip[16];
			if (inet_pton(AF_INET, names[i], ip) == 1)
				rc = gnutls_x509_crt_set_subject_alt_name(c, GNUTLS_SAN_IPADDRESS, ip, 4, GNUTLS_FSAN_APPEND);
			else if (inet_pton(AF_INET6, names[i], ip) == 1)
				rc = gnutls_x509_crt_set_subject_alt_name(c, GNUTLS_SAN_IPADDRESS, ip, 16, GNUTLS_FSAN_APPEND);
			else
				rc = gnutls_x509_crt_set_subject_alt_name(c, GNUTLS_SAN_DNSNAME, names[i],
									  (unsigned)strlen(names[i]), GNUTLS_FSAN_APPEND);
		}
	}
	if (rc >= 0)
		rc = gnutls_x509_crt_sign2(c, ca ? c : issuer, ca ? key : issuer_key, GNUTLS_DIG_SHA256, 0);
	if (gnutls_said(rc, "making a certificate")) {
		gnutls_x509_crt_deinit(c);
		return -1;
	}
	*out = c;
	return 0;
}

static int new_key(gnutls_x509_privkey_t *k)
{
	if (gnutls_said(gnutls_x509_privkey_init(k), "key"))
		return -1;
	return gnutls_said(gnutls_x509_privkey_generate(*k, GNUTLS_PK_ECDSA,
							 GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0),
			   "making a key");
}

static int save_cert(const char *path, gnutls_x509_crt_t c)
{
	gnutls_datum_t pem = { 0 };
	if (gnutls_said(gnutls_x509_crt_export2(c, GNUTLS_X509_FMT_PEM, &pem), "exporting a certificate"))
		return -1;
	int rc = write_mode(path, pem.data, pem.size, 0644);
	gnutls_free(pem.data);
	return rc;
}

static int save_key(const char *path, gnutls_x509_privkey_t k)
{
	gnutls_datum_t pem = { 0 };
	if (gnutls_said(gnutls_x509_privkey_export2(k, GNUTLS_X509_FMT_PEM, &pem), "exporting a key"))
		return -1;
	int rc = write_mode(path, pem.data, pem.size, 0600);
	gnutls_memset(pem.data, 0, pem.size);
	gnutls_free(pem.data);
	return rc;
}

static int copy_file(const char *from, const char *to, mode_t mode)
{
	gnutls_datum_t d;
	if (read_pem(from, &d))
		return -1;
	int rc = write_mode(to, d.data, d.size, mode);
	free(d.data);
	return rc;
}

/* The bureau's CA (kept from an earlier setup, or new) and a new server certificate signed by it. */
static int make_certificates(const char *out, const char *const *names, size_t n)
{
	char ca_crt[4096], ca_key[4096], path[4096];
	gnutls_x509_crt_t ca = NULL, srv = NULL;
	gnutls_x509_privkey_t cak = NULL, sk = NULL;
	int rc = -1;
	join(ca_crt, sizeof(ca_crt), out, "ca.crt");
	join(ca_key, sizeof(ca_key), out, "ca.key");
	if (access(ca_crt, R_OK) == 0 && access(ca_key, R_OK) == 0) {
		gnutls_datum_t c = { 0 }, k = { 0 };
		int bad = read_pem(ca_crt, &c) || read_pem(ca_key, &k) ||
			  gnutls_said(gnutls_x509_crt_init(&ca), "certificate") ||
			  gnutls_said(gnutls_x509_crt_import(ca, &c, GNUTLS_X509_FMT_PEM), ca_crt) ||
			  gnutls_said(gnutls_x509_privkey_init(&cak), "key") ||
			  gnutls_said(gnutls_x509_privkey_import(cak, &k, GNUTLS_X509_FMT_PEM), ca_key);
		free(c.data);
		if (k.data)
			gnutls_memset(k.data, 0, k.size);
		free(k.data);
		if (bad)
			goto out;
		printf("kept the CA %s (devices that have it keep trusting the broker)\n", ca_crt);
	} else if (new_key(&cak) || make_cert(&ca, cak, "tocsin broker CA", 20, NULL, NULL, NULL, 0) ||
		   save_key(ca_key, cak) || save_cert(ca_crt, ca)) {
		goto out;
	}
	if (new_key(&sk) || make_cert(&srv, sk, names[0], 5, ca, cak, names, n))
		goto out;
	join(path, sizeof(path), out, "server.key");
	if (save_key(path, sk))
		goto out;
	join(path, sizeof(path), out, "server.crt");
	rc = save_cert(path, srv);
out:
	if (srv)
		gnutls_x509_crt_deinit(srv);
	if (ca)
		gnutls_x509_crt_deinit(ca);
	if (sk)
		gnutls_x509_privkey_deinit(sk);
	if (cak)
		gnutls_x509_privkey_deinit(cak);
	return rc;
}

/* HOST:PORT (an IPv6 host in brackets) into host and port. */
static int parse_listen(const char *s, char *host, size_t len, unsigned *port)
{
	const char *colon = strrchr(s, ':'), *h = s;
	size_t hl;
	if (!colon)
		return -1;
	hl = (size_t)(colon - s);
	if (*s == '[' && hl >= 2 && s[hl - 1] == ']') {
		h++;
		hl -= 2;
	}
	char *end;
	unsigned long p = strtoul(colon + 1, &end, 10);
	if (!hl || hl >= len || *end || !colon[1] || p == 0 || p > 65535)
		return -1;
	memcpy(host, h, hl);
	host[hl] = '\0';
	*port = (unsigned)p;
	return 0;
}

/* The receivers registered in DIR's store, each with its secret and a new salt. */
struct receivers {
	struct tc_broker_rx *v;
	size_t n, cap;
	bool failed;
};

static void add_receiver(const char *id, const char *region, const char *secret, void *user)
{
	struct receivers *r = user;
	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 256;
		struct tc_broker_rx *v = realloc(r->v, cap * sizeof(*v));
		if (!v) {
			r->failed = true;
			return;
		}
		r->v = v;
		r->cap = cap;
	}
	struct tc_broker_rx *x = &r->v[r->n];
	x->id = strdup(id);
	x->region = strdup(region);
	x->secret = strdup(secret);
	if (!x->id || !x->region || !x->secret || gnutls_rnd(GNUTLS_RND_NONCE, x->salt, sizeof(x->salt)) < 0) {
		r->failed = true;
		return;
	}
	r->n++;
}

static void free_receiver(struct tc_broker_rx *x)
{
	free((char *)x->id);
	free((char *)x->region);
	gnutls_memset((char *)x->secret, 0, strlen(x->secret));
	free((char *)x->secret);
}

static void free_receivers(struct receivers *r)
{
	for (size_t i = 0; i < r->n; i++)
		free_receiver(&r->v[i]);
	free(r->v);
}

/*
 * Open the store (the PostgreSQL store at uri, else DIR's when there is one; NULL otherwise) and read
 * its receivers; -1 when it cannot be read.
 */
static int read_receivers(const char *dir, const char *uri, struct tc_store **store, struct receivers *r)
{
	char path[4096], shown[4096];
	struct tc_diags *d = tc_diags_new();
	int rc = 0;
	*store = NULL;
	if (uri)
		snprintf(path, sizeof(path), "%s", uri);
	else
		join(path, sizeof(path), dir, "tocsin.db");
	if (!uri && access(path, F_OK) != 0) {
		tc_diags_free(d);
		return 0;
	}
	if (tc_store_open(path, store, d) || tc_secrets_ensure(*store, (int64_t)time(NULL), NULL) ||
	    tc_secrets_each(*store, add_receiver, r) || r->failed) {
		tc_db_describe(path, shown, sizeof(shown));
		fprintf(stderr, "tocsin broker: cannot read the receivers in %s%s%s\n", shown, tc_diags_count(d) ? ": " : "",
			tc_diags_count(d) ? tc_diags_get(d, 0)->message : "");
		rc = -1;
	}
	tc_diags_free(d);
	return rc;
}

/* Let mosquitto (which drops to its own user when started as root) read the broker's files. */
static void give_to_mosquitto(const char *out)
{
	static const char *const files[] = { "", "/server.key", "/server.crt", "/ca.crt", "/dynamic-security.json",
					     "/mosquitto.conf", "/parent-ca.crt" };
	struct passwd *pw = getpwnam("mosquitto");
	char path[4096];
	if (geteuid() != 0 || !pw)
		return;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", out, files[i]);
		if (chown(path, pw->pw_uid, pw->pw_gid) != 0 && errno != ENOENT)
			fprintf(stderr, "tocsin broker: cannot give %s to the user mosquitto: %s\n", path, strerror(errno));
	}
}

/* What a broker tree adds to a setup. */
struct tree {
	const char *county, *parent, *parent_ca, *password_file; /* a county's broker */
	char parent_host[256];
	unsigned parent_port;
	char password[160];                                        /* read from password_file */
	const char *counties[MAX_COUNTIES];                        /* the top broker's bridges */
	size_t n_counties;
};

/* Whether s is a county's code: exactly 6 digits. */
static bool county_ok(const char *s)
{
	return strlen(s) == 6 && strspn(s, "0123456789") == 6;
}

/* Read a one-line password from path into out; -1 with the reason said. */
static int read_password(const char *path, char *out, size_t len)
{
	char *text = NULL;
	size_t n = 0;
	if (tc_file_read(path, 4096, &text, &n)) {
		fprintf(stderr, "tocsin broker: cannot read the bridge password %s\n", path);
		return -1;
	}
	text[strcspn(text, "\r\n")] = '\0';
	size_t k = strlen(text);
	bool bad = !k || k >= len;
	for (size_t i = 0; i < k; i++)
		bad = bad || text[i] <= ' ' || text[i] > '~' || text[i] == '#';
	if (bad)
		fprintf(stderr, "tocsin broker: the bridge password in %s must be one line of 1 to %zu printable characters "
				"without spaces or '#'\n", path, len - 1);
	else
		memcpy(out, text, k + 1);
	gnutls_memset(text, 0, n);
	free(text);
	return bad ? -1 : 0;
}

/* The tree's flags, checked together; -1 with the reason said. */
static int tree_check(struct tree *t)
{
	if (t->county && t->n_counties) {
		fprintf(stderr, "tocsin broker: --county (a county's broker) and --bridge-county (the top broker) exclude "
				"each other\n");
		return -1;
	}
	for (size_t i = 0; i < t->n_counties; i++)
		if (!county_ok(t->counties[i])) {
			fprintf(stderr, "tocsin broker: --bridge-county '%s' is not a county's code (6 digits, e.g. 120116)\n",
				t->counties[i]);
			return -1;
		}
	if (!t->county) {
		if (t->parent || t->parent_ca || t->password_file) {
			fprintf(stderr, "tocsin broker: --parent, --parent-ca and --bridge-password-file are for a county's "
					"broker: give --county too\n");
			return -1;
		}
		return 0;
	}
	if (!county_ok(t->county)) {
		fprintf(stderr, "tocsin broker: --county '%s' is not a county's code (6 digits, e.g. 120116)\n", t->county);
		return -1;
	}
	if (!t->parent || !t->parent_ca || !t->password_file) {
		fprintf(stderr, "tocsin broker: a county's broker needs --parent HOST:PORT, --parent-ca FILE and "
				"--bridge-password-file FILE\n");
		return -1;
	}
	if (parse_listen(t->parent, t->parent_host, sizeof(t->parent_host), &t->parent_port)) {
		fprintf(stderr, "tocsin broker: --parent '%s' is not HOST:PORT, e.g. 10.1.0.5:8883\n", t->parent);
		return -1;
	}
	if (access(t->parent_ca, R_OK) != 0) {
		fprintf(stderr, "tocsin broker: cannot read --parent-ca %s: %s\n", t->parent_ca, strerror(errno));
		return -1;
	}
	return read_password(t->password_file, t->password, sizeof(t->password));
}

/* Keep only county's receivers in r (the others are freed). */
static void keep_county(struct receivers *r, const char *county)
{
	size_t k = 0;
	for (size_t i = 0; i < r->n; i++) {
		if (!strncmp(r->v[i].region, county, 6)) {
			r->v[k++] = r->v[i];
			continue;
		}
		free_receiver(&r->v[i]);
	}
	r->n = k;
}

/* The top broker's bridge account of each county: its password kept from an earlier setup, or new. */
static int bridge_accounts(const char *out, const struct tree *t, struct tc_broker_bridge *b, char (*pw)[64])
{
	for (size_t i = 0; i < t->n_counties; i++) {
		char path[4096], name[64];
		snprintf(name, sizeof(name), "bridge-%s.password", t->counties[i]);
		join(path, sizeof(path), out, name);
		b[i].county = t->counties[i];
		b[i].password = pw[i];
		if (gnutls_said(gnutls_rnd(GNUTLS_RND_NONCE, b[i].salt, sizeof(b[i].salt)), "random"))
			return -1;
		if (access(path, F_OK) == 0) {
			if (read_password(path, pw[i], 64))
				return -1;
			continue;
		}
		uint8_t raw[24];
		if (gnutls_said(gnutls_rnd(GNUTLS_RND_KEY, raw, sizeof(raw)), "random"))
			return -1;
		for (size_t k = 0; k < sizeof(raw); k++)
			snprintf(pw[i] + 2 * k, 3, "%02x", raw[k]);
		gnutls_memset(raw, 0, sizeof(raw));
		if (write_mode(path, pw[i], strlen(pw[i]), 0600))
			return -1;
	}
	return 0;
}

/*
 * A county broker's bridge up to the top broker, appended to its mosquitto.conf in conf:
 * P/... here is P/county/C/... there, and the plugin's control topic here is P/county/C/dynsec
 * there (mosquitto.conf(5), "topic pattern direction qos local-prefix remote-prefix").
 */
static int bridge_section(char *conf, size_t len, const char *out, const char *prefix, const struct tree *t)
{
	size_t n = strlen(conf);
	int k = snprintf(conf + n, len - n,
		 "\n# The bridge up to the top broker of the tree: county %s's receivers keep P/... here,\n"
		 "# tocsind writes and reads them as P/county/%s/... there.\n"
		 "connection " BRIDGE_CONNECTION "\n"
		 "address %s:%u\n"
		 "bridge_protocol_version mqttv50\n"
		 "cleansession false\n"
		 "remote_clientid bridge-%s\n"
		 "remote_username bridge-%s\n"
		 "remote_password %s\n"
		 "bridge_cafile %s/parent-ca.crt\n"
		 "notifications false\n"
		 "restart_timeout 1 10\n"
		 "topic region/+/alert/+ in 1 %s/ %s/county/%s/\n"
		 "topic rx/+/cmd in 1 %s/ %s/county/%s/\n"
		 "topic audio/+ in 1 %s/ %s/county/%s/\n"
		 "topic rx/+/ack out 1 %s/ %s/county/%s/\n"
		 "topic rx/+/status out 1 %s/ %s/county/%s/\n"
		 "topic \"\" in 1 " TC_BROKER_CONTROL " %s/county/%s/dynsec\n"
		 "topic \"\" out 1 " TC_BROKER_CONTROL "/response %s/county/%s/dynsec/response\n",
		 t->county, t->county, t->parent_host, t->parent_port, t->county, t->county, t->password, out,
		 prefix, prefix, t->county, prefix, prefix, t->county, prefix, prefix, t->county, prefix, prefix, t->county,
		 prefix, prefix, t->county, prefix, t->county, prefix, t->county);
	return k < 0 || (size_t)k >= len - n ? -1 : 0;
}

/* tocsind's password and the broker's CA in DIR (not for a county's broker: tocsind is not its client). */
static int tocsind_files(const char *out, const char *dir, const char *password)
{
	char from[4096], path[4096];
	join(path, sizeof(path), dir, "broker.password");
	if (write_mode(path, password, strlen(password), 0600))
		return -1;
	join(from, sizeof(from), out, "ca.crt");
	join(path, sizeof(path), dir, "broker-ca.crt");
	return copy_file(from, path, 0644);
}

/* A county broker's copy of the top broker's CA, which its bridge checks the top broker with. */
static int county_files(const char *out, const struct tree *t)
{
	char path[4096];
	join(path, sizeof(path), out, "parent-ca.crt");
	return copy_file(t->parent_ca, path, 0644);
}

/*
 * The plugin's file in out: tocsind's account (not on a county's broker) and the receivers' of
 * DIR's store (only county's on a county's broker, none on the top broker, which gets the
 * bridges' accounts instead); the receivers written are marked as having their account.
 */
static int write_dynsec(const char *out, const char *dir, const char *uri, const char *prefix, const char *password,
			const uint8_t *salt, const struct tree *t)
{
	char path[4096], bridge_pw[MAX_COUNTIES][64];
	struct tc_broker_bridge bridges[MAX_COUNTIES];
	struct tc_store *store = NULL;
	struct receivers rx = { 0 };
	char *dynsec = NULL;
	int bad = read_receivers(dir, uri, &store, &rx);
	if (!bad && t->county)
		keep_county(&rx, t->county);
	if (bad)
		;
	else if (t->n_counties)
		dynsec = bridge_accounts(out, t, bridges, bridge_pw) ? NULL
				  : tc_broker_dynsec_top(prefix, password, salt, bridges, t->n_counties);
	else
		dynsec = tc_broker_dynsec_config(prefix, t->county ? NULL : password, salt, rx.v, rx.n);
	gnutls_memset(bridge_pw, 0, sizeof(bridge_pw));
	join(path, sizeof(path), out, "dynamic-security.json");
	bad = bad || !dynsec || write_mode(path, dynsec, strlen(dynsec), 0600);
	if (dynsec)
		gnutls_memset(dynsec, 0, strlen(dynsec));
	free(dynsec);
	/* The roles are given: tocsind, connecting, sends nothing that would rewrite the file. */
	if (!bad && store && !t->n_counties && tc_store_begin(store) == TC_OK) {
		for (size_t i = 0; i < rx.n; i++)
			tc_secrets_synced(store, rx.v[i].id, rx.v[i].region);
		if (tc_store_commit(store))
			tc_store_rollback(store);
	}
	if (!bad && t->n_counties)
		printf("%zu counties' bridge accounts are in the plugin's file; their passwords in %s/bridge-*.password\n",
		       t->n_counties, out);
	else if (!bad && rx.n)
		printf("%zu receivers' accounts are in the plugin's file\n", rx.n);
	free_receivers(&rx);
	tc_store_close(store);
	return bad ? -1 : 0;
}

static int setup(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "data-dir", required_argument, NULL, 'd' }, { "listen", required_argument, NULL, 'l' },
		{ "out", required_argument, NULL, 'o' },      { "ca-cert", required_argument, NULL, 'A' },
		{ "cert", required_argument, NULL, 'C' },     { "key", required_argument, NULL, 'K' },
		{ "name", required_argument, NULL, 'n' },     { "prefix", required_argument, NULL, 'p' },
		{ "plugin", required_argument, NULL, 'P' },   { "county", required_argument, NULL, 'c' },
		{ "parent", required_argument, NULL, 'r' },   { "parent-ca", required_argument, NULL, 'a' },
		{ "bridge-password-file", required_argument, NULL, 'w' },
		{ "bridge-county", required_argument, NULL, 'b' },
		{ "store", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	struct tree tree = { 0 };
	const char *dir = NULL, *uri = NULL, *listen = NULL, *out = NULL, *ca_cert = NULL, *cert = NULL, *key = NULL;
	const char *prefix = TC_PROTO_DEFAULT_PREFIX, *plugin = NULL, *names[MAX_NAMES + 1];
	char host[256], path[4096], real_out[4096], conf[32768]; /* room for every path at its longest */
	size_t n_names = 1;
	unsigned port = 0;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "d:l:o:A:C:K:n:p:P:c:r:a:w:b:S:", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 'S': uri = optarg; break;
		case 'l': listen = optarg; break;
		case 'o': out = optarg; break;
		case 'A': ca_cert = optarg; break;
		case 'C': cert = optarg; break;
		case 'K': key = optarg; break;
		case 'p': prefix = optarg; break;
		case 'P': plugin = optarg; break;
		case 'c': tree.county = optarg; break;
		case 'r': tree.parent = optarg; break;
		case 'a': tree.parent_ca = optarg; break;
		case 'w': tree.password_file = optarg; break;
		case 'b':
			if (tree.n_counties == MAX_COUNTIES) {
				fprintf(stderr, "tocsin broker: at most %d --bridge-county\n", MAX_COUNTIES);
				return TC_EXIT_USAGE;
			}
			tree.counties[tree.n_counties++] = optarg;
			break;
		case 'n':
			if (n_names > MAX_NAMES) {
				fprintf(stderr, "tocsin broker: at most %d --name\n", MAX_NAMES);
				return TC_EXIT_USAGE;
			}
			names[n_names++] = optarg;
			break;
		default: fputs(BROKER_USAGE, stderr); return TC_EXIT_USAGE;
		}
	}
	if (!dir || !listen || !out || optind != argc) {
		fputs(BROKER_USAGE, stderr);
		return TC_EXIT_USAGE;
	}
	if (uri && !tc_db_is_postgresql(uri)) {
		fprintf(stderr, "tocsin broker: --store takes a PostgreSQL URI (postgresql://...), not '%s'\n", uri);
		return TC_EXIT_USAGE;
	}
	if (parse_listen(listen, host, sizeof(host), &port)) {
		fprintf(stderr, "tocsin broker: --listen '%s' is not HOST:PORT, e.g. 0.0.0.0:8883\n", listen);
		return TC_EXIT_USAGE;
	}
	if ((ca_cert || cert || key) && !(ca_cert && cert && key)) {
		fprintf(stderr, "tocsin broker: the bureau's own certificate needs all three of --ca-cert, --cert and --key\n");
		return TC_EXIT_USAGE;
	}
	if (!*prefix || strpbrk(prefix, "+#") || prefix[strlen(prefix) - 1] == '/') {
		fprintf(stderr, "tocsin broker: --prefix '%s' is not a topic prefix like %s\n", prefix, TC_PROTO_DEFAULT_PREFIX);
		return TC_EXIT_USAGE;
	}
	if (tree_check(&tree))
		return TC_EXIT_USAGE;
	for (size_t i = 0; !plugin && i < sizeof(plugin_paths) / sizeof(plugin_paths[0]); i++)
		if (access(plugin_paths[i], R_OK) == 0)
			plugin = plugin_paths[i];
	if (!plugin || access(plugin, R_OK) != 0) {
		fprintf(stderr, "tocsin broker: cannot find mosquitto's dynamic-security plugin%s%s "
				"(Debian: package mosquitto; or say where with --plugin)\n", plugin ? " " : "",
			plugin ? plugin : "");
		return TC_EXIT_USAGE;
	}
	/* The certificate names the listening host, unless it is a wildcard address. */
	names[0] = host;
	if (!strcmp(host, "0.0.0.0") || !strcmp(host, "::")) {
		if (n_names == 1 && !cert) {
			fprintf(stderr, "tocsin broker: listening on %s, give the name devices use with --name\n", host);
			return TC_EXIT_USAGE;
		}
		memmove(names, names + 1, (n_names - 1) * sizeof(names[0]));
		n_names--;
	}
	if ((mkdir(out, 0750) != 0 && errno != EEXIST) || (mkdir(dir, 0750) != 0 && errno != EEXIST) ||
	    !realpath(out, real_out)) {
		fprintf(stderr, "tocsin broker: cannot create %s or %s: %s\n", out, dir, strerror(errno));
		return TC_EXIT_USAGE;
	}
	if (gnutls_said(gnutls_global_init(), "GnuTLS"))
		return TC_EXIT_USAGE;
	int bad;
	if (ca_cert) {
		char to[4096];
		join(to, sizeof(to), real_out, "ca.crt");
		bad = copy_file(ca_cert, to, 0644);
		join(to, sizeof(to), real_out, "server.crt");
		bad = bad || copy_file(cert, to, 0644);
		join(to, sizeof(to), real_out, "server.key");
		bad = bad || copy_file(key, to, 0600);
	} else {
		bad = make_certificates(real_out, names, n_names);
	}
	/* tocsind's password: 24 random bytes as hex. */
	uint8_t raw[24], salt[TC_BROKER_SALT_BYTES];
	char password[2 * sizeof(raw) + 2];
	bad = bad || gnutls_said(gnutls_rnd(GNUTLS_RND_KEY, raw, sizeof(raw)), "random") ||
	      gnutls_said(gnutls_rnd(GNUTLS_RND_NONCE, salt, sizeof(salt)), "random");
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(password + 2 * i, 3, "%02x", raw[i]);
	bad = bad || write_dynsec(real_out, dir, uri, prefix, password, salt, &tree);
	int conf_len = snprintf(conf, sizeof(conf),
		 "# Written by tocsin broker setup (docs/operations.md, \"Broker security\").\n"
		 "# Run: mosquitto -c %s/mosquitto.conf\n"
		 "per_listener_settings false\n"
		 "allow_anonymous false\n"
		 "listener %u %s\n"
		 "certfile %s/server.crt\n"
		 "keyfile %s/server.key\n"
		 "tls_version tlsv1.2\n"
		 "plugin %s\n"
		 "plugin_opt_config_file %s/dynamic-security.json\n"
		 "max_packet_size %u\n"
		 "persistence true\n"
		 "persistence_location %s/\n"
		 "max_queued_messages 1000000\n"
		 "max_queued_bytes 0\n"
		 "max_inflight_messages 1000\n"
		 "max_keepalive 600\n",
		 real_out, port, host, real_out, real_out, plugin, real_out, TC_BROKER_MAX_PACKET, real_out);
	bad = bad || conf_len >= (int)sizeof(conf) || (tree.county && bridge_section(conf, sizeof(conf), real_out, prefix, &tree));
	gnutls_memset(tree.password, 0, sizeof(tree.password));
	join(path, sizeof(path), real_out, "mosquitto.conf");
	bad = bad || write_mode(path, conf, strlen(conf), tree.county ? 0600 : 0644); /* a bridge password is in it */
	gnutls_memset(conf, 0, sizeof(conf));
	bad = bad || (tree.county ? county_files(real_out, &tree) : tocsind_files(real_out, dir, password));
	gnutls_memset(password, 0, sizeof(password));
	gnutls_global_deinit();
	if (bad)
		return TC_EXIT_USAGE;
	give_to_mosquitto(real_out);
	printf("broker files in %s: run mosquitto -c %s/mosquitto.conf\n", real_out, real_out);
	if (tree.county)
		printf("county %s's broker, bridged up to %s as bridge-%s\n", tree.county, tree.parent, tree.county);
	else
		printf("tocsind: --data-dir %s --broker mqtts://%s%s\n", dir, listen,
		       tree.n_counties ? " and broker_tree = counties" : "");
	printf("devices: %s/ca.crt and their own credentials (tocsin provision)\n", real_out);
	return TC_EXIT_OK;
}

int tc_cli_broker(int argc, char **argv)
{
	if (tc_cli_wants_help(argc, argv))
		return fputs(BROKER_USAGE, stdout), TC_EXIT_OK;
	if (argc < 2 || strcmp(argv[1], "setup") != 0) {
		fputs(BROKER_USAGE, stderr);
		return TC_EXIT_USAGE;
	}
	return setup(argc - 1, argv + 1);
}
