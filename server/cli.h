/* cli.h — the subcommands of the tocsin tool (one cli_<name>.c each). */
#ifndef TC_CLI_H
#define TC_CLI_H

#include <stddef.h>

/* Exit statuses every subcommand uses. */
#define TC_EXIT_OK 0
#define TC_EXIT_REFUSED 1
#define TC_EXIT_USAGE 2

int tc_cli_validate(int argc, char **argv);

/*
 * Read a whole file ("-" is standard input) into a malloc'ed buffer, at most
 * max bytes plus one (so a caller can tell "too large"). Returns 0, or an
 * errno value with *buf NULL.
 */
int tc_cli_read_file(const char *path, size_t max, char **buf, size_t *len);

#endif
