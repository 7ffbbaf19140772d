# cmake -P deploy/manpages.cmake: section 8 man pages from the built binary's --help, with
# Debian's help2man, gzipped for /usr/share/man/man8 (deploy/cpack.cmake runs it at build
# time). One page for `iceway` and one per subcommand its --help lists (iceway-credentials.8,
# as git does for its subcommands), so a new subcommand gets its page without editing this.
#   -DHELP2MAN=path -DPROGRAM=path/to/iceway -DINCLUDE=iceway.h2m -DOUT_DIR=dir
#   -DSOURCE_DATE_EPOCH=seconds (the newest changelog entry's date: the same pages for
#                                the same release, whenever and wherever they are built)
# Section 8 (system administration commands and daemons, man-pages(7)): iceway is a server
# an administrator configures and systemd runs, not a command users type.

foreach(variable HELP2MAN PROGRAM INCLUDE OUT_DIR SOURCE_DATE_EPOCH)
  if(NOT DEFINED ${variable})
    message(FATAL_ERROR "manpages.cmake: -D${variable}= is required")
  endif()
endforeach()

set(ENV{SOURCE_DATE_EPOCH} ${SOURCE_DATE_EPOCH})
set(ENV{LC_ALL} C.UTF-8)
# help2man names the page after the program it runs; running it by name from PATH keeps
# the build directory out of the page.
get_filename_component(program_dir ${PROGRAM} DIRECTORY)
get_filename_component(program_name ${PROGRAM} NAME)
set(ENV{PATH} "${program_dir}:$ENV{PATH}")

execute_process(COMMAND ${program_name} --version OUTPUT_VARIABLE version
                RESULT_VARIABLE rc OUTPUT_STRIP_TRAILING_WHITESPACE)
execute_process(COMMAND ${program_name} --help OUTPUT_VARIABLE help RESULT_VARIABLE help_rc)
if(NOT rc EQUAL 0 OR NOT help_rc EQUAL 0)
  message(FATAL_ERROR "manpages.cmake: ${PROGRAM} --version or --help failed")
endif()

# CLI11 lists subcommands as "  name   description" lines after "Subcommands:".
set(subcommands "")
set(descriptions "")
string(REGEX MATCH "\nSubcommands:\n(.*)" listing "${help}")
string(REPLACE "\n" ";" listing_lines "${CMAKE_MATCH_1}")
foreach(line IN LISTS listing_lines)
  if(line MATCHES "^  ([a-z][a-z0-9-]*)  +(.+)$")
    list(APPEND subcommands ${CMAKE_MATCH_1})
    string(REPLACE ";" "," description "${CMAKE_MATCH_2}")
    list(APPEND descriptions "${description}")
  elseif(line MATCHES "^[^ ]")
    break()
  endif()
endforeach()

file(REMOVE_RECURSE ${OUT_DIR})
file(MAKE_DIRECTORY ${OUT_DIR})
set(work ${OUT_DIR}.work)
file(REMOVE_RECURSE ${work})
file(MAKE_DIRECTORY ${work})

function(gzip_page source destination)
  execute_process(COMMAND gzip -9n -c INPUT_FILE ${source} OUTPUT_FILE ${destination} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "manpages.cmake: gzip ${source} failed")
  endif()
endfunction()

function(run_help2man output)
  execute_process(COMMAND ${HELP2MAN} --no-info --section=8 "--version-string=${version}" ${ARGN}
                  OUTPUT_FILE ${output} ERROR_VARIABLE errors RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "manpages.cmake: help2man failed: ${errors}")
  endif()
endfunction()

# The main page: the static sections (FILES, SEE ALSO...) come from INCLUDE, plus the list
# of subcommand pages.
set(see_also "")
foreach(subcommand IN LISTS subcommands)
  string(APPEND see_also ".BR ${program_name}\\-${subcommand} (8),\n")
endforeach()
file(READ ${INCLUDE} include_text)
string(REPLACE "@SUBCOMMAND_PAGES@" "${see_also}" include_text "${include_text}")
file(WRITE ${work}/main.h2m "${include_text}")
run_help2man(${work}/${program_name}.8 "--name=STUN/TURN server with WebRTC signaling and Prometheus metrics"
             --include=${work}/main.h2m ${program_name})
gzip_page(${work}/${program_name}.8 ${OUT_DIR}/${program_name}.8.gz)

foreach(subcommand description IN ZIP_LISTS subcommands descriptions)
  set(page ${program_name}-${subcommand})
  file(WRITE ${work}/${subcommand}.h2m "[SEE ALSO]\n.BR ${program_name} (8)\n")
  run_help2man(${work}/${page}.8 "--name=${description}" --include=${work}/${subcommand}.h2m
               "${program_name} ${subcommand}")
  # help2man titles and names the page after the first word; the page is
  # iceway-SUBCOMMAND(8), and its NAME line is what apropos and mandb index.
  file(READ ${work}/${page}.8 text)
  string(TOUPPER ${page} title)
  string(TOUPPER ${program_name} program_title)
  string(REPLACE ".TH ${program_title} " ".TH ${title} " text "${text}")
  string(REPLACE "\n.SH NAME\n${program_name} \\- " "\n.SH NAME\n${page} \\- " text "${text}")
  file(WRITE ${work}/${page}.8 "${text}")
  gzip_page(${work}/${page}.8 ${OUT_DIR}/${page}.8.gz)
endforeach()
file(REMOVE_RECURSE ${work})
