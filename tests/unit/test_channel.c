// SPDX-License-Identifier: MIT
/* The guest's channel when none is asked for (vouch/vm/channel.c): the
 * default follows vhost-device-vsock on PATH (an executable file, not
 * just a name) and is vsock under Firecracker whatever PATH holds; the
 * channel a pinned command line boots, read as guest-init reads it, for
 * every command line vouch writes; and the pick of a run: --channel, else
 * the pin, else the default, refusing a --channel the pin contradicts and
 * vsock where its backend is missing. */
#include "t.h"

#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "../../vouch/vm/boot.h"
#include "../../vouch/vm/channel.h"

static char dir[] = "/tmp/test_channel.XXXXXX";
static char bin[sizeof(dir) + 32], empty[sizeof(dir) + 32];

/* PATH: an empty directory, then (with_backend) the one holding it */
static void path_with(int with_backend)
{
	char p[3 * sizeof(dir) + 64];

	snprintf(p, sizeof(p), with_backend ? "%s::%s" : "%s", empty, bin);
	REQUIRE(setenv("PATH", p, 1) == 0);
}

static void test_auto(void)
{
	char why[512], want[256];

	path_with(1);
	CHECK_EQ(channel_auto(VMM_QEMU, why, sizeof(why)), CHANNEL_VSOCK);
	snprintf(want, sizeof(want), "vsock (the default where its backend is installed: %s/vhost-device-vsock)", bin);
	CHECK(strcmp(why, want) == 0);
	path_with(0);
	CHECK_EQ(channel_auto(VMM_QEMU, why, sizeof(why)), CHANNEL_SERIAL);
	CHECK(strcmp(why, "virtio-serial (the default: vhost-device-vsock is not on PATH)") == 0);
	CHECK_EQ(channel_auto(VMM_FIRECRACKER, why, sizeof(why)), CHANNEL_VSOCK);
	CHECK(strstr(why, "Firecracker's only channel") != NULL);
	/* the name there but not executable: not the backend */
	REQUIRE(chmod(bin, 0755) == 0);
	snprintf(want, sizeof(want), "%s/vhost-device-vsock", bin);
	REQUIRE(chmod(want, 0644) == 0);
	path_with(1);
	CHECK_EQ(channel_auto(VMM_QEMU, why, sizeof(why)), CHANNEL_SERIAL);
	REQUIRE(chmod(want, 0755) == 0);
	CHECK_EQ(channel_auto(VMM_QEMU, why, sizeof(why)), CHANNEL_VSOCK);
	/* no PATH at all: nothing is found */
	REQUIRE(unsetenv("PATH") == 0);
	CHECK_EQ(channel_auto(VMM_QEMU, why, sizeof(why)), CHANNEL_SERIAL);
}

/* every command line boot.c writes boots the channel it was made for */
static void test_of_boot_cmdline(void)
{
	static const struct boot_verity v = { .root = { 1, 2, 3 }, .offset = 8192 };

	for (int vmm = 0; vmm < 2; vmm++)
		for (int ch = 0; ch < 2; ch++)
			for (int dev = 0; dev < 2; dev++)
				for (int ver = 0; ver < 2; ver++) {
					char line[1024];
					enum channel got = (enum channel)7;

					if (boot_cmdline_verity(line, sizeof(line), "erofs", dev, (enum vmm)vmm,
								(enum channel)ch, ver ? &v : NULL) < 0) {
						CHECK(vmm == VMM_FIRECRACKER && (dev || ch != CHANNEL_VSOCK));
						continue;
					}
					CHECK_EQ(channel_of_cmdline(line, &got), 0);
					CHECK_EQ(got, ch);
				}
}

static void test_of_cmdline(void)
{
	static const struct {
		const char *line;
		int e;
		enum channel ch;
	} cases[] = {
		{ "console=ttyS0 vouch.channel=vsock:1024 vouch.tpm=vsock:1025", 0, CHANNEL_VSOCK },
		{ "vouch.channel=vport:vouch.evidence", 0, CHANNEL_SERIAL },
		{ "console=ttyS0 quiet", 0, CHANNEL_SERIAL }, /* guest-init's default */
		{ "", 0, CHANNEL_SERIAL },
		{ "vouch.channel=vport:x vouch.channel=vsock:1024", 0, CHANNEL_VSOCK }, /* the last wins */
		{ "vouch.channel=vsock:1024 vouch.channel=vport:x", 0, CHANNEL_SERIAL },
		{ "quiet\nvouch.channel=vsock:1024\n", 0, CHANNEL_VSOCK },
		{ "xvouch.channel=vsock:1024", 0, CHANNEL_SERIAL }, /* another key */
		{ "vouch.channel=tcp:1024", MB_E_INVAL, 0 },
		{ "vouch.channel=vsock", MB_E_INVAL, 0 },
		{ "vouch.channel=", MB_E_INVAL, 0 },
		{ "vouch.channel=vsock:1 vouch.channel=bogus", MB_E_INVAL, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum channel got = (enum channel)7;
		int e = channel_of_cmdline(cases[i].line, &got);

		CHECK_EQ(e, cases[i].e);
		CHECK_EQ(got, e == 0 ? cases[i].ch : (enum channel)7);
		if (e != cases[i].e)
			printf("# case %zu: %d\n", i, e);
	}
}

static void test_pick(void)
{
	static const char *vs = "console=ttyS0 vouch.channel=vsock:1024 vouch.tpm=vsock:1025";
	static const char *vp = "console=ttyS0 vouch.channel=vport:vouch.evidence vouch.tpm=vport:vouch.tpm";
	char why[512];
	enum channel got;

	path_with(1);
	/* nothing asked, nothing pinned: the default */
	got = 7;
	CHECK_EQ(channel_pick(VMM_QEMU, false, CHANNEL_SERIAL, NULL, &got, why, sizeof(why)), 0);
	CHECK_EQ(got, CHANNEL_VSOCK);
	CHECK(strncmp(why, "vsock (the default where", 24) == 0);
	/* the pin, whatever the default */
	got = 7;
	CHECK_EQ(channel_pick(VMM_QEMU, false, CHANNEL_SERIAL, vp, &got, why, sizeof(why)), 0);
	CHECK_EQ(got, CHANNEL_SERIAL);
	CHECK(strcmp(why, "virtio-serial (the manifest's kernel command line)") == 0);
	got = 7;
	CHECK_EQ(channel_pick(VMM_QEMU, false, CHANNEL_SERIAL, vs, &got, why, sizeof(why)), 0);
	CHECK_EQ(got, CHANNEL_VSOCK);
	/* asked and agreeing with the pin */
	got = 7;
	CHECK_EQ(channel_pick(VMM_QEMU, true, CHANNEL_VSOCK, vs, &got, why, sizeof(why)), 0);
	CHECK_EQ(got, CHANNEL_VSOCK);
	CHECK(strcmp(why, "vsock (--channel)") == 0);
	/* asked against the pin: refused, both named, nothing written */
	got = 7;
	CHECK_EQ(channel_pick(VMM_QEMU, true, CHANNEL_SERIAL, vs, &got, why, sizeof(why)), MB_E_RANGE);
	CHECK(strcmp(why, "--channel virtio-serial, but the manifest pins vsock (its kernel command line)") == 0);
	CHECK_EQ(got, 7);
	CHECK_EQ(channel_pick(VMM_QEMU, true, CHANNEL_VSOCK, vp, &got, why, sizeof(why)), MB_E_RANGE);
	CHECK(strcmp(why, "--channel vsock, but the manifest pins virtio-serial (its kernel command line)") == 0);
	CHECK_EQ(channel_pick(VMM_QEMU, false, CHANNEL_SERIAL, "vouch.channel=tcp:1", &got, why, sizeof(why)),
		 MB_E_INVAL);
	CHECK_EQ(got, 7);
	/* no backend: the default is virtio-serial; vsock asked or pinned is refused */
	path_with(0);
	CHECK_EQ(channel_pick(VMM_QEMU, false, CHANNEL_VSOCK, NULL, &got, why, sizeof(why)), 0);
	CHECK_EQ(got, CHANNEL_SERIAL);
	got = 7;
	CHECK_EQ(channel_pick(VMM_QEMU, true, CHANNEL_VSOCK, NULL, &got, why, sizeof(why)), MB_E_RANGE);
	CHECK(strcmp(why, "the vsock channel needs vhost-device-vsock on PATH (tools/install-deps)") == 0);
	CHECK_EQ(channel_pick(VMM_QEMU, false, CHANNEL_SERIAL, vs, &got, why, sizeof(why)), MB_E_RANGE);
	CHECK(strcmp(why, "the vsock channel, which the manifest pins, needs vhost-device-vsock on PATH (tools/install-deps)") == 0);
	CHECK_EQ(got, 7);
	/* Firecracker's vsock is its own: no backend needed */
	CHECK_EQ(channel_pick(VMM_FIRECRACKER, false, CHANNEL_VSOCK, vs, &got, why, sizeof(why)), 0);
	CHECK_EQ(got, CHANNEL_VSOCK);
	got = 7;
	CHECK_EQ(channel_pick(VMM_FIRECRACKER, false, CHANNEL_VSOCK, NULL, &got, why, sizeof(why)), 0);
	CHECK_EQ(got, CHANNEL_VSOCK);
}

int main(void)
{
	char f[sizeof(bin) + 32];
	FILE *fp;

	REQUIRE(mkdtemp(dir) != NULL);
	snprintf(bin, sizeof(bin), "%s/bin", dir);
	snprintf(empty, sizeof(empty), "%s/empty", dir);
	snprintf(f, sizeof(f), "%s/vhost-device-vsock", bin);
	REQUIRE(mkdir(bin, 0755) == 0 && mkdir(empty, 0755) == 0);
	REQUIRE((fp = fopen(f, "w")) != NULL && fclose(fp) == 0 && chmod(f, 0755) == 0);
	RUN(test_auto);
	RUN(test_of_boot_cmdline);
	RUN(test_of_cmdline);
	RUN(test_pick);
	unlink(f);
	rmdir(bin);
	rmdir(empty);
	rmdir(dir);
	return t_done();
}
