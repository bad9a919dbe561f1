# cmake -DCC=... -DSOURCE=... -DINCLUDES="a;b" -DEXPECT=regex -P expect_compile_error.cmake
# Passes when compiling SOURCE fails with a diagnostic matching EXPECT (so a
# snippet cannot "pass" by failing for an unrelated reason); with EXPECT
# empty, passes when it compiles cleanly.
set(args -std=c17 -Wall -Wextra -Werror -fsyntax-only)
foreach(dir ${INCLUDES})
  list(APPEND args -I${dir})
endforeach()
execute_process(COMMAND ${CC} ${args} ${SOURCE} RESULT_VARIABLE rc ERROR_VARIABLE err
                OUTPUT_VARIABLE out)
if(EXPECT STREQUAL "")
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${SOURCE} should compile but does not:\n${err}")
  endif()
  message(STATUS "${SOURCE}: compiles")
elseif(rc EQUAL 0)
  message(FATAL_ERROR "${SOURCE} compiled, but mixing these types must be an error")
elseif(NOT err MATCHES "${EXPECT}")
  message(FATAL_ERROR "${SOURCE} failed, but not with /${EXPECT}/:\n${err}")
else()
  message(STATUS "${SOURCE}: refused as expected")
endif()
