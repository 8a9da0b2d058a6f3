#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| aruba_noc_mcp_fuzz::config(data));
