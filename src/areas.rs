//! The gazetteer: England, its regions and upper-tier local authorities
//! (`data/areas.toml`, compiled into the binary so a deployment cannot run
//! with a gazetteer that disagrees with its code).

use serde::Deserialize;
use std::collections::HashMap;

const AREAS_TOML: &str = include_str!("../data/areas.toml");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AreaKind {
    Country,
    Region,
    UpperTier,
}

impl AreaKind {
    pub fn describe(self) -> &'static str {
        match self {
            AreaKind::Country => "a country",
            AreaKind::Region => "a region",
            AreaKind::UpperTier => "an upper-tier local authority",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Area {
    pub code: String,
    pub name: String,
    pub kind: AreaKind,
    /// The region of an upper-tier area, the country of a region.
    #[serde(default)]
    pub parent: Option<String>,
}

#[derive(Debug)]
pub struct Gazetteer {
    areas: Vec<Area>,
    by_code: HashMap<String, usize>,
}

#[derive(Deserialize)]
struct GazetteerFile {
    area: Vec<Area>,
}

impl Gazetteer {
    /// The gazetteer compiled into the binary. Its consistency is checked by
    /// this module's tests, so loading it cannot fail at run time.
    pub fn bundled() -> Gazetteer {
        Gazetteer::parse(AREAS_TOML).expect("data/areas.toml is checked by the test suite")
    }

    /// The bundled gazetteer, parsed once per process.
    pub fn shared() -> &'static Gazetteer {
        static SHARED: std::sync::LazyLock<Gazetteer> =
            std::sync::LazyLock::new(Gazetteer::bundled);
        &SHARED
    }

    pub fn parse(text: &str) -> Result<Gazetteer, String> {
        let file: GazetteerFile = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut by_code = HashMap::new();
        for (i, area) in file.area.iter().enumerate() {
            if by_code.insert(area.code.clone(), i).is_some() {
                return Err(format!("area code {} is listed twice", area.code));
            }
        }
        let gazetteer = Gazetteer {
            areas: file.area,
            by_code,
        };
        for area in &gazetteer.areas {
            let expected = match area.kind {
                AreaKind::Country => None,
                AreaKind::Region => Some(AreaKind::Country),
                AreaKind::UpperTier => Some(AreaKind::Region),
            };
            let parent_kind = area
                .parent
                .as_deref()
                .and_then(|p| gazetteer.get(p))
                .map(|p| p.kind);
            if parent_kind != expected {
                return Err(format!(
                    "{} ({}) must have a parent that is {}",
                    area.code,
                    area.name,
                    expected.map_or("absent", AreaKind::describe)
                ));
            }
        }
        Ok(gazetteer)
    }

    pub fn get(&self, code: &str) -> Option<&Area> {
        self.by_code.get(code).map(|&i| &self.areas[i])
    }

    /// Upper-tier areas of a region, in gazetteer order.
    pub fn upper_tier_in(&self, region_code: &str) -> impl Iterator<Item = &Area> {
        self.areas.iter().filter(move |a| {
            a.kind == AreaKind::UpperTier && a.parent.as_deref() == Some(region_code)
        })
    }

    /// Every area, in gazetteer order (the nation, regions, upper tier).
    pub fn iter(&self) -> impl Iterator<Item = &Area> {
        self.areas.iter()
    }

    pub fn len(&self) -> usize {
        self.areas.len()
    }

    pub fn is_empty(&self) -> bool {
        self.areas.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_gazetteer_is_consistent_and_complete() {
        let g = Gazetteer::parse(AREAS_TOML).unwrap();
        let count = |kind| g.areas.iter().filter(|a| a.kind == kind).count();
        assert_eq!(count(AreaKind::Country), 1);
        assert_eq!(count(AreaKind::Region), 9);
        // England has 153 upper-tier authorities since April 2023.
        assert_eq!(count(AreaKind::UpperTier), 153);
        assert_eq!(g.get("E06000006").unwrap().name, "Halton");
        assert_eq!(
            g.get("E06000006").unwrap().parent.as_deref(),
            Some("E12000002")
        );
        assert_eq!(g.upper_tier_in("E12000002").count(), 24);
        assert!(
            g.get("E10000006").is_none(),
            "Cumbria was abolished in 2023"
        );
    }

    #[test]
    fn rejects_duplicates_and_broken_parents() {
        let dup = "[[area]]\ncode='E92000001'\nname='England'\nkind='country'\n\
                   [[area]]\ncode='E92000001'\nname='Again'\nkind='country'\n";
        assert!(Gazetteer::parse(dup).unwrap_err().contains("twice"));
        let orphan =
            "[[area]]\ncode='E06000006'\nname='Halton'\nkind='upper-tier'\nparent='E12000002'\n";
        assert!(Gazetteer::parse(orphan).unwrap_err().contains("a region"));
    }

    /// Every North West area in a real 2019 Fingertips extract is in the
    /// gazetteer under the same region, except Cumbria (abolished 2023).
    #[test]
    fn agrees_with_a_real_fingertips_extract() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/research-data/fingertips/fingertips-export/",
            "STAPM-smkfreediv__northwest_2019__local-tobacco-control-profiles.csv"
        );
        let Ok(text) = std::fs::read_to_string(path) else {
            eprintln!("SKIP agrees_with_a_real_fingertips_extract: {path} is absent");
            return;
        };
        let g = Gazetteer::bundled();
        let mut checked = 0;
        for line in text.lines().skip(1) {
            // Area Code is the fifth field; names in this file hold no commas
            // before it.
            let fields: Vec<&str> = line.split(',').collect();
            let (parent, code) = (fields[2].trim_matches('"'), fields[4].trim_matches('"'));
            if code == "E10000006" || !code.starts_with("E0") {
                continue;
            }
            let area = g.get(code).unwrap_or_else(|| panic!("{code} missing"));
            assert_eq!(area.parent.as_deref(), Some(parent), "{code}");
            checked += 1;
        }
        assert!(checked > 100, "only {checked} rows checked");
    }
}
