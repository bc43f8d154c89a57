//! The SQL of organisations, people, tokens and hosts.

use rusqlite::{Row, params};
use vigie_model::org::{Competence, OrgKind, Role};
use vigie_model::*;

use super::conn::{SqliteRead, SqliteTx, corrupt, ts, us};
use crate::*;

fn org_row(r: &Row<'_>) -> rusqlite::Result<OrgRecord> {
    let kind: String = r.get("kind")?;
    Ok(OrgRecord {
        id: OrgId::from_trusted(r.get("id")?),
        name: r.get("name")?,
        kind: OrgKind::parse(&kind).ok_or_else(|| corrupt("org kind", &kind))?,
        member_state: r.get("member_state")?,
        main_establishment: r.get("main_establishment")?,
        legal_representative: r.get("legal_representative")?,
        contact_point: r.get("contact_point")?,
        created_at: Timestamp::from_micros(r.get("created_at")?),
        competences: competences_from(&r.get::<_, String>("competences")?)?,
        europol: r.get("europol")?,
        designated_channel: r.get("designated_channel")?,
    })
}

fn competences_from(text: &str) -> rusqlite::Result<Vec<Competence>> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(|s| Competence::parse(s).ok_or_else(|| corrupt("competence", s)))
        .collect()
}

fn competences_text(list: &[Competence]) -> String {
    list.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(",")
}

pub(super) fn roles_from(text: &str) -> rusqlite::Result<Vec<Role>> {
    text.split(',').filter(|s| !s.is_empty()).map(|s| Role::parse(s).ok_or_else(|| corrupt("role", s))).collect()
}

pub(super) fn roles_to(roles: &[Role]) -> String {
    roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(",")
}

pub(super) fn user_row(r: &Row<'_>) -> rusqlite::Result<UserRecord> {
    let roles: String = r.get("roles")?;
    Ok(UserRecord {
        id: UserId::from_trusted(r.get("id")?),
        org: OrgId::from_trusted(r.get("org")?),
        name_ref: PersonalRef::from_trusted(r.get("name_ref")?),
        roles: roles_from(&roles)?,
        created_at: Timestamp::from_micros(r.get("created_at")?),
        deactivated_at: ts(r.get("deactivated_at")?),
    })
}

fn host_row(r: &Row<'_>) -> rusqlite::Result<HostRecord> {
    let status: String = r.get("status")?;
    Ok(HostRecord {
        host: r.get("host")?,
        org: OrgId::from_trusted(r.get("org")?),
        status: match status.as_str() {
            "pending" => HostStatus::Pending,
            "approved" => HostStatus::Approved,
            _ => return Err(corrupt("host status", &status)),
        },
        claimed_at: Timestamp::from_micros(r.get("claimed_at")?),
        claimed_by: UserId::from_trusted(r.get("claimed_by")?),
        approved_at: ts(r.get("approved_at")?),
        approved_by: r.get::<_, Option<String>>("approved_by")?.map(UserId::from_trusted),
    })
}

impl SqliteRead<'_> {
    pub(super) fn count_orgs(&self) -> Result<i64> {
        Ok(self.one("SELECT COUNT(*) FROM orgs", [], |r| r.get(0))?.unwrap_or(0))
    }
    pub(super) fn get_org(&self, id: &OrgId) -> Result<Option<OrgRecord>> {
        self.one("SELECT * FROM orgs WHERE id = ?1", [id.as_str()], org_row)
    }
    pub(super) fn list_orgs(&self) -> Result<Vec<OrgRecord>> {
        self.many("SELECT * FROM orgs ORDER BY created_at, id", [], org_row)
    }
    pub(super) fn get_user(&self, id: &UserId) -> Result<Option<UserRecord>> {
        self.one("SELECT * FROM users WHERE id = ?1", [id.as_str()], user_row)
    }
    pub(super) fn find_principal(&self, token_hash: &str, now: Timestamp) -> Result<Option<Principal>> {
        self.one(
            "SELECT t.id AS token, u.id AS user, u.roles AS roles, o.id AS org, o.kind AS kind \
             FROM tokens t JOIN users u ON u.id = t.user JOIN orgs o ON o.id = u.org \
             WHERE t.hash = ?1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > ?2) \
             AND u.deactivated_at IS NULL",
            params![token_hash, now.as_micros()],
            |r| {
                let kind: String = r.get("kind")?;
                let roles: String = r.get("roles")?;
                Ok(Principal {
                    token: TokenId::from_trusted(r.get("token")?),
                    user: UserId::from_trusted(r.get("user")?),
                    org: OrgId::from_trusted(r.get("org")?),
                    org_kind: OrgKind::parse(&kind).ok_or_else(|| corrupt("org kind", &kind))?,
                    roles: roles_from(&roles)?,
                })
            },
        )
    }
    pub(super) fn get_host(&self, host: &str) -> Result<Option<HostRecord>> {
        self.one("SELECT * FROM hosts WHERE host = ?1", [host], host_row)
    }
    pub(super) fn list_hosts(&self, org: Option<&OrgId>) -> Result<Vec<HostRecord>> {
        match org {
            Some(o) => self.many("SELECT * FROM hosts WHERE org = ?1 ORDER BY host", [o.as_str()], host_row),
            None => self.many("SELECT * FROM hosts ORDER BY host", [], host_row),
        }
    }
    pub(super) fn route_host(&self, candidates: &[&str]) -> Result<Option<OrgId>> {
        for host in candidates {
            let found = self.one("SELECT org FROM hosts WHERE host = ?1 AND status = 'approved'", [host], |r| {
                r.get::<_, String>(0)
            })?;
            if let Some(org) = found {
                return Ok(Some(OrgId::from_trusted(org)));
            }
        }
        Ok(None)
    }
}

impl SqliteTx<'_> {
    pub(super) fn insert_org(&mut self, r: &OrgRecord) -> Result<()> {
        self.read.exec(
            "INSERT INTO orgs (id, name, kind, member_state, main_establishment, legal_representative, contact_point, created_at, \
             competences, europol, designated_channel) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![r.id.as_str(), r.name, r.kind.as_str(), r.member_state, r.main_establishment, r.legal_representative, r.contact_point, r.created_at.as_micros(),
                competences_text(&r.competences), r.europol, r.designated_channel],
        )?;
        Ok(())
    }
    pub(super) fn update_org(&mut self, r: &OrgRecord) -> Result<()> {
        self.read.exec(
            "UPDATE orgs SET competences = ?2, designated_channel = ?3 WHERE id = ?1",
            params![r.id.as_str(), competences_text(&r.competences), r.designated_channel],
        )?;
        Ok(())
    }
    pub(super) fn insert_user(&mut self, r: &UserRecord) -> Result<()> {
        self.read.exec(
            "INSERT INTO users (id, org, name_ref, roles, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![r.id.as_str(), r.org.as_str(), r.name_ref.as_str(), roles_to(&r.roles), r.created_at.as_micros()],
        )?;
        Ok(())
    }
    pub(super) fn insert_token(&mut self, r: &TokenRecord) -> Result<()> {
        self.read.exec(
            "INSERT INTO tokens (id, user, hash, label, created_at, expires_at, revoked_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                r.id.as_str(),
                r.user.as_str(),
                r.hash,
                r.label,
                r.created_at.as_micros(),
                us(r.expires_at),
                us(r.revoked_at)
            ],
        )?;
        Ok(())
    }
    pub(super) fn insert_host(&mut self, r: &HostRecord) -> Result<()> {
        self.read
            .exec(
                "INSERT INTO hosts (host, org, status, claimed_at, claimed_by, approved_at, approved_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![r.host, r.org.as_str(), r.status.as_str(), r.claimed_at.as_micros(), r.claimed_by.as_str(), us(r.approved_at), r.approved_by.as_ref().map(UserId::as_str)],
            )
            .map_err(StoreError::unique_as(Conflict::HostTaken, "the host is already claimed"))?;
        Ok(())
    }
    pub(super) fn update_host(&mut self, r: &HostRecord) -> Result<()> {
        self.read.exec(
            "UPDATE hosts SET org = ?2, status = ?3, approved_at = ?4, approved_by = ?5 WHERE host = ?1",
            params![
                r.host,
                r.org.as_str(),
                r.status.as_str(),
                us(r.approved_at),
                r.approved_by.as_ref().map(UserId::as_str)
            ],
        )?;
        Ok(())
    }
}
