# The kernel_error study's tests (included from tests/studies/CMakeLists.txt): the doctest suite,
# and `kernel_error --quick` with its notebook executed headless on the result.
lowp_add_test(NAME kernel_error_test SOURCES kernel_error_test.cpp LIBS lowp_study_kernel_error LABELS fast TIMEOUT 600)
target_compile_definitions(kernel_error_test PRIVATE LOWP_KERNEL_ERROR_BIN="$<TARGET_FILE:kernel_error>")
add_dependencies(kernel_error_test kernel_error)
add_test(NAME kernel_error_notebook_test COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/notebook_test.sh
         $<TARGET_FILE:kernel_error> ${PROJECT_SOURCE_DIR}/notebooks kernel_error.ipynb 5)
set_tests_properties(kernel_error_notebook_test PROPERTIES LABELS fast TIMEOUT 900)
