//! Comparing an area with a benchmark or a goal, as Fingertips does
//! (FT-legacy `IndicatorComparer` family; methods-phe.md 1.7).

use crate::domain::Polarity;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Judgement {
    Best,
    Better,
    Similar,
    Worse,
    Worst,
    /// No polarity: the area is higher than the benchmark.
    Higher,
    /// No polarity: the area is lower than the benchmark.
    Lower,
    NotCompared,
    /// Against a goal.
    Red,
    Amber,
    Green,
}

impl Judgement {
    /// The word Fingertips shows.
    pub fn label(self) -> &'static str {
        match self {
            Judgement::Best => "Best",
            Judgement::Better => "Better",
            Judgement::Similar => "Similar",
            Judgement::Worse => "Worse",
            Judgement::Worst => "Worst",
            Judgement::Higher => "Higher",
            Judgement::Lower => "Lower",
            Judgement::NotCompared => "Not compared",
            Judgement::Red => "Red",
            Judgement::Amber => "Amber",
            Judgement::Green => "Green",
        }
    }

    pub const ALL: [Judgement; 11] = [
        Judgement::Best,
        Judgement::Better,
        Judgement::Similar,
        Judgement::Worse,
        Judgement::Worst,
        Judgement::Higher,
        Judgement::Lower,
        Judgement::NotCompared,
        Judgement::Red,
        Judgement::Amber,
        Judgement::Green,
    ];

    /// The judgement a stored label names (the inverse of `label`).
    pub fn from_label(label: &str) -> Option<Judgement> {
        Judgement::ALL.into_iter().find(|j| j.label() == label)
    }

    /// How good the judgement is, for summaries and "worst first" ordering.
    pub fn tone(self) -> Tone {
        match self {
            Judgement::Best | Judgement::Better | Judgement::Green => Tone::Better,
            Judgement::Similar | Judgement::Amber => Tone::Similar,
            Judgement::Worse | Judgement::Worst | Judgement::Red => Tone::Worse,
            Judgement::Higher | Judgement::Lower => Tone::Neutral,
            Judgement::NotCompared => Tone::NotCompared,
        }
    }
}

/// A judgement reduced to better, similar or worse (or no judgement), in
/// the order a Board reads them: worst first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Tone {
    Worse,
    Similar,
    Better,
    Neutral,
    NotCompared,
}

/// Where the area sits relative to the benchmark before polarity: -2 much
/// lower (outside the 99.8% interval), -1 lower, 0 similar, 1, 2 higher.
fn apply_polarity(raw: i8, polarity: Polarity) -> Judgement {
    match (polarity, raw) {
        (_, 0) => Judgement::Similar,
        (Polarity::None, r) if r < 0 => Judgement::Lower,
        (Polarity::None, _) => Judgement::Higher,
        (Polarity::High, 2) | (Polarity::Low, -2) => Judgement::Best,
        (Polarity::High, 1) | (Polarity::Low, -1) => Judgement::Better,
        (Polarity::High, -1) | (Polarity::Low, 1) => Judgement::Worse,
        _ => Judgement::Worst,
    }
}

/// One confidence level: the benchmark inside the area's interval (limits
/// inclusive) is Similar; otherwise the area's value decides the side.
/// Anything missing: Not compared.
pub fn compare(
    value: Option<f64>,
    lower: Option<f64>,
    upper: Option<f64>,
    benchmark: Option<f64>,
    polarity: Polarity,
) -> Judgement {
    let (Some(v), Some(l), Some(u), Some(b)) = (value, lower, upper, benchmark) else {
        return Judgement::NotCompared;
    };
    let raw = if l <= b && b <= u {
        0
    } else if v < b {
        -1
    } else {
        1
    };
    apply_polarity(raw, polarity)
}

/// Two levels (FT-legacy `SingleOverlappingCIsForTwoCILevelsComparer`):
/// inside the 95% interval Similar; inside the 99.8% interval only, Better
/// or Worse; outside both, Best or Worst.
pub fn compare_two_level(
    value: Option<f64>,
    ci95: (Option<f64>, Option<f64>),
    ci998: (Option<f64>, Option<f64>),
    benchmark: Option<f64>,
    polarity: Polarity,
) -> Judgement {
    let (Some(v), (Some(l95), Some(u95)), (Some(l998), Some(u998)), Some(b)) =
        (value, ci95, ci998, benchmark)
    else {
        return Judgement::NotCompared;
    };
    let raw = if l95 <= b && b <= u95 {
        0
    } else if l998 <= b && b < l95 {
        1
    } else if u95 < b && b <= u998 {
        -1
    } else if v < b {
        -2
    } else {
        2
    };
    apply_polarity(raw, polarity)
}

/// Against a goal: for high-is-good, red below `lower`, amber from `lower`
/// up to `upper`, green at or above `upper`; mirrored for low-is-good.
pub fn compare_goal(value: Option<f64>, lower: f64, upper: f64, polarity: Polarity) -> Judgement {
    let Some(v) = value else {
        return Judgement::NotCompared;
    };
    match polarity {
        Polarity::High if v < lower => Judgement::Red,
        Polarity::High if v < upper => Judgement::Amber,
        Polarity::High => Judgement::Green,
        Polarity::Low if v > upper => Judgement::Red,
        Polarity::Low if v > lower => Judgement::Amber,
        Polarity::Low => Judgement::Green,
        Polarity::None => Judgement::NotCompared,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_round_trip_and_tones_order_worst_first() {
        for j in Judgement::ALL {
            assert_eq!(Judgement::from_label(j.label()), Some(j));
        }
        assert_eq!(Judgement::from_label("better"), None);
        assert!(Judgement::Worst.tone() < Judgement::Similar.tone());
        assert!(Judgement::Amber.tone() < Judgement::Green.tone());
        assert_eq!(Judgement::Higher.tone(), Tone::Neutral);
    }
    use Judgement::*;

    #[test]
    fn one_level_follows_polarity_and_includes_the_limits() {
        let c = |b, p| compare(Some(10.0), Some(8.0), Some(12.0), Some(b), p);
        assert_eq!(c(12.0, Polarity::High), Similar, "limits are inclusive");
        assert_eq!(c(8.0, Polarity::Low), Similar);
        assert_eq!(c(13.0, Polarity::High), Worse);
        assert_eq!(c(13.0, Polarity::Low), Better);
        assert_eq!(c(7.0, Polarity::High), Better);
        assert_eq!(c(7.0, Polarity::None), Higher);
        assert_eq!(c(13.0, Polarity::None), Lower);
        assert_eq!(
            compare(Some(10.0), None, Some(12.0), Some(9.0), Polarity::High),
            NotCompared
        );
        assert_eq!(
            compare(Some(10.0), Some(8.0), Some(12.0), None, Polarity::High),
            NotCompared
        );
    }

    /// The FT-legacy unit test vectors (methods-phe.md 1.7, item 2).
    #[test]
    fn two_levels_match_the_fingertips_test() {
        let c = |b, p| {
            compare_two_level(
                Some(2.6),
                (Some(2.5), Some(2.7)),
                (Some(2.3), Some(2.9)),
                Some(b),
                p,
            )
        };
        assert_eq!(
            (c(3.0, Polarity::Low), c(3.0, Polarity::High)),
            (Best, Worst)
        );
        assert_eq!(
            (c(2.8, Polarity::Low), c(2.8, Polarity::High)),
            (Better, Worse)
        );
        assert_eq!(
            (c(2.6, Polarity::Low), c(2.6, Polarity::High)),
            (Similar, Similar)
        );
        assert_eq!(
            (c(2.4, Polarity::Low), c(2.4, Polarity::High)),
            (Worse, Better)
        );
        assert_eq!(
            (c(2.2, Polarity::Low), c(2.2, Polarity::High)),
            (Worst, Best)
        );
    }

    #[test]
    fn goals_are_red_amber_green() {
        let mmr = |v| compare_goal(Some(v), 90.0, 95.0, Polarity::High);
        assert_eq!(
            (mmr(89.9), mmr(90.0), mmr(94.9), mmr(95.0)),
            (Red, Amber, Amber, Green)
        );
        let flu = |v| compare_goal(Some(v), 75.0, 75.0, Polarity::High);
        assert_eq!(
            (flu(74.9), flu(75.0)),
            (Red, Green),
            "no amber when the thresholds meet"
        );
        assert_eq!(compare_goal(None, 90.0, 95.0, Polarity::High), NotCompared);
    }
}
