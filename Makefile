# archfence: one build, bpf -> skeleton -> controller.
#   make            build everything into build/
#   make test       unit tests (ASan+UBSan), then the end-to-end suites in the guest
#   make demo       the main job on the bundled default policy
#   make soak N=10  the guest suite N times in a row: per test, the runs it failed in
#                   (ONLY=reboot:boot,e2e:journal for some suites; see tests/soak --help)
#   make bench      the benchmark (in the guest unless the host can enforce);
#                   QUICK=1: about 10 minutes, deterministic figures only
#   make vmlinux    regenerate vmlinux/x86/vmlinux.h (KERNEL=/boot/vmlinuz-...)
#   make install / uninstall    (DESTDIR, PREFIX)
# V=1 shows the commands.

.DELETE_ON_ERROR:
.SECONDARY:
.SUFFIXES:

OUT       := build
ARCH      := x86
CLANG     ?= clang
CC        ?= cc
BPFTOOL   ?= bpftool
PREFIX    ?= /usr
DESTDIR   ?=
KERNEL    ?= $(firstword $(wildcard /boot/vmlinuz-*-cloud-amd64))

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

LIBS_PC   := libbpf yaml-0.1 libsystemd json-c libcrypto
PKG_CFLAGS := $(shell pkg-config --cflags $(LIBS_PC) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(LIBS_PC) 2>/dev/null) -lelf -lz

WARN      := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-unused-parameter
CFLAGS    ?= -O2 -g
USER_CFLAGS := $(CPPFLAGS) $(CFLAGS) $(WARN) -std=gnu11 -D_GNU_SOURCE -Iinclude -I$(OUT) -Iuser $(PKG_CFLAGS)
SAN       := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) $(BPF_VARIANT) -Wall -Wextra -Werror \
	-Wno-unused-parameter -Wno-missing-field-initializers -Ivmlinux/$(ARCH) -Iinclude -Ibpf

# maps.bpf.c defines the shared maps: the linker wants definitions first.
BPF_SRCS  := bpf/maps.bpf.c $(filter-out bpf/maps.bpf.c,$(wildcard bpf/*.bpf.c))
BPF_OBJS  := $(patsubst bpf/%.bpf.c,$(OUT)/bpf/%.bpf.o,$(BPF_SRCS))
USER_SRCS := $(filter-out user/main.c,$(wildcard user/*.c))
USER_OBJS := $(patsubst user/%.c,$(OUT)/user/%.o,$(USER_SRCS))
USER_SAN_OBJS := $(patsubst user/%.c,$(OUT)/san/%.o,$(USER_SRCS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUT)/unit/%,$(UNIT_SRCS))
HELPER_SRCS := $(wildcard tests/helpers/*.c)
HELPER_BINS := $(patsubst tests/helpers/%.c,$(OUT)/helpers/%,$(HELPER_SRCS))
# The floor (floor.bpf.c and its loader floor.c) is built by make bench only.
BENCH_SRCS := $(filter-out %.bpf.c tests/bench/floor.c,$(wildcard tests/bench/*.c))
BENCH_BINS := $(patsubst tests/bench/%.c,$(OUT)/bench/%,$(BENCH_SRCS))

.PHONY: pkg deb rpm all clean deps test unit unit-bins e2e demo bench bench-bins vmlinux install uninstall fuzz variant soak

all: $(OUT)/archfence $(HELPER_BINS) $(BENCH_BINS)

deps:
	$(Q)tests/deps

$(OUT)/bpf $(OUT)/user $(OUT)/san $(OUT)/unit $(OUT)/helpers $(OUT)/bench $(OUT)/fuzz:
	$(Q)mkdir -p $@

$(OUT)/bpf/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h) include/archfence.h vmlinux/$(ARCH)/vmlinux.h | $(OUT)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/archfence.bpf.o: $(BPF_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(BPFTOOL) gen object $@ $^

$(OUT)/archfence.skel.h: $(OUT)/archfence.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name archfence_bpf > $@

$(OUT)/user/%.o: user/%.c $(wildcard user/*.h) include/archfence.h $(OUT)/archfence.skel.h | $(OUT)/user
	$(call msg,CC,$@)
	$(Q)$(CC) $(USER_CFLAGS) -c $< -o $@

$(OUT)/san/%.o: user/%.c $(wildcard user/*.h) include/archfence.h $(OUT)/archfence.skel.h | $(OUT)/san
	$(call msg,CC-SAN,$@)
	$(Q)$(CC) $(USER_CFLAGS) $(SAN) -c $< -o $@

$(OUT)/archfence: $(OUT)/user/main.o $(USER_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(OUT)/unit/%: tests/unit/%.c tests/unit/unit.h $(USER_SAN_OBJS) | $(OUT)/unit
	$(call msg,CC-SAN,$@)
	$(Q)$(CC) $(USER_CFLAGS) $(SAN) -Itests/unit -o $@ $< $(USER_SAN_OBJS) $(PKG_LIBS)

$(OUT)/helpers/%: tests/helpers/%.c include/archfence.h | $(OUT)/helpers
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(WARN) -std=gnu11 -D_GNU_SOURCE -Iinclude -o $@ $< -luring -lbpf -lelf -lz -lpthread

$(OUT)/bench/%: tests/bench/%.c | $(OUT)/bench
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(WARN) -std=gnu11 -D_GNU_SOURCE -Iinclude -o $@ $< -lm

# Unit tests run natively, under AddressSanitizer and UndefinedBehaviorSanitizer.
unit: $(UNIT_BINS)
	$(Q)tests/run-unit $(UNIT_BINS)

test: deps
	$(Q)$(MAKE) --no-print-directory all unit-bins fuzz variant pkg
	$(Q)tests/run-all

# A second build whose maps differ, for the upgrade tests: build/variant/archfence.
variant: $(OUT)/archfence
	$(Q)$(MAKE) --no-print-directory OUT=$(OUT)/variant BPF_VARIANT=-DAF_TEST_VARIANT \
		$(OUT)/variant/archfence

unit-bins: $(UNIT_BINS)

e2e: all
	$(Q)tests/run-e2e

# The guest suite (end-to-end and reboot scenarios) N times over, for flaky tests.
N ?= 10
soak: deps
	$(Q)$(MAKE) --no-print-directory all variant
	$(Q)tests/soak $(N) $(if $(ONLY),--only $(ONLY))

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tests/demo

# make bench QUICK=1: about 10 minutes, the deterministic figures only.
bench: deps
	$(Q)$(MAKE) --no-print-directory all bench-bins
	$(Q)tests/bench/run $(if $(QUICK),--quick)

# The floor: one program on each LSM hook archfence's object attaches (the list
# is read from build/archfence.bpf.o), built with the same flags as bpf/.
bench-bins: $(BENCH_BINS) $(OUT)/bench/floor $(OUT)/bench/floor.bpf.o

$(OUT)/bench/floor-hooks.h: $(OUT)/archfence.bpf.o tests/bench/floor-hooks vmlinux/$(ARCH)/vmlinux.h | $(OUT)/bench
	$(call msg,GEN,$@)
	$(Q)tests/bench/floor-hooks $< vmlinux/$(ARCH)/vmlinux.h >$@

$(OUT)/bench/floor.bpf.o: tests/bench/floor.bpf.c $(OUT)/bench/floor-hooks.h
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -I$(OUT)/bench -c $< -o $@

$(OUT)/bench/floor: tests/bench/floor.c | $(OUT)/bench
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(WARN) -std=gnu11 -D_GNU_SOURCE -o $@ $< -lbpf -lelf -lz

include tests/fuzz/build.mk

vmlinux:
	$(Q)vmlinux/gen $(KERNEL) $(ARCH)

# Installed layout. The policy lives in /etc whatever PREFIX is: it is the
# host's, and never overwritten. journald's catalog and systemd are told
# about the new files only when installing into the running system. The
# packages (debian/, rpm/archfence.spec) install with DESTDIR and set
# UNITDIR (Debian 12: /lib/systemd/system) and ZSHCOMPDIR (RPM systems:
# site-functions) to their distributions' places.
SBINDIR    := $(PREFIX)/sbin
UNITDIR    := $(PREFIX)/lib/systemd/system
CATALOGDIR := $(PREFIX)/lib/systemd/catalog
MANDIR     := $(PREFIX)/share/man
BASHCOMPDIR := $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR := $(PREFIX)/share/zsh/vendor-completions
CONFDIR    := $(DESTDIR)/etc/archfence
LIVE       := $(if $(DESTDIR),,$(wildcard /run/systemd/system))

install: $(OUT)/archfence
	$(call msg,INSTALL,$(DESTDIR)$(SBINDIR)/archfence)
	$(Q)install -D -m 0755 $(OUT)/archfence $(DESTDIR)$(SBINDIR)/archfence
	$(Q)install -d -m 0755 $(DESTDIR)$(UNITDIR) $(DESTDIR)$(CATALOGDIR) \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 $(CONFDIR)/policy.d
	$(call msg,INSTALL,$(DESTDIR)$(UNITDIR)/archfence.service)
	$(Q)sed 's|/usr/sbin/archfence|$(SBINDIR)/archfence|g' systemd/archfence.service \
		>$(DESTDIR)$(UNITDIR)/archfence.service
	$(Q)chmod 0644 $(DESTDIR)$(UNITDIR)/archfence.service
	$(call msg,INSTALL,$(DESTDIR)$(CATALOGDIR)/archfence*.catalog)
	$(Q)install -m 0644 catalog/archfence.catalog catalog/archfence.zh_CN.catalog $(DESTDIR)$(CATALOGDIR)/
	$(call msg,INSTALL,$(DESTDIR)$(MANDIR)/man8/archfence.8 man5/archfence-policy.5)
	$(Q)install -m 0644 docs/archfence.8 $(DESTDIR)$(MANDIR)/man8/archfence.8
	$(Q)install -m 0644 docs/archfence-policy.5 $(DESTDIR)$(MANDIR)/man5/archfence-policy.5
	$(call msg,INSTALL,$(DESTDIR)$(BASHCOMPDIR)/archfence $(ZSHCOMPDIR)/_archfence)
	$(Q)install -D -m 0644 completion/archfence.bash $(DESTDIR)$(BASHCOMPDIR)/archfence
	$(Q)install -D -m 0644 completion/_archfence $(DESTDIR)$(ZSHCOMPDIR)/_archfence
	$(Q)if [ -e $(CONFDIR)/policy.yaml ]; then \
		echo "  KEEP     $(CONFDIR)/policy.yaml (not overwritten)"; \
	else \
		printf '  %-8s %s\n' INSTALL $(CONFDIR)/policy.yaml; \
		install -m 0644 policy/default.yaml $(CONFDIR)/policy.yaml; \
	fi
ifneq ($(LIVE),)
	$(Q)journalctl --update-catalog
	$(Q)systemctl daemon-reload
endif

uninstall:
ifneq ($(LIVE),)
	$(Q)systemctl disable archfence.service 2>/dev/null || true
endif
	$(call msg,RM,$(DESTDIR)$(SBINDIR)/archfence and its unit, catalogs and man pages)
	$(Q)rm -f $(DESTDIR)$(SBINDIR)/archfence $(DESTDIR)$(UNITDIR)/archfence.service \
		$(DESTDIR)$(CATALOGDIR)/archfence.catalog $(DESTDIR)$(CATALOGDIR)/archfence.zh_CN.catalog \
		$(DESTDIR)$(MANDIR)/man8/archfence.8 $(DESTDIR)$(MANDIR)/man5/archfence-policy.5 \
		$(DESTDIR)$(BASHCOMPDIR)/archfence $(DESTDIR)$(ZSHCOMPDIR)/_archfence
	$(Q)if cmp -s policy/default.yaml $(CONFDIR)/policy.yaml; then \
		rm -f $(CONFDIR)/policy.yaml; \
	elif [ -e $(CONFDIR)/policy.yaml ]; then \
		echo "  KEEP     $(CONFDIR)/policy.yaml (changed from the default: remove it by hand)"; \
	fi
	$(Q)rmdir $(CONFDIR)/policy.d $(CONFDIR) 2>/dev/null || true
ifneq ($(LIVE),)
	$(Q)journalctl --update-catalog
	$(Q)systemctl daemon-reload
endif

# The packages, from this tree. dpkg-buildpackage writes into the parent
# directory; a copy of the .deb goes to $(OUT)/pkg/, where
# tests/e2e/package.bats installs it from. The RPM (for openEuler, Kylin,
# UOS) is built with Debian's rpm from a tarball of the tree; --nodeps: the
# build dependencies are Debian packages here, not RPMs.
PKG_VERSION = $(shell dpkg-parsechangelog -S Version 2>/dev/null)

deb:
	$(Q)dpkg-buildpackage -us -uc -b
	$(Q)mkdir -p $(OUT)/pkg && cp ../archfence_$(PKG_VERSION)_amd64.deb $(OUT)/pkg/

rpm:
	$(Q)rm -rf $(OUT)/rpm && mkdir -p $(OUT)/rpm/SOURCES $(OUT)/pkg
	$(Q)tar -czf $(OUT)/rpm/SOURCES/archfence-$(PKG_VERSION).tar.gz --exclude=./build \
		--exclude=./.git --transform 's|^\.|archfence-$(PKG_VERSION)|' .
	$(Q)rpmbuild -bb --nodeps --define '_topdir $(abspath $(OUT))/rpm' \
		--define 'debug_package %{nil}' rpm/archfence.spec
	$(Q)cp $(OUT)/rpm/RPMS/x86_64/archfence-$(PKG_VERSION)-*.rpm $(OUT)/pkg/
	$(Q)rpm -qp --qf '[%{FILEMODES:perms} %{FILENAMES}\n]' $(OUT)/pkg/archfence-$(PKG_VERSION)-*.rpm \
		| awk '$$1 ~ /^-/ { print $$2 }' >$(OUT)/pkg/archfence.rpm.list

# Both packages, for tests/e2e/package.bats.
pkg: deb rpm

clean:
	rm -rf $(OUT)
