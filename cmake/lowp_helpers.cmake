# Warning, floating-point and sanitizer settings shared by every lowp target, and the
# lowp_add_test / lowp_add_benchmark helpers.
include_guard(GLOBAL)

# Applies lowp's compile settings to a target: C++20, warnings, and no floating-point contraction
# (a*b+c must never be fused behind the code's back: bit-exactness depends on it).
function(lowp_target_settings target)
  target_compile_features(${target} PUBLIC cxx_std_20)
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic>
    # GCC 12 reports false -Wrestrict positives inside std::string at -O2/-O3 (GCC bug 105329).
    $<$<AND:$<COMPILE_LANGUAGE:CXX>,$<CXX_COMPILER_ID:GNU>>:-Wno-restrict>
    $<$<AND:$<COMPILE_LANGUAGE:CXX>,$<BOOL:${LOWP_WERROR}>>:-Werror>)
  if(LOWP_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer
                                             -fno-sanitize-recover=all)
    # PUBLIC: whatever links a sanitized static lowp library needs the sanitizer runtimes too.
    target_link_options(${target} PUBLIC -fsanitize=address,undefined)
  endif()
endfunction()

# lowp_add_test(NAME name SOURCES files... LIBS libs... LABELS labels... [TIMEOUT s])
# Builds a doctest executable and registers it with ctest under the given labels.
function(lowp_add_test)
  cmake_parse_arguments(T "" "NAME;TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} lowp_doctest_main)
  lowp_target_settings(${T_NAME})
  add_test(NAME ${T_NAME} COMMAND ${T_NAME})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 1500)
  endif()
  set_tests_properties(${T_NAME} PROPERTIES LABELS "${T_LABELS}" TIMEOUT ${T_TIMEOUT})
endfunction()

# lowp_add_benchmark(NAME name SOURCES files... LIBS libs...)
function(lowp_add_benchmark)
  cmake_parse_arguments(B "" "NAME" "SOURCES;LIBS" ${ARGN})
  find_package(benchmark REQUIRED)
  add_executable(${B_NAME} ${B_SOURCES})
  target_link_libraries(${B_NAME} PRIVATE ${B_LIBS} benchmark::benchmark)
  lowp_target_settings(${B_NAME})
endfunction()

# lowp_add_study(NAME name SOURCES files... LIBS libs...)
# Builds a study executable (output in the build tree's bin/ folder).
function(lowp_add_study)
  cmake_parse_arguments(S "" "NAME" "SOURCES;LIBS" ${ARGN})
  add_executable(${S_NAME} ${S_SOURCES})
  target_link_libraries(${S_NAME} PRIVATE ${S_LIBS} lowp::study)
  set_target_properties(${S_NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/bin)
  lowp_target_settings(${S_NAME})
endfunction()
