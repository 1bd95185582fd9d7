# Thin front for Meson: every target bootstraps its Debian dependencies
# (scripts/deps), configures build/ once, and forwards to meson/ninja.

BUILD   ?= build
MESON   ?= meson
PREFIX  ?= /usr/local
SETUP_ARGS ?=

.PHONY: all build deps-build deps-check deps-demo check demo bench format install clean fuzz

all: build

deps-build:
	@scripts/deps build

deps-check:
	@scripts/deps check

deps-demo:
	@scripts/deps demo

$(BUILD)/build.ninja:
	$(MESON) setup $(BUILD) --prefix=$(PREFIX) $(SETUP_ARGS)

build: deps-build $(BUILD)/build.ninja
	$(MESON) compile -C $(BUILD)

check: deps-check $(BUILD)/build.ninja
	$(MESON) compile -C $(BUILD)
	$(MESON) test -C $(BUILD) --print-errorlogs --no-rebuild --suite memwire

demo: deps-demo build
	$(BUILD)/memwire demo

bench: build
	$(MESON) compile -C $(BUILD) benches
	@set -e; for b in $$($(MESON) introspect $(BUILD) --targets | \
		python3 -c 'import json,sys; print(" ".join(t["filename"][0] for t in json.load(sys.stdin) if t["name"].startswith("bench_")))'); do \
		echo "== $$b"; $$b; echo; done

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

install: build
	$(MESON) install -C $(BUILD)

clean:
	rm -rf $(BUILD)
