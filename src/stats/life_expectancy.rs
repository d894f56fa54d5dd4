//! Life expectancy: Chiang II abridged life table, with Silcocks et al. for
//! the variance of the open-ended last band (PHEindicatormethods
//! `phe_life_expectancy`). Exactly 20 age bands: 0, 1-4, 5-9, ..., 85-89, 90+.

use super::z;

pub const BANDS: usize = 20;
/// The start age of each band.
pub const AGES: [f64; BANDS] = [
    0.0, 1.0, 5.0, 10.0, 15.0, 20.0, 25.0, 30.0, 35.0, 40.0, 45.0, 50.0, 55.0, 60.0, 65.0, 70.0,
    75.0, 80.0, 85.0, 90.0,
];
/// Populations at or below this are too small to publish.
pub const MIN_POPULATION: f64 = 5000.0;

#[derive(Debug, Clone, PartialEq)]
pub struct LifeTableRow {
    pub age: f64,
    /// `None` when the 95% interval is wider than 20 years (suppressed).
    pub value: Option<f64>,
    pub limits: Vec<(f64, f64)>,
    pub population_used: f64,
    pub deaths_used: f64,
}

/// Life expectancy at each band's start age. `deaths` and `populations`
/// are in band order.
pub fn life_expectancy(
    deaths: &[f64],
    populations: &[f64],
    confidences: &[f64],
) -> Result<Vec<LifeTableRow>, String> {
    if deaths.len() != BANDS || populations.len() != BANDS {
        return Err(format!(
            "life expectancy needs exactly {BANDS} age bands (0, 1-4, 5-9, ..., 90+), found {}",
            deaths.len()
        ));
    }
    if deaths.iter().any(|&d| d < 0.0) {
        return Err("deaths must be 0 or more".into());
    }
    if populations.iter().any(|&p| !(p > 0.0)) {
        return Err("every band's population must be greater than 0".into());
    }
    if deaths.iter().zip(populations).any(|(d, p)| d > p) {
        return Err("deaths exceed the population in a band".into());
    }
    if populations.iter().sum::<f64>() <= MIN_POPULATION {
        return Err(format!(
            "the total population is {MIN_POPULATION} or less: too small for a life table"
        ));
    }
    let last = BANDS - 1;
    let m: Vec<f64> = deaths.iter().zip(populations).map(|(d, p)| d / p).collect();
    let n: Vec<f64> = (0..BANDS)
        .map(|i| {
            if i < last {
                AGES[i + 1] - AGES[i]
            } else {
                2.0 / m[last]
            }
        })
        .collect();
    let a: Vec<f64> = (0..BANDS).map(|i| if i == 0 { 0.1 } else { 0.5 }).collect();
    let q: Vec<f64> = (0..BANDS)
        .map(|i| {
            if i == last || deaths[i] > populations[i] / (n[i] * a[i]) {
                1.0
            } else {
                n[i] * m[i] / (1.0 + n[i] * m[i] * (1.0 - a[i]))
            }
        })
        .collect();
    let mut l = [0.0; BANDS + 1];
    l[0] = 100_000.0;
    for i in 0..BANDS {
        l[i + 1] = l[i] * (1.0 - q[i]);
    }
    let d: Vec<f64> = (0..BANDS).map(|i| l[i] - l[i + 1]).collect();
    let big_l: Vec<f64> = (0..BANDS)
        .map(|i| {
            if i < last {
                n[i] * (l[i + 1] + a[i] * d[i])
            } else {
                l[last] / m[last]
            }
        })
        .collect();
    let mut t = [0.0; BANDS + 1];
    for i in (0..BANDS).rev() {
        t[i] = t[i + 1] + big_l[i];
    }
    let e: Vec<f64> = (0..=BANDS)
        .map(|i| {
            if i < BANDS && l[i] > 0.0 {
                t[i] / l[i]
            } else {
                0.0
            }
        })
        .collect();
    let s2: Vec<f64> = (0..BANDS)
        .map(|i| {
            if i == last {
                4.0 / (deaths[last] * m[last].powi(2))
            } else if d[i] == 0.0 || deaths[i] == 0.0 {
                0.0
            } else {
                q[i].powi(2) * (1.0 - q[i]) / deaths[i]
            }
        })
        .collect();
    let w: Vec<f64> = (0..BANDS)
        .map(|i| {
            if i < last {
                l[i].powi(2) * ((1.0 - a[i]) * n[i] + e[i + 1]).powi(2) * s2[i]
            } else {
                (l[last] / 2.0).powi(2) * s2[last]
            }
        })
        .collect();
    let z95 = z(0.95);
    let mut rows = Vec::with_capacity(BANDS);
    for i in 0..BANDS {
        let se = (w[i..].iter().sum::<f64>() / l[i].powi(2)).sqrt();
        let value = e[i];
        let limits = confidences
            .iter()
            .map(|&c| (value - z(c) * se, value + z(c) * se))
            .collect();
        let suppressed = !(z95 * se <= 10.0) || !value.is_finite();
        rows.push(LifeTableRow {
            age: AGES[i],
            value: (!suppressed).then_some(value),
            limits,
            population_used: populations[i..].iter().sum(),
            deaths_used: deaths[i..].iter().sum(),
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_the_method_cannot_take() {
        let pops = [10_000.0; BANDS];
        let deaths = [10.0; BANDS];
        assert!(
            life_expectancy(&deaths[..19], &pops[..19], &[0.95])
                .unwrap_err()
                .contains("exactly 20")
        );
        assert!(
            life_expectancy(&deaths, &[200.0; BANDS], &[0.95])
                .unwrap_err()
                .contains("too small")
        );
        let mut too_many = deaths;
        too_many[3] = 20_000.0;
        assert!(
            life_expectancy(&too_many, &pops, &[0.95])
                .unwrap_err()
                .contains("exceed")
        );
        // Mortality rising with age, as in any real population.
        let rising: Vec<f64> = (0..BANDS).map(|i| 5.0 * 1.45f64.powi(i as i32)).collect();
        let table = life_expectancy(&rising, &pops, &[0.95, 0.998]).unwrap();
        // Life expectancy then falls with age, and the 99.8% interval is wider.
        let published: Vec<f64> = table.iter().filter_map(|r| r.value).collect();
        assert!(published.len() >= 15, "{published:?}");
        assert!(published.windows(2).all(|w| w[0] > w[1]), "{published:?}");
        let (l95, l998) = (table[0].limits[0], table[0].limits[1]);
        assert!(l998.0 < l95.0 && l95.1 < l998.1);
        assert_eq!(table[0].population_used, 200_000.0);
    }
}
