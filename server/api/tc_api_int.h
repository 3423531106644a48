/*
 * tc_api_int.h — what the API's own files share (not for other modules):
 * the server, one request, the endpoints and the replies.
 */
#ifndef TC_API_INT_H
#define TC_API_INT_H

#include <stdbool.h>

#include <jansson.h>
#include <microhttpd.h>

#include "tc_api.h"
#include "tc_auth.h"
#include "tc_registry.h"
#include "tc_store_audit.h"
#include "tc_vec.h"

/* Failed logins remembered per client address (tc_api_gate.c). */
#define TC_API_THROTTLE_SLOTS 256

struct tc_api {
	struct MHD_Daemon *mhd;
	struct tc_store *store;
	struct tc_api_options o;
	unsigned port;
	unsigned long requests, refused, accepted;
	unsigned long unauthenticated, forbidden; /* answered 401, 403 */
	struct tc_registry_index *index; /* receivers in memory for planning; reloaded after imports */
	char console_csp[1024];          /* the console's Content-Security-Policy (tc_api_console_setup) */
	size_t held;                     /* body bytes all unfinished requests hold (or have declared) */
	unsigned long busy;              /* requests answered 503 for the body budget */
	char *tls_cert, *tls_key;        /* PEM, kept while the daemon runs; NULL: plain HTTP */
	int epoll_fd;
	struct tc_api_streams *streams; /* event streams and the alerts they watch (tc_api_events.c) */
	struct request *imports, *imports_last; /* imports under way, in the order they came */
	struct request *previewing;             /* requests waiting for their preview (tc_api_preview.c) */
	struct tc_previews *previews;           /* previews kept for their audio */
	struct request *reading;                /* requests waiting for a store task (tc_store_task_start) */
	unsigned long imported;                 /* imports finished (any result) */
	/* failed sign-ins by client address, and by name: known or not, a name is answered alike */
	struct tc_api_throttle {
		char key[72]; /* the address, or the name */
		unsigned failures;
		int64_t until; /* no sign-in from this address, or for this name, before (seconds) */
	} throttle[TC_API_THROTTLE_SLOTS], names[TC_API_THROTTLE_SLOTS];
};

enum tc_endpoint {
	EP_NONE = 0,
	EP_HEALTH,      /* GET /healthz */
	EP_METRICS,     /* GET /metrics */
	EP_LOGIN,       /* POST /api/v1/login */
	EP_LOGOUT,      /* POST /api/v1/logout */
	EP_WHOAMI,      /* GET /api/v1/whoami */
	EP_ALERTS,      /* GET, POST /api/v1/alerts */
	EP_ALERT_CHECK, /* POST /api/v1/alerts/check: every rule and the plan, nothing kept */
	EP_ALERT_PREVIEW, /* POST /api/v1/alerts/preview: the check, then speech, SMS and screen (tc_api_preview.c) */
	EP_PREVIEW_AUDIO, /* GET /api/v1/previews/{id}/{lang}.ogg: a preview's audio, for its maker */
	EP_ALERT,       /* GET /api/v1/alerts/{id} */
	EP_ALERT_CAP,   /* GET .../cap */
	EP_ALERT_REPORT,/* GET .../report */
	EP_ALERT_SMS,   /* GET .../sms */
	EP_DELIVERIES,  /* GET .../deliveries */
	EP_CANCEL,      /* POST .../cancel */
	EP_APPROVE,     /* POST .../approve */
	EP_REJECT,      /* POST .../reject */
	EP_APPROVALS,   /* GET /api/v1/approvals */
	EP_REGISTRY,    /* GET, POST /api/v1/{receivers,contacts,shelters} */
	EP_RECEIVER,    /* DELETE /api/v1/receivers/{id} */
	EP_PROVISION,   /* GET /api/v1/provision[/{id}] */
	EP_AUDIT,       /* GET /api/v1/audit */
	EP_USERS,       /* GET /api/v1/users */
	EP_SMS,         /* GET /api/v1/sms/... (a gateway's callbacks) */
	EP_CONSOLE,     /* GET /, /console/... (tc_api_console.c) */
	EP_EVENTS,      /* GET .../events: the report as it changes (tc_api_events.c) */
	EP_FLEET,       /* GET /api/v1/fleet: receivers with liveness, shelters (tc_api_fleet.c) */
	EP_SHELTER_GUIDANCE,  /* GET /api/v1/shelters/guidance?receiver=ID (tc_api_shelters.c) */
	EP_SHELTER_OCCUPANCY, /* POST /api/v1/shelters/{id}/occupancy */
	EP_SHELTER_REPORT,    /* GET /api/v1/shelters/report[?format=csv] */
	EP_DRILLS,      /* GET, POST /api/v1/drills: the schedules (tc_api_drills.c) */
	EP_DRILL,       /* DELETE /api/v1/drills/{id}: an API schedule */
	EP_DRILL_RUNS,  /* GET /api/v1/drills/runs */
	EP_DRILL_REPORT,/* GET /api/v1/drills/runs/{id}/report[?format=csv] */
	EP_RX_HEALTH,   /* GET /api/v1/health[?format=csv]: the maintenance list (tc_api_health.c) */
};

struct request {
	struct tc_vec body; /* bytes, NUL-terminated once anything came */
	bool too_large;
	bool over_budget;   /* would have taken the bodies past o.body_memory: its bytes are dropped */
	size_t held;        /* this request's part of api->held */
	bool answered;      /* refused before its body was read: the rest is dropped */
	enum tc_endpoint ep;
	char id[64];        /* the alert, receiver, device or preview the path names; "" none */
	char lang[36];      /* the language a preview's audio path names */
	enum tc_registry_kind kind;
	char source[48];    /* the client's address */
	bool authed;
	bool by_session;    /* a browser session (cookie), not a token */
	struct tc_user user;
	/* POST to the registry: the import runs in steps between the loop's other work, its
	 * connection suspended meanwhile (tc_api.c, import_registry) */
	struct tc_registry_job *job;
	struct tc_registry_index_loader *loader; /* planning's index, reloaded off the loop once it is over */
	bool indexed;                            /* ...and swapped in */
	struct tc_diags *job_diags;
	struct MHD_Connection *conn;
	struct request *next_import;
	/* a read too long for the loop (the audit chain's check) runs as a store task meanwhile */
	struct tc_store_task *task;
	bool task_over;
	enum tc_rc task_rc;
	struct tc_audit_check *chk;
	struct request *next_reading;
	/* a preview is made by the render worker meanwhile (tc_api_preview.c) */
	bool previewing;            /* handed to the worker, the connection suspended */
	bool preview_over;          /* resumed: preview holds the result, NULL when none came */
	struct tc_preview *preview;
	int64_t preview_deadline_ms; /* CLOCK_MONOTONIC: given up on after this */
	struct request *next_preview;
	struct tc_api_fleet *fleet; /* GET /api/v1/fleet: read off the loop (tc_api_fleet.c) */
	struct tc_api_health *health; /* GET /api/v1/health: read off the loop (tc_api_health.c) */
	struct tc_api_shelter_report *shelter_report; /* GET /api/v1/shelters/report: off the loop too */
};

/* How long one step of an import may hold the loop (acknowledgments wait meanwhile). */
#define TC_API_IMPORT_STEP_MS 10u

int64_t tc_api_now(const struct tc_api *api);
enum MHD_Result tc_api_reply(struct MHD_Connection *c, unsigned status, json_t *j);
/* JSON already written (len bytes, malloc'ed, taken) as the answer, with the same headers. */
enum MHD_Result tc_api_reply_text(struct MHD_Connection *c, unsigned status, char *text, size_t len);
enum MHD_Result tc_api_error(struct MHD_Connection *c, unsigned status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* An error answer with extra headers (name, value pairs, NULL-terminated). */
enum MHD_Result tc_api_error_with(struct MHD_Connection *c, unsigned status, const char *code, const char *message,
				  const char *const *headers);

/*
 * Before the body is read: which endpoint the path is, whether the method fits it (405), the Host
 * and Origin headers (403), who is asking (401), whether their role may (403), the body's type
 * (415). 0 when the request may go on; else the response is queued and the body will be dropped.
 */
int tc_api_gate(struct tc_api *api, struct MHD_Connection *c, const char *url, const char *method,
		struct request *rq);

/*
 * The credential a request carries: its bearer token, else its session cookie (*session true);
 * NULL when none. tc_api_credential_holds says whether it still does (not revoked, expired or
 * disabled since), with its user now in *out: for requests that outlive their checks.
 */
const char *tc_api_credential(struct MHD_Connection *c, bool *session);
bool tc_api_credential_holds(struct tc_api *api, const char *credential, bool session, struct tc_user *out);

/*
 * GET /api/v1/alerts/{id}/events (tc_api_events.c): Server-Sent Events of the alert's report,
 * deliveries and state as they change, built once a second for every stream of the alert.
 * _work (each turn of the loop) sends what is due and closes what must close; _stop closes every
 * stream (the daemon stops next); _timeout lowers *ms to when _work is next due.
 */
enum MHD_Result tc_api_events(struct tc_api *api, struct MHD_Connection *c, struct request *rq);
bool tc_api_events_work(struct tc_api *api);
bool tc_api_events_stop(struct tc_api *api); /* true when a stream was resumed */
void tc_api_events_free(struct tc_api *api); /* once the daemon has stopped */
void tc_api_events_timeout(const struct tc_api *api, long *ms);
/* Streams open now (for /metrics). */
unsigned tc_api_events_open(const struct tc_api *api);

/* GET /api/v1/fleet[?silent=S] (tc_api_fleet.c); _free releases rq->fleet (on_done). */
enum MHD_Result tc_api_fleet(struct tc_api *api, struct MHD_Connection *c, struct request *rq);
/* The way to shelter (tc_api_shelters.c). */
struct tc_api_shelter_report;
void tc_api_shelter_report_free(struct tc_api_shelter_report *r);
enum MHD_Result tc_api_shelter_guidance(struct tc_api *api, struct MHD_Connection *c, const struct request *rq);
enum MHD_Result tc_api_shelter_occupancy(struct tc_api *api, struct MHD_Connection *c, const struct request *rq);
enum MHD_Result tc_api_shelter_report(struct tc_api *api, struct MHD_Connection *c, struct request *rq);
void tc_api_fleet_free(struct tc_api_fleet *f);

/* GET /api/v1/health[?format=csv] (tc_api_health.c); _free releases rq->health (on_done). */
struct tc_api_health;
enum MHD_Result tc_api_health(struct tc_api *api, struct MHD_Connection *c, struct request *rq);
void tc_api_health_free(struct tc_api_health *h);

/* GET, POST /api/v1/drills, DELETE /drills/{id}, GET /drills/runs, /drills/runs/{id}/report (tc_api_drills.c). */
enum MHD_Result tc_api_drills(struct tc_api *api, struct MHD_Connection *c, struct request *rq, bool get);

/* POST /api/v1/login, /logout, GET /api/v1/whoami (tc_api_gate.c). */
enum MHD_Result tc_api_login(struct tc_api *api, struct MHD_Connection *c, const struct request *rq);
enum MHD_Result tc_api_logout(struct tc_api *api, struct MHD_Connection *c, const struct request *rq);
enum MHD_Result tc_api_whoami(struct tc_api *api, struct MHD_Connection *c, const struct request *rq);

/* The audit log's row for what the request's user did (object and detail may be NULL). */
void tc_api_audit(struct tc_api *api, const struct request *rq, const char *action, const char *alert_id,
		  const char *object, const char *detail);


/* GET /, /console/...: the console's files; true when a path may name one. */
enum MHD_Result tc_api_console(struct tc_api *api, struct MHD_Connection *c, const char *url);
bool tc_api_console_path_ok(const char *path);
/* Check map_tiles (an http or https URL template) and make the console's policy allow its host. */
enum tc_rc tc_api_console_setup(struct tc_api *api, struct tc_diags *d);
/* GET /api/v1/audit[?after=ID&limit=N]: rows of the audit trail and whether the chain holds. */
enum MHD_Result tc_api_audit_list(struct tc_api *api, struct MHD_Connection *c, struct request *rq);
/* Suspend rq's connection until task is over (then its handler runs again with rq->task_over). */
void tc_api_wait_task(struct tc_api *api, struct MHD_Connection *c, struct request *rq, struct tc_store_task *task);

/*
 * POST /api/v1/alerts/preview once its checks passed: the alert goes to the render worker and the
 * connection waits (tc_api_preview.c); resumed, the answer. GET /api/v1/previews/{id}/{lang}.ogg.
 */
enum MHD_Result tc_api_preview_start(struct tc_api *api, struct MHD_Connection *c, struct request *rq);
enum MHD_Result tc_api_preview_reply(struct tc_api *api, struct MHD_Connection *c, struct request *rq);
enum MHD_Result tc_api_preview_audio(struct tc_api *api, struct MHD_Connection *c, const struct request *rq);
/* Previews waited for too long are given up on (their connections resumed); true when one was. */
bool tc_api_preview_work(struct tc_api *api);
/* On the daemon's stop, or a request's end: what waits is let go. */
void tc_api_preview_forget(struct tc_api *api, struct request *rq);

/*
 * GET /api/v1/alerts/{id}/report, built from the alert's deliveries: each given to
 * tc_api_report_add (a tc_store_each_delivery callback), then tc_api_report_json makes the object
 * /report answers (the SMS channel's part read from the store; officers' numbers masked unless
 * phones). NULL when the store could not be read. The caller releases r->regions.
 */
struct tc_api_report {
	json_t *regions; /* county (first 6 digits of the region) → {"targets","covered"} */
	long targets, covered;
};
void tc_api_report_add(const struct tc_delivery *dl, void *report);
json_t *tc_api_report_json(struct tc_api *api, const struct tc_api_report *r, const char *id, bool phones);

/* GET /api/v1/approvals, POST .../approve, .../reject (tc_api_approve.c). */
enum MHD_Result tc_api_approvals(struct tc_api *api, struct MHD_Connection *c, const struct request *rq);
enum MHD_Result tc_api_decide(struct tc_api *api, struct MHD_Connection *c, const struct request *rq, bool approve);

#endif
