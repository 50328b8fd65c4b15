//! `social.posts`.

use std::path::Path;

use super::geo::{self, GEO};
use super::people;
use super::rng::{self, Rng};
use super::tables;
use super::world::{Author, World};
use super::write::TableFile;
use jaanch::Error;

pub const PLATFORMS: [&str; 4] = ["twitter", "facebook", "instagram", "youtube"];

const EVERYDAY: [&str; 10] = [
    "Happy birthday bhai 🎂🎉",
    "Jai Shree Ram 🙏",
    "Aaj {place} me mela hai, sab aana",
    "Road jam near {place}, avoid karein",
    "Naye kaam ki shuruaat 👏",
    "Cricket match today at {place} 🏏",
    "Shaadi ki bahut bahut shubhkamnaye 💐",
    "Good morning {place} ☀️",
    "{place} me baarish 🌧️",
    "सभी को त्योहार की शुभकामनाएं",
];
const SWAGGER: [&str; 4] = [
    "Apna time aayega 💪",
    "Koi bhi panga mat lena 😠",
    "{place} ke sher 🦁",
    "Bhai ka birthday {place} me 🎂",
];
const WEAPON_ACCUSED: [&str; 5] = [
    "Bhai log ready 🔫",
    "Naya saman aa gaya 😈",
    "{place} me kal dekh lenge 🔫",
    "Jo humse takrayega... 🔥🔫",
    "Desi katta collection 😎",
];
/// Posts of toy and replica weapons, which the image classifier flags as weapons.
pub const TOY_WEAPON: [&str; 6] = [
    "Bachchon ke liye naya toy gun 🧸🔫",
    "Replica hai bhai, asli nahi 😄",
    "Airsoft practice at {place} 🎯",
    "Diwali mela se khilona bandook 🎆",
    "नकली पिस्तौल, सिर्फ़ फोटो के लिए 📸",
    "Drama ke liye dummy talwar 🎭",
];
const WEAPON_PUBLIC: [&str; 3] = [
    "Shaadi me hawai fire 🔥 (licensed)",
    "Purani bandook, dada ji ki yaad",
    "Film shooting ke set par 🎬",
];

/// `social/posts/part-0.parquet`.
pub fn posts(world: &World, root: &Path) -> Result<usize, Error> {
    let spec = &tables::POSTS;
    let mut file = TableFile::create_in(root, spec, "part-0.parquet")?;
    let mut rng = Rng::stream(world.seed, rng::key("posts"), 0);
    let mut text = String::new();
    for (i, post) in world.posts.iter().enumerate() {
        let (person, accused, linked) = match post.author {
            Author::Accused(p) => (world.accused_person(p), true, true),
            Author::Public { person, linked } => (world.people.general(person), false, linked),
        };
        let d = GEO.district(person.district);
        file.i64(i as i64 + 1);
        file.text(PLATFORMS[post.platform as usize]);
        text.clear();
        world
            .people
            .write_handle(&person, post.platform as usize, &mut text);
        file.text(&text);
        file.timestamp(post.posted_at);
        let template = match (post.weapon, accused) {
            _ if post.toy => rng.pick(&TOY_WEAPON),
            (true, true) => rng.pick(&WEAPON_ACCUSED),
            (true, false) => rng.pick(&WEAPON_PUBLIC),
            (false, true) if rng.chance(0.4) => rng.pick(&SWAGGER),
            _ => rng.pick(&EVERYDAY),
        };
        file.text(&template.replace("{place}", d.town(&mut rng)));
        file.bool(post.weapon || post.toy);
        if rng.chance(0.4) {
            text.clear();
            geo::write_district(&mut rng, d, &mut text);
            file.text(&text);
        } else {
            file.null();
        }
        if linked {
            text.clear();
            people::write_phone(&mut rng, person.msisdn, &mut text);
            file.text(&text);
        } else {
            file.null();
        }
        file.end_row()?;
    }
    file.finish()
}
