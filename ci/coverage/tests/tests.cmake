# Coverage tests. The report's parts run in every build (label unit, in
# llsim_campaign_tests); the command line in the build it was configured
# for: without instrumentation it must say so, with it (label coverage) a
# real campaign must reach the core. (A ";" in a regex would split the
# CMake list: "." stands for it.)
target_sources(llsim_campaign_tests PRIVATE ${CMAKE_CURRENT_LIST_DIR}/coverage_test.cc)
target_link_libraries(llsim_campaign_tests PRIVATE llsim_coverage)
target_compile_definitions(llsim_campaign_tests PRIVATE
  LLSIM_COVERAGE_FIXTURES="${CMAKE_CURRENT_LIST_DIR}/fixtures")

set(llsim $<TARGET_FILE:llsim>)
set(cov_out --out ${CMAKE_BINARY_DIR}/coverage-tests/cli)
if(NOT LLSIM_COVERAGE)
  llsim_cli_test(coverage-not-instrumented 2
    "^llsim coverage: this build has no coverage instrumentation. configure with -DLLSIM_COVERAGE=ON$"
    ${llsim} coverage --cases 1 ${cov_out})
endif()
llsim_cli_test(coverage-flag-of-campaign 2 "--profile does not apply to coverage"
  ${llsim} coverage --profile swarm ${cov_out})
llsim_cli_test(coverage-unknown-flag 2 "unknown flag --bogus" ${llsim} coverage --bogus)
llsim_cli_test(coverage-cases-not-a-number 2 "--cases: 'x' is not a number"
  ${llsim} coverage --cases x ${cov_out})
llsim_cli_test(coverage-help 0 "coverage +which lines, branches" ${llsim} coverage --help)
if(LLSIM_COVERAGE)
  llsim_cli_test(coverage-bad-cases 2 "--cases must be at least 1"
    ${llsim} coverage --cases 0 ${cov_out})
  llsim_cli_test(coverage-bad-jobs 2 "--jobs must be between 1 and 512"
    ${llsim} coverage --jobs 600 ${cov_out})
  llsim_cli_test(coverage-argument 2 "takes no arguments, got 'frob'"
    ${llsim} coverage frob ${cov_out})
  add_test(NAME coverage.campaign
           COMMAND ${CMAKE_CURRENT_LIST_DIR}/coverage_e2e.sh ${llsim}
                   ${CMAKE_BINARY_DIR}/coverage-tests/e2e)
  set_tests_properties(coverage.campaign PROPERTIES LABELS coverage TIMEOUT 300)
endif()
# From a build without instrumentation, a coverage build of the same core
# made on the spot (label coverage; skipped unless LLSIM_COVERAGE_TEST=1:
# it compiles the whole harness again).
if(NOT LLSIM_COVERAGE AND NOT LLSIM_SANITIZE)
  add_test(NAME coverage.subbuild
           COMMAND ${CMAKE_CURRENT_LIST_DIR}/coverage_subbuild.sh ${PROJECT_SOURCE_DIR}
                   ${CMAKE_BINARY_DIR} "${LLBITMAP_SOURCE}")
  set_tests_properties(coverage.subbuild PROPERTIES LABELS coverage TIMEOUT 1800
                       SKIP_RETURN_CODE 77 RUN_SERIAL ON)
endif()
