//! Money: integer minor units with an ISO 4217 currency. Never floats.
//!
//! v1 of the API shows `price_minor: 1234, currency: "EUR"`; v2 shows
//! `{"amount": "12.34", "currency": "EUR"}`, a decimal string with the currency's own number of
//! decimals (JPY 0, EUR 2, KWD 3).

use serde::{Deserialize, Serialize};

/// The largest amount accepted for one price: 10^12 − 1 minor units. With at most 100 units per
/// line and 50 lines an order total stays below 2^53, which D1 stores exactly.
pub const MAX_PRICE_MINOR: i64 = 999_999_999_999;

/// An ISO 4217 currency and its minor-unit exponent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Currency {
    /// The three-letter code.
    pub code: &'static str,
    /// Digits after the decimal point.
    pub exponent: u32,
}

/// Active ISO 4217 currencies with a non-default exponent, then the common two-decimal ones.
const CURRENCIES: &[(&str, u32)] = &[
    ("BIF", 0),
    ("CLP", 0),
    ("DJF", 0),
    ("GNF", 0),
    ("ISK", 0),
    ("JPY", 0),
    ("KMF", 0),
    ("KRW", 0),
    ("PYG", 0),
    ("RWF", 0),
    ("UGX", 0),
    ("UYI", 0),
    ("VND", 0),
    ("VUV", 0),
    ("XAF", 0),
    ("XOF", 0),
    ("XPF", 0),
    ("BHD", 3),
    ("IQD", 3),
    ("JOD", 3),
    ("KWD", 3),
    ("LYD", 3),
    ("OMR", 3),
    ("TND", 3),
    ("AED", 2),
    ("ARS", 2),
    ("AUD", 2),
    ("BGN", 2),
    ("BRL", 2),
    ("CAD", 2),
    ("CHF", 2),
    ("CNY", 2),
    ("COP", 2),
    ("CZK", 2),
    ("DKK", 2),
    ("EGP", 2),
    ("EUR", 2),
    ("GBP", 2),
    ("HKD", 2),
    ("HUF", 2),
    ("IDR", 2),
    ("ILS", 2),
    ("INR", 2),
    ("MAD", 2),
    ("MXN", 2),
    ("MYR", 2),
    ("NGN", 2),
    ("NOK", 2),
    ("NZD", 2),
    ("PEN", 2),
    ("PHP", 2),
    ("PKR", 2),
    ("PLN", 2),
    ("RON", 2),
    ("RSD", 2),
    ("RUB", 2),
    ("SAR", 2),
    ("SEK", 2),
    ("SGD", 2),
    ("THB", 2),
    ("TRY", 2),
    ("TWD", 2),
    ("UAH", 2),
    ("USD", 2),
    ("ZAR", 2),
];

/// The currency with this code (exact, upper case), if supported.
pub fn currency(code: &str) -> Option<Currency> {
    CURRENCIES.iter().find(|(c, _)| *c == code).map(|(code, exponent)| Currency { code, exponent: *exponent })
}

/// A v2 money value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Amount {
    /// Decimal string, e.g. `"12.34"`.
    pub amount: String,
    /// ISO 4217 code.
    pub currency: String,
}

impl Amount {
    /// Renders `minor` units of `currency`.
    pub fn new(minor: i64, currency: Currency) -> Self {
        Self { amount: format_decimal(minor, currency.exponent), currency: currency.code.to_owned() }
    }

    /// The amount in minor units, validating currency and precision.
    pub fn to_minor(&self) -> Result<(i64, Currency), MoneyError> {
        let currency = currency(&self.currency).ok_or(MoneyError::UnknownCurrency)?;
        Ok((parse_decimal(&self.amount, currency.exponent)?, currency))
    }
}

/// Why a money value was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoneyError {
    /// Not a supported ISO 4217 code.
    UnknownCurrency,
    /// Not a plain decimal (`12.34`).
    Malformed,
    /// More decimals than the currency has.
    TooPrecise,
    /// Negative or above [`MAX_PRICE_MINOR`].
    OutOfRange,
}

impl MoneyError {
    /// A sentence for a 422 detail.
    pub fn describe(self) -> &'static str {
        match self {
            MoneyError::UnknownCurrency => "currency must be a supported ISO 4217 code such as EUR",
            MoneyError::Malformed => "amount must be a decimal string such as \"12.34\"",
            MoneyError::TooPrecise => "amount has more decimals than the currency allows",
            MoneyError::OutOfRange => "amount must be between 0 and 999999999999 minor units",
        }
    }
}

/// `minor` units as a decimal string with `exponent` decimals (`1234, 2` → `"12.34"`).
pub fn format_decimal(minor: i64, exponent: u32) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let digits = minor.unsigned_abs();
    if exponent == 0 {
        return format!("{sign}{digits}");
    }
    let scale = 10u64.pow(exponent);
    format!("{sign}{}.{:0width$}", digits / scale, digits % scale, width = exponent as usize)
}

/// Parses a non-negative decimal string into minor units, exactly (no floating point).
pub fn parse_decimal(text: &str, exponent: u32) -> Result<i64, MoneyError> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits_only = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits_only(whole) || !digits_only(fraction) || (text.contains('.') && fraction.is_empty())
    {
        return Err(MoneyError::Malformed);
    }
    if fraction.len() > exponent as usize {
        return Err(MoneyError::TooPrecise);
    }
    if whole.len() > 15 {
        return Err(MoneyError::OutOfRange);
    }
    let scale = 10i64.pow(exponent);
    let whole: i64 = whole.parse().map_err(|_| MoneyError::Malformed)?;
    let fraction: i64 = if fraction.is_empty() {
        0
    } else {
        fraction.parse::<i64>().map_err(|_| MoneyError::Malformed)? * 10i64.pow(exponent - fraction.len() as u32)
    };
    let minor = whole.checked_mul(scale).and_then(|w| w.checked_add(fraction)).ok_or(MoneyError::OutOfRange)?;
    check_price(minor)
}

/// Accepts `0..=MAX_PRICE_MINOR`.
pub fn check_price(minor: i64) -> Result<i64, MoneyError> {
    if (0..=MAX_PRICE_MINOR).contains(&minor) { Ok(minor) } else { Err(MoneyError::OutOfRange) }
}

/// `unit × quantity`, or `None` beyond what SQL stores exactly (2^53; D1's limit).
pub fn line_total(unit_minor: i64, quantity: i64) -> Option<i64> {
    unit_minor.checked_mul(quantity).filter(|total| storable(*total))
}

/// The sum of line totals, or `None` beyond what SQL stores exactly (2^53; D1's limit).
pub fn order_total(lines: impl IntoIterator<Item = (i64, i64)>) -> Option<i64> {
    lines
        .into_iter()
        .try_fold(0i64, |sum, (unit, quantity)| sum.checked_add(line_total(unit, quantity)?))
        .filter(|total| storable(*total))
}

/// Whether `minor` survives a round trip through D1 (which reads integers as doubles).
fn storable(minor: i64) -> bool {
    minor.unsigned_abs() <= web::ports::sql::MAX_SAFE_INTEGER as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_the_currency_exponent() {
        assert_eq!(format_decimal(1234, 2), "12.34");
        assert_eq!(format_decimal(5, 2), "0.05");
        assert_eq!(format_decimal(-5, 2), "-0.05");
        assert_eq!(format_decimal(1234, 0), "1234");
        assert_eq!(format_decimal(1234, 3), "1.234");
        assert_eq!(
            Amount::new(999, currency("EUR").unwrap()),
            Amount { amount: "9.99".into(), currency: "EUR".into() }
        );
    }

    #[test]
    fn parses_exactly_or_refuses() {
        assert_eq!(parse_decimal("12.34", 2), Ok(1234));
        assert_eq!(parse_decimal("12.3", 2), Ok(1230));
        assert_eq!(parse_decimal("12", 2), Ok(1200));
        assert_eq!(parse_decimal("0.10", 2), Ok(10));
        assert_eq!(parse_decimal("1234", 0), Ok(1234));
        assert_eq!(parse_decimal("1.234", 3), Ok(1234));
        assert_eq!(parse_decimal("12.345", 2), Err(MoneyError::TooPrecise));
        assert_eq!(parse_decimal("1.5", 0), Err(MoneyError::TooPrecise));
        for bad in ["", ".5", "5.", "-1.00", "1e3", "1,00", " 1.00", "0x10", "１"] {
            assert_eq!(parse_decimal(bad, 2), Err(MoneyError::Malformed), "{bad}");
        }
        assert_eq!(parse_decimal("9999999999.99", 2), Ok(999_999_999_999));
        assert_eq!(parse_decimal("10000000000.00", 2), Err(MoneyError::OutOfRange));
        assert_eq!(parse_decimal("99999999999999999999", 2), Err(MoneyError::OutOfRange));
    }

    #[test]
    fn round_trips_every_currency() {
        for (code, _) in CURRENCIES {
            let c = currency(code).unwrap();
            for minor in [0, 1, 99, 100, 123_456, MAX_PRICE_MINOR] {
                assert_eq!(Amount::new(minor, c).to_minor(), Ok((minor, c)));
            }
        }
        assert_eq!(currency("eur"), None);
        assert_eq!(currency("XXX"), None);
    }

    #[test]
    fn totals_are_checked_integer_arithmetic() {
        assert_eq!(order_total([(1999, 3), (1, 1)]), Some(5998));
        assert_eq!(order_total([]), Some(0));
        assert_eq!(order_total([(i64::MAX, 2)]), None);
        assert_eq!(order_total([(i64::MAX, 1), (1, 1)]), None);
        // The documented bound: 50 lines of 100 units at the maximum price stay exact in D1.
        let worst = order_total((0..50).map(|_| (MAX_PRICE_MINOR, 100))).unwrap();
        assert!(worst < web::ports::sql::MAX_SAFE_INTEGER);
        // Larger configured limits meet the bound as a refusal (422), not a failed write.
        assert_eq!(line_total(MAX_PRICE_MINOR, 10_000), None);
        assert_eq!(order_total((0..100).map(|_| (MAX_PRICE_MINOR, 100))), None);
    }
}
