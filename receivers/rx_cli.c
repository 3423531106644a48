/*
 * rx_cli.c — flags and config file of the receiver daemons (rx_cli.h).
 */
#include "rx_cli.h"

#include <stdio.h>
#include <string.h>

static void print_diags(struct tc_diags *d)
{
	for (size_t i = 0; i < tc_diags_count(d); i++)
		fprintf(stderr, "%s\n", tc_diags_get(d, i)->message);
}

static const struct rx_cli_switch *find_switch(const struct rx_cli_switch *sw, size_t n, const char *flag)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(sw[i].flag, flag))
			return &sw[i];
	return NULL;
}

/* --some-name → some_name */
static void setting_name(const char *flag, char *out, size_t len)
{
	snprintf(out, len, "%s", flag + 2);
	for (char *p = out; *p; p++)
		if (*p == '-')
			*p = '_';
}

static int usage_error(const char *usage, const char *what, const char *arg)
{
	fprintf(stderr, "%s %s\n%s", what, arg, usage);
	return 2;
}

int rx_cli_parse(int argc, char **argv, const char *usage, const struct rx_cli_switch *sw, size_t n_sw,
		 struct rx_config *c)
{
	char name[128];
	int rc = 0;
	struct tc_diags *d = tc_diags_new();
	rx_config_defaults(c);
	for (int i = 1; i < argc; i++) /* the file first: flags win */
		if (!strcmp(argv[i], "--config") && i + 1 < argc && rx_config_load(c, argv[i + 1], d)) {
			print_diags(d);
			tc_diags_free(d);
			return 2;
		}
	for (int i = 1; i < argc && !rc; i++) {
		const char *a = argv[i];
		const struct rx_cli_switch *s = find_switch(sw, n_sw, a);
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(usage, stdout);
			rc = 1;
		} else if (!strcmp(a, "--print-config")) {
			rx_config_print(stdout);
			rc = 1;
		} else if (!strcmp(a, "--config")) {
			i++;
		} else if (s) {
			if (s->takes_value && i + 1 >= argc)
				rc = usage_error(usage, "needs a value:", a);
			else
				*s->value = s->takes_value ? argv[++i] : "";
		} else if (!strncmp(a, "--no-", 5)) {
			char flag[128];
			snprintf(flag, sizeof(flag), "--%s", a + 5);
			setting_name(flag, name, sizeof(name));
			if (rx_config_set(c, name, "false", d))
				rc = usage_error(usage, "unknown flag", a);
		} else if (!strncmp(a, "--", 2) && i + 1 < argc) {
			setting_name(a, name, sizeof(name));
			if (rx_config_set(c, name, argv[++i], d)) {
				print_diags(d);
				rc = usage_error(usage, "bad flag", a);
			} else if (!strcmp(name, "password")) {
				/* Copied: the command line, which ps shows to every user, loses it. */
				memset(argv[i], 0, strlen(argv[i]));
				fputs("warning: --password was visible to other users (ps) until now; keep it in the "
				      "--config file (mode 0600)\n", stderr);
			}
		} else {
			rc = usage_error(usage, "unknown argument", a);
		}
	}
	tc_diags_free(d);
	return rc;
}
