//! SQLite through rusqlite, in memory.

use std::cell::RefCell;
use std::rc::Rc;

use async_trait::async_trait;
use ports::sql::{Row, Statement, StatementResult, Value, check_params};
use ports::{PortError, Sql};
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, ErrorCode, params_from_iter};

/// An in-memory SQLite database implementing [`Sql`].
pub struct NativeSql {
    connection: RefCell<Connection>,
    statements: std::cell::Cell<u64>,
}

impl NativeSql {
    /// An empty database (no migrations), e.g. to test what happens before `migrate`.
    pub fn empty() -> Self {
        let connection = Connection::open_in_memory().expect("open in-memory SQLite");
        connection.execute_batch("PRAGMA foreign_keys = ON;").expect("enable foreign keys");
        Self { connection: RefCell::new(connection), statements: std::cell::Cell::new(0) }
    }

    /// A database with every shipped migration applied, through the same runner Spin uses.
    pub async fn migrated() -> Rc<Self> {
        let sql = Rc::new(Self::empty());
        migrations::apply_pending(&*sql).await.expect("apply migrations");
        sql
    }

    /// Statements run so far (tests count real database work with it).
    pub fn statements_run(&self) -> u64 {
        self.statements.get()
    }

    /// The tables `statement`'s plan reads whole (`SCAN <table>` without an index), by their
    /// table names (aliases resolved). CTEs, subqueries and constant rows are not tables, and
    /// virtual tables (full-text indexes) choose their own access path.
    pub fn full_scans(&self, statement: &Statement) -> Vec<String> {
        let connection = self.connection.borrow();
        let tables: Vec<String> = connection
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
            .and_then(|mut q| q.query_map([], |row| row.get::<_, String>(0))?.collect())
            .unwrap_or_default();
        let explain = format!("EXPLAIN QUERY PLAN {}", statement.sql);
        let details: Vec<String> = connection
            .prepare(&explain)
            .and_then(|mut q| {
                let params = params_from_iter(statement.params.iter().map(to_sql));
                q.query_map(params, |row| row.get::<_, String>(3))?.collect()
            })
            .unwrap_or_default();
        let words: Vec<&str> =
            statement.sql.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).filter(|w| !w.is_empty()).collect();
        let table_of = |name: &str| -> Option<String> {
            if tables.iter().any(|t| t == name) {
                return Some(name.to_owned());
            }
            // An alias: `<table> <alias>` or `<table> AS <alias>`.
            words.iter().enumerate().filter(|(_, w)| **w == name).find_map(|(i, _)| {
                let before = words.get(i.checked_sub(1)?)?;
                let table = if before.eq_ignore_ascii_case("AS") { words.get(i.checked_sub(2)?)? } else { before };
                tables.iter().find(|t| t.as_str() == *table).cloned()
            })
        };
        details
            .iter()
            .filter_map(|detail| detail.strip_prefix("SCAN "))
            // An index, or a virtual table's own access path (FTS5 answers MATCH from its index).
            .filter(|rest| !rest.contains(" USING ") && !rest.contains(" VIRTUAL TABLE INDEX "))
            .filter_map(|rest| table_of(rest.split_whitespace().next().unwrap_or("")))
            .collect()
    }

    fn run_on(connection: &Connection, statement: &Statement) -> Result<StatementResult, PortError> {
        check_params(&statement.params)?;
        let mut prepared = connection.prepare(&statement.sql).map_err(port_error)?;
        let columns: Rc<[String]> = prepared.column_names().into_iter().map(str::to_owned).collect();
        let params = params_from_iter(statement.params.iter().map(to_sql));
        let mut rows = Vec::new();
        let mut cursor = prepared.query(params).map_err(port_error)?;
        while let Some(row) = cursor.next().map_err(port_error)? {
            let values = (0..columns.len()).map(|i| row.get_ref(i).map(from_sql)).collect::<Result<_, _>>();
            rows.push(Row::new(Rc::clone(&columns), values.map_err(port_error)?));
        }
        drop(cursor);
        let writes = !prepared.readonly();
        Ok(StatementResult {
            rows,
            rows_affected: if writes { connection.changes() } else { 0 },
            last_insert_id: writes.then(|| connection.last_insert_rowid()),
        })
    }
}

#[async_trait(?Send)]
impl Sql for NativeSql {
    async fn run(&self, statement: &Statement) -> Result<StatementResult, PortError> {
        self.statements.set(self.statements.get() + 1);
        Self::run_on(&self.connection.borrow(), statement)
    }

    async fn batch(&self, statements: &[Statement]) -> Result<Vec<StatementResult>, PortError> {
        self.statements.set(self.statements.get() + statements.len() as u64);
        let mut connection = self.connection.borrow_mut();
        let transaction = connection.transaction().map_err(port_error)?;
        let results = statements.iter().map(|s| Self::run_on(&transaction, s)).collect::<Result<Vec<_>, _>>()?;
        transaction.commit().map_err(port_error)?;
        Ok(results)
    }
}

fn to_sql(value: &Value) -> ToSqlOutput<'_> {
    ToSqlOutput::Borrowed(match value {
        Value::Null => ValueRef::Null,
        Value::Integer(v) => ValueRef::Integer(*v),
        Value::Real(v) => ValueRef::Real(*v),
        Value::Text(v) => ValueRef::Text(v.as_bytes()),
        Value::Blob(v) => ValueRef::Blob(v),
    })
}

fn from_sql(value: ValueRef<'_>) -> Value {
    match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(v) => Value::Integer(v),
        ValueRef::Real(v) => Value::Real(v),
        ValueRef::Text(v) => Value::Text(String::from_utf8_lossy(v).into_owned()),
        ValueRef::Blob(v) => Value::Blob(v.to_vec()),
    }
}

/// Maps SQLite's error codes onto the port's kinds, as the edge adapters do.
fn port_error(error: rusqlite::Error) -> PortError {
    match error.sqlite_error_code() {
        Some(ErrorCode::ConstraintViolation) => PortError::constraint(error.to_string()),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked | ErrorCode::CannotOpen) => {
            PortError::unavailable(error.to_string())
        }
        _ => PortError::other(error.to_string()),
    }
}
