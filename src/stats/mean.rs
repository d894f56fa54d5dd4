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

#[cfg(test)]
mod tests {
    use super::*;

    /// 1..5: mean 3, sd sqrt(2.5), t(0.975, 4) limits (scipy).
    #[test]
    fn a_hand_checked_mean() {
        let m = mean(&[1.0, 2.0, 3.0, 4.0, 5.0], &[0.95]).unwrap();
        assert_eq!((m.value, m.count), (3.0, 5));
        assert!((m.sd - 2.5f64.sqrt()).abs() < 1e-15);
        assert!((m.limits[0].0 - 1.0367568385224428).abs() < 1e-12);
        assert!((m.limits[0].1 - 4.963243161477557).abs() < 1e-12);
        assert!(mean(&[1.0], &[0.95]).is_err());
    }
}
