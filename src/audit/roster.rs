//! The `[[carried]]` rules of audits.toml against `--previous` (reports.md
//! §5.3): a cumulative roster's members gone since the earlier period
//! (`roster.member_dropped`), or now on another community's roster
//! (`roster.member_moved`). Rosters are kept between periods only as
//! HMAC-SHA256 hashes keyed with a key outside every output, so that an
//! output alone never lets anyone test ID numbers against them.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::diag::{Diagnostic, Place};
use crate::facts::Extract;
use crate::lang::Lang;
use crate::org::Level;
use crate::period::Period;
use crate::schema::SchemaSet;
use crate::summary::{IdHash, RosterPlace, RosterRow};

/// The first 16 hex digits of SHA-256 of the key: which key, never the key.
pub fn fingerprint(key: &[u8]) -> String {
    format!("{:x}", Sha256::digest(key))[..16].to_string()
}

/// An ID number's keyed hash, over its 18 normalised characters, from the
/// key's HMAC state made once (`Hmac::new_from_slice` per row was most of
/// the hashing at a province's roster).
fn hash(keyed: &Hmac<Sha256>, id: crate::facts::IdKey) -> IdHash {
    use std::io::Write;
    // On the stack: 18 characters, 19 for a key that is no ID number.
    let mut text = [0u8; 24];
    let mut w = &mut text[..];
    let _ = write!(w, "{id}");
    let n = 24 - w.len();
    let mut mac = keyed.clone();
    mac.update(&text[..n]);
    IdHash(mac.finalize().into_bytes().into())
}

/// The keyed rows of this run's accepted submissions, for every
/// `[[carried]]` rule's ledger.
pub fn current(
    extracts: &[Extract],
    accepted: &[bool],
    schemas: &SchemaSet,
    key: &[u8],
    period: &Period,
) -> Vec<RosterRow> {
    use rayon::prelude::*;
    let a = &schemas.audits;
    let keyed = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    let period: Arc<str> = period.to_string().into();
    let ledgers: Vec<Arc<str>> = a.carried.iter().map(|k| k.ledger.as_str().into()).collect();
    let files: Vec<&Extract> = extracts
        .iter()
        .zip(accepted)
        .filter(|(_, ok)| **ok)
        .map(|(e, _)| e)
        .collect();
    let lists: Vec<usize> = a.compiled.carried.iter().map(|c| c.2).collect();
    // Each file's places (one per ledger and sheet), shared by its rows.
    let places: Vec<BTreeMap<(usize, u32), Arc<RosterPlace>>> = files
        .par_iter()
        .map(|e| {
            let file: Arc<str> = e.file.as_str().into();
            let mut m = BTreeMap::new();
            for (l, &list) in lists.iter().enumerate() {
                for r in &e.keys[list] {
                    m.entry((l, r.src)).or_insert_with(|| {
                        Arc::new(RosterPlace {
                            ledger: ledgers[l].clone(),
                            period: period.clone(),
                            file: file.clone(),
                            sheet: e.source(r).sheet.clone(),
                        })
                    });
                }
            }
            m
        })
        .collect();
    // Where each file's rows start in the whole: the rows are written
    // straight into one vector of the exact size (a province's millions of
    // rows are never held twice).
    let mut starts = Vec::with_capacity(files.len() + 1);
    starts.push(0usize);
    for e in &files {
        let n: usize = lists.iter().map(|&l| e.keys[l].len()).sum();
        starts.push(starts.last().copied().unwrap_or(0) + n);
    }
    let total = starts.last().copied().unwrap_or(0);
    let mut out: Vec<RosterRow> = Vec::with_capacity(total);
    (0..total)
        .into_par_iter()
        .map(|k| {
            let f = starts.partition_point(|&s| s <= k) - 1;
            let e = files[f];
            let mut at = k - starts[f];
            let mut l = 0;
            while at >= e.keys[lists[l]].len() {
                at -= e.keys[lists[l]].len();
                l += 1;
            }
            let r = &e.keys[lists[l]][at];
            let s = e.source(r);
            RosterRow {
                community_code: s.org.clone(),
                id_hash: hash(&keyed, r.id),
                at: places[f][&(l, r.src)].clone(),
                row: r.row + 1,
                col: s.col,
            }
        })
        .collect_into_vec(&mut out);
    // In place: equal rows are equal in every field, so no order among
    // them shows.
    out.par_sort_unstable();
    out
}

/// Whether any accepted submission has a row on a `[[carried]]` ledger.
pub fn any_rows(extracts: &[Extract], accepted: &[bool], schemas: &SchemaSet) -> bool {
    let lists: Vec<usize> = schemas
        .audits
        .compiled
        .carried
        .iter()
        .map(|c| c.2)
        .collect();
    extracts
        .iter()
        .zip(accepted)
        .any(|(e, ok)| *ok && lists.iter().any(|&l| !e.keys[l].is_empty()))
}

/// The communities whose rosters this run judged: those with an accepted
/// submission of their own.
fn judged(extracts: &[Extract], accepted: &[bool]) -> BTreeSet<String> {
    extracts
        .iter()
        .zip(accepted)
        .filter(|(e, ok)| **ok && e.level == Some(Level::Community))
        .filter_map(|(e, _)| e.org.clone())
        .collect()
}

/// What the next period compares with: this run's rows, and for every
/// community without an accepted submission now, its rows from the
/// earlier state with their older period (its next roster is compared
/// with the last one pbstat saw).
pub fn carry(
    extracts: &[Extract],
    accepted: &[bool],
    now: Vec<RosterRow>,
    before: Vec<RosterRow>,
) -> Vec<RosterRow> {
    use rayon::prelude::*;
    let judged = judged(extracts, accepted);
    let mut out = now;
    let sorted = out.len();
    out.extend(
        before
            .into_iter()
            .filter(|r| !judged.contains(&*r.community_code)),
    );
    if out.len() > sorted {
        out.par_sort_unstable();
    }
    out.dedup();
    out
}

/// Every `[[carried]]` rule: each community judged now against its rows
/// in the earlier state.
pub fn compare(
    extracts: &mut [Extract],
    accepted: &[bool],
    schemas: &SchemaSet,
    now: &[RosterRow],
    before: &[RosterRow],
    name: &dyn Fn(&str) -> String,
    lang: Lang,
) -> BTreeMap<String, usize> {
    let a = &schemas.audits;
    let judged = judged(extracts, accepted);
    // Every community compared, none gone yet.
    let mut gone: BTreeMap<String, usize> = judged.iter().map(|c| (c.clone(), 0)).collect();
    for (rule, &(dropped, moved, _)) in a.carried.iter().zip(&a.compiled.carried) {
        // Where each hash stands now: its communities.
        let mut now_at: BTreeMap<&IdHash, BTreeSet<&str>> = BTreeMap::new();
        for r in now.iter().filter(|r| *r.at.ledger == *rule.ledger) {
            now_at
                .entry(&r.id_hash)
                .or_default()
                .insert(&r.community_code);
        }
        // In the order the earlier rosters stood, row by row.
        let mut earlier: Vec<&RosterRow> = before
            .iter()
            .filter(|r| *r.at.ledger == *rule.ledger)
            .collect();
        earlier.sort_by(|x, y| {
            (
                &x.community_code,
                &x.at.period,
                &x.at.file,
                &x.at.sheet,
                x.row,
            )
                .cmp(&(
                    &y.community_code,
                    &y.at.period,
                    &y.at.file,
                    &y.at.sheet,
                    y.row,
                ))
        });
        for b in earlier {
            if !judged.contains(&*b.community_code) {
                continue;
            }
            let here = now_at.get(&b.id_hash);
            if here.is_some_and(|c| c.contains(&*b.community_code)) {
                continue;
            }
            let elsewhere = here.and_then(|c| c.iter().next().copied());
            let Some(i) = extracts
                .iter()
                .position(|e| accepted_index(e, &b.community_code))
            else {
                continue;
            };
            let cell = b.cell();
            let place = |t: &str| {
                t.replace("{period}", &b.at.period)
                    .replace("{file}", &b.at.file)
                    .replace("{sheet}", &b.at.sheet)
                    .replace(
                        "{cell}",
                        cell.as_deref().unwrap_or(&format!("第{}行", b.row)),
                    )
            };
            let (code, msg) = match elsewhere {
                Some(org) => (
                    moved,
                    place(&lang.t(rule.message_moved.as_str(), rule.message_moved_en.as_str()))
                        .replace("{org_name}", &name(org))
                        .replace("{org}", org),
                ),
                None => (
                    dropped,
                    place(&lang.t(rule.message.as_str(), rule.message_en.as_str())),
                ),
            };
            *gone.entry(b.community_code.to_string()).or_default() += 1;
            let e = &mut extracts[i];
            let mut d = Diagnostic::new(code, &e.file, msg)
                .org(Some(&b.community_code))
                .field(&rule.key);
            if let Some((sheet, idx)) = e.sheets.get(&rule.ledger) {
                d = d.sheet(sheet, *idx);
            }
            d.previous = Some(Place {
                period: b.at.period.to_string(),
                file: b.at.file.to_string(),
                sheet: b.at.sheet.to_string(),
                row: b.row,
                cell,
            });
            e.diagnostics.push(d);
        }
    }
    gone
}

/// Whether `e` is the community's own accepted submission.
fn accepted_index(e: &Extract, community: &str) -> bool {
    e.org.as_deref() == Some(community) && e.level == Some(Level::Community) && e.accepted()
}

/// `roster.no_previous_state`, once per run: the earlier output keeps no
/// roster state (`held` false: an earlier pbstat), or one made with another
/// key.
pub fn no_previous_state(dir: &std::path::Path, held: bool, lang: Lang) -> Diagnostic {
    let m = if held {
        lang.t(
            format!("上期输出 {} 的名册用另一把名册密钥保存（另一台电脑或密钥已更换），本期未比对名册", dir.display()),
            format!("the rosters of {} were kept with another roster key (another machine, or a new key): rosters were not compared", dir.display()),
        )
    } else {
        lang.t(
            format!(
                "上期输出 {} 没有名册状态（较早版本的 pbstat 所写），本期未比对名册",
                dir.display()
            ),
            format!(
                "{} holds no roster state (an earlier pbstat wrote it): rosters were not compared",
                dir.display()
            ),
        )
    };
    Diagnostic::new(
        crate::diag::Code::RosterNoPreviousState,
        &dir.display().to_string(),
        m,
    )
}
