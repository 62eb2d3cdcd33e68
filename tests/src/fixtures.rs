//! Accounts and tokens the cases share or create, plus token forging with the test key.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

use ed25519_dalek::{Signer, SigningKey};
use reqwest::Method;
use serde_json::{Value, json};

use crate::Target;
use crate::client::{request, send};
use crate::secrets::{ADMIN_EMAIL, SIGNING_SEED};

/// The password every suite account uses (passes the policy).
pub const PASSWORD: &str = "contract suite passphrase 7";

/// Lazily created shared accounts of one target.
#[derive(Default)]
pub struct Fixtures {
    admin: OnceLock<Result<String, String>>,
    staff: OnceLock<Result<String, String>>,
}

/// A unique email for this run (`tag` names the case, for reading logs).
pub fn email(tag: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    format!("{tag}-{}-{}@contract.test", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed))
}

/// Registers `email`; returns the created user.
pub fn register(target: &Target, email: &str) -> Result<Value, String> {
    let response = send(
        request(Method::POST, &target.base_url, "/v1/auth/register")
            .json(&json!({"email": email, "password": PASSWORD})),
    )?;
    let status = response.status().as_u16();
    let body: Value = response.json().map_err(|e| e.to_string())?;
    if status == 201 { Ok(body) } else { Err(format!("register {email}: {status} {body}")) }
}

/// Signs in with the password grant; returns the token response (status, body).
pub fn sign_in(target: &Target, email: &str, password: &str) -> Result<(u16, Value), String> {
    let form = [("grant_type", "password"), ("username", email), ("password", password)];
    let response = send(request(Method::POST, &target.base_url, "/v1/auth/token").form(&form))?;
    let status = response.status().as_u16();
    Ok((status, response.json().map_err(|e| e.to_string())?))
}

/// A fresh customer: registers, signs in, returns (user, token response).
pub fn customer(target: &Target, tag: &str) -> Result<(Value, Value), String> {
    let email = email(tag);
    let user = register(target, &email)?;
    let (status, tokens) = sign_in(target, &email, PASSWORD)?;
    if status != 200 {
        return Err(format!("sign-in {email}: {status} {tokens}"));
    }
    Ok((user, tokens))
}

/// The bootstrap admin's access token (registered on first use).
pub fn admin_token(target: &Target) -> Result<String, String> {
    target
        .fixtures
        .admin
        .get_or_init(|| {
            // Another run against the same instance may have registered it already.
            let _ = register(target, ADMIN_EMAIL);
            let (status, tokens) = sign_in(target, ADMIN_EMAIL, PASSWORD)?;
            match tokens["access_token"].as_str() {
                Some(token) if status == 200 => Ok(token.to_owned()),
                _ => Err(format!("admin sign-in: {status} {tokens}")),
            }
        })
        .clone()
}

/// The access token of a token response.
pub fn access(tokens: &Value) -> String {
    tokens["access_token"].as_str().unwrap_or_default().to_owned()
}

/// base64url without padding.
pub fn b64url(data: &[u8]) -> String {
    use base64ct::{Base64UrlUnpadded, Encoding};
    Base64UrlUnpadded::encode_string(data)
}

/// A token with this header and claims, signed by `sign` over the signing input.
pub fn forge(header: &Value, claims: &Value, sign: impl Fn(&[u8]) -> Vec<u8>) -> String {
    let input = format!("{}.{}", b64url(header.to_string().as_bytes()), b64url(claims.to_string().as_bytes()));
    let signature = sign(input.as_bytes());
    format!("{input}.{}", b64url(&signature))
}

/// The runtime's real signing key (the suite configured it).
pub fn server_key() -> SigningKey {
    use base64ct::{Base64UrlUnpadded, Encoding};
    let seed: [u8; 32] = Base64UrlUnpadded::decode_vec(SIGNING_SEED).expect("seed").try_into().expect("32 bytes");
    SigningKey::from_bytes(&seed)
}

/// Signs with the server's key.
pub fn server_signature(input: &[u8]) -> Vec<u8> {
    server_key().sign(input).to_bytes().to_vec()
}

/// A staff member's access token: a fresh account the admin promoted (created on first use).
pub fn staff_token(target: &Target) -> Result<String, String> {
    target.fixtures.staff.get_or_init(|| promoted(target, "staff", "staff").map(|(_, token)| token)).clone()
}

/// A fresh account (`label` in its address) that the admin gave `role` beside `customer`,
/// signed in again so its access token carries the role: the user and the token.
pub fn promoted(target: &Target, label: &str, role: &str) -> Result<(Value, String), String> {
    let admin = admin_token(target)?;
    let (user, _) = customer(target, label)?;
    let id = user["id"].as_str().unwrap_or_default();
    let response = send(
        request(Method::PUT, &target.base_url, &format!("/v1/admin/users/{id}/roles"))
            .bearer_auth(&admin)
            .json(&json!({"roles": ["customer", role]})),
    )?;
    if response.status().as_u16() != 200 {
        return Err(format!("promote to {role}: {}", response.status()));
    }
    let (status, tokens) = sign_in(target, user["email"].as_str().unwrap_or_default(), PASSWORD)?;
    if status == 200 { Ok((user, access(&tokens))) } else { Err(format!("{role} sign-in: {status} {tokens}")) }
}

/// Sends `body` as JSON with `token`: the status and the JSON answer (`Null` if none).
pub fn json_call(
    target: &Target,
    method: Method,
    path: &str,
    token: &str,
    body: &Value,
) -> Result<(u16, Value), String> {
    let response = send(request(method, &target.base_url, path).bearer_auth(token).json(body))?;
    let status = response.status().as_u16();
    Ok((status, response.json().unwrap_or(Value::Null)))
}

/// A customer with a profile, and a fresh product with stock to order: (token, product id).
pub fn shopper_and_product(target: &Target, tag: &str) -> Result<(String, String), String> {
    let staff = staff_token(target)?;
    let sku = format!("SKU-{}", email(tag).replace(['@', '.'], "-"));
    let product =
        json!({"sku": sku, "name": format!("Thing {tag}"), "price_minor": 500, "currency": "EUR", "stock": 20});
    let (status, product) = json_call(target, Method::POST, "/v1/products", &staff, &product)?;
    if status != 201 {
        return Err(format!("create product: {status} {product}"));
    }
    let (user, tokens) = customer(target, tag)?;
    let token = access(&tokens);
    let (status, profile) =
        json_call(target, Method::POST, "/v1/customers", &token, &json!({"name": tag, "email": user["email"]}))?;
    if status != 201 {
        return Err(format!("create profile: {status} {profile}"));
    }
    Ok((token, product["id"].as_str().unwrap_or_default().to_owned()))
}

/// Places a v2 order of one unit of `product`: its id.
pub fn place_order(target: &Target, token: &str, product: &str) -> Result<String, String> {
    let body = json!({"items": [{"product_id": product, "quantity": 1}]});
    let (status, order) = json_call(target, Method::POST, "/v2/orders", token, &body)?;
    if status != 201 {
        return Err(format!("create order: {status} {order}"));
    }
    Ok(order["id"].as_str().unwrap_or_default().to_owned())
}
