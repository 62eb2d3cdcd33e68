//! Documentation-only schemas shared by several resources (OpenAPI; not in wasm).

use utoipa::ToSchema;

/// A v2 money value: a decimal string in the currency's own number of decimals (JPY 0, EUR 2,
/// KWD 3), never a float. Documentation mirror of `rest::money::Amount`.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"amount": "19.99", "currency": "EUR"}))]
pub struct Money {
    /// Non-negative decimal string with at most as many decimals as the currency has.
    #[schema(example = "19.99", pattern = r"^[0-9]+(\.[0-9]+)?$")]
    pub amount: String,
    /// Supported ISO 4217 code, upper case.
    #[schema(example = "EUR", pattern = "^[A-Z]{3}$")]
    pub currency: String,
}
