// SPDX-License-Identifier: MIT
/* The Firecracker backend: one configuration file (the fields and limits
 * it relies on, with their source, are in docs/firecracker.md), started
 * with --no-api; the guest's channels on its vsock device, whose host side
 * is the hybrid vsock (hvsock.h). */
#include "firecracker.h"

#include <limits.h>
#include <string.h>

#include "err.h"
#include "proc.h"
#include "report.h"

int firecracker_check_opts(enum channel ch, bool tpm_device, unsigned cpus, unsigned memory_mib,
			   char *why, size_t cap)
{
	(void)cpus, (void)memory_mib;
	if (tpm_device) {
		snprintf(why, cap, "--tpm device: Firecracker has no TPM device (the relay is the only way)");
		return MB_E_RANGE;
	}
	if (ch != CHANNEL_VSOCK) {
		snprintf(why, cap, "--channel virtio-serial: Firecracker has vsock only");
		return MB_E_RANGE;
	}
	return 0;
}

static void put_string(FILE *f, const char *s)
{
	report_put_json_string(f, s, strlen(s));
}

/* The root image attached read-only (never the boot device), guest-init
 * in the initrd, one vsock device. */
int firecracker_config(const struct vmm_spec *s, FILE *f)
{
	char uds[PATH_MAX];

	if (pathf(uds, sizeof(uds), "%s/v.sock", s->dir) < 0)
		return MB_E_PATH;
	fputs("{\n  \"boot-source\": {\n    \"kernel_image_path\": ", f);
	put_string(f, s->kernel);
	fputs(",\n    \"initrd_path\": ", f);
	put_string(f, s->initrd);
	fputs(",\n    \"boot_args\": ", f);
	put_string(f, s->cmdline);
	fputs("\n  },\n  \"drives\": [\n    {\n      \"drive_id\": \"rootfs\",\n      \"path_on_host\": ", f);
	put_string(f, s->rootfs);
	fputs(",\n      \"is_root_device\": false,\n      \"is_read_only\": true\n    }\n  ],\n", f);
	fprintf(f, "  \"machine-config\": {\n    \"vcpu_count\": %u,\n    \"mem_size_mib\": %u\n  },\n",
		s->cpus, s->memory_mib);
	fputs("  \"vsock\": {\n    \"guest_cid\": 3,\n    \"uds_path\": ", f);
	put_string(f, uds);
	fputs("\n  }\n}\n", f);
	return ferror(f) ? MB_E_IO : 0;
}

int firecracker_start(const struct vmm_spec *s, struct vmm_proc *ret)
{
	char cfg[PATH_MAX], log[PATH_MAX];
	FILE *f;
	int e;

	if (pathf(cfg, sizeof(cfg), "%s/vm.json", s->dir) < 0 ||
	    pathf(log, sizeof(log), "%s/console.log", s->dir) < 0)
		return MB_E_PATH;
	if (!(f = fopen(cfg, "we")))
		return MB_E_IO;
	e = firecracker_config(s, f);
	if (fclose(f) != 0 && e == 0)
		e = MB_E_IO;
	if (e < 0)
		return e;
	char *argv[] = { "firecracker", "--no-api", "--config-file", cfg, NULL };

	ret->who = "Firecracker";
	ret->log = "console.log";
	ret->started = "VM starting (Firecracker)";
	if ((ret->pid = proc_spawn(argv, log)) < 0) {
		ret->pid = 0;
		return MB_E_IO;
	}
	return 0;
}

int firecracker_keep_logs(const char *dir, const char *out, bool failed, const char **ret_lost)
{
	(void)failed;
	if (file_keep(dir, out, "console.log") < 0) {
		*ret_lost = "console.log";
		return MB_E_IO;
	}
	return 0;
}
