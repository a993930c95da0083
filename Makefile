# archfence: one build, bpf -> skeleton -> controller.
#   make            build everything into build/
#   make test       unit tests (ASan+UBSan), then the end-to-end suites in the guest
#   make demo       the main job on the bundled default policy
#   make bench      the benchmark (in the guest unless the host can enforce)
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
USER_CFLAGS := $(CFLAGS) $(WARN) -std=gnu11 -D_GNU_SOURCE -Iinclude -I$(OUT) -Iuser $(PKG_CFLAGS)
SAN       := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) -Wall -Wextra -Werror \
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
BENCH_SRCS := $(wildcard tests/bench/*.c)
BENCH_BINS := $(patsubst tests/bench/%.c,$(OUT)/bench/%,$(BENCH_SRCS))

.PHONY: all clean deps test unit unit-bins e2e demo bench vmlinux install uninstall fuzz

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
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS)

$(OUT)/unit/%: tests/unit/%.c tests/unit/unit.h $(USER_SAN_OBJS) | $(OUT)/unit
	$(call msg,CC-SAN,$@)
	$(Q)$(CC) $(USER_CFLAGS) $(SAN) -Itests/unit -o $@ $< $(USER_SAN_OBJS) $(PKG_LIBS)

$(OUT)/helpers/%: tests/helpers/%.c include/archfence.h | $(OUT)/helpers
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(WARN) -std=gnu11 -D_GNU_SOURCE -Iinclude -o $@ $< -luring

$(OUT)/bench/%: tests/bench/%.c | $(OUT)/bench
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(WARN) -std=gnu11 -D_GNU_SOURCE -Iinclude -o $@ $< -lm

# Unit tests run natively, under AddressSanitizer and UndefinedBehaviorSanitizer.
unit: $(UNIT_BINS)
	$(Q)tests/run-unit $(UNIT_BINS)

test: deps
	$(Q)$(MAKE) --no-print-directory all unit-bins fuzz
	$(Q)tests/run-all

unit-bins: $(UNIT_BINS)

e2e: all
	$(Q)tests/run-e2e

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tests/demo

bench: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tests/bench/run

include tests/fuzz/build.mk

vmlinux:
	$(Q)vmlinux/gen $(KERNEL) $(ARCH)

install: $(OUT)/archfence
	install -D -m 0755 $(OUT)/archfence $(DESTDIR)$(PREFIX)/sbin/archfence

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/sbin/archfence

clean:
	rm -rf $(OUT)
