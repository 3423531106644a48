/*
 * tocsin.c — the operator's command-line tool: one binary, subcommands.
 *
 * Each subcommand lives in its own cli_<name>.c and returns the process exit
 * status: 0 success, 1 the input was refused, 2 usage or I/O error.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "validate", tc_cli_validate, "check CAP alerts (XML safety, schema, rules, profiles)" },
	{ "render", tc_cli_render, "render an alert's channels: speech, audio, SMS, SAME, signed payload" },
	{ "speak", tc_cli_speak, "print the speech script of a text, or speak it to an audio file" },
	{ "verify", tc_cli_verify, "check a payload's signature as receivers do" },
	{ "submit", tc_cli_submit, "send an alert to tocsind; prints its id once it is durable" },
	{ "import", tc_cli_import, "load receivers, contacts or shelters (CSV or JSON) into tocsind" },
	{ "export", tc_cli_export, "print receivers, contacts or shelters as JSON or CSV" },
	{ "status", tc_cli_status, "an alert's progress: targets, deliveries per state, coverage" },
	{ "cancel", tc_cli_cancel, "end an alert; its open deliveries are cancelled" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: tocsin COMMAND [ARGS...]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'tocsin COMMAND --help' describes each command.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("tocsin %s\n", TOCSIN_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "tocsin: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
