//! SQL values to and from the JavaScript values D1 takes and returns.

use js_sys::{Array, ArrayBuffer, Uint8Array};
use ports::PortError;
use ports::sql::{MAX_SAFE_INTEGER, Value};
use wasm_bindgen::{JsCast, JsValue};

/// A bind parameter for D1. Integers go as JS numbers (not BigInt, which D1 refuses; the port
/// already refused values beyond 2^53), blobs as `Uint8Array`.
pub fn to_js(value: &Value) -> JsValue {
    match value {
        Value::Null => JsValue::NULL,
        Value::Integer(v) => JsValue::from_f64(*v as f64),
        Value::Real(v) => JsValue::from_f64(*v),
        Value::Text(v) => JsValue::from_str(v),
        Value::Blob(v) => Uint8Array::from(v.as_slice()).into(),
    }
}

/// A column value from D1. Numbers that are exact integers become [`Value::Integer`] (D1 does
/// not say which column type a number came from); blobs arrive as arrays of byte numbers.
pub fn from_js(value: &JsValue) -> Result<Value, PortError> {
    if value.is_null() || value.is_undefined() {
        return Ok(Value::Null);
    }
    if let Some(number) = value.as_f64() {
        return Ok(if number.fract() == 0.0 && number.abs() <= MAX_SAFE_INTEGER as f64 {
            Value::Integer(number as i64)
        } else {
            Value::Real(number)
        });
    }
    if let Some(text) = value.as_string() {
        return Ok(Value::Text(text));
    }
    if let Some(flag) = value.as_bool() {
        return Ok(Value::Integer(i64::from(flag)));
    }
    if Array::is_array(value) {
        let bytes = Array::from(value)
            .iter()
            .map(|b| b.as_f64().filter(|n| (0.0..=255.0).contains(n) && n.fract() == 0.0).map(|n| n as u8))
            .collect::<Option<Vec<u8>>>()
            .ok_or_else(|| PortError::decode("D1 returned an array that is not a blob"))?;
        return Ok(Value::Blob(bytes));
    }
    if let Some(view) = value.dyn_ref::<Uint8Array>() {
        return Ok(Value::Blob(view.to_vec()));
    }
    if let Some(buffer) = value.dyn_ref::<ArrayBuffer>() {
        return Ok(Value::Blob(Uint8Array::new(buffer).to_vec()));
    }
    Err(PortError::decode(format!("D1 returned an unsupported value: {value:?}")))
}
