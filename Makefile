# vouch: one non-recursive Makefile for the whole tree.
#   make          host programs (build/bin), static guest-init (build/guest)
#   make check    every test, offline (unit, sanitizers, vectors, integration)
#   make deb      the Debian package, build/vouch_VERSION_amd64.deb (debian/)
#   make suites   real third-party suites (pytest, bats, prove) in Debian roots, attested
#   make soak     200 launches, mixed TPM paths, some two at once (SOAK_N=N)
#   make fuzz     libFuzzer targets (build/fuzz)
#   make mutate   each weakened security check must fail a test (VM=1: also in VMs)
#   make clean
# V=1 shows the commands.

B ?= build
V ?= 0
Q := $(if $(filter 1,$(V)),,@)
say = $(if $(filter 1,$(V)),,@printf '  %-7s %s\n' $(1) $(2);)

CC ?= cc
GUEST_CC ?= musl-gcc
FUZZ_CC ?= clang

WARN := -Wall -Wextra -Werror -Wformat=2 -Wvla -Wstrict-prototypes
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) -g -ffile-prefix-map=$(CURDIR)/=
HARDEN := -O2 -D_FORTIFY_SOURCE=2 -fstack-protector-strong
SAN := -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# Each folder includes from itself and from the folders it may import,
# nothing else (tests/build/layering.sh checks the sources the same way):
# measured-boot <- guest-init, host-verify <- vouch/vm <- vouch/image <- vouch.
CPPFLAGS_MB := -iquote measured-boot
CPPFLAGS_HV := -iquote host-verify
CPPFLAGS_VOUCH := $(CPPFLAGS_HV) -iquote vouch -iquote vouch/image -iquote vouch/vm

# expat: host-verify reads JUnit result files (host-verify/results.c)
HOST_LIBS := -lcbor -lcrypto -lexpat
HOST_TSS_LIBS := -ltss2-esys -ltss2-sys -ltss2-mu -ltss2-rc -ltss2-tctildr
HOST_SODIUM := -lsodium

# ---- the shared library, three ways: host, sanitized host, guest (musl) ----
MB_SRCS := $(sort $(wildcard measured-boot/*.c))
MB_HOST_OBJS := $(MB_SRCS:%.c=$(B)/host/%.o)
MB_ASAN_OBJS := $(MB_SRCS:%.c=$(B)/asan/%.o)
MB_GUEST_OBJS := $(MB_SRCS:%.c=$(B)/guest/obj/%.o)

$(B)/host/%.o: %.c
	$(call say,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(BASE_CFLAGS) $(HARDEN) $(CPPFLAGS_MB) $(CPPFLAGS_DIR) -MMD -MP -c $< -o $@

$(B)/asan/%.o: %.c
	$(call say,CC-SAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(BASE_CFLAGS) $(SAN) $(CPPFLAGS_MB) $(CPPFLAGS_DIR) -MMD -MP -c $< -o $@

$(B)/host/libmeasured-boot.a: $(MB_HOST_OBJS)
	$(call say,AR,$@)
	$(Q)rm -f $@ && ar rcsD $@ $^

$(B)/asan/libmeasured-boot.a: $(MB_ASAN_OBJS)
	$(call say,AR,$@)
	$(Q)rm -f $@ && ar rcsD $@ $^

# ---- guest side: static musl, against the pinned dependencies ----
# The prefix is built (or found in the cache) by tools/deps/build-musl-deps;
# its path is kept in a file so that parsing this Makefile fetches nothing.
GUEST_PREFIX_FILE := $(B)/guest/deps.prefix
GUEST_PREFIX = $(shell cat $(GUEST_PREFIX_FILE))
GUEST_CFLAGS = $(BASE_CFLAGS) $(HARDEN) -isystem $(GUEST_PREFIX)/include $(CPPFLAGS_MB)
GUEST_LIBS = -L$(GUEST_PREFIX)/lib -ltss2-esys -ltss2-sys -ltss2-mu -ltss2-rc \
	-ltss2-tcti-device -lcbor -lcrypto

$(GUEST_PREFIX_FILE): tools/deps/build-musl-deps tools/deps/musl-deps.lock
	$(call say,DEPS,musl)
	$(Q)mkdir -p $(@D)
	$(Q)tools/deps/build-musl-deps --print-prefix > $@.tmp && mv $@.tmp $@

$(B)/guest/obj/%.o: %.c $(GUEST_PREFIX_FILE)
	$(call say,MUSL-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) -MMD -MP -c $< -o $@

$(B)/guest/libmeasured-boot.a: $(MB_GUEST_OBJS)
	$(call say,AR,$@)
	$(Q)rm -f $@ && ar rcsD $@ $^

GUEST_INIT_SRCS := $(sort $(wildcard guest-init/*.c))
GUEST_INIT_OBJS := $(GUEST_INIT_SRCS:%.c=$(B)/guest/obj/%.o)

$(B)/guest/guest-init: $(GUEST_INIT_OBJS) $(B)/guest/libmeasured-boot.a
	$(call say,LINK,$@)
	$(Q)$(GUEST_CC) -static -s -Wl,--build-id=sha1 -o $@ $(GUEST_INIT_OBJS) \
		$(B)/guest/libmeasured-boot.a $(GUEST_LIBS)

# ---- host-side library of the verifier (also used by vouch) ----
HV_LIB_SRCS := $(filter-out host-verify/main.c,$(sort $(wildcard host-verify/*.c)))
HV_LIB_OBJS := $(HV_LIB_SRCS:%.c=$(B)/host/%.o)
$(B)/host/host-verify/%.o $(B)/asan/host-verify/%.o: CPPFLAGS_DIR = $(CPPFLAGS_HV)

$(B)/host/libhostverify.a: $(HV_LIB_OBJS)
	$(call say,AR,$@)
	$(Q)rm -f $@ && ar rcsD $@ $^

# The reproducible initramfs (guest-init alone) and the sample root image.
$(B)/guest/initramfs.cpio: $(B)/guest/guest-init tools/mkinitramfs
	$(call say,CPIO,$@)
	$(Q)tools/mkinitramfs $< $@

$(B)/guest/guest-probe: tests/guest/probe.c $(GUEST_PREFIX_FILE)
	$(call say,MUSL-CC,$@)
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) -static -s -o $@ $<

$(B)/samples/calc.img: tools/mkrootfs-sample samples/calc/agent/calc samples/calc/harness/run-tests \
		samples/confine/run-tests $(B)/guest/guest-probe $(B)/bin/vouch
	$(call say,EROFS,$@)
	$(Q)mkdir -p $(@D)
	$(Q)VOUCH=$(B)/bin/vouch tools/mkrootfs-sample $@ $(B)/guest/guest-probe 2>/dev/null

# ---- host programs ----
# vouch: the commands (vouch/), the image builder (vouch/image/: source
# to rootfs.img + manifest) and the VM launcher (vouch/vm/: rootfs.img to
# evidence).
VOUCH_CMD_SRCS := $(sort $(wildcard vouch/*.c))
VOUCH_IMAGE_SRCS := $(sort $(wildcard vouch/image/*.c))
VOUCH_VM_SRCS := $(sort $(wildcard vouch/vm/*.c))
VOUCH_SRCS := $(VOUCH_CMD_SRCS) $(VOUCH_IMAGE_SRCS) $(VOUCH_VM_SRCS)
VOUCH_OBJS := $(VOUCH_SRCS:%.c=$(B)/host/%.o)
$(B)/host/vouch/%.o $(B)/asan/vouch/%.o: CPPFLAGS_DIR = $(CPPFLAGS_VOUCH)
# The build tree vouch finds its kernel and initramfs in when it runs from
# it (vouch/paths.c); VOUCH_BUILD_TREE= leaves it out (a package's build).
VOUCH_BUILD_TREE ?= 1
$(B)/host/vouch/paths.o $(B)/asan/vouch/paths.o: CPPFLAGS_DIR = $(CPPFLAGS_VOUCH) \
	$(if $(VOUCH_BUILD_TREE),-DVOUCH_SRCDIR='"$(CURDIR)"' -DVOUCH_BUILDDIR='"$(abspath $(B))"')

$(B)/bin/vouch: $(VOUCH_OBJS) $(B)/host/libhostverify.a $(B)/host/libmeasured-boot.a
	$(call say,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ -ltss2-esys -ltss2-sys -ltss2-mu $(HOST_SODIUM) $(HOST_LIBS) -larchive -ljson-c -lext2fs -lcom_err

$(B)/bin/host-verify: $(B)/host/host-verify/main.o $(B)/host/libhostverify.a $(B)/host/libmeasured-boot.a
	$(call say,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ -lsodium -ltss2-mu $(HOST_LIBS)

# vouch itself under ASan+UBSan: the image writers are run on hostile
# trees by tests/image/sanitized.sh.
$(B)/asan/bin/vouch: $(VOUCH_SRCS:%.c=$(B)/asan/%.o) $(B)/asan/libhostverify.a $(B)/asan/libmeasured-boot.a
	$(call say,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(SAN) -o $@ $^ -ltss2-esys -ltss2-sys -ltss2-mu $(HOST_SODIUM) $(HOST_LIBS) -larchive -ljson-c -lext2fs -lcom_err

PROGRAMS := $(B)/bin/host-verify $(B)/bin/vouch $(B)/guest/guest-init $(B)/guest/initramfs.cpio $(B)/samples/calc.img

# ---- tests ----
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(B)/tests/%)
UNIT_ASAN_BINS := $(UNIT_SRCS:tests/unit/%.c=$(B)/tests-asan/%)

# Every unit test links both host libraries; the sanitized build links
# sanitized copies of both. Tests and benchmarks see the verifier's headers.
$(B)/host/tests/%.o $(B)/asan/tests/%.o $(B)/host/bench/%.o: CPPFLAGS_DIR = $(CPPFLAGS_HV)
UNIT_LIBS := $(HOST_SODIUM) -ltss2-mu $(HOST_LIBS)

$(B)/tests/%: $(B)/host/tests/unit/%.o $(B)/host/libhostverify.a $(B)/host/libmeasured-boot.a
	$(call say,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -o $@ $^ $(UNIT_LIBS)

$(B)/asan/libhostverify.a: $(HV_LIB_SRCS:%.c=$(B)/asan/%.o)
	$(call say,AR,$@)
	$(Q)rm -f $@ && ar rcsD $@ $^

$(B)/tests-asan/%: $(B)/asan/tests/unit/%.o $(B)/asan/libhostverify.a $(B)/asan/libmeasured-boot.a
	$(call say,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(SAN) -o $@ $^ $(UNIT_LIBS)

# The same checker built against each libc: both must print the same digests.
$(B)/tests/mbcheck-glibc: $(B)/host/tests/xcheck/mbcheck.o $(B)/host/libmeasured-boot.a
	$(call say,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -o $@ $^ $(HOST_LIBS)

$(B)/tests/mbcheck-musl: $(B)/guest/obj/tests/xcheck/mbcheck.o $(B)/guest/libmeasured-boot.a
	$(call say,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(GUEST_CC) -static -o $@ $^ $(GUEST_LIBS)

# Writes one good vector of every message and file kind (tests/vectors).
$(B)/tests/mkvectors: $(B)/host/tests/vectors/mkvectors.o $(B)/host/libmeasured-boot.a
	$(call say,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -o $@ $^ $(HOST_LIBS)

# Integration test programs talking to real swtpm/QEMU (driven by .sh).
$(B)/tests/tpm-tcti: $(B)/host/tests/integration/tpm_tcti.o $(B)/host/libmeasured-boot.a
	$(call say,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -o $@ $^ -ltss2-esys -ltss2-sys -ltss2-mu $(HOST_LIBS)

$(B)/tests/tpm-credential: $(B)/host/tests/integration/tpm_credential.o $(B)/host/libhostverify.a \
		$(B)/host/libmeasured-boot.a
	$(call say,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -o $@ $^ -ltss2-esys -ltss2-sys -ltss2-mu $(HOST_LIBS)

# vouch image's staging and source code, without the rest of vouch.
IMAGE_UNIT_MODS := image_dir image_stage image_entry image_err oci oci_blob
$(B)/tests/test_image: $(B)/host/tests/unit/test_image.o $(IMAGE_UNIT_MODS:%=$(B)/host/vouch/image/%.o) \
		$(B)/host/libmeasured-boot.a
	$(call say,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -o $@ $^ $(HOST_LIBS) -larchive -ljson-c

$(B)/tests-asan/test_image: $(B)/asan/tests/unit/test_image.o $(IMAGE_UNIT_MODS:%=$(B)/asan/vouch/image/%.o) \
		$(B)/asan/libmeasured-boot.a
	$(call say,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(SAN) -o $@ $^ $(HOST_LIBS) -larchive -ljson-c

# The image config's User resolved in the image (image_config.c).
$(B)/tests/test_image_config: $(B)/host/tests/unit/test_image_config.o $(B)/host/vouch/image/image_config.o \
		$(B)/host/vouch/image/image_err.o $(B)/host/libmeasured-boot.a
	$(call say,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -o $@ $^ $(HOST_LIBS) -ljson-c

$(B)/tests-asan/test_image_config: $(B)/asan/tests/unit/test_image_config.o $(B)/asan/vouch/image/image_config.o \
		$(B)/asan/vouch/image/image_err.o $(B)/asan/libmeasured-boot.a
	$(call say,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(SAN) -o $@ $^ $(HOST_LIBS) -ljson-c

# The one error space, every range's words in it (image_err.c's too).
$(B)/tests/test_err: $(B)/host/tests/unit/test_err.o $(B)/host/vouch/image/image_err.o \
		$(B)/host/libhostverify.a $(B)/host/libmeasured-boot.a
	$(call say,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -o $@ $^ $(UNIT_LIBS)

$(B)/tests-asan/test_err: $(B)/asan/tests/unit/test_err.o $(B)/asan/vouch/image/image_err.o \
		$(B)/asan/libhostverify.a $(B)/asan/libmeasured-boot.a
	$(call say,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(SAN) -o $@ $^ $(UNIT_LIBS)

# The TPM relay's filter and forwarding, without the rest of vouch.
$(B)/tests/test_relay: $(B)/host/tests/unit/test_relay.o $(B)/host/vouch/vm/relay.o \
		$(B)/host/libmeasured-boot.a
	$(call say,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -o $@ $^ $(HOST_LIBS)

$(B)/tests-asan/test_relay: $(B)/asan/tests/unit/test_relay.o $(B)/asan/vouch/vm/relay.o \
		$(B)/asan/libmeasured-boot.a
	$(call say,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(SAN) -o $@ $^ $(HOST_LIBS)

# guest-init's measurements, from the guest's own source, built for the
# host with the TPM calls stubbed in the test.
$(B)/tests/test_gi_measure: $(B)/host/tests/unit/test_gi_measure.o $(B)/host/guest-init/measure.o \
		$(B)/host/libmeasured-boot.a
	$(call say,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -o $@ $^ $(HOST_LIBS)

$(B)/tests-asan/test_gi_measure: $(B)/asan/tests/unit/test_gi_measure.o $(B)/asan/guest-init/measure.o \
		$(B)/asan/libmeasured-boot.a
	$(call say,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(SAN) -o $@ $^ $(HOST_LIBS)

# The agent boundary's request parser, from the guest's own source.
$(B)/tests/test_gi_agent: $(B)/host/tests/unit/test_gi_agent.o $(B)/host/guest-init/agent.o \
		$(B)/host/guest-init/confine.o $(B)/host/libmeasured-boot.a
	$(call say,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -o $@ $^ $(HOST_LIBS)

$(B)/tests-asan/test_gi_agent: $(B)/asan/tests/unit/test_gi_agent.o $(B)/asan/guest-init/agent.o \
		$(B)/asan/guest-init/confine.o $(B)/asan/libmeasured-boot.a
	$(call say,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(SAN) -o $@ $^ $(HOST_LIBS)

# Declared result files, StrictModes-style (guest-init/declared.c).
$(B)/tests/test_gi_declared: $(B)/host/tests/unit/test_gi_declared.o $(B)/host/guest-init/declared.o \
		$(B)/host/libmeasured-boot.a
	$(call say,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -o $@ $^ $(HOST_LIBS)

$(B)/tests-asan/test_gi_declared: $(B)/asan/tests/unit/test_gi_declared.o $(B)/asan/guest-init/declared.o \
		$(B)/asan/libmeasured-boot.a
	$(call say,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(SAN) -o $@ $^ $(HOST_LIBS)

# The VMM backends (vouch/vm/vmm.c, qemu.c, firecracker.c): option limits,
# Firecracker's configuration, log tails; the guest's clock on the kernel
# command line (vouch/vm/boot.c); and the hybrid vsock's host side
# (vouch/vm/hvsock.c).
VMM_OBJS := vouch/vm/vmm.o vouch/vm/qemu.o vouch/vm/firecracker.o vouch/vm/proc.o vouch/vm/boot.o
$(B)/tests/test_vmm: $(B)/host/tests/unit/test_vmm.o $(VMM_OBJS:%=$(B)/host/%) $(B)/host/libhostverify.a \
		$(B)/host/libmeasured-boot.a
	$(call say,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -o $@ $^ $(UNIT_LIBS)

$(B)/tests-asan/test_vmm: $(B)/asan/tests/unit/test_vmm.o $(VMM_OBJS:%=$(B)/asan/%) $(B)/asan/libhostverify.a \
		$(B)/asan/libmeasured-boot.a
	$(call say,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(SAN) -o $@ $^ $(UNIT_LIBS)

$(B)/tests/test_hvsock: $(B)/host/tests/unit/test_hvsock.o $(B)/host/vouch/vm/hvsock.o \
		$(B)/host/vouch/vm/proc.o $(B)/host/libmeasured-boot.a
	$(call say,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -o $@ $^ $(HOST_LIBS)

$(B)/tests-asan/test_hvsock: $(B)/asan/tests/unit/test_hvsock.o $(B)/asan/vouch/vm/hvsock.o \
		$(B)/asan/vouch/vm/proc.o $(B)/asan/libmeasured-boot.a
	$(call say,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(SAN) -o $@ $^ $(HOST_LIBS)

# The guest's channel by default, and the one a pinned command line boots
# (vouch/vm/channel.c).
$(B)/tests/test_channel: $(B)/host/tests/unit/test_channel.o $(B)/host/vouch/vm/channel.o \
		$(B)/host/vouch/vm/boot.o $(B)/host/vouch/vm/proc.o $(B)/host/libmeasured-boot.a
	$(call say,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -o $@ $^ $(HOST_LIBS)

$(B)/tests-asan/test_channel: $(B)/asan/tests/unit/test_channel.o $(B)/asan/vouch/vm/channel.o \
		$(B)/asan/vouch/vm/boot.o $(B)/asan/vouch/vm/proc.o $(B)/asan/libmeasured-boot.a
	$(call say,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(SAN) -o $@ $^ $(HOST_LIBS)

# What guest-init refuses in the hello, from the guest's own source.
$(B)/tests/test_gi_hello: $(B)/host/tests/unit/test_gi_hello.o $(B)/host/guest-init/hello.o \
		$(B)/host/libmeasured-boot.a
	$(call say,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -o $@ $^ $(HOST_LIBS)

$(B)/tests-asan/test_gi_hello: $(B)/asan/tests/unit/test_gi_hello.o $(B)/asan/guest-init/hello.o \
		$(B)/asan/libmeasured-boot.a
	$(call say,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(SAN) -o $@ $^ $(HOST_LIBS)

# Run directories and their owners (vouch/vm/proc.c).
$(B)/tests/test_rundir: $(B)/host/tests/unit/test_rundir.o $(B)/host/vouch/vm/proc.o \
		$(B)/host/libmeasured-boot.a
	$(call say,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -o $@ $^ $(HOST_LIBS)

$(B)/tests-asan/test_rundir: $(B)/asan/tests/unit/test_rundir.o $(B)/asan/vouch/vm/proc.o \
		$(B)/asan/libmeasured-boot.a
	$(call say,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(SAN) -o $@ $^ $(HOST_LIBS)

$(B)/tests/quote-vectors: $(B)/host/tests/integration/quote_vectors.o $(B)/host/libhostverify.a \
		$(B)/host/libmeasured-boot.a
	$(call say,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -o $@ $^ $(UNIT_LIBS)

$(B)/bench/verify: $(B)/host/bench/verify.o $(B)/host/libhostverify.a $(B)/host/libmeasured-boot.a
	$(call say,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -o $@ $^ $(UNIT_LIBS)

# Every bench/*.sh (BENCHES="verify hash": some), each log in
# $(B)/bench-logs/, then the issue-15 figures against their goals.
.PHONY: bench
bench: all $(B)/bench/verify $(B)/tests/quote-vectors $(B)/tests/mbcheck-glibc $(B)/tests/mbcheck-musl
	$(Q)B=$(B) bench/summary.sh

TEST_PROGRAMS := $(B)/asan/bin/vouch $(B)/tests/quote-vectors $(B)/tests/tpm-credential $(B)/tests/tpm-tcti $(B)/tests/mkvectors $(UNIT_BINS) $(UNIT_ASAN_BINS) $(B)/tests/mbcheck-glibc $(B)/tests/mbcheck-musl

# ---- fuzzing ----
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(B)/fuzz/%)
FUZZ_FLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all $(CPPFLAGS_MB) $(CPPFLAGS_HV)

$(B)/fuzz/%: tests/fuzz/%.c $(MB_SRCS) $(HV_LIB_SRCS)
	$(call say,FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $< $(MB_SRCS) $(HV_LIB_SRCS) $(HOST_SODIUM) -ltss2-mu $(HOST_LIBS)

# ---- install ----
# make install [PREFIX=/usr/local] [DESTDIR=]: the programs, their manual
# pages, and under PREFIX/lib/vouch/ the pinned kernel (built once, then
# cached: tools/kernel/build-kernel) and the initramfs, where an installed
# vouch finds them (vouch/paths.c).
PREFIX ?= /usr/local
BINDIR = $(PREFIX)/bin
LIBDIR = $(PREFIX)/lib/vouch
MANDIR = $(PREFIX)/share/man
INSTALL ?= install

install: $(B)/bin/vouch $(B)/bin/host-verify $(B)/guest/initramfs.cpio
	$(call say,KERNEL,tools/kernel/build-kernel)
	$(Q)kernel=$$(tools/kernel/build-kernel --print-path) && \
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man8 && \
	$(INSTALL) -m 0755 $(B)/bin/vouch $(B)/bin/host-verify $(DESTDIR)$(BINDIR)/ && \
	$(INSTALL) -m 0644 "$$kernel" $(DESTDIR)$(LIBDIR)/vmlinux && \
	$(INSTALL) -m 0644 $(B)/guest/initramfs.cpio $(DESTDIR)$(LIBDIR)/initramfs.cpio && \
	$(INSTALL) -m 0644 docs/vouch.1 docs/vouch-image.1 docs/host-verify.1 $(DESTDIR)$(MANDIR)/man1/ && \
	$(INSTALL) -m 0644 docs/guest-init.8 $(DESTDIR)$(MANDIR)/man8/
	$(call say,INSTALL,$(DESTDIR)$(PREFIX))

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/vouch $(DESTDIR)$(BINDIR)/host-verify \
		$(DESTDIR)$(LIBDIR)/vmlinux $(DESTDIR)$(LIBDIR)/initramfs.cpio \
		$(DESTDIR)$(MANDIR)/man1/vouch.1 $(DESTDIR)$(MANDIR)/man1/vouch-image.1 \
		$(DESTDIR)$(MANDIR)/man1/host-verify.1 $(DESTDIR)$(MANDIR)/man8/guest-init.8
	-rmdir $(DESTDIR)$(LIBDIR)

# make deb: the Debian package (debian/, dpkg-buildpackage) as
# $(B)/vouch_VERSION_amd64.deb, built from a copy of the tree in $(B)/deb/;
# the pinned kernel comes from the cache. `apt install ./$(B)/vouch_*.deb`.
deb:
	$(Q)tools/mkdeb $(B)

# ---- top-level targets ----
.DEFAULT_GOAL := all
.PHONY: all check unit suites fuzz clean demo mutate soak install uninstall deb
all: $(PROGRAMS)

check: all $(TEST_PROGRAMS) $(FUZZ_BINS)
	$(Q)B=$(B) tests/run

unit: $(UNIT_BINS) $(UNIT_ASAN_BINS)
	$(Q)B=$(B) tests/run --unit

# Real suites no one here wrote, each in a Debian root (tests/suites/README.md).
suites: all
	$(Q)B=$(B) tests/run --suites

# make check runs a short soak (12 launches); this is the long one.
soak: all
	$(Q)B=$(B) SOAK_N=$${SOAK_N:-200} bash tests/soak/launch.sh

fuzz: $(FUZZ_BINS)

# Each tests/mutation/*.patch weakens one security check; every one must
# make a test fail (tests/mutation/run.sh). VM=1 adds the mutants that only
# a real VM sees.
MUTATE_TARGETS := $(B)/bin/host-verify $(B)/bin/vouch $(B)/tests/mkvectors $(B)/tests/quote-vectors \
	$(B)/tests/tpm-credential $(UNIT_BINS)
mutate: $(MUTATE_TARGETS) $(UNIT_ASAN_BINS) $(if $(filter 1,$(VM)),all)
	$(Q)B=$(B) VM=$(VM) EVERY=$(EVERY) MUTATE_TARGETS="$(MUTATE_TARGETS)" MUTATE_ASAN_TARGETS="$(UNIT_ASAN_BINS)" \
		tests/mutation/run.sh $(MUTANTS)

# The README's main job.
demo: all
	$(Q)tools/demo

clean:
	rm -rf $(B)

.SECONDARY:
-include $(shell find $(B) -name '*.d' 2>/dev/null)
