/*
 * cli_key.c — `tocsin key new|rotate|retire|list|trusted --data-dir DIR`:
 * the bureau's signing keys and their rotation (server/keys/tc_keys.h,
 * docs/operations.md "Signing keys"). tocsind takes a rotated key on
 * SIGHUP (systemctl reload tocsind).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "tc_keys.h"

static const char usage_text[] =
	"usage: tocsin key new|rotate|retire|list|trusted --data-dir DIR\n"
	"  new      make signing-next.key/.pub (give receivers 'tocsin key trusted' before rotating)\n"
	"  rotate   the next key becomes the one tocsind seals with; the old public key stays trusted\n"
	"  retire   forget the previous public key (after every receiver has the new list)\n"
	"  list     each key: role, key id, file\n"
	"  trusted  the public keys receivers should trust, one a line\n";

int tc_cli_key(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "data-dir", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "d:h", longopts, NULL)) != -1) {
		if (c == 'd') {
			dir = optarg;
		} else if (c == 'h') {
			fputs(usage_text, stdout);
			return TC_EXIT_OK;
		} else {
			fputs(usage_text, stderr);
			return TC_EXIT_USAGE;
		}
	}
	if (!dir || optind != argc - 1) {
		fprintf(stderr, "tocsin key: %s\n%s", !dir ? "--data-dir DIR is required" : "name one action", usage_text);
		return TC_EXIT_USAGE;
	}
	const char *what = argv[optind];
	struct tc_diags *d = tc_diags_new();
	enum tc_rc rc;
	if (!d)
		return TC_EXIT_REFUSED;
	if (!strcmp(what, "new"))
		rc = tc_keys_new(dir, d);
	else if (!strcmp(what, "rotate"))
		rc = tc_keys_rotate(dir, d);
	else if (!strcmp(what, "retire"))
		rc = tc_keys_retire(dir, d);
	else if (!strcmp(what, "list"))
		rc = tc_keys_list(dir, stdout, d);
	else if (!strcmp(what, "trusted"))
		rc = tc_keys_trusted(dir, stdout, d);
	else {
		fprintf(stderr, "tocsin key: unknown action '%s'\n%s", what, usage_text);
		tc_diags_free(d);
		return TC_EXIT_USAGE;
	}
	tc_cli_print_diags(d);
	tc_diags_free(d);
	if (!rc && !strcmp(what, "new"))
		fprintf(stderr, "tocsin key: made %s/signing-next.key; give receivers 'tocsin key trusted --data-dir %s', "
				"then 'tocsin key rotate'\n", dir, dir);
	else if (!rc && !strcmp(what, "rotate"))
		fprintf(stderr, "tocsin key: rotated; reload tocsind (SIGHUP) so it seals with the new key\n");
	return rc ? TC_EXIT_REFUSED : TC_EXIT_OK;
}
