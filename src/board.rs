//! The Board's own plan, read from its board file (`data/boards/*.toml`,
//! chosen by `HWB_BOARD_FILE`): who the Board is, its priorities with their
//! aims, outcome measures (mapped to indicators), local targets and action
//! plans, the life-course stages, and the partnership self-assessment
//! framework with its recorded baseline. Nothing of a plan is in code; this
//! module only reads and checks a file, and every problem names the file,
//! the line and what is valid.

use crate::areas::{AreaKind, Gazetteer};
use crate::catalogue::Catalogue;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use toml::Spanned;

/// A board file larger than this is not a plan.
const MAX_BYTES: u64 = 1024 * 1024;

/// A problem in a board file: printed as `file:line: problem`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardError {
    pub file: String,
    pub line: Option<usize>,
    pub problem: String,
}

impl std::fmt::Display for BoardError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.file, self.problem),
            None => write!(f, "{}: {}", self.file, self.problem),
        }
    }
}

impl std::error::Error for BoardError {}

#[derive(Debug, Clone, Serialize)]
pub struct Board {
    pub name: String,
    /// ONS code of the Board's upper-tier area.
    pub area: String,
    /// The plan the priorities come from, as its title is written.
    pub plan: String,
    /// Made up to show the dashboard, not a Board's adopted plan.
    pub illustrative: bool,
    /// What a reader should know about the file's content (sources, doubts).
    pub note: String,
    pub stages: Vec<Stage>,
    /// Measures above the priorities (life expectancy and the like).
    pub headline: Vec<Measure>,
    pub priorities: Vec<Priority>,
    pub partnership: Option<Partnership>,
}

/// A life-course stage (Starting Well, ...): the home page's tiles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    pub slug: String,
    pub title: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Priority {
    /// The URL segment, `/priority/{slug}`: board papers link to it.
    pub slug: String,
    pub title: String,
    pub aim: String,
    /// A `Stage::slug`.
    pub stage: String,
    pub source: String,
    pub measures: Vec<Measure>,
    pub actions: Vec<Action>,
}

/// An outcome the Board monitors, in the plan's words, with the indicators
/// that measure it (none when no indicator exists yet).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Measure {
    pub text: String,
    #[serde(default)]
    pub indicators: Vec<String>,
    #[serde(default, rename = "target")]
    pub targets: Vec<Target>,
    #[serde(default)]
    pub source: String,
}

/// A local target for one indicator of a measure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    pub indicator: String,
    pub value: f64,
    pub direction: Direction,
    /// When it should be met, as the plan writes it ("2024", "2023/24").
    #[serde(default)]
    pub by: String,
    pub source: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    /// Met when the value is at or above the target.
    AtLeast,
    /// Met when the value is at or below the target.
    AtMost,
}

/// How an area's latest value stands against a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TargetStatus {
    Met,
    NotMet,
    NoData,
}

impl TargetStatus {
    pub fn label(self) -> &'static str {
        match self {
            TargetStatus::Met => "Target met",
            TargetStatus::NotMet => "Target not met",
            TargetStatus::NoData => "No data",
        }
    }
}

impl Target {
    /// Judged on the value itself, as Fingertips judges goals.
    pub fn judge(&self, value: Option<f64>) -> TargetStatus {
        match (value, self.direction) {
            (None, _) => TargetStatus::NoData,
            (Some(v), Direction::AtLeast) if v >= self.value => TargetStatus::Met,
            (Some(v), Direction::AtMost) if v <= self.value => TargetStatus::Met,
            _ => TargetStatus::NotMet,
        }
    }

    pub fn describe(&self, value: &str) -> String {
        let way = match self.direction {
            Direction::AtLeast => "at least",
            Direction::AtMost => "at most",
        };
        match self.by.as_str() {
            "" => format!("{way} {value}"),
            by => format!("{way} {value} by {by}"),
        }
    }
}

/// A row of a priority's action plan: what, how, who, when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Action {
    /// Unique in the board file: progress is recorded against it.
    pub id: String,
    pub what: String,
    #[serde(default)]
    pub how: String,
    #[serde(default)]
    pub who: String,
    #[serde(default)]
    pub when: String,
    /// A doubt about the row as the plan prints it.
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub source: String,
}

/// The place-based partnership's self-assessment framework, and the
/// assessments the file records (later ones are added by analysts).
#[derive(Debug, Clone, Serialize)]
pub struct Partnership {
    pub title: String,
    /// From lowest to highest.
    pub levels: Vec<String>,
    pub domains: Vec<Domain>,
    pub assessments: Vec<Assessment>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Domain {
    pub title: String,
    #[serde(rename = "descriptor")]
    pub descriptors: Vec<Descriptor>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Descriptor {
    pub id: String,
    pub title: String,
}

/// One dated assessment: a level per descriptor, with notes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Assessment {
    /// `YYYY-MM-DD`.
    pub date: String,
    pub label: String,
    /// Descriptor id to level.
    pub levels: BTreeMap<String, String>,
    #[serde(default)]
    pub notes: BTreeMap<String, String>,
    #[serde(default)]
    pub overall: String,
    #[serde(default)]
    pub trajectory: String,
    #[serde(default)]
    pub source: String,
}

// The file as written: lists carry their spans, so a problem names a line.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBoard {
    name: Spanned<String>,
    area: Spanned<String>,
    plan: String,
    #[serde(default)]
    illustrative: bool,
    #[serde(default)]
    note: String,
    #[serde(default)]
    stage: Vec<Spanned<Stage>>,
    #[serde(default)]
    headline: Vec<Spanned<Measure>>,
    #[serde(default)]
    priority: Vec<Spanned<RawPriority>>,
    partnership: Option<Spanned<RawPartnership>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPriority {
    slug: String,
    title: String,
    aim: String,
    stage: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    measure: Vec<Spanned<Measure>>,
    #[serde(default)]
    action: Vec<Spanned<Action>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPartnership {
    title: String,
    levels: Vec<String>,
    #[serde(default)]
    domain: Vec<Spanned<Domain>>,
    #[serde(default)]
    assessment: Vec<Spanned<Assessment>>,
}

/// Reads and checks a board file.
pub fn load(path: &Path, catalogue: &Catalogue) -> Result<Board, BoardError> {
    let file = path.display().to_string();
    let fail = |problem: String| BoardError {
        file: file.clone(),
        line: None,
        problem,
    };
    let size = std::fs::metadata(path)
        .map_err(|e| fail(format!("cannot be read: {e}; HWB_BOARD_FILE names the board file (default data/boards/halton.toml)")))?
        .len();
    if size > MAX_BYTES {
        return Err(fail(format!(
            "is {size} bytes; a board file is at most {MAX_BYTES}"
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| fail(format!("cannot be read: {e}")))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| fail("is not UTF-8 text: save it as UTF-8".to_owned()))?;
    parse(&file, &text, catalogue)
}

/// Checks a board file's text; `file` names it in errors.
pub fn parse(file: &str, text: &str, catalogue: &Catalogue) -> Result<Board, BoardError> {
    let at = |offset: usize, problem: String| BoardError {
        file: file.to_owned(),
        line: Some(line_of(text, offset)),
        problem,
    };
    let raw: RawBoard = toml::from_str(text).map_err(|e| BoardError {
        file: file.to_owned(),
        line: e.span().map(|s| line_of(text, s.start)),
        problem: e.message().trim().to_owned(),
    })?;
    let check = Checker { at: &at, catalogue };
    check.board(raw)
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

type At<'a> = &'a dyn Fn(usize, String) -> BoardError;

struct Checker<'a> {
    at: At<'a>,
    catalogue: &'a Catalogue,
}

/// A slug: lower-case letters, digits and hyphens, as URLs carry them.
fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 80
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

fn required(value: &str, key: &str) -> Result<(), String> {
    if value.trim().is_empty() {
        Err(format!("{key} must not be empty"))
    } else {
        Ok(())
    }
}

impl Checker<'_> {
    fn board(&self, raw: RawBoard) -> Result<Board, BoardError> {
        let at = self.at;
        let name_at = raw.name.span().start;
        required(raw.name.get_ref(), "name").map_err(|p| at(name_at, p))?;
        let area_at = raw.area.span().start;
        let area = raw.area.into_inner();
        match Gazetteer::shared().get(&area) {
            Some(a) if a.kind == AreaKind::UpperTier => {}
            Some(a) => {
                return Err(at(
                    area_at,
                    format!(
                        "area {area:?} is {}, not an upper-tier local authority",
                        a.name
                    ),
                ));
            }
            None => {
                return Err(at(
                    area_at,
                    format!(
                        "area {area:?} is not an upper-tier area in data/areas.toml: use its ONS code, such as E06000006 for Halton"
                    ),
                ));
            }
        }
        let mut stages = Vec::new();
        for s in raw.stage {
            let offset = s.span().start;
            let s = s.into_inner();
            if !is_slug(&s.slug) || stages.iter().any(|t: &Stage| t.slug == s.slug) {
                return Err(at(
                    offset,
                    format!(
                        "stage slug {:?} must be unique, in lower-case letters, digits and hyphens",
                        s.slug
                    ),
                ));
            }
            stages.push(s);
        }
        let headline = raw
            .headline
            .into_iter()
            .map(|m| self.measure(m))
            .collect::<Result<Vec<_>, _>>()?;
        if raw.priority.is_empty() {
            return Err(at(
                0,
                "the file has no [[priority]]: a Board has at least one priority".to_owned(),
            ));
        }
        let mut priorities: Vec<Priority> = Vec::new();
        let mut action_ids = HashSet::new();
        for p in raw.priority {
            let offset = p.span().start;
            let p = self.priority(p, &stages, &mut action_ids)?;
            if priorities.iter().any(|q| q.slug == p.slug) {
                return Err(at(
                    offset,
                    format!(
                        "priority slug {:?} is used twice: slugs are the pages' addresses and must be unique",
                        p.slug
                    ),
                ));
            }
            priorities.push(p);
        }
        let partnership = raw.partnership.map(|p| self.partnership(p)).transpose()?;
        Ok(Board {
            name: raw.name.into_inner(),
            area,
            plan: raw.plan,
            illustrative: raw.illustrative,
            note: raw.note,
            stages,
            headline,
            priorities,
            partnership,
        })
    }

    fn priority(
        &self,
        raw: Spanned<RawPriority>,
        stages: &[Stage],
        action_ids: &mut HashSet<String>,
    ) -> Result<Priority, BoardError> {
        let at = self.at;
        let offset = raw.span().start;
        let raw = raw.into_inner();
        let here = |p: String| at(offset, format!("priority {:?}: {p}", raw.slug));
        if !is_slug(&raw.slug) {
            return Err(here(
                "slug must be lower-case letters, digits and hyphens, such as \"mental-health\""
                    .to_owned(),
            ));
        }
        required(&raw.title, "title").map_err(here)?;
        required(&raw.aim, "aim").map_err(here)?;
        if !stages.iter().any(|s| s.slug == raw.stage) {
            let known: Vec<&str> = stages.iter().map(|s| s.slug.as_str()).collect();
            return Err(here(format!(
                "stage {:?} is not one of the file's [[stage]] slugs {known:?}",
                raw.stage
            )));
        }
        let measures = raw
            .measure
            .into_iter()
            .map(|m| self.measure(m))
            .collect::<Result<Vec<_>, _>>()?;
        let mut actions = Vec::new();
        for a in raw.action {
            let a_at = a.span().start;
            let a = a.into_inner();
            if a.id.trim().is_empty() || a.id.len() > 80 || a.id.chars().any(char::is_whitespace) {
                return Err(at(
                    a_at,
                    format!("action id {:?} must be a short word with no spaces", a.id),
                ));
            }
            if !action_ids.insert(a.id.clone()) {
                return Err(at(
                    a_at,
                    format!(
                        "action id {:?} is used twice: progress is recorded against it, so it must be unique in the file",
                        a.id
                    ),
                ));
            }
            required(&a.what, "what").map_err(|p| at(a_at, format!("action {:?}: {p}", a.id)))?;
            actions.push(a);
        }
        Ok(Priority {
            slug: raw.slug,
            title: raw.title,
            aim: raw.aim,
            stage: raw.stage,
            source: raw.source,
            measures,
            actions,
        })
    }

    fn measure(&self, m: Spanned<Measure>) -> Result<Measure, BoardError> {
        let offset = m.span().start;
        let m = m.into_inner();
        let here = |p: String| (self.at)(offset, format!("measure {:?}: {p}", short(&m.text)));
        required(&m.text, "text").map_err(here)?;
        for id in &m.indicators {
            let fingertips =
                !id.is_empty() && id.len() <= 9 && id.bytes().all(|b| b.is_ascii_digit());
            if self.catalogue.get(id).is_none() && !fingertips {
                return Err(here(format!(
                    "indicator {id:?} is neither in data/indicators.toml nor a Fingertips indicator ID (digits)"
                )));
            }
        }
        for t in &m.targets {
            if !m.indicators.contains(&t.indicator) {
                return Err(here(format!(
                    "a target names indicator {:?}, which is not one of the measure's indicators {:?}",
                    t.indicator, m.indicators
                )));
            }
            if !t.value.is_finite() {
                return Err(here("a target's value must be a number".to_owned()));
            }
            required(&t.source, "a target's source").map_err(here)?;
        }
        Ok(m)
    }

    fn partnership(&self, raw: Spanned<RawPartnership>) -> Result<Partnership, BoardError> {
        let at = self.at;
        let offset = raw.span().start;
        let raw = raw.into_inner();
        let unique: HashSet<&String> = raw.levels.iter().collect();
        if raw.levels.len() < 2 || unique.len() != raw.levels.len() {
            return Err(at(
                offset,
                "partnership levels must list at least two different levels, lowest first"
                    .to_owned(),
            ));
        }
        let mut domains = Vec::new();
        let mut ids = HashSet::new();
        for d in raw.domain {
            let d_at = d.span().start;
            let d = d.into_inner();
            for desc in &d.descriptors {
                if !is_slug(&desc.id) || !ids.insert(desc.id.clone()) {
                    return Err(at(
                        d_at,
                        format!(
                            "descriptor id {:?} must be unique, in lower-case letters, digits and hyphens",
                            desc.id
                        ),
                    ));
                }
            }
            domains.push(d);
        }
        let mut assessments = Vec::new();
        for a in raw.assessment {
            let a_at = a.span().start;
            let a = a.into_inner();
            check_assessment(&a, &raw.levels, &ids).map_err(|p| at(a_at, p))?;
            assessments.push(a);
        }
        assessments.sort_by(|a, b| a.date.cmp(&b.date));
        Ok(Partnership {
            title: raw.title,
            levels: raw.levels,
            domains,
            assessments,
        })
    }
}

fn short(text: &str) -> String {
    let mut s: String = text.chars().take(40).collect();
    if text.chars().count() > 40 {
        s.push('…');
    }
    s
}

/// An assessment names known descriptors at known levels on a real date;
/// shared by the board file and the analysts' form.
pub fn check_assessment(
    a: &Assessment,
    levels: &[String],
    descriptors: &HashSet<String>,
) -> Result<(), String> {
    if chrono::NaiveDate::parse_from_str(&a.date, "%Y-%m-%d").is_err() {
        return Err(format!(
            "assessment date {:?} is not a date written YYYY-MM-DD",
            a.date
        ));
    }
    required(&a.label, "an assessment's label")?;
    if a.levels.is_empty() {
        return Err("an assessment needs at least one level".to_owned());
    }
    for (id, level) in &a.levels {
        if !descriptors.contains(id) {
            return Err(format!(
                "assessment {:?} names descriptor {id:?}, which no domain lists",
                a.label
            ));
        }
        if !levels.contains(level) {
            return Err(format!(
                "assessment {:?} gives {id} the level {level:?}; the levels are {levels:?}",
                a.label
            ));
        }
    }
    if let Some(id) = a.notes.keys().find(|id| !descriptors.contains(*id)) {
        return Err(format!(
            "assessment {:?} has a note for descriptor {id:?}, which no domain lists",
            a.label
        ));
    }
    Ok(())
}

impl Board {
    pub fn priority(&self, slug: &str) -> Option<&Priority> {
        self.priorities.iter().find(|p| p.slug == slug)
    }

    pub fn stage(&self, slug: &str) -> Option<&Stage> {
        self.stages.iter().find(|s| s.slug == slug)
    }

    /// The priorities whose measures name an indicator, in the file's order.
    pub fn priorities_of<'a>(&'a self, indicator: &'a str) -> impl Iterator<Item = &'a Priority> {
        self.priorities
            .iter()
            .filter(move |p| p.indicators().any(|i| i == indicator))
    }

    /// Named by a priority's measure or a headline measure.
    pub fn monitors(&self, indicator: &str) -> bool {
        self.headline_indicators().any(|i| i == indicator)
            || self.priorities_of(indicator).next().is_some()
    }

    pub fn headline_indicators(&self) -> impl Iterator<Item = &str> {
        unique(self.headline.iter().flat_map(|m| m.indicators.iter()))
    }

    /// The descriptor ids of the partnership framework.
    pub fn descriptor_ids(&self) -> HashSet<String> {
        self.partnership
            .iter()
            .flat_map(|p| p.domains.iter())
            .flat_map(|d| d.descriptors.iter())
            .map(|d| d.id.clone())
            .collect()
    }

    /// The local target set on an indicator, if any measure sets one (the
    /// first, in the file's order).
    pub fn target_for<'a>(&'a self, indicator: &'a str) -> Option<&'a Target> {
        self.priorities
            .iter()
            .find_map(|p| p.targets_for(indicator).next())
    }

    /// Where an action lives: its priority.
    pub fn action(&self, id: &str) -> Option<(&Priority, &Action)> {
        self.priorities
            .iter()
            .find_map(|p| p.actions.iter().find(|a| a.id == id).map(|a| (p, a)))
    }
}

impl Priority {
    /// The indicators of its measures, each once, in the file's order.
    pub fn indicators(&self) -> impl Iterator<Item = &str> {
        unique(self.measures.iter().flat_map(|m| m.indicators.iter()))
    }

    /// The targets set on an indicator in this priority.
    pub fn targets_for<'a>(&'a self, indicator: &'a str) -> impl Iterator<Item = &'a Target> {
        self.measures
            .iter()
            .flat_map(|m| m.targets.iter())
            .filter(move |t| t.indicator == indicator)
    }
}

fn unique<'a>(ids: impl Iterator<Item = &'a String>) -> impl Iterator<Item = &'a str> {
    let mut seen = HashSet::new();
    ids.filter(move |id| seen.insert(id.as_str()))
        .map(String::as_str)
}

/// Where an action stands, as an analyst reports it for an edition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    NotStarted,
    OnTrack,
    AtRisk,
    OffTrack,
    Done,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::NotStarted,
        Status::OnTrack,
        Status::AtRisk,
        Status::OffTrack,
        Status::Done,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Status::NotStarted => "not-started",
            Status::OnTrack => "on-track",
            Status::AtRisk => "at-risk",
            Status::OffTrack => "off-track",
            Status::Done => "done",
        }
    }

    pub fn from_slug(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|st| st.slug() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::NotStarted => "Not started",
            Status::OnTrack => "On track",
            Status::AtRisk => "At risk",
            Status::OffTrack => "Off track",
            Status::Done => "Done",
        }
    }
}

/// One action's progress as reported for an edition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Progress {
    pub status: Status,
    pub note: String,
    /// The date the report describes, `YYYY-MM-DD`.
    pub as_of: String,
    pub recorded_by: String,
    pub recorded_at: String,
}

/// What an edition carries of the plan besides its data: progress by
/// action id and key messages by priority slug.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EditionPlan {
    pub progress: BTreeMap<String, Progress>,
    pub messages: BTreeMap<String, String>,
}

impl EditionPlan {
    /// Whether an action's report differs from the previous edition's.
    pub fn changed_since(&self, previous: Option<&EditionPlan>, action: &str) -> bool {
        let now = self.progress.get(action);
        let before = previous.and_then(|p| p.progress.get(action));
        match (now, before) {
            (Some(n), Some(b)) => (n.status, &n.note, &n.as_of) != (b.status, &b.note, &b.as_of),
            (Some(_), None) => previous.is_some(),
            _ => false,
        }
    }
}

/// Longest key message, in characters: a paragraph or two for a board paper.
pub const MAX_MESSAGE_CHARS: usize = 2000;
/// Longest progress or assessment note.
pub const MAX_NOTE_CHARS: usize = 500;

#[cfg(test)]
mod tests {
    use super::*;

    fn catalogue() -> Catalogue {
        Catalogue::bundled()
    }

    const MINIMAL: &str = r#"name = "Test Board"
area = "E06000006"
plan = "A plan"

[[stage]]
slug = "living-well"
title = "Living Well"

[[priority]]
slug = "cancer"
title = "Cancer"
aim = "Fewer deaths"
stage = "living-well"

[[priority.measure]]
text = "Screening"
indicators = ["91720", "12345"]

[[priority.measure.target]]
indicator = "91720"
value = 60
direction = "at-least"
source = "made up"

[[priority.action]]
id = "c-1"
what = "Screen"
"#;

    #[test]
    fn a_minimal_board_reads() {
        let b = parse("t.toml", MINIMAL, &catalogue()).unwrap();
        assert_eq!(b.priorities[0].slug, "cancer");
        assert_eq!(
            b.priorities[0].indicators().collect::<Vec<_>>(),
            ["91720", "12345"]
        );
        assert!(b.monitors("12345"));
        assert!(!b.monitors("90366"));
        let t = &b.priorities[0].measures[0].targets[0];
        assert_eq!(t.judge(Some(60.0)), TargetStatus::Met);
        assert_eq!(t.judge(Some(59.9)), TargetStatus::NotMet);
        assert_eq!(t.judge(None), TargetStatus::NoData);
    }

    fn error(text: &str) -> String {
        parse("t.toml", text, &catalogue()).unwrap_err().to_string()
    }

    #[test]
    fn problems_name_file_line_and_what_is_valid() {
        let e = error(&MINIMAL.replace("slug = \"cancer\"", "slug = \"Cancer!\""));
        assert!(e.starts_with("t.toml:9: priority \"Cancer!\""), "{e}");
        let e = error(&MINIMAL.replace("\"12345\"", "\"local-x\""));
        assert!(
            e.starts_with("t.toml:15: measure") && e.contains("local-x"),
            "{e}"
        );
        let e = error(&MINIMAL.replace("indicator = \"91720\"", "indicator = \"12\""));
        assert!(e.contains("not one of the measure's indicators"), "{e}");
        let e = error(&MINIMAL.replace("E06000006", "E12000002"));
        assert!(
            e.starts_with("t.toml:2: ") && e.contains("North West"),
            "{e}"
        );
        let e = error(&MINIMAL.replace("stage = \"living-well\"", "stage = \"old\""));
        assert!(e.contains("\"old\"") && e.contains("living-well"), "{e}");
        let e = error(&MINIMAL.replace("what = \"Screen\"", "wat = \"Screen\""));
        assert!(e.starts_with("t.toml:27: ") && e.contains("wat"), "{e}");
        let twice = format!("{MINIMAL}\n[[priority.action]]\nid = \"c-1\"\nwhat = \"Again\"\n");
        let e = error(&twice);
        assert!(
            e.starts_with("t.toml:29: ") && e.contains("used twice"),
            "{e}"
        );
        let dup = format!(
            "{MINIMAL}\n[[priority]]\nslug = \"cancer\"\ntitle = \"C\"\naim = \"A\"\nstage = \"living-well\"\n"
        );
        assert!(error(&dup).contains("used twice"));
        let e = error("name = \"x\"\narea = \n");
        assert!(e.starts_with("t.toml:2: "), "{e}");
    }

    #[test]
    fn assessments_name_known_descriptors_and_levels() {
        let levels = vec!["Low".to_owned(), "High".to_owned()];
        let ids: HashSet<String> = ["a".to_owned()].into();
        let mut a = Assessment {
            date: "2021-10-01".into(),
            label: "Baseline".into(),
            levels: [("a".to_owned(), "Low".to_owned())].into(),
            notes: BTreeMap::new(),
            overall: String::new(),
            trajectory: String::new(),
            source: String::new(),
        };
        assert_eq!(check_assessment(&a, &levels, &ids), Ok(()));
        a.date = "2021-13-01".into();
        assert!(
            check_assessment(&a, &levels, &ids)
                .unwrap_err()
                .contains("YYYY-MM-DD")
        );
        a.date = "2021-10-01".into();
        a.levels.insert("a".into(), "Middling".into());
        assert!(
            check_assessment(&a, &levels, &ids)
                .unwrap_err()
                .contains("Middling")
        );
        a.levels = [("b".to_owned(), "Low".to_owned())].into();
        assert!(
            check_assessment(&a, &levels, &ids)
                .unwrap_err()
                .contains("\"b\"")
        );
    }

    #[test]
    fn progress_changes_are_seen_against_the_previous_edition() {
        let p = |status| Progress {
            status,
            note: String::new(),
            as_of: "2026-01-01".into(),
            recorded_by: "a".into(),
            recorded_at: "t".into(),
        };
        let mut before = EditionPlan::default();
        before.progress.insert("x".into(), p(Status::OnTrack));
        let mut now = before.clone();
        assert!(!now.changed_since(Some(&before), "x"));
        now.progress.insert("x".into(), p(Status::AtRisk));
        assert!(now.changed_since(Some(&before), "x"));
        now.progress.insert("y".into(), p(Status::Done));
        assert!(now.changed_since(Some(&before), "y"));
        assert!(
            !now.changed_since(None, "y"),
            "a first edition has nothing to change from"
        );
    }
}
