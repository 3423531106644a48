/* cli.h — the subcommands of the tocsin tool (one cli_<name>.c each). */
#ifndef TC_CLI_H
#define TC_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Exit statuses every subcommand uses. */
#define TC_EXIT_OK 0
#define TC_EXIT_REFUSED 1
#define TC_EXIT_USAGE 2

#include "tc_diag.h"

struct tc_lexicon;

int tc_cli_validate(int argc, char **argv);
int tc_cli_speak(int argc, char **argv);
int tc_cli_render(int argc, char **argv);
int tc_cli_verify(int argc, char **argv);
int tc_cli_key(int argc, char **argv);
int tc_cli_submit(int argc, char **argv);
int tc_cli_import(int argc, char **argv);
int tc_cli_export(int argc, char **argv);
int tc_cli_status(int argc, char **argv);
int tc_cli_cancel(int argc, char **argv);
int tc_cli_broker(int argc, char **argv);
int tc_cli_provision(int argc, char **argv);
int tc_cli_remove(int argc, char **argv);
int tc_cli_audit(int argc, char **argv);
int tc_cli_approve(int argc, char **argv);
int tc_cli_reject(int argc, char **argv);
int tc_cli_approvals(int argc, char **argv);
int tc_cli_user(int argc, char **argv);
int tc_cli_shelters(int argc, char **argv);
int tc_cli_drills(int argc, char **argv);
int tc_cli_health(int argc, char **argv);

/*
 * Whether the command's arguments ask for help (--help or -h anywhere before "--"). A command
 * that prints only its usage line answers it on stdout with TC_EXIT_OK, as 'tocsin --help' says.
 */
static inline int tc_cli_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return 1;
	return 0;
}

#define TC_CLI_DEFAULT_SERVER "http://127.0.0.1:8080"

/* A response body gathered by tc_cli_http (s is malloc'ed, NUL-terminated; the caller frees it). */
struct tc_cli_body {
	char *s;
	size_t n;
	size_t cap; /* bytes allocated at s (tc_cli_http's own) */
};

/*
 * GET or POST (data, len, content type) to url: 0 with the status in *code, -1 when unreachable (said on stderr).
 * An https:// server's certificate is checked against the system's CAs, or the PEM file TOCSIN_CA_FILE names.
 */
int tc_cli_http(const char *method, const char *url, const char *data, size_t len, const char *type, long *code,
		struct tc_cli_body *answer);

/* Print diagnostics to stderr, one line each; returns the number of errors. */
int tc_cli_print_diags(const struct tc_diags *d);
/* The built-in lexicon plus an operator's file (may be NULL). */
enum tc_rc tc_cli_lexicon(const char *extra, struct tc_lexicon **out, struct tc_diags *d);
/* A base64 key of exactly n bytes from a file (keys and signatures as tocsin writes them). */
enum tc_rc tc_cli_read_key(const char *path, uint8_t *key, size_t n);
/* Write len bytes to path. */
enum tc_rc tc_cli_write_file(const char *path, const void *data, size_t len, struct tc_diags *d);


#endif
