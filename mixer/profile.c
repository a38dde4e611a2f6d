/**
 * @file profile.c  Which output profile a receiver gets: the best one its
 * measured bandwidth carries.  Down quickly when the estimate (REMB) falls
 * below the profile's bitrate or loss is high, up slowly when there is
 * clear headroom, so a receiver does not flap between encodes.
 */
#include "mixer/mixer.h"

enum {
	DOWN_HOLD_MS = 2000,   /* a bad condition must last this long */
	UP_HOLD_MS = 8000,     /* a good one this long */
	LOSS_DOWN = 26,        /* fraction lost (x/256) above 10%: down */
	LOSS_UP = 5,           /* below 2%: may go up */
	HEADROOM_PCT = 130,    /* up needs 1.3x the better profile's rate */
};

void tes_prof_sel_init(struct tes_prof_sel *s, int start)
{
	s->cur = start;
	s->down_since_ms = 0;
	s->up_since_ms = 0;
}

int tes_prof_sel_update(struct tes_prof_sel *s, const uint32_t *kbps,
			size_t n, uint64_t est_bps, uint8_t lost,
			uint64_t now_ms)
{
	uint64_t rate;
	bool down, up;

	if (!n)
		return -1;
	if (s->cur < 0 || (size_t)s->cur >= n)
		s->cur = 0;

	rate = (uint64_t)kbps[s->cur] * 1000u;
	/* est_bps 0: no estimate yet, judge by loss alone */
	down = (size_t)s->cur + 1 < n &&
	       ((est_bps && est_bps < rate) || lost > LOSS_DOWN);
	up = s->cur > 0 && lost < LOSS_UP &&
	     (!est_bps || est_bps * 100u >= (uint64_t)kbps[s->cur - 1] *
						1000u * HEADROOM_PCT);

	if (!down)
		s->down_since_ms = 0;
	else if (!s->down_since_ms)
		s->down_since_ms = now_ms;
	if (!up)
		s->up_since_ms = 0;
	else if (!s->up_since_ms)
		s->up_since_ms = now_ms;

	if (down && now_ms - s->down_since_ms >= DOWN_HOLD_MS) {
		s->cur++;
		s->down_since_ms = 0;
	}
	else if (up && now_ms - s->up_since_ms >= UP_HOLD_MS) {
		s->cur--;
		s->up_since_ms = 0;
	}

	return s->cur;
}
