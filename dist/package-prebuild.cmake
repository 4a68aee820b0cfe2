# CPack pre-build script (dist/package.cmake): in the staged tree, compress
# the manual page and the changelog with `gzip -9n` (Debian policy: no
# timestamp, best compression).
file(GLOB_RECURSE staged LIST_DIRECTORIES false
  ${CPACK_TEMPORARY_INSTALL_DIRECTORY}/*/share/man/*.1
  ${CPACK_TEMPORARY_INSTALL_DIRECTORY}/*/share/doc/vmdeck/changelog)
foreach(f ${staged})
  execute_process(COMMAND gzip -9nf ${f} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "gzip ${f} failed")
  endif()
endforeach()
