# Which property must catch each reference-core mutant (see
# core/reference/MUTANTS.md), with the generator profile and seed of the
# hunt. A built mutant not listed here is a configuration error: every
# mutant is there to prove a property can fail.
#
# Entry: NAME:property:profile:seed. The hunt may use LLSIM_MUTANT_CASES
# generated cases and must shrink the failure to at most 10 operations, and
# the unmutated core must pass the shrunk trace (ci/mutant_test.sh).
# NAME:property:trace:FILE instead replays traces/mutants/FILE with seeds
# 1..100: for a window the generators reach too rarely to hunt within a
# test's budget, the mutant must fail it with the property for some seed and
# the unmutated core must pass it for every seed (ci/mutant_trace_test.sh).
# A mutant may have more than one entry: the first is test mutant.<name>,
# each further one mutant.<name>.<property>. An optional last field
# skip=P1+P2 passes --skip P1,P2 to the hunt (to show a property that an
# earlier entry's property would otherwise report first). An optional field
# `sole` also replays the failing trace on the mutant with the property
# skipped, which must pass: that property alone catches the mutant there.
# Every property has at least one `sole` entry. An optional field level=N
# (10, 4, 5, 6) hunts on arrays of that level (llsim run --level N): test
# mutant.<name>.<property>.raidN.
set(LLSIM_MUTANT_EXPECT
  ABORT_KEEPS_SYNCING:transitions:swarm:1:sole
  BARRIER_AFTER_STATE:no-clean-in-flight:swarm:7
  CHECKPOINT_INCLUDES_CURRENT:no-clean-in-flight:resync:2:sole
  COND_END_NO_DRAIN:no-clean-in-flight:swarm:1
  DAEMON_CLEANS_DEGRADED:transitions:recovery:1
  DAEMON_CLEANS_DEGRADED:recovery-completeness:recovery:2:skip=transitions
  DAEMON_CLEANS_NEEDSYNC:transitions:swarm:1
  DAEMON_NO_DRAIN:no-clean-in-flight:swarm:1
  DEGRADED_SYNC_SKIPS_DIRTY:recovery-completeness:swarm:2:sole
  DISCARD_ROUND_OUT:no-clean-in-flight:swarm:1
  EVENTS_CLEARED_FROZEN:recovery-completeness:recovery:5
  GROW_SKIPS_NEW_PAGES:safety:resize:1
  RELOAD_KEEPS_DIRTY:resync-completeness:resize:3:skip=liveness
  RELOAD_KEEPS_DIRTY:liveness:resize:3
  RESIZE_NO_GROW:write-intent:resize:1
  SKIP_SYNC_NEEDSYNC:resync-completeness:swarm:2:sole
  SPACE_IGNORES_HEADER:bitmap-bounds:swarm:1:sole
  CLOSE_SYNC_STAYS_SYNCING:liveness:swarm:1:sole
  FLUSH_SKIPS_WRITEBACK:liveness:swarm:1:sole
  FLUSH_SKIPS_WRITEBACK:liveness:trace:flush-skips-writeback.trace:sole
  DAEMON_SLEEP_UNCHECKED:assemblable:trace:daemon-sleep-unchecked.trace:sole
  TIMER_NOT_REARMED:liveness:swarm:1
  UNPIN_OFF_BY_ONE:safety:swarm:1:skip=liveness
  UNPLUG_FASTPATH_RACE:write-intent:swarm:2
  UNPLUG_FIRST_MEMBER:write-intent:swarm:1
  UNPLUG_NO_WAIT:write-intent:swarm:2:sole
  XBITS_REVERSED:write-intent:race:1
  SIZE_MISMATCH_REFUSED:assemblable:resize:3
  SB_SLEEP_IN_JIFFIES:assemblable:swarm:1:sole
  TIMER_SHUTDOWN_NOSYNC:safety:trace:timer-shutdown-nosync.trace
  READ_ONE_COPY:resync-completeness:trace:read-one-copy.trace
  KMAP_LEAK_ON_MATCH:safety:swarm:1
  CREATE_LOADS_UNLOCKED:safety:swarm:1
  DAEMON_LOCK_ORDER:safety:swarm:1
  PAGE_NEW_LEAKS_ON_ENOMEM:safety:swarm:1:sole
  RECOVERY_SKIPS_CLEAN:durability:trace:recovery-skips-clean.trace:sole
  RECOVERY_SKIPS_CLEAN:resync-completeness:swarm:28:skip=recovery-completeness+durability
  REPLACEMENT_SKIPS_CLEAN:recovery-completeness:recovery:1:sole
  # raid10: the copy-by-copy data checks and the step checks on its layouts.
  SKIP_SYNC_NEEDSYNC:resync-completeness:resync:1:level=10:skip=liveness
  DEGRADED_SYNC_SKIPS_DIRTY:recovery-completeness:recovery:1:level=10
  DAEMON_CLEANS_DEGRADED:transitions:swarm:1:level=10
  DAEMON_CLEANS_NEEDSYNC:transitions:swarm:1:level=10
  RAID10_RECOVERY_SKIPS_BY_MEMBER_SECTOR:recovery-completeness:recovery:4:level=10
  PARITY_CHECK_CONSUMES_NEEDSYNC:resync-completeness:resync:1:level=5
  CLEAR_UNWRITTEN_AFTER_SKIP:recovery-completeness:trace:clear-unwritten-after-skip.trace
  CLEAR_UNWRITTEN_TAKES_CLEAN:transitions:recovery:1:level=5
  PROACTIVE_SKIPS_LAST_CHUNK:transitions:swarm:1:level=5
  PREPARE_RANGE_STRIPE_SHORT:write-intent:swarm:1:level=5
  GROW_KEEPS_EDGE_CHUNK:resync-completeness:resize:1:level=5
  RESHAPE_MARK_CLEAN:transitions:swarm:1:level=5
  RECHUNK_FIRST_ONLY:transitions:trace:raid10-rechunk-first-only.trace)
set(LLSIM_MUTANT_CASES 400 CACHE STRING "generated cases a mutant hunt may use")

foreach(m IN LISTS LLSIM_MUTANTS)
  string(TOLOWER "${m}" lm)
  string(REPLACE "_" "-" dash "${lm}")
  set(entries "")
  foreach(e IN LISTS LLSIM_MUTANT_EXPECT)
    if(e MATCHES "^${m}:")
      list(APPEND entries "${e}")
    endif()
  endforeach()
  if(entries STREQUAL "")
    message(FATAL_ERROR "llsim: mutant ${m} has no entry in properties/mutants.cmake: "
                        "say which property catches it")
  endif()
  set(first TRUE)
  foreach(entry IN LISTS entries)
    string(REPLACE ":" ";" fields "${entry}")
    list(GET fields 1 prop)
    list(GET fields 2 profile)
    list(GET fields 3 seed)
    set(skip_args "")
    set(sole_args "")
    # raid1 unless the entry names a level (the CLI's default is mix).
    set(level_args --level 1)
    set(level_suffix "")
    list(LENGTH fields nfields)
    if(nfields GREATER 4)
      list(SUBLIST fields 4 -1 extras)
      foreach(extra IN LISTS extras)
        if(extra STREQUAL "sole")
          set(sole_args --sole ${prop})
        elseif(extra MATCHES "^level=")
          string(REGEX REPLACE "^level=" "" level "${extra}")
          set(level_args --level ${level})
          set(level_suffix .raid${level})
        elseif(extra MATCHES "^skip=")
          string(REGEX REPLACE "^skip=" "" skip "${extra}")
          string(REPLACE "+" "," skip "${skip}")
          set(skip_args --skip ${skip})
        else()
          message(FATAL_ERROR "llsim: mutant entry ${entry}: unknown field ${extra}")
        endif()
      endforeach()
    endif()
    if(level_suffix)
      set(tname mutant.${dash}.${prop}${level_suffix})
      set(tdir ${dash}.${prop}${level_suffix})
    elseif(first)
      set(tname mutant.${dash})
      set(tdir ${dash})
    else()
      set(tname mutant.${dash}.${prop})
      set(tdir ${dash}.${prop})
    endif()
    set(first FALSE)
    if(profile STREQUAL "trace")
      add_test(NAME ${tname}
        COMMAND ${PROJECT_SOURCE_DIR}/ci/mutant_trace_test.sh ${sole_args} $<TARGET_FILE:llsim-mutant-${dash}>
                $<TARGET_FILE:llsim> ${PROJECT_SOURCE_DIR}/traces/mutants/${seed})
    else()
      add_test(NAME ${tname}
        COMMAND ${PROJECT_SOURCE_DIR}/ci/mutant_test.sh ${sole_args} $<TARGET_FILE:llsim-mutant-${dash}>
                $<TARGET_FILE:llsim> ${CMAKE_BINARY_DIR}/mutant-failures/${tdir}
                --cases ${LLSIM_MUTANT_CASES} --seed ${seed} --profile ${profile}
                --expect_failure ${prop} --max_shrunk 10 --progress=false ${skip_args}
                ${level_args})
    endif()
    set_tests_properties(${tname} PROPERTIES LABELS "property;mutant")
  endforeach()
endforeach()

# Shrinking removes scheduling choices (ci/shrink_choices_test.sh): a
# whole random-strategy case of a mutant that needs an interleaving.
if(TARGET llsim-mutant-xbits-reversed)
  add_test(NAME shrink.choices
    COMMAND ${PROJECT_SOURCE_DIR}/ci/shrink_choices_test.sh
            $<TARGET_FILE:llsim-mutant-xbits-reversed> $<TARGET_FILE:llsim>
            ${CMAKE_BINARY_DIR}/shrink-choices)
  set_tests_properties(shrink.choices PROPERTIES LABELS "property;mutant")
endif()
