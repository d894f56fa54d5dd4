//! Any text as `hwb-outcomes stats` input, for every method and option the
//! first byte picks: no panic; an answer is CSV with the input's rows.
#![no_main]

use hwb_outcomes::commands::stats::{Method, process};
use libfuzzer_sys::fuzz_target;

const METHODS: [Method; 8] = [
    Method::Proportion,
    Method::Rate,
    Method::Dsr,
    Method::Isr,
    Method::Mean,
    Method::LifeExpectancy,
    Method::Compare,
    Method::Trend,
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let method = METHODS[usize::from(pick) % METHODS.len()];
    let confidence = ["95", "99.8", "95,99.8"][usize::from(pick / 8) % 3];
    let multiplier = [None, Some(100.0), Some(100_000.0)][usize::from(pick / 32) % 3];
    let text = String::from_utf8_lossy(rest);
    if let Ok(out) = process(method, confidence, multiplier, pick >= 128, &text) {
        assert!(out.is_empty() || out.ends_with('\n'));
    }
});
