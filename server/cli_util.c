/*
 * cli_util.c — what several tocsin commands share: printing diagnostics,
 * writing a file, reading a key (cli.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "tc_file.h"
#include "tc_sign.h"

int tc_cli_print_diags(const struct tc_diags *d)
{
	for (size_t i = 0; i < tc_diags_count(d); i++) {
		const struct tc_diag *it = tc_diags_get(d, i);
		fprintf(stderr, "tocsin: %s: %s\n", tc_severity_name(it->sev), it->message);
	}
	return (int)tc_diags_errors(d);
}

enum tc_rc tc_cli_write_file(const char *path, const void *data, size_t len, struct tc_diags *d)
{
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		tc_err(d, "io.write", path, "cannot write %s", path);
		return TC_ERR_IO;
	}
	return TC_OK;
}

enum tc_rc tc_cli_read_key(const char *path, uint8_t *key, size_t n)
{
	char *text = NULL;
	size_t len = 0;
	if (tc_file_read(path, 4096, &text, &len))
		return TC_ERR_IO;
	enum tc_rc rc = tc_sign_key_from_text(text, key, n);
	free(text);
	return rc;
}
