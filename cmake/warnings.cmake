# Warnings for the project's own targets (third-party headers come in as -isystem).
add_compile_options(-Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align
                    -Wimplicit-fallthrough)
# Not -Wnull-dereference: GCC 12 reports it inside inlined Boost.Asio internals (system
# headers or not), so it would only make -Werror fail on code we do not own.
if(ICEWAY_WERROR)
  add_compile_options(-Werror)
endif()
if(ICEWAY_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
if(ICEWAY_FUZZ)
  # Instrument every library the fuzzers link, not only the fuzz executables: without this
  # libFuzzer sees no coverage inside the parsers and ASan does not check them. UBSan
  # findings are fatal so a fuzz run stops on them.
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
