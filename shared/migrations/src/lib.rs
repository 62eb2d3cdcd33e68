//! The project's SQL migrations (`/migrations/NNNN_name.sql`), embedded at build time.
//!
//! Cloudflare applies the files with `wrangler d1 migrations apply` (tracked in `d1_migrations`).
//! Spin has no migration tool, so its adapter calls [`apply_pending`] on the first SQL use of
//! an instance; native tests do the same. Both track progress in `schema_version`, which every
//! migration fills with its own number: that is also what `GET /ready` checks.

mod split;

use ports::{PortError, Sql, sql::Statement};

pub use split::split_statements;

/// One migration file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Migration {
    /// Its number (`0003_orders.sql` → 3).
    pub version: u32,
    /// The file name.
    pub name: &'static str,
    /// The file's SQL.
    pub sql: &'static str,
}

include!(concat!(env!("OUT_DIR"), "/migrations.rs"));

/// The schema version this build expects.
pub fn latest_version() -> u32 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// The database's schema version: `MAX(version)` of `schema_version`.
pub async fn current_version(sql: &dyn Sql) -> Result<u32, PortError> {
    let row = sql.query_optional(&Statement::new("SELECT MAX(version) AS version FROM schema_version")).await?;
    let version: Option<i64> = match row {
        Some(row) => row.get("version")?,
        None => None,
    };
    Ok(version.map_or(0, |v| u32::try_from(v).unwrap_or(0)))
}

/// Applies every migration newer than the database, each as one atomic batch.
///
/// Safe to race: if another instance applies the same migration first, this one's batch
/// fails on the `schema_version` key, rolls back, and the version check afterwards succeeds.
/// Returns the version reached.
pub async fn apply_pending(sql: &dyn Sql) -> Result<u32, PortError> {
    // A missing `schema_version` table means a fresh database.
    let start = current_version(sql).await.unwrap_or(0);
    let mut version = start;
    for migration in MIGRATIONS.iter().filter(|m| m.version > start) {
        let statements: Vec<Statement> = split_statements(migration.sql).into_iter().map(Statement::new).collect();
        if let Err(error) = sql.batch(&statements).await
            && current_version(sql).await.unwrap_or(0) < migration.version
        {
            return Err(PortError::new(error.kind, format!("migration {}: {}", migration.name, error.message)));
        }
        version = migration.version;
    }
    Ok(version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_embedded_in_order() {
        assert!(!MIGRATIONS.is_empty());
        for (index, migration) in MIGRATIONS.iter().enumerate() {
            assert_eq!(migration.version as usize, index + 1);
            assert!(migration.name.ends_with(".sql"));
        }
        assert_eq!(latest_version(), MIGRATIONS.len() as u32);
    }

    #[test]
    fn every_migration_records_its_own_version() {
        for migration in MIGRATIONS {
            let needle = format!("INSERT INTO schema_version (version) VALUES ({})", migration.version);
            assert!(migration.sql.contains(&needle), "{} must end with `{needle};`", migration.name);
        }
    }
}
