//! The indicator catalogue (`data/indicators.toml`, compiled into the
//! binary): what each indicator is, how it is calculated, judged and shown.

use crate::domain::{ComparisonMethod, Polarity, ValueType};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

const INDICATORS_TOML: &str = include_str!("../data/indicators.toml");

/// How an indicator's Fingertips ID was checked (see the catalogue header).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verification {
    Extract,
    Source,
    Unverified,
}

/// Red below `lower`, amber from `lower` up to `upper`, green at or above
/// `upper`.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
pub struct Goal {
    pub lower: f64,
    pub upper: f64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    pub id: String,
    pub verified: Verification,
    pub title: String,
    pub name: String,
    pub description: String,
    pub value_type: ValueType,
    pub unit: String,
    pub multiplier: f64,
    pub polarity: Polarity,
    pub comparison: ComparisonMethod,
    #[serde(default)]
    pub goal: Option<Goal>,
    pub breakdowns: Vec<String>,
    pub source: String,
    pub frequency: String,
    /// Rough England level by sex, used only to generate illustrative data.
    #[serde(default)]
    pub typical: BTreeMap<String, f64>,
    /// Where this entry came from: the catalogue file, or (for indicators
    /// the catalogue does not list) an edition's Fingertips metadata or the
    /// file's own comparisons.
    #[serde(default)]
    pub origin: Origin,
}

/// Where an indicator's metadata came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// `data/indicators.toml`.
    #[default]
    Catalogue,
    /// Fingertips's indicator metadata (polarity, unit, value type).
    FingertipsMetadata,
    /// Polarity inferred from the Fingertips comparison columns of the data
    /// itself; unit and value type unknown.
    Inferred,
}

impl Origin {
    pub fn label(self) -> &'static str {
        match self {
            Origin::Catalogue => "catalogue",
            Origin::FingertipsMetadata => "fingertips-metadata",
            Origin::Inferred => "inferred",
        }
    }

    pub fn from_label(s: &str) -> Option<Origin> {
        [
            Origin::Catalogue,
            Origin::FingertipsMetadata,
            Origin::Inferred,
        ]
        .into_iter()
        .find(|o| o.label() == s)
    }
}

impl Indicator {
    /// An indicator the catalogue does not list, described by Fingertips's
    /// metadata or by the data: compared at 95% (the Fingertips default).
    pub fn outside_catalogue(
        id: &str,
        name: &str,
        value_type: ValueType,
        unit: &str,
        polarity: Polarity,
        comparison: ComparisonMethod,
        origin: Origin,
    ) -> Indicator {
        let name = if name.trim().is_empty() {
            format!("Indicator {id}")
        } else {
            name.trim().to_owned()
        };
        Indicator {
            id: id.to_owned(),
            verified: Verification::Source,
            title: name.clone(),
            name,
            description: String::new(),
            value_type,
            unit: unit.trim().to_owned(),
            multiplier: multiplier_of(unit),
            polarity,
            comparison,
            goal: None,
            breakdowns: vec!["Persons".to_owned()],
            source: "Fingertips (OHID)".to_owned(),
            frequency: String::new(),
            typical: BTreeMap::new(),
            origin,
        }
    }

    /// Values are percentages: 0 to 100.
    pub fn is_percentage(&self) -> bool {
        self.unit == "%"
    }
}

#[derive(Debug)]
pub struct Catalogue {
    indicators: Vec<Indicator>,
    by_id: HashMap<String, usize>,
}

#[derive(Deserialize)]
struct CatalogueFile {
    indicator: Vec<Indicator>,
}

pub const SEXES: [&str; 3] = ["Persons", "Male", "Female"];

impl Catalogue {
    /// The catalogue compiled into the binary; checked by the tests, so it
    /// cannot fail at run time.
    pub fn bundled() -> Catalogue {
        Catalogue::parse(INDICATORS_TOML)
            .expect("data/indicators.toml is checked by the test suite")
    }

    pub fn parse(text: &str) -> Result<Catalogue, String> {
        let file: CatalogueFile = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut by_id = HashMap::new();
        for (i, ind) in file.indicator.iter().enumerate() {
            check(ind).map_err(|problem| format!("indicator {}: {problem}", ind.id))?;
            if by_id.insert(ind.id.clone(), i).is_some() {
                return Err(format!("indicator {} is listed twice", ind.id));
            }
        }
        Ok(Catalogue {
            indicators: file.indicator,
            by_id,
        })
    }

    /// This catalogue and, for ids it does not list, `extras` (an edition's
    /// other indicators).
    pub fn with(&self, extras: impl IntoIterator<Item = Indicator>) -> Catalogue {
        let mut indicators = self.indicators.clone();
        let mut by_id = self.by_id.clone();
        for ind in extras {
            if !by_id.contains_key(&ind.id) {
                by_id.insert(ind.id.clone(), indicators.len());
                indicators.push(ind);
            }
        }
        Catalogue { indicators, by_id }
    }

    pub fn get(&self, id: &str) -> Option<&Indicator> {
        self.by_id.get(id).map(|&i| &self.indicators[i])
    }

    pub fn iter(&self) -> impl Iterator<Item = &Indicator> {
        self.indicators.iter()
    }

    pub fn len(&self) -> usize {
        self.indicators.len()
    }

    pub fn is_empty(&self) -> bool {
        self.indicators.is_empty()
    }
}

/// The multiplier a Fingertips unit implies (`%` is per 100).
fn multiplier_of(unit: &str) -> f64 {
    let unit = unit.trim();
    if unit == "%" {
        return 100.0;
    }
    unit.strip_prefix("per ")
        .and_then(|n| n.replace(',', "").trim().parse::<f64>().ok())
        .filter(|m| *m > 0.0)
        .unwrap_or(1.0)
}

fn check(ind: &Indicator) -> Result<(), String> {
    if ind.origin != Origin::Catalogue {
        return Err("origin is set by the dashboard, not in the catalogue".into());
    }
    if ind.id.trim().is_empty() || ind.id != ind.id.trim() {
        return Err("id must be non-empty with no surrounding spaces".into());
    }
    if !(ind.multiplier > 0.0) {
        return Err("multiplier must be positive".into());
    }
    match (ind.comparison, ind.goal) {
        (ComparisonMethod::Goal, None) => return Err("comparison = \"goal\" needs a goal".into()),
        (ComparisonMethod::Goal, Some(g)) if g.lower > g.upper => {
            return Err("goal.lower must not exceed goal.upper".into());
        }
        (ComparisonMethod::Goal, Some(_)) => {}
        (_, Some(_)) => return Err("a goal is only used with comparison = \"goal\"".into()),
        (_, None) => {}
    }
    if ind.breakdowns.is_empty() || ind.breakdowns.iter().any(|b| !SEXES.contains(&b.as_str())) {
        return Err(format!("breakdowns must be some of {SEXES:?}"));
    }
    if let Some(sex) = ind.typical.keys().find(|k| !ind.breakdowns.contains(k)) {
        return Err(format!("typical names {sex}, which is not in breakdowns"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_catalogue_reads_with_its_methods() {
        let c = Catalogue::parse(INDICATORS_TOML).unwrap();
        assert!(c.len() >= 40, "{}", c.len());
        let le = c.get("90366").unwrap();
        assert_eq!(le.value_type, ValueType::LifeExpectancy);
        assert_eq!(le.polarity, Polarity::High);
        assert_eq!(le.breakdowns, ["Male", "Female"]);
        // Healthy life expectancy is high-is-good whatever the FingertipsNext
        // metadata says.
        assert_eq!(c.get("90362").unwrap().polarity, Polarity::High);
        let mmr = c.get("30309").unwrap();
        assert_eq!(mmr.comparison, ComparisonMethod::Goal);
        assert_eq!(
            mmr.goal,
            Some(Goal {
                lower: 90.0,
                upper: 95.0
            })
        );
        assert_eq!(c.get("848").unwrap().comparison, ComparisonMethod::Ci998);
        assert!(
            c.iter().all(|i| !i.typical.is_empty()),
            "every indicator has a demo level"
        );
    }

    #[test]
    fn inconsistent_entries_are_rejected_with_their_id() {
        let base = INDICATORS_TOML.split("\n[[indicator]]").nth(1).unwrap();
        let entry = format!("[[indicator]]{base}");
        let twice = format!("{entry}\n{entry}");
        assert!(
            Catalogue::parse(&twice)
                .unwrap_err()
                .contains("listed twice")
        );
        let bad = entry.replace("comparison = \"ci-95\"", "comparison = \"goal\"");
        assert!(Catalogue::parse(&bad).unwrap_err().contains("needs a goal"));
        let bad = entry.replace("polarity = \"high\"", "polarity = \"up\"");
        assert!(Catalogue::parse(&bad).unwrap_err().contains("up"));
    }
}
