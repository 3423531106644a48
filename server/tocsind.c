/*
 * tocsind.c — the tocsin server.
 *
 *   tocsind --data-dir DIR [--http ADDR:PORT] [--profile cn|ipaws] [--lenient]
 *
 * DIR holds the database (tocsin.db) and the bureau's signing key pair
 * (signing.key, signing.pub: what receivers are given), created on first
 * start. The main loop owns the store and serves the HTTP API on the same
 * thread. SIGTERM or SIGINT stop it cleanly. Logs go to stderr. It writes
 * the address it listens on to DIR/http.addr (useful with port 0).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tc_api.h"
#include "tc_file.h"
#include "tc_plan.h"
#include "tc_sign.h"
#include "tc_store.h"

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static void log_line(const char *level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void log_line(const char *level, const char *fmt, ...)
{
	char when[32];
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "%s tocsind %s: ", when, level);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static void log_diags(const struct tc_diags *d)
{
	for (size_t i = 0; i < tc_diags_count(d); i++)
		log_line(tc_severity_name(tc_diags_get(d, i)->sev), "%s", tc_diags_get(d, i)->message);
}

static int write_text(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	int bad = fputs(text, f) < 0;
	bad |= fclose(f) != 0;
	return bad ? -1 : chmod(path, mode);
}

/* The key pair in dir, made on first start. */
static int ensure_keys(const char *dir)
{
	char sk_path[4096], pk_path[4096], text[128];
	uint8_t pk[TC_SIGN_PUBLIC_BYTES], sk[TC_SIGN_SECRET_BYTES];
	snprintf(sk_path, sizeof(sk_path), "%s/signing.key", dir);
	snprintf(pk_path, sizeof(pk_path), "%s/signing.pub", dir);
	if (access(sk_path, R_OK) == 0 && access(pk_path, R_OK) == 0)
		return 0;
	if (tc_sign_keypair(pk, sk))
		return -1;
	tc_sign_key_to_text(sk, sizeof(sk), text, sizeof(text));
	strcat(text, "\n");
	if (write_text(sk_path, text, 0600))
		return -1;
	tc_sign_key_to_text(pk, sizeof(pk), text, sizeof(text));
	strcat(text, "\n");
	if (write_text(pk_path, text, 0644))
		return -1;
	log_line("info", "made a new signing key pair; give %s to the receivers", pk_path);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: tocsind --data-dir DIR [--http ADDR:PORT] [--profile cn|ipaws] [--lenient]\n"
		   "  --data-dir DIR   database and signing keys (created on first start)\n"
		   "  --http ADDR:PORT where the HTTP API listens (default 127.0.0.1:8080; port 0 = any free)\n"
		   "  --profile P      the CAP profile every submitted alert must meet (default none)\n"
		   "  --lenient        accept alerts whose only fault is element order\n");
}

static int parse_http(const char *arg, char *addr, size_t len, unsigned *port)
{
	const char *colon = strrchr(arg, ':');
	char *end;
	if (!colon || (size_t)(colon - arg) >= len)
		return -1;
	snprintf(addr, len, "%.*s", (int)(colon - arg), arg);
	long p = strtol(colon + 1, &end, 10);
	if (*end || p < 0 || p > 65535)
		return -1;
	*port = (unsigned)p;
	return 0;
}

static void serve(struct tc_api *api)
{
	while (!stopping) {
		fd_set rs, ws, es;
		int max_fd = -1;
		long timeout_ms = 1000;
		FD_ZERO(&rs);
		FD_ZERO(&ws);
		FD_ZERO(&es);
		tc_api_fds(api, &rs, &ws, &es, &max_fd, &timeout_ms);
		struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
		if (select(max_fd + 1, &rs, &ws, &es, &tv) < 0 && errno != EINTR) {
			log_line("error", "select: %s", strerror(errno));
			break;
		}
		tc_api_run(api);
	}
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "data-dir", required_argument, NULL, 'd' }, { "http", required_argument, NULL, 'H' },
		{ "profile", required_argument, NULL, 'p' },  { "lenient", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },           { NULL, 0, NULL, 0 },
	};
	const char *dir = NULL;
	char addr[64] = "127.0.0.1", path[4096];
	unsigned port = 8080;
	struct tc_api_options ao = { .address = addr };
	int c;
	while ((c = getopt_long(argc, argv, "d:H:p:lh", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 'H':
			if (parse_http(optarg, addr, sizeof(addr), &port)) {
				fprintf(stderr, "tocsind: --http wants ADDR:PORT, e.g. 127.0.0.1:8080\n");
				return 2;
			}
			break;
		case 'p':
			if (tc_cap_profile_parse(optarg, &ao.profile)) {
				fprintf(stderr, "tocsind: unknown profile '%s' (cn or ipaws)\n", optarg);
				return 2;
			}
			break;
		case 'l': ao.lenient = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!dir || optind != argc) {
		usage(stderr);
		return 2;
	}
	ao.port = port;
	struct tc_diags *d = tc_diags_new();
	struct tc_store *store = NULL;
	struct tc_api *api = NULL;
	int status = 1;
	if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
		log_line("error", "cannot create %s: %s", dir, strerror(errno));
		goto out;
	}
	if (ensure_keys(dir)) {
		log_line("error", "cannot make the signing keys in %s", dir);
		goto out;
	}
	snprintf(path, sizeof(path), "%s/tocsin.db", dir);
	if (tc_store_open(path, &store, d) || tc_api_start(store, &ao, &api, d)) {
		log_diags(d);
		goto out;
	}
	char where[96];
	snprintf(where, sizeof(where), "%s:%u\n", addr, tc_api_port(api));
	snprintf(path, sizeof(path), "%s/http.addr", dir);
	write_text(path, where, 0644);
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	tc_store_audit(store, (int64_t)time(NULL), "system", "start", NULL, where);
	size_t resumed = tc_plan_resume(store, (int64_t)time(NULL), d);
	if (resumed)
		log_line("info", "planned %zu alert(s) accepted before the last stop", resumed);
	log_line("info", "listening on http://%s:%u (profile %s)", addr, tc_api_port(api), tc_cap_profile_name(ao.profile));
	serve(api);
	log_line("info", "stopping");
	tc_store_audit(store, (int64_t)time(NULL), "system", "stop", NULL, NULL);
	status = 0;
out:
	tc_api_stop(api);
	tc_store_close(store);
	tc_diags_free(d);
	return status;
}
