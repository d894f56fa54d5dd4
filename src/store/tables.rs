//! Every table's rows copied from one database to another, in either
//! dialect: how a PostgreSQL store is backed up into the backup's SQLite
//! snapshot, and how a snapshot is restored into PostgreSQL.
//!
//! The SQLite snapshot's schema says what to copy: its tables (parents
//! before the children whose foreign keys name them), their columns, and
//! which hold integers; every other column is text (`database`: the store
//! keeps to those two). Ids are copied as they are, so every reference
//! stays true; PostgreSQL's identity sequences are then moved past them.

use super::Result;
use sqlx::{AnyConnection, Row};

/// A table as the snapshot declares it.
#[derive(Debug, Clone)]
pub(super) struct Table {
    name: String,
    columns: Vec<Column>,
    /// The primary key's columns, the order rows are copied in (so an
    /// edition comes before one built on it).
    key: Vec<String>,
}

#[derive(Debug, Clone)]
struct Column {
    name: String,
    integer: bool,
}

/// One value, as the store holds them.
enum Value {
    Integer(Option<i64>),
    Text(Option<String>),
}

/// At most this many values in one INSERT (SQLite allows 32,766).
const VALUES_PER_INSERT: usize = 10_000;

fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The tables of a SQLite database, parents first, sqlx's own and
/// SQLite's internal ones left out (each store keeps its own).
pub(super) async fn schema(sqlite: &mut AnyConnection) -> Result<Vec<Table>> {
    let names: Vec<String> = sqlx::query(
        "SELECT name FROM sqlite_master WHERE type = 'table' \
         AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations' ORDER BY name",
    )
    .fetch_all(&mut *sqlite)
    .await?
    .iter()
    .map(|r| r.get(0))
    .collect();
    let mut tables = Vec::new();
    for name in names {
        let mut columns = Vec::new();
        let mut key: Vec<(i64, String)> = Vec::new();
        for row in sqlx::query("SELECT name, type, pk FROM pragma_table_info($1) ORDER BY cid")
            .bind(&name)
            .fetch_all(&mut *sqlite)
            .await?
        {
            let column: String = row.get(0);
            let declared: String = row.get(1);
            let pk: i64 = row.get(2);
            if pk > 0 {
                key.push((pk, column.clone()));
            }
            columns.push(Column {
                name: column,
                integer: declared.eq_ignore_ascii_case("INTEGER"),
            });
        }
        key.sort();
        let parents: Vec<String> = sqlx::query("SELECT \"table\" FROM pragma_foreign_key_list($1)")
            .bind(&name)
            .fetch_all(&mut *sqlite)
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
        tables.push((
            Table {
                name,
                key: key.into_iter().map(|(_, c)| c).collect(),
                columns,
            },
            parents,
        ));
    }
    Ok(parents_first(tables))
}

/// Orders tables so that each follows every table it references (a table
/// referencing itself, as editions do, is ordered by its key instead).
fn parents_first(mut pending: Vec<(Table, Vec<String>)>) -> Vec<Table> {
    let mut done: Vec<Table> = Vec::new();
    while !pending.is_empty() {
        let ready = pending.iter().position(|(table, parents)| {
            parents
                .iter()
                .all(|p| *p == table.name || done.iter().any(|d| d.name == *p))
        });
        // A cycle between tables (none in the store) is copied as it
        // stands, and the target's foreign keys then say so.
        let (table, _) = pending.remove(ready.unwrap_or(0));
        done.push(table);
    }
    done
}

/// Copies every row of `tables` from `from` into `to`, where they must
/// exist with the same columns. Returns the rows copied.
pub(super) async fn copy(
    tables: &[Table],
    from: &mut AnyConnection,
    to: &mut AnyConnection,
) -> Result<u64> {
    let mut copied = 0;
    for table in tables {
        copied += copy_table(table, from, to).await?;
    }
    Ok(copied)
}

async fn copy_table(
    table: &Table,
    from: &mut AnyConnection,
    to: &mut AnyConnection,
) -> Result<u64> {
    let columns: Vec<String> = table.columns.iter().map(|c| quoted(&c.name)).collect();
    let order = if table.key.is_empty() {
        columns.join(", ")
    } else {
        table
            .key
            .iter()
            .map(|k| quoted(k))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let select = format!(
        "SELECT {} FROM {} ORDER BY {order}",
        columns.join(", "),
        quoted(&table.name)
    );
    let per_insert = (VALUES_PER_INSERT / columns.len().max(1)).max(1);
    // Read whole: the store's tables hold metadata (frames are files), a
    // few megabytes even for years of audit trail.
    let rows = sqlx::query(&select).fetch_all(&mut *from).await?;
    let mut batch: Vec<Vec<Value>> = Vec::with_capacity(per_insert);
    let mut copied = 0;
    for row in rows {
        let mut values = Vec::with_capacity(table.columns.len());
        for (i, column) in table.columns.iter().enumerate() {
            values.push(if column.integer {
                Value::Integer(row.try_get(i)?)
            } else {
                Value::Text(row.try_get(i)?)
            });
        }
        batch.push(values);
        if batch.len() == per_insert {
            copied += insert(table, &columns, std::mem::take(&mut batch), to).await?;
        }
    }
    if !batch.is_empty() {
        copied += insert(table, &columns, batch, to).await?;
    }
    Ok(copied)
}

/// One multi-row INSERT, with `$N` parameters (which both dialects read).
async fn insert(
    table: &Table,
    columns: &[String],
    rows: Vec<Vec<Value>>,
    to: &mut AnyConnection,
) -> Result<u64> {
    let mut sql = format!(
        "INSERT INTO {} ({}) VALUES ",
        quoted(&table.name),
        columns.join(", ")
    );
    let mut n = 0;
    for (r, row) in rows.iter().enumerate() {
        sql += if r == 0 { "(" } else { ", (" };
        for c in 0..row.len() {
            n += 1;
            sql += &format!("{}${n}", if c == 0 { "" } else { ", " });
        }
        sql += ")";
    }
    let mut query = sqlx::query(&sql);
    for value in rows.into_iter().flatten() {
        query = match value {
            Value::Integer(v) => query.bind(v),
            Value::Text(v) => query.bind(v),
        };
    }
    Ok(query.execute(&mut *to).await?.rows_affected())
}

/// The first table of `tables` that holds a row in `db`, if any.
pub(super) async fn first_with_rows(
    tables: &[Table],
    db: &mut AnyConnection,
) -> Result<Option<String>> {
    for table in tables {
        let select = format!("SELECT 1 FROM {} LIMIT 1", quoted(&table.name));
        if sqlx::query(&select)
            .fetch_optional(&mut *db)
            .await?
            .is_some()
        {
            return Ok(Some(table.name.clone()));
        }
    }
    Ok(None)
}

/// Moves every identity sequence of a PostgreSQL database past the ids its
/// tables hold, so the next row made gets a new id.
pub(super) async fn advance_identities(postgres: &mut AnyConnection) -> Result<()> {
    let identities: Vec<(String, String)> = sqlx::query(
        "SELECT table_name::text, column_name::text FROM information_schema.columns \
         WHERE table_schema = current_schema() AND is_identity = 'YES'",
    )
    .fetch_all(&mut *postgres)
    .await?
    .iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect();
    for (table, column) in identities {
        let next = format!(
            "SELECT setval(pg_get_serial_sequence($1, $2), \
             COALESCE((SELECT MAX({}) FROM {}), 0) + 1, false)",
            quoted(&column),
            quoted(&table)
        );
        sqlx::query(&next)
            .bind(quoted(&table))
            .bind(&column)
            .execute(&mut *postgres)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(name: &str, parents: &[&str]) -> (Table, Vec<String>) {
        (
            Table {
                name: name.into(),
                columns: Vec::new(),
                key: Vec::new(),
            },
            parents.iter().map(|p| (*p).to_owned()).collect(),
        )
    }

    #[test]
    fn parents_come_before_the_tables_that_reference_them() {
        let ordered = parents_first(vec![
            table("assessment_levels", &["assessments"]),
            table("edition_uploads", &["editions", "uploads"]),
            table("editions", &["editions"]),
            table("assessments", &[]),
            table("uploads", &[]),
        ]);
        let names: Vec<&str> = ordered.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "editions",
                "assessments",
                "assessment_levels",
                "uploads",
                "edition_uploads"
            ]
        );
    }
}
