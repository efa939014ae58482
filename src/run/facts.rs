//! What IMDS says about this instance, read once per pass and only as far as
//! the config needs: the record sources (tried in order), the template
//! placeholders, the instance id.

use crate::aws::imds::Imds;
use crate::aws::retry::Deadline;
use crate::config::Record;
use crate::dns::name::DnsName;
use crate::dns::pool::Pool;
use crate::dns::record::{PoolMember, RecordSet};
use crate::dns::source::RecordSource;
use crate::dns::template::Var;
use crate::run::error::Error;
use std::collections::HashMap;

/// What a record should hold on this instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Desired {
    pub set: RecordSet,
    pub source: RecordSource,
}

/// A per-pass cache of IMDS reads.
#[derive(Debug, Default)]
pub(crate) struct Facts {
    values: HashMap<String, Option<String>>,
}

impl Facts {
    pub(crate) fn new() -> Self {
        Facts::default()
    }

    /// `/latest/<path>`, read at most once.
    pub(crate) async fn get(
        &mut self,
        imds: &Imds,
        path: &str,
        deadline: Deadline,
    ) -> Result<Option<String>, Error> {
        if let Some(v) = self.values.get(path) {
            return Ok(v.clone());
        }
        let value = imds.get(path, deadline).await?;
        self.values.insert(path.to_owned(), value.clone());
        Ok(value)
    }

    /// This instance's id (`i-0123456789abcdef0`). Missing or unusable is an
    /// error (exit 69): a made-up shared id would let instances take over
    /// each other's records under `on_conflict = "keep"`.
    pub(crate) async fn instance_id(
        &mut self,
        imds: &Imds,
        deadline: Deadline,
    ) -> Result<String, Error> {
        let id = self
            .get(imds, "meta-data/instance-id", deadline)
            .await?
            .ok_or_else(|| Error::NoInstanceId {
                problem: "is absent: HTTP 404 or empty".into(),
            })?;
        check_instance_id(id.trim())
    }

    /// The record's name with its placeholders filled in.
    pub(crate) async fn name(
        &mut self,
        imds: &Imds,
        record: &Record,
        deadline: Deadline,
    ) -> Result<DnsName, Error> {
        let mut values: HashMap<Var, Option<String>> = HashMap::new();
        for var in record.name.vars() {
            let value = self.get(imds, &var.metadata_path(), deadline).await?;
            if value.is_none()
                && let Var::Tag(key) = var
            {
                let tags_on = self
                    .get(imds, "meta-data/tags/instance/", deadline)
                    .await?
                    .is_some();
                return Err(Error::MissingTag {
                    template: record.name.as_str().to_owned(),
                    key: key.clone(),
                    tags_enabled: tags_on,
                });
            }
            values.insert(var.clone(), value);
        }
        record
            .name
            .render(|v| values.get(v).cloned().flatten())
            .map_err(|e| Error::BadName {
                template: record.name.as_str().to_owned(),
                message: e.to_string(),
            })
    }

    /// A pool record's member identity: its rendered `SetIdentifier`,
    /// routing and health check.
    pub(crate) async fn pool_member(
        &mut self,
        imds: &Imds,
        pool: &Pool,
        deadline: Deadline,
    ) -> Result<PoolMember, Error> {
        let mut values: HashMap<Var, Option<String>> = HashMap::new();
        for var in pool.set_identifier.vars() {
            let value = self.get(imds, &var.metadata_path(), deadline).await?;
            values.insert(var.clone(), value);
        }
        let identifier = pool
            .set_identifier
            .render(|v| values.get(v).cloned().flatten())
            .map_err(|message| Error::BadName {
                template: pool.set_identifier.as_str().to_owned(),
                message,
            })?;
        Ok(PoolMember {
            identifier,
            routing: pool.routing,
            health_check_id: pool.health_check_id.clone(),
        })
    }

    /// The record's sources that IMDS has a value for, in the config's order,
    /// as the record sets to write: the first is preferred, the others are
    /// what the name can hold when sets this program may not delete block
    /// the first (see `plan`). An invalid value of the first source is an
    /// error; an invalid later one is skipped with a warning.
    pub(crate) async fn candidates(
        &mut self,
        imds: &Imds,
        record: &Record,
        name: &DnsName,
        deadline: Deadline,
    ) -> Result<Vec<Desired>, Error> {
        let pool = match &record.pool {
            Some(p) => Some(self.pool_member(imds, p, deadline).await?),
            None => None,
        };
        let mut found = Vec::new();
        for &source in &record.sources {
            let Some(raw) = self.get(imds, &source.metadata_path(), deadline).await? else {
                continue;
            };
            let Some(value) = source.validate(&raw) else {
                if found.is_empty() {
                    return Err(Error::BadMetadata {
                        source_name: source.name(),
                        rtype: source.rtype(),
                    });
                }
                tracing::warn!(
                    record = %name,
                    source = source.name(),
                    "IMDS gave a value that is not a valid {} record value; not using this source",
                    source.rtype()
                );
                continue;
            };
            found.push(Desired {
                set: RecordSet {
                    name: name.clone(),
                    rtype: source.rtype().into(),
                    ttl: record.ttl,
                    values: vec![value],
                    pool: pool.clone(),
                },
                source,
            });
        }
        if found.is_empty() {
            return Err(Error::NoSource {
                name: name.clone(),
                tried: record
                    .sources
                    .iter()
                    .map(|s| format!("{s} ({})", s.absent_because()))
                    .collect::<Vec<_>>()
                    .join("; "),
                only_public_hostname: record.sources == [RecordSource::PublicHostname],
            });
        }
        Ok(found)
    }
}

/// An instance id goes into a TXT value and a change comment: letters,
/// digits and `-` only, at most 64 characters.
fn check_instance_id(id: &str) -> Result<String, Error> {
    let usable = !id.is_empty()
        && id.len() <= 64
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if usable {
        Ok(id.to_owned())
    } else {
        Err(Error::NoInstanceId {
            problem: format!(
                "is {:?}, not letters, digits and '-'",
                id.chars().take(64).collect::<String>()
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_ids_are_checked() {
        assert_eq!(
            check_instance_id("i-0123456789abcdef0").unwrap(),
            "i-0123456789abcdef0"
        );
        for bad in ["", "i-1 2", "i-\"x\"", "i-1.example", &"i".repeat(65)] {
            let e = check_instance_id(bad).unwrap_err();
            assert_eq!(
                e.exit_code(),
                crate::run::error::EXIT_UNAVAILABLE,
                "{bad:?}"
            );
        }
    }
}
