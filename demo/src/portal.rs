//! `portal.complaints`: citizen complaints in English, Hinglish and Hindi.

use std::fmt::Write;
use std::path::Path;

use super::calendar::{self, DAY_MICROS, DayClock, DayPicker};
use super::geo::{self, GEO};
use super::people;
use super::rng::{self, Rng, Weighted};
use super::tables;
use super::world::World;
use super::write::TableFile;
use jaanch::Error;

const CATEGORIES: [(&str, f64); 10] = [
    ("Lost mobile", 0.22),
    ("Cyber fraud", 0.18),
    ("Theft", 0.12),
    ("Vehicle theft", 0.08),
    ("Harassment", 0.10),
    ("Property dispute", 0.08),
    ("Missing person", 0.04),
    ("Police inaction", 0.06),
    ("Noise nuisance", 0.04),
    ("Other", 0.08),
];

const BRANDS: [&str; 8] = [
    "Vivo", "Oppo", "Redmi", "Samsung", "Realme", "iPhone", "OnePlus", "Nokia",
];
const ITEMS: [&str; 6] = [
    "gold chain",
    "mangalsutra",
    "laptop",
    "cash",
    "silver payal",
    "TV",
];

/// `portal/complaints/part-0.parquet`.
pub fn complaints(world: &World, root: &Path) -> Result<usize, Error> {
    let spec = &tables::COMPLAINTS;
    let mut file = TableFile::create_in(root, spec, "part-0.parquet")?;
    let mut rng = Rng::stream(world.seed, rng::key("complaints"), 0);
    let days = DayPicker::new(calendar::FIRST_DAY, calendar::LAST_DAY, |d| {
        1.0 + (d - calendar::FIRST_DAY) as f64 / 1200.0
    });
    let clock = DayClock::new(&calendar::hours::ONLINE);
    let mut times: Vec<i64> = (0..world.sizes.complaints)
        .map(|_| days.sample(&mut rng) as i64 * DAY_MICROS + clock.time_of_day(&mut rng))
        .collect();
    times.sort_unstable();
    let categories = Weighted::new(CATEGORIES.iter().map(|c| c.1));
    let mut text = String::new();
    for (k, &submitted_at) in times.iter().enumerate() {
        let person = world.people.general(world.random_public(&mut rng));
        let category = CATEGORIES[categories.sample(&mut rng)].0;
        let d = GEO.district(person.district);
        file.i64(k as i64 + 1);
        file.timestamp(submitted_at);
        text.clear();
        person.write_name(&mut text);
        file.text(&text);
        text.clear();
        people::write_messy_phone(&mut rng, person.msisdn, &mut text);
        file.text(&text);
        text.clear();
        geo::write_district(&mut rng, d, &mut text);
        file.text(&text);
        file.text(category);
        text.clear();
        let day = submitted_at.div_euclid(DAY_MICROS) as i32;
        let place = d.town(&mut rng);
        write_text(world, &mut rng, category, place, day, &mut text);
        file.text(&text);
        let age = calendar::LAST_DAY - day;
        let u = rng.unit();
        file.text(if age < 30 && u < 0.6 {
            "Received"
        } else if u < 0.2 {
            "Under process"
        } else if u < 0.88 {
            "Disposed"
        } else {
            "Rejected"
        });
        file.end_row()?;
    }
    file.finish()
}

fn write_text(
    world: &World,
    rng: &mut Rng,
    category: &str,
    place: &str,
    day: i32,
    out: &mut String,
) {
    let date = calendar::indian_date(day - rng.range(0, 5) as i32);
    let other = world.people.general(world.random_public(rng));
    let mut phone = String::new();
    people::write_phone(rng, other.msisdn, &mut phone);
    let amount = rng.range(2, 400) * 500;
    let variant = rng.below(3);
    let _ = match (category, variant) {
        ("Lost mobile", 0) => {
            let mut imei = String::new();
            people::write_imei(world.seed, other.msisdn, &mut imei);
            write!(
                out,
                "Mobile phone {} lost near {place} on {date}. IMEI {imei}.",
                rng.pick(&BRANDS)
            )
        }
        ("Lost mobile", 1) => write!(
            out,
            "Mera {} mobile {place} me gum ho gaya, kripya madad karein.",
            rng.pick(&BRANDS)
        ),
        ("Lost mobile", _) => write!(out, "मेरा मोबाइल {place} में खो गया है, कृपया रिपोर्ट दर्ज करें।"),
        ("Cyber fraud", 0) => write!(
            out,
            "Received call from {phone} claiming to be bank officer, Rs {amount} debited via UPI."
        ),
        ("Cyber fraud", 1) => write!(
            out,
            "OLX par saman bechne ke naam par Rs {amount} ka fraud hua, number {phone}."
        ),
        ("Cyber fraud", _) => write!(
            out,
            "मेरे खाते से {amount} रुपये निकाल लिए गए, कॉल {phone} से आया था।"
        ),
        ("Theft", 0) => write!(
            out,
            "{} stolen from my house in {place} on {date}.",
            capitalise(rng.pick(&ITEMS))
        ),
        ("Theft", _) => write!(
            out,
            "Ghar se {} chori ho gaya, {place}. FIR darj karein.",
            rng.pick(&ITEMS)
        ),
        ("Vehicle theft", _) => {
            let mut plate = String::new();
            // Often a vehicle that was indeed reported stolen.
            let vehicle = if !world.stolen.is_empty() && rng.chance(0.5) {
                world.stolen[rng.index(world.stolen.len())].vehicle
            } else {
                rng.index(world.vehicles.len()) as u32
            };
            world.vehicles[vehicle as usize]
                .plate
                .write_typed(rng, &mut plate);
            if variant == 0 {
                write!(
                    out,
                    "My motorcycle {plate} was stolen from {place} on {date}. Please register FIR."
                )
            } else {
                write!(out, "Gaadi no. {plate} {place} se chori ho gayi.")
            }
        }
        ("Harassment", 0) => write!(
            out,
            "Unknown number {phone} is sending abusive messages to my daughter."
        ),
        ("Harassment", _) => write!(
            out,
            "Padosi {} roz jhagda karta hai aur dhamki deta hai.",
            other.name()
        ),
        ("Property dispute", _) => write!(
            out,
            "Illegal possession of my plot at {place} by {}.",
            other.name()
        ),
        ("Missing person", _) => write!(
            out,
            "My son aged {} is missing since {date} from {place}.",
            rng.range(8, 25)
        ),
        ("Police inaction", _) => write!(
            out,
            "Complaint given at {place} thana on {date} but no action taken."
        ),
        ("Noise nuisance", _) => {
            write!(out, "Loud DJ every night near {place}, please take action.")
        }
        (_, 0) => write!(out, "Request for character verification certificate."),
        _ => write!(
            out,
            "Tenant verification pending for {} at {place}.",
            other.name()
        ),
    };
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
