//! People who work a node through its web interface: their names, their roles and what each
//! role may do, and how a change carries the person's name.
//!
//! A node signs every change with its own key; the person behind a change is named in the
//! Automerge change message, on a line `by: NAME` after the change's kind (`fedrec:edit`,
//! `fedrec:create`, or an act's `fedrec:submit` / `fedrec:withdraw`). [`crate::acts::classify`]
//! reads only the first line, so acts keep being recognised. The name is informational: it is
//! what the node's operator vouched for when the person signed in, not a signature of theirs.

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The longest name, in characters.
pub const NAME_MAX_CHARS: usize = 40;

/// A person's name as it is shown in histories: trimmed, 1 to [`NAME_MAX_CHARS`] characters,
/// no control characters (so it stays on its line of a change message).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OperatorName(String);

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum OperatorError {
    #[error("the operator's name is empty")]
    EmptyName,
    #[error("the operator's name has {0} characters; at most {NAME_MAX_CHARS} are allowed")]
    NameTooLong(usize),
    #[error("the operator's name contains a control character (a line break or tab)")]
    ControlCharacter,
    #[error("'{0}' is not a role: use editor, approver, reviewer or administrator")]
    UnknownRole(String),
    #[error("the role {role} is for {fits} nodes; this is a {node} node")]
    WrongNode {
        role: &'static str,
        fits: &'static str,
        node: &'static str,
    },
}

impl OperatorName {
    pub fn parse(text: &str) -> Result<Self, OperatorError> {
        let name = text.trim();
        if name.is_empty() {
            return Err(OperatorError::EmptyName);
        }
        let chars = name.chars().count();
        if chars > NAME_MAX_CHARS {
            return Err(OperatorError::NameTooLong(chars));
        }
        if name.chars().any(char::is_control) {
            return Err(OperatorError::ControlCharacter);
        }
        Ok(Self(name.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for OperatorName {
    type Error = OperatorError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl From<OperatorName> for String {
    fn from(name: OperatorName) -> Self {
        name.0
    }
}

impl std::fmt::Display for OperatorName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a person may do on a node. A bureau node (recommender or field office) has editors and
/// approvers; the ministry has reviewers and administrators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Drafts and edits applications.
    Editor,
    /// Also submits and withdraws them.
    Approver,
    /// Reads every record and records expert reviews.
    Reviewer,
    /// Also recognises, declines and publishes.
    Administrator,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::Editor,
        Role::Approver,
        Role::Reviewer,
        Role::Administrator,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Role::Editor => "editor",
            Role::Approver => "approver",
            Role::Reviewer => "reviewer",
            Role::Administrator => "administrator",
        }
    }

    pub fn parse(text: &str) -> Result<Self, OperatorError> {
        Self::ALL
            .into_iter()
            .find(|role| role.key() == text.trim())
            .ok_or_else(|| OperatorError::UnknownRole(text.to_string()))
    }

    /// Whether the role belongs on the ministry's node (else on a bureau's).
    pub fn is_ministry(self) -> bool {
        matches!(self, Role::Reviewer | Role::Administrator)
    }

    /// Checks that the role fits a node: ministry roles on the ministry, bureau roles elsewhere.
    pub fn check_node(self, ministry_node: bool) -> Result<(), OperatorError> {
        if self.is_ministry() == ministry_node {
            return Ok(());
        }
        let (fits, node) = if ministry_node {
            ("bureau", "ministry")
        } else {
            ("ministry", "bureau")
        };
        Err(OperatorError::WrongNode {
            role: self.key(),
            fits,
            node,
        })
    }

    /// The default role of a node's first user: the one that may do everything there.
    pub fn default_for(ministry_node: bool) -> Self {
        if ministry_node {
            Role::Administrator
        } else {
            Role::Approver
        }
    }

    /// Drafts and edits applications and attaches files.
    pub fn may_edit(self) -> bool {
        matches!(self, Role::Editor | Role::Approver)
    }

    /// Submits and withdraws applications.
    pub fn may_act(self) -> bool {
        self == Role::Approver
    }

    /// Records expert reviews.
    pub fn may_review(self) -> bool {
        self.is_ministry()
    }

    /// Recognises, declines and publishes.
    pub fn may_decide(self) -> bool {
        self == Role::Administrator
    }
}

/// The kind of an edit's or a creation's change message (acts have their own, in [`crate::acts`]).
pub const EDIT_MESSAGE: &str = "fedrec:edit";

/// A change message: `kind`, then a line naming the person.
pub fn message_with_operator(kind: &str, name: &OperatorName) -> String {
    format!("{kind}\nby: {name}")
}

/// The person a change message names, if any.
pub fn operator_of(message: Option<&str>) -> Option<&str> {
    message?
        .lines()
        .skip(1)
        .find_map(|line| line.strip_prefix("by: "))
        .map(str::trim)
        .filter(|name| !name.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        assert_eq!(OperatorName::parse(" 张三 ").unwrap().as_str(), "张三");
        assert_eq!(OperatorName::parse("  "), Err(OperatorError::EmptyName));
        assert_eq!(
            OperatorName::parse(&"李".repeat(41)),
            Err(OperatorError::NameTooLong(41))
        );
        assert_eq!(
            OperatorName::parse("张\n三"),
            Err(OperatorError::ControlCharacter)
        );
    }

    #[test]
    fn roles_fit_their_nodes_and_only_approvers_act() {
        assert!(Role::Editor.check_node(false).is_ok());
        assert!(Role::Editor.check_node(true).is_err());
        assert!(Role::Administrator.check_node(false).is_err());
        assert!(Role::Editor.may_edit() && !Role::Editor.may_act());
        assert!(Role::Approver.may_act());
        assert!(Role::Reviewer.may_review() && !Role::Reviewer.may_decide());
        assert!(Role::Administrator.may_decide());
        assert_eq!(Role::parse("approver"), Ok(Role::Approver));
        assert!(Role::parse("root").is_err());
    }

    #[test]
    fn the_name_survives_the_message_and_the_act_is_still_recognised() {
        let name = OperatorName::parse("张三").unwrap();
        let message = message_with_operator(crate::acts::SUBMIT_MESSAGE, &name);
        assert_eq!(operator_of(Some(&message)), Some("张三"));
        assert_eq!(operator_of(Some(crate::acts::SUBMIT_MESSAGE)), None);
        assert_eq!(operator_of(None), None);
        assert_eq!(
            crate::acts::classify(Some(&message), true, 1),
            Ok(crate::acts::ChangeKind::Act(crate::acts::Act::Submit))
        );
        let edit = message_with_operator(EDIT_MESSAGE, &name);
        assert_eq!(
            crate::acts::classify(Some(&edit), true, 50),
            Ok(crate::acts::ChangeKind::Edit)
        );
    }
}
