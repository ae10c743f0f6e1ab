# Build conventions shared by every coolflow target.

set(COOLFLOW_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
    -Wcast-align -Woverloaded-virtual -Wconversion -Wsign-conversion -Wimplicit-fallthrough)
# GCC 12's -Wnull-dereference flags libstdc++'s own stream and string code at -O2 (false
# positives); clang's is precise.
if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  list(APPEND COOLFLOW_WARNINGS -Wnull-dereference)
endif()
if(COOLFLOW_WERROR)
  list(APPEND COOLFLOW_WARNINGS -Werror)
endif()
if(COOLFLOW_THREAD_SAFETY AND CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  list(APPEND COOLFLOW_WARNINGS -Wthread-safety)
endif()

if(COOLFLOW_SANITIZE)
  list(JOIN COOLFLOW_SANITIZE "," _coolflow_san)
  add_compile_options(-fsanitize=${_coolflow_san} -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=${_coolflow_san})
endif()

# The libFuzzer build (clang preset): every target, the libraries included, gets libFuzzer's
# coverage instrumentation and ASan + UBSan, so the fuzzers see into the parsers they drive.
# Only fuzz/ links libFuzzer's main (-fsanitize=fuzzer); the rest link the sanitizer runtimes.
if(COOLFLOW_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "COOLFLOW_FUZZ needs clang (the clang preset)")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

# Each function and object in a section of its own, so that a binary linked with
# --gc-sections (coolflow-agent) keeps only the code it can reach.
add_compile_options(-ffunction-sections -fdata-sections)

# coolflow_library(NAME SOURCES ... DEPS ...): a module library in src/<module>/,
# included as "<module>/<header>.h" from the src/ root.
function(coolflow_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(${name} PRIVATE ${COOLFLOW_WARNINGS})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
endfunction()

# coolflow_test(NAME SOURCES ... DEPS ... [LABELS ...]): one GoogleTest binary; each test
# case becomes a ctest test.
function(coolflow_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_compile_options(${name} PRIVATE ${COOLFLOW_WARNINGS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main)
  target_compile_definitions(${name} PRIVATE
      COOLFLOW_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
      COOLFLOW_BINARY_DIR="${PROJECT_BINARY_DIR}")
  gtest_discover_tests(${name} DISCOVERY_MODE PRE_TEST DISCOVERY_TIMEOUT 60
                       PROPERTIES LABELS "${ARG_LABELS}")
endfunction()
