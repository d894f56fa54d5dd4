//! Quantiles among peer areas (PHEindicatormethods `phe_quantile`) and
//! interpolated percentiles for spine charts.

/// The quantile (1 = lowest group) of each value among `values`, as
/// PHEindicatormethods assigns them: with `invert` (its default) the
/// highest values are in quantile 1. `None` values get `None`; all are
/// `None` when fewer than `q` values are present.
pub fn quantiles(values: &[Option<f64>], q: usize, invert: bool) -> Vec<Option<usize>> {
    let present: Vec<f64> = values.iter().flatten().copied().collect();
    let n = present.len();
    if n < q || q == 0 {
        return vec![None; values.len()];
    }
    values
        .iter()
        .map(|v| {
            let v = (*v)?;
            // Rank with ties at their minimum, of -v when inverting.
            let rank = 1 + present
                .iter()
                .filter(|&&o| if invert { o > v } else { o < v })
                .count();
            let group =
                ((q + 1) as f64 - ((n + 1 - rank) as f64 / (n as f64 / q as f64)).ceil()).floor();
            Some((group.max(1.0)) as usize)
        })
        .collect()
}

/// The p-th percentile (0-1) by linear interpolation between order
/// statistics (R's type 7, Excel's PERCENTILE.INC).
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() || !(0.0..=1.0).contains(&p) {
        return None;
    }
    let h = (sorted.len() - 1) as f64 * p;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    Some(sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_interpolate() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(percentile(&v, 0.25), Some(1.75));
        assert_eq!(percentile(&v, 0.5), Some(2.5));
        assert_eq!(percentile(&v, 1.0), Some(4.0));
        assert_eq!(percentile(&[], 0.5), None);
    }

    #[test]
    fn quantiles_need_enough_values() {
        let v: Vec<Option<f64>> = (1..=10).map(|i| Some(i as f64)).collect();
        let q = quantiles(&v, 5, false);
        assert_eq!(q, [1, 1, 2, 2, 3, 3, 4, 4, 5, 5].map(Some));
        let inverted = quantiles(&v, 5, true);
        assert_eq!(
            inverted[9],
            Some(1),
            "inverted: the highest value is in quantile 1"
        );
        assert_eq!(quantiles(&v[..3], 5, false), vec![None; 3]);
    }
}
