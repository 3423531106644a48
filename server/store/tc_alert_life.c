/*
 * tc_alert_life.c — an alert's life as a table (tc_alert_life.h).
 */
#include "tc_alert_life.h"

#include <string.h>

static const char *const state_names[TC_ALERT_N_STATES] = {
	[TC_ALERT_ACCEPTED] = "accepted", [TC_ALERT_PLANNED] = "planned",     [TC_ALERT_DISPATCHING] = "dispatching",
	[TC_ALERT_DONE] = "done",         [TC_ALERT_CANCELLED] = "cancelled", [TC_ALERT_SUPERSEDED] = "superseded",
	[TC_ALERT_EXPIRED] = "expired",   [TC_ALERT_PENDING_APPROVAL] = "pending-approval",
	[TC_ALERT_REJECTED] = "rejected",
};

static const char *const event_names[TC_AEV_N] = {
	[TC_AEV_PLAN] = "plan",     [TC_AEV_PUBLISH] = "publish",       [TC_AEV_FINISH] = "finish",
	[TC_AEV_CANCEL] = "cancel", [TC_AEV_SUPERSEDE] = "supersede",   [TC_AEV_EXPIRE] = "expire",
	[TC_AEV_APPROVE] = "approve", [TC_AEV_REJECT] = "reject",
};

const char *tc_alert_state_name(enum tc_alert_state st)
{
	return (unsigned)st < TC_ALERT_N_STATES ? state_names[st] : "unknown";
}

const char *tc_alert_event_name(enum tc_alert_event e)
{
	return (unsigned)e < TC_AEV_N ? event_names[e] : "unknown";
}

static int index_of(const char *const *names, int n, const char *name)
{
	for (int i = 0; name && i < n; i++)
		if (!strcmp(name, names[i]))
			return i;
	return -1;
}

enum tc_rc tc_alert_state_parse(const char *name, enum tc_alert_state *out)
{
	int i = index_of(state_names, TC_ALERT_N_STATES, name);
	if (i < 0)
		return TC_ERR_INVALID;
	*out = (enum tc_alert_state)i;
	return TC_OK;
}

enum tc_rc tc_alert_event_parse(const char *name, enum tc_alert_event *out)
{
	int i = index_of(event_names, TC_AEV_N, name);
	if (i < 0)
		return TC_ERR_INVALID;
	*out = (enum tc_alert_event)i;
	return TC_OK;
}

/* Table cells besides a next state. */
enum {
	NO = -1,   /* refused */
	STAY = -2, /* taken, nothing changes */
};

#define PL TC_ALERT_PLANNED
#define DI TC_ALERT_DISPATCHING
#define DO TC_ALERT_DONE
#define CA TC_ALERT_CANCELLED
#define SU TC_ALERT_SUPERSEDED
#define EX TC_ALERT_EXPIRED

#define AC TC_ALERT_ACCEPTED
#define RE TC_ALERT_REJECTED

/* next[state][event] */
static const int next_state[TC_ALERT_N_STATES][TC_AEV_N] = {
	/*                       PLAN  PUBLISH FINISH CANCEL SUPERSEDE EXPIRE APPROVE REJECT */
	[TC_ALERT_ACCEPTED] = { PL, NO, NO, CA, SU, EX, NO, NO },
	[TC_ALERT_PLANNED] = { STAY, DI, NO, CA, SU, EX, NO, NO },
	[TC_ALERT_DISPATCHING] = { STAY, STAY, DO, CA, SU, EX, NO, NO },
	[TC_ALERT_DONE] = { DI, NO, STAY, CA, SU, EX, NO, NO },
	[TC_ALERT_CANCELLED] = { NO, NO, NO, STAY, NO, NO, NO, NO },
	[TC_ALERT_SUPERSEDED] = { NO, NO, NO, CA, STAY, NO, NO, NO },
	[TC_ALERT_EXPIRED] = { NO, NO, NO, CA, SU, STAY, NO, NO },
	[TC_ALERT_PENDING_APPROVAL] = { NO, NO, NO, CA, SU, EX, AC, RE },
	[TC_ALERT_REJECTED] = { NO, NO, NO, NO, NO, NO, NO, STAY },
};

struct tc_alert_step tc_alert_decide(enum tc_alert_state st, enum tc_alert_event ev)
{
	struct tc_alert_step step = { .next = st };
	if ((unsigned)st >= TC_ALERT_N_STATES || (unsigned)ev >= TC_AEV_N || next_state[st][ev] == NO)
		return step;
	step.accepted = true;
	if (next_state[st][ev] == STAY)
		return step;
	step.changed = true;
	step.next = (enum tc_alert_state)next_state[st][ev];
	return step;
}

bool tc_alert_moves(enum tc_alert_state st, enum tc_alert_event ev)
{
	return tc_alert_decide(st, ev).changed;
}
