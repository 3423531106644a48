/*
 * tocsin_sim.c — `tocsin-sim`: many virtual receivers in one process,
 * speaking the real receiver protocol (verify, acknowledge) to a real
 * broker, for integration tests, the demo and the benchmarks.
 *
 * This file reads the flags, makes the fleet (sim_fleet), and hands it to
 * the network loop (sim_net), which feeds the protocol logic (sim_proto, on
 * the receivers' own rules in rx_intake and rx_state).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <mosquitto.h>

#include "sim_fleet.h"
#include "sim_net.h"
#include "sim_proto.h"
#include "tc_file.h"
#include "tc_proto.h"
#include "tc_sign.h"

#ifndef TOCSIN_VERSION
#define TOCSIN_VERSION "0"
#endif

#define EXIT_USAGE 2

/*
 * libmosquitto opens a socket pair per client only to wake the network
 * thread of mosquitto_loop_start(). The simulator drives every client from
 * its own epoll loop and never starts that thread, so the pair would only
 * cost two file descriptors per receiver (20,000 for 10,000 receivers, the
 * whole hard limit on a common machine). This definition is the one
 * libmosquitto binds to; it refuses, and the library carries on without the
 * pair. Nothing else in this program opens socket pairs.
 */
int socketpair(int domain, int type, int protocol, int sv[2])
{
	(void)domain, (void)type, (void)protocol, (void)sv;
	errno = EMFILE;
	return -1;
}

/*
 * With --source-addresses libmosquitto binds each client's socket to its source address, port 0,
 * before connecting. The kernel then picks the port at bind(), searching the whole range for
 * one no socket on that address holds, whatever it will connect to; as an address fills up
 * each search takes longer, under a lock (100,000 receivers over 5 addresses: the last tens of
 * thousands took minutes of system time, bench/README.md). IP_BIND_ADDRESS_NO_PORT leaves the
 * port to connect(), which needs it unique only for that destination, found by a hash. This
 * definition is the one libmosquitto binds with; nothing else in this program binds.
 */
int bind(int fd, const struct sockaddr *addr, socklen_t len)
{
	int one = 1;
	if (addr && addr->sa_family == AF_INET && !((const struct sockaddr_in *)(const void *)addr)->sin_port)
		(void)setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
	return (int)syscall(SYS_bind, fd, addr, len);
}

static volatile sig_atomic_t stop_flag, report_flag;

static void on_stop(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void on_usr1(int sig)
{
	(void)sig;
	report_flag = 1;
}

struct args {
	struct sim_fleet_options fleet;
	struct sim_net_options net;
	struct sim_proto_options proto;
	const char *broker, *pubkey, *registry, *emit, *regions, *credentials, *source_addresses;
	struct sim_sources sources;          /* --source-addresses */
	const char *pubkeys[TC_KEYRING_MAX]; /* every --pubkey FILE given */
	size_t n_pubkeys;
	double fail_rate;
	bool have_count;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: tocsin-sim --broker HOST:PORT --pubkey FILE --count N --region CODE[,CODE...]\n"
		"                  [--id-prefix P] [--kind loudspeaker|signage|mixed] [--center LAT,LON]\n"
		"                  [--radius-km R] [--clock-offset-s N] [--fail-rate F] [--delay-ms D] [--offline K] [--offline-ms MS]\n"
		"                  [--duration-s S] [--report FILE] [--lang L] [--prefix TOPIC_PREFIX]\n"
		"                  [--connect-batch B] [--audio-timeout-ms MS] [--verify-each] [--echo TOPIC]\n"
		"                  [--source-addresses 127.0.0.1-127.0.0.4] [-v]\n"
		"       tocsin-sim --registry FILE --broker HOST:PORT --pubkey FILE [...]\n"
		"       tocsin-sim --count N --region CODE[,...] [...] --emit-registry FILE\n"
		"\n"
		"N virtual receivers in one process, each its own MQTT 5 client speaking the receiver\n"
		"protocol v1: they verify every sealed message with the public key, play or display\n"
		"alerts (simulated) and acknowledge received, playing, played|displayed, cleared,\n"
		"rejected (with a reason) and failed on tocsin/v1/rx/<id>/ack.\n"
		"\n"
		"  --broker HOST:PORT     the MQTT broker (127.0.0.1:1883); unreachable: retried with backoff;\n"
		"                         mqtts://HOST:PORT: TLS, the broker's certificate checked with --cafile\n"
		"  --cafile FILE          the broker's CA certificate (BROKER_DIR/ca.crt of 'tocsin broker setup')\n"
		"  --credentials CSV      each receiver's secret (header id,secret: 'tocsin provision --all --csv');\n"
		"                         it logs in with its id as username and client id\n"
		"  --pubkey FILE          the server's public keys, one a line (tocsin key trusted); may be given\n"
		"                         again for more files (at most 8 keys in all)\n"
		"  --count N              how many receivers: ids <prefix>00000, <prefix>00001, ...\n"
		"  --region CODE[,...]    GB/T 2260 codes (2-12 digits), given to the receivers round robin\n"
		"  --id-prefix P          receiver id prefix (sim-)\n"
		"  --kind K               loudspeaker (default), signage, or mixed (every 5th is signage)\n"
		"  --center LAT,LON       centre of the scatter (39.03,117.70, Binhai, Tianjin)\n"
		"  --radius-km R          receivers are spread within R km of the centre (5)\n"
		"  --registry FILE        simulate exactly the receivers of this CSV (id,kind,name,lat,lon,region)\n"
		"  --emit-registry FILE   write the generated receivers as that CSV (- for stdout) and exit\n"
		"  --fail-check C:S       answer Test alerts with check C (audio or storage) failed on a share S\n"
		"                         (0..1) of the receivers, counted from the end of the list; the others pass\n"
		"  --clock-offset-s N     every receiver's clock is N seconds off (-86400..86400): the `at` of its\n"
		"                         statuses and its self-check's clock offset say so (alerts are still\n"
		"                         judged with the true clock)\n"
		"  --fail-rate F          share 0..1 of silent receivers: they receive but never acknowledge;\n"
		"                         receiver i is silent when floor((i+1)F) > floor(iF)\n"
		"  --delay-ms D           simulated playing time between playing and played (200)\n"
		"  --offline K            the last K receivers do not connect at start...\n"
		"  --offline-ms MS        ...and connect after MS (0: not during this run)\n"
		"  --duration-s S         stop by itself after S seconds (0: on SIGTERM/SIGINT only)\n"
		"  --report FILE          write a JSON report on exit and on SIGUSR1\n"
		"  --lang L               the info language played (zh-CN)\n"
		"  --prefix P             topic prefix (tocsin/v1)\n"
		"  --source-addresses A   the loopback addresses the receivers connect from, round robin: a range\n"
		"                         127.0.0.1-127.0.0.4 or a list 127.0.0.2,127.0.0.3 (127.x.x.x only); one\n"
		"                         address has about 28,000 ephemeral ports, so 100,000 receivers need 4\n"
		"  --connect-batch B      connections waiting for the broker's answer at once (50)\n"
		"  --audio-timeout-ms MS  one attempt to fetch an audio message (15000; 3 attempts)\n"
		"  --verify-each          every receiver verifies and parses its own copy of a message (by\n"
		"                         default identical sealed bytes are verified and parsed once per\n"
		"                         process; each receiver still applies its own rules)\n"
		"  --echo TOPIC           for benchmarks: every receiver also subscribes to TOPIC and answers\n"
		"                         each message there on TOPIC/back/<id> with its first 64 bytes, at\n"
		"                         QoS 1 (the broker's round trip through these same connections)\n"
		"  -v                     more lines on stderr (-vv: every acknowledgment)\n"
		"\n"
		"Each receiver applies tocsin-receiver's own rules with its default settings: drills are\n"
		"accepted, a command issued more than 600 s before or after now is refused (command-too-old).\n"
		"Loudspeakers fetch the audio of the info in --lang once per process (shared by all) and\n"
		"check its SHA-256 and length (failed digest-mismatch); signage shows text only.\n"
		"The seen-list is kept in memory only, so the simulator is not restart-safe: once restarted\n"
		"it has forgotten what it played (a real receiver keeps it on disk).\n");
}

static int parse_double(const char *s, double lo, double hi, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* --fail-check audio:0.1 (or storage:S) into o; -1 when it is not that. */
static int parse_fail_check(const char *v, struct sim_proto_options *o)
{
	const char *colon = strchr(v, ':');
	if (!colon)
		return -1;
	size_t n = (size_t)(colon - v);
	if (n == 5 && !strncmp(v, "audio", 5))
		o->fail_check = "audio";
	else if (n == 7 && !strncmp(v, "storage", 7))
		o->fail_check = "storage";
	else
		return -1;
	return parse_double(colon + 1, 0, 1, &o->fail_check_share);
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v > max)
		return -1;
	*out = v;
	return 0;
}

static int parse_center(const char *s, struct sim_fleet_options *f)
{
	char lat[64];
	const char *comma = strchr(s, ',');
	if (!comma || (size_t)(comma - s) >= sizeof(lat))
		return -1;
	memcpy(lat, s, (size_t)(comma - s));
	lat[comma - s] = '\0';
	return parse_double(lat, -90, 90, &f->lat) || parse_double(comma + 1, -180, 180, &f->lon) ? -1 : 0;
}

static int parse_broker(const char *s, struct sim_net_options *n)
{
	static char host[256];
	unsigned long port = 1883;
	n->tls = !strncmp(s, "mqtts://", 8);
	if (n->tls)
		s += 8, port = 8883;
	else if (!strncmp(s, "mqtt://", 7))
		s += 7;
	const char *colon = strrchr(s, ':');
	size_t len = colon ? (size_t)(colon - s) : strlen(s);
	if (!len || len >= sizeof(host) || (colon && (parse_uint(colon + 1, 65535, &port) || !port)))
		return -1;
	memcpy(host, s, len);
	host[len] = '\0';
	n->host = host;
	n->port = (int)port;
	return 0;
}

static void defaults(struct args *a)
{
	memset(a, 0, sizeof(*a));
	a->fleet = (struct sim_fleet_options){ .id_prefix = "sim-", .mix = SIM_MIX_LOUDSPEAKER, .lat = 39.03,
					       .lon = 117.70, .radius_km = 5 };
	a->net = (struct sim_net_options){ .host = "127.0.0.1", .port = 1883, .prefix = TC_PROTO_DEFAULT_PREFIX,
					   .version = "tocsin-sim " TOCSIN_VERSION, .keepalive_s = 30,
					   .session_expiry_s = 86400, .connect_inflight = 50 };
	a->proto = (struct sim_proto_options){ .prefix = TC_PROTO_DEFAULT_PREFIX, .lang = "zh-CN", .delay_ms = 200,
					       .audio_timeout_ms = 15000 };
}

/* One option into a; the name of the flag when its value is bad, NULL when fine. */
static const char *take_option(struct args *a, int c, const char *v)
{
	unsigned long u;
	double x;
	switch (c) {
	case 'b': a->broker = v; return parse_broker(v, &a->net) ? "--broker" : NULL;
	case 'k':
		a->pubkey = v;
		if (a->n_pubkeys == TC_KEYRING_MAX)
			return "--pubkey";
		a->pubkeys[a->n_pubkeys++] = v;
		return NULL;
	case 'C': a->credentials = v; return NULL;
	case 'S': a->source_addresses = v; return NULL;
	case 'T': a->net.cafile = v; return NULL;
	case 'n': a->have_count = true; a->fleet.count = strtoul(v, NULL, 10);
		return parse_uint(v, 1000000, &u) || !u ? "--count" : NULL;
	case 'r': a->regions = v; return NULL;
	case 'i': a->fleet.id_prefix = v; return NULL;
	case 'K': return sim_kind_mix_parse(v, &a->fleet.mix) ? "--kind" : NULL;
	case 'c': return parse_center(v, &a->fleet) ? "--center" : NULL;
	case 'R': return parse_double(v, 0, 20000, &a->fleet.radius_km) ? "--radius-km" : NULL;
	case 'g': a->registry = v; return NULL;
	case 'e': a->emit = v; return NULL;
	case 'f': return parse_double(v, 0, 1, &a->fail_rate) ? "--fail-rate" : NULL;
	case 'd': if (parse_uint(v, 3600000, &u)) return "--delay-ms";
		a->proto.delay_ms = (unsigned)u; return NULL;
	case 'o': if (parse_uint(v, 1000000, &u)) return "--offline";
		a->net.offline = u; return NULL;
	case 'O': if (parse_uint(v, 86400000, &u)) return "--offline-ms";
		a->net.offline_ms = (unsigned)u; return NULL;
	case 's': return parse_double(v, 0, 1e7, &a->net.duration_s) ? "--duration-s" : NULL;
	case 'p': a->net.report = v; return NULL;
	case 'l': a->proto.lang = v; return NULL;
	case 'P': a->net.prefix = a->proto.prefix = v; return *v ? NULL : "--prefix";
	case 'B': if (parse_uint(v, 10000, &u) || !u) return "--connect-batch";
		a->net.connect_inflight = (unsigned)u; return NULL;
	case 'A': if (parse_uint(v, 3600000, &u) || !u) return "--audio-timeout-ms";
		a->proto.audio_timeout_ms = (unsigned)u; return NULL;
	case 'F': return parse_fail_check(v, &a->proto) ? "--fail-check" : NULL;
	case 'Z': if (parse_double(v, -86400, 86400, &x) || x != (double)(long)x) return "--clock-offset-s";
		a->net.clock_offset_s = a->proto.clock_offset_s = (long)x; return NULL;
	case 'X': if (!*v || strchr(v, '+') || strchr(v, '#') || strlen(v) > 64) return "--echo";
		a->net.echo_topic = v; return NULL;
	}
	return "?";
}

/* 0 when fine, -1 after --help, EXIT_USAGE when the flags make no sense (usage printed). */
static int parse_args(int argc, char **argv, struct args *a, struct tc_diags *d)
{
	static const struct option longopts[] = {
		{ "broker", required_argument, NULL, 'b' },    { "pubkey", required_argument, NULL, 'k' },
		{ "count", required_argument, NULL, 'n' },     { "region", required_argument, NULL, 'r' },
		{ "id-prefix", required_argument, NULL, 'i' }, { "kind", required_argument, NULL, 'K' },
		{ "center", required_argument, NULL, 'c' },    { "radius-km", required_argument, NULL, 'R' },
		{ "registry", required_argument, NULL, 'g' },  { "emit-registry", required_argument, NULL, 'e' },
		{ "fail-rate", required_argument, NULL, 'f' }, { "delay-ms", required_argument, NULL, 'd' },
		{ "offline", required_argument, NULL, 'o' },   { "offline-ms", required_argument, NULL, 'O' },
		{ "duration-s", required_argument, NULL, 's' }, { "report", required_argument, NULL, 'p' },
		{ "lang", required_argument, NULL, 'l' },      { "prefix", required_argument, NULL, 'P' },
		{ "connect-batch", required_argument, NULL, 'B' },
		{ "audio-timeout-ms", required_argument, NULL, 'A' },
		{ "verify-each", no_argument, NULL, 'E' },     { "echo", required_argument, NULL, 'X' },
		{ "verbose", no_argument, NULL, 'v' },         { "help", no_argument, NULL, 'h' },
		{ "credentials", required_argument, NULL, 'C' }, { "cafile", required_argument, NULL, 'T' },
		{ "fail-check", required_argument, NULL, 'F' },
		{ "clock-offset-s", required_argument, NULL, 'Z' },
		{ "source-addresses", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	const char *bad = NULL;
	defaults(a);
	while (!bad && (c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return -1;
		}
		if (c == 'v')
			a->net.verbose = ++a->proto.verbose;
		else if (c == 'E')
			a->proto.verify_each = true;
		else if (c == '?')
			bad = "";
		else
			bad = take_option(a, c, optarg);
	}
	if (!bad && optind < argc)
		fprintf(stderr, "tocsin-sim: unexpected argument '%s'\n", argv[optind]), bad = "";
	if (!bad && a->registry && (a->have_count || a->regions))
		fprintf(stderr, "tocsin-sim: --registry names the receivers; leave out --count and --region\n"), bad = "";
	if (!bad && !a->registry && (!a->have_count || !a->regions))
		fprintf(stderr, "tocsin-sim: give --count and --region, or --registry\n"), bad = "";
	if (!bad && !a->emit && !a->pubkey)
		fprintf(stderr, "tocsin-sim: --pubkey is required (the server's signing.pub)\n"), bad = "";
	if (!bad && a->source_addresses && sim_source_parse(&a->sources, a->source_addresses, d)) {
		fprintf(stderr, "tocsin-sim: %s\n", tc_diags_get(d, 0)->message);
		bad = "";
	}
	if (!bad && a->sources.n)
		a->net.sources = &a->sources;
	if (!bad && a->regions && sim_fleet_parse_regions(&a->fleet, a->regions, d)) {
		fprintf(stderr, "tocsin-sim: %s\n", tc_diags_get(d, 0)->message);
		bad = "";
	}
	if (bad) {
		if (*bad)
			fprintf(stderr, "tocsin-sim: bad value for %s\n", bad);
		usage(stderr);
		return EXIT_USAGE;
	}
	return 0;
}

static void print_diags(const struct tc_diags *d)
{
	for (size_t i = 0; i < tc_diags_count(d); i++)
		fprintf(stderr, "tocsin-sim: %s\n", tc_diags_get(d, i)->message);
}

/* The keys of path (one or more, one a line) added to ring. */
static enum tc_rc read_pubkey(const char *path, struct tc_keyring *ring, struct tc_diags *d)
{
	size_t len = 0, bad = 0;
	char *text = tc_file_slurp(path, &len);
	enum tc_rc rc = text ? tc_keyring_add_text(ring, text, &bad) : TC_ERR_IO;
	if (rc == TC_ERR_IO)
		tc_err(d, "sim.pubkey", path, "%s is not readable: %s", path, strerror(errno));
	else if (rc)
		tc_err(d, "sim.pubkey", path, "%s: key %zu is %s", path, bad,
		       rc == TC_ERR_LIMIT ? "one too many (at most 8 keys)" : "not a public key (base64 of 32 bytes)");
	else if (!ring->n)
		tc_err(d, "sim.pubkey", path, "%s holds no public key", path), rc = TC_ERR_INVALID;
	free(text);
	return rc;
}

/*
 * Each receiver's secret from a CSV with a header naming id and secret (any order, other columns
 * ignored), in the order of ids; every receiver must have one. The caller frees the array and texts.
 */
static enum tc_rc read_credentials(const char *path, const struct sim_identity *ids, size_t n, char ***out,
				   struct tc_diags *d)
{
	size_t len = 0;
	char *text = tc_file_slurp(path, &len), *save = NULL;
	int id_col = -1, secret_col = -1;
	char **secrets = calloc(n ? n : 1, sizeof(*secrets));
	enum tc_rc rc = TC_OK;
	*out = NULL;
	if (!text || !secrets) {
		tc_err(d, "sim.credentials", path, "cannot read %s: %s", path, text ? "out of memory" : strerror(errno));
		free(text);
		free(secrets);
		return TC_ERR_IO;
	}
	size_t line_no = 0;
	for (char *line = strtok_r(text, "\n", &save); line && !rc; line = strtok_r(NULL, "\n", &save)) {
		char *fields[16], *fs = NULL;
		int nf = 0;
		line_no++;
		line[strcspn(line, "\r")] = '\0';
		for (char *f = strtok_r(line, ",", &fs); f && nf < 16; f = strtok_r(NULL, ",", &fs))
			fields[nf++] = f;
		if (id_col < 0) {
			for (int i = 0; i < nf; i++) {
				if (!strcmp(fields[i], "id"))
					id_col = i;
				else if (!strcmp(fields[i], "secret"))
					secret_col = i;
			}
			if (id_col < 0 || secret_col < 0) {
				tc_err(d, "sim.credentials", path, "%s line 1: the header must name the columns id and secret",
				       path);
				rc = TC_ERR_INVALID;
			}
			continue;
		}
		if (nf <= id_col || nf <= secret_col) {
			tc_err(d, "sim.credentials", path, "%s line %zu: no id or secret", path, line_no);
			rc = TC_ERR_INVALID;
			break;
		}
		for (size_t i = 0; i < n; i++)
			if (!secrets[i] && !strcmp(ids[i].id, fields[id_col]))
				secrets[i] = strdup(fields[secret_col]);
	}
	for (size_t i = 0; !rc && i < n; i++)
		if (!secrets[i]) {
			tc_err(d, "sim.credentials", path, "%s has no secret for the receiver %s", path, ids[i].id);
			rc = TC_ERR_INVALID;
		}
	memset(text, 0, len);
	free(text);
	if (rc) {
		for (size_t i = 0; i < n; i++)
			free(secrets[i]);
		free(secrets);
		return rc;
	}
	*out = secrets;
	return TC_OK;
}

static void signals(void)
{
	struct sigaction sa = { .sa_handler = on_stop };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

static int64_t monotonic_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The fleet, and which of it is silent. */
static enum tc_rc make_fleet(const struct args *a, struct sim_identity **ids, size_t *n, bool **silent,
			     struct tc_diags *d)
{
	enum tc_rc rc = a->registry ? sim_fleet_read_csv(a->registry, ids, n, d) : sim_fleet_generate(&a->fleet, ids, n, d);
	if (rc)
		return rc;
	*silent = calloc(*n, sizeof(**silent));
	if (!*silent)
		return TC_ERR_NOMEM;
	for (size_t i = 0; i < *n; i++)
		(*silent)[i] = sim_fleet_silent(i, a->fail_rate);
	return TC_OK;
}

static int run(struct args *a, struct tc_diags *d)
{
	struct sim_identity *ids = NULL;
	bool *silent = NULL;
	char **secrets = NULL;
	size_t n = 0;
	int status = 1;
	enum tc_rc rc = make_fleet(a, &ids, &n, &silent, d);
	if (!rc && a->emit) {
		rc = sim_fleet_write_csv(a->emit, ids, n, d);
		status = rc ? 1 : 0;
		goto out;
	}
	if (!rc && a->net.offline > n) {
		fprintf(stderr, "tocsin-sim: --offline %zu is more than the %zu receivers\n", a->net.offline, n);
		usage(stderr);
		status = EXIT_USAGE;
		goto out;
	}
	if (!rc)
		rc = tc_sign_init();
	if (!rc)
		for (size_t i = 0; !rc && i < a->n_pubkeys; i++)
			rc = read_pubkey(a->pubkeys[i], &a->proto.keys, d);
	if (!rc && a->credentials && !(rc = read_credentials(a->credentials, ids, n, &secrets, d)))
		a->net.secrets = (const char *const *)secrets;
	if (rc)
		goto out;
	signals();
	a->net.stop = &stop_flag;
	a->net.report_now = &report_flag;
	a->proto.start_ms = monotonic_ms();
	fprintf(stderr, "tocsin-sim: %zu receivers for broker %s:%d, topics under %s\n", n, a->net.host, a->net.port,
		a->net.prefix);
	mosquitto_lib_init();
	rc = sim_net_run(&a->net, ids, silent, n, &a->proto, d);
	mosquitto_lib_cleanup();
	status = rc ? 1 : 0;
out:
	print_diags(d);
	for (size_t i = 0; secrets && i < n; i++)
		free(secrets[i]);
	free(secrets);
	free(ids);
	free(silent);
	return status;
}

int main(int argc, char **argv)
{
	struct args a;
	struct tc_diags *d = tc_diags_new();
	if (!d)
		return 1;
	int status = parse_args(argc, argv, &a, d);
	if (status == 0)
		status = run(&a, d);
	else if (status < 0)
		status = 0;
	tc_diags_free(d);
	return status;
}
