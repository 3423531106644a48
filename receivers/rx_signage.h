/*
 * rx_signage.h — the shelter display's output behind rx_core: the list of
 * alerts on screen. A new alert is shown and acknowledged displayed; a
 * Cancel clears what it references (the core does that) and is itself
 * shown as a "warning lifted" notice until it expires or notice_s has
 * passed (then acknowledged cleared); clear takes an alert off at once.
 * The screen itself is drawn by the caller's redraw hook from
 * rx_signage_view() — on every change and once a second for the clock.
 */
#ifndef RX_SIGNAGE_H
#define RX_SIGNAGE_H

#include "rx_core.h"
#include "rx_signage_view.h"

struct rx_signage;

typedef void (*rx_signage_redraw)(void *ctx, const struct rx_signage *s);

/* core is borrowed; redraw (may be NULL) is called from the core's loop. */
enum tc_rc rx_signage_new(struct rx_core *core, rx_signage_redraw redraw, void *redraw_ctx, struct rx_signage **out);
void rx_signage_free(struct rx_signage *s);
struct rx_output rx_signage_output(struct rx_signage *s);

/* What is on screen now, into out (at most max); returns how many. Strings are borrowed. */
size_t rx_signage_view(const struct rx_signage *s, struct rx_view_alert *out, size_t max);
/* Lay out the screen (rx_view_layout with the configured shelter and now). */
size_t rx_signage_layout(const struct rx_signage *s, int width, int height, struct rx_view_line *out);

#endif
