//! Means with Student's t confidence limits (PHEindicatormethods `phe_mean`).

use super::dist::t_quantile;

#[derive(Debug, Clone, PartialEq)]
pub struct Mean {
    pub sum: f64,
    pub count: usize,
    pub sd: f64,
    pub value: f64,
    pub limits: Vec<(f64, f64)>,
}

pub fn mean(values: &[f64], confidences: &[f64]) -> Result<Mean, String> {
    let k = values.len();
    if k < 2 {
        return Err("a mean's confidence limits need at least 2 values".into());
    }
    let sum: f64 = values.iter().sum();
    let value = sum / k as f64;
    let sd = (values.iter().map(|v| (v - value).powi(2)).sum::<f64>() / (k - 1) as f64).sqrt();
    let limits = confidences
        .iter()
        .map(|&c| {
            let t = t_quantile((1.0 - c) / 2.0, (k - 1) as f64).abs();
            let half = t * sd / (k as f64).sqrt();
            (value - half, value + half)
        })
        .collect();
    Ok(Mean {
        sum,
        count: k,
        sd,
        value,
        limits,
    })
}
