// SPDX-License-Identifier: MIT
/*
 * vouch: the host command line. One entry per command in the table below,
 * one file per command (cmd_NAME.c); see vouch(1).
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"

#define VERSION "0.1"

static int cmd_version(int argc, char **argv)
{
	(void)argc, (void)argv;
	printf("vouch " VERSION "\n");
	return 0;
}

static const struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help; /* the usage line(s), from the command's name on */
} commands[] = {
	{ "run", cmd_run, "run --image DIR [-o OUT] [-- CMD...]  attested run of an image, judged" },
	{ "launch", cmd_launch,
	  "launch --kernel K --initrd I --rootfs R [options] -- CMD [ARG...]\n"
	  "                                     one attested run in a VM (see vouch(1))" },
	{ "manifest", cmd_manifest,
	  "manifest --image IMG --tree NAME=PATH=HEX... [--kernel K --initrd I] -o OUT\n"
	  "                                     write a reference manifest" },
	{ "image", cmd_image, "image SRC -o DIR [options]         flatten an image into DIR/rootfs.img + manifest" },
	{ "tree-digest", cmd_tree_digest, "tree-digest [--root DIR] PATH...   print the tree digest of each PATH" },
	{ "verify", cmd_verify, "verify --bundle B --manifest M     judge stored evidence (as host-verify)" },
	{ "predict", cmd_predict, "predict --manifest M               the PCR values a run must quote" },
	{ "verifier-key", cmd_verifier_key, "verifier-key OUT.pem               write this host's verifier public key" },
	{ "version", cmd_version, "version                            print the version" },
};

static int usage(FILE *f)
{
	fprintf(f, "usage: vouch <command> [options]\n\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %s\n", commands[i].help);
	fprintf(f, "\nSee vouch(1).\n");
	return f == stderr ? EXIT_USAGE : 0;
}

int main(int argc, char **argv)
{
	const char *name = argc >= 2 ? argv[1] : "";
	int rc;

	if (argc < 2)
		return usage(stderr);
	if (strcmp(name, "--version") == 0)
		name = "version";
	if (strcmp(name, "help") == 0 || strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0)
		return usage(stdout);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(name, commands[i].name) != 0)
			continue;
		rc = commands[i].fn(argc - 1, argv + 1);
		return rc == CMD_USAGE ? usage(stderr) : rc;
	}
	fprintf(stderr, "vouch: unknown command '%s'\n", name);
	return usage(stderr);
}
