# The policy fuzzer, included by the main Makefile:
#   make build/fuzz/fuzz_policy   then   tests/fuzz/run [SECONDS]
# Built with clang and libFuzzer, AddressSanitizer and UBSan, from the
# policy sources themselves (not the objects the controller links).

FUZZ_SRCS := tests/fuzz/fuzz_policy.c $(wildcard user/policy*.c) user/log.c user/util.c
FUZZ_FLAGS := -fsanitize=fuzzer,address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined

$(OUT)/fuzz/fuzz_policy: $(FUZZ_SRCS) $(wildcard user/policy*.h) user/log.h \
		include/archfence.h tests/fuzz/build.mk | $(OUT)/fuzz
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) $(USER_CFLAGS) $(FUZZ_FLAGS) -o $@ $(FUZZ_SRCS) $(PKG_LIBS)

# "make fuzz" builds the target; the main Makefile gives the recipe, if any.
fuzz: $(OUT)/fuzz/fuzz_policy
