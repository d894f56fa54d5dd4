//! Public health statistics, as Fingertips and PHEindicatormethods define
//! them (formulas and sources: shared/research/methods-phe.md).
//!
//! Pure functions over numbers: no Polars, no web stack, no I/O, so ingest,
//! charts and the CLI can all rely on one implementation.

pub mod compare;
pub mod dist;
pub mod dsr;
pub mod isr;
pub mod life_expectancy;
pub mod limits;
pub mod mean;
pub mod quantiles;
pub mod trend;

pub use limits::{Interval, byars, exact_poisson, poisson_count, wilson};

/// Confidence levels Fingertips publishes.
pub const CONFIDENCE_95: f64 = 0.95;
pub const CONFIDENCE_998: f64 = 0.998;

/// The two-sided normal quantile for a confidence level, e.g. 1.959964 for 95%.
/// The two published levels are computed once.
pub fn z(confidence: f64) -> f64 {
    static Z95: std::sync::LazyLock<f64> = std::sync::LazyLock::new(|| z_uncached(CONFIDENCE_95));
    static Z998: std::sync::LazyLock<f64> = std::sync::LazyLock::new(|| z_uncached(CONFIDENCE_998));
    if confidence == CONFIDENCE_95 {
        *Z95
    } else if confidence == CONFIDENCE_998 {
        *Z998
    } else {
        z_uncached(confidence)
    }
}

fn z_uncached(confidence: f64) -> f64 {
    dist::normal_quantile(confidence + (1.0 - confidence) / 2.0)
}

/// "100000" for 100,000, "100" for 100: the text PHEindicatormethods puts
/// in its `statistic` column.
pub fn multiplier_label(multiplier: f64) -> String {
    if multiplier.fract() == 0.0 && multiplier.abs() < 1e15 {
        format!("{}", multiplier as i64)
    } else {
        multiplier.to_string()
    }
}
