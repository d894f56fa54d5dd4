//! Directly standardised rates, Dobson method (PHEindicatormethods
//! `calculate_dsr`), with the 2013 European Standard Population.

use super::limits::byars;

/// The 2013 European Standard Population in 19 bands: 0-4, 5-9, ..., 85-89,
/// 90+ (the published 0 and 1-4 bands merged, as are 90-94 and 95+).
pub const ESP2013: [f64; 19] = [
    5000.0, 5500.0, 5500.0, 5500.0, 6000.0, 6000.0, 6500.0, 7000.0, 7000.0, 7000.0, 7000.0, 6500.0,
    6000.0, 5500.0, 5000.0, 4000.0, 2500.0, 1500.0, 1000.0,
];

/// Events below which a DSR is not published.
pub const MIN_EVENTS: f64 = 10.0;

/// One age band. `frequencies[f]` is, for non-independent events, the
/// number of people with exactly f + 1 events; empty for independent events
/// (then `count` is the number of events).
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    pub count: Option<f64>,
    pub population: f64,
    pub standard: f64,
    pub frequencies: Vec<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Dsr {
    pub total_count: f64,
    pub total_population: f64,
    /// `None` when suppressed (fewer than 10 events).
    pub value: Option<f64>,
    /// (lower, upper) per requested confidence level, in order.
    pub limits: Vec<(Option<f64>, Option<f64>)>,
    pub statistic: String,
    pub method: &'static str,
}

/// Validates the bands: what is wrong, in words, or nothing.
pub fn check(bands: &[Band]) -> Result<(), String> {
    if bands.is_empty() {
        return Err("no age bands".into());
    }
    for (i, b) in bands.iter().enumerate() {
        if b.count.is_some_and(|c| c < 0.0) || b.frequencies.iter().any(|&f| f < 0.0) {
            return Err(format!("band {}: numerators must be 0 or more", i + 1));
        }
        if !(b.population > 0.0) {
            return Err(format!(
                "band {}: denominators must be greater than 0",
                i + 1
            ));
        }
        if !(b.standard >= 0.0) {
            return Err(format!(
                "band {}: standard populations must be 0 or more",
                i + 1
            ));
        }
    }
    Ok(())
}

pub fn dsr(bands: &[Band], confidences: &[f64], multiplier: f64) -> Result<Dsr, String> {
    check(bands)?;
    let independent = bands.iter().all(|b| b.frequencies.is_empty());
    // Events per band: for non-independent events, people x their events.
    let events = |b: &Band| -> f64 {
        if independent {
            b.count.unwrap_or(0.0)
        } else {
            b.frequencies
                .iter()
                .enumerate()
                .map(|(f, &n)| (f + 1) as f64 * n)
                .sum()
        }
    };
    let total_standard: f64 = bands.iter().map(|b| b.standard).sum();
    let observed: f64 = bands.iter().map(events).sum();
    let total_population: f64 = bands.iter().map(|b| b.population).sum();
    let rate: f64 = bands
        .iter()
        .map(|b| events(b) * b.standard / b.population)
        .sum::<f64>()
        / total_standard;
    let variance: f64 = if independent {
        bands
            .iter()
            .map(|b| events(b) * (b.standard / b.population).powi(2))
            .sum::<f64>()
            / total_standard.powi(2)
    } else {
        let max_f = bands.iter().map(|b| b.frequencies.len()).max().unwrap_or(0);
        (0..max_f)
            .map(|f| {
                let var_f: f64 = bands
                    .iter()
                    .map(|b| {
                        b.frequencies.get(f).copied().unwrap_or(0.0)
                            * (b.standard / b.population).powi(2)
                    })
                    .sum::<f64>()
                    / total_standard.powi(2);
                ((f + 1) as f64).powi(2) * var_f
            })
            .sum()
    };
    let method = if independent {
        "Dobson"
    } else {
        "Dobson, with confidence adjusted for non-independent events"
    };
    if observed < MIN_EVENTS {
        return Ok(Dsr {
            total_count: observed,
            total_population,
            value: None,
            limits: confidences.iter().map(|_| (None, None)).collect(),
            statistic: "dsr NA for total count < 10".into(),
            method,
        });
    }
    let spread = (variance / observed).sqrt();
    let limits = confidences
        .iter()
        .map(|&c| {
            let o = byars(observed, c);
            let at =
                |limit: Option<f64>| limit.map(|l| (rate + spread * (l - observed)) * multiplier);
            (at(o.lower), at(o.upper))
        })
        .collect();
    Ok(Dsr {
        total_count: observed,
        total_population,
        value: Some(rate * multiplier),
        limits,
        statistic: format!("dsr per {}", super::multiplier_label(multiplier)),
        method,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn band(count: f64, population: f64, standard: f64) -> Band {
        Band {
            count: Some(count),
            population,
            standard,
            frequencies: vec![],
        }
    }

    /// Two equal-weight bands, 10 and 20 events per 1,000: DSR 1.5%, limits
    /// from Byar's on 30 events (computed independently with scipy).
    #[test]
    fn a_hand_checked_dsr() {
        let d = dsr(
            &[band(10.0, 1000.0, 1.0), band(20.0, 1000.0, 1.0)],
            &[0.95],
            100_000.0,
        )
        .unwrap();
        assert!((d.value.unwrap() - 1500.0).abs() < 1e-9);
        assert!((d.limits[0].0.unwrap() - 1011.8469546633195).abs() < 1e-9);
        assert!((d.limits[0].1.unwrap() - 2141.418597099935).abs() < 1e-9);
        assert_eq!(d.statistic, "dsr per 100000");
    }

    #[test]
    fn fewer_than_ten_events_are_suppressed_and_bad_bands_refused() {
        let d = dsr(
            &[band(4.0, 1000.0, 1.0), band(5.0, 1000.0, 1.0)],
            &[0.95, 0.998],
            100_000.0,
        )
        .unwrap();
        assert_eq!(
            (d.value, d.limits.clone()),
            (None, vec![(None, None), (None, None)])
        );
        assert_eq!(d.statistic, "dsr NA for total count < 10");
        assert!(
            dsr(&[band(4.0, 0.0, 1.0)], &[0.95], 1.0)
                .unwrap_err()
                .contains("greater than 0")
        );
        assert!(
            dsr(&[band(-1.0, 10.0, 1.0)], &[0.95], 1.0)
                .unwrap_err()
                .contains("0 or more")
        );
    }
}
