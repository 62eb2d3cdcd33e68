//! Interleavings for tests: [`RacedSql`] puts another request's write between a handler's reads
//! and its batch, the interleaving that optimistic guards (`WHERE version = ?`) exist for;
//! [`YieldingSql`] lets concurrent requests take turns at every statement, as they do against a
//! real database.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use async_trait::async_trait;
use web::ports::sql::{Statement, StatementResult};
use web::ports::{Platform, PortError, Sql, Timer};

/// SQL where `other_request` commits just before one of this request's batches.
pub struct RacedSql {
    inner: Rc<dyn Sql>,
    other_request: RefCell<Option<Statement>>,
    /// Text the batch's first statement starts with; empty: the first batch.
    batch_prefix: &'static str,
}

impl RacedSql {
    /// `platform` with its SQL wrapped so that `other_request` runs right before the first batch.
    pub fn platform(platform: Platform, other_request: Statement) -> Platform {
        Self::before_batch(platform, "", other_request)
    }

    /// `platform` with its SQL wrapped so that `other_request` runs right before the first
    /// batch whose first statement starts with `batch_prefix` (say, `"INSERT INTO sessions"`).
    pub fn before_batch(mut platform: Platform, batch_prefix: &'static str, other_request: Statement) -> Platform {
        platform.sql = Rc::new(Self {
            inner: platform.sql.clone(),
            other_request: RefCell::new(Some(other_request)),
            batch_prefix,
        });
        platform
    }
}

#[async_trait(?Send)]
impl Sql for RacedSql {
    async fn run(&self, statement: &Statement) -> Result<StatementResult, PortError> {
        self.inner.run(statement).await
    }

    async fn batch(&self, statements: &[Statement]) -> Result<Vec<StatementResult>, PortError> {
        let targeted = statements.first().is_some_and(|first| first.sql.starts_with(self.batch_prefix));
        if targeted && let Some(other) = self.other_request.take() {
            self.inner.run(&other).await?;
        }
        self.inner.batch(statements).await
    }
}

/// SQL that yields to the executor before every statement or batch, so that requests run
/// concurrently (`tokio::join!`) interleave at each database call instead of each finishing
/// before the next starts (the native database answers at once).
pub struct YieldingSql {
    inner: Rc<dyn Sql>,
    timer: Rc<dyn Timer>,
}

impl YieldingSql {
    /// `platform` with its SQL wrapped; yields through the platform's (test) timer.
    pub fn platform(mut platform: Platform) -> Platform {
        platform.sql = Rc::new(Self { inner: platform.sql.clone(), timer: platform.timer.clone() });
        platform
    }
}

#[async_trait(?Send)]
impl Sql for YieldingSql {
    async fn run(&self, statement: &Statement) -> Result<StatementResult, PortError> {
        self.timer.sleep(Duration::ZERO).await;
        self.inner.run(statement).await
    }

    async fn batch(&self, statements: &[Statement]) -> Result<Vec<StatementResult>, PortError> {
        self.timer.sleep(Duration::ZERO).await;
        self.inner.batch(statements).await
    }
}
