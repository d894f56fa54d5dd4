//! Any bytes as an uploaded CSV file: no panic, and validating it in pieces
//! on threads gives exactly the one-pass report, encoding and frame.
#![no_main]

use hwb_outcomes::areas::Gazetteer;
use hwb_outcomes::catalogue::Catalogue;
use hwb_outcomes::frame::as_text;
use hwb_outcomes::ingest::{self, Context, Extract, Limits};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn reference() -> &'static (Catalogue, Gazetteer) {
    static DATA: OnceLock<(Catalogue, Gazetteer)> = OnceLock::new();
    DATA.get_or_init(|| (Catalogue::bundled(), Gazetteer::bundled()))
}

fn read(data: &[u8], piece_bytes: usize) -> Extract {
    let (c, g) = reference();
    let mut ctx = Context::new(c, g);
    ctx.limits = Limits {
        piece_bytes,
        max_listed_errors: 50,
        ..Limits::default()
    };
    ingest::read("fuzz.csv", data, None, &ctx)
}

fuzz_target!(|data: &[u8]| {
    let whole = read(data, usize::MAX);
    let pieces = read(data, 16);
    assert_eq!(whole.report.errors, pieces.report.errors);
    assert_eq!(whole.report.warnings, pieces.report.warnings);
    assert_eq!(whole.report.rows, pieces.report.rows);
    assert_eq!(whole.report.encoding, pieces.report.encoding);
    match (&whole.frame, &pieces.frame) {
        (Some(a), Some(b)) => {
            assert!(as_text(a).unwrap().equals_missing(&as_text(b).unwrap()));
        }
        (None, None) => {}
        _ => panic!("a frame from one reading and not the other"),
    }
});
