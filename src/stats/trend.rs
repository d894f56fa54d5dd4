//! The Fingertips recent-trend test (FT-legacy `TrendMarkerCalculator`,
//! ported to FingertipsNext; methods-phe.md 1.8): a weighted regression on
//! the five most recent points, significant when chi-squared exceeds the
//! 99.8% point of chi-squared(1) and every leave-one-out slope keeps the
//! sign of the full slope.

use crate::domain::Polarity;
use serde::{Deserialize, Serialize};

pub const POINTS: usize = 5;
/// chi-squared(1) at 0.998, as Fingertips hard-codes it.
pub const THRESHOLD: f64 = 9.549_535_706_083_24;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Trend {
    IncreasingBetter,
    IncreasingWorse,
    DecreasingBetter,
    DecreasingWorse,
    Increasing,
    Decreasing,
    NoSignificantChange,
    CannotBeCalculated,
}

impl Trend {
    pub fn label(self) -> &'static str {
        match self {
            Trend::IncreasingBetter => "Increasing and getting better",
            Trend::IncreasingWorse => "Increasing and getting worse",
            Trend::DecreasingBetter => "Decreasing and getting better",
            Trend::DecreasingWorse => "Decreasing and getting worse",
            Trend::Increasing => "Increasing",
            Trend::Decreasing => "Decreasing",
            Trend::NoSignificantChange => "No significant change",
            Trend::CannotBeCalculated => "Cannot be calculated",
        }
    }

    pub const ALL: [Trend; 8] = [
        Trend::IncreasingBetter,
        Trend::IncreasingWorse,
        Trend::DecreasingBetter,
        Trend::DecreasingWorse,
        Trend::Increasing,
        Trend::Decreasing,
        Trend::NoSignificantChange,
        Trend::CannotBeCalculated,
    ];

    /// The trend a stored label names (the inverse of `label`).
    pub fn from_label(label: &str) -> Option<Trend> {
        Trend::ALL.into_iter().find(|t| t.label() == label)
    }
}

/// A point in time order, oldest first, with its 95% limits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub value: Option<f64>,
    pub lower: Option<f64>,
    pub upper: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fit {
    pub slope: f64,
    pub chi_squared: f64,
    /// Every leave-one-out slope has the full slope's sign.
    pub robust: bool,
}

/// Weighted least squares of y on t = 1..n with weights 1/SE², SE from the
/// 95% interval.
fn fit(points: &[(f64, f64, f64)]) -> (f64, f64) {
    let (mut sw, mut swt, mut swt2, mut swy, mut swty) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for &(t, y, w) in points {
        sw += w;
        swt += w * t;
        swt2 += w * t * t;
        swy += w * y;
        swty += w * t * y;
    }
    let det = sw * swt2 - swt * swt;
    ((sw * swty - swt * swy) / det, (sw / det).sqrt())
}

/// The regression on the five most recent points, or why there is none.
pub fn regression(points: &[Point]) -> Option<Fit> {
    if points.len() < POINTS {
        return None;
    }
    let recent = &points[points.len() - POINTS..];
    let mut data = Vec::with_capacity(POINTS);
    for (i, p) in recent.iter().enumerate() {
        let (Some(y), Some(l), Some(u)) = (p.value, p.lower, p.upper) else {
            return None;
        };
        let se = (u - l) / 3.92;
        if !(se > 0.0) {
            return None;
        }
        data.push(((i + 1) as f64, y, 1.0 / (se * se)));
    }
    let (slope, se) = fit(&data);
    let chi_squared = (slope / se).powi(2);
    // Robustness: every fit leaving one point out must agree in sign.
    let agrees = (0..POINTS).all(|leave| {
        let rest: Vec<_> = data
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != leave)
            .map(|(_, d)| *d)
            .collect();
        fit(&rest).0.signum() == slope.signum()
    });
    Some(Fit {
        slope,
        chi_squared,
        robust: agrees,
    })
}

pub fn recent_trend(points: &[Point], polarity: Polarity) -> Trend {
    let Some(fit) = regression(points) else {
        return Trend::CannotBeCalculated;
    };
    if !(fit.chi_squared > THRESHOLD && fit.robust) {
        return Trend::NoSignificantChange;
    }
    match (fit.slope > 0.0, polarity) {
        (true, Polarity::High) => Trend::IncreasingBetter,
        (true, Polarity::Low) => Trend::IncreasingWorse,
        (true, Polarity::None) => Trend::Increasing,
        (false, Polarity::High) => Trend::DecreasingWorse,
        (false, Polarity::Low) => Trend::DecreasingBetter,
        (false, Polarity::None) => Trend::Decreasing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_round_trip() {
        for t in Trend::ALL {
            assert_eq!(Trend::from_label(t.label()), Some(t));
        }
        assert_eq!(Trend::from_label("Increasing and getting Better"), None);
    }

    fn series(values: [f64; 5], ci: [(f64, f64); 5]) -> Vec<Point> {
        values
            .iter()
            .zip(ci)
            .map(|(&v, (l, u))| Point {
                value: Some(v),
                lower: Some(l),
                upper: Some(u),
            })
            .collect()
    }

    /// FT-legacy TrendMarkerCalculatorTest, Set1 (methods-phe.md section 4, item 10).
    #[test]
    fn the_fingertips_test_series() {
        let set1 = series(
            [24.67, 24.6, 28.0, 30.2, 30.6],
            [
                (23.16, 26.25),
                (23.15, 26.19),
                (26.44, 29.64),
                (28.63, 31.9),
                (28.98, 32.25),
            ],
        );
        let fit = regression(&set1).unwrap();
        assert!((fit.slope - 1.7515662).abs() < 1e-6, "{}", fit.slope);
        assert!(
            (fit.chi_squared - 46.7653158).abs() < 1e-6,
            "{}",
            fit.chi_squared
        );
        assert_eq!(recent_trend(&set1, Polarity::None), Trend::Increasing);
        assert_eq!(recent_trend(&set1, Polarity::Low), Trend::IncreasingWorse);
        assert_eq!(
            recent_trend(&set1[..4], Polarity::Low),
            Trend::CannotBeCalculated
        );
    }

    #[test]
    fn a_wobbly_series_is_no_significant_change() {
        let flat = series(
            [20.0, 21.0, 20.0, 21.0, 20.0],
            [
                (19.0, 21.0),
                (20.0, 22.0),
                (19.0, 21.0),
                (20.0, 22.0),
                (19.0, 21.0),
            ],
        );
        assert_eq!(
            recent_trend(&flat, Polarity::High),
            Trend::NoSignificantChange
        );
        let mut missing = flat.clone();
        missing[2].lower = None;
        assert_eq!(
            recent_trend(&missing, Polarity::High),
            Trend::CannotBeCalculated
        );
    }
}
