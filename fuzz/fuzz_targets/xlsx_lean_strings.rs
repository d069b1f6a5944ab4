#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(init: pbstat::fuzzing::contain_library_panics(), |data: &[u8]| {
    let _ = pbstat::fuzzing::xlsx_lean_strings(data);
});
