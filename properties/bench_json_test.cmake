# cli test: `llsim bench --cases 3 --json FILE` writes valid JSON with every
# figure issue 13 asks for (their values are not judged: speed lives in
# benchmarks, never in pass/fail). Run as: cmake -DLLSIM=... -DOUT=... -P this
execute_process(COMMAND ${LLSIM} bench --cases 3 --json ${OUT} RESULT_VARIABLE rc
                OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "llsim bench exited ${rc}:\n${out}${err}")
endif()
if(NOT out MATCHES "scenarios/s" OR NOT out MATCHES "crash_cycles_per_s")
  message(FATAL_ERROR "llsim bench printed no table:\n${out}")
endif()
file(READ ${OUT} json)
foreach(key raw_core_writes_per_s sim_writes_per_s overhead_ratio crash_cycles_per_s
            crash_cycles_per_s_1tib scenarios_per_s kernel_time_share sync_requests_per_cycle)
  string(JSON type ERROR_VARIABLE bad TYPE "${json}" ${key})
  if(bad OR NOT type STREQUAL "NUMBER")
    message(FATAL_ERROR "${OUT}: ${key} is not a number (${type}${bad})")
  endif()
endforeach()
# A crash cycle's resync is never empty: its writes dirtied chunks the
# crash left on disk, so a zero says the count is not wired up.
string(JSON syncs GET "${json}" sync_requests_per_cycle)
if(syncs EQUAL 0)
  message(FATAL_ERROR "${OUT}: sync_requests_per_cycle is 0")
endif()
string(JSON type ERROR_VARIABLE bad TYPE "${json}" mutant_detect_median_s)
if(bad OR NOT type STREQUAL "OBJECT")
  message(FATAL_ERROR "${OUT}: mutant_detect_median_s is not an object (${type}${bad})")
endif()
message(STATUS "ok: ${OUT} has every figure")
