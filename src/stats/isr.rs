//! Indirectly standardised ratios and rates (PHEindicatormethods
//! `calculate_ISRatio`, `calculate_ISRate`).

use super::limits::poisson_count;

#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    pub observed: Option<f64>,
    pub population: Option<f64>,
    pub reference_observed: Option<f64>,
    pub reference_population: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Isr {
    pub observed: f64,
    pub expected: f64,
    /// The reference rate per `multiplier` (rates only).
    pub reference_rate: f64,
    pub value: f64,
    pub limits: Vec<(Option<f64>, Option<f64>)>,
    pub method: &'static str,
}

pub enum Kind {
    /// Ratio x `refvalue` (1, or 100 for "SMR x 100").
    Ratio { refvalue: f64 },
    /// Rate per `multiplier`.
    Rate { multiplier: f64 },
}

/// `observed_total` overrides the sum of the bands' observed counts.
pub fn isr(
    bands: &[Band],
    observed_total: Option<f64>,
    kind: Kind,
    confidences: &[f64],
) -> Result<Isr, String> {
    if bands.is_empty() {
        return Err("no age bands".into());
    }
    for (i, b) in bands.iter().enumerate() {
        if b.observed.is_some_and(|x| x < 0.0) || b.population.is_some_and(|x| x < 0.0) {
            return Err(format!(
                "band {}: counts and populations must be 0 or more",
                i + 1
            ));
        }
        if !b.reference_population.is_some_and(|x| x > 0.0)
            || b.reference_observed.is_some_and(|x| x < 0.0)
        {
            return Err(format!(
                "band {}: the reference population must be greater than 0",
                i + 1
            ));
        }
    }
    let na0 = |x: Option<f64>| x.unwrap_or(0.0);
    let expected: f64 = bands
        .iter()
        .map(|b| na0(b.reference_observed) / na0(b.reference_population) * na0(b.population))
        .sum();
    let observed = observed_total.unwrap_or_else(|| bands.iter().map(|b| na0(b.observed)).sum());
    let reference_observed: f64 = bands.iter().map(|b| na0(b.reference_observed)).sum();
    let reference_population: f64 = bands.iter().map(|b| na0(b.reference_population)).sum();
    let (scale, reference_rate) = match kind {
        Kind::Ratio { refvalue } => (refvalue, f64::NAN),
        Kind::Rate { multiplier } => {
            let r = reference_observed / reference_population * multiplier;
            (r, r)
        }
    };
    if !(expected > 0.0) {
        return Err("the expected count is 0: no population in any band".into());
    }
    let mut method = "Byars";
    let limits = confidences
        .iter()
        .map(|&c| {
            let (interval, m) = poisson_count(observed, c);
            method = m.label();
            (
                interval.lower.map(|l| l / expected * scale),
                interval.upper.map(|u| u / expected * scale),
            )
        })
        .collect();
    Ok(Isr {
        observed,
        expected,
        reference_rate,
        value: observed / expected * scale,
        limits,
        method,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 20 observed where the reference rate expects 10: ratio 2, limits
    /// from Byar's on 20 (computed independently with scipy).
    #[test]
    fn a_hand_checked_ratio() {
        let band = Band {
            observed: Some(20.0),
            population: Some(1000.0),
            reference_observed: Some(10.0),
            reference_population: Some(1000.0),
        };
        let r = isr(&[band], None, Kind::Ratio { refvalue: 1.0 }, &[0.95]).unwrap();
        assert_eq!((r.expected, r.value, r.method), (10.0, 2.0, "Byars"));
        assert!((r.limits[0].0.unwrap() - 1.2211428834875935).abs() < 1e-12);
        assert!((r.limits[0].1.unwrap() - 3.088988036919706).abs() < 1e-12);
    }
}
