//! Confidence limits for proportions (Wilson score) and counts (Byar's, or
//! exact Poisson below 10 events), as PHEindicatormethods computes them.

use super::dist::chi_squared_quantile;
use super::z;
use serde::Serialize;

/// A confidence interval. A limit is `None` where the method gives none
/// (Byar's lower limit below zero), never a made-up number.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    pub lower: Option<f64>,
    pub upper: Option<f64>,
}

impl Interval {
    pub fn scaled(self, factor: f64) -> Interval {
        Interval {
            lower: self.lower.map(|l| l * factor),
            upper: self.upper.map(|u| u * factor),
        }
    }
}

/// Wilson score interval for `x` cases out of `n`, on the 0-1 scale.
/// Callers check 0 <= x <= n and n > 0.
pub fn wilson(x: f64, n: f64, confidence: f64) -> Interval {
    let z = z(confidence);
    let z2 = z * z;
    let root = z * (z2 + 4.0 * x * (1.0 - x / n)).sqrt();
    let denom = 2.0 * (n + z2);
    Interval {
        lower: Some((2.0 * x + z2 - root) / denom),
        upper: Some((2.0 * x + z2 + root) / denom),
    }
}

/// Byar's approximation to the Poisson limits of an observed count.
pub fn byars(observed: f64, confidence: f64) -> Interval {
    let z = z(confidence);
    let o = observed;
    let lower = o * (1.0 - 1.0 / (9.0 * o) - z / (3.0 * o.sqrt())).powi(3);
    let o1 = o + 1.0;
    let upper = o1 * (1.0 - 1.0 / (9.0 * o1) + z / (3.0 * o1.sqrt())).powi(3);
    Interval {
        lower: (lower >= 0.0).then_some(lower),
        upper: Some(upper),
    }
}

/// Exact Poisson limits of an observed count, from chi-squared quantiles.
pub fn exact_poisson(observed: f64, confidence: f64) -> Interval {
    let alpha = 1.0 - confidence;
    Interval {
        lower: Some(chi_squared_quantile(alpha / 2.0, 2.0 * observed) / 2.0),
        upper: Some(chi_squared_quantile(1.0 - alpha / 2.0, 2.0 * observed + 2.0) / 2.0),
    }
}

/// Which count method was used: PHEindicatormethods' `method` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CountMethod {
    Exact,
    Byars,
}

impl CountMethod {
    pub fn label(self) -> &'static str {
        match self {
            CountMethod::Exact => "Exact",
            CountMethod::Byars => "Byars",
        }
    }
}

/// Limits of a count: exact below 10 events, Byar's from 10.
pub fn poisson_count(observed: f64, confidence: f64) -> (Interval, CountMethod) {
    if observed < 10.0 {
        (exact_poisson(observed, confidence), CountMethod::Exact)
    } else {
        (byars(observed, confidence), CountMethod::Byars)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_close(actual: Option<f64>, expected: f64) {
        let a = actual.expect("a limit");
        assert!(
            ((a - expected) / expected).abs() < 1e-12,
            "{a} != {expected}"
        );
    }

    /// Hand-checked vectors from methods-phe.md section 4 (PHEindicatormethods
    /// fixtures), always run.
    #[test]
    fn wilson_matches_the_worked_examples() {
        let i = wilson(65.0, 100.0, 0.95);
        assert_close(i.lower, 0.5525444329688797);
        assert_close(i.upper, 0.7363575175690247);
        let i = wilson(65.0, 100.0, 0.998);
        assert_close(i.lower, 0.4954946574070431);
        assert_close(i.upper, 0.7783540614089697);
        let i = wilson(0.445, 1.0, 0.95);
        assert_close(i.lower, 0.04381744772058822);
        assert_close(i.upper, 0.9334621276979156);
        assert_eq!(wilson(0.0, 50.0, 0.95).lower, Some(0.0));
    }

    #[test]
    fn byars_matches_the_worked_examples() {
        let i = byars(65.0, 0.95);
        assert_close(i.lower, 50.163187710459454);
        assert_close(i.upper, 82.84913854593984);
        let i = byars(1045.0, 0.95);
        assert_close(i.lower, 982.5932018073325);
        assert_close(i.upper, 1110.33121298565);
        let i = byars(1.0, 0.998);
        assert_eq!(i.lower, None, "Byar's goes negative: no lower limit");
        assert_close(i.upper, 9.362180217908362);
    }

    #[test]
    fn rates_match_the_worked_examples() {
        // 1 event in 100 people per 100,000: exact method.
        let (i, m) = poisson_count(1.0, 0.95);
        assert_eq!(m, CountMethod::Exact);
        let r = i.scaled(100_000.0 / 100.0);
        assert_close(r.lower, 25.317807984289896);
        assert_close(r.upper, 5571.643390938898);
        let r = poisson_count(1.0, 0.998).0.scaled(1000.0);
        assert_close(r.lower, 1.0005003335835343);
        assert_close(r.upper, 9233.413476451586);
        let r = poisson_count(5.0, 0.95).0.scaled(1000.0);
        assert_close(r.lower, 1623.4863901184199);
        assert_close(r.upper, 11668.332079322669);
        // 10 events: Byar's from the threshold on.
        let (i, m) = poisson_count(10.0, 0.95);
        assert_eq!(m, CountMethod::Byars);
        let r = i.scaled(100_000.0 / 200.0);
        assert_close(r.lower, 2393.7249569837822);
        assert_close(r.upper, 9195.729302878237);
        assert_eq!(exact_poisson(0.0, 0.95).lower, Some(0.0));
    }
}
