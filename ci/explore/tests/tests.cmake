# Explorer tests: its counts against brute force (label unit), and
# end-to-end runs of `llsim explore` (label property): a small exhaustive
# bound on the bundled core that must certify, shards that add up to it,
# and mutants it must find with a counterexample that replays.
add_executable(llsim_explore_tests ${CMAKE_CURRENT_LIST_DIR}/explore_test.cc)
target_link_libraries(llsim_explore_tests PRIVATE llsim_explore llsim_campaign llsim_harness
  ${LLSIM_DEFAULT_CORE}
  GTest::gtest_main)
# COST: ctest starts costly tests first; with no timings yet (a fresh clone,
# as on CI), the longest explore runs otherwise start last and run alone at
# the end of the sanitizer suite (explore.bundled-core: 97 s under ASan;
# 185 s with its determinism rerun, which now runs in the plain build only).
gtest_discover_tests(llsim_explore_tests PROPERTIES LABELS unit DISCOVERY_TIMEOUT 60 COST 100)

set(explore_e2e ${CMAKE_CURRENT_LIST_DIR}/explore_e2e.sh)
set(explore_work ${CMAKE_BINARY_DIR}/explore-tests)
function(llsim_explore_test name)
  add_test(NAME explore.${name}
           COMMAND ${explore_e2e} ${name} ${CMAKE_BINARY_DIR}/bin ${explore_work}
                   $<IF:$<BOOL:${LLSIM_SANITIZE}>,sanitize,plain>)
  set_tests_properties(explore.${name} PROPERTIES LABELS property TIMEOUT 600
                       SKIP_RETURN_CODE 77 COST 200)
endfunction()
llsim_explore_test(bundled-core)
# The sanitizer build runs the certificate above; these add no memory checks.
if(NOT LLSIM_SANITIZE)
  llsim_explore_test(shards)
  llsim_explore_test(interrupt)
endif()
# Mutants the default bound finds within seconds, one per property that
# catches them (README's explore table has every mutant and its time), and
# one that PCT mode finds (NAME:FLAGS, the flags comma-separated).
set(LLSIM_EXPLORE_MUTANTS skip-sync-needsync unplug-no-wait reload-keeps-dirty daemon-no-drain
    read-one-copy sb-sleep-in-jiffies unplug-fastpath-race:--pct,50)
if(LLSIM_MUTANTS)
  foreach(m IN LISTS LLSIM_EXPLORE_MUTANTS)
    llsim_explore_test(mutant:${m})
  endforeach()
endif()

# Bad input: one clear line, exit 2.
set(llsim $<TARGET_FILE:llsim>)
llsim_cli_test(explore-bad-ops 2 "--ops 0 is out of range" ${llsim} explore --ops 0)
llsim_cli_test(explore-bad-letter 2 "--alphabet: 'w9' needs a chunk number 0..7"
  ${llsim} explore --alphabet w0,w9)
llsim_cli_test(explore-bad-crash-points 2 "--crash_points: 'often' is not none, io or step"
  ${llsim} explore --crash_points often)
llsim_cli_test(explore-bad-shard 2 "--shard '2/2' is not I/N with 0 <= I < N"
  ${llsim} explore --shard 2/2)
llsim_cli_test(explore-pct-and-preemptions 2 "use one" ${llsim} explore --pct 3 --preemptions 2)
llsim_cli_test(explore-after-crash-range 2 "--after_crash_preemptions 5 is out of range"
  ${llsim} explore --after_crash_preemptions 5)
llsim_cli_test(explore-argument 2 "explore takes no arguments" ${llsim} explore now)
llsim_cli_test(explore-foreign-flag 2 "--cases does not apply to explore" ${llsim} explore --cases 3)
llsim_cli_test(explore-flag-elsewhere 2 "--preemptions applies to explore only"
  ${llsim} run --preemptions 2)
# A negated switch counts as given too.
llsim_cli_test(explore-noflag-elsewhere 2 "--sleep_sets applies to explore only"
  ${llsim} campaign --nosleep_sets --cases 1 --out ${CMAKE_BINARY_DIR}/cli-fixtures/unused)
llsim_cli_test(explore-missing-known 2 "/nonexistent/known" ${llsim} explore --known /nonexistent/known)
