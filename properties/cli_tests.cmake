# Bad input gets one clear line and a non-zero exit, never a crash: the
# command line, trace files, geometry, and the core source given to cmake.
set(expect ${PROJECT_SOURCE_DIR}/ci/expect_exit.sh)
set(fixtures ${CMAKE_BINARY_DIR}/cli-fixtures)
file(MAKE_DIRECTORY ${fixtures})
file(WRITE ${fixtures}/bad-op.trace "llsim-trace 1\nseed 1\nop +0us frobnicate 1 2\n")
file(WRITE ${fixtures}/bad-geometry.trace "llsim-trace 1\narray mirrors=9\n")
file(WRITE ${fixtures}/not-a-trace.trace "hello\n")
file(WRITE ${fixtures}/bad-skip.trace
  "llsim-trace 1\nseed 1\nskip nope\nop +0us settle\nexpect-failure none\n")
file(WRITE ${fixtures}/bad-schedule.trace
  "llsim-trace 1\nseed 3\nstrategy fifo\nschedule 4=1 9\nop +0us settle\nexpect-failure none\n")
file(WRITE ${fixtures}/cut-off.trace
  "llsim-trace 1\nseed 3\nhz 250\nstrategy random\narray mirrors=2 sectors=16384\n")
file(WRITE ${fixtures}/passing.trace
  "llsim-trace 1\nseed 3\nhz 250\nstrategy random\narray mirrors=2 sectors=16384\n"
  "op +0us write 0 64\nop +0us settle\nexpect-failure none\n")
file(WRITE ${fixtures}/bad-alloc-fail.trace
  "llsim-trace 1\nseed 3\nalloc-fail 2%\nop +0us settle\nexpect-failure none\n")
file(WRITE ${fixtures}/bad-raid10.trace
  "llsim-trace 1\nseed 3\narray mirrors=2 sectors=16384 level=10 layout=n3 chunk=128\n")
file(WRITE ${fixtures}/not-llbitmap.c "int main(void) { return 0; }\n")
file(WRITE ${fixtures}/uncompilable/md-llbitmap.c
  "/* BITMAP_MAJOR_LOCKLESS bitmap_operations */\n#include <linux/kernel.h>\n"
  "#include \"md.h\"\nint md_llbitmap_init(void) { return llsim_no_such_helper(); }\n"
  "void md_llbitmap_exit(void) {}\n")

function(llsim_cli_test name code regex)
  add_test(NAME cli.${name} COMMAND ${expect} ${code} ${regex} ${ARGN})
  set_tests_properties(cli.${name} PROPERTIES LABELS unit)
endfunction()

llsim_cli_test(unknown-flag 2 "unknown flag --bogus" $<TARGET_FILE:llsim> run --bogus)
llsim_cli_test(unknown-command 2 "unknown command 'frob'" $<TARGET_FILE:llsim> frob)
llsim_cli_test(bad-cases 2 "--cases must be at least 1" $<TARGET_FILE:llsim> run --cases 0)
llsim_cli_test(bad-skip 2 "'nope' is not a property" $<TARGET_FILE:llsim> run --skip nope)
llsim_cli_test(help 0 "usage: llsim <command>" $<TARGET_FILE:llsim> --help)
llsim_cli_test(missing-trace 2 "cannot open trace file" $<TARGET_FILE:llsim> replay /nonexistent.trace)
llsim_cli_test(bad-op 2 "bad-op.trace:3: unknown op 'frobnicate'"
  $<TARGET_FILE:llsim> replay ${fixtures}/bad-op.trace)
llsim_cli_test(impossible-geometry 2 "bad-geometry.trace:2: mirrors=9: raid1 here takes 2 to 4"
  $<TARGET_FILE:llsim> replay ${fixtures}/bad-geometry.trace)
llsim_cli_test(bad-alloc-fail 2 "bad-alloc-fail.trace:3: alloc-fail takes one number"
  $<TARGET_FILE:llsim> replay ${fixtures}/bad-alloc-fail.trace)
llsim_cli_test(not-a-trace 2 "not an llsim trace" $<TARGET_FILE:llsim> replay ${fixtures}/not-a-trace.trace)
llsim_cli_test(replay-passes 0 "reproduced" $<TARGET_FILE:llsim> replay ${fixtures}/passing.trace)
llsim_cli_test(replay-seeds 0 "^3 seeds: 3 passed, 0 failed$"
  $<TARGET_FILE:llsim> replay --seeds 3 ${fixtures}/passing.trace)
llsim_cli_test(replay-seeds-range 2 "--seeds must be between 1 and 100000"
  $<TARGET_FILE:llsim> replay --seeds 0 ${fixtures}/passing.trace)
llsim_cli_test(replay-seeds-repeat 2 "--repeat and --verbose are for one run"
  $<TARGET_FILE:llsim> replay --seeds 2 --repeat 2 ${fixtures}/passing.trace)
llsim_cli_test(seeds-not-for-show 2 "--seeds applies to replay only"
  $<TARGET_FILE:llsim> show --seeds 2 ${fixtures}/passing.trace)
# A failing seed: exit 1 and a count by property.
if(TARGET llsim-mutant-recovery-skips-clean)
  llsim_cli_test(replay-seeds-failing 1
    "^2 seeds: 0 passed, 2 failed, durability 2 .the trace expects durability.$"
    $<TARGET_FILE:llsim-mutant-recovery-skips-clean> replay --seeds 2
    ${PROJECT_SOURCE_DIR}/traces/mutants/recovery-skips-clean.trace)
endif()
llsim_cli_test(info 0 "sha256: +[0-9a-f]{64}" $<TARGET_FILE:llsim> info)
add_test(NAME cli.bench-json COMMAND ${CMAKE_COMMAND} -DLLSIM=$<TARGET_FILE:llsim>
  -DOUT=${CMAKE_BINARY_DIR}/bench-test.json -P ${CMAKE_CURRENT_SOURCE_DIR}/bench_json_test.cmake)
set_tests_properties(cli.bench-json PROPERTIES LABELS unit)
llsim_cli_test(bench-json-elsewhere 2 "--json applies to bench only" $<TARGET_FILE:llsim> run --json x)
llsim_cli_test(bad-profile 2 "--profile must be" $<TARGET_FILE:llsim> run --profile nope)
llsim_cli_test(bad-level 2 "--level 7: the md model runs 1 \\(raid1\\), 10"
  $<TARGET_FILE:llsim> run --level 7)
llsim_cli_test(level-not-for-replay 2 "--level applies to run and campaign only"
  $<TARGET_FILE:llsim> replay --level 10 ${fixtures}/passing.trace)
llsim_cli_test(impossible-raid10 2 "bad-raid10.trace:3: .*copies"
  $<TARGET_FILE:llsim> replay ${fixtures}/bad-raid10.trace)
llsim_cli_test(cut-off-trace 2 "cut-off.trace: the trace does not end with its expect"
  $<TARGET_FILE:llsim> replay ${fixtures}/cut-off.trace)
llsim_cli_test(cases-not-a-number 2 "--cases: 'abc' is not a number" $<TARGET_FILE:llsim> run --cases abc)
llsim_cli_test(flag-without-value 2 "--seed needs a value" $<TARGET_FILE:llsim> run --seed)
llsim_cli_test(bool-not-a-bool 2 "--progress: 'maybe' is not true or false"
  $<TARGET_FILE:llsim> run --progress=maybe)
llsim_cli_test(bad-schedule 2 "bad-schedule.trace:4: schedule: '9' is not <decision>=<choice>"
  $<TARGET_FILE:llsim> replay ${fixtures}/bad-schedule.trace)
llsim_cli_test(bad-trace-skip 2 "skip: 'nope' is not a property"
  $<TARGET_FILE:llsim> replay ${fixtures}/bad-skip.trace)

# cmake itself, on bad LLBITMAP_SOURCE values (configure only, no build).
function(llsim_configure_test name regex source)
  add_test(NAME cli.configure-${name}
    COMMAND ${expect} 1 ${regex} ${CMAKE_COMMAND} -S ${PROJECT_SOURCE_DIR}
            -B ${CMAKE_BINARY_DIR}/configure-${name} -DLLBITMAP_SOURCE=${source})
  set_tests_properties(cli.configure-${name} PROPERTIES LABELS unit)
endfunction()
llsim_configure_test(missing "no such file" /nonexistent/linux)
llsim_configure_test(not-llbitmap "is not an llbitmap core" ${fixtures}/not-llbitmap.c)
llsim_configure_test(uncompilable "missing shim symbol: llsim_no_such_helper"
  ${fixtures}/uncompilable/md-llbitmap.c)

# llsim show --html (properties/html_timeline.h): the page for a passing
# corpus trace (three members: two mirrors and a spare), for a failing one
# (a mutant's trace, where that mutant is built), bad paths, and the page
# drawn by a real browser (skipped without chromium).
set(html_out ${CMAKE_BINARY_DIR}/html-tests)
file(MAKE_DIRECTORY ${html_out})
add_test(NAME cli.show-html
  COMMAND ${PROJECT_SOURCE_DIR}/ci/html_show_test.sh $<TARGET_FILE:llsim>
          ${PROJECT_SOURCE_DIR}/traces/corpus/flush-after-crash.trace
          ${html_out}/flush-after-crash.html 3 pass)
set_tests_properties(cli.show-html PROPERTIES LABELS unit)
if(TARGET llsim-mutant-flush-skips-writeback)
  add_test(NAME cli.show-html-failure
    COMMAND ${PROJECT_SOURCE_DIR}/ci/html_show_test.sh $<TARGET_FILE:llsim-mutant-flush-skips-writeback>
            ${PROJECT_SOURCE_DIR}/traces/mutants/flush-skips-writeback.trace
            ${html_out}/flush-skips-writeback.html 3 fail)
  set_tests_properties(cli.show-html-failure PROPERTIES LABELS unit)
endif()
llsim_cli_test(show-html-no-directory 2 "cannot write --html page /nonexistent/dir/x.html: no directory"
  $<TARGET_FILE:llsim> show ${fixtures}/passing.trace --html /nonexistent/dir/x.html)
llsim_cli_test(show-html-is-a-directory 2 "cannot write --html page .*: it is a directory"
  $<TARGET_FILE:llsim> show ${fixtures}/passing.trace --html ${fixtures})
llsim_cli_test(show-html-empty 2 "--html needs a file name"
  $<TARGET_FILE:llsim> show ${fixtures}/passing.trace --html=)
llsim_cli_test(html-elsewhere 2 "--html applies to show only"
  $<TARGET_FILE:llsim> replay ${fixtures}/passing.trace --html ${html_out}/x.html)
add_test(NAME html.screenshot
  COMMAND ${PROJECT_SOURCE_DIR}/ci/html_screenshot.sh $<TARGET_FILE:llsim>
          ${PROJECT_SOURCE_DIR}/traces/corpus/flush-after-crash.trace ${html_out}/screenshot)
set_tests_properties(html.screenshot PROPERTIES LABELS "unit;chromium" SKIP_RETURN_CODE 77
                     TIMEOUT 180)
