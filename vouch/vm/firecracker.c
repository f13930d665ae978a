// SPDX-License-Identifier: MIT
/* The Firecracker backend: one configuration file (the fields and limits
 * it relies on, with their source, are in docs/firecracker.md), started
 * with --no-api; the guest's channels on its vsock device, whose host side
 * is the hybrid vsock (hvsock.h). */
#include "firecracker.h"

#include <limits.h>
#include <stdlib.h>
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

static bool digits(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return false;
	return true;
}

/* Firecracker's logger (src/vmm/src/logger/logging.rs) writes
 * "{LocalTime} [{instance}:{thread}{:level}{:file:line}] {message}\n",
 * LocalTime as "{year}-{mm}-{dd}T{HH}:{MM}:{SS}.{nanoseconds:09}"
 * (src/utils/src/time.rs): docs/firecracker.md. */
bool firecracker_log_line(const char *l, size_t n)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd.ddddddddd [";
	const size_t k = sizeof(shape) - 1;

	if (n < k + 3)
		return false;
	for (size_t i = 0; i < k; i++)
		if (shape[i] == 'd' ? !digits(l + i, 1) : l[i] != shape[i])
			return false;
	/* the bracket closes on this line, before a space and the message */
	for (size_t i = k; i + 1 < n; i++) {
		if (l[i] == ']')
			return l[i + 1] == ' ' && i > k;
		if (l[i] == '[')
			return false;
	}
	return false;
}

int firecracker_split_console(const char *from, const char *console, const char *log)
{
	FILE *in = fopen(from, "re"), *con = NULL, *fc = NULL;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int e = 0;

	if (!in)
		return MB_E_IO;
	if (!(con = fopen(console, "we"))) {
		e = MB_E_IO;
		goto out;
	}
	while ((n = getline(&line, &cap, in)) > 0) {
		size_t len = (size_t)n - (line[n - 1] == '\n');
		FILE *to = con;

		if (firecracker_log_line(line, len)) {
			if (!fc && !(fc = fopen(log, "we"))) {
				e = MB_E_IO;
				goto out;
			}
			to = fc;
		}
		if (fwrite(line, 1, (size_t)n, to) != (size_t)n) {
			e = MB_E_IO;
			goto out;
		}
	}
	if (ferror(in))
		e = MB_E_IO;
out:
	free(line);
	fclose(in);
	if (con && fclose(con) != 0 && e == 0)
		e = MB_E_IO;
	if (fc && fclose(fc) != 0 && e == 0)
		e = MB_E_IO;
	return e;
}

/* Firecracker's stdout holds the guest's serial console and its own log
 * lines: the evidence directory gets them apart, console.log and
 * firecracker.log (on any failure to split, the console whole). */
int firecracker_keep_logs(const char *dir, const char *out, bool failed, const char **ret_lost)
{
	char from[PATH_MAX], con[PATH_MAX], log[PATH_MAX];

	(void)failed;
	if (pathf(from, sizeof(from), "%s/console.log", dir) == 0 &&
	    pathf(con, sizeof(con), "%s/console.log", out) == 0 &&
	    pathf(log, sizeof(log), "%s/firecracker.log", out) == 0 &&
	    firecracker_split_console(from, con, log) == 0)
		return 0;
	if (file_keep(dir, out, "console.log") < 0) {
		*ret_lost = "console.log";
		return MB_E_IO;
	}
	return 0;
}
