-- The business: customers, products, orders with items; idempotency keys; the audit log.
-- Money is INTEGER minor units plus an ISO 4217 code. Times are Unix milliseconds.
-- Every mutable row has `version` (its ETag) and `mutation_id` (the last change's random id,
-- which later statements of the same batch use to tell whether that change applied).

CREATE TABLE customers (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    email       TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    phone       TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1,
    mutation_id TEXT
);
CREATE INDEX customers_created ON customers (created_at, id);
CREATE INDEX customers_name ON customers (name, id);

CREATE TABLE products (
    id          TEXT PRIMARY KEY,
    sku         TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    price_minor INTEGER NOT NULL CHECK (price_minor >= 0),
    currency    TEXT NOT NULL,
    stock       INTEGER NOT NULL,
    active      INTEGER NOT NULL DEFAULT 1,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1,
    mutation_id TEXT,
    -- Reserving stock decrements it; going below zero aborts the whole order batch.
    CONSTRAINT stock_not_negative CHECK (stock >= 0)
);
CREATE INDEX products_active_created ON products (active, created_at, id);
CREATE INDEX products_active_name ON products (active, name, id);
CREATE INDEX products_active_price ON products (active, price_minor, id);

CREATE TABLE orders (
    id          TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers (id),
    user_id     TEXT NOT NULL,               -- the owner (customer's user), for object checks
    status      TEXT NOT NULL CHECK (status IN ('pending', 'processing', 'shipped', 'delivered', 'cancelled')),
    currency    TEXT NOT NULL,
    total_minor INTEGER NOT NULL CHECK (total_minor >= 0),
    item_count  INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1,
    mutation_id TEXT
);
CREATE INDEX orders_created ON orders (created_at, id);
CREATE INDEX orders_total ON orders (total_minor, id);
CREATE INDEX orders_status_created ON orders (status, created_at, id);
CREATE INDEX orders_customer_created ON orders (customer_id, created_at, id);
CREATE INDEX orders_user_created ON orders (user_id, created_at, id);

CREATE TABLE order_items (
    order_id         TEXT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    line             INTEGER NOT NULL,
    product_id       TEXT NOT NULL REFERENCES products (id),
    sku              TEXT NOT NULL,
    name             TEXT NOT NULL,
    -- Snapshotted at order time; NULL (and so a failed batch) if the product is inactive or its
    -- price moved since the order was priced.
    unit_price_minor INTEGER NOT NULL,
    quantity         INTEGER NOT NULL CHECK (quantity > 0),
    line_total_minor INTEGER NOT NULL,
    PRIMARY KEY (order_id, line)
);
CREATE INDEX order_items_product ON order_items (product_id);

CREATE TABLE idempotency_keys (
    user_id          TEXT NOT NULL,
    key              TEXT NOT NULL,
    fingerprint      TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('in_flight', 'done')),
    response_status  INTEGER,
    response_headers TEXT,
    response_body    BLOB,
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          INTEGER NOT NULL,
    actor_id    TEXT NOT NULL,
    action      TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id   TEXT NOT NULL,
    summary     TEXT NOT NULL,                -- JSON {"before": …, "after": …}
    request_id  TEXT NOT NULL
);
CREATE INDEX audit_log_target ON audit_log (target_type, target_id);

INSERT INTO schema_version (version) VALUES (3);
