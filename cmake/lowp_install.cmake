# Installs lowp's libraries, headers, CLI and the CMake package (find_package(lowp) -> lowp::).
include_guard(GLOBAL)
include(CMakePackageConfigHelpers)

set(_lowp_libs lowp_emulator)
set(LOWP_HAS_REFERENCE OFF)  # read by lowpConfig.cmake.in: look for MPFR and Boost only if needed
if(TARGET lowp_reference)
  list(APPEND _lowp_libs lowp_reference)
  set(LOWP_HAS_REFERENCE ON)
endif()
if(TARGET lowp_math)  # built with lowp_reference (both need MPFR)
  list(APPEND _lowp_libs lowp_math)
endif()
if(TARGET lowp_kernels)  # the CPU kernels (the CUDA library is not installed)
  list(APPEND _lowp_libs lowp_kernels)
endif()
install(TARGETS ${_lowp_libs} EXPORT lowpTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
if(TARGET lowp_cli)
  install(TARGETS lowp_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
install(DIRECTORY ${PROJECT_SOURCE_DIR}/emulator/include/lowp
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
if(LOWP_HAS_REFERENCE)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/emulator/reference/include/lowp
          DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endif()
if(TARGET lowp_math)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/emulator/math/include/lowp
          DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endif()
if(TARGET lowp_kernels)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/kernels/include/lowp
          DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endif()
set(LOWP_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/lowp)
install(EXPORT lowpTargets NAMESPACE lowp:: DESTINATION ${LOWP_CMAKE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/lowpConfig.cmake.in
  ${PROJECT_BINARY_DIR}/lowpConfig.cmake INSTALL_DESTINATION ${LOWP_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/lowpConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
set(_lowp_package_files ${PROJECT_BINARY_DIR}/lowpConfig.cmake
                        ${PROJECT_BINARY_DIR}/lowpConfigVersion.cmake)
if(LOWP_HAS_REFERENCE)
  list(APPEND _lowp_package_files ${PROJECT_SOURCE_DIR}/cmake/FindMPFR.cmake)
endif()
install(FILES ${_lowp_package_files} DESTINATION ${LOWP_CMAKE_DIR})
