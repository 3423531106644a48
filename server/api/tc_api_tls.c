/*
 * tc_api_tls.c — the API's certificate and key (tc_api_tls.h).
 *
 * libmicrohttpd takes the PEM text and, when anything is wrong with it,
 * only fails to start. The files are read and checked here first with
 * GnuTLS, so that the operator is told which file is at fault and why.
 */
#include "tc_api_tls.h"
#include "tc_file.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#define PEM_MAX (1u << 20)
#define CHAIN_MAX 16

/* A PEM file of at most PEM_MAX bytes; a secret one open to other users is warned about. */
static enum tc_rc read_pem(const char *path, const char *what, bool secret, char **out, size_t *len,
			   struct tc_diags *d)
{
	struct stat st;
	int err = tc_file_read(path, PEM_MAX, out, len);
	if (err) {
		tc_err(d, "api.tls", "", "cannot read the TLS %s %s: %s", what, path, strerror(err));
		return TC_ERR_IO;
	}
	if (*len > PEM_MAX) {
		tc_err(d, "api.tls", "", "the TLS %s %s is larger than %u bytes; is it the right file?", what, path, PEM_MAX);
		return TC_ERR_INVALID;
	}
	if (secret && stat(path, &st) == 0 && (st.st_mode & 077))
		tc_warn(d, "api.tls", "", "the TLS key %s is mode %03o, open to other users; make it 0600", path,
			(unsigned)(st.st_mode & 0777));
	return TC_OK;
}

/* The certificate chain parses, and its first certificate is within its validity. */
static enum tc_rc check_cert(const char *path, const char *pem, size_t len, struct tc_diags *d)
{
	gnutls_x509_crt_t crts[CHAIN_MAX];
	unsigned n = CHAIN_MAX;
	gnutls_datum_t data = { (unsigned char *)pem, (unsigned)len };
	int r = gnutls_x509_crt_list_import(crts, &n, &data, GNUTLS_X509_FMT_PEM, 0);
	if (r < 0 || n == 0) {
		tc_err(d, "api.tls", "", "the TLS certificate %s is not a PEM certificate: %s", path,
		       r < 0 ? gnutls_strerror(r) : "no certificate in it");
		return TC_ERR_INVALID;
	}
	enum tc_rc rc = TC_OK;
	time_t now = time(NULL);
	if (gnutls_x509_crt_get_expiration_time(crts[0]) < now) {
		tc_err(d, "api.tls", "", "the TLS certificate %s has expired; make or obtain a new one", path);
		rc = TC_ERR_INVALID;
	}
	for (unsigned i = 0; i < n; i++)
		gnutls_x509_crt_deinit(crts[i]);
	return rc;
}

static enum tc_rc check_key(const char *path, const char *pem, size_t len, struct tc_diags *d)
{
	gnutls_x509_privkey_t key;
	gnutls_datum_t data = { (unsigned char *)pem, (unsigned)len };
	if (gnutls_x509_privkey_init(&key) < 0)
		return TC_ERR_NOMEM;
	int r = gnutls_x509_privkey_import2(key, &data, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN);
	gnutls_x509_privkey_deinit(key);
	if (r < 0) {
		tc_err(d, "api.tls", "", "the TLS key %s is not an unencrypted PEM private key: %s", path, gnutls_strerror(r));
		return TC_ERR_INVALID;
	}
	return TC_OK;
}

/* The key is the certificate's: GnuTLS refuses the pair otherwise. */
static enum tc_rc check_pair(const char *cert_path, const char *key_path, const char *cert, size_t cert_len,
			     const char *key, size_t key_len, struct tc_diags *d)
{
	gnutls_certificate_credentials_t cred;
	gnutls_datum_t c = { (unsigned char *)cert, (unsigned)cert_len }, k = { (unsigned char *)key, (unsigned)key_len };
	if (gnutls_certificate_allocate_credentials(&cred) < 0)
		return TC_ERR_NOMEM;
	int r = gnutls_certificate_set_x509_key_mem2(cred, &c, &k, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN);
	gnutls_certificate_free_credentials(cred);
	if (r < 0) {
		tc_err(d, "api.tls", "", "the TLS key %s does not go with the certificate %s: %s", key_path, cert_path,
		       gnutls_strerror(r));
		return TC_ERR_INVALID;
	}
	return TC_OK;
}

enum tc_rc tc_api_tls_load(const char *cert_path, const char *key_path, char **cert, char **key,
			   struct tc_diags *d)
{
	char *c = NULL, *k = NULL;
	size_t c_len = 0, k_len = 0;
	*cert = *key = NULL;
	enum tc_rc rc = read_pem(cert_path, "certificate", false, &c, &c_len, d);
	if (!rc)
		rc = read_pem(key_path, "key", true, &k, &k_len, d);
	if (!rc)
		rc = check_cert(cert_path, c, c_len, d);
	if (!rc)
		rc = check_key(key_path, k, k_len, d);
	if (!rc)
		rc = check_pair(cert_path, key_path, c, c_len, k, k_len, d);
	if (rc) {
		free(c);
		tc_api_tls_wipe(k);
		return rc;
	}
	*cert = c;
	*key = k;
	return TC_OK;
}

void tc_api_tls_wipe(char *key)
{
	if (!key)
		return;
	gnutls_memset(key, 0, strlen(key));
	free(key);
}
