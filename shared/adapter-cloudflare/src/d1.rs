//! SQL over Cloudflare D1.
//!
//! Statements run through D1's JavaScript API directly (`stmt.all()`, `db.batch()`), so one
//! result shape — `{ results: [row objects], meta: { changes, last_row_id } }` — serves both
//! single statements and batches.

use std::rc::Rc;

use async_trait::async_trait;
use js_sys::{Array, Function, Object, Promise, Reflect};
use ports::sql::{Row, Statement, StatementResult, Value, check_params};
use ports::{PortError, Sql};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::values::{from_js, to_js};

/// A D1 database binding, looked up per call so a missing binding is a 503, not a crash.
pub struct D1Sql {
    env: worker::Env,
    binding: &'static str,
}

impl D1Sql {
    /// The D1 binding `binding` of `env`.
    pub fn new(env: worker::Env, binding: &'static str) -> Self {
        Self { env, binding }
    }

    fn database(&self) -> Result<worker::D1Database, PortError> {
        self.env.d1(self.binding).map_err(|e| PortError::unavailable(format!("D1 binding {}: {e}", self.binding)))
    }

    fn prepare(database: &worker::D1Database, statement: &Statement) -> Result<JsValue, PortError> {
        check_params(&statement.params)?;
        let params: Array = statement.params.iter().map(to_js).collect();
        let prepared = database.prepare(statement.sql.as_str());
        let bound = prepared.bind(&params.to_vec()).map_err(|e| d1_error(&e.to_string()))?;
        Ok(bound.inner().clone().into())
    }
}

#[async_trait(?Send)]
impl Sql for D1Sql {
    async fn run(&self, statement: &Statement) -> Result<StatementResult, PortError> {
        let database = self.database()?;
        let prepared = Self::prepare(&database, statement)?;
        statement_result(&call(&prepared, "all", &Array::new()).await?)
    }

    /// D1 runs a batch as one transaction: if any statement fails, none apply.
    async fn batch(&self, statements: &[Statement]) -> Result<Vec<StatementResult>, PortError> {
        if statements.is_empty() {
            return Ok(Vec::new());
        }
        let database = self.database()?;
        let prepared = statements.iter().map(|s| Self::prepare(&database, s)).collect::<Result<Array, _>>()?;
        let results = call(database.as_ref(), "batch", &Array::of1(&prepared)).await?;
        Array::from(&results).iter().map(|result| statement_result(&result)).collect()
    }

    /// One D1 round trip for every read (a batch; a lone statement runs as itself).
    async fn batch_read(&self, statements: &[Statement]) -> Result<Vec<StatementResult>, PortError> {
        match statements {
            [single] => Ok(vec![self.run(single).await?]),
            _ => self.batch(statements).await,
        }
    }
}

/// Calls an async JavaScript method and awaits its promise.
async fn call(target: &JsValue, method: &str, args: &Array) -> Result<JsValue, PortError> {
    let function: Function = Reflect::get(target, &JsValue::from_str(method))
        .ok()
        .and_then(|f| f.dyn_into().ok())
        .ok_or_else(|| PortError::other(format!("D1 has no method {method}")))?;
    let promise = function.apply(target, args).map_err(|e| d1_error(&js_message(&e)))?;
    let promise: Promise =
        promise.dyn_into().map_err(|_| PortError::other(format!("D1 {method} returned no promise")))?;
    JsFuture::from(promise).await.map_err(|e| d1_error(&js_message(&e)))
}

/// Turns one D1 result object into rows plus write counts.
fn statement_result(result: &JsValue) -> Result<StatementResult, PortError> {
    let rows_js = Reflect::get(result, &JsValue::from_str("results")).unwrap_or(JsValue::UNDEFINED);
    let rows_js = if Array::is_array(&rows_js) { Array::from(&rows_js) } else { Array::new() };
    let mut rows = Vec::with_capacity(rows_js.length() as usize);
    if let Some(first) = rows_js.iter().next() {
        let names = Object::keys(first.unchecked_ref::<Object>());
        let columns: Rc<[String]> = names.iter().filter_map(|k| k.as_string()).collect();
        for row in rows_js.iter() {
            let values = names
                .iter()
                .map(|name| from_js(&Reflect::get(&row, &name).unwrap_or(JsValue::NULL)))
                .collect::<Result<Vec<Value>, _>>()?;
            rows.push(Row::new(Rc::clone(&columns), values));
        }
    }
    let meta = Reflect::get(result, &JsValue::from_str("meta")).unwrap_or(JsValue::UNDEFINED);
    let number = |name: &str| Reflect::get(&meta, &JsValue::from_str(name)).ok().and_then(|v| v.as_f64());
    Ok(StatementResult {
        rows,
        rows_affected: number("changes").map_or(0, |n| n as u64),
        last_insert_id: number("last_row_id").map(|n| n as i64),
    })
}

fn js_message(error: &JsValue) -> String {
    Reflect::get(error, &JsValue::from_str("message"))
        .ok()
        .and_then(|m| m.as_string())
        .or_else(|| error.as_string())
        .unwrap_or_else(|| format!("{error:?}"))
}

/// Classifies a D1 error message into a port error kind.
pub fn d1_error(message: &str) -> PortError {
    let lower = message.to_ascii_lowercase();
    if lower.contains("constraint failed") {
        PortError::constraint(message)
    } else if ["network", "overloaded", "timeout", "timed out", "reset", "unavailable", "storage caused object"]
        .iter()
        .any(|needle| lower.contains(needle))
    {
        PortError::unavailable(message)
    } else {
        PortError::other(message)
    }
}
