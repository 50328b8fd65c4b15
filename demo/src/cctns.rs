//! `cctns.fir`, `cctns.accused` and `cctns.stolen_vehicles`.

use std::path::Path;

use super::calendar;
use super::geo::{self, GEO};
use super::law;
use super::mess;
use super::people;
use super::rng::{self, Distributions, Rng};
use super::tables;
use super::world::{COLOURS, MODELS, PhoneShown, World};
use super::write::TableFile;
use jaanch::Error;

/// The FIRs registered in one year: `cctns/fir/year=YYYY/part-0.parquet`, with their ground
/// truth (`truth/firs/part-YYYY.parquet`, `truth/fir_offences/part-YYYY.parquet`). Returns the
/// rows of the three.
pub fn fir_year(world: &World, root: &Path, index: usize) -> Result<[usize; 3], Error> {
    let (year, range) = &world.fir_years[index];
    let spec = &tables::FIR;
    let mut file = TableFile::create_in(root, spec, format!("year={year}/part-0.parquet"))?;
    let part = format!("part-{year}.parquet");
    let mut districts = TableFile::create_in(root, &tables::TRUTH_FIRS, &part)?;
    let mut offences = TableFile::create_in(root, &tables::TRUTH_FIR_OFFENCES, &part)?;
    let mut rng = Rng::stream(world.seed, rng::key("fir"), *year as u64);
    let mut text = String::new();
    for i in range.clone() {
        let fir = &world.firs[i];
        let d = GEO.district(fir.district as usize);
        let station = &d.stations[fir.station as usize];
        let crime = fir.crime();
        file.i64(i as i64 + 1);
        text.clear();
        geo::write_district(&mut rng, d, &mut text);
        file.text(&text);
        file.text(&station.name);
        file.i32(fir.fir_no as i32);
        file.timestamp(fir.registered_at);
        file.timestamp(fir.occurred_at);
        text.clear();
        let common_intention = fir.accused >= 2 && rng.chance(0.5);
        let cited = law::write_sections(
            &mut rng,
            crime,
            fir.under_bns(),
            common_intention,
            &mut text,
        );
        file.text(&text);
        districts.i64(i as i64 + 1);
        districts.text(d.name);
        districts.end_row()?;
        for c in &cited {
            offences.i64(i as i64 + 1);
            offences.text(&c.cited);
            offences.text(&c.offence);
            offences.end_row()?;
        }
        file.text(crime.category);
        let (lat, lon) = d.point(&mut rng, if station.urban { 0.04 } else { 0.2 });
        file.f64(lat);
        file.f64(lon);
        file.text(law::status(&mut rng, crime, calendar::LAST_DAY - fir.day()));
        text.clear();
        world
            .people
            .write_officer(World::station_key(fir), rng.below(6), &mut text);
        file.text(&text);
        file.end_row()?;
    }
    Ok([file.finish()?, districts.finish()?, offences.finish()?])
}

/// `cctns/accused/part-0.parquet`.
pub fn accused(world: &World, root: &Path) -> Result<usize, Error> {
    let spec = &tables::ACCUSED;
    let mut file = TableFile::create_in(root, spec, "part-0.parquet")?;
    let mut rng = Rng::stream(world.seed, rng::key("accused"), 0);
    let mut text = String::new();
    for (i, a) in world.accused.iter().enumerate() {
        let fir = &world.firs[a.fir as usize];
        let person = world.accused_person(a.person);
        file.i64(a.fir as i64 + 1);
        file.i64(i as i64 + 1);
        text.clear();
        if a.appearance > 0 && rng.chance(mess::NAME_VARIANT) {
            person.write_name_variant(&mut rng, &mut text);
        } else {
            person.write_name(&mut text);
        }
        file.text(&text);
        text.clear();
        person.write_father(&mut text);
        file.text(&text);
        let misstated = if rng.chance(0.1) {
            rng.range(-2, 2) as i32
        } else {
            0
        };
        file.i32((person.age_in(fir.year()) + misstated).max(16));
        file.text(if person.male { "M" } else { "F" });
        text.clear();
        world.people.write_address(&person, &mut text);
        file.text(&text);
        text.clear();
        geo::write_district(&mut rng, GEO.district(person.district), &mut text);
        file.text(&text);
        text.clear();
        match a.phone {
            PhoneShown::Missing => file.null(),
            PhoneShown::Invalid => {
                people::write_invalid_phone(&mut rng, person.msisdn, &mut text);
                file.text(&text);
            }
            PhoneShown::Valid => {
                people::write_phone(&mut rng, person.msisdn, &mut text);
                file.text(&text);
            }
        }
        if rng.chance(0.55) {
            let day = fir.day() + (rng.exponential() * 15.0) as i32;
            file.date(day.min(calendar::LAST_DAY));
        } else {
            file.null();
        }
        file.end_row()?;
    }
    file.finish()
}

/// `cctns/stolen_vehicles/part-0.parquet`.
pub fn stolen_vehicles(world: &World, root: &Path) -> Result<usize, Error> {
    let spec = &tables::STOLEN_VEHICLES;
    let mut file = TableFile::create_in(root, spec, "part-0.parquet")?;
    let mut rng = Rng::stream(world.seed, rng::key("stolen"), 0);
    let mut text = String::new();
    for stolen in &world.stolen {
        let fir = &world.firs[stolen.fir as usize];
        let vehicle = &world.vehicles[stolen.vehicle as usize];
        let model = &MODELS[vehicle.model as usize];
        file.i64(stolen.fir as i64 + 1);
        text.clear();
        vehicle.plate.write_typed(&mut rng, &mut text);
        file.text(&text);
        let typed = |rng: &mut Rng, value: &str| -> String {
            if rng.chance(0.6) {
                title_case(value)
            } else {
                value.to_string()
            }
        };
        file.text(&typed(&mut rng, model.make));
        file.text(&typed(&mut rng, model.model));
        file.text(COLOURS[vehicle.colour as usize]);
        file.timestamp(fir.occurred_at);
        text.clear();
        geo::write_district(&mut rng, GEO.district(fir.district as usize), &mut text);
        file.text(&text);
        match stolen.recovered_on {
            Some(day) => file.date(day),
            None => file.null(),
        }
        file.end_row()?;
    }
    file.finish()
}

/// `HERO HONDA` → `Hero Honda`.
pub fn title_case(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut start = true;
    for c in text.chars() {
        if start {
            out.extend(c.to_uppercase());
        } else {
            out.extend(c.to_lowercase());
        }
        start = c == ' ' || c == '-';
    }
    out
}
