# Run one libFuzzer target for SECONDS on a corpus seeded with SEEDS (cmake -P script for CTest).
file(REMOVE_RECURSE ${CORPUS})
file(MAKE_DIRECTORY ${CORPUS})
foreach(s IN LISTS SEEDS)
  if(EXISTS ${s})
    file(COPY ${s} DESTINATION ${CORPUS})
  endif()
endforeach()
execute_process(COMMAND ${FUZZER} -max_total_time=${SECONDS} -rss_limit_mb=4096 -timeout=20 -print_final_stats=1 ${CORPUS}
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${FUZZER} found a problem (exit ${rc}); the crashing input is in the working directory")
endif()
