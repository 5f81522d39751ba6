# Builds and runs tests/package/consumer against lowp, run as `cmake -P` by ctest.
#   MODE=subdirectory  the consumer does add_subdirectory(SOURCE_DIR)
#   MODE=install       `cmake --install BUILD_DIR` into WORK_DIR/prefix, then the consumer does
#                      find_package(lowp REQUIRED) with CMAKE_PREFIX_PATH=WORK_DIR/prefix
# Also checks that -ffp-contract=off reaches the consumer's compile line (a PUBLIC option of
# lowp::emulator) and, for MODE=install, that the installed package names no build or source path.
# Inputs (-D): MODE SOURCE_DIR BUILD_DIR WORK_DIR GENERATOR CXX_COMPILER CONFIG, optional
# MAKE_PROGRAM CXX_FLAGS SANITIZE.
cmake_minimum_required(VERSION 3.25)

foreach(var MODE SOURCE_DIR BUILD_DIR WORK_DIR GENERATOR CXX_COMPILER CONFIG)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "package_test.cmake: -D${var}=... is required")
  endif()
endforeach()

# Runs a command, echoing it, and stops with its output when it fails.
function(run_step what)
  list(JOIN ARGN " " command_line)
  message(STATUS "[${MODE}] ${what}: ${command_line}")
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "[${MODE}] ${what} failed (${rc}):\n${out}")
  endif()
  set(step_output "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
set(consumer_build ${WORK_DIR}/build)
set(prefix ${WORK_DIR}/prefix)

# The consumer is built like lowp itself: same generator, compiler, configuration and flags. A
# sanitized lowp is a static library whose -fsanitize link option does not travel, so the
# consumer links the sanitizer runtimes itself.
set(flags "${CXX_FLAGS}")
set(link_flags "")
if(SANITIZE)
  string(APPEND flags " -fsanitize=address,undefined -fno-omit-frame-pointer")
  set(link_flags "-fsanitize=address,undefined")
endif()
set(configure_args
  -S ${CMAKE_CURRENT_LIST_DIR}/consumer -B ${consumer_build} -G ${GENERATOR}
  -DCMAKE_CXX_COMPILER=${CXX_COMPILER} -DCMAKE_BUILD_TYPE=${CONFIG}
  "-DCMAKE_CXX_FLAGS=${flags}" "-DCMAKE_EXE_LINKER_FLAGS=${link_flags}"
  -DCMAKE_EXPORT_COMPILE_COMMANDS=ON -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)
if(MAKE_PROGRAM)
  list(APPEND configure_args -DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM})
endif()

if(MODE STREQUAL "subdirectory")
  list(APPEND configure_args -DLOWP_CONSUMER_MODE=subdirectory
                             -DLOWP_CONSUMER_SOURCE_DIR=${SOURCE_DIR})
elseif(MODE STREQUAL "install")
  run_step("install lowp" ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix}
                          --config ${CONFIG})
  # A relocatable package: nothing under the prefix's CMake files may point back at the trees.
  file(GLOB_RECURSE package_files ${prefix}/*.cmake)
  if(NOT package_files)
    message(FATAL_ERROR "[install] no CMake package files under ${prefix}")
  endif()
  foreach(package_file IN LISTS package_files)
    file(READ ${package_file} text)
    foreach(tree ${SOURCE_DIR} ${BUILD_DIR})
      string(FIND "${text}" "${tree}/" at)
      if(NOT at EQUAL -1)
        message(FATAL_ERROR "[install] ${package_file} refers to ${tree}")
      endif()
    endforeach()
  endforeach()
  list(APPEND configure_args -DLOWP_CONSUMER_MODE=find_package -DCMAKE_PREFIX_PATH=${prefix})
else()
  message(FATAL_ERROR "MODE must be subdirectory or install, not '${MODE}'")
endif()

run_step("configure consumer" ${CMAKE_COMMAND} ${configure_args})
if(MODE STREQUAL "install")
  # find_package must have found the package just installed, not some other lowp.
  file(STRINGS ${consumer_build}/CMakeCache.txt lowp_dir REGEX "^lowp_DIR:")
  string(REGEX REPLACE "^lowp_DIR:[A-Z]+=" "" lowp_dir "${lowp_dir}")
  file(REAL_PATH "${lowp_dir}" lowp_dir)
  file(REAL_PATH "${prefix}" real_prefix)
  string(FIND "${lowp_dir}" "${real_prefix}/" at)
  if(NOT at EQUAL 0)
    message(FATAL_ERROR "[install] find_package(lowp) found '${lowp_dir}', not ${prefix}")
  endif()
endif()
run_step("build consumer" ${CMAKE_COMMAND} --build ${consumer_build} --target consumer
                          --config ${CONFIG} --parallel 2)

# -ffp-contract=off must be on the consumer's own compile line (Makefile and Ninja generators
# write compile_commands.json; others skip this check).
set(commands_file ${consumer_build}/compile_commands.json)
if(EXISTS ${commands_file})
  file(READ ${commands_file} commands)
  string(JSON count LENGTH "${commands}")
  set(main_command "")
  math(EXPR last "${count} - 1")
  foreach(i RANGE ${last})
    string(JSON file GET "${commands}" ${i} file)
    if(file MATCHES "consumer/main\\.cpp$")
      string(JSON main_command ERROR_VARIABLE no_command GET "${commands}" ${i} command)
      if(no_command)  # some generators write "arguments" instead of "command"
        string(JSON main_command GET "${commands}" ${i} arguments)
      endif()
    endif()
  endforeach()
  if(main_command STREQUAL "")
    message(FATAL_ERROR "[${MODE}] consumer/main.cpp is not in ${commands_file}")
  endif()
  if(NOT main_command MATCHES "-ffp-contract=off")
    message(FATAL_ERROR "[${MODE}] -ffp-contract=off did not reach the consumer:\n${main_command}")
  endif()
  message(STATUS "[${MODE}] -ffp-contract=off reaches the consumer's compile line")
else()
  message(STATUS "[${MODE}] no compile_commands.json with ${GENERATOR}: flag check skipped")
endif()

run_step("run consumer" ${consumer_build}/bin/consumer)
message(STATUS "[${MODE}] ${step_output}")
