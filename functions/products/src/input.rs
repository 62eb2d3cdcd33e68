//! Request bodies of both versions, validated into one shape.

use rest::money::{Amount, check_price, currency};
use rest::versions::ApiVersion;
use serde::Deserialize;
use web::{Problem, Request};

/// Largest stock a product may hold.
pub const MAX_STOCK: i64 = 1_000_000;

/// A validated new product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProduct {
    /// SKU.
    pub sku: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Minor units.
    pub price_minor: i64,
    /// ISO 4217 code.
    pub currency: String,
    /// Units in stock.
    pub stock: i64,
}

/// Validated changes (absent fields stay as they are).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// New name.
    pub name: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New price and currency (they change together).
    pub price: Option<(i64, String)>,
    /// New stock level.
    pub stock: Option<i64>,
    /// Re-activate or deactivate.
    pub active: Option<bool>,
}

/// v1 create body: the price in integer minor units with its currency.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = CreateProductV1))]
pub(crate) struct CreateV1 {
    /// Stock-keeping unit, unique: 1-64 of `A-Z a-z 0-9 - _ .`.
    #[cfg_attr(feature = "openapi", schema(example = "TSHIRT-BLK-M", pattern = "^[A-Za-z0-9._-]{1,64}$"))]
    sku: String,
    /// Display name, 1-200 characters (trimmed).
    #[cfg_attr(feature = "openapi", schema(example = "T-shirt, black, M", min_length = 1, max_length = 200))]
    name: String,
    /// Longer text, at most 2000 characters (default empty).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(example = "Organic cotton, crew neck.", max_length = 2000))]
    description: String,
    /// Price in minor units of `currency` (1999 EUR = 19.99 €), 0-999999999999.
    #[cfg_attr(feature = "openapi", schema(example = 1999, minimum = 0, maximum = 999_999_999_999_i64))]
    price_minor: i64,
    /// Supported ISO 4217 code, upper case.
    #[cfg_attr(feature = "openapi", schema(example = "EUR", pattern = "^[A-Z]{3}$"))]
    currency: String,
    /// Units in stock, 0-1000000.
    #[cfg_attr(feature = "openapi", schema(example = 42, minimum = 0, maximum = 1_000_000))]
    stock: i64,
}

/// v2 create body: the price as a decimal `{amount, currency}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = CreateProductV2))]
pub(crate) struct CreateV2 {
    /// Stock-keeping unit, unique: 1-64 of `A-Z a-z 0-9 - _ .`.
    #[cfg_attr(feature = "openapi", schema(example = "TSHIRT-BLK-M", pattern = "^[A-Za-z0-9._-]{1,64}$"))]
    sku: String,
    /// Display name, 1-200 characters (trimmed).
    #[cfg_attr(feature = "openapi", schema(example = "T-shirt, black, M", min_length = 1, max_length = 200))]
    name: String,
    /// Longer text, at most 2000 characters (default empty).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(example = "Organic cotton, crew neck.", max_length = 2000))]
    description: String,
    /// Price: at most as many decimals as the currency has, 0 to 999999999999 minor units.
    #[cfg_attr(feature = "openapi", schema(value_type = rest::schemas::Money))]
    price: Amount,
    /// Units in stock, 0-1000000.
    #[cfg_attr(feature = "openapi", schema(example = 42, minimum = 0, maximum = 1_000_000))]
    stock: i64,
}

/// v1 patch body: send only the fields to change (at least one); absent or `null` keeps a field.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = PatchProductV1))]
pub(crate) struct PatchV1 {
    /// New display name, 1-200 characters.
    #[cfg_attr(feature = "openapi", schema(example = "T-shirt, black, M (organic)", min_length = 1, max_length = 200))]
    name: Option<String>,
    /// New description, at most 2000 characters.
    #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
    description: Option<String>,
    /// New price in minor units; alone it keeps the current currency.
    #[cfg_attr(feature = "openapi", schema(example = 2499, minimum = 0, maximum = 999_999_999_999_i64))]
    price_minor: Option<i64>,
    /// New currency: needs `price_minor` in the same request.
    #[cfg_attr(feature = "openapi", schema(example = "EUR", pattern = "^[A-Z]{3}$"))]
    currency: Option<String>,
    /// New stock level, 0-1000000.
    #[cfg_attr(feature = "openapi", schema(example = 40, minimum = 0, maximum = 1_000_000))]
    stock: Option<i64>,
    /// `true` re-activates a deactivated product; `false` deactivates it.
    #[cfg_attr(feature = "openapi", schema(example = true))]
    active: Option<bool>,
}

/// v2 patch body: send only the fields to change (at least one); absent or `null` keeps a field.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = PatchProductV2))]
pub(crate) struct PatchV2 {
    /// New display name, 1-200 characters.
    #[cfg_attr(feature = "openapi", schema(example = "T-shirt, black, M (organic)", min_length = 1, max_length = 200))]
    name: Option<String>,
    /// New description, at most 2000 characters.
    #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
    description: Option<String>,
    /// New price and currency (they change together).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<rest::schemas::Money>))]
    price: Option<Amount>,
    /// New stock level, 0-1000000.
    #[cfg_attr(feature = "openapi", schema(example = 40, minimum = 0, maximum = 1_000_000))]
    stock: Option<i64>,
    /// `true` re-activates a deactivated product; `false` deactivates it.
    #[cfg_attr(feature = "openapi", schema(example = true))]
    active: Option<bool>,
}

fn invalid(detail: impl Into<String>) -> Problem {
    Problem::unprocessable("invalid_product", detail)
}

fn check_sku(sku: &str) -> Result<String, Problem> {
    let valid = (1..=64).contains(&sku.len()) && sku.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    if valid { Ok(sku.to_owned()) } else { Err(invalid("`sku` must be 1-64 of A-Z a-z 0-9 - _ .")) }
}

fn check_name(name: &str) -> Result<String, Problem> {
    rest::text::display_name(name).ok_or_else(|| invalid("`name` needs 1-200 characters."))
}

fn check_description(text: &str) -> Result<String, Problem> {
    if text.chars().count() <= 2000 {
        Ok(text.to_owned())
    } else {
        Err(invalid("`description` may have at most 2000 characters."))
    }
}

fn check_stock(stock: i64) -> Result<i64, Problem> {
    if (0..=MAX_STOCK).contains(&stock) { Ok(stock) } else { Err(invalid("`stock` must be 0-1000000.")) }
}

fn check_money(minor: i64, code: &str) -> Result<(i64, String), Problem> {
    let currency =
        currency(code).ok_or_else(|| invalid("`currency` must be a supported ISO 4217 code such as EUR."))?;
    let minor = check_price(minor).map_err(|e| invalid(e.describe()))?;
    Ok((minor, currency.code.to_owned()))
}

fn check_amount(amount: &Amount) -> Result<(i64, String), Problem> {
    let (minor, currency) = amount.to_minor().map_err(|e| invalid(format!("`price`: {}.", e.describe())))?;
    Ok((minor, currency.code.to_owned()))
}

/// The create body of `version`, validated.
pub fn new_product(request: &Request, version: ApiVersion) -> Result<NewProduct, Problem> {
    let (sku, name, description, (price_minor, currency), stock) = match version {
        ApiVersion::V1 => {
            let body: CreateV1 = request.json()?;
            (body.sku, body.name, body.description, check_money(body.price_minor, &body.currency)?, body.stock)
        }
        ApiVersion::V2 => {
            let body: CreateV2 = request.json()?;
            (body.sku, body.name, body.description, check_amount(&body.price)?, body.stock)
        }
    };
    Ok(NewProduct {
        sku: check_sku(&sku)?,
        name: check_name(&name)?,
        description: check_description(&description)?,
        price_minor,
        currency,
        stock: check_stock(stock)?,
    })
}

/// The patch body of `version`, validated against the current price/currency.
pub fn changes(request: &Request, version: ApiVersion, current_currency: &str) -> Result<Changes, Problem> {
    let (name, description, price, stock, active) = match version {
        ApiVersion::V1 => {
            let body: PatchV1 = request.json()?;
            let price = match (body.price_minor, body.currency) {
                (None, None) => None,
                (minor, code) => {
                    let code = code.unwrap_or_else(|| current_currency.to_owned());
                    let minor = minor.ok_or_else(|| invalid("Changing `currency` needs `price_minor` too."))?;
                    Some(check_money(minor, &code)?)
                }
            };
            (body.name, body.description, price, body.stock, body.active)
        }
        ApiVersion::V2 => {
            let body: PatchV2 = request.json()?;
            (body.name, body.description, body.price.as_ref().map(check_amount).transpose()?, body.stock, body.active)
        }
    };
    let changes = Changes {
        name: name.as_deref().map(check_name).transpose()?,
        description: description.as_deref().map(check_description).transpose()?,
        price,
        stock: stock.map(check_stock).transpose()?,
        active,
    };
    if changes == Changes::default() {
        return Err(invalid("Send at least one field to change."));
    }
    Ok(changes)
}
