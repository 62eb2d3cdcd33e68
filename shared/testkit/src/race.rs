//! [`RacedSql`]: lets a test put another request's write between a handler's reads and its
//! batch, the interleaving that optimistic guards (`WHERE version = ?`) exist for.

use std::cell::RefCell;
use std::rc::Rc;

use async_trait::async_trait;
use web::ports::sql::{Statement, StatementResult};
use web::ports::{Platform, PortError, Sql};

/// SQL where `other_request` commits just before this request's first batch.
pub struct RacedSql {
    inner: Rc<dyn Sql>,
    other_request: RefCell<Option<Statement>>,
}

impl RacedSql {
    /// `platform` with its SQL wrapped so that `other_request` runs right before the first batch.
    pub fn platform(mut platform: Platform, other_request: Statement) -> Platform {
        platform.sql = Rc::new(Self { inner: platform.sql.clone(), other_request: RefCell::new(Some(other_request)) });
        platform
    }
}

#[async_trait(?Send)]
impl Sql for RacedSql {
    async fn run(&self, statement: &Statement) -> Result<StatementResult, PortError> {
        self.inner.run(statement).await
    }

    async fn batch(&self, statements: &[Statement]) -> Result<Vec<StatementResult>, PortError> {
        if let Some(other) = self.other_request.take() {
            self.inner.run(&other).await?;
        }
        self.inner.batch(statements).await
    }
}
