/* cli.h — the subcommands of the tocsin tool (one cli_<name>.c each). */
#ifndef TC_CLI_H
#define TC_CLI_H

#include <stddef.h>

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

/* Print diagnostics to stderr, one line each; returns the number of errors. */
int tc_cli_print_diags(const struct tc_diags *d);
/* The built-in lexicon plus an operator's file (may be NULL). */
enum tc_rc tc_cli_lexicon(const char *extra, struct tc_lexicon **out, struct tc_diags *d);
/* Write len bytes to path. */
enum tc_rc tc_cli_write_file(const char *path, const void *data, size_t len, struct tc_diags *d);

/*
 * Read a whole file ("-" is standard input) into a malloc'ed buffer, at most
 * max bytes plus one (so a caller can tell "too large"). Returns 0, or an
 * errno value with *buf NULL.
 */
int tc_cli_read_file(const char *path, size_t max, char **buf, size_t *len);

#endif
