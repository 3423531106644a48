/*
 * rx_cli.h — the command line both receiver daemons share. Every setting
 * of rx_config.h is also a flag: --state-dir DIR sets state_dir (dashes
 * for underscores), --no-NAME sets a boolean false. The config file
 * (--config FILE) is read first, so flags win wherever they appear.
 * Program-specific switches (--play, --once, ...) are given by the caller.
 */
#ifndef RX_CLI_H
#define RX_CLI_H

#include <stdbool.h>

#include "rx_config.h"

struct rx_cli_switch {
	const char *flag;    /* "--play" */
	bool takes_value;
	const char **value;  /* set to the value, or to "" when it takes none */
};

/*
 * Parse argv into c (defaults first). Returns 0 to go on, 1 when the
 * program should exit 0 (--help, --print-config done), 2 on a usage error
 * (already printed to stderr with usage).
 */
int rx_cli_parse(int argc, char **argv, const char *usage, const struct rx_cli_switch *sw, size_t n_sw,
		 struct rx_config *c);

#endif
