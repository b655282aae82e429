# Helpers shared by every folder.
include(GoogleTest)

# ferry_library(<name> SOURCES ... DEPS ...): a subsystem library rooted at src/ (rooted includes).
function(ferry_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${CMAKE_SOURCE_DIR}/src ${CMAKE_SOURCE_DIR}/include ${CMAKE_SOURCE_DIR})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
endfunction()

# ferry_test(<name> SOURCES ... DEPS ...): a GoogleTest binary; each test case is its own CTest
# test so `ctest -j` spreads them over the cores.
function(ferry_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR}/src ${CMAKE_SOURCE_DIR}/include ${CMAKE_SOURCE_DIR})
  # Fixtures are found through FERRY_SOURCE_DIR. One variable only: gtest_discover_tests splits a
  # ;-list of ENVIRONMENT entries into separate properties, so a second one would be lost.
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES LABELS "${ARG_LABELS}"
                       ENVIRONMENT "FERRY_SOURCE_DIR=${CMAKE_SOURCE_DIR}")
endfunction()
