//! The SQL port contract on the native adapter, and the migration runner Spin also uses.

use adapter_native::NativeSql;
use web::ports::sql::{MAX_SAFE_INTEGER, Statement, Value};
use web::ports::{PortErrorKind, Sql};

async fn table() -> NativeSql {
    let sql = NativeSql::empty();
    sql.run(&Statement::new("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL, data BLOB)"))
        .await
        .unwrap();
    sql
}

#[tokio::test]
async fn run_reports_rows_changes_and_insert_ids() {
    let sql = table().await;
    let insert =
        sql.run(&Statement::new("INSERT INTO t (name, data) VALUES (?1, ?2)").bind("a").bind(vec![0u8, 255])).await;
    let insert = insert.unwrap();
    assert_eq!(insert.rows_affected, 1);
    assert_eq!(insert.last_insert_id, Some(1));
    let rows = sql.query(&Statement::new("SELECT id, name, data FROM t WHERE name = ?1").bind("a")).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].get::<i64>("id").unwrap(), 1);
    assert_eq!(rows[0].get::<Vec<u8>>("data").unwrap(), vec![0, 255]);
    let select = sql.run(&Statement::new("SELECT 1")).await.unwrap();
    assert_eq!(select.rows_affected, 0, "reads report no changes");
}

#[tokio::test]
async fn constraint_violations_have_their_own_kind() {
    let sql = table().await;
    sql.run(&Statement::new("INSERT INTO t (name) VALUES ('a')")).await.unwrap();
    let error = sql.run(&Statement::new("INSERT INTO t (name) VALUES ('a')")).await.unwrap_err();
    assert_eq!(error.kind, PortErrorKind::Constraint);
}

#[tokio::test]
async fn a_failing_batch_changes_nothing() {
    let sql = table().await;
    let batch = [
        Statement::new("INSERT INTO t (name) VALUES ('x')"),
        Statement::new("INSERT INTO t (name) VALUES ('y')"),
        Statement::new("INSERT INTO t (name) VALUES ('x')"),
    ];
    assert_eq!(sql.batch(&batch).await.unwrap_err().kind, PortErrorKind::Constraint);
    let count = sql.query_optional(&Statement::new("SELECT COUNT(*) AS n FROM t")).await.unwrap().unwrap();
    assert_eq!(count.get::<i64>("n").unwrap(), 0);
    let ok = sql.batch(&batch[..2]).await.unwrap();
    assert_eq!(ok.len(), 2);
    assert_eq!(ok[1].last_insert_id, Some(2));
}

#[tokio::test]
async fn integers_d1_cannot_hold_are_refused_everywhere() {
    let sql = table().await;
    let error = sql
        .run(&Statement::new("INSERT INTO t (id, name) VALUES (?1, 'big')").bind(MAX_SAFE_INTEGER + 1))
        .await
        .unwrap_err();
    assert_eq!(error.kind, PortErrorKind::InvalidInput);
    let fits = sql.run(&Statement::new("SELECT ?1 AS v").bind(MAX_SAFE_INTEGER)).await.unwrap();
    assert_eq!(fits.rows[0].value("v"), Some(&Value::Integer(MAX_SAFE_INTEGER)));
}

#[tokio::test]
async fn migrations_apply_once_and_are_idempotent() {
    let sql = NativeSql::empty();
    assert_eq!(migrations::current_version(&sql).await.unwrap_err().kind, PortErrorKind::Other);
    let latest = migrations::latest_version();
    assert_eq!(migrations::apply_pending(&sql).await.unwrap(), latest);
    assert_eq!(migrations::apply_pending(&sql).await.unwrap(), latest, "second run is a no-op");
    assert_eq!(migrations::current_version(&sql).await.unwrap(), latest);
}

/// Answers the first schema-version read with "no version", as if another instance were
/// migrating at the same moment, then behaves normally.
struct StaleFirstRead {
    inner: std::rc::Rc<NativeSql>,
    stale: std::cell::Cell<bool>,
}

#[async_trait::async_trait(?Send)]
impl Sql for StaleFirstRead {
    async fn run(&self, statement: &Statement) -> Result<web::ports::sql::StatementResult, web::ports::PortError> {
        if statement.sql.contains("MAX(version)") && self.stale.replace(false) {
            return self.inner.run(&Statement::new("SELECT NULL AS version")).await;
        }
        self.inner.run(statement).await
    }

    async fn batch(
        &self,
        statements: &[Statement],
    ) -> Result<Vec<web::ports::sql::StatementResult>, web::ports::PortError> {
        self.inner.batch(statements).await
    }
}

#[tokio::test]
async fn a_migration_applied_by_a_racing_instance_is_not_an_error() {
    let racing = StaleFirstRead { inner: NativeSql::migrated().await, stale: std::cell::Cell::new(true) };
    assert_eq!(migrations::apply_pending(&racing).await.unwrap(), migrations::latest_version());
}

#[tokio::test]
async fn a_failing_migration_is_reported_by_file_name() {
    let sql = NativeSql::empty();
    sql.run(&Statement::new("CREATE TABLE schema_version (unexpected TEXT)")).await.unwrap();
    let error = migrations::apply_pending(&sql).await.unwrap_err();
    assert!(error.message.contains("0001_"), "names the failing file: {error}");
}
