// SPDX-License-Identifier: MIT
/* What the launcher refuses before it starts a VMM (vmm_check_opts):
 * each backend's limit, at its edge and one past it, the message naming
 * the option and the limit; Firecracker's configuration, byte for byte
 * (the fields docs/firecracker.md checks against Firecracker's API
 * definition), strings escaped; and the tail of a dead VMM's log
 * (vmm_log_tail): the last N lines, control bytes masked, bounded. */
#include "t.h"

#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "../../vouch/vm/proc.h"
#include "../../vouch/vm/firecracker.h"
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

static void put_at(const char *p, mode_t mode)
{
	FILE *f = fopen(p, "w");

	REQUIRE(f && fputs("#!/bin/sh\n", f) >= 0 && fclose(f) == 0 && chmod(p, mode) == 0);
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

/* Every field Firecracker needs (docs/firecracker.md): boot-source with
 * the initrd and the command line, one read-only drive that is not the
 * root device, machine-config within its limits, vsock with guest_cid >= 3
 * and uds_path in the run directory; JSON strings escaped. */
static void test_firecracker_config(void)
{
	struct vmm_spec s = { .kernel = "/k/vmlinux", .initrd = "/i/init\"rd", .rootfs = "/r/root\\fs.img",
			      .cmdline = "console=ttyS0 reboot=k", .dir = "/run/d", .cpus = 32,
			      .memory_mib = 512, .channel = CHANNEL_VSOCK };
	static const char want[] =
		"{\n"
		"  \"boot-source\": {\n"
		"    \"kernel_image_path\": \"/k/vmlinux\",\n"
		"    \"initrd_path\": \"/i/init\\\"rd\",\n"
		"    \"boot_args\": \"console=ttyS0 reboot=k\"\n"
		"  },\n"
		"  \"drives\": [\n"
		"    {\n"
		"      \"drive_id\": \"rootfs\",\n"
		"      \"path_on_host\": \"/r/root\\\\fs.img\",\n"
		"      \"is_root_device\": false,\n"
		"      \"is_read_only\": true\n"
		"    }\n"
		"  ],\n"
		"  \"machine-config\": {\n"
		"    \"vcpu_count\": 32,\n"
		"    \"mem_size_mib\": 512\n"
		"  },\n"
		"  \"vsock\": {\n"
		"    \"guest_cid\": 3,\n"
		"    \"uds_path\": \"/run/d/v.sock\"\n"
		"  }\n"
		"}\n";
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	REQUIRE(f);
	CHECK_EQ(firecracker_config(&s, f), 0);
	REQUIRE(fclose(f) == 0);
	CHECK(strcmp(buf, want) == 0);
	if (strcmp(buf, want) != 0)
		printf("# got:\n%s", buf);
	free(buf);
}

/* Firecracker's own log lines, told from the guest's console by their
 * shape alone; each near miss stays in the console. */
static void test_fc_log_line(void)
{
	static const char *const yes[] = {
		"2025-01-31T12:00:00.123456789 [anonymous-instance:main] Running Firecracker v1.16.1",
		"2025-01-31T12:00:00.000000000 [anonymous-instance:fc_vcpu 0:ERROR:src/vmm/src/lib.rs:1] x",
		"2025-01-31T12:00:00.000000000 [i:m] ",
	};
	static const char *const no[] = {
		"[    0.000000] Linux version 6.1.0",                              /* the guest's kernel */
		"vouch: guest-init: mounted",
		"2025-01-31T12:00:00.12345678 [anonymous-instance:main] eight digits",
		"2025-01-31 12:00:00.123456789 [anonymous-instance:main] a space, no T",
		"2025-01-31T12:00:00.123456789 [anonymous-instance:main]no space",
		"2025-01-31T12:00:00.123456789 [] empty",
		"2025-01-31T12:00:00.123456789 [never closed",
		"2025-01-31T12:00:00.123456789 [a[b] nested",
		"x2025-01-31T12:00:00.123456789 [anonymous-instance:main] not at the start",
		"2025-01-31T12:00:00.123456789",
		"",
	};

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		CHECK(firecracker_log_line(yes[i], strlen(yes[i])));
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (firecracker_log_line(no[i], strlen(no[i]))) {
			CHECK(!"a near miss taken for Firecracker's");
			printf("# taken: %s\n", no[i]);
		}
}

static void test_fc_split(void)
{
	static const char in[] =
		"2025-01-31T12:00:00.123456789 [anonymous-instance:main] Running Firecracker v1.16.1\n"
		"[    0.000000] Linux version 6.1.0\n"
		"2025-01-31T12:00:00.223456789 [anonymous-instance:main] Artifacts loaded\n"
		"vouch: guest-init: mounted\n"
		"no newline at the end";
	char dir[] = "/tmp/test_vmm_split.XXXXXX", from[64], con[64], log[64];
	uint8_t *p;
	size_t n;
	FILE *f;

	REQUIRE(mkdtemp(dir));
	snprintf(from, sizeof(from), "%s/in", dir);
	snprintf(con, sizeof(con), "%s/console.log", dir);
	snprintf(log, sizeof(log), "%s/firecracker.log", dir);
	REQUIRE((f = fopen(from, "w")) && fputs(in, f) >= 0 && fclose(f) == 0);
	CHECK_EQ(firecracker_split_console(from, con, log), 0);
	REQUIRE(file_read_all(con, &p, &n, 4096) == 0);
	CHECK(n == 83 && memcmp(p, "[    0.000000] Linux version 6.1.0\nvouch: guest-init: mounted\n"
				   "no newline at the end", n) == 0);
	free(p);
	REQUIRE(file_read_all(log, &p, &n, 4096) == 0);
	CHECK(n == 157 && memcmp(p, in, 84) == 0 && memcmp(p + 84, in + 119, 73) == 0);
	free(p);
	/* a console with none of Firecracker's lines: no firecracker.log */
	unlink(log);
	REQUIRE((f = fopen(from, "w")) && fputs("only the guest\n", f) >= 0 && fclose(f) == 0);
	CHECK_EQ(firecracker_split_console(from, con, log), 0);
	CHECK(access(log, F_OK) != 0);
	CHECK_EQ(firecracker_split_console("/nonexistent/in", con, log), MB_E_IO);
	unlink(from);
	unlink(con);
	rmdir(dir);
}

/* --vmm auto's decision: QEMU with the reason for each way it falls
 * back, Firecracker only with both a binary and a working KVM. */
static void test_choose(void)
{
	static const char kvm[] = "/dev/kvm: Permission denied", pin[] = "pinned for QEMU";
	char why[128] = "untouched";

	CHECK_EQ(vmm_choose(false, NULL, NULL, why, sizeof(why)), VMM_QEMU);
	CHECK(strcmp(why, "no firecracker binary on PATH") == 0);
	CHECK_EQ(vmm_choose(false, pin, kvm, why, sizeof(why)), VMM_QEMU);
	CHECK(strcmp(why, "no firecracker binary on PATH") == 0); /* the binary is said first */
	CHECK_EQ(vmm_choose(true, pin, kvm, why, sizeof(why)), VMM_QEMU);
	CHECK(strcmp(why, pin) == 0);                             /* then the pin */
	CHECK_EQ(vmm_choose(true, NULL, kvm, why, sizeof(why)), VMM_QEMU);
	CHECK(strcmp(why, kvm) == 0);
	strcpy(why, "untouched");
	CHECK_EQ(vmm_choose(true, NULL, NULL, why, sizeof(why)), VMM_FIRECRACKER);
	CHECK(strcmp(why, "untouched") == 0);
}

/* Hardware virtualization is a whole word of a "flags" line: not
 * "vmx flags", not a word that only contains vmx. */
static void test_cpu_virt(void)
{
	static const char intel[] = "processor\t: 0\nflags\t\t: fpu vme de pse vmx ssse3\nvmx flags\t: vnmi\n";
	static const char amd[] = "flags\t\t: fpu svm\n";
	static const char pvm[] = "processor\t: 0\nflags\t\t: fpu vme hypervisor lahf_lm\n"
				  "vmx flags\t: vnmi ept vmx\nbugs\t\t: svm\n";
	static const char lookalike[] = "flags\t\t: vmxx asvm svm2 xvmx\n";
	static const char cut[] = "flags\t\t: fpu vm";

	CHECK(vmm_cpu_virt(intel, strlen(intel)));
	CHECK(vmm_cpu_virt(amd, strlen(amd)));
	CHECK(!vmm_cpu_virt(pvm, strlen(pvm)));
	CHECK(!vmm_cpu_virt(lookalike, strlen(lookalike)));
	CHECK(!vmm_cpu_virt(cut, strlen(cut)));
	CHECK(!vmm_cpu_virt(intel, 40)); /* the line cut before its vmx */
	CHECK(!vmm_cpu_virt("", 0));
}

/* What KVM device refuses, with its reason; a device that works is
 * checked only where this host has one. */
static void test_kvm_check(void)
{
	static const char flags[] = "flags\t\t: fpu vmx\n", none[] = "flags\t\t: fpu\n";
	char why[256];
	const char *r;

	r = vmm_kvm_check("/nonexistent/kvm", flags, strlen(flags), why, sizeof(why));
	CHECK(r == why && strcmp(why, "/nonexistent/kvm: No such file or directory") == 0);
	r = vmm_kvm_check("/dev/null", flags, strlen(flags), why, sizeof(why));
	CHECK(r && strcmp(r, "/dev/null: not KVM (KVM_GET_API_VERSION: Inappropriate ioctl for device)") == 0);
	if (access("/dev/kvm", R_OK | W_OK) == 0 &&
	    !vmm_kvm_check("/dev/kvm", flags, strlen(flags), why, sizeof(why))) {
		r = vmm_kvm_check("/dev/kvm", none, strlen(none), why, sizeof(why));
		CHECK(r && strstr(r, "no vmx or svm flag") != NULL);
	} else {
		printf("# no working /dev/kvm here: its vmx/svm check not run\n");
	}
}

static void test_on_path(void)
{
	char dir[] = "/tmp/test_vmm_path.XXXXXX", exe[64], plain[64], env[256];

	REQUIRE(mkdtemp(dir));
	snprintf(exe, sizeof(exe), "%s/firecracker", dir);
	snprintf(plain, sizeof(plain), "%s/plain", dir);
	put_at(exe, 0755);
	put_at(plain, 0644);
	snprintf(env, sizeof(env), "/nonexistent::%s", dir);
	CHECK(vmm_on_path("firecracker", env));
	CHECK(vmm_on_path("firecracker", dir));
	CHECK(!vmm_on_path("plain", env));          /* not executable */
	CHECK(!vmm_on_path("firecracker", "/nonexistent:"));
	CHECK(!vmm_on_path("firecracker", ""));
	CHECK(!vmm_on_path("firecracker", NULL));
	CHECK(!vmm_on_path(dir + 5, "/tmp"));       /* a directory of that name is no binary */
	unlink(exe);
	unlink(plain);
	rmdir(dir);
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
	RUN(test_firecracker_config);
	RUN(test_fc_log_line);
	RUN(test_fc_split);
	RUN(test_choose);
	RUN(test_cpu_virt);
	RUN(test_kvm_check);
	RUN(test_on_path);
	RUN(test_cmdline_clock);
	unlink(path);
	return t_done();
}
