//! Relational storage: parameterised statements, typed rows, atomic batches.
//!
//! The dialect is SQLite (D1 and Spin both run it). Bind values with `?1`, `?2`, ...;
//! never format values into SQL text.

use std::rc::Rc;

use async_trait::async_trait;

use crate::PortError;

/// The largest integer D1 returns exactly: it hands values to JavaScript as `f64`.
/// Adapters refuse to bind integers outside `-MAX_SAFE_INTEGER..=MAX_SAFE_INTEGER`, so a
/// value that would come back rounded is never written. Store larger numbers as TEXT.
pub const MAX_SAFE_INTEGER: i64 = (1 << 53) - 1;

/// A SQLite value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// A 64-bit integer (but see [`MAX_SAFE_INTEGER`]).
    Integer(i64),
    /// A double.
    Real(f64),
    /// UTF-8 text.
    Text(String),
    /// Raw bytes.
    Blob(Vec<u8>),
}

impl Value {
    /// The SQLite type name of this value (`null`, `integer`, `real`, `text`, `blob`).
    /// Used in decode errors instead of `Debug`, which would pull float formatting into
    /// the wasm binaries.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Integer(_) => "integer",
            Value::Real(_) => "real",
            Value::Text(_) => "text",
            Value::Blob(_) => "blob",
        }
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Integer(v)
    }
}
impl From<i32> for Value {
    fn from(v: i32) -> Self {
        Value::Integer(i64::from(v))
    }
}
impl From<u32> for Value {
    fn from(v: u32) -> Self {
        Value::Integer(i64::from(v))
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Integer(i64::from(v))
    }
}
impl From<f64> for Value {
    fn from(v: f64) -> Self {
        Value::Real(v)
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_owned())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}
impl From<Vec<u8>> for Value {
    fn from(v: Vec<u8>) -> Self {
        Value::Blob(v)
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// Converts a column value into a Rust type.
pub trait FromValue: Sized {
    /// Converts `value`, or explains why it cannot.
    fn from_value(value: &Value) -> Result<Self, String>;
}

impl FromValue for Value {
    fn from_value(value: &Value) -> Result<Self, String> {
        Ok(value.clone())
    }
}

impl FromValue for i64 {
    fn from_value(value: &Value) -> Result<Self, String> {
        match value {
            Value::Integer(v) => Ok(*v),
            // D1 returns every number as a double; accept the ones that are exact integers.
            Value::Real(v) if v.fract() == 0.0 && v.abs() <= MAX_SAFE_INTEGER as f64 => Ok(*v as i64),
            other => Err(format!("expected integer, found {}", other.type_name())),
        }
    }
}

impl FromValue for bool {
    fn from_value(value: &Value) -> Result<Self, String> {
        i64::from_value(value).map(|v| v != 0)
    }
}

impl FromValue for f64 {
    fn from_value(value: &Value) -> Result<Self, String> {
        match value {
            Value::Real(v) => Ok(*v),
            Value::Integer(v) => Ok(*v as f64),
            other => Err(format!("expected real, found {}", other.type_name())),
        }
    }
}

impl FromValue for String {
    fn from_value(value: &Value) -> Result<Self, String> {
        match value {
            Value::Text(v) => Ok(v.clone()),
            other => Err(format!("expected text, found {}", other.type_name())),
        }
    }
}

impl FromValue for Vec<u8> {
    fn from_value(value: &Value) -> Result<Self, String> {
        match value {
            Value::Blob(v) => Ok(v.clone()),
            other => Err(format!("expected blob, found {}", other.type_name())),
        }
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(value: &Value) -> Result<Self, String> {
        match value {
            Value::Null => Ok(None),
            other => T::from_value(other).map(Some),
        }
    }
}

/// A SQL statement and its bound parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// SQL text with `?N` placeholders.
    pub sql: String,
    /// Values for the placeholders, in order.
    pub params: Vec<Value>,
}

impl Statement {
    /// A statement without parameters.
    pub fn new(sql: impl Into<String>) -> Self {
        Self { sql: sql.into(), params: Vec::new() }
    }

    /// Appends a parameter (builder style).
    pub fn bind(mut self, value: impl Into<Value>) -> Self {
        self.params.push(value.into());
        self
    }
}

/// One result row. Columns are looked up by name.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    columns: Rc<[String]>,
    values: Vec<Value>,
}

impl Row {
    /// Builds a row; `values` must line up with `columns`.
    pub fn new(columns: Rc<[String]>, values: Vec<Value>) -> Self {
        debug_assert_eq!(columns.len(), values.len());
        Self { columns, values }
    }

    /// The column names.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The raw value of `column`, if the row has it.
    pub fn value(&self, column: &str) -> Option<&Value> {
        let index = self.columns.iter().position(|c| c == column)?;
        self.values.get(index)
    }

    /// The value of `column` converted to `T`.
    pub fn get<T: FromValue>(&self, column: &str) -> Result<T, PortError> {
        let value = self.value(column).ok_or_else(|| PortError::decode(format!("no column `{column}` in result")))?;
        T::from_value(value).map_err(|e| PortError::decode(format!("column `{column}`: {e}")))
    }
}

/// What running one statement produced.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatementResult {
    /// Rows returned (by `SELECT` or `RETURNING`).
    pub rows: Vec<Row>,
    /// Rows inserted, updated or deleted.
    pub rows_affected: u64,
    /// The rowid of the last insert, when the backend reports it.
    pub last_insert_id: Option<i64>,
}

/// A SQLite database.
#[async_trait(?Send)]
pub trait Sql {
    /// Runs one statement.
    async fn run(&self, statement: &Statement) -> Result<StatementResult, PortError>;

    /// Runs `statements` in order as one transaction: all apply or none does.
    async fn batch(&self, statements: &[Statement]) -> Result<Vec<StatementResult>, PortError>;

    /// Runs read-only `statements` in order, in one round trip where the backend charges one
    /// per call (D1 sends them as one batch), with no promise beyond each statement's own
    /// consistency. The default runs them one after the other, which is what an in-process
    /// database (Spin's SQLite, rusqlite) does best: no transaction, no write lock.
    async fn batch_read(&self, statements: &[Statement]) -> Result<Vec<StatementResult>, PortError> {
        let mut results = Vec::with_capacity(statements.len());
        for statement in statements {
            results.push(self.run(statement).await?);
        }
        Ok(results)
    }

    /// Runs a query and returns its rows.
    async fn query(&self, statement: &Statement) -> Result<Vec<Row>, PortError> {
        Ok(self.run(statement).await?.rows)
    }

    /// Runs a query expected to return at most one row.
    async fn query_optional(&self, statement: &Statement) -> Result<Option<Row>, PortError> {
        Ok(self.run(statement).await?.rows.into_iter().next())
    }
}

/// Refuses integers that D1 would round; every adapter applies it so tests see what D1 sees.
pub fn check_params(params: &[Value]) -> Result<(), PortError> {
    for (index, value) in params.iter().enumerate() {
        if let Value::Integer(v) = value
            && v.unsigned_abs() > MAX_SAFE_INTEGER as u64
        {
            return Err(PortError::invalid_input(format!(
                "parameter ?{} = {v} exceeds 2^53-1, which D1 cannot store exactly; bind it as text",
                index + 1
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(pairs: &[(&str, Value)]) -> Row {
        let columns: Rc<[String]> = pairs.iter().map(|(c, _)| (*c).to_owned()).collect();
        Row::new(columns, pairs.iter().map(|(_, v)| v.clone()).collect())
    }

    #[test]
    fn integers_come_back_from_d1_doubles() {
        let r = row(&[("n", Value::Real(42.0)), ("f", Value::Real(1.5))]);
        assert_eq!(r.get::<i64>("n").unwrap(), 42);
        assert!(r.get::<i64>("f").is_err());
    }

    #[test]
    fn missing_columns_and_nulls_are_explicit() {
        let r = row(&[("a", Value::Null)]);
        assert_eq!(r.get::<Option<String>>("a").unwrap(), None);
        assert!(r.get::<String>("a").is_err());
        assert_eq!(r.get::<i64>("zzz").unwrap_err().kind, crate::PortErrorKind::Decode);
    }

    #[test]
    fn unsafe_integers_are_refused_before_reaching_d1() {
        assert!(check_params(&[Value::Integer(MAX_SAFE_INTEGER)]).is_ok());
        assert!(check_params(&[Value::Integer(-MAX_SAFE_INTEGER)]).is_ok());
        let err = check_params(&[Value::Null, Value::Integer(MAX_SAFE_INTEGER + 1)]).unwrap_err();
        assert!(err.message.contains("?2"));
        assert!(check_params(&[Value::Integer(i64::MIN)]).is_err());
    }

    #[test]
    fn statement_builder_binds_in_order() {
        let s = Statement::new("SELECT ?1, ?2, ?3").bind(1_i64).bind("x").bind(None::<i64>);
        assert_eq!(s.params, vec![Value::Integer(1), Value::Text("x".into()), Value::Null]);
    }
}
