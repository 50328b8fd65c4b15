//! Crime categories of FIRs and the sections they cite: IPC for offences before 1 July 2024,
//! BNS from then on, and special acts (Arms, NDPS, IT, Excise) throughout.

use std::fmt::Write;

use jaanch_udfs::law::correspondence::IPC_TO_BNS;

use super::mess;
use super::rng::Rng;

/// One crime category with its sections and typical number of accused.
#[derive(Debug, Clone, Copy)]
pub struct Crime {
    pub category: &'static str,
    pub weight: f64,
    /// IPC sections, main first.
    pub ipc: &'static [&'static str],
    /// The BNS sections corresponding to `ipc`.
    pub bns: &'static [&'static str],
    /// A special act cited besides (or instead of) the penal code: `("66D", "IT Act")`.
    pub act: Option<(&'static str, &'static str)>,
    /// Mean number of accused named in the FIR.
    pub accused: f64,
    pub kind: CrimeKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrimeKind {
    Ordinary,
    VehicleTheft,
    AgainstWomen,
    Cyber,
}

use CrimeKind::*;

/// Categories with their share of FIRs. Vehicle theft is about a tenth, so that stolen
/// vehicles number about a tenth of FIRs.
pub const CRIMES: [Crime; 22] = [
    crime("Theft", 14.0, &["379"], &["303(2)"], None, 0.5, Ordinary),
    crime(
        "Vehicle theft",
        10.0,
        &["379"],
        &["303(2)"],
        None,
        0.3,
        VehicleTheft,
    ),
    crime(
        "House breaking",
        6.0,
        &["457", "380"],
        &["331(4)", "305"],
        None,
        0.4,
        Ordinary,
    ),
    crime("Robbery", 2.0, &["392"], &["309(4)"], None, 2.0, Ordinary),
    crime("Dacoity", 0.5, &["395"], &["310(2)"], None, 5.0, Ordinary),
    crime("Murder", 1.5, &["302"], &["103(1)"], None, 2.5, Ordinary),
    crime(
        "Attempt to murder",
        2.0,
        &["307"],
        &["109"],
        None,
        2.5,
        Ordinary,
    ),
    crime(
        "Hurt",
        12.0,
        &["323", "341"],
        &["115(2)", "126(2)"],
        None,
        2.3,
        Ordinary,
    ),
    crime(
        "Grievous hurt",
        3.0,
        &["325"],
        &["117(2)"],
        None,
        2.0,
        Ordinary,
    ),
    crime(
        "Rioting",
        3.0,
        &["147", "148"],
        &["191(2)", "191(3)"],
        None,
        6.0,
        Ordinary,
    ),
    crime(
        "Cheating",
        6.0,
        &["420", "406"],
        &["318(4)", "316(2)"],
        None,
        1.5,
        Ordinary,
    ),
    crime(
        "Cyber fraud",
        4.0,
        &["420"],
        &["318(4)"],
        Some(("66D", "IT Act")),
        0.3,
        Cyber,
    ),
    crime(
        "Identity theft",
        1.0,
        &[],
        &[],
        Some(("66C", "IT Act")),
        0.5,
        Cyber,
    ),
    crime(
        "Cruelty by husband or relatives",
        5.0,
        &["498A", "406"],
        &["85", "316(2)"],
        None,
        3.5,
        AgainstWomen,
    ),
    crime(
        "Dowry death",
        0.5,
        &["304B"],
        &["80(2)"],
        None,
        3.0,
        AgainstWomen,
    ),
    crime(
        "Assault on woman",
        3.0,
        &["354"],
        &["74"],
        None,
        1.2,
        AgainstWomen,
    ),
    crime(
        "Kidnapping",
        2.5,
        &["363"],
        &["137(2)"],
        None,
        1.2,
        Ordinary,
    ),
    crime(
        "Criminal intimidation",
        3.0,
        &["506"],
        &["351(2)"],
        None,
        1.5,
        Ordinary,
    ),
    crime(
        "Road accident",
        9.0,
        &["279", "337", "304A"],
        &["281", "125(a)", "106(1)"],
        None,
        1.0,
        Ordinary,
    ),
    crime(
        "NDPS",
        4.0,
        &[],
        &[],
        Some(("8/15", "NDPS Act")),
        1.3,
        Ordinary,
    ),
    crime(
        "Arms Act",
        2.5,
        &[],
        &[],
        Some(("3/25", "Arms Act")),
        1.1,
        Ordinary,
    ),
    crime(
        "Excise",
        3.0,
        &[],
        &[],
        Some(("19/54", "Rajasthan Excise Act")),
        1.0,
        Ordinary,
    ),
];

#[allow(clippy::too_many_arguments)]
const fn crime(
    category: &'static str,
    weight: f64,
    ipc: &'static [&'static str],
    bns: &'static [&'static str],
    act: Option<(&'static str, &'static str)>,
    accused: f64,
    kind: CrimeKind,
) -> Crime {
    Crime {
        category,
        weight,
        ipc,
        bns,
        act,
        accused,
        kind,
    }
}

/// Mean accused per FIR the generator aims at (300k accused for 200k FIRs).
pub const ACCUSED_PER_FIR: f64 = 1.5;

/// The factor that scales each category's mean number of accused to [`ACCUSED_PER_FIR`].
pub fn accused_factor() -> f64 {
    let total: f64 = CRIMES.iter().map(|c| c.weight).sum();
    let mean: f64 = CRIMES.iter().map(|c| c.weight * c.accused).sum::<f64>() / total;
    ACCUSED_PER_FIR / mean
}

/// An offence an FIR cites, for the ground truth (`truth.fir_offences`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cited {
    /// As the clerk cited it: `IPC 379`, `BNS 303(2)`, `NDPS Act 8/21`.
    pub cited: String,
    /// The offence, by one name under both codes: the BNS section the IPC↔BNS correspondence
    /// (`ref.ipc_bns`) pairs with the IPC section, at the level it lists it (murder is `BNS
    /// 103`, cited `302 IPC` or `103(1) BNS`); an act's section as `law_sections` names it
    /// (`Excise Act 19/54`).
    pub offence: String,
}

/// Writes the sections of an FIR as a clerk would: `379 IPC`, `302/34 IPC`, `u/s 420, 406 IPC`,
/// `धारा 379 भादवि`, `303(2) BNS`, `3/25 Arms Act`, `420 IPC, 66D IT Act`. IPC applies to
/// offences before 1 July 2024 (`bns` false), BNS to later ones. `common_intention` adds
/// IPC 34 / BNS 3(5) for offences by several people. Returns the offences written, in order.
pub fn write_sections(
    rng: &mut Rng,
    crime: &Crime,
    bns: bool,
    common_intention: bool,
    out: &mut String,
) -> Vec<Cited> {
    // (as written, the IPC section)
    let mut sections: Vec<(&str, &str)> = if bns {
        crime
            .bns
            .iter()
            .copied()
            .zip(crime.ipc.iter().copied())
            .collect()
    } else {
        crime.ipc.iter().map(|&s| (s, s)).collect()
    };
    // Secondary sections are not always cited.
    if sections.len() > 1 && rng.chance(0.4) {
        sections.truncate(1);
    }
    if common_intention && !sections.is_empty() {
        sections.push(if bns { ("3(5)", "34") } else { ("34", "34") });
    }
    let code = if bns { "BNS" } else { "IPC" };
    let mut cited: Vec<Cited> = sections
        .iter()
        .map(|(written, ipc)| Cited {
            cited: format!("{code} {written}"),
            offence: format!("BNS {}", successor(ipc)),
        })
        .collect();
    let hindi = rng.chance(mess::SECTIONS_HINDI);
    if !sections.is_empty() {
        if hindi {
            out.push_str("धारा ");
        } else if rng.chance(mess::SECTIONS_US) {
            out.push_str(if rng.chance(0.7) { "u/s " } else { "Sec. " });
        }
        // `302/34 IPC` when the second is common intention, else a comma list.
        let separator = if common_intention && sections.len() == 2 && rng.chance(0.6) {
            "/"
        } else {
            ", "
        };
        let written: Vec<&str> = sections.iter().map(|(written, _)| *written).collect();
        out.push_str(&written.join(separator));
        out.push_str(match (hindi, bns) {
            (true, false) => " भादवि",
            (true, true) => " बीएनएस",
            (false, false) => " IPC",
            (false, true) => " BNS",
        });
    }
    if let Some((section, act)) = crime.act {
        if !sections.is_empty() {
            out.push_str(", ");
        }
        let section = if act == "NDPS Act" {
            let section = rng.pick(&[section, section, "8/21", "8/20"]);
            if rng.chance(0.5) {
                let _ = write!(out, "NDPS {section}");
            } else {
                let _ = write!(out, "{section} NDPS Act");
            }
            section
        } else {
            let _ = write!(out, "{section} {act}");
            section
        };
        let name = act_name(act);
        cited.push(Cited {
            cited: format!("{name} {section}"),
            offence: format!("{name} {section}"),
        });
    }
    cited
}

/// The BNS section the IPC↔BNS correspondence pairs with an IPC section (the first, if several).
fn successor(ipc: &str) -> &'static str {
    IPC_TO_BNS
        .get(ipc)
        .and_then(|bns| bns.first())
        .map(String::as_str)
        .expect("every IPC section of CRIMES has a BNS successor")
}

/// An act as `law_sections` names it: the State's own acts without the State's name.
fn act_name(act: &str) -> &str {
    act.strip_prefix("Rajasthan ").unwrap_or(act)
}

/// The status of an FIR at the end of 2025, `age_days` after registration.
pub fn status(rng: &mut Rng, crime: &Crime, age_days: i32) -> &'static str {
    let untraced_bias = match crime.kind {
        VehicleTheft => 0.35,
        _ if crime.category == "Theft" || crime.category == "House breaking" => 0.25,
        _ => 0.0,
    };
    let u = rng.unit();
    if age_days < 60 {
        if u < 0.9 {
            "Under Investigation"
        } else {
            "Chargesheeted"
        }
    } else if age_days < 365 {
        if u < 0.35 {
            "Under Investigation"
        } else if u < 0.35 + untraced_bias {
            "Final Report (Untraced)"
        } else if u < 0.85 {
            "Chargesheeted"
        } else {
            "Final Report"
        }
    } else if u < 0.05 {
        "Under Investigation"
    } else if u < 0.05 + untraced_bias {
        "Final Report (Untraced)"
    } else if u < 0.70 {
        "Chargesheeted"
    } else if u < 0.82 {
        "Final Report"
    } else if u < 0.92 {
        "Convicted"
    } else {
        "Acquitted"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_cite_the_right_code() {
        let mut rng = Rng::new(5);
        let murder = CRIMES.iter().find(|c| c.category == "Murder").unwrap();
        for _ in 0..200 {
            let mut ipc = String::new();
            write_sections(&mut rng, murder, false, true, &mut ipc);
            assert!(
                ipc.contains("302") && (ipc.ends_with("IPC") || ipc.ends_with("भादवि")),
                "{ipc}"
            );
            let mut bns = String::new();
            write_sections(&mut rng, murder, true, false, &mut bns);
            assert!(
                bns.contains("103(1)") && (bns.ends_with("BNS") || bns.ends_with("बीएनएस")),
                "{bns}"
            );
        }
        let arms = CRIMES.iter().find(|c| c.category == "Arms Act").unwrap();
        let mut text = String::new();
        write_sections(&mut rng, arms, true, false, &mut text);
        assert_eq!(text, "3/25 Arms Act");
        assert!((accused_factor() - 1.0).abs() < 0.3);
    }

    /// The offences the ground truth records for an FIR are what `law_sections` reads out of
    /// its sections, and an offence has one name under both codes: an IPC section's is its
    /// successor, a BNS section's the successor of the IPC section the correspondence pairs it
    /// with (the section itself where the correspondence lists it, else the level it lists:
    /// murder `103(1)` is `103`).
    #[test]
    fn the_cited_offences_are_what_the_functions_read() {
        use jaanch_udfs::law::correspondence::{BNS_TO_IPC, Lookup};
        use jaanch_udfs::law::sections::SectionParser;

        fn first(lookup: &Lookup, section: &str) -> String {
            lookup
                .get(section)
                .and_then(|t| t.first())
                .cloned()
                .unwrap()
        }
        let mut rng = Rng::new(11);
        let mut parser = SectionParser::new();
        let mut folded = 0;
        for crime in &CRIMES {
            for bns in [false, true] {
                for common_intention in [false, true] {
                    for _ in 0..50 {
                        let mut text = String::new();
                        let cited =
                            write_sections(&mut rng, crime, bns, common_intention, &mut text);
                        let read: Vec<&str> = parser.references(&text).collect();
                        let written: Vec<&str> = cited.iter().map(|c| c.cited.as_str()).collect();
                        assert_eq!(read, written, "{text}");
                        for c in &cited {
                            let offence = if let Some(ipc) = c.cited.strip_prefix("IPC ") {
                                format!("BNS {}", first(&IPC_TO_BNS, ipc))
                            } else if let Some(section) = c.cited.strip_prefix("BNS ") {
                                let back = IPC_TO_BNS.get(&first(&BNS_TO_IPC, section)).unwrap();
                                if back.iter().any(|b| b == section) {
                                    c.cited.clone()
                                } else {
                                    folded += 1;
                                    format!("BNS {}", back[0])
                                }
                            } else {
                                c.cited.clone()
                            };
                            assert_eq!(offence, c.offence, "{text}");
                        }
                    }
                }
            }
        }
        assert!(folded > 0, "no BNS sub-section folded to its section");
    }
}
