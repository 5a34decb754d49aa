# bpfreaper: OCI hooks that remove the eBPF objects a container leaves behind.
# `make` builds build/bin/*; `make check` runs every test (see tests/run).

CC ?= cc
CLANG ?= clang
BPFTOOL ?= bpftool
ARCH := $(shell uname -m | sed 's/x86_64/x86/; s/aarch64/arm64/')
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)

BUILD := build
BIN := $(BUILD)/bin
OBJ := $(BUILD)/obj

# The one version: packaging/debian/changelog and packaging/rpm/bpfreaper.spec
# say the same (tests/e2e/test_cli.sh checks).
VERSION := 0.1.0
VERSION_DEF := -DBPFREAPER_VERSION='"$(VERSION)"'

# Written once for every build of the C sources (release, ASan, fuzz);
# -MMD -MP: each object depends on the headers it includes, listed by the
# compiler in a .d file beside it.
BASE_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE $(VERSION_DEF) -I$(BUILD) -Isrc -MMD -MP
CFLAGS ?= -O2 -g
CFLAGS += $(BASE_CFLAGS) -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE
LDFLAGS += -pie -Wl,-z,relro,-z,now
LIBS := -lbpf -lelf -lz -ljson-c -lcap

BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) \
	      -I/usr/include/$(MULTIARCH) -Ibpf -Wall -Werror

LIB_SRCS := $(wildcard src/*.c)
LIB_OBJS := $(patsubst src/%.c,$(OBJ)/%.o,$(LIB_SRCS))
CTL_SRCS := $(wildcard src/ctl/*.c)
CTL_OBJS := $(patsubst src/ctl/%.c,$(OBJ)/ctl/%.o,$(CTL_SRCS))
# The edge: what hooks/ and src/ctl/ share, and where they log what the
# library returned (the library itself never logs).
EDGE_SRCS := $(wildcard src/edge/*.c)
EDGE_OBJS := $(patsubst src/edge/%.c,$(OBJ)/edge/%.o,$(EDGE_SRCS))

BINARIES := $(BIN)/bpfreaper-prestart $(BIN)/bpfreaper-poststop $(BIN)/bpfreaper-runtime $(BIN)/bpfreaperctl

all: $(BINARIES)

# A recipe that fails half-way leaves no object a later make would take
# for done.
.DELETE_ON_ERROR:

# One .bpf.c per BPF program set, one generated skeleton each.
SKELS := $(BUILD)/tracepoint.skel.h $(BUILD)/trampoline.skel.h $(BUILD)/holders.skel.h

$(BUILD)/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h) | $(BUILD)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $*_bpf > $@.tmp && mv $@.tmp $@

# The skeletons exist before the first compile (order-only); after it the
# .d files name the ones each object includes.
$(OBJ)/%.o: src/%.c | $(SKELS) $(OBJ)
	$(CC) $(CFLAGS) -c $< -o $@

$(OBJ)/ctl/%.o: src/ctl/%.c | $(SKELS) $(OBJ)/ctl
	$(CC) $(CFLAGS) -c $< -o $@

$(OBJ)/edge/%.o: src/edge/%.c | $(SKELS) $(OBJ)/edge
	$(CC) $(CFLAGS) -c $< -o $@

$(OBJ)/hook-%.o: hooks/%.c | $(SKELS) $(OBJ)
	$(CC) $(CFLAGS) -c $< -o $@

# The runtime wrapper writes the installed hooks' paths into bundles.
$(OBJ)/hook-runtime.o: CFLAGS += -DBPFREAPER_HOOKDIR='"$(HOOKDIR)"'
# configure --runtime=crio|podman points hooks.d files at them.
$(OBJ)/ctl/configure.o: CFLAGS += -DBPFREAPER_HOOKDIR='"$(HOOKDIR)"'

$(BUILD)/libbpfreaper.a: $(LIB_OBJS)
	ar rcs $@ $^

$(BUILD)/libbpfreaper-edge.a: $(EDGE_OBJS)
	ar rcs $@ $^

# The hooks sit on every container start and stop: linked statically they
# start in half the time (no relocation of five shared libraries; measured
# in BENCHMARKS.md). STATIC_HOOKS=0 links them like bpfreaperctl. The same
# for bpfreaper-runtime, which sits on every container create.
# STATIC_HOOKS=nopie links them at a fixed address (-static, no PIE): a
# static PIE relocates itself at every start (over 2 000 relocations
# written into pages that each fault in), which costs each hook 0.3 to
# 0.5 ms and 5 page faults here (BENCHMARKS.md, part 7). Not the default:
# the hooks run as root on input a pod writes (its annotations), and
# without PIE their own code and data are at fixed addresses.
STATIC_HOOKS ?= 1
HOOK_LDFLAGS := $(if $(filter 1,$(STATIC_HOOKS)),-static-pie,$(if $(filter nopie,$(STATIC_HOOKS)),-static,-pie))

$(BIN)/bpfreaper-%: $(OBJ)/hook-%.o $(BUILD)/libbpfreaper-edge.a $(BUILD)/libbpfreaper.a | $(BIN)
	$(CC) $(HOOK_LDFLAGS) $(filter-out -pie,$(LDFLAGS)) -o $@ $^ $(LIBS)

$(BIN)/bpfreaperctl: $(CTL_OBJS) $(BUILD)/libbpfreaper-edge.a $(BUILD)/libbpfreaper.a | $(BIN)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD) $(BIN) $(OBJ) $(OBJ)/ctl $(OBJ)/edge:
	mkdir -p $@

# The test build: the same code with its kill and stop points
# (src/crashpoint.h), for the e2e tests that kill or stop a hook at a step.
# Only the library files that name crashpoint (crashpoint.c and its callers)
# are compiled again; every other object is the shipped one. The shipped
# binaries never get -DBPFREAPER_TEST_BUILD (tests/lint/no-test-hooks).
TEST_BUILD := $(BUILD)/test
TEST_POINT_SRCS := $(shell grep -lw crashpoint $(LIB_SRCS))
TEST_POINT_OBJS := $(patsubst src/%.c,$(TEST_BUILD)/obj/%.o,$(TEST_POINT_SRCS))
TEST_LIB_OBJS := $(filter-out $(patsubst src/%.c,$(OBJ)/%.o,$(TEST_POINT_SRCS)),$(LIB_OBJS)) $(TEST_POINT_OBJS)
TEST_BINARIES := $(patsubst $(BIN)/%,$(TEST_BUILD)/bin/%,$(BINARIES))

$(TEST_BUILD)/obj/%.o: src/%.c | $(SKELS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -DBPFREAPER_TEST_BUILD -c $< -o $@

$(TEST_BUILD)/libbpfreaper.a: $(TEST_LIB_OBJS)
	ar rcs $@ $^

$(TEST_BUILD)/bin/bpfreaper-%: $(OBJ)/hook-%.o $(BUILD)/libbpfreaper-edge.a $(TEST_BUILD)/libbpfreaper.a
	@mkdir -p $(dir $@)
	$(CC) $(HOOK_LDFLAGS) $(filter-out -pie,$(LDFLAGS)) -o $@ $^ $(LIBS)

$(TEST_BUILD)/bin/bpfreaperctl: $(CTL_OBJS) $(BUILD)/libbpfreaper-edge.a $(TEST_BUILD)/libbpfreaper.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

test-build: $(TEST_BINARIES)

# Unit tests: pure parts, no kernel needed. One binary per
# tests/unit/test_*.c, each linked with the runner (tests/unit/check.c) that
# finds the file's TEST() cases: a new file or case needs no registering.
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))

$(OBJ)/unit-check.o: tests/unit/check.c | $(OBJ)
	$(CC) $(CFLAGS) -Itests/unit -c $< -o $@

$(BUILD)/tests/%: tests/unit/%.c $(OBJ)/unit-check.o $(BUILD)/libbpfreaper.a
	@mkdir -p $(BUILD)/tests
	$(CC) $(CFLAGS) -Itests/unit -o $@ $< $(OBJ)/unit-check.o $(BUILD)/libbpfreaper.a $(LIBS)

# The tracer's record code against a private instance of it (root; see
# tests/bpf/test_record.c).
BPF_TEST_BINS := $(patsubst tests/bpf/%.c,$(BUILD)/tests/bpf/%,$(wildcard tests/bpf/test_*.c))

$(BUILD)/tests/bpf/%: tests/bpf/%.c $(OBJ)/unit-check.o $(BUILD)/libbpfreaper.a
	@mkdir -p $(BUILD)/tests/bpf
	$(CC) $(CFLAGS) -Itests/unit -o $@ $< $(OBJ)/unit-check.o $(BUILD)/libbpfreaper.a $(LIBS)

$(BUILD)/bpfleak: tests/helpers/bpfleak.c tests/helpers/rawbpf.h | $(BUILD)
	$(CC) -O2 -Wall -Wextra -Werror -static -o $@ $<

# The leak check's id lister (tests/e2e/lib/harness.sh): runs on the host.
$(BUILD)/bpfids: tests/helpers/bpfids.c tests/helpers/rawbpf.h | $(BUILD)
	$(CC) -O2 -Wall -Wextra -Werror -o $@ $<

$(BUILD)/bpftoken: tests/helpers/bpftoken.c tests/helpers/rawbpf.h | $(BUILD)
	$(CC) -O2 -Wall -Wextra -Werror -static -o $@ $<

$(BUILD)/bpffake: tests/helpers/bpffake.c tests/helpers/rawbpf.h | $(BUILD)
	$(CC) -O2 -Wall -Wextra -Werror -static -pthread -o $@ $<

# Once 32-bit (compat syscalls), once not (io_uring): gcc-multilib.
$(BUILD)/bpfunseen32: tests/helpers/bpfunseen.c tests/helpers/rawbpf.h | $(BUILD)
	$(CC) -m32 -O2 -Wall -Wextra -Werror -static -o $@ $<

$(BUILD)/bpfunseen: tests/helpers/bpfunseen.c tests/helpers/rawbpf.h | $(BUILD)
	$(CC) -O2 -Wall -Wextra -Werror -static -o $@ $<

$(BUILD)/test-progs.bpf.o: tests/helpers/progs.bpf.c | $(BUILD)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# What the containers' root filesystem holds (tests/e2e/lib/rootfs.sh):
# every test with containers needs all of them, the demo too.
ROOTFS_HELPERS := $(BUILD)/bpfleak $(BUILD)/bpftoken $(BUILD)/bpffake $(BUILD)/bpfunseen $(BUILD)/bpfunseen32 \
	$(BUILD)/test-progs.bpf.o

# The test build goes with the tests: the e2e kill-point tests run it.
unit: $(UNIT_BINS) $(BPF_TEST_BINS) $(ROOTFS_HELPERS) $(BUILD)/bpfids $(TEST_BINARIES)

# The unit tests again under ASan and UBSan (any report fails them).
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
SAN_CFLAGS := -O1 -g $(BASE_CFLAGS) $(SAN_FLAGS)
ASAN := $(BUILD)/asan
ASAN_OBJS := $(patsubst src/%.c,$(ASAN)/obj/%.o,$(LIB_SRCS))
ASAN_UNIT_BINS := $(patsubst tests/unit/%.c,$(ASAN)/tests/%,$(UNIT_SRCS))

$(ASAN)/obj/%.o: src/%.c | $(SKELS)
	@mkdir -p $(dir $@)
	$(CC) $(SAN_CFLAGS) -c $< -o $@

$(ASAN)/libbpfreaper.a: $(ASAN_OBJS)
	ar rcs $@ $^

$(ASAN)/obj/unit-check.o: tests/unit/check.c
	@mkdir -p $(dir $@)
	$(CC) $(SAN_CFLAGS) -Itests/unit -c $< -o $@

$(ASAN)/tests/%: tests/unit/%.c $(ASAN)/obj/unit-check.o $(ASAN)/libbpfreaper.a
	@mkdir -p $(dir $@)
	$(CC) $(SAN_CFLAGS) -Itests/unit -o $@ $< $(ASAN)/obj/unit-check.o $(ASAN)/libbpfreaper.a $(LIBS)

unit-asan: $(ASAN_UNIT_BINS)
	@for t in $(ASAN_UNIT_BINS); do $$t || exit 1; done

# libFuzzer targets (clang): the OCI state, the state file, config and keep
# rules. `make fuzz-quick` is part of make check; `make fuzz FUZZ_TIME=600`
# runs each target that many seconds.
FUZZ := $(BUILD)/fuzz
FUZZ_OBJS := $(patsubst src/%.c,$(FUZZ)/obj/%.o,$(LIB_SRCS))
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.c,$(FUZZ)/fuzz_%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_TIME ?= 600

$(FUZZ)/obj/%.o: src/%.c | $(SKELS)
	@mkdir -p $(dir $@)
	$(CLANG) $(SAN_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

# Compiled and linked in one step, so its .d file adds the headers to $^:
# only the sources and objects go to the compiler.
$(FUZZ)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_OBJS)
	$(CLANG) $(SAN_CFLAGS) -fsanitize=fuzzer -o $@ $(filter %.c %.o,$^) $(LIBS)

fuzz-build: $(FUZZ_TARGETS)

fuzz-quick: fuzz-build
	tests/fuzz/run 5

fuzz: fuzz-build
	tests/fuzz/run $(FUZZ_TIME)

lint: all
	tests/lint/run

# Dynamically linked copies of the hooks, for valgrind (it cannot follow
# malloc in a static binary).
$(BUILD)/dyn/bpfreaper-%: $(OBJ)/hook-%.o $(BUILD)/libbpfreaper-edge.a $(BUILD)/libbpfreaper.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

# The Debian package, built once per tree (packaging/build-deb --fresh):
# make check's package tests and its systemd guest install this build.
deb:
	packaging/build-deb --fresh $(BUILD)/deb >/dev/null || packaging/build-deb $(BUILD)/deb >/dev/null

check: all unit $(ASAN_UNIT_BINS) fuzz-build $(BUILD)/dyn/bpfreaper-prestart $(BUILD)/dyn/bpfreaper-poststop deb
	tests/run

demo: all $(ROOTFS_HELPERS)
	tests/demo.sh

clean:
	rm -rf $(BUILD)

.PHONY: all test-build unit unit-asan fuzz-build fuzz-quick fuzz lint deb check demo clean
.SECONDARY:

# Installation. Hooks go where Debian's other OCI hooks live; the hooks.d
# files point at them; `make uninstall` removes exactly what this installs.
PREFIX ?= /usr
BINDIR ?= $(PREFIX)/bin
LIBEXECDIR ?= $(PREFIX)/libexec
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
SYSCONFDIR ?= /etc
UNITDIR ?= $(PREFIX)/lib/systemd/system
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
PRESETDIR ?= $(PREFIX)/lib/systemd/system-preset
DOCDIR ?= $(DATADIR)/doc/bpfreaper
HOOKDIR := $(LIBEXECDIR)/oci/hooks.d
HOOKSD := $(DATADIR)/containers/oci/hooks.d
MAN8 := man/bpfreaper-prestart.8 man/bpfreaper-poststop.8 man/bpfreaper-runtime.8 man/bpfreaperctl.8
MAN5 := man/bpfreaper.json.5

# Every installed path, one per line (packaging/rpm is checked against it).
INSTALLED := $(HOOKDIR)/bpfreaper-prestart $(HOOKDIR)/bpfreaper-poststop $(BINDIR)/bpfreaperctl \
	$(BINDIR)/bpfreaper-runtime \
	$(HOOKSD)/bpfreaper-prestart.json $(HOOKSD)/bpfreaper-poststop.json \
	$(DOCDIR)/examples/bpfreaper.json $(SYSCONFDIR)/logrotate.d/bpfreaper \
	$(UNITDIR)/bpfreaper-gc.service $(UNITDIR)/bpfreaper-gc.timer $(UNITDIR)/bpfreaper-load.service \
	$(PRESETDIR)/50-bpfreaper.preset $(TMPFILESDIR)/bpfreaper.conf \
	$(addprefix $(MANDIR)/man8/,$(notdir $(MAN8))) $(addprefix $(MANDIR)/man5/,$(notdir $(MAN5)))

install: all
	install -D -m 0755 $(BIN)/bpfreaper-prestart $(DESTDIR)$(HOOKDIR)/bpfreaper-prestart
	install -D -m 0755 $(BIN)/bpfreaper-poststop $(DESTDIR)$(HOOKDIR)/bpfreaper-poststop
	install -D -m 0755 $(BIN)/bpfreaperctl $(DESTDIR)$(BINDIR)/bpfreaperctl
	install -D -m 0755 $(BIN)/bpfreaper-runtime $(DESTDIR)$(BINDIR)/bpfreaper-runtime
	install -d $(DESTDIR)$(HOOKSD)
	for f in oci-config/hooks.d/*.json; do \
		sed 's|/usr/libexec/oci/hooks.d|$(HOOKDIR)|' $$f >$(DESTDIR)$(HOOKSD)/$$(basename $$f) && \
		chmod 0644 $(DESTDIR)$(HOOKSD)/$$(basename $$f); done
	# An example, not a conffile: no /etc/bpfreaper until the host writes
	# its own config (the built-in defaults apply without one). Operators
	# copy it, and an invalid live config runs every container unrecorded:
	# never ship one that fails the check.
	$(BIN)/bpfreaperctl config check packaging/bpfreaper.json.example >/dev/null
	install -D -m 0644 packaging/bpfreaper.json.example $(DESTDIR)$(DOCDIR)/examples/bpfreaper.json
	install -D -m 0644 packaging/logrotate $(DESTDIR)$(SYSCONFDIR)/logrotate.d/bpfreaper
	install -d $(DESTDIR)$(UNITDIR)
	for u in bpfreaper-gc.service bpfreaper-load.service; do \
		sed 's|/usr/bin/bpfreaperctl|$(BINDIR)/bpfreaperctl|' packaging/systemd/$$u >$(DESTDIR)$(UNITDIR)/$$u && \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$$u; done
	install -D -m 0644 packaging/systemd/bpfreaper-gc.timer $(DESTDIR)$(UNITDIR)/bpfreaper-gc.timer
	install -D -m 0644 packaging/systemd/50-bpfreaper.preset $(DESTDIR)$(PRESETDIR)/50-bpfreaper.preset
	install -D -m 0644 packaging/systemd/bpfreaper.conf $(DESTDIR)$(TMPFILESDIR)/bpfreaper.conf
	install -D -m 0644 -t $(DESTDIR)$(MANDIR)/man8 $(MAN8)
	install -D -m 0644 -t $(DESTDIR)$(MANDIR)/man5 $(MAN5)

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	-rmdir $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR) 2>/dev/null

installed-files:
	@printf '%s\n' $(INSTALLED)

bench: all $(BUILD)/bpfleak
	bench/run

.PHONY: install uninstall installed-files bench

# What each object and test binary included, as the compiler listed it:
# <object>.d, and <binary>.d for those compiled and linked in one step.
# Named from the lists, never found under build/: packaging/build-deb puts
# a package tree there whose etc/logrotate.d is a directory.
HOOK_OBJS := $(patsubst hooks/%.c,$(OBJ)/hook-%.o,$(wildcard hooks/*.c))
DEP_FILES := $(patsubst %.o,%.d,$(LIB_OBJS) $(CTL_OBJS) $(EDGE_OBJS) $(HOOK_OBJS) $(OBJ)/unit-check.o $(TEST_POINT_OBJS) \
		$(ASAN_OBJS) $(ASAN)/obj/unit-check.o $(FUZZ_OBJS)) \
	$(addsuffix .d,$(UNIT_BINS) $(BPF_TEST_BINS) $(ASAN_UNIT_BINS) $(FUZZ_TARGETS))
-include $(DEP_FILES)
