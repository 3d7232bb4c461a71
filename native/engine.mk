# The OpenSSL engine zymkey_ssl (included by the Makefile).
#
#   make -C native engine                     build build/zymkey_ssl.so
#   make -C native install                    also installs it into OpenSSL's engines
#                                             directory (ENGINESDIR, `openssl version -e`)
#
# Tests load it from the build directory with OPENSSL_ENGINES=native/build.

ENGINESDIR  ?= $(shell pkg-config --variable=enginesdir libcrypto 2>/dev/null || \
                 openssl version -e | sed -n 's/^ENGINESDIR: "\(.*\)"$$/\1/p')
ENGINE       = zymkey_ssl.so
# Exactly the flags the engine is written for: ENGINE and EC_KEY are deprecated in
# OpenSSL 3 but kept; never OPENSSL_NO_DEPRECATED or OPENSSL_API_LEVEL >= 30000.
ENGINE_CFLAGS = -std=c99 -Wall -Werror -shared -fPIC -DOPENSSL_API_COMPAT=0x10100000L -Iinclude

.PHONY: engine install-engine

all: engine

engine: $(BUILD)/$(ENGINE)

$(BUILD)/$(ENGINE): engine/zymkey_ssl.c include/zk_app_utils.h $(BUILD)/$(LIB)
	$(CC) $(CPPFLAGS) $(ENGINE_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ engine/zymkey_ssl.c \
		-L$(BUILD) -lcrypto -lzk_app_utils

install: install-engine

install-engine: engine
	@test -n "$(ENGINESDIR)" || { echo "ENGINESDIR unknown: set it (openssl version -e)"; exit 1; }
	install -d $(DESTDIR)$(ENGINESDIR)
	install -m 0755 $(BUILD)/$(ENGINE) $(DESTDIR)$(ENGINESDIR)/$(ENGINE)
