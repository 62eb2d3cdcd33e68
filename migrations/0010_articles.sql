-- Publishing: articles (with full-text search) and their comments (shared/publishing).
-- `seq` is the row id the full-text index refers to (an INTEGER PRIMARY KEY never changes, an
-- implicit rowid may on VACUUM); `id` is the public id.
CREATE TABLE articles (
    seq          INTEGER PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    slug         TEXT NOT NULL UNIQUE,
    title        TEXT NOT NULL,
    summary      TEXT NOT NULL DEFAULT '',
    body         TEXT NOT NULL,
    tags         TEXT NOT NULL DEFAULT '',          -- normalised names, space-separated
    author_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status       TEXT NOT NULL CHECK (status IN ('draft', 'published', 'archived')),
    published_at INTEGER,                           -- Unix ms of the first publication
    -- Someone other than the author changed it since it was last published: the author may no
    -- longer take it back to draft.
    edited_by_other INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    version      INTEGER NOT NULL DEFAULT 1,
    mutation_id  TEXT
);
CREATE INDEX articles_status_published ON articles (status, published_at, id);
CREATE INDEX articles_status_title ON articles (status, title, id);
CREATE INDEX articles_author_status ON articles (author_id, status, published_at, id);

-- One row per tag of an article, for the tag filter.
CREATE TABLE article_tags (
    tag        TEXT NOT NULL,
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    PRIMARY KEY (tag, article_id)
) WITHOUT ROWID;
CREATE INDEX article_tags_article ON article_tags (article_id);

-- The full-text index over title, summary, body and tags, kept in step by the triggers below
-- (an external-content table: the text is stored once, in `articles`).
CREATE VIRTUAL TABLE articles_fts USING fts5(
    title, summary, body, tags,
    content = 'articles', content_rowid = 'seq', tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER articles_fts_after_insert AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts (rowid, title, summary, body, tags) VALUES (new.seq, new.title, new.summary, new.body, new.tags);
END;
CREATE TRIGGER articles_fts_after_delete AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, summary, body, tags) VALUES ('delete', old.seq, old.title, old.summary, old.body, old.tags);
END;
CREATE TRIGGER articles_fts_after_update AFTER UPDATE OF title, summary, body, tags ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, summary, body, tags) VALUES ('delete', old.seq, old.title, old.summary, old.body, old.tags);
    INSERT INTO articles_fts (rowid, title, summary, body, tags) VALUES (new.seq, new.title, new.summary, new.body, new.tags);
END;

CREATE TABLE comments (
    id         TEXT PRIMARY KEY,
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    author_id  TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    body       TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX comments_article ON comments (article_id, created_at, id);
CREATE INDEX comments_author ON comments (author_id);

INSERT INTO schema_version (version) VALUES (10);
