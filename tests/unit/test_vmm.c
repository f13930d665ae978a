// SPDX-License-Identifier: MIT
/* What the launcher refuses before it starts a VMM (vmm_check_opts):
 * each backend's limit, at its edge and one past it, the message naming
 * the option and the limit; and the tail of a dead VMM's log
 * (vmm_log_tail): the last N lines, control bytes masked, bounded. */
#include "t.h"

#include <unistd.h>

#include "err.h"
#include "../../vouch/vm/vmm.h"
#include "../../vouch/vm/boot.h"

static const struct {
	enum vmm vmm;
	enum channel ch;
	bool tpm_device;
	unsigned cpus, mem;
	int want;
	const char *why; /* a part of the message */
} cases[] = {
	{ VMM_FIRECRACKER, CHANNEL_VSOCK, false, 1, 512, 0, NULL },
	{ VMM_FIRECRACKER, CHANNEL_VSOCK, false, 32, 1, 0, NULL },
	{ VMM_FIRECRACKER, CHANNEL_VSOCK, false, 0, 512, MB_E_RANGE, "--cpus 0: Firecracker takes 1 to 32" },
	{ VMM_FIRECRACKER, CHANNEL_VSOCK, false, 33, 512, MB_E_RANGE, "--cpus 33: Firecracker takes 1 to 32" },
	{ VMM_FIRECRACKER, CHANNEL_VSOCK, false, 2, 0, MB_E_RANGE, "--memory 0: Firecracker" },
	{ VMM_FIRECRACKER, CHANNEL_VSOCK, true, 1, 512, MB_E_RANGE, "--tpm device: Firecracker" },
	{ VMM_FIRECRACKER, CHANNEL_SERIAL, false, 1, 512, MB_E_RANGE, "Firecracker has vsock only" },
	{ VMM_QEMU, CHANNEL_SERIAL, false, 1, 512, 0, NULL },
	{ VMM_QEMU, CHANNEL_VSOCK, true, 288, 512, 0, NULL },
	{ VMM_QEMU, CHANNEL_SERIAL, true, 33, 512, 0, NULL },
	{ VMM_QEMU, CHANNEL_SERIAL, false, 0, 512, MB_E_RANGE, "--cpus 0: QEMU (q35) takes 1 to 288" },
	{ VMM_QEMU, CHANNEL_VSOCK, false, 289, 512, MB_E_RANGE, "--cpus 289: QEMU (q35) takes 1 to 288" },
	{ VMM_QEMU, CHANNEL_SERIAL, false, 1, 0, MB_E_RANGE, "--memory 0: QEMU" },
};

static void test_limits(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char why[200] = "untouched";
		int e = vmm_check_opts(cases[i].vmm, cases[i].ch, cases[i].tpm_device, cases[i].cpus,
				       cases[i].mem, why, sizeof(why));

		CHECK_EQ(e, cases[i].want);
		if (cases[i].why)
			CHECK(strstr(why, cases[i].why) != NULL);
		else
			CHECK(strcmp(why, "untouched") == 0);
		if (e != cases[i].want || (cases[i].why && !strstr(why, cases[i].why)))
			printf("# case %zu: %d \"%s\"\n", i, e, why);
	}
}

static char path[] = "/tmp/test_vmm.XXXXXX";

static void put(const char *text, size_t n)
{
	FILE *f = fopen(path, "w");

	REQUIRE(f && fwrite(text, 1, n, f) == n && fclose(f) == 0);
}

static void test_tail(void)
{
	char out[64];

	put("a\nb\nc\nd\n", 8);
	CHECK_EQ(vmm_log_tail(path, 2, out, sizeof(out)), 0);
	CHECK(strcmp(out, "c\nd") == 0);
	CHECK_EQ(vmm_log_tail(path, 10, out, sizeof(out)), 0);
	CHECK(strcmp(out, "a\nb\nc\nd") == 0);
	put("one\ntwo", 7); /* no newline at the end */
	CHECK_EQ(vmm_log_tail(path, 1, out, sizeof(out)), 0);
	CHECK(strcmp(out, "two") == 0);
	put("x\033[0m\x01\n", 7); /* control bytes masked */
	CHECK_EQ(vmm_log_tail(path, 1, out, sizeof(out)), 0);
	CHECK(strcmp(out, "x?[0m?") == 0);
	put("", 0);
	CHECK_EQ(vmm_log_tail(path, 3, out, sizeof(out)), 0);
	CHECK(strcmp(out, "") == 0);
	put("0123456789\n", 11); /* bounded by cap */
	CHECK_EQ(vmm_log_tail(path, 1, out, 5), 0);
	CHECK(strcmp(out, "0123") == 0);
	CHECK_EQ(vmm_log_tail("/nonexistent/log", 1, out, sizeof(out)), MB_E_IO);
	CHECK_EQ(vmm_log_tail("/tmp", 1, out, sizeof(out)), MB_E_FILE_TYPE); /* a directory opens; fstat refuses it */
}

static bool has_word(const char *line, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = line; (p = strstr(p, word)) != NULL; p += n)
		if ((p == line || p[-1] == ' ') && (p[n] == ' ' || p[n] == 0))
			return true;
	return false;
}

/* A QEMU guest keeps time by the HPET. Under TCG the guest's TSC runs at
 * the host's rate and the kernel calibrates it at boot: on a busy host,
 * with the vCPU held off the cores, it got a frequency many times too low,
 * and the guest's clock counted a harness's 1200 s deadline in 47 s of
 * real time (tests/suites/, three VMs at once). Firecracker has no HPET. */
static void test_cmdline_clock(void)
{
	char line[1024];

	CHECK_EQ(boot_cmdline(line, sizeof(line), "ext4", false, VMM_QEMU, CHANNEL_SERIAL), 0);
	CHECK(has_word(line, "clocksource=hpet"));
	CHECK_EQ(boot_cmdline(line, sizeof(line), "erofs", true, VMM_QEMU, CHANNEL_VSOCK), 0);
	CHECK(has_word(line, "clocksource=hpet"));
	CHECK_EQ(boot_cmdline(line, sizeof(line), "ext4", false, VMM_FIRECRACKER, CHANNEL_VSOCK), 0);
	CHECK(!strstr(line, "clocksource="));
	CHECK(!has_word("clocksource=hpet2", "clocksource=hpet"));
}

int main(void)
{
	int fd = mkstemp(path);

	REQUIRE(fd >= 0);
	close(fd);
	RUN(test_limits);
	RUN(test_tail);
	RUN(test_cmdline_clock);
	unlink(path);
	return t_done();
}
