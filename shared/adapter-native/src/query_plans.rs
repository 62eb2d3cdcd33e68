//! Every statement the code under test runs is checked against SQLite's query plan: one that
//! reads a whole table which grows with use (no index narrows it) fails the test.
//!
//! [`crate::TestPlatform::platform`] hands handlers, layers and background tasks this wrapper
//! around the database; what a test runs itself through `TestPlatform::sql` (set-up, asserting
//! on rows) is not checked. Each distinct SQL text is checked once per database.

use std::cell::RefCell;
use std::collections::HashSet;
use std::rc::Rc;

use async_trait::async_trait;
use ports::sql::{Statement, StatementResult};
use ports::{PortError, Sql};

use crate::NativeSql;

/// Tables that stay small whatever the traffic, which a plan may read whole.
const BOUNDED_TABLES: &[&str] = &["schema_version"];

/// [`NativeSql`] with each statement's plan checked before it runs.
pub struct PlanCheckedSql {
    inner: Rc<NativeSql>,
    checked: RefCell<HashSet<String>>,
}

impl PlanCheckedSql {
    /// Checks the plans of what runs on `inner`.
    pub fn new(inner: Rc<NativeSql>) -> Self {
        Self { inner, checked: RefCell::new(HashSet::new()) }
    }

    /// Panics (failing the test) if `statement` scans a table that grows.
    fn check(&self, statement: &Statement) {
        if !is_query(&statement.sql) || self.checked.borrow().contains(&statement.sql) {
            return;
        }
        let scans = self.inner.full_scans(statement);
        let grows: Vec<String> = scans.into_iter().filter(|t| !BOUNDED_TABLES.contains(&t.as_str())).collect();
        assert!(
            grows.is_empty(),
            "this statement reads the whole of {grows:?} (no index serves it); add an index or change the query:\n{}",
            statement.sql
        );
        self.checked.borrow_mut().insert(statement.sql.clone());
    }
}

/// Statements with a plan worth checking: reads and writes, not DDL or transaction control.
fn is_query(sql: &str) -> bool {
    let first = sql.trim_start().split(|c: char| !c.is_ascii_alphabetic()).find(|w| !w.is_empty()).unwrap_or("");
    ["SELECT", "INSERT", "UPDATE", "DELETE", "REPLACE", "WITH"].iter().any(|w| first.eq_ignore_ascii_case(w))
}

#[async_trait(?Send)]
impl Sql for PlanCheckedSql {
    async fn run(&self, statement: &Statement) -> Result<StatementResult, PortError> {
        self.check(statement);
        self.inner.run(statement).await
    }

    async fn batch(&self, statements: &[Statement]) -> Result<Vec<StatementResult>, PortError> {
        statements.iter().for_each(|s| self.check(s));
        self.inner.batch(statements).await
    }

    async fn batch_read(&self, statements: &[Statement]) -> Result<Vec<StatementResult>, PortError> {
        statements.iter().for_each(|s| self.check(s));
        self.inner.batch_read(statements).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_scan_of_a_growing_table_fails_and_indexed_reads_pass() {
        let sql = PlanCheckedSql::new(NativeSql::migrated().await);
        for passes in [
            Statement::new("SELECT id FROM orders WHERE id = ?1").bind("x"),
            Statement::new("SELECT id FROM orders WHERE user_id = ?1 ORDER BY created_at").bind("u"),
            Statement::new("SELECT MAX(version) AS v FROM schema_version"),
            Statement::new("SELECT u.roles FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ?1").bind("s"),
        ] {
            sql.check(&passes);
        }
        for fails in [
            Statement::new("SELECT id FROM orders WHERE currency = ?1").bind("EUR"),
            Statement::new("SELECT o.id FROM orders o WHERE o.currency = ?1").bind("EUR"),
        ] {
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| sql.check(&fails)));
            let message = outcome.err().and_then(|p| p.downcast_ref::<String>().cloned()).expect("a full scan panics");
            assert!(message.contains("[\"orders\"]"), "{message}");
        }
    }
}
