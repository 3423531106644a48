/*
 * cli_provision.c — what a device needs, from tocsind (docs/operations.md, "Broker security"):
 *
 *   tocsin provision RECEIVER_ID --out FILE [--server URL] [--cafile PATH] [--state-dir DIR]
 *                    [--broker URL --cafile PATH]
 *   tocsin provision --all --csv --out FILE [--server URL]
 *   tocsin remove receivers ID... [--server URL]
 *
 * The first writes the device's configuration (INI, [receiver]) for
 * tocsin-receiver --config and tocsin-signage --config: its id, regions,
 * the broker's mqtts address, its username and password, the trusted
 * public keys inline, and cafile: the broker's CA, written beside FILE as
 * FILE.ca.crt unless --cafile names where the device already has it; in a
 * broker tree, --broker names the device's county broker instead of
 * tocsind's (docs/operations.md, "A broker tree"), with --cafile its CA. The
 * second writes every receiver's id and secret (CSV, header id,secret) for
 * tocsin-sim --credentials. Both files are created 0600: they hold secrets,
 * which are never printed. remove deletes receivers and their broker accounts.
 * Exit 0 done, 1 refused (unknown receiver), 2 usage, I/O or unreachable server.
 */
#define _GNU_SOURCE /* open_memstream */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "tc_id.h"

#define PROVISION_USAGE                                                                                    \
	"usage: tocsin provision RECEIVER_ID --out FILE [--server URL] [--cafile PATH] [--state-dir DIR]\n" \
	"                        [--broker mqtts://HOST:PORT --cafile PATH]  (its county's broker in a tree)\n" \
	"       tocsin provision --all --csv --out FILE [--server URL]\n"
#define REMOVE_USAGE "usage: tocsin remove receivers ID... [--server URL]\n"

/* Create path 0600 (replacing it) and write text; -1 with the reason said. */
static int write_secret_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	size_t len = strlen(text);
	if (fd < 0 || fchmod(fd, mode) != 0 || write(fd, text, len) != (ssize_t)len) {
		fprintf(stderr, "tocsin provision: cannot write %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (close(fd) != 0) {
		fprintf(stderr, "tocsin provision: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Write text (holding secrets) to path 0600, then wipe and free it. */
static int write_secrets_and_wipe(const char *path, char *text, size_t len)
{
	int bad = write_secret_file(path, text, 0600);
	memset(text, 0, len);
	free(text);
	return bad;
}

/* GET path from the server as JSON; NULL after saying why. */
static json_t *get_json(const char *server, const char *path, const char *what)
{
	char url[1024];
	struct tc_cli_body answer = { 0 };
	long code = 0;
	json_t *j = NULL;
	snprintf(url, sizeof(url), "%s%s", server, path);
	if (tc_cli_http("GET", url, NULL, 0, NULL, &code, &answer) == 0) {
		j = answer.s ? json_loads(answer.s, 0, NULL) : NULL;
		if (code != 200) {
			const char *m = json_string_value(json_object_get(j, "message"));
			fprintf(stderr, "tocsin provision: %s: %s (HTTP %ld)\n", what, m ? m : "refused", code);
			json_decref(j);
			j = NULL;
		}
	}
	if (answer.s)
		memset(answer.s, 0, answer.n);
	free(answer.s);
	return j;
}

static int provision_all(const char *server, const char *out)
{
	json_t *j = get_json(server, "/api/v1/provision", "the receivers' secrets");
	if (!j)
		return TC_EXIT_USAGE;
	char *text = NULL;
	size_t len = 0, i, n = 0;
	json_t *it;
	FILE *f = open_memstream(&text, &len);
	if (!f) {
		json_decref(j);
		return TC_EXIT_USAGE;
	}
	fputs("id,secret\n", f);
	json_array_foreach(json_object_get(j, "receivers"), i, it) {
		fprintf(f, "%s,%s\n", json_string_value(json_object_get(it, "id")),
			json_string_value(json_object_get(it, "secret")));
		n++;
	}
	fclose(f);
	json_decref(j);
	if (write_secrets_and_wipe(out, text, len))
		return TC_EXIT_USAGE;
	printf("%zu receivers' credentials in %s (0600)\n", n, out);
	return TC_EXIT_OK;
}

static int provision_one(const char *server, const char *id, const char *out, const char *cafile, const char *state_dir,
			 const char *broker)
{
	char path[1100], ca_path[4096];
	if (!tc_id_valid(id)) {
		fprintf(stderr, "tocsin provision: '%s' is not a receiver id: it %s\n", id, tc_id_problem(id));
		return TC_EXIT_USAGE;
	}
	snprintf(path, sizeof(path), "/api/v1/provision/%s", id);
	json_t *j = get_json(server, path, id);
	if (!j)
		return TC_EXIT_REFUSED;
	const char *ca = json_string_value(json_object_get(j, "ca_cert"));
	if (!cafile && ca) { /* the CA beside the configuration, by absolute path */
		char *real = realpath(".", NULL);
		snprintf(ca_path, sizeof(ca_path), "%s%s%s.ca.crt", out[0] == '/' || !real ? "" : real,
			 out[0] == '/' || !real ? "" : "/", out);
		free(real);
		if (write_secret_file(ca_path, ca, 0644)) {
			json_decref(j);
			return TC_EXIT_USAGE;
		}
		cafile = ca_path;
	}
	char *text = NULL;
	size_t len = 0, i;
	json_t *k;
	FILE *f = open_memstream(&text, &len);
	if (!f) {
		json_decref(j);
		return TC_EXIT_USAGE;
	}
	fprintf(f, "# tocsin device configuration of %s, from tocsin provision. It holds the device's\n"
		   "# password: keep it mode 0600, readable only by the receiver's own user.\n"
		   "[receiver]\nid = %s\nregion = %s\nbroker = %s\nusername = %s\npassword = %s\n", id, id,
		json_string_value(json_object_get(j, "regions")), broker ? broker : json_string_value(json_object_get(j, "broker")),
		json_string_value(json_object_get(j, "username")), json_string_value(json_object_get(j, "password")));
	if (cafile)
		fprintf(f, "cafile = %s\n", cafile);
	fputs("pubkeys =", f);
	json_array_foreach(json_object_get(j, "pubkeys"), i, k)
		fprintf(f, " %s", json_string_value(k));
	fputs("\n", f);
	if (state_dir)
		fprintf(f, "state_dir = %s\n", state_dir);
	fclose(f);
	json_decref(j);
	if (write_secrets_and_wipe(out, text, len))
		return TC_EXIT_USAGE;
	printf("the configuration of %s is in %s (0600)%s%s\n", id, out, cafile ? "; broker CA: " : "",
	       cafile ? cafile : "");
	return TC_EXIT_OK;
}

int tc_cli_provision(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "server", required_argument, NULL, 's' }, { "out", required_argument, NULL, 'o' },
		{ "all", no_argument, NULL, 'a' },          { "csv", no_argument, NULL, 'c' },
		{ "cafile", required_argument, NULL, 'C' }, { "state-dir", required_argument, NULL, 'S' },
		{ "broker", required_argument, NULL, 'b' }, { NULL, 0, NULL, 0 },
	};
	const char *server = TC_CLI_DEFAULT_SERVER, *out = NULL, *cafile = NULL, *state_dir = NULL, *broker = NULL;
	bool all = false, csv = false;
	int c;
	if (tc_cli_wants_help(argc, argv))
		return fputs(PROVISION_USAGE, stdout), TC_EXIT_OK;
	optind = 1;
	while ((c = getopt_long(argc, argv, "s:o:", longopts, NULL)) != -1) {
		switch (c) {
		case 's': server = optarg; break;
		case 'o': out = optarg; break;
		case 'a': all = true; break;
		case 'c': csv = true; break;
		case 'C': cafile = optarg; break;
		case 'S': state_dir = optarg; break;
		case 'b': broker = optarg; break;
		default: fputs(PROVISION_USAGE, stderr); return TC_EXIT_USAGE;
		}
	}
	if (!out || (all && (!csv || optind != argc)) || (!all && (csv || optind != argc - 1))) {
		fputs(PROVISION_USAGE, stderr);
		return TC_EXIT_USAGE;
	}
	if (broker && (all || !cafile)) {
		fprintf(stderr, "tocsin provision: --broker (the device's county broker) goes with one RECEIVER_ID and "
				"--cafile naming that broker's CA (its BROKER_DIR/ca.crt)\n");
		return TC_EXIT_USAGE;
	}
	if (broker && strncmp(broker, "mqtts://", 8) && strncmp(broker, "mqtt://", 7)) {
		fprintf(stderr, "tocsin provision: --broker '%s' is not mqtts://HOST:PORT\n", broker);
		return TC_EXIT_USAGE;
	}
	return all ? provision_all(server, out) : provision_one(server, argv[optind], out, cafile, state_dir, broker);
}

int tc_cli_remove(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "server", required_argument, NULL, 's' }, { NULL, 0, NULL, 0 },
	};
	const char *server = TC_CLI_DEFAULT_SERVER;
	int c, status = TC_EXIT_OK;
	if (tc_cli_wants_help(argc, argv))
		return fputs(REMOVE_USAGE, stdout), TC_EXIT_OK;
	optind = 1;
	while ((c = getopt_long(argc, argv, "s:", longopts, NULL)) != -1)
		if (c == 's')
			server = optarg;
		else
			return fputs(REMOVE_USAGE, stderr), TC_EXIT_USAGE;
	if (argc - optind < 2 || strcmp(argv[optind], "receivers") != 0)
		return fputs(REMOVE_USAGE, stderr), TC_EXIT_USAGE;
	for (int i = optind + 1; i < argc; i++) {
		char url[1024];
		struct tc_cli_body answer = { 0 };
		long code = 0;
		if (!tc_id_valid(argv[i])) {
			fprintf(stderr, "tocsin remove: '%s' is not a receiver id: it %s\n", argv[i], tc_id_problem(argv[i]));
			status = TC_EXIT_USAGE;
			continue;
		}
		snprintf(url, sizeof(url), "%s/api/v1/receivers/%s", server, argv[i]);
		if (tc_cli_http("DELETE", url, NULL, 0, NULL, &code, &answer) != 0) {
			free(answer.s);
			return TC_EXIT_USAGE;
		}
		if (code == 200) {
			printf("removed %s (and its broker account)\n", argv[i]);
		} else if (code == 404) {
			fprintf(stderr, "tocsin remove: no receiver %s\n", argv[i]);
			if (status == TC_EXIT_OK)
				status = TC_EXIT_REFUSED;
		} else {
			fprintf(stderr, "tocsin remove: %s could not be removed (HTTP %ld)\n", argv[i], code);
			status = TC_EXIT_USAGE;
		}
		free(answer.s);
	}
	return status;
}
