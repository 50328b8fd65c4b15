//! The ground truth: what the generator planted, read off the plan (and, for sightings, off
//! the ANPR days that wrote the reads).

use std::collections::HashMap;
use std::path::Path;

use super::abhay::{Sighting, StolenRead};
use super::delta;
use super::people::canonical_phone;
use super::tables;
use super::telecom;
use super::world::{Author, PhoneShown, Sim, World};
use super::write::TableFile;
use jaanch::Error;

fn file(root: &Path, spec: &tables::Spec) -> Result<TableFile, Error> {
    TableFile::create_in(root, spec, "part-0.parquet")
}

/// `truth.stolen_sightings`, in order of read id.
pub fn stolen_sightings(root: &Path, sightings: &[Sighting]) -> Result<usize, Error> {
    let mut out = file(root, &tables::TRUTH_STOLEN_SIGHTINGS)?;
    for s in sightings.iter().filter(|s| s.decoy.is_none()) {
        out.i64(s.fir_id);
        out.text(s.plate.as_str());
        out.i64(s.read_id);
        out.i64(s.camera_id);
        out.timestamp(s.seen_at);
        out.text(&s.plate_text);
        out.bool(s.readable);
        out.end_row()?;
    }
    out.finish()
}

/// `truth.stolen_vehicle_reads`, in order of read id.
pub fn stolen_vehicle_reads(
    world: &World,
    root: &Path,
    reads: &[StolenRead],
) -> Result<usize, Error> {
    let fir_of: HashMap<u32, u32> = world.stolen.iter().map(|s| (s.vehicle, s.fir)).collect();
    let mut out = file(root, &tables::TRUTH_STOLEN_VEHICLE_READS)?;
    for read in reads {
        out.i64(fir_of[&read.vehicle] as i64 + 1);
        out.text(world.vehicles[read.vehicle as usize].plate.as_str());
        out.i64(read.read_id);
        out.bool(read.readable);
        out.end_row()?;
    }
    out.finish()
}

/// `truth.decoys`: look-alike and clock-skewed reads (in order of read id), namesakes (by
/// accused row), family SIMs (by person) and toy weapon posts (by post). SIMs and posts are
/// decoys where a report can link them: the person's phone is written validly in an FIR.
pub fn decoys(world: &World, root: &Path, sightings: &[Sighting]) -> Result<usize, Error> {
    let mut out = file(root, &tables::TRUTH_DECOYS)?;
    let mut row_of = |kind: &str, report: &str, key: &str, of: &str, detail: &str| {
        for value in [kind, report, key, of, detail] {
            out.text(value);
        }
        out.end_row()
    };
    for s in sightings {
        let Some(kind) = s.decoy else { continue };
        let detail = match kind {
            "plate_one_off" => format!(
                "read {} of another vehicle; stolen {}",
                s.plate_text,
                s.plate.as_str()
            ),
            _ => format!(
                "{} read before the theft by camera {}, whose clock runs fast",
                s.plate.as_str(),
                s.camera_id
            ),
        };
        let (key, of) = (s.read_id.to_string(), s.fir_id.to_string());
        row_of(kind, "stolen_vehicle_sightings", &key, &of, &detail)?;
    }
    let rows_by_person = world.accused_rows_by_person();
    for (p, person) in world.accused_people.iter().enumerate() {
        let Some(offender) = person.namesake_of else {
            continue;
        };
        let name = world.accused_person(p as u32).name();
        let detail = format!("{name} of another district, with another father");
        for &row in &rows_by_person[p] {
            let key = (row as i64 + 1).to_string();
            row_of(
                "namesake",
                "repeat_offenders",
                &key,
                &offender.to_string(),
                &detail,
            )?;
        }
    }
    let shown = |p: usize| {
        rows_by_person[p]
            .iter()
            .any(|&row| world.accused[row as usize].phone == PhoneShown::Valid)
    };
    for (p, person) in world.accused_people.iter().enumerate() {
        if person.sim.is_family() && person.sim.mismatch().is_none() && shown(p) {
            let msisdn = canonical_phone(world.people.msisdn(p as u64));
            let (father, _) = telecom::registered_to(world, p as u32);
            let detail = format!(
                "registered to the father, {}, at the family's address",
                father.name()
            );
            row_of(
                "family_sim",
                "sim_identity_mismatch",
                &msisdn,
                &p.to_string(),
                &detail,
            )?;
        }
    }
    for (i, post) in world.posts.iter().enumerate() {
        if let (true, Author::Accused(p)) = (post.toy, post.author)
            && shown(p as usize)
        {
            let msisdn = canonical_phone(world.people.msisdn(p as u64));
            let detail = format!("a toy or replica weapon, posted from {msisdn}");
            row_of(
                "toy_weapon",
                "weapon_posts",
                &(i + 1).to_string(),
                &p.to_string(),
                &detail,
            )?;
        }
    }
    out.finish()
}

/// `truth.delta_versions` and `truth.corrections`: the history of the Delta tables.
pub fn delta_history(root: &Path, history: &delta::History) -> Result<[usize; 2], Error> {
    let mut versions = file(root, &tables::TRUTH_DELTA_VERSIONS)?;
    for v in &history.versions {
        versions.text(v.table);
        versions.i64(v.version);
        versions.timestamp(v.committed_at);
        versions.text(v.operation);
        versions.i64(v.rows);
        versions.end_row()?;
    }
    let mut corrections = file(root, &tables::TRUTH_CORRECTIONS)?;
    for c in &history.corrections {
        corrections.text(c.table);
        corrections.i64(c.fir_id);
        corrections.text(c.column);
        match &c.old {
            Some(old) => corrections.text(old),
            None => corrections.null(),
        }
        corrections.text(&c.new);
        corrections.i64(c.version);
        corrections.timestamp(c.committed_at);
        corrections.end_row()?;
    }
    Ok([versions.finish()?, corrections.finish()?])
}

/// `truth.repeat_offenders`, by person.
pub fn repeat_offenders(world: &World, root: &Path) -> Result<usize, Error> {
    let mut out = file(root, &tables::TRUTH_REPEAT_OFFENDERS)?;
    for (person, rows) in world.accused_rows_by_person().iter().enumerate() {
        if rows.len() < 2 {
            continue;
        }
        for &row in rows {
            out.i64(person as i64);
            out.i64(row as i64 + 1);
            out.i64(world.accused[row as usize].fir as i64 + 1);
            out.end_row()?;
        }
    }
    out.finish()
}

/// `truth.accused_phones`, `truth.sim_identity_mismatch` and `truth.weapon_posts`: the links
/// through accused persons' phones, for accused rows whose phone is written validly.
pub fn phone_links(world: &World, root: &Path) -> Result<[usize; 3], Error> {
    let mut posts_by_person = vec![0i64; world.accused_people.len()];
    for post in &world.posts {
        if let Author::Accused(p) = post.author {
            posts_by_person[p as usize] += 1;
        }
    }
    let mut phones = file(root, &tables::TRUTH_ACCUSED_PHONES)?;
    let mut mismatches = file(root, &tables::TRUTH_SIM_IDENTITY_MISMATCH)?;
    for (row, accused) in world.accused.iter().enumerate() {
        if accused.phone != PhoneShown::Valid {
            continue;
        }
        let person = &world.accused_people[accused.person as usize];
        let posts = posts_by_person[accused.person as usize];
        let in_subscribers = person.sim != Sim::None;
        if !in_subscribers && posts == 0 {
            continue;
        }
        let msisdn = canonical_phone(world.people.msisdn(accused.person as u64));
        phones.i64(row as i64 + 1);
        phones.i64(accused.person as i64);
        phones.text(&msisdn);
        phones.bool(in_subscribers);
        phones.i64(posts);
        phones.end_row()?;
        if let Some(reason) = person.sim.mismatch() {
            let (registered, _) = telecom::registered_to(world, accused.person);
            mismatches.text(&msisdn);
            mismatches.i64(row as i64 + 1);
            mismatches.i64(accused.person as i64);
            mismatches.text(reason);
            mismatches.text(&registered.name());
            mismatches.end_row()?;
        }
    }
    let rows_by_person = world.accused_rows_by_person();
    let mut weapons = file(root, &tables::TRUTH_WEAPON_POSTS)?;
    for (i, post) in world.posts.iter().enumerate() {
        let Author::Accused(p) = post.author else {
            continue;
        };
        if !post.weapon {
            continue;
        }
        let msisdn = canonical_phone(world.people.msisdn(p as u64));
        for &row in &rows_by_person[p as usize] {
            if world.accused[row as usize].phone == PhoneShown::Valid {
                weapons.i64(i as i64 + 1);
                weapons.text(&msisdn);
                weapons.i64(p as i64);
                weapons.i64(row as i64 + 1);
                weapons.end_row()?;
            }
        }
    }
    Ok([phones.finish()?, mismatches.finish()?, weapons.finish()?])
}
