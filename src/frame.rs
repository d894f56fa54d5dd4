//! The canonical indicator frame: one schema for every source format, so
//! everything downstream (store, editions, pages) reads one shape.
//!
//! One row per indicator x area x sex x age x category x period.
//!
//! | column | type | meaning |
//! |---|---|---|
//! | `indicator_id` | str | Fingertips ID or local ID (the catalogue key) |
//! | `indicator_name` | str? | name as the file gave it |
//! | `area_code`, `area_name`, `area_type` | str, str?, str? | ONS code, name, Fingertips area type |
//! | `parent_code` | str? | the area's parent (region, or England) |
//! | `sex`, `age` | str | e.g. `Persons`, `All ages` |
//! | `category_type`, `category` | str | breakdown such as deprivation decile; empty when none |
//! | `period` | str | the label as published, e.g. `2019/20` |
//! | `period_start`, `period_end` | date | first and last day the period covers |
//! | `value` | f64? | null when suppressed or missing (never zero) |
//! | `lower_95`, `upper_95`, `lower_99_8`, `upper_99_8` | f64? | confidence limits |
//! | `count`, `denominator` | f64? | numerator and denominator |
//! | `value_note` | str? | e.g. a suppression note |
//! | `ft_recent_trend`, `ft_compared_england`, `ft_compared_parent`, `ft_compared_goal` | str? | Fingertips's own judgements, kept as provenance only |
//! | `source_row` | u32 | row of the source file, as a spreadsheet numbers it |
//!
//! "str" columns come out of ingest as categoricals (each distinct string
//! held once, four bytes a row: a national extract's frame is a fraction of
//! the file). They are stored in Parquet as enums of each column's own
//! strings ([`with_own_strings`]). [`as_text`] turns either into plain
//! strings; `store::read_frame` does so for every reader.

pub const INDICATOR_ID: &str = "indicator_id";
pub const INDICATOR_NAME: &str = "indicator_name";
pub const AREA_CODE: &str = "area_code";
pub const AREA_NAME: &str = "area_name";
pub const AREA_TYPE: &str = "area_type";
pub const PARENT_CODE: &str = "parent_code";
pub const SEX: &str = "sex";
pub const AGE: &str = "age";
pub const CATEGORY_TYPE: &str = "category_type";
pub const CATEGORY: &str = "category";
pub const PERIOD: &str = "period";
pub const PERIOD_START: &str = "period_start";
pub const PERIOD_END: &str = "period_end";
pub const VALUE: &str = "value";
pub const LOWER_95: &str = "lower_95";
pub const UPPER_95: &str = "upper_95";
pub const LOWER_99_8: &str = "lower_99_8";
pub const UPPER_99_8: &str = "upper_99_8";
pub const COUNT: &str = "count";
pub const DENOMINATOR: &str = "denominator";
pub const VALUE_NOTE: &str = "value_note";
pub const FT_RECENT_TREND: &str = "ft_recent_trend";
pub const FT_COMPARED_ENGLAND: &str = "ft_compared_england";
pub const FT_COMPARED_PARENT: &str = "ft_compared_parent";
pub const FT_COMPARED_GOAL: &str = "ft_compared_goal";
pub const SOURCE_ROW: &str = "source_row";

/// The columns that identify a row: a second row with the same key is a
/// duplicate, and a later upload's row with the same key revises it.
pub const KEY: [&str; 7] = [
    INDICATOR_ID,
    AREA_CODE,
    SEX,
    AGE,
    CATEGORY_TYPE,
    CATEGORY,
    PERIOD,
];

/// Every canonical column, in frame order: what ingest builds and what
/// editions are assembled from (derived columns are added afterwards).
pub const COLUMNS: [&str; 26] = [
    INDICATOR_ID,
    INDICATOR_NAME,
    AREA_CODE,
    AREA_NAME,
    AREA_TYPE,
    PARENT_CODE,
    SEX,
    AGE,
    CATEGORY_TYPE,
    CATEGORY,
    PERIOD,
    PERIOD_START,
    PERIOD_END,
    VALUE,
    LOWER_95,
    UPPER_95,
    LOWER_99_8,
    UPPER_99_8,
    COUNT,
    DENOMINATOR,
    VALUE_NOTE,
    FT_RECENT_TREND,
    FT_COMPARED_ENGLAND,
    FT_COMPARED_PARENT,
    FT_COMPARED_GOAL,
    SOURCE_ROW,
];

use polars::prelude::*;

/// The frame with every categorical column cast to plain strings (the
/// same values), for code that reads strings by value.
pub fn as_text(frame: &DataFrame) -> PolarsResult<DataFrame> {
    let mut out = frame.clone();
    let categorical: Vec<String> = frame
        .columns()
        .iter()
        .filter(|c| {
            matches!(
                c.dtype(),
                DataType::Categorical(_, _) | DataType::Enum(_, _)
            )
        })
        .map(|c| c.name().to_string())
        .collect();
    for name in categorical {
        let text = frame.column(&name)?.cast(&DataType::String)?;
        out.with_column(text)?;
    }
    Ok(out)
}

/// The frame with every categorical column recast as an enum of just the
/// strings that column uses, in order of first use; nulls stay null.
///
/// Ingest's columns share one mapping of all of a file's strings. Written as
/// it is, Polars' Parquet writer remaps every cell through a hash set to
/// prune the unused strings (most of the write's time, docs/PERFORMANCE.md);
/// an enum's keys are written as they are, so the pruning is done here, once,
/// through a table indexed by key.
pub fn with_own_strings(frame: &DataFrame) -> PolarsResult<DataFrame> {
    use rayon::prelude::*;
    // A column at a time on each thread: a national file's take a tenth of
    // a second each.
    let columns = frame
        .columns()
        .par_iter()
        .map(with_own_strings_column)
        .collect::<PolarsResult<Vec<_>>>()?;
    DataFrame::new(frame.height(), columns)
}

fn with_own_strings_column(column: &Column) -> PolarsResult<Column> {
    match column.dtype() {
        DataType::Categorical(cats, _) if cats.physical() == CategoricalPhysical::U32 => {
            own_strings(column.as_materialized_series().cat32()?).map(Column::from)
        }
        _ => Ok(column.clone()),
    }
}

/// One categorical column as an enum of the strings it uses.
fn own_strings(column: &Categorical32Chunked) -> PolarsResult<Series> {
    const UNUSED: u32 = u32::MAX;
    let mapping = column.get_mapping();
    let mut remap = vec![UNUSED; mapping.num_cats_upper_bound()];
    let mut used: Vec<&str> = Vec::new();
    for id in column.physical().iter().flatten() {
        let slot = &mut remap[id as usize];
        if *slot == UNUSED {
            *slot = used.len() as u32;
            used.push(mapping.cat_to_str(id).unwrap_or_default());
        }
    }
    let frozen = FrozenCategories::new(used)?;
    let dtype = DataType::Enum(frozen.clone(), frozen.mapping().clone());
    let name = column.name().clone();
    let ids = column.physical();
    match frozen.physical() {
        CategoricalPhysical::U8 => keys::<Categorical8Type>(name, ids, &remap, dtype),
        CategoricalPhysical::U16 => keys::<Categorical16Type>(name, ids, &remap, dtype),
        CategoricalPhysical::U32 => keys::<Categorical32Type>(name, ids, &remap, dtype),
    }
}

/// The enum column of `ids` renumbered through `remap`, in `T`'s key type.
fn keys<T: PolarsCategoricalType>(
    name: PlSmallStr,
    ids: &UInt32Chunked,
    remap: &[u32],
    dtype: DataType,
) -> PolarsResult<Series>
where
    CategoricalChunked<T>: IntoSeries,
{
    // Chunk for chunk, so the column stays aligned with the frame's others.
    let mut physical = ChunkedArray::<T::PolarsPhysical>::full_null(name.clone(), 0);
    for chunk in ids.downcast_iter() {
        // A null's key is arbitrary; 0 is in range.
        let values: Vec<T::Native> = chunk
            .iter()
            .map(|id| T::Native::from_cat(id.map_or(0, |id| remap[*id as usize])))
            .collect();
        let validity = chunk.validity().cloned();
        physical.append_owned(ChunkedArray::from_vec_validity(
            name.clone(),
            values,
            validity,
        ))?;
    }
    // Safety: every valid key is below the enum's length (`remap` numbers
    // the used strings from 0; a null's key is never read) and the key type
    // is the enum's own. The checked constructor would look each key up
    // again, which is what this function saves.
    Ok(
        unsafe { CategoricalChunked::<T>::from_cats_and_dtype_unchecked(physical, dtype) }
            .into_series(),
    )
}
