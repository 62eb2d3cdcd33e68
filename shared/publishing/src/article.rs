//! The article, its status machine, and who may see and change it.

use identity::{Permission, Principal};
use rest::outbox::{Event, Topic};
use serde::{Deserialize, Serialize};
use web::Problem;
use web::http::StatusCode;
use web::ports::sql::Row;

/// Where an article is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Written, visible to its author and editors only.
    Draft,
    /// Public.
    Published,
    /// Withdrawn: visible to its author and editors only, and final.
    Archived,
}

impl Status {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Published => "published",
            Status::Archived => "archived",
        }
    }

    /// Parses a stored or wire name.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "draft" => Some(Status::Draft),
            "published" => Some(Status::Published),
            "archived" => Some(Status::Archived),
            _ => None,
        }
    }

    /// Where an article in this status may go: `draft → published → archived`, and
    /// `published → draft` (see [`Article::may_unpublish`] for who may).
    pub fn next(self) -> &'static [Status] {
        match self {
            Status::Draft => &[Status::Published],
            Status::Published => &[Status::Archived, Status::Draft],
            Status::Archived => &[],
        }
    }
}

/// Columns [`Article::from_row`] reads.
pub const COLUMNS: &str = "id, slug, title, summary, body, tags, author_id, status, published_at, edited_by_other, \
                           created_at, updated_at, version";

/// An article as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Article {
    /// Id.
    pub id: String,
    /// URL name: follows the title while a draft has never been published, fixed after.
    pub slug: String,
    /// Title.
    pub title: String,
    /// Summary (may be empty).
    pub summary: String,
    /// Markdown.
    pub body: String,
    /// Normalised tags.
    pub tags: Vec<String>,
    /// The user who wrote it.
    pub author_id: String,
    /// Status.
    pub status: Status,
    /// First publication (Unix ms).
    pub published_at: Option<i64>,
    /// Someone other than the author changed it since its last publication.
    pub edited_by_other: bool,
    /// Unix ms.
    pub created_at: i64,
    /// Unix ms.
    pub updated_at: i64,
    /// Version (ETag).
    pub version: i64,
}

impl Article {
    /// Reads a row selected with [`COLUMNS`].
    pub fn from_row(row: &Row) -> Result<Self, Problem> {
        let status: String = row.get("status")?;
        let tags: String = row.get("tags")?;
        Ok(Self {
            id: row.get("id")?,
            slug: row.get("slug")?,
            title: row.get("title")?,
            summary: row.get("summary")?,
            body: row.get("body")?,
            tags: tags.split_ascii_whitespace().map(str::to_owned).collect(),
            author_id: row.get("author_id")?,
            status: Status::parse(&status)
                .ok_or_else(|| Problem::internal(format!("stored article status `{status}`")))?,
            published_at: row.get("published_at")?,
            edited_by_other: row.get("edited_by_other")?,
            created_at: row.get("created_at")?,
            updated_at: row.get("updated_at")?,
            version: row.get("version")?,
        })
    }

    /// Whether `caller` wrote it.
    pub fn is_author(&self, caller: &Principal) -> bool {
        caller.user_id == self.author_id
    }

    /// Whether `caller` may read it: published articles anyone; drafts and archived ones
    /// their author (with `articles:write`) and editors.
    pub fn visible_to(&self, caller: Option<&Principal>) -> bool {
        self.status == Status::Published || caller.is_some_and(|c| self.may_change(c))
    }

    /// Whether `caller` may edit, publish or archive it: its author (with `articles:write`)
    /// or an editor (`articles:edit_any`).
    pub fn may_change(&self, caller: &Principal) -> bool {
        (self.is_author(caller) && caller.has(Permission::ArticlesWrite)) || caller.has(Permission::ArticlesEditAny)
    }

    /// `Ok` if `caller` may change it; otherwise 404 if they may not even see it (drafts of
    /// others do not exist for them), else 403.
    pub fn require_change(&self, caller: &Principal) -> Result<(), Problem> {
        if self.may_change(caller) {
            Ok(())
        } else if self.visible_to(Some(caller)) {
            Err(identity::forbidden(Permission::ArticlesEditAny))
        } else {
            Err(Problem::not_found())
        }
    }

    /// Whether `caller` may take it from published back to draft: editors always, its author
    /// only while nobody else has changed it since it was published.
    pub fn may_unpublish(&self, caller: &Principal) -> bool {
        caller.has(Permission::ArticlesEditAny) || (self.is_author(caller) && !self.edited_by_other)
    }

    /// Checks that it may move to `to`, answering 409 `invalid_transition` with the `allowed`
    /// next states otherwise.
    pub fn check_transition(&self, to: Status, caller: &Principal) -> Result<(), Problem> {
        let allowed = self.status.next();
        if !allowed.contains(&to) {
            let names: Vec<&str> = allowed.iter().map(|s| s.as_str()).collect();
            return Err(Problem::new(StatusCode::CONFLICT, "invalid_transition", "Invalid status change")
                .with_detail(format!("A {} article cannot become {}.", self.status.as_str(), to.as_str()))
                .with_extension("allowed", names));
        }
        if self.status == Status::Published && to == Status::Draft && !self.may_unpublish(caller) {
            return Err(Problem::new(StatusCode::CONFLICT, "edited_by_others", "Edited by others").with_detail(
                "Someone else has changed this article since it was published; an editor can unpublish it.",
            ));
        }
        Ok(())
    }

    /// The outbox event telling subscribers of this article's change (`article.created`,
    /// `article.updated`, `article.published`, …); the payload is the id with the audit
    /// summary (no body).
    pub fn event(&self, kind: &'static str) -> Event<'_> {
        let mut payload = self.audit_summary();
        payload["id"] = serde_json::Value::from(self.id.as_str());
        Event { topic: Topic::Article, kind, subject: &self.id, owner_id: Some(&self.author_id), payload }
    }

    /// A summary for audit rows (no body).
    pub fn audit_summary(&self) -> serde_json::Value {
        serde_json::json!({
            "slug": self.slug, "title": self.title, "status": self.status.as_str(),
            "tags": self.tags, "version": self.version,
        })
    }
}

#[cfg(test)]
mod tests {
    use identity::permissions::permissions_of;
    use identity::{Credential, Role};

    use super::*;

    fn caller(id: &str, role: Role) -> Principal {
        Principal {
            user_id: id.into(),
            roles: vec![role],
            permissions: permissions_of(&[role]),
            credential: Credential::Session { session_id: "s".into() },
        }
    }

    fn article(status: Status) -> Article {
        Article {
            id: "a1".into(),
            slug: "s".into(),
            title: "T".into(),
            summary: String::new(),
            body: "b".into(),
            tags: vec![],
            author_id: "alice".into(),
            status,
            published_at: None,
            edited_by_other: false,
            created_at: 0,
            updated_at: 0,
            version: 1,
        }
    }

    #[test]
    fn drafts_belong_to_their_author_and_editors() {
        let draft = article(Status::Draft);
        let (alice, bob, eve) =
            (caller("alice", Role::Customer), caller("bob", Role::Customer), caller("eve", Role::Editor));
        assert!(draft.visible_to(Some(&alice)) && draft.visible_to(Some(&eve)));
        assert!(!draft.visible_to(Some(&bob)) && !draft.visible_to(None));
        assert_eq!(draft.require_change(&bob).unwrap_err().status(), 404, "others' drafts do not exist");
        let published = article(Status::Published);
        assert!(published.visible_to(None));
        assert_eq!(published.require_change(&bob).unwrap_err().status(), 403);
        assert!(published.require_change(&eve).is_ok());
    }

    #[test]
    fn the_status_machine_and_unpublishing() {
        let alice = caller("alice", Role::Customer);
        let editor = caller("eve", Role::Editor);
        assert!(article(Status::Draft).check_transition(Status::Published, &alice).is_ok());
        assert_eq!(
            article(Status::Draft).check_transition(Status::Archived, &alice).unwrap_err().code(),
            "invalid_transition"
        );
        assert!(article(Status::Archived).check_transition(Status::Published, &editor).is_err(), "archived is final");
        let mut edited = article(Status::Published);
        assert!(edited.check_transition(Status::Draft, &alice).is_ok());
        edited.edited_by_other = true;
        assert_eq!(edited.check_transition(Status::Draft, &alice).unwrap_err().code(), "edited_by_others");
        assert!(edited.check_transition(Status::Draft, &editor).is_ok());
    }
}
