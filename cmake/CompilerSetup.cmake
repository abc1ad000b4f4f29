# Compiler launcher, optimisation, warnings and sanitizers.

# Release is -O2, not CMake's -O3: GCC 12 at -O3 reports false stringop-overflow
# and array-bounds errors inside libstdc++/libpqxx string code under -Werror.
set(CMAKE_CXX_FLAGS_RELEASE "-O2 -DNDEBUG" CACHE STRING "Release flags" FORCE)
find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM)
  set(CMAKE_CXX_COMPILER_LAUNCHER ${CCACHE_PROGRAM})
  message(STATUS "ccache: ${CCACHE_PROGRAM}")
endif()

if(PARLEY_SANITIZE)
  # The sanitized build exists to run the tests: -O1 -g1 (line tables, enough for ASan's
  # stack traces) compiles in about half the time of -O2 -g and keeps the server quick.
  set(CMAKE_CXX_FLAGS_RELWITHDEBINFO "-O1 -g1 -DNDEBUG" CACHE STRING "RelWithDebInfo flags" FORCE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
  message(STATUS "sanitizers: address, undefined")
endif()

# Warnings as errors for project code only (never for Boost or other headers).
function(parley_project_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Wno-unused-parameter
    # GCC 12 false positive on Asio coroutine frames (awaitable_frame_base::operator delete).
    -Wno-mismatched-new-delete)
endfunction()

# Test code (clients, fixtures, assertions) is not what is measured or shipped: in the
# sanitized build it compiles unoptimised, which is about twice as fast as -O1.
function(parley_test_code target)
  if(PARLEY_SANITIZE)
    target_compile_options(${target} PRIVATE -O0)
  endif()
endfunction()
