# Zymbit's C++ API, header-only over libzk_app_utils (included by the Makefile).
#
#   g++ app.cpp -I /usr/include/zymkey -l zk_app_utils -o app

CXX ?= g++

.PHONY: cpp-check install-cpp

# The header compiles on its own, strict, as C++11.
cpp-check: $(BUILD)/cpp-check.stamp

$(BUILD)/cpp-check.stamp: cpp/zkAppUtilsClass.h include/zk_app_utils.h
	@mkdir -p $(BUILD)
	echo '#include "zkAppUtilsClass.h"' | $(CXX) -std=c++11 -Wall -Wextra -Werror -pedantic \
		-Icpp -Iinclude -x c++ -fsyntax-only -
	@touch $@

all: cpp-check

install: install-cpp

install-cpp:
	install -d $(DESTDIR)$(INCDIR)
	install -m 0644 cpp/zkAppUtilsClass.h $(DESTDIR)$(INCDIR)/
