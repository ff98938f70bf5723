//! Who asks for a change, and what lies within their reach.
//!
//! A user limited to a unit acts within that unit and the units below it: what they create
//! is scoped there (never to the whole city), and what lies outside is not theirs to change.
//! The command line acts as the operator: an administrator of the whole city.

use crate::db::auth::{Role, User};
use crate::survey::{Unit, UnitTree};
use crate::text::FieldProblem;
use crate::text::Text;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The name the audit log records.
    pub name: String,
    pub role: Role,
    /// The unit the actor is limited to (with the units below it); none for the whole city.
    pub unit: Option<String>,
}

impl Actor {
    /// The operator at the command line (or a test): an administrator of the whole city.
    pub fn operator(name: &str) -> Self {
        Actor {
            name: name.to_string(),
            role: Role::Admin,
            unit: None,
        }
    }

    pub fn is_scoped(&self) -> bool {
        self.unit.is_some()
    }

    /// Whether a scope (`None`: the whole city) lies within the actor's: for a scoped actor,
    /// their unit or a unit below it, never the whole city.
    pub fn reaches(&self, units: &UnitTree, scope: Option<&str>) -> bool {
        match (&self.unit, scope) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(own), Some(code)) => units.subtree(own).iter().any(|c| c == code),
        }
    }

    /// Today's units the actor may choose (for a scope, a kiosk, codes): every one for the
    /// city's staff, else the actor's unit and the units below it.
    pub fn units_today(&self, units: &UnitTree, today: chrono::NaiveDate) -> Vec<Unit> {
        let set = units.set_on(today).map(|s| s.id.clone());
        units
            .units_of(set.as_deref())
            .into_iter()
            .filter(|u| self.reaches(units, Some(&u.code)))
            .cloned()
            .collect()
    }

    /// A scope given in a form, refused naming the field `unit` when it lies outside the
    /// actor's unit.
    pub fn check_unit(&self, units: &UnitTree, scope: Option<&str>) -> Result<(), FieldProblem> {
        if self.reaches(units, scope) {
            return Ok(());
        }
        let own = self.unit.as_deref().unwrap_or_default();
        let own_name = units.get(own).map_or(own, |u| u.name.as_str());
        Err(match scope {
            None => FieldProblem::new(
                "unit",
                format!(
                    "Đơn vị: tài khoản giới hạn trong {own_name} ({own}) không tạo được gì cho toàn thành phố; hãy chọn {own} hoặc một đơn vị trực thuộc"
                ),
                format!(
                    "unit: an account limited to {own_name} ({own}) cannot create anything for the whole city; choose {own} or a unit below it"
                ),
            ),
            Some(code) => FieldProblem::new(
                "unit",
                format!(
                    "Đơn vị: “{code}” nằm ngoài {own_name} ({own}), đơn vị mà tài khoản này được giới hạn"
                ),
                format!(
                    "unit: '{code}' lies outside {own_name} ({own}), the unit this account is limited to"
                ),
            ),
        })
    }

    /// A role given in a form, refused naming the field `role` when it is above the actor's.
    pub fn check_role(&self, role: Role) -> Result<(), FieldProblem> {
        if role <= self.role {
            return Ok(());
        }
        Err(FieldProblem::new(
            "role",
            format!(
                "Vai trò: không thể cấp vai trò {role}, cao hơn vai trò {} của chính mình",
                self.role
            ),
            format!(
                "role: cannot grant the role {role}, above one's own ({})",
                self.role
            ),
        ))
    }

    /// Why the actor may not act on something of `scope` (a user, token, kiosk outside
    /// their unit), or nothing when they may.
    pub fn outside(&self, units: &UnitTree, scope: Option<&str>) -> Option<Text> {
        if self.reaches(units, scope) {
            return None;
        }
        let own = self.unit.as_deref().unwrap_or_default();
        Some(Text::new(
            format!(
                "Việc này thuộc phạm vi ngoài đơn vị {own} mà tài khoản này được giới hạn; chỉ quản trị viên của đơn vị đó hoặc của toàn thành phố làm được."
            ),
            format!(
                "This lies outside the unit {own} this account is limited to; only an administrator of that unit or of the whole city can do it."
            ),
        ))
    }
}

/// The command line and tests name the actor only: the operator.
impl From<&str> for Actor {
    fn from(name: &str) -> Self {
        Actor::operator(name)
    }
}

impl From<&User> for Actor {
    fn from(u: &User) -> Self {
        Actor {
            name: u.username.clone(),
            role: u.role,
            unit: u.unit.clone(),
        }
    }
}

impl From<&Actor> for Actor {
    fn from(a: &Actor) -> Self {
        a.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> UnitTree {
        let unit = |code: &str, parent: Option<&str>| Unit {
            code: code.into(),
            name: code.into(),
            level: String::new(),
            parent: parent.map(Into::into),
            kind: None,
            gso_code: None,
            sets: Vec::new(),
        };
        UnitTree {
            units: vec![
                unit("CITY", None),
                unit("D1", Some("CITY")),
                unit("W1", Some("D1")),
                unit("D2", Some("CITY")),
            ],
            ..UnitTree::default()
        }
    }

    #[test]
    fn a_scoped_actor_reaches_its_unit_and_below_never_the_city() {
        let units = tree();
        let a = Actor {
            name: "a".into(),
            role: Role::Admin,
            unit: Some("D1".into()),
        };
        assert!(a.reaches(&units, Some("D1")));
        assert!(a.reaches(&units, Some("W1")));
        assert!(!a.reaches(&units, Some("D2")));
        assert!(!a.reaches(&units, Some("CITY")));
        assert!(!a.reaches(&units, None));
        assert_eq!(a.check_unit(&units, None).unwrap_err().field, "unit");
        let op = Actor::operator("cli");
        assert!(op.reaches(&units, None) && op.reaches(&units, Some("D2")));
    }

    #[test]
    fn no_role_above_ones_own_is_granted() {
        let s = Actor {
            name: "s".into(),
            role: Role::Supervisor,
            unit: None,
        };
        assert!(s.check_role(Role::Supervisor).is_ok());
        assert_eq!(s.check_role(Role::Admin).unwrap_err().field, "role");
    }
}
