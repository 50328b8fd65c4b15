//! `telecom.subscribers`, written in chunks of [`CHUNK`](super::vahan::CHUNK) rows.

use std::fmt::Write;
use std::path::Path;

use super::calendar::{self, DayPicker};
use super::geo::{self, GEO};
use super::mess;
use super::people::{self, Person};
use super::rng::{self, Rng, Weighted};
use super::tables;
use super::vahan::CHUNK;
use super::world::{Sim, World};
use super::write::TableFile;
use jaanch::Error;

const OPERATORS: [(&str, f64); 4] = [
    ("Jio", 0.40),
    ("Airtel", 0.33),
    ("Vi", 0.17),
    ("BSNL", 0.10),
];

/// The person a SIM held by accused person `id` is registered to, and whether that is the
/// holder's father (who shares the holder's address).
pub fn registered_to(world: &World, id: u32) -> (Person, bool) {
    let accused = &world.accused_people[id as usize];
    let holder = world.accused_person(id);
    match accused.sim {
        Sim::OtherPerson {
            stranger: Some(other),
        }
        | Sim::OtherPersonInvalidAadhaar {
            stranger: Some(other),
        } => (world.people.general(other), false),
        Sim::OtherPerson { stranger: None } | Sim::OtherPersonInvalidAadhaar { stranger: None } => {
            (world.people.father_of(&holder), true)
        }
        _ => (holder, false),
    }
}

/// Subscribers `chunk * CHUNK ..`: `telecom/subscribers/part-NNN.parquet`.
pub fn subscribers(world: &World, root: &Path, chunk: usize) -> Result<usize, Error> {
    let spec = &tables::SUBSCRIBERS;
    let mut file = TableFile::create_in(root, spec, format!("part-{chunk:03}.parquet"))?;
    let mut rng = Rng::stream(world.seed, rng::key("subscribers"), chunk as u64);
    let operators = Weighted::new(OPERATORS.iter().map(|o| o.1));
    let id_types = Weighted::new(mess::ID_TYPES.iter().map(|t| t.1));
    let activation = DayPicker::new(
        calendar::days_from_civil(2010, 1, 1),
        calendar::LAST_DAY,
        |d| 1.0 + (d - calendar::FIRST_DAY).max(-1000) as f64 / 2500.0,
    );
    let mut text = String::new();
    let end = ((chunk + 1) * CHUNK).min(world.subscribers.len());
    for &id in &world.subscribers[chunk * CHUNK..end] {
        // The SIM's number, its registered person, and how its identity was recorded.
        let (msisdn, registered, relative, sim) = if id < world.public_base {
            let holder = &world.accused_people[id as usize];
            let msisdn = world.people.msisdn(id);
            let (registered, relative) = registered_to(world, id as u32);
            (msisdn, registered, relative, holder.sim)
        } else {
            let person = world.people.general(id);
            (person.msisdn, person, false, Sim::None)
        };
        let mut operator_rng = Rng::stream(world.seed, rng::key("operator"), msisdn);
        let operator = OPERATORS[operators.sample(&mut operator_rng)].0;
        text.clear();
        let _ = match operator {
            "Jio" => write!(text, "91{msisdn}"),
            "Airtel" => write!(text, "{msisdn}"),
            "Vi" => write!(text, "+91{msisdn}"),
            _ => write!(text, "0{msisdn}"),
        };
        file.text(&text);
        file.text(operator);
        text.clear();
        if sim == Sim::OwnVariant {
            registered.write_name_variant(&mut rng, &mut text);
        } else {
            registered.write_name(&mut text);
        }
        file.text(&text);
        text.clear();
        registered.write_father(&mut text);
        file.text(&text);
        text.clear();
        if relative {
            // The father's SIM, at the family's address.
            let holder = world.accused_person(id as u32);
            world.people.write_address(&holder, &mut text);
        } else {
            world.people.write_address(&registered, &mut text);
        }
        file.text(&text);
        text.clear();
        geo::write_district(&mut rng, GEO.district(registered.district), &mut text);
        file.text(&text);
        let broken_aadhaar = match sim {
            Sim::InvalidAadhaar | Sim::OtherPersonInvalidAadhaar { .. } => true,
            Sim::None => rng.chance(mess::AADHAAR_INVALID),
            _ => false,
        };
        let id_type = match sim {
            Sim::InvalidAadhaar | Sim::OtherPersonInvalidAadhaar { .. } => "Aadhaar",
            _ => mess::ID_TYPES[id_types.sample(&mut rng)].0,
        };
        file.text(id_type);
        text.clear();
        if id_type == "Aadhaar" {
            let number = if broken_aadhaar {
                people::break_check_digit(&mut rng, registered.aadhaar)
            } else {
                registered.aadhaar
            };
            people::write_aadhaar(&mut rng, number, &mut text);
        } else {
            people::write_other_id(&mut rng, id_type, &registered, &mut text);
        }
        file.text(&text);
        text.clear();
        people::write_imei(world.seed, msisdn, &mut text);
        file.text(&text);
        file.date(activation.sample(&mut rng));
        file.end_row()?;
    }
    file.finish()
}
