# Which property must catch each reference-core mutant (see
# core/reference/MUTANTS.md), and how many generated cases the hunt may
# take. A mutant listed here but not built is an error; a built mutant not
# listed here gets no test and a warning.
set(LLSIM_MUTANT_EXPECT "")
set(LLSIM_MUTANT_CASES 400 CACHE STRING "generated cases a mutant hunt may use")

foreach(m IN LISTS LLSIM_MUTANTS)
  string(TOLOWER "${m}" lm)
  string(REPLACE "_" "-" dash "${lm}")
  set(prop "")
  foreach(pair IN LISTS LLSIM_MUTANT_EXPECT)
    string(REPLACE ":" ";" kv "${pair}")
    list(GET kv 0 k)
    list(GET kv 1 v)
    if(k STREQUAL m)
      set(prop "${v}")
    endif()
  endforeach()
  if(prop STREQUAL "")
    message(STATUS "llsim: mutant ${m} has no expected property yet: no test")
    continue()
  endif()
  add_test(NAME mutant.${dash}
    COMMAND llsim-mutant-${dash} run --cases ${LLSIM_MUTANT_CASES} --seed 1
            --expect_failure ${prop} --max_shrunk 10 --progress=false
            --out ${CMAKE_BINARY_DIR}/mutant-failures/${dash})
  set_tests_properties(mutant.${dash} PROPERTIES LABELS "property;mutant")
endforeach()
