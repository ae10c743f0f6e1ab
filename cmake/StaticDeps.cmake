# The C++ libraries coolflow links statically, so that a binary can carry its C++ runtime
# inside it (coolflow-agent: -static-libstdc++, no libstdc++.so mapped at all; see
# docs/agent.md, "Footprint"). Every target links these instead of the packages' shared
# libraries, so no binary ever holds two copies of one library.
#
#   coolflow::fmt       {fmt} 9, compiled from Debian's headers (static/fmt.cc)
#   coolflow::spdlog    spdlog 1.10 in its header-only mode, over coolflow::fmt
#   coolflow::yaml-cpp  Debian's libyaml-cpp.a
#
# simdjson is packaged as a shared library only: binaries that link it (the JSON decoders,
# coolflow_reading_formats) keep the shared C++ runtime.

# The headers of fmt::fmt, without its FMT_SHARED or fmt-header-only's FMT_HEADER_ONLY: the
# ordinary declarations, with the definitions in this library.
add_library(coolflow_static_fmt STATIC ${CMAKE_CURRENT_LIST_DIR}/static/fmt.cc)
get_target_property(_coolflow_fmt_includes fmt::fmt INTERFACE_INCLUDE_DIRECTORIES)
target_include_directories(coolflow_static_fmt SYSTEM PUBLIC ${_coolflow_fmt_includes})
add_library(coolflow::fmt ALIAS coolflow_static_fmt)

add_library(coolflow_static_spdlog INTERFACE)
get_target_property(_coolflow_spdlog_includes spdlog::spdlog_header_only
                    INTERFACE_INCLUDE_DIRECTORIES)
target_include_directories(coolflow_static_spdlog SYSTEM INTERFACE ${_coolflow_spdlog_includes})
target_compile_definitions(coolflow_static_spdlog INTERFACE SPDLOG_FMT_EXTERNAL)
target_link_libraries(coolflow_static_spdlog INTERFACE coolflow::fmt Threads::Threads)
add_library(coolflow::spdlog ALIAS coolflow_static_spdlog)

find_library(COOLFLOW_YAML_CPP_ARCHIVE NAMES libyaml-cpp.a REQUIRED)
add_library(coolflow_static_yaml_cpp STATIC IMPORTED)
get_target_property(_coolflow_yaml_includes yaml-cpp INTERFACE_INCLUDE_DIRECTORIES)
set_target_properties(coolflow_static_yaml_cpp PROPERTIES
    IMPORTED_LOCATION ${COOLFLOW_YAML_CPP_ARCHIVE}
    INTERFACE_INCLUDE_DIRECTORIES "${_coolflow_yaml_includes}")
add_library(coolflow::yaml-cpp ALIAS coolflow_static_yaml_cpp)
