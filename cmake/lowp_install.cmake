# Installs lowp's libraries, headers, CLI and the CMake package (find_package(lowp) -> lowp::).
include_guard(GLOBAL)
include(CMakePackageConfigHelpers)

set(_lowp_libs lowp_emulator)
if(TARGET lowp_reference)
  list(APPEND _lowp_libs lowp_reference)
endif()
install(TARGETS ${_lowp_libs} EXPORT lowpTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
if(TARGET lowp_cli)
  install(TARGETS lowp_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
install(DIRECTORY ${PROJECT_SOURCE_DIR}/emulator/include/lowp
                  ${PROJECT_SOURCE_DIR}/emulator/reference/include/lowp
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
set(LOWP_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/lowp)
install(EXPORT lowpTargets NAMESPACE lowp:: DESTINATION ${LOWP_CMAKE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/lowpConfig.cmake.in
  ${PROJECT_BINARY_DIR}/lowpConfig.cmake INSTALL_DESTINATION ${LOWP_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/lowpConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/lowpConfig.cmake ${PROJECT_BINARY_DIR}/lowpConfigVersion.cmake
              ${PROJECT_SOURCE_DIR}/cmake/FindMPFR.cmake
        DESTINATION ${LOWP_CMAKE_DIR})
