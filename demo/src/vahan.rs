//! `vahan.registrations`, written in chunks of [`CHUNK`] rows.

use std::path::Path;

use super::geo::GEO;
use super::mess;
use super::people;
use super::rng::{self, Rng};
use super::tables;
use super::world::{MODELS, World};
use super::write::TableFile;
use jaanch::Error;

/// Rows per file of the large tables.
pub const CHUNK: usize = 250_000;

/// Registrations `chunk * CHUNK ..`: `vahan/registrations/part-NNN.parquet`.
pub fn registrations(world: &World, root: &Path, chunk: usize) -> Result<usize, Error> {
    let spec = &tables::REGISTRATIONS;
    let mut file = TableFile::create_in(root, spec, format!("part-{chunk:03}.parquet"))?;
    let mut rng = Rng::stream(world.seed, rng::key("registrations"), chunk as u64);
    let mut text = String::new();
    let end = ((chunk + 1) * CHUNK).min(world.vehicles.len());
    for vehicle in &world.vehicles[chunk * CHUNK..end] {
        let d = GEO.district(vehicle.district as usize);
        let model = &MODELS[vehicle.model as usize];
        let owner = world.people.general(vehicle.owner);
        file.text(vehicle.plate.as_str());
        file.text(d.rtos[vehicle.rto as usize]);
        text.clear();
        owner.write_name(&mut text);
        file.text(&text);
        if rng.chance(mess::OWNER_PHONE_MISSING) {
            file.null();
        } else {
            text.clear();
            people::write_messy_phone(&mut rng, owner.msisdn, &mut text);
            file.text(&text);
        }
        file.text(d.name);
        file.text(model.make);
        file.text(model.model);
        file.text(rng.pick(model.fuels));
        file.text(model.class);
        file.date(vehicle.registered_on);
        file.end_row()?;
    }
    file.finish()
}
