// SPDX-License-Identifier: GPL-2.0
/*
 * The module loads and unloads cleanly, again and again, and the kernel's
 * two views of it (/proc/modules and /sys/module/vmpass) agree each time.
 * vm-run fails the run if the kernel log shows a splat afterwards.
 */
#include "kselftest_harness.h"
#include "vmpass_util.h"

#define LOAD_CYCLES 20

FIXTURE(module) {
	bool was_loaded;
};

FIXTURE_SETUP(module)
{
	self->was_loaded = proc_modules_has("vmpass");
	if (self->was_loaded)
		ASSERT_EQ(0, vmpass_unload());
}

FIXTURE_TEARDOWN(module)
{
	if (self->was_loaded && !proc_modules_has("vmpass"))
		vmpass_load(getenv("VMPASS_MODPARAMS"));
}

TEST_F(module, load_unload_cycles)
{
	int i;

	for (i = 0; i < LOAD_CYCLES; i++) {
		ASSERT_EQ(0, vmpass_load(NULL)) TH_LOG("load %d", i);
		ASSERT_TRUE(proc_modules_has("vmpass")) TH_LOG("load %d", i);
		ASSERT_TRUE(path_exists("/sys/module/vmpass")) TH_LOG("load %d", i);
		ASSERT_EQ(0, vmpass_unload()) TH_LOG("unload %d", i);
		ASSERT_FALSE(proc_modules_has("vmpass")) TH_LOG("unload %d", i);
		ASSERT_FALSE(path_exists("/sys/module/vmpass")) TH_LOG("unload %d", i);
	}
}

TEST_F(module, double_load_is_refused)
{
	ASSERT_EQ(0, vmpass_load(NULL));
	EXPECT_EQ(-EEXIST, vmpass_load(NULL));
	ASSERT_EQ(0, vmpass_unload());
}

TEST_HARNESS_MAIN
