# Compile probes for an llbitmap core: which members of struct
# bitmap_operations have which type in this tree. The core is compiled
# (syntax only) against the shim with each candidate shape, incompatible
# pointer types as errors, and the first shape that compiles cleanly wins.
# No version numbers: distro trees backport.
#
# In:  LLSIM_PROBE_SOURCE (the core file), LLSIM_PROBE_INCLUDE (shim include
#      dir), CMAKE_C_COMPILER.
# Out: LLSIM_CORE_DEFINES (list), or FATAL_ERROR with the first error.

# Rule: bad input gets one clear line. CMake wraps FATAL_ERROR text, so the
# message goes out whole first, then configuration stops.
function(llsim_fatal)
  string(JOIN "" msg ${ARGN})
  message(NOTICE "llsim: error: ${msg}")
  message(FATAL_ERROR "llsim: configuration stopped (see the error line above)")
endfunction()

function(llsim_probe_core_variant source include_dir out_var)
  # Each candidate is a comma-separated set of definitions.
  set(candidates
    "LLSIM_PREPARE_RANGE_DISCARD=1,LLSIM_WAIT_BEHIND_NOWAIT=0"
    "LLSIM_PREPARE_RANGE_DISCARD=0,LLSIM_WAIT_BEHIND_NOWAIT=0"
    "LLSIM_PREPARE_RANGE_DISCARD=1,LLSIM_WAIT_BEHIND_NOWAIT=1"
    "LLSIM_PREPARE_RANGE_DISCARD=0,LLSIM_WAIT_BEHIND_NOWAIT=1")
  set(first_output "")
  foreach(cand IN LISTS candidates)
    string(REPLACE "," ";" cand "${cand}")
    set(dflags "")
    foreach(d IN LISTS cand)
      list(APPEND dflags "-D${d}")
    endforeach()
    execute_process(
      COMMAND ${CMAKE_C_COMPILER} -std=gnu11 -fsyntax-only -funsigned-char
              -Werror=incompatible-pointer-types -Werror=implicit-function-declaration
              -Werror=int-conversion ${dflags} -I${include_dir} ${source}
      RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
    if(rc EQUAL 0)
      set(${out_var} "${cand}" PARENT_SCOPE)
      return()
    endif()
    if(first_output STREQUAL "")
      set(first_output "${out}")
    endif()
  endforeach()
  # Name the first error, and the missing shim symbol when that is the cause.
  string(REGEX MATCH "[^\n]*error:[^\n]*" first_error "${first_output}")
  set(hint "")
  if(first_error MATCHES "implicit declaration of function '([A-Za-z0-9_]+)'" OR
     first_error MATCHES "implicit declaration of function ‘([A-Za-z0-9_]+)’")
    set(hint " (missing shim symbol: ${CMAKE_MATCH_1}, add it to core/kshim)")
  elseif(first_error MATCHES "'([A-Za-z0-9_]+)' undeclared" OR
         first_error MATCHES "‘([A-Za-z0-9_]+)’ undeclared")
    set(hint " (missing shim symbol: ${CMAKE_MATCH_1}, add it to core/kshim)")
  endif()
  # Name the user's file, not our copy of it.
  string(REPLACE "${source}" "${LLSIM_ORIGINAL_SOURCE}" first_error "${first_error}")
  llsim_fatal("LLBITMAP_SOURCE=${LLBITMAP_SOURCE} does not compile against the llsim shim: "
              "${first_error}${hint}")
endfunction()
