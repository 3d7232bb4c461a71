# The OpenSSL engine zymkey_ssl (included by the Makefile).
#
#   make -C native engine          build build/zymkey_ssl.so
#   make -C native install         also installs it into OpenSSL's engines directory:
#                                  `openssl version -e` when PREFIX is /usr, else
#                                  $(LIBDIR)/engines-3 (point OPENSSL_ENGINES there)
#
# `all` and `install` leave the engine out, saying so, where OpenSSL's headers are
# missing (Debian: libssl-dev). Tests load it from the build directory with
# OPENSSL_ENGINES=<build>.

ifeq ($(PREFIX),/usr)
ENGINESDIR  ?= $(shell pkg-config --variable=enginesdir libcrypto 2>/dev/null || \
                 openssl version -e | sed -n 's/^ENGINESDIR: "\(.*\)"$$/\1/p')
else
ENGINESDIR  ?= $(LIBDIR)/engines-3
endif
ENGINE       = zymkey_ssl.so
# Exactly the flags the engine is written for: ENGINE and EC_KEY are deprecated in
# OpenSSL 3 but kept; never OPENSSL_NO_DEPRECATED or OPENSSL_API_LEVEL >= 30000.
ENGINE_CFLAGS = -std=c99 -Wall -Werror -shared -fPIC -DOPENSSL_API_COMPAT=0x10100000L -Iinclude
HAVE_OPENSSL_HEADERS := $(shell printf '\043include <openssl/engine.h>\n' | \
                          $(CC) -E -x c - >/dev/null 2>&1 && echo yes)

.PHONY: engine install-engine engine-note

ifeq ($(HAVE_OPENSSL_HEADERS),yes)
all: engine
install: install-engine
else
all install: engine-note
endif

engine-note:
	@echo "note: zymkey_ssl not built: OpenSSL's headers are missing (libssl-dev)"

engine: $(BUILD)/$(ENGINE)

$(BUILD)/$(ENGINE): engine/zymkey_ssl.c include/zk_app_utils.h $(BUILD)/$(LIB)
	$(CC) $(CPPFLAGS) $(ENGINE_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ engine/zymkey_ssl.c \
		-L$(BUILD) -lcrypto -lzk_app_utils

install-engine: engine
	@test -n "$(ENGINESDIR)" || { echo "ENGINESDIR unknown: set it (openssl version -e)"; exit 1; }
	install -d $(DESTDIR)$(ENGINESDIR)
	install -m 0755 $(BUILD)/$(ENGINE) $(DESTDIR)$(ENGINESDIR)/$(ENGINE)
