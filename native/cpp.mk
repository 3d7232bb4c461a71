# Zymbit's C++ API, header-only over libzk_app_utils (included by the Makefile).
#
#   g++ app.cpp -I /usr/include/zymkey -l zk_app_utils -o app
#
# `install` puts zkAppUtilsClass.h beside zk_app_utils.h; `all` checks that it compiles
# on its own, strict, as C++11, where a C++ compiler is at hand.

CXX ?= g++
HAVE_CXX := $(shell command -v $(CXX) >/dev/null 2>&1 && echo yes)

.PHONY: cpp-check install-cpp

ifeq ($(HAVE_CXX),yes)
all: cpp-check
endif
install: install-cpp

cpp-check: $(BUILD)/cpp-check.stamp

$(BUILD)/cpp-check.stamp: cpp/zkAppUtilsClass.h include/zk_app_utils.h
	@mkdir -p $(BUILD)
	printf '\043include "zkAppUtilsClass.h"\n' | $(CXX) -std=c++11 -Wall -Wextra -Werror \
		-pedantic -Icpp -Iinclude -x c++ -fsyntax-only -
	@touch $@

install-cpp:
	install -d $(DESTDIR)$(INCDIR)
	install -m 0644 cpp/zkAppUtilsClass.h $(DESTDIR)$(INCDIR)/
