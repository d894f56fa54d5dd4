//! Any bytes as an uploaded .xlsx workbook (the zip signature is put in
//! front when missing, so every input takes the workbook path): no panic,
//! and no frame without a valid report.
#![no_main]

use hwb_outcomes::areas::Gazetteer;
use hwb_outcomes::catalogue::Catalogue;
use hwb_outcomes::ingest::{self, Context};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn reference() -> &'static (Catalogue, Gazetteer) {
    static DATA: OnceLock<(Catalogue, Gazetteer)> = OnceLock::new();
    DATA.get_or_init(|| (Catalogue::bundled(), Gazetteer::bundled()))
}

fuzz_target!(|data: &[u8]| {
    const ZIP: &[u8] = b"PK\x03\x04";
    let bytes = if data.starts_with(ZIP) {
        data.to_vec()
    } else {
        [ZIP, data].concat()
    };
    let (c, g) = reference();
    let ctx = Context::new(c, g);
    for sheet in [None, Some("Local")] {
        let e = ingest::read("fuzz.xlsx", &bytes, sheet, &ctx);
        assert!(e.frame.is_none() || e.report.is_valid());
    }
});
