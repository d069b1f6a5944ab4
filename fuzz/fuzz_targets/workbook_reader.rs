#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(init: pbstat::fuzzing::contain_library_panics(), |data: &[u8]| {
    pbstat::fuzzing::workbook(data);
});
