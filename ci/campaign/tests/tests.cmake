# Campaign engine tests: unit tests (label unit) and end-to-end runs of the
# llsim binary and mutant binaries (label campaign; the ones that need a
# mutant exist only where mutants are built, as the mutant hunts do).
add_executable(llsim_campaign_tests ${CMAKE_CURRENT_LIST_DIR}/campaign_test.cc)
target_link_libraries(llsim_campaign_tests PRIVATE llsim_campaign llsim_harness
  ${LLSIM_DEFAULT_CORE} GTest::gtest_main)
include(GoogleTest)
gtest_discover_tests(llsim_campaign_tests PROPERTIES LABELS unit DISCOVERY_TIMEOUT 60)

# End-to-end runs. The bundled-core one runs in every build (the sanitizer
# build too); the others need mutant binaries.
set(e2e ${CMAKE_CURRENT_LIST_DIR}/campaign_e2e.sh)
set(e2e_work ${CMAKE_BINARY_DIR}/campaign-tests)
function(llsim_campaign_test name)
  set(labels campaign ${ARGN})
  add_test(NAME campaign.${name} COMMAND ${e2e} ${name} ${CMAKE_BINARY_DIR}/bin ${e2e_work})
  set_tests_properties(campaign.${name} PROPERTIES LABELS "${labels}" TIMEOUT 300
                       SKIP_RETURN_CODE 77)
endfunction()
llsim_campaign_test(bundled-core)
if(LLSIM_MUTANTS)
  llsim_campaign_test(jobs-independent)
  llsim_campaign_test(shards-merge)
  llsim_campaign_test(crash-isolation)
  llsim_campaign_test(two-mutants)
  llsim_campaign_test(known)
  llsim_campaign_test(interrupt)
  # Needs chromium, which `make test` does not install: skipped without it.
  llsim_campaign_test(html chromium)
endif()

# Bad input of every campaign flag: one clear line, exit 2 (llsim_cli_test
# comes from properties/cli_tests.cmake).
set(expect ${PROJECT_SOURCE_DIR}/ci/expect_exit.sh)
set(known_bad ${CMAKE_BINARY_DIR}/cli-fixtures/known-bad.txt)
file(WRITE ${known_bad} "# not signatures\nhello world\n")
set(plain_file ${CMAKE_BINARY_DIR}/cli-fixtures/a-file)
file(WRITE ${plain_file} "x\n")
set(llsim $<TARGET_FILE:llsim>)
set(cout --out ${CMAKE_BINARY_DIR}/campaign-tests/cli)
llsim_cli_test(campaign-no-out 2 "campaign needs --out DIR" ${llsim} campaign --cases 1)
llsim_cli_test(campaign-out-is-a-file 2 "exists and is not a directory"
  ${llsim} campaign --cases 1 --out ${plain_file})
llsim_cli_test(campaign-bad-cases 2 "--cases must be at least 1" ${llsim} campaign --cases 0 ${cout})
llsim_cli_test(campaign-cases-not-a-number 2 "--cases: 'x' is not a number"
  ${llsim} campaign --cases x ${cout})
llsim_cli_test(campaign-bad-seconds 2 "--seconds must be a positive number"
  ${llsim} campaign --seconds -1 ${cout})
llsim_cli_test(campaign-seconds-not-a-number 2 "--seconds: 'soon' is not a number"
  ${llsim} campaign --seconds soon ${cout})
llsim_cli_test(campaign-bad-jobs 2 "--jobs must be between 1 and 512" ${llsim} campaign --jobs -1 ${cout})
llsim_cli_test(campaign-bad-shard 2 "--shard '2/2' must be I/N with 0 <= I < N"
  ${llsim} campaign --shard 2/2 ${cout})
llsim_cli_test(campaign-shard-not-a-shard 2 "--shard 'half' must be I/N"
  ${llsim} campaign --shard half ${cout})
llsim_cli_test(campaign-bad-profile 2 "--profile must be all, swarm, resize, resync, recovery or race"
  ${llsim} campaign --profile nope ${cout})
llsim_cli_test(campaign-missing-known 2 "--known /nonexistent/known: cannot open"
  ${llsim} campaign --known /nonexistent/known ${cout})
llsim_cli_test(campaign-bad-known 2 "known-bad.txt:2: not a signature"
  ${llsim} campaign --known ${known_bad} ${cout})
llsim_cli_test(campaign-bad-watchdog 2 "--watchdog must be a positive number"
  ${llsim} campaign --watchdog 0 ${cout})
llsim_cli_test(campaign-unknown-subcommand 2 "campaign: unknown subcommand 'frob'"
  ${llsim} campaign frob ${cout})
llsim_cli_test(campaign-merge-nothing 2 "campaign merge takes the report directories"
  ${llsim} campaign merge ${cout})
llsim_cli_test(campaign-merge-no-report 2 "/nonexistent/report.json: cannot open report"
  ${llsim} campaign merge /nonexistent ${cout})
llsim_cli_test(campaign-merge-not-a-report 2 "not valid JSON"
  ${llsim} campaign merge ${CMAKE_BINARY_DIR}/cli-fixtures/not-json ${cout})
file(WRITE ${CMAKE_BINARY_DIR}/cli-fixtures/not-json/report.json "{ this is not json\n")
llsim_cli_test(campaign-flag-of-run 2 "--skip does not apply to campaign"
  ${llsim} campaign --skip liveness ${cout})
llsim_cli_test(run-flag-of-campaign 2 "--jobs applies to campaign only" ${llsim} run --jobs 2)
llsim_cli_test(campaign-recheck-no-report 2 "cannot open report"
  ${llsim} campaign recheck /nonexistent)
