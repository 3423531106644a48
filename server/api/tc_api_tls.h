/*
 * tc_api_tls.h — the API's certificate and key, read and checked once at
 * start (tc_api.c's own; nothing else calls it).
 */
#ifndef TC_API_TLS_H
#define TC_API_TLS_H

#include "tc_diag.h"

/*
 * Read the PEM certificate (chain) at cert_path and the PEM private key at
 * key_path, and check that each parses and that they belong together.
 * On TC_OK *cert and *key are malloc'ed, NUL-terminated, and the caller's
 * to free (the key wiped first, with tc_api_tls_wipe). On an error both are
 * NULL and the diagnostic names the file and what is wrong with it.
 */
enum tc_rc tc_api_tls_load(const char *cert_path, const char *key_path, char **cert, char **key,
			   struct tc_diags *d);

/* Wipe and free a key from tc_api_tls_load; NULL is a no-op. */
void tc_api_tls_wipe(char *key);

#endif
