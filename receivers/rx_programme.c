/*
 * rx_programme.c — a loudspeaker's programme from its parts (rx_programme.h).
 */
#include "rx_programme.h"

#include <string.h>

static const double attention[] = { 853.0, 960.0 };

enum tc_rc rx_programme_tone(int rate, unsigned ms, struct tc_pcm *out)
{
	*out = (struct tc_pcm){ .rate = rate };
	enum tc_rc rc = tc_pcm_tone(out, attention, 2, ms, RX_PROGRAMME_PEAK);
	if (rc)
		tc_pcm_release(out);
	return rc;
}

/* in at the output rate, normalised, appended to out. */
static enum tc_rc append_at_rate(struct tc_pcm *out, const struct tc_pcm *in, struct tc_diags *d)
{
	struct tc_pcm r = { 0 };
	enum tc_rc rc = tc_pcm_resample(in, out->rate, &r, d);
	if (!rc) {
		tc_pcm_normalise(&r, RX_PROGRAMME_PEAK);
		rc = tc_pcm_append(out, r.s, r.n);
	}
	tc_pcm_release(&r);
	return rc;
}

enum tc_rc rx_programme_build(const struct rx_programme_parts *p, struct tc_pcm *out, struct tc_diags *d)
{
	enum tc_rc rc = TC_OK;
	bool notice = p->notice && p->notice->n;
	*out = (struct tc_pcm){ .rate = p->rate };
	if (notice && ((rc = append_at_rate(out, p->notice, d)) || (rc = tc_pcm_silence(out, p->gap_ms))))
		goto out;
	if (p->tone_ms && (rc = tc_pcm_tone(out, attention, 2, p->tone_ms, RX_PROGRAMME_PEAK)))
		goto out;
	if ((rc = tc_pcm_silence(out, p->gap_ms)))
		goto out;
	unsigned repeats = p->repeats ? p->repeats : 1;
	bool guidance = p->guidance && p->guidance->n;
	for (unsigned i = 0; p->message && p->message->n && i < repeats; i++)
		if ((rc = append_at_rate(out, p->message, d)) ||
		    (i + 1 == repeats && guidance && (rc = append_at_rate(out, p->guidance, d))) ||
		    (rc = tc_pcm_silence(out, p->gap_ms)))
			goto out;
	if (notice)
		rc = append_at_rate(out, p->notice, d);
out:
	if (rc)
		tc_pcm_release(out);
	return rc;
}
