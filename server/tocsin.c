/*
 * tocsin.c — the operator's command-line tool: one front, several programs.
 *
 * `tocsin COMMAND ARGS...` runs COMMAND in the program that holds it, so a
 * command loads only the libraries it needs: checking an alert never loads
 * the speech engine, the audio codecs or the HTTP client. This file is the
 * main of every one of those programs (tocsin-validate, tocsin-render,
 * tocsin-verify, tocsin-client, tocsin-broker, tocsin-admin) and of the
 * front `tocsin` itself; each links the cli_<name>.c files of its own
 * commands. A command whose code is linked here runs here; any other is
 * handed (execv, same arguments) to the program beside this one that holds
 * it: the folder this executable really is in (/proc/self/exe, links
 * resolved), never PATH or the working folder, so a program of the same name
 * planted there is not run (tests/integration/cli_programs.sh).
 *
 * Each command returns the process exit status: 0 success, 1 the input was
 * refused, 2 usage or I/O error.
 *
 * The front takes --token-file FILE (anywhere before "--") off the arguments
 * and hands it on as TOCSIN_TOKEN_FILE, so every command that talks to the
 * server sends that API token (or TOCSIN_TOKEN's) without parsing it itself.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* Linked into some programs only: a command not linked here is NULL. */
#pragma weak tc_cli_validate
#pragma weak tc_cli_render
#pragma weak tc_cli_speak
#pragma weak tc_cli_verify
#pragma weak tc_cli_key
#pragma weak tc_cli_submit
#pragma weak tc_cli_import
#pragma weak tc_cli_export
#pragma weak tc_cli_status
#pragma weak tc_cli_cancel
#pragma weak tc_cli_broker
#pragma weak tc_cli_provision
#pragma weak tc_cli_remove
#pragma weak tc_cli_audit
#pragma weak tc_cli_approve
#pragma weak tc_cli_reject
#pragma weak tc_cli_approvals
#pragma weak tc_cli_user
#pragma weak tc_cli_shelters
#pragma weak tc_cli_drills
#pragma weak tc_cli_health

static const struct {
	const char *name;
	const char *program; /* the program that holds it, beside the front */
	int (*run)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "validate", "tocsin-validate", tc_cli_validate, "check CAP alerts (XML safety, schema, rules, profiles)" },
	{ "render", "tocsin-render", tc_cli_render,
	  "render an alert's channels: speech, audio, SMS, SAME, signed payload" },
	{ "speak", "tocsin-render", tc_cli_speak, "print the speech script of a text, or speak it to an audio file" },
	{ "verify", "tocsin-verify", tc_cli_verify, "check a payload's signature as receivers do" },
	{ "key", "tocsin-verify", tc_cli_key, "the signing keys: new, rotate, retire, list, trusted" },
	{ "submit", "tocsin-client", tc_cli_submit, "send an alert to tocsind; prints its id once it is durable" },
	{ "import", "tocsin-client", tc_cli_import, "load receivers, contacts or shelters (CSV or JSON) into tocsind" },
	{ "export", "tocsin-client", tc_cli_export, "print receivers, contacts or shelters as JSON or CSV" },
	{ "status", "tocsin-client", tc_cli_status, "an alert's progress: targets, deliveries per state, coverage" },
	{ "drills", "tocsin-client", tc_cli_drills, "the drill schedules, their runs, and a run's report (JSON or CSV)" },
	{ "health", "tocsin-client", tc_cli_health, "the maintenance list of receivers and each town's health (JSON or CSV)" },
	{ "cancel", "tocsin-client", tc_cli_cancel, "end an alert; its open deliveries are cancelled" },
	{ "approve", "tocsin-client", tc_cli_approve, "release an alert another user submitted (two-person release)" },
	{ "reject", "tocsin-client", tc_cli_reject, "refuse an alert held for approval, with a reason" },
	{ "approvals", "tocsin-client", tc_cli_approvals, "the alerts waiting for approval" },
	{ "provision", "tocsin-client", tc_cli_provision, "a device's configuration (or every receiver's secret) for the secured broker" },
	{ "remove", "tocsin-client", tc_cli_remove, "remove receivers and their broker accounts" },
	{ "shelters", "tocsin-client", tc_cli_shelters,
	  "the way to shelter: the planning report, a village's guidance, a shelter's occupancy" },
	{ "broker", "tocsin-broker", tc_cli_broker, "set up the secured MQTT broker (TLS, accounts, rights)" },
	{ "audit", "tocsin-admin", tc_cli_audit, "verify the audit trail's hash chain, or export it as JSON lines" },
	{ "user", "tocsin-admin", tc_cli_user, "staff accounts on the data directory: add, token, revoke, disable, list" },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	fprintf(f, "usage: tocsin COMMAND [ARGS...]\n\ncommands:\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'tocsin COMMAND --help' describes each command. Commands that talk to tocsind send the API\n"
		   "token of --token-file FILE or of the environment variable TOCSIN_TOKEN ('tocsin user token').\n");
}

/* Take --token-file FILE / --token-file=FILE out of argv into TOCSIN_TOKEN_FILE; the new argc, or -1. */
static int take_token_file(int argc, char **argv)
{
	int w = 1;
	for (int r = 1; r < argc; r++) {
		if (!strcmp(argv[r], "--")) {
			while (r < argc)
				argv[w++] = argv[r++];
			break;
		}
		const char *file = NULL;
		if (!strcmp(argv[r], "--token-file")) {
			if (r + 1 >= argc) {
				fprintf(stderr, "tocsin: --token-file needs a file\n");
				return -1;
			}
			file = argv[++r];
		} else if (!strncmp(argv[r], "--token-file=", 13)) {
			file = argv[r] + 13;
		}
		if (file)
			setenv("TOCSIN_TOKEN_FILE", file, 1);
		else
			argv[w++] = argv[r];
	}
	argv[w] = NULL;
	return w;
}

/* Run program (the one beside this executable) with the same arguments; returns only on failure. */
static int hand_over(const char *program, char **argv)
{
	char self[PATH_MAX], path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0) {
		fprintf(stderr, "tocsin: cannot find where this program is installed: %s\n", strerror(errno));
		return TC_EXIT_USAGE;
	}
	self[n] = '\0';
	char *slash = strrchr(self, '/');
	if (!slash || strcmp(slash + 1, program) == 0) {
		fprintf(stderr, "tocsin: %s was built without the command '%s'\n", self, argv[1]);
		return TC_EXIT_USAGE;
	}
	*slash = '\0';
	if (snprintf(path, sizeof(path), "%s/%s", self, program) >= (int)sizeof(path)) {
		fprintf(stderr, "tocsin: the path of %s is too long\n", program);
		return TC_EXIT_USAGE;
	}
	execv(path, argv);
	fprintf(stderr, "tocsin: cannot run %s for '%s': %s (it is installed beside tocsin)\n", path, argv[1],
		strerror(errno));
	return TC_EXIT_USAGE;
}

int main(int argc, char **argv)
{
	argc = take_token_file(argc, argv);
	if (argc < 0)
		return TC_EXIT_USAGE;
	if (argc < 2) {
		usage(stderr);
		return TC_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return TC_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("tocsin %s\n", TOCSIN_VERSION);
		return TC_EXIT_OK;
	}
	for (size_t i = 0; i < N_COMMANDS; i++) {
		if (strcmp(argv[1], commands[i].name) != 0)
			continue;
		if (commands[i].run)
			return commands[i].run(argc - 1, argv + 1);
		return hand_over(commands[i].program, argv);
	}
	fprintf(stderr, "tocsin: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return TC_EXIT_USAGE;
}
