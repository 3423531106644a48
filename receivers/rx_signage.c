/*
 * rx_signage.c — the alerts on a shelter display (rx_signage.h).
 */
#include "rx_signage.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tc_log.h"

#define MAX_SHOWN 256

struct shown {
	struct tc_rx_alert *a;
	const struct tc_rx_info *info;
	bool lifted;
	int64_t until; /* lifted notices: unix seconds it goes */
};

struct rx_signage {
	struct rx_core *core;
	const struct rx_config *cfg;
	struct shown v[MAX_SHOWN];
	size_t n;
	bool dirty;
	int64_t drawn_s;
	rx_signage_redraw redraw;
	void *redraw_ctx;
	/* the shelter as tocsind last told it (the shelter command); at 0: never */
	char shelter_name[128];
	long capacity, occupancy;
	bool full;
	int64_t shelter_at;
};

static void drop(struct rx_signage *s, size_t i)
{
	tc_rx_alert_free(s->v[i].a);
	memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof(s->v[0]));
	s->n--;
	s->dirty = true;
}

static void take(void *ctx, struct tc_rx_alert *a, bool restored)
{
	struct rx_signage *s = ctx;
	int64_t now = (int64_t)time(NULL);
	if (s->n == MAX_SHOWN) { /* the screen is full: the lowest priority goes */
		size_t worst = 0;
		for (size_t i = 1; i < s->n; i++)
			if (s->v[i].a->priority < s->v[worst].a->priority)
				worst = i;
		if (s->v[worst].a->priority >= a->priority) {
			rx_core_ack(s->core, a->id, TC_ACK_FAILED, "screen-full");
			tc_rx_alert_free(a);
			return;
		}
		rx_core_ack(s->core, s->v[worst].a->id, TC_ACK_FAILED, "screen-full");
		drop(s, worst);
	}
	struct shown *sh = &s->v[s->n++];
	sh->a = a;
	sh->info = tc_rx_alert_info(a, s->cfg->lang);
	sh->lifted = !strcmp(a->msg_type, "Cancel");
	sh->until = now + s->cfg->notice_s;
	if (sh->lifted && a->expires_at && a->expires_at < sh->until)
		sh->until = a->expires_at;
	s->dirty = true;
	tc_log(TC_LOG_INFO, "show", "alert=%s %s%s", a->id, sh->lifted ? "warning lifted notice" : "on screen",
	       restored ? " (restored)" : "");
	if (!restored)
		rx_core_ack(s->core, a->id, TC_ACK_DISPLAYED, NULL);
}

static void clear(void *ctx, const char *id)
{
	struct rx_signage *s = ctx;
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i].a->id, id)) {
			tc_log(TC_LOG_INFO, "show", "alert=%s taken off the screen", id);
			drop(s, i);
			return;
		}
}

/* tocsind's word on this display's shelter; an older word than the last is ignored. */
static void shelter(void *ctx, const struct tc_cmd *cmd)
{
	struct rx_signage *s = ctx;
	if (cmd->at < s->shelter_at) {
		tc_log(TC_LOG_INFO, "show", "shelter=%s occupancy from %lld is older than the one shown: ignored",
		       cmd->shelter_name, (long long)cmd->at);
		return;
	}
	snprintf(s->shelter_name, sizeof(s->shelter_name), "%s", cmd->shelter_name);
	s->capacity = cmd->capacity;
	s->occupancy = cmd->occupancy;
	s->full = cmd->full;
	s->shelter_at = cmd->at;
	s->dirty = true;
	tc_log(TC_LOG_INFO, "show", "shelter=%s capacity=%ld occupancy=%ld%s", s->shelter_name, s->capacity, s->occupancy,
	       s->full ? " full" : "");
}

static void tick(void *ctx, int64_t now_ms)
{
	struct rx_signage *s = ctx;
	int64_t now = (int64_t)time(NULL);
	for (size_t i = 0; i < s->n;) {
		if (s->v[i].lifted && s->v[i].until <= now) {
			char id[17];
			memcpy(id, s->v[i].a->id, sizeof(id));
			drop(s, i);
			rx_core_ack(s->core, id, TC_ACK_CLEARED, NULL);
			continue;
		}
		i++;
	}
	if (s->redraw && (s->dirty || now != s->drawn_s)) {
		s->redraw(s->redraw_ctx, s);
		s->drawn_s = now;
	}
	s->dirty = false;
}

enum tc_rc rx_signage_new(struct rx_core *core, rx_signage_redraw redraw, void *redraw_ctx, struct rx_signage **out)
{
	struct rx_signage *s = calloc(1, sizeof(*s));
	*out = s;
	if (!s)
		return TC_ERR_NOMEM;
	s->core = core;
	s->cfg = rx_core_config(core);
	s->redraw = redraw;
	s->redraw_ctx = redraw_ctx;
	s->dirty = true;
	return TC_OK;
}

void rx_signage_free(struct rx_signage *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		tc_rx_alert_free(s->v[i].a);
	free(s);
}

struct rx_output rx_signage_output(struct rx_signage *s)
{
	return (struct rx_output){ .ctx = s, .take = take, .clear = clear, .tick = tick, .shelter = shelter };
}

size_t rx_signage_view(const struct rx_signage *s, struct rx_view_alert *out, size_t max)
{
	size_t k = 0;
	for (size_t i = 0; i < s->n && k < max; i++)
		out[k++] = rx_view_alert_of(s->v[i].a, s->v[i].info);
	return k;
}

size_t rx_signage_layout(const struct rx_signage *s, int width, int height, struct rx_view_line *out)
{
	struct rx_view_alert v[MAX_SHOWN];
	size_t n = rx_signage_view(s, v, MAX_SHOWN);
	struct rx_view_header h = { .shelter_name = s->cfg->shelter_name, .capacity = s->cfg->shelter_capacity,
				    .online = rx_core_connected(s->core) };
	if (s->shelter_at) {
		h.shelter_name = s->shelter_name;
		h.capacity = s->capacity;
		h.occupancy_known = true;
		h.occupancy = s->occupancy;
		h.full = s->full;
	}
	return rx_view_layout(&h, v, n, (int64_t)time(NULL), width, height, out);
}
