//! Metadata for the indicators an edition holds that the catalogue does not
//! list ("other indicators"), so that every indicator is judged:
//!
//! - from Fingertips's indicator metadata CSV (fetched by `hwb-outcomes
//!   fetch` or uploaded): polarity, unit and value type;
//! - otherwise inferred from the data file's own Fingertips comparison
//!   columns: `Better` / `Worse` mean a RAG polarity whose direction follows
//!   from the values, `Higher` / `Lower` mean none, and an indicator that
//!   Fingertips never compared is not compared here either.
//!
//! An edition keeps its other indicators as a small frame beside its data
//! (`store`), one row per indicator, in [`COLUMNS`].

use crate::catalogue::{Catalogue, Indicator, Origin};
use crate::domain::{ComparisonMethod, Polarity, ValueType};
use crate::frame as col;
use polars::prelude::*;
use rustc_hash::FxHashMap;

/// The upload format of a Fingertips indicator metadata file.
pub const FORMAT: &str = "fingertips-metadata";

pub const UNIT: &str = "unit";
pub const VALUE_TYPE: &str = "value_type";
pub const POLARITY: &str = "polarity";
pub const COMPARISON: &str = "comparison";
pub const ORIGIN: &str = "origin";

/// The metadata frame's columns (all text).
pub const COLUMNS: [&str; 7] = [
    col::INDICATOR_ID,
    col::INDICATOR_NAME,
    UNIT,
    VALUE_TYPE,
    POLARITY,
    COMPARISON,
    ORIGIN,
];

/// Fingertips's polarity names (trimmed: the metadata CSV pads them).
pub fn polarity(name: &str) -> Option<Polarity> {
    match name.trim().to_ascii_lowercase().as_str() {
        "rag - high is good" | "high is good" => Some(Polarity::High),
        "rag - low is good" | "low is good" => Some(Polarity::Low),
        "bob - blue orange blue" | "not applicable" | "no judgement" | "" => Some(Polarity::None),
        _ => None,
    }
}

/// Fingertips's value type names; `None` for one it does not say how to
/// compute (kept, but no limits are computed for it).
pub fn value_type(name: &str) -> Option<ValueType> {
    match name.trim().to_ascii_lowercase().as_str() {
        "proportion" => Some(ValueType::Proportion),
        "crude rate" => Some(ValueType::CrudeRate),
        "directly standardised rate" => Some(ValueType::Dsr),
        "indirectly standardised ratio" | "indirectly standardised rate" => Some(ValueType::Isr),
        "life expectancy" => Some(ValueType::LifeExpectancy),
        "mean" => Some(ValueType::Mean),
        "count" => Some(ValueType::Count),
        "score" => Some(ValueType::Score),
        _ => None,
    }
}

fn polarity_label(p: Polarity) -> &'static str {
    match p {
        Polarity::High => "high",
        Polarity::Low => "low",
        Polarity::None => "none",
    }
}

fn comparison_label(c: ComparisonMethod) -> &'static str {
    match c {
        ComparisonMethod::Ci95 => "ci-95",
        ComparisonMethod::Ci998 => "ci-99.8",
        ComparisonMethod::CiTwoLevel => "ci-two-level",
        ComparisonMethod::Goal => "goal",
        ComparisonMethod::NotCompared => "none",
    }
}

fn value_type_label(v: ValueType) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|j| j.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Other indicators as a metadata frame.
pub fn to_frame(indicators: &[Indicator]) -> PolarsResult<DataFrame> {
    let text =
        |f: &dyn Fn(&Indicator) -> String| -> Vec<String> { indicators.iter().map(f).collect() };
    let columns: Vec<Column> = vec![
        Column::new(col::INDICATOR_ID.into(), text(&|i| i.id.clone())),
        Column::new(col::INDICATOR_NAME.into(), text(&|i| i.name.clone())),
        Column::new(UNIT.into(), text(&|i| i.unit.clone())),
        Column::new(VALUE_TYPE.into(), text(&|i| value_type_label(i.value_type))),
        Column::new(
            POLARITY.into(),
            text(&|i| polarity_label(i.polarity).into()),
        ),
        Column::new(
            COMPARISON.into(),
            text(&|i| comparison_label(i.comparison).into()),
        ),
        Column::new(ORIGIN.into(), text(&|i| i.origin.label().into())),
    ];
    DataFrame::new(indicators.len(), columns)
}

/// A metadata frame's rows as indicators (rows that do not parse, which
/// only a hand-edited store could hold, are skipped).
pub fn from_frame(df: &DataFrame) -> PolarsResult<Vec<Indicator>> {
    let df = col::as_text(df)?;
    let get = |name: &str| -> PolarsResult<Vec<String>> {
        Ok(df
            .column(name)?
            .str()?
            .iter()
            .map(|s| s.unwrap_or("").to_owned())
            .collect())
    };
    let (ids, names, units) = (
        get(col::INDICATOR_ID)?,
        get(col::INDICATOR_NAME)?,
        get(UNIT)?,
    );
    let (types, polarities) = (get(VALUE_TYPE)?, get(POLARITY)?);
    let (comparisons, origins) = (get(COMPARISON)?, get(ORIGIN)?);
    let mut out = Vec::with_capacity(ids.len());
    for i in 0..ids.len() {
        let quoted = |s: &str| serde_json::Value::String(s.to_owned());
        let (Ok(value_type), Ok(polarity), Ok(comparison), Some(origin)) = (
            serde_json::from_value::<ValueType>(quoted(&types[i])),
            serde_json::from_value::<Polarity>(quoted(&polarities[i])),
            serde_json::from_value::<ComparisonMethod>(quoted(&comparisons[i])),
            Origin::from_label(&origins[i]),
        ) else {
            continue;
        };
        out.push(Indicator::outside_catalogue(
            &ids[i], &names[i], value_type, &units[i], polarity, comparison, origin,
        ));
    }
    Ok(out)
}

/// Stacks metadata frames, a later row for an indicator replacing an
/// earlier one (a newer fetch revises older metadata).
pub fn merge(frames: Vec<DataFrame>) -> PolarsResult<DataFrame> {
    let mut all: Option<DataFrame> = None;
    for f in frames {
        let f = col::as_text(&f)?.select(COLUMNS)?;
        match &mut all {
            None => all = Some(f),
            Some(a) => {
                a.vstack_mut(&f)?;
            }
        }
    }
    let Some(all) = all else {
        return to_frame(&[]);
    };
    let key = vec![col::INDICATOR_ID.to_string()];
    all.unique_stable(Some(&key), UniqueKeepStrategy::Last, None)
}

/// The other indicators of an edition frame (text columns): those given by
/// `known` (Fingertips metadata) as they are, the rest inferred from the
/// frame's Fingertips comparisons with England. Indicators the catalogue
/// lists are never here.
pub fn resolve(
    df: &DataFrame,
    catalogue: &Catalogue,
    known: &[Indicator],
    nation: &str,
) -> PolarsResult<Vec<Indicator>> {
    let ids = df.column(col::INDICATOR_ID)?.str()?;
    let names = df.column(col::INDICATOR_NAME)?.str()?;
    let mut order: Vec<&str> = Vec::new();
    let mut name_of: FxHashMap<&str, &str> = FxHashMap::default();
    for (id, name) in ids.iter().zip(names.iter()) {
        let Some(id) = id else { continue };
        if catalogue.get(id).is_none() && !name_of.contains_key(id) {
            order.push(id);
            name_of.insert(id, name.unwrap_or(""));
        }
    }
    let given: FxHashMap<&str, &Indicator> = known
        .iter()
        .filter(|k| k.origin == Origin::FingertipsMetadata)
        .map(|k| (k.id.as_str(), k))
        .collect();
    let needs_inference: Vec<&str> = order
        .iter()
        .copied()
        .filter(|id| !given.contains_key(id))
        .collect();
    let inferred = infer(df, &needs_inference, nation)?;
    Ok(order
        .into_iter()
        .map(|id| match given.get(id) {
            Some(k) => (*k).clone(),
            None => {
                let (polarity, comparison) = inferred
                    .get(id)
                    .copied()
                    .unwrap_or((Polarity::None, ComparisonMethod::NotCompared));
                Indicator::outside_catalogue(
                    id,
                    name_of[id],
                    ValueType::Score,
                    "",
                    polarity,
                    comparison,
                    Origin::Inferred,
                )
            }
        })
        .collect())
}

/// Votes for a polarity, per indicator.
#[derive(Default)]
struct Votes {
    high: usize,
    low: usize,
    /// Higher / Lower: a comparison without judgement.
    neutral: usize,
    /// Similar: compared, direction unknown.
    similar: usize,
}

/// Per indicator, the polarity and comparison its Fingertips columns imply:
/// an area judged `Better` with a value above England's means high is good.
fn infer(
    df: &DataFrame,
    ids: &[&str],
    nation: &str,
) -> PolarsResult<FxHashMap<String, (Polarity, ComparisonMethod)>> {
    let mut out = FxHashMap::default();
    if ids.is_empty() || df.column(col::FT_COMPARED_ENGLAND).is_err() {
        return Ok(out);
    }
    let wanted: rustc_hash::FxHashSet<&str> = ids.iter().copied().collect();
    let text = |name: &str| df.column(name).and_then(|c| c.str().cloned());
    let (ind, area, sex, age) = (
        text(col::INDICATOR_ID)?,
        text(col::AREA_CODE)?,
        text(col::SEX)?,
        text(col::AGE)?,
    );
    let (ct, cat, period, judged) = (
        text(col::CATEGORY_TYPE)?,
        text(col::CATEGORY)?,
        text(col::PERIOD)?,
        text(col::FT_COMPARED_ENGLAND)?,
    );
    let value = df.column(col::VALUE)?.f64()?;
    let key = |i: usize| {
        [&ind, &sex, &age, &ct, &cat, &period].map(|c| c.get(i).unwrap_or("").to_owned())
    };
    let mut england: FxHashMap<[String; 6], f64> = FxHashMap::default();
    for i in 0..df.height() {
        if area.get(i) == Some(nation)
            && wanted.contains(ind.get(i).unwrap_or(""))
            && let Some(v) = value.get(i)
        {
            england.insert(key(i), v);
        }
    }
    let mut votes: FxHashMap<&str, Votes> = FxHashMap::default();
    for i in 0..df.height() {
        let Some(id) = ind.get(i).filter(|id| wanted.contains(id)) else {
            continue;
        };
        let label = judged.get(i).unwrap_or("").trim();
        let v = votes.entry(id).or_default();
        let direction = || {
            let (Some(x), Some(e)) = (value.get(i), england.get(&key(i))) else {
                return None;
            };
            (x != *e).then_some(x > *e)
        };
        match label {
            "Better" => match direction() {
                Some(true) => v.high += 1,
                Some(false) => v.low += 1,
                None => {}
            },
            "Worse" => match direction() {
                Some(true) => v.low += 1,
                Some(false) => v.high += 1,
                None => {}
            },
            "Higher" | "Lower" => v.neutral += 1,
            "Similar" => v.similar += 1,
            _ => {}
        }
    }
    for (id, v) in votes {
        let decided = if v.high + v.low > 0 {
            let p = if v.high >= v.low {
                Polarity::High
            } else {
                Polarity::Low
            };
            (p, ComparisonMethod::Ci95)
        } else if v.neutral + v.similar > 0 {
            (Polarity::None, ComparisonMethod::Ci95)
        } else {
            (Polarity::None, ComparisonMethod::NotCompared)
        };
        out.insert(id.to_owned(), decided);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_as_fingertips_writes_them() {
        assert_eq!(polarity("RAG - Low is good   "), Some(Polarity::Low));
        assert_eq!(polarity("RAG - High is good"), Some(Polarity::High));
        assert_eq!(polarity("BOB - Blue orange blue"), Some(Polarity::None));
        assert_eq!(polarity("Sideways is good"), None);
        assert_eq!(
            value_type("Directly standardised rate"),
            Some(ValueType::Dsr)
        );
        assert_eq!(value_type("Percentage point"), None);
    }

    #[test]
    fn a_frame_round_trips() {
        let ind = Indicator::outside_catalogue(
            "92304",
            "Smoking in routine and manual occupations",
            ValueType::Proportion,
            "%",
            Polarity::Low,
            ComparisonMethod::Ci95,
            Origin::FingertipsMetadata,
        );
        assert_eq!(ind.multiplier, 100.0);
        let back = from_frame(&to_frame(std::slice::from_ref(&ind)).unwrap()).unwrap();
        assert_eq!(back, vec![ind]);
    }
}
