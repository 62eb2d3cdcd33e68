//! SQL over Spin's SQLite, with migrations applied on an instance's first use.

use std::cell::Cell;
use std::rc::Rc;

use async_trait::async_trait;
use futures_util::lock::Mutex;
use ports::sql::{Row, Statement, StatementResult, Value, check_params};
use ports::{PortError, Sql};
use spin_sdk::sqlite::{Connection, Error, Value as SpinValue};

use crate::lazy::Lazy;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Migration {
    Pending,
    Running,
    Done,
}

thread_local! {
    /// Whether this instance has brought the database up to date ([`SpinSql::prepare`]): after
    /// that, a request's first statement is its own (Spin reuses instances for many requests).
    static PREPARED: Cell<bool> = const { Cell::new(false) };
}

thread_local! {
    /// One connection per instance for reads, shared by every request of the instance (the host
    /// runs its statements one at a time): opening a connection per request cost every read
    /// request a file open and a schema load. Writes and transactions use the request's own
    /// connection, so a transaction's statements and a write's change count are its alone.
    static READER: std::cell::RefCell<Option<Rc<Exclusive>>> = const { std::cell::RefCell::new(None) };
}

/// A host connection that serves one statement, or one transaction, at a time.
///
/// A request's connection is shared by its background tasks (a cache write, a rate-limit
/// count published after the response), and the instance's read connection by every request
/// the instance serves at once. Used concurrently, a host connection goes wrong twice: Spin's
/// host runs `changes()` and `last_insert_rowid()` under the connection's mutex *on its async
/// executor threads*, while a statement of the same connection holds that mutex for as long as
/// SQLite's busy handler waits for the write lock (up to 5 s). Two such waits can block both of
/// a two-core machine's executor threads: all of `spin up` was seen to stall for 5 s, until one
/// request failed with `database is locked` (12 concurrent orders, all 5 s, one 503), and the
/// stall went away with this lock. And a
/// background statement could slip into a request's transaction, or `changes()` report another
/// statement's count. Taking turns here (an async lock in the guest; it promises no strict
/// order) means a statement never waits inside the host while another use of its connection
/// is pending. A caller may still drop a statement's future midway (the rate limiter's store
/// timeout does) while the host is running it: the connection is then *abandoned*, and the next
/// caller opens a fresh one instead of queueing behind a statement nobody awaits any more.
struct Exclusive {
    connection: Connection,
    turn: Mutex<()>,
    abandoned: Cell<bool>,
}

/// Marks its connection abandoned unless [`Turn::done`] is called first (i.e. when the future
/// holding it is dropped midway).
struct Turn<'a> {
    abandoned: &'a Cell<bool>,
    done: bool,
}

impl Turn<'_> {
    fn done(mut self) {
        self.done = true;
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.abandoned.set(true);
        }
    }
}

impl Exclusive {
    fn new(connection: Connection) -> Self {
        Self { connection, turn: Mutex::new(()), abandoned: Cell::new(false) }
    }

    /// Whether a statement of this connection was dropped midway (see [`Exclusive`]).
    fn is_abandoned(&self) -> bool {
        self.abandoned.get()
    }

    /// Runs one statement when no other statement or transaction is using the connection.
    async fn run(&self, statement: &Statement) -> Result<StatementResult, PortError> {
        let _turn = self.turn.lock().await;
        let watch = Turn { abandoned: &self.abandoned, done: false };
        let result = run_on(&self.connection, statement).await;
        watch.done();
        result
    }

    /// Runs `statements` in one `BEGIN IMMEDIATE` transaction, holding the connection
    /// throughout so nothing else runs inside the transaction.
    async fn transaction(&self, statements: &[Statement]) -> Result<Vec<StatementResult>, PortError> {
        let _turn = self.turn.lock().await;
        let watch = Turn { abandoned: &self.abandoned, done: false };
        let result = self.transaction_now(statements).await;
        watch.done();
        result
    }

    async fn transaction_now(&self, statements: &[Statement]) -> Result<Vec<StatementResult>, PortError> {
        let connection = &self.connection;
        run_on(connection, &Statement::new("BEGIN IMMEDIATE")).await?;
        let mut results = Vec::with_capacity(statements.len());
        for statement in statements {
            match run_on(connection, statement).await {
                Ok(result) => results.push(result),
                Err(error) => {
                    // Best effort: if ROLLBACK fails too the connection is closed with the instance.
                    let _ = run_on(connection, &Statement::new("ROLLBACK")).await;
                    return Err(error);
                }
            }
        }
        if let Err(error) = run_on(connection, &Statement::new("COMMIT")).await {
            // A failed COMMIT (e.g. busy) leaves the transaction open: end it, or this request's
            // later statements would run inside it and vanish with the instance.
            let _ = run_on(connection, &Statement::new("ROLLBACK")).await;
            return Err(error);
        }
        Ok(results)
    }
}

/// A Spin SQLite database: reads on the instance's shared connection, writes and batches on
/// one opened on the request's first write (the database prepared on an instance's first use).
pub struct SpinSql {
    name: &'static str,
    connection: Lazy<Exclusive>,
    migration: Cell<Migration>,
}

impl SpinSql {
    /// The database `name` (granted in `spin.toml` as `sqlite_databases`).
    pub fn new(name: &'static str) -> Self {
        Self { name, connection: Lazy::new(), migration: Cell::new(Migration::Pending) }
    }

    async fn connection(&self) -> Result<Rc<Exclusive>, PortError> {
        let open = || async { Connection::open(self.name).await.map(Exclusive::new).map_err(sql_error) };
        let mut connection = self.connection.get_or_open(open).await?;
        if connection.is_abandoned() {
            self.connection.clear();
            connection = self.connection.get_or_open(open).await?;
        }
        if !PREPARED.get() && self.migration.get() == Migration::Pending {
            // The runner's own statements come back through `run` while this is `Running`.
            self.migration.set(Migration::Running);
            let prepared = self.prepare(&connection).await;
            self.migration.set(if prepared.is_ok() { Migration::Done } else { Migration::Pending });
            prepared?;
            PREPARED.set(true);
        }
        Ok(connection)
    }

    /// Brings the database up to date: write-ahead-log mode, then pending migrations.
    ///
    /// Spin gives every request its own SQLite connection to one file. In SQLite's default
    /// rollback-journal mode a writer must wait until no connection is reading, and waiting
    /// connections back off in sleeps of up to 100 ms, so a burst of concurrent requests (each
    /// reading a session and counting a rate limit) took seconds. In WAL mode readers never
    /// block the writer. The mode is stored in the database file; D1 manages its own journal,
    /// which is why this is not a migration.
    async fn prepare(&self, connection: &Exclusive) -> Result<(), PortError> {
        connection.run(&Statement::new("PRAGMA journal_mode = WAL")).await?;
        migrations::apply_pending(self).await.map(drop)
    }
}

/// Runs one statement on `connection` (the caller has its turn: see [`Exclusive`]).
async fn run_on(connection: &Connection, statement: &Statement) -> Result<StatementResult, PortError> {
    check_params(&statement.params)?;
    let params: Vec<SpinValue> = statement.params.iter().map(to_spin).collect();
    let result = connection.execute(&statement.sql, params).await.map_err(sql_error)?;
    let columns: Rc<[String]> = result.columns().iter().cloned().collect();
    let rows = result
        .collect()
        .await
        .map_err(sql_error)?
        .into_iter()
        .map(|row| Row::new(Rc::clone(&columns), row.values.into_iter().map(from_spin).collect()))
        .collect();
    let writes = is_write(&statement.sql);
    Ok(StatementResult {
        rows,
        rows_affected: if writes { connection.changes().await } else { 0 },
        last_insert_id: if writes { Some(connection.last_insert_rowid().await) } else { None },
    })
}

impl SpinSql {
    /// The instance's shared read connection, opened on first use (after the database is
    /// prepared).
    async fn reader(&self) -> Result<Rc<Exclusive>, PortError> {
        if !PREPARED.get() {
            self.connection().await?;
        }
        if let Some(reader) = READER.with_borrow(Clone::clone).filter(|r| !r.is_abandoned()) {
            return Ok(reader);
        }
        let reader = Rc::new(Exclusive::new(Connection::open(self.name).await.map_err(sql_error)?));
        READER.with_borrow_mut(|slot| *slot = Some(Rc::clone(&reader)));
        Ok(reader)
    }
}

#[async_trait(?Send)]
impl Sql for SpinSql {
    /// Reads go through the instance's shared connection; writes through the request's own, so
    /// that the change count read after a write is that write's.
    async fn run(&self, statement: &Statement) -> Result<StatementResult, PortError> {
        if is_write(&statement.sql) {
            return self.connection().await?.run(statement).await;
        }
        let result = self.reader().await?.run(statement).await;
        if result.as_ref().is_err_and(|e| e.kind == ports::PortErrorKind::Unavailable) {
            // A broken connection is not kept for the next request.
            READER.with_borrow_mut(|slot| *slot = None);
        }
        result
    }

    async fn batch(&self, statements: &[Statement]) -> Result<Vec<StatementResult>, PortError> {
        self.connection().await?.transaction(statements).await
    }
}

/// Whether `sql` is an INSERT/UPDATE/DELETE/REPLACE, whose change count Spin can report.
/// (SQLite's `changes()` keeps the previous write's count across SELECTs, so it is only read
/// for writes.)
fn is_write(sql: &str) -> bool {
    let first = sql.trim_start().split(|c: char| !c.is_ascii_alphabetic()).find(|word| !word.is_empty()).unwrap_or("");
    ["INSERT", "UPDATE", "DELETE", "REPLACE"].iter().any(|w| first.eq_ignore_ascii_case(w))
}

fn to_spin(value: &Value) -> SpinValue {
    match value {
        Value::Null => SpinValue::Null,
        Value::Integer(v) => SpinValue::Integer(*v),
        Value::Real(v) => SpinValue::Real(*v),
        Value::Text(v) => SpinValue::Text(v.clone()),
        Value::Blob(v) => SpinValue::Blob(v.clone()),
    }
}

fn from_spin(value: SpinValue) -> Value {
    match value {
        SpinValue::Null => Value::Null,
        SpinValue::Integer(v) => Value::Integer(v),
        SpinValue::Real(v) => Value::Real(v),
        SpinValue::Text(v) => Value::Text(v),
        SpinValue::Blob(v) => Value::Blob(v),
    }
}

fn sql_error(error: Error) -> PortError {
    match error {
        Error::NoSuchDatabase | Error::AccessDenied | Error::InvalidConnection | Error::DatabaseFull => {
            PortError::unavailable(format!("spin sqlite: {error}"))
        }
        Error::Io(message) if message.contains("constraint failed") => PortError::constraint(message),
        Error::Io(message) if message.contains("database is locked") || message.contains("busy") => {
            PortError::unavailable(message)
        }
        Error::Io(message) => PortError::other(message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_writes() {
        assert!(is_write("INSERT INTO t VALUES (1)"));
        assert!(is_write("  update t set x = 1"));
        assert!(is_write("DELETE FROM t"));
        assert!(!is_write("SELECT changes()"));
        assert!(!is_write("BEGIN IMMEDIATE"));
    }

    #[test]
    fn a_turn_dropped_midway_abandons_its_connection() {
        let abandoned = Cell::new(false);
        Turn { abandoned: &abandoned, done: false }.done();
        assert!(!abandoned.get(), "a finished statement keeps the connection");
        drop(Turn { abandoned: &abandoned, done: false });
        assert!(abandoned.get(), "a statement dropped midway abandons it");
    }

    #[test]
    fn errors_map_to_port_kinds() {
        use ports::PortErrorKind::*;
        assert_eq!(sql_error(Error::NoSuchDatabase).kind, Unavailable);
        assert_eq!(sql_error(Error::Io("UNIQUE constraint failed: t.x".into())).kind, Constraint);
        assert_eq!(sql_error(Error::Io("no such table: t".into())).kind, Other);
    }
}
