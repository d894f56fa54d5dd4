//! Public health statistics, as Fingertips and PHEindicatormethods define
//! them (formulas and sources: shared/research/methods-phe.md).
//!
//! Pure functions over numbers: no Polars, no web stack, no I/O, so ingest,
//! charts and the CLI can all rely on one implementation.

pub mod dist;
pub mod limits;

pub use limits::{Interval, byars, exact_poisson, poisson_count, wilson};

/// Confidence levels Fingertips publishes.
pub const CONFIDENCE_95: f64 = 0.95;
pub const CONFIDENCE_998: f64 = 0.998;

/// The two-sided normal quantile for a confidence level, e.g. 1.959964 for 95%.
pub fn z(confidence: f64) -> f64 {
    dist::normal_quantile(confidence + (1.0 - confidence) / 2.0)
}
