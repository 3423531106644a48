/*
 * tc_api.h — tocsind's HTTP API (libmicrohttpd, JSON via jansson).
 *
 * The server runs without threads of its own: tocsind's main loop, which
 * owns the store, waits on the one descriptor tc_api_fd() gives (an epoll
 * set holding every connection, so thousands of them are no trouble) and
 * calls tc_api_run() when it is ready, so every handler runs on the owner
 * thread.
 *
 * Limits (tc_api_options): connections in all and per client address, an
 * idle timeout, the largest body, and the memory all unfinished request
 * bodies may hold at once. A body declared larger than the largest is
 * answered 413 before it is read; one that would take the bodies past their
 * budget is answered 503 ("send again later") and its bytes are not kept.
 * Plain HTTP listens on loopback (127.0.0.0/8) only, unless plain_allowed;
 * elsewhere the API needs a certificate and key (HTTPS).
 *
 *   POST /api/v1/alerts            CAP XML body → 201 {"id","targets","channels","warnings"}
 *                                  once the alert is durable; 200 with "duplicate":true
 *                                  for the same sender, identifier and sent; 400 for XML
 *                                  that is unreadable or unsafe, 422 for an invalid or
 *                                  expired alert, 413 for a body over the size limit,
 *                                  503 while too many unfinished uploads are held
 *   POST /api/v1/alerts/check      the same CAP body checked and planned, nothing kept →
 *                                  200 {"valid":true,"held","targets","regions"} or 422
 *   POST /api/v1/alerts/preview    the same checks, then what the public would hear and read:
 *                                  200 {"preview","expires_in","languages","display"}
 *                                  (tc_api_preview.c; made by the render worker, o.preview)
 *   GET  /api/v1/previews/{id}/{lang}.ogg  a preview's audio, to the user who made it only
 *   GET  /api/v1/alerts            the latest alerts
 *   GET  /api/v1/alerts/{id}       one alert's record
 *   GET  /api/v1/alerts/{id}/cap   the alert exactly as received
 *   GET  /api/v1/alerts/{id}/sms[?format=csv][&batch=N]  its SMS recipients (CSV: number,text,segments)
 *   GET  /api/v1/alerts/{id}/events  its report, deliveries and state as Server-Sent Events
 *                                  (tc_api_events.c)
 *   GET  /api/v1/fleet[?silent=S]  receivers with liveness, shelters (tc_api_fleet.c)
 *   POST /api/v1/{receivers,contacts,shelters}  CSV or JSON → 200 {"imported"} or
 *                                  422 with each bad row by line; all rows or none
 *   GET  /api/v1/{receivers,contacts,shelters}[?format=csv]  the registry
 *   DELETE /api/v1/receivers/{id}  remove a receiver (and, through receivers_changed, its
 *                                  broker account) → 200, 404 when unknown
 *   GET  /api/v1/shelters/guidance?receiver=ID  what the receiver's village is told: its
 *                                  shelter, distance, direction, sentences (tc_api_shelters.c)
 *   POST /api/v1/shelters/{id}/occupancy  {"occupancy":N} | {"full":true} | {"state":S}
 *   GET  /api/v1/shelters/report[?format=csv]  villages without a shelter, shelters short of room
 *   GET, POST /api/v1/drills, DELETE /api/v1/drills/{id}  drill schedules (tc_api_drills.c)
 *   GET  /api/v1/provision/{id}    one device's configuration, with its secret
 *   GET  /api/v1/provision         every receiver's id and secret
 *   POST /api/v1/alerts/{id}/approve, /reject, GET /api/v1/approvals   two-person release
 *                                  (tc_api_approve.c)
 *   POST /api/v1/login, /logout, GET /api/v1/whoami   browser sessions (tc_api_gate.c)
 *   GET  /api/v1/audit             the audit trail (admins)
 *   GET  /api/v1/users             the users (admins)
 *   GET  /healthz                  {"status":"ok"}, needing no credentials
 *   GET  /, /console/...           the web console's files (tc_api_console.c), needing none either
 *
 * Every other request is authenticated and authorised before its body is
 * read (tc_api_gate.c): 401 without credentials, 403 outside the user's
 * role, departments or regions, 405 for a method the path does not take,
 * 415 for a body of the wrong type.
 */
#ifndef TC_API_H
#define TC_API_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "tc_cap_check.h"
#include "tc_health.h"
#include "tc_registry_index.h"
#include "tc_store.h"

struct tc_api;

struct tc_drill;

struct tc_api_options {
	const char *address;          /* IPv4 address to listen on, e.g. 127.0.0.1 */
	unsigned port;                /* 0: any free port (see tc_api_port) */
	enum tc_cap_profile profile;  /* profile every submitted alert must meet */
	bool lenient;
	const char *cross_sender;     /* cap_cross_sender_allowed (tc_ingest.h); NULL: none */
	size_t max_bytes;             /* largest request body; 0: 16 MiB */
	int64_t (*clock)(void);       /* seconds since 1970; NULL: time() */
	/* More lines for GET /metrics (called on the owner thread); NULL: none. */
	void (*metrics)(FILE *f, void *user);
	void *metrics_user;
	/*
	 * GET /api/v1/sms/... served by another module (an SMS gateway's
	 * callbacks), on the owner thread: arg looks up a query argument.
	 * Returns the HTTP status; 0 when the path is not its. NULL: none.
	 */
	unsigned (*callback)(const char *path, const char *(*arg)(void *conn, const char *name), void *conn, void *user);
	void *callback_user;
	/*
	 * GET /api/v1/provision[/{id}]: what devices need (tocsind knows the broker and the keys).
	 * Sets *json (malloc'ed) and returns the HTTP status. NULL: 404.
	 */
	unsigned (*provision)(const char *id, char **json, void *user);
	double shelter_walk_m;       /* shelter_walk_m: how far people are sent on foot; 0: 500 */
	/* A shelter's occupancy or state changed (POST .../occupancy); NULL: nobody is told. */
	void (*shelter_changed)(const char *shelter_id, void *user);
	void *shelter_user;
	/* The receivers changed (an import, DELETE /api/v1/receivers/{id}); NULL: nobody is told. */
	void (*receivers_changed)(void *user);
	void *provision_user;
	/* http_hosts: names the Host header may carry besides the listen address, localhost and 127.0.0.1 */
	const char *hosts;
	/* approval_required: CAP statuses whose alerts wait for a second person (tc_ingest.h) */
	const char *approval;
	/* tocsind's own key in the delivery-report URLs it gives an SMS gateway (?key=); NULL: none */
	const char *gateway_key;
	int64_t session_ttl_s;  /* a browser session's life; 0: 8 hours */
	bool secure_cookies;    /* the API is served over TLS: session cookies are Secure */
	/* HTTPS: PEM files of the certificate (chain) and its key, read once at start; NULL: plain HTTP. */
	const char *tls_cert, *tls_key;
	bool plain_allowed;          /* plain HTTP on an address other than loopback (a warning) */
	unsigned max_connections;    /* open at once; 0: TC_API_MAX_CONNECTIONS */
	unsigned max_per_address;    /* open at once from one client address; 0: TC_API_MAX_PER_ADDRESS */
	unsigned timeout_s;          /* an idle connection is closed after this; 0: 30 */
	size_t body_memory;          /* bytes all unfinished request bodies may hold; 0: TC_API_BODY_MEMORY */
	const char *console_dir;     /* the web console's files, served at /console/; NULL: none */
	const char *leaflet_dir;     /* Leaflet's files, served at /console/lib/leaflet/; NULL: none */
	const char *map_tiles;       /* the console map's tile URL template (http or https); NULL: no tiles */
	const char *map_attribution; /* the tile server's credit line; NULL: none */
	/*
	 * POST /api/v1/alerts/preview: hand alert xml to the render worker as preview id (its result
	 * comes back through tc_api_preview_done). TC_ERR_LIMIT: too many previews wait already.
	 * NULL: this server makes no previews (503).
	 */
	enum tc_rc (*preview)(const char *id, const char *xml, size_t len, void *user);
	void *preview_user;
	/* The drill schedules of the configuration (GET /api/v1/drills; borrowed), n_drills of them. */
	const struct tc_drill *drills;
	size_t n_drills;
	const char *drill_sender;     /* drill_sender: the CAP sender drills go out as ("" none; borrowed) */
	long drill_target_s;          /* a drill report's target: answered within this long; 0: 300 */
	int64_t drill_clock_offset_s; /* TOCSIN_TEST_CLOCK_OFFSET: the clock next slots are read with (tests) */
	struct tc_health_settings health; /* the maintenance list's rules (GET /api/v1/health) */
	/*
	 * This server is the standby of another on the same store (README, "A standby tocsind"):
	 * the active one's URL ("" while unknown), kept current by the caller. Reads are answered;
	 * every other method is refused, 503 server.standby, naming the active one. NULL: active.
	 */
	const char *standby;
};

#define TC_API_MAX_CONNECTIONS 4096u
#define TC_API_MAX_PER_ADDRESS 256u
#define TC_API_BODY_MEMORY ((size_t)64 << 20)

enum tc_rc tc_api_start(struct tc_store *store, const struct tc_api_options *o, struct tc_api **out,
			struct tc_diags *d);
void tc_api_stop(struct tc_api *api);
unsigned tc_api_port(const struct tc_api *api);

/*
 * The descriptor to wait on for reading (poll, or select: it is one low
 * number however many connections are open); *timeout_ms lowered when the
 * API wants tc_api_run() sooner (a connection's timeout).
 */
int tc_api_fd(struct tc_api *api, long *timeout_ms);
/* The in-memory receiver index planning uses (NULL when it could not be built). */
const struct tc_registry_index *tc_api_index(const struct tc_api *api);

/* Alerts accepted (new, not duplicates) since start, from every way in: a change means work for dispatch. */
unsigned long tc_api_accepted(const struct tc_api *api);

/*
 * A preview the render worker made (taken; NULL is a no-op): its request is answered, and the
 * preview kept for its maker. A preview nobody waits for any more is freed.
 */
struct tc_preview;
void tc_api_preview_done(struct tc_api *api, struct tc_preview *p);

/* Serve what is ready (it never waits). */
void tc_api_run(struct tc_api *api);

#endif
