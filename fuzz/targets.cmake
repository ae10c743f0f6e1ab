# The libFuzzer targets: each is fuzz/<name>.cc, seeded from fuzz/corpus/<name>/, with the
# dictionary fuzz/<name>.dict when there is one. Read by fuzz/CMakeLists.txt (which builds
# them) and by tests/fuzz/CMakeLists.txt (which registers their smoke runs); bench/run finds
# them the same way.
set(COOLFLOW_FUZZ_TARGETS
    fuzz_line_protocol
    fuzz_temp_csv
    fuzz_resource_json
    fuzz_coolflow_json
    fuzz_ac_command
    fuzz_timestamp
    fuzz_scenario
    fuzz_agent_config
    fuzz_command
    fuzz_kernel_files
    fuzz_wal
    fuzz_chunk
    fuzz_block
    fuzz_engine_records
    fuzz_alert_rules
    fuzz_controller_config
    fuzz_http_request)
