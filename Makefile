# The two commands a newcomer needs (README.md):
#   make run    install what is missing, build, and run iceway with its built-in defaults
#   make test   install what is missing, build, and run the whole test suite
# Everything else here is a step of those two.

BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
JOBS       ?= $(shell nproc)
FUZZ_LONG_SECONDS ?= 3600
SOAK_MINUTES ?= 60
CMAKE_FLAGS ?=

.PHONY: run test deps test-deps build build-test unit unit-asan config-docs fuzz fuzz-build fuzz-long integration-deps soak clean

deps:
	@scripts/install-deps.sh build

test-deps:
	@scripts/install-deps.sh test

build: deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DICEWAY_TESTS=OFF $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j $(JOBS) --target iceway

run: build
	$(BUILD)/app/iceway

# The full suite: every fuzzer replays its corpus and explores a fixed number of inputs from a
# fixed seed (so the verdict depends on the commit), the pure libraries' unit tests under
# ASan/UBSan, then an optimised -Werror build with the rest (the I/O libraries' unit tests,
# ops checks, integration with real clients); ctest's summary of that last run is the final
# word. Its integration tests run one at a time (tests/integration/CMakeLists.txt), the other
# tests beside them.
test: test-deps
	$(MAKE) fuzz
	$(MAKE) unit-asan
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DICEWAY_TESTS=ON -DICEWAY_WERROR=ON -DICEWAY_PURE_UNIT_TESTS=OFF $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j $(JOBS)
	tests/integration/setup.sh
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

unit-asan:
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DICEWAY_TESTS=ON -DICEWAY_IO=OFF -DICEWAY_SANITIZE=ON -DICEWAY_WERROR=ON $(CMAKE_FLAGS)
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ctest --output-on-failure -L unit -j 2

# The unit tests alone, for the edit-and-test loop (seconds once built).
unit: test-deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DICEWAY_TESTS=ON -DICEWAY_WERROR=ON -DICEWAY_PURE_UNIT_TESTS=ON $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j $(JOBS)
	cd $(BUILD) && ctest --output-on-failure -L unit -j $(JOBS)

# After a change to the key table (app/config_keys.cpp): rewrite docs/configuration.md's key
# tables and deploy/iceway.toml from it (the unit tests fail while they differ).
config-docs: test-deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DICEWAY_TESTS=ON -DICEWAY_PURE_UNIT_TESTS=ON $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j $(JOBS) --target config_test
	ICEWAY_WRITE_CONFIG_DOCS=1 $(BUILD)/tests/app/config_test --gtest_filter='ConfigReference.*Rendered'

fuzz-build:
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DICEWAY_TESTS=OFF -DICEWAY_IO=OFF -DICEWAY_FUZZ=ON $(CMAKE_FLAGS)
	cmake --build $(FUZZ_BUILD) -j $(JOBS)

fuzz: fuzz-build
	tests/fuzz/run.sh $(FUZZ_BUILD) check

# Hours of exploration on demand (FUZZ_LONG_SECONDS per target, on every core); what it finds
# is merged into tests/fuzz/corpus/ for `make test` to replay. See tests/fuzz/run.sh.
fuzz-long: test-deps fuzz-build
	tests/fuzz/run.sh $(FUZZ_BUILD) long $(FUZZ_LONG_SECONDS)

# The soak (docs/RELIABILITY.md): iceway under steady TURN and signaling churn with a SIGHUP
# every few minutes for SOAK_MINUTES; CSV, plot and verdict in $(BUILD)/soak/. `make test`
# runs a 3-minute version (ctest soak.short).
soak: test-deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j $(JOBS) --target iceway
	tests/integration/setup.sh
	ICEWAY_BIN=$(abspath $(BUILD))/app/iceway node tests/soak/soak.mjs --minutes $(SOAK_MINUTES) --out $(BUILD)/soak

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
