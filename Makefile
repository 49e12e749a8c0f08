# Thin front door: `make run` and `make test` do all set-up themselves.
# Everything real lives in CMake; see README.md.

BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc)
# Point at a kernel tree or file to test an upstream core instead of ours.
LLBITMAP_SOURCE ?=
# Batch each library's sources into one compile (a fresh build's CPU time
# falls by about a quarter); UNITY=OFF recompiles only the file you edit.
UNITY ?= ON
CMAKE_FLAGS = -G Ninja -DLLSIM_UNITY_BUILD=$(UNITY) $(if $(LLBITMAP_SOURCE),-DLLBITMAP_SOURCE=$(LLBITMAP_SOURCE))

.PHONY: all setup build build-asan run test test-fast clean

all: build

setup:
	@ci/bootstrap

build: setup
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# The sanitizer build checks the core and harness for memory and UB errors;
# the mutants (which prove the properties can fail) run in the plain build.
build-asan: setup
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DLLSIM_SANITIZE=ON \
		-DLLSIM_BUILD_MUTANTS=OFF $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)

# The main job: a property campaign on the configured core (about a
# minute), every profile, keeping going past failures; the report goes to
# $(CAMPAIGN_OUT).
CAMPAIGN_SECONDS ?= 60
CAMPAIGN_OUT ?= $(BUILD)/campaign
run: build
	$(BUILD)/bin/llsim info
	$(BUILD)/bin/llsim demo
	$(BUILD)/bin/llsim campaign --seconds $(CAMPAIGN_SECONDS) --seed 1 --out $(CAMPAIGN_OUT)

# The sanitizer build runs the same suite; both must pass.
test: build build-asan
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS)

test-fast: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L unit

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
