# libfdt, the only library core/ may call.
#
# Provides:
#   nx_libfdt_headers  include directory holding only fdt.h, libfdt.h and
#                      libfdt_env.h (core/ is built with -nostdinc, so it
#                      cannot take them from /usr/include)
#   nx_libfdt          the library to link
#
# host: Debian's libfdt-dev.
# rv64: the libfdt sources from Debian's linux-source-6.1 package
#       (scripts/dtc/libfdt inside its tarball), extracted into the build tree
#       when the build is configured and compiled freestanding. They are never
#       copied into the repository.

set(NX_FDT_INCLUDE_DIR ${CMAKE_BINARY_DIR}/fdt-include)
set(nx_fdt_missing_hint "run ./nexus setup (or apt-get install libfdt-dev linux-source-6.1)")

if(NX_PORT STREQUAL "host")
  find_path(NX_HOST_LIBFDT_INCLUDE libfdt.h)
  find_library(NX_HOST_LIBFDT NAMES fdt)
  if(NOT NX_HOST_LIBFDT_INCLUDE OR NOT NX_HOST_LIBFDT)
    message(FATAL_ERROR "libfdt not found (Debian package libfdt-dev): ${nx_fdt_missing_hint}")
  endif()
  file(COPY ${NX_HOST_LIBFDT_INCLUDE}/libfdt.h ${NX_HOST_LIBFDT_INCLUDE}/fdt.h
            ${NX_HOST_LIBFDT_INCLUDE}/libfdt_env.h
       DESTINATION ${NX_FDT_INCLUDE_DIR})
  add_library(nx_libfdt INTERFACE)
  target_link_libraries(nx_libfdt INTERFACE ${NX_HOST_LIBFDT})
else()
  file(GLOB nx_linux_tarballs /usr/src/linux-source-*.tar.xz)
  set(nx_default_tarball "")
  if(nx_linux_tarballs)
    list(SORT nx_linux_tarballs COMPARE NATURAL ORDER DESCENDING)
    list(GET nx_linux_tarballs 0 nx_default_tarball)
  endif()
  set(NX_LINUX_SOURCE_TARBALL "${nx_default_tarball}" CACHE FILEPATH
      "Debian linux-source tarball that provides scripts/dtc/libfdt")
  if(NOT EXISTS "${NX_LINUX_SOURCE_TARBALL}")
    message(FATAL_ERROR "no /usr/src/linux-source-*.tar.xz for the rv64 libfdt: ${nx_fdt_missing_hint}")
  endif()
  get_filename_component(nx_tar_name "${NX_LINUX_SOURCE_TARBALL}" NAME)
  string(REGEX REPLACE "\\.tar\\.xz$" "" nx_tar_top "${nx_tar_name}")

  set(nx_libfdt_src ${CMAKE_BINARY_DIR}/libfdt-src)
  set(nx_libfdt_stamp ${nx_libfdt_src}/.extracted-from-${nx_tar_name})
  if(NOT EXISTS ${nx_libfdt_stamp})
    message(STATUS "nexus: extracting libfdt from ${NX_LINUX_SOURCE_TARBALL} (about 10 s)")
    file(REMOVE_RECURSE ${nx_libfdt_src})
    file(MAKE_DIRECTORY ${nx_libfdt_src})
    execute_process(
      COMMAND tar -xJf ${NX_LINUX_SOURCE_TARBALL} -C ${nx_libfdt_src} --strip-components=4
              ${nx_tar_top}/scripts/dtc/libfdt
      RESULT_VARIABLE nx_tar_result ERROR_VARIABLE nx_tar_error)
    if(NOT nx_tar_result EQUAL 0 OR NOT EXISTS ${nx_libfdt_src}/fdt_ro.c)
      message(FATAL_ERROR "could not extract scripts/dtc/libfdt from ${NX_LINUX_SOURCE_TARBALL}: "
                          "${nx_tar_error}")
    endif()
    file(TOUCH ${nx_libfdt_stamp})
  endif()
  file(COPY ${nx_libfdt_src}/libfdt.h ${nx_libfdt_src}/fdt.h ${nx_libfdt_src}/libfdt_env.h
       DESTINATION ${NX_FDT_INCLUDE_DIR})

  # Only the read-only parts: the kernel never edits a device tree.
  add_library(nx_libfdt STATIC
    ${nx_libfdt_src}/fdt.c ${nx_libfdt_src}/fdt_ro.c ${nx_libfdt_src}/fdt_strerror.c)
  target_include_directories(nx_libfdt PRIVATE ${nx_libfdt_src})
  # nx/fdt_env.h takes libfdt_env.h's place (same include guard): no hosted headers.
  target_compile_options(nx_libfdt PRIVATE -w
    -include ${CMAKE_SOURCE_DIR}/core/include/nx/fdt_env.h)
  target_link_libraries(nx_libfdt PRIVATE nx_freestanding)
endif()

add_library(nx_libfdt_headers INTERFACE)
target_include_directories(nx_libfdt_headers SYSTEM INTERFACE ${NX_FDT_INCLUDE_DIR})
