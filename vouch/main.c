// SPDX-License-Identifier: MIT
/*
 * vouch: the host command line. One entry per command in the table below,
 * one file per command (cmd_NAME.c); see vouch(1).
 *
 * One convention for every command, kept here: `vouch CMD --help`, `-h`
 * and `vouch help CMD` print CMD's usage on stdout and exit 0; an unknown
 * command or option, a missing or a surplus argument print the usage on
 * stderr and exit 64; `--version` works everywhere; every message starts
 * with "vouch CMD:".
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "version.h"

#define RUNSPEC_USAGE                                                                              \
	"  run spec options: [--timeout S] [--cwd DIR] [--uid N] [--gid N] [--env K=V]...\n"     \
	"                    [--max-output BYTES] [--max-procs N] [--agent PATH] [--harness PATH]\n" \
	"                    [--agent-user UID:GID | --no-agent-boundary] [--results PATH]...\n"

static int cmd_help(int argc, char **argv);

static const struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary; /* one line in vouch's own usage */
	const char *usage;   /* the command's usage, from its name on */
} commands[] = {
	{ "run", cmd_run, "attested run of an image (or of a source, built and cached), judged",
	  "run (--image DIR | SRC) [--kernel K --initrd I] [--vmm auto|qemu|firecracker] [--tpm relay|device]\n"
	  "          [--channel auto|virtio-serial|vsock] [--memory MiB] [--cpus N] [-o OUT] [--quiet]\n"
	  "          [--format ext4|erofs] [--verity] [--json] [--no-boot] [run spec options] [-- CMD [ARG...]]\n"
	  RUNSPEC_USAGE
	  "  Runs the run spec the image pins; VOUCH_KERNEL and VOUCH_INITRD stand in for --kernel\n"
	  "  and --initrd. SRC (an OCI layout, docker save archive or rootfs tar) is built into\n"
	  "  the image cache first, and reused from it next time.\n" },
	{ "launch", cmd_launch, "one attested run in a VM, from its parts",
	  "launch --kernel K --initrd I --rootfs IMG [--fstype ext4|erofs] [--vmm auto|qemu|firecracker]\n"
	  "          [--tpm relay|device] [--channel auto|virtio-serial|vsock] [--manifest M [--no-pin-check]]\n"
	  "          [-o|--out DIR] [--vm-timeout S] [--memory MiB] [--cpus N] [--quiet] [--print-vmm-config]\n"
	  "          [run spec options] [-- CMD [ARG...]]\n"
	  RUNSPEC_USAGE
	  "  The command is required unless the manifest pins a run spec; --manifest needs --out.\n" },
	{ "manifest", cmd_manifest, "write a reference manifest",
	  "manifest --image IMG [--fstype ext4|erofs] [--tree NAME=PATH=SHA256HEX]...\n"
	  "          [--verity-root HEX --verity-offset BYTES] [--kernel K --initrd I [--tpm relay|device]\n"
	  "          [--channel auto|virtio-serial|vsock]] [run spec options] -o OUT.cbor [-- CMD [ARG...]]\n"
	  RUNSPEC_USAGE },
	{ "image", cmd_image, "flatten an image into DIR/rootfs.img and its manifest",
	  "image SRC -o DIR [--format ext4|erofs] [--verity [--walk-trees]] [--progress text|json]\n"
	  "          [--kernel K --initrd I\n"
	  "          [--cmdline C | --tpm relay|device] [--vmm qemu|firecracker]\n"
	  "          [--channel auto|virtio-serial|vsock]]\n"
	  "          [run spec options] [-- CMD [ARG...]]\n"
	  RUNSPEC_USAGE
	  "  SRC: an OCI layout, a docker save archive, a rootfs tar or a directory.\n" },
	{ "tree-digest", cmd_tree_digest, "print the tree digest of each PATH",
	  "tree-digest [--root DIR] PATH...\n" },
	{ "verify", cmd_verify, "judge stored evidence (as host-verify)",
	  "verify --bundle EVIDENCE.cbor --manifest MANIFEST.cbor [--ek EK.pub]\n"
	  "          [--verifier-key KEY.pem] [--nonce HEX] [--require-agent-boundary]\n"
	  "          [--junit F] [--json F] [--attestation F]\n" },
	{ "predict", cmd_predict, "the PCR values a run must quote",
	  "predict --manifest MANIFEST.cbor [--runspec RUNSPEC.cbor]\n" },
	{ "verifier-key", cmd_verifier_key, "write this host's verifier public key",
	  "verifier-key OUT.pem\n" },
	{ "version", cmd_version, "print the version", "version\n" },
	{ "help", cmd_help, "print a command's usage", "help [COMMAND]\n" },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct command *find(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(name, commands[i].name) == 0)
			return &commands[i];
	return NULL;
}

/* vouch's own usage: exit 0 on stdout (asked for), 64 on stderr. */
static int usage(FILE *f)
{
	fprintf(f, "usage: vouch COMMAND [options]\n       vouch COMMAND --help\n\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-14s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nSee vouch(1).\n");
	return f == stdout ? 0 : EXIT_USAGE;
}

static int command_usage(const struct command *c, FILE *f)
{
	fprintf(f, "usage: vouch %s", c->usage);
	fprintf(f, "See vouch(1).\n");
	return f == stdout ? 0 : EXIT_USAGE;
}

/* Options and no operands: what version and help take themselves. */
static int no_options(int argc, char **argv, int max_operands)
{
	static const struct option opts[] = { CMD_LONG_OPTS, { 0, 0, 0, 0 } };
	int c;

	optind = 1;
	if ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1)
		return cmd_common_opt(c);
	return argc - optind > max_operands ? CMD_USAGE : 0;
}

int cmd_version(int argc, char **argv)
{
	int e = no_options(argc, argv, 0);

	if (e < 0)
		return e;
	printf("vouch " VOUCH_VERSION "\n");
	return 0;
}

/* vouch help [COMMAND]: the usage asked for, on stdout. */
static int cmd_help(int argc, char **argv)
{
	const struct command *c;
	int e = no_options(argc, argv, 1);

	if (e < 0)
		return e;
	if (optind == argc)
		return usage(stdout);
	if (!(c = find(argv[optind]))) {
		fprintf(stderr, "vouch help: unknown command '%s'\n", argv[optind]);
		return usage(stderr);
	}
	return command_usage(c, stdout);
}

int main(int argc, char **argv)
{
	const struct command *c;
	char prog[64];
	int rc;

	if (argc < 2)
		return usage(stderr);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return argc == 2 ? usage(stdout) : usage(stderr);
	if (strcmp(argv[1], "--version") == 0)
		argv[1] = "version";
	if (!(c = find(argv[1]))) {
		fprintf(stderr, "vouch: unknown %s '%s'\n", argv[1][0] == '-' ? "option" : "command", argv[1]);
		return usage(stderr);
	}
	/* getopt names the command in its messages: "vouch run: ..." */
	snprintf(prog, sizeof(prog), "vouch %s", c->name);
	argv[1] = prog;
	rc = c->fn(argc - 1, argv + 1);
	switch (rc) {
	case CMD_HELP: return command_usage(c, stdout);
	case CMD_USAGE: return command_usage(c, stderr);
	case CMD_VERSION: printf("vouch " VOUCH_VERSION "\n"); return 0;
	default: return rc;
	}
}
