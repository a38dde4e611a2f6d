/**
 * @file test_profile.c  Bandwidth-driven profile choice: down after the
 * hold time, up only with headroom, no flapping.
 */
#include "mixer/mixer.h"
#include "test.h"

static const uint32_t KBPS[] = {1500, 500, 200};

TES_TEST(profile_down_on_low_estimate_and_back)
{
	struct tes_prof_sel s;
	uint64_t t = 1000;

	tes_prof_sel_init(&s, 0);
	/* plenty of room: stays on the best */
	TEST_EQ(tes_prof_sel_update(&s, KBPS, 3, 3000000, 0, t), 0);

	/* a receiver that can take 800 kbit/s: not at once... */
	TEST_EQ(tes_prof_sel_update(&s, KBPS, 3, 800000, 0, t += 100), 0);
	TEST_EQ(tes_prof_sel_update(&s, KBPS, 3, 800000, 0, t += 1800), 0);
	/* ...but after two seconds */
	TEST_EQ(tes_prof_sel_update(&s, KBPS, 3, 800000, 0, t += 200), 1);
	/* 800 kbit/s carries 500: stays there, does not go up (needs
	 * 1.3 x 1500) */
	for (int i = 0; i < 20; i++)
		TEST_EQ(tes_prof_sel_update(&s, KBPS, 3, 800000, 0,
					    t += 1000), 1);

	/* recovery: up only after eight seconds of headroom */
	TEST_EQ(tes_prof_sel_update(&s, KBPS, 3, 2500000, 0, t += 1000), 1);
	TEST_EQ(tes_prof_sel_update(&s, KBPS, 3, 2500000, 0, t += 7000), 1);
	TEST_EQ(tes_prof_sel_update(&s, KBPS, 3, 2500000, 0, t += 1000), 0);

	return 0;
}

TES_TEST(profile_loss_moves_down_and_blocks_up)
{
	struct tes_prof_sel s;
	uint64_t t = 5000;

	tes_prof_sel_init(&s, 0);
	/* 15% loss, no estimate */
	TEST_EQ(tes_prof_sel_update(&s, KBPS, 3, 0, 40, t), 0);
	TEST_EQ(tes_prof_sel_update(&s, KBPS, 3, 0, 40, t += 2000), 1);
	TEST_EQ(tes_prof_sel_update(&s, KBPS, 3, 0, 40, t += 500), 1);
	TEST_EQ(tes_prof_sel_update(&s, KBPS, 3, 0, 40, t += 2000), 2);
	/* the lowest is the floor */
	TEST_EQ(tes_prof_sel_update(&s, KBPS, 3, 0, 40, t += 5000), 2);
	/* moderate loss (5%): neither down nor up */
	TEST_EQ(tes_prof_sel_update(&s, KBPS, 3, 0, 13, t += 20000), 2);

	return 0;
}

TES_TEST(profile_no_flapping_on_a_noisy_estimate)
{
	struct tes_prof_sel s;
	uint64_t t = 0;

	tes_prof_sel_init(&s, 0);
	/* an estimate that dips below 1.5 Mbit/s for a second at a time */
	for (int i = 0; i < 40; i++) {
		uint64_t est = (i % 2) ? 1400000 : 1700000;

		TEST_EQ(tes_prof_sel_update(&s, KBPS, 3, est, 0, t += 1000),
			0);
	}
	TEST_EQ(tes_prof_sel_update(&s, KBPS, 0, 0, 0, t), -1);

	return 0;
}
