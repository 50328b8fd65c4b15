//! The demo lake's tables: names, folders, partitions, column types and the descriptions
//! written into `lake.toml` (what `\d` shows).

use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};

/// A column type of the demo lake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    Int64,
    Int32,
    Float64,
    Text,
    /// Local time (IST), microseconds, no time zone.
    Timestamp,
    Date,
    Bool,
}

impl Type {
    pub fn data_type(self) -> DataType {
        match self {
            Type::Int64 => DataType::Int64,
            Type::Int32 => DataType::Int32,
            Type::Float64 => DataType::Float64,
            Type::Text => DataType::Utf8,
            Type::Timestamp => DataType::Timestamp(TimeUnit::Microsecond, None),
            Type::Date => DataType::Date32,
            Type::Bool => DataType::Boolean,
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub name: &'static str,
    pub ty: Type,
    pub nullable: bool,
    pub doc: &'static str,
}

const fn col(name: &'static str, ty: Type, doc: &'static str) -> Column {
    Column {
        name,
        ty,
        nullable: false,
        doc,
    }
}

const fn opt(name: &'static str, ty: Type, doc: &'static str) -> Column {
    Column {
        name,
        ty,
        nullable: true,
        doc,
    }
}

/// A hive partition column (`key=value` folders).
#[derive(Debug, Clone, Copy)]
pub struct Partition {
    pub column: &'static str,
    /// As written in `lake.toml`'s `partitions` (`"year:int"`).
    pub config: &'static str,
    pub doc: &'static str,
}

/// One table of the lake.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    /// `schema.table`.
    pub name: &'static str,
    /// Folder relative to `lake.toml`.
    pub location: &'static str,
    /// The hive partition column, if any; it is not stored in the files.
    pub partition: Option<Partition>,
    pub description: &'static str,
    /// Columns stored in the files, in order.
    pub columns: &'static [Column],
}

impl Spec {
    pub fn schema(&self) -> SchemaRef {
        Arc::new(Schema::new(
            self.columns
                .iter()
                .map(|c| Field::new(c.name, c.ty.data_type(), c.nullable))
                .collect::<Vec<_>>(),
        ))
    }

    pub fn is_truth(&self) -> bool {
        self.name.starts_with("truth.")
    }
}

use Type::*;

pub const FIR: Spec = Spec {
    name: "cctns.fir",
    location: "cctns/fir/",
    partition: Some(Partition {
        column: "year",
        config: "year:int",
        doc: "Calendar year of registration (folder year=YYYY)",
    }),
    description: "First information reports registered at police stations (CCTNS), 2019-2025. \
Partitioned by year of registration: queries are by period far more than by district, and \
district names are written too many ways to partition on.",
    columns: &[
        col("fir_id", Int64, "FIR identifier, in order of registration"),
        col(
            "district",
            Text,
            "District as entered by the station: English variants, Devanagari, police districts (Jaipur East), abolished 2023 districts, typos",
        ),
        col(
            "police_station",
            Text,
            "Police station (Kotwali, Sadar, town stations, Mahila Thana, Cyber Thana)",
        ),
        col(
            "fir_no",
            Int32,
            "FIR serial number at the station; restarts every calendar year",
        ),
        col(
            "registered_at",
            Timestamp,
            "When the FIR was registered (local time)",
        ),
        col(
            "occurred_at",
            Timestamp,
            "When the offence occurred (local time); its date decides IPC or BNS",
        ),
        col(
            "sections",
            Text,
            "Sections as written: IPC before 1 July 2024 (379 IPC, 302/34 IPC, धारा 379 भादवि), BNS after (303(2) BNS), special acts (3/25 Arms Act, NDPS 8/21, 66D IT Act)",
        ),
        col(
            "category",
            Text,
            "Crime category, consistent with the sections",
        ),
        col(
            "lat",
            Float64,
            "Latitude of the place of occurrence (WGS84)",
        ),
        col(
            "lon",
            Float64,
            "Longitude of the place of occurrence (WGS84)",
        ),
        col("status", Text, "Investigation status at the end of 2025"),
        col("io_name", Text, "Investigating officer, with rank"),
    ],
};

pub const ACCUSED: Spec = Spec {
    name: "cctns.accused",
    location: "cctns/accused/",
    partition: None,
    description: "Persons accused in FIRs, one row per FIR and person. Repeat offenders appear \
under several accused ids with their name spelt differently and their phone written in \
different formats.",
    columns: &[
        col("fir_id", Int64, "FIR (cctns.fir.fir_id)"),
        col(
            "accused_id",
            Int64,
            "Accused identifier, one per FIR and person",
        ),
        col("name", Text, "Name as recorded; may carry an alias after @"),
        col("father_name", Text, "Father's name"),
        col("age", Int32, "Age as stated at the time of the FIR"),
        col("gender", Text, "M, F"),
        col("address", Text, "Address as recorded"),
        col("district", Text, "Home district as written"),
        opt(
            "phone",
            Text,
            "Mobile number as written (+91 98290 12345, 09829012345, 919829012345, ...); some invalid",
        ),
        opt("arrested_on", Date, "Date of arrest, if arrested"),
    ],
};

pub const STOLEN_VEHICLES: Spec = Spec {
    name: "cctns.stolen_vehicles",
    location: "cctns/stolen_vehicles/",
    partition: None,
    description: "Vehicles reported stolen in vehicle-theft FIRs, with the plate as typed at \
the station. Most are not recovered.",
    columns: &[
        col("fir_id", Int64, "Vehicle-theft FIR (cctns.fir.fir_id)"),
        col(
            "plate",
            Text,
            "Registration number as entered: RJ 14 CA 0012, rj14ca0012, RJ-14-CA-12, ...",
        ),
        col("make", Text, "Maker as entered"),
        col("model", Text, "Model as entered"),
        col("colour", Text, "Colour"),
        col(
            "stolen_at",
            Timestamp,
            "When the vehicle was stolen (local time)",
        ),
        col("district", Text, "District of the theft as written"),
        opt("recovered_on", Date, "Date of recovery, if recovered"),
    ],
};

pub const REGISTRATIONS: Spec = Spec {
    name: "vahan.registrations",
    location: "vahan/registrations/",
    partition: None,
    description: "Vehicles registered at Rajasthan RTOs (VAHAN), including Bharat-series (BH) \
and old three-letter series registrations.",
    columns: &[
        col(
            "reg_no",
            Text,
            "Registration number, canonical (RJ14CA0012, 22BH1234AA, RSB0034)",
        ),
        col("rto_code", Text, "Registering office (RJ14)"),
        col("owner_name", Text, "Registered owner"),
        opt("owner_phone", Text, "Owner's mobile number as written"),
        col("district", Text, "District of the registering office"),
        col("make", Text, "Maker"),
        col("model", Text, "Model"),
        col("fuel", Text, "Fuel"),
        col("vehicle_class", Text, "VAHAN vehicle class"),
        col("registered_on", Date, "Date of registration"),
    ],
};

pub const CAMERAS: Spec = Spec {
    name: "abhay.cameras",
    location: "abhay/cameras/",
    partition: None,
    description: "ANPR cameras of the Abhay command centres: city junctions, highways, toll plazas.",
    columns: &[
        col("camera_id", Int64, "Camera identifier"),
        col("district", Text, "District (canonical name)"),
        col("location", Text, "Where the camera stands"),
        col("lat", Float64, "Latitude (WGS84)"),
        col("lon", Float64, "Longitude (WGS84)"),
        col(
            "clock_offset_seconds",
            Int64,
            "Clock error found at the last maintenance check: camera time minus true time, in \
seconds (0: on time). The camera's reads carry it in seen_at",
        ),
    ],
};

pub const ANPR_READS: Spec = Spec {
    name: "abhay.anpr_reads",
    location: "abhay/anpr_reads/",
    partition: Some(Partition {
        column: "dt",
        config: "dt",
        doc: "Day of the reads, YYYY-MM-DD (folder dt=YYYY-MM-DD)",
    }),
    description: "Number-plate reads from ANPR cameras, partitioned by day (dt). Plates are \
as the OCR read them: look-alike confusions (O/0/D/Q, I/1/L/T/J, Z/2, S/5, B/8, G/6, A/4), \
spaces, an IND prefix, sometimes a lost character; the confidence falls with the noise.",
    columns: &[
        col("read_id", Int64, "Read identifier"),
        col("camera_id", Int64, "Camera (abhay.cameras.camera_id)"),
        col(
            "seen_at",
            Timestamp,
            "When the vehicle passed (local time), by the camera's clock: see abhay.cameras.clock_offset_seconds",
        ),
        col(
            "plate_text",
            Text,
            "Plate as read by the camera's OCR, unnormalised",
        ),
        col("confidence", Float64, "OCR confidence, 0-1"),
    ],
};

pub const DIAL112_CALLS: Spec = Spec {
    name: "abhay.dial112_calls",
    location: "abhay/dial112_calls/",
    partition: None,
    description: "Emergency calls to Dial-112: more in the evening, at weekends and around Holi \
and Diwali.",
    columns: &[
        col("call_id", Int64, "Call identifier"),
        col(
            "received_at",
            Timestamp,
            "When the call was received (local time)",
        ),
        col("caller", Text, "Caller's number as captured; some invalid"),
        col(
            "district",
            Text,
            "District as typed by the call taker (free text)",
        ),
        col("category", Text, "Call category"),
        col("lat", Float64, "Latitude of the caller's location (WGS84)"),
        col("lon", Float64, "Longitude of the caller's location (WGS84)"),
        opt(
            "response_seconds",
            Int32,
            "Seconds until a vehicle reached the caller; empty when none was sent",
        ),
    ],
};

pub const SUBSCRIBERS: Spec = Spec {
    name: "telecom.subscribers",
    location: "telecom/subscribers/",
    partition: None,
    description: "Mobile subscribers (customer application forms) shared by the operators. \
Some SIMs are registered in another person's name, or with an invalid Aadhaar number.",
    columns: &[
        col(
            "msisdn",
            Text,
            "Mobile number in the operator's format (Jio 91XXXXXXXXXX, Airtel XXXXXXXXXX, Vi +91XXXXXXXXXX, BSNL 0XXXXXXXXXX)",
        ),
        col("operator", Text, "Operator"),
        col("name", Text, "Subscriber's name"),
        col("father_name", Text, "Father's name"),
        col("address", Text, "Address"),
        col("district", Text, "District as written"),
        col(
            "id_type",
            Text,
            "Proof of identity: Aadhaar, Voter ID, Driving Licence, PAN, Passport",
        ),
        col(
            "id_number",
            Text,
            "Number of the identity document; Aadhaar with or without spaces, some with a wrong Verhoeff check digit",
        ),
        col(
            "imei",
            Text,
            "IMEI of the handset; a few with a wrong Luhn check digit or 14 digits",
        ),
        col("activated_on", Date, "Date of activation"),
    ],
};

pub const COMPLAINTS: Spec = Spec {
    name: "portal.complaints",
    location: "portal/complaints/",
    partition: None,
    description: "Complaints submitted on the Rajasthan Police citizen portal, in English, \
Hinglish or Hindi.",
    columns: &[
        col("complaint_id", Int64, "Complaint identifier"),
        col(
            "submitted_at",
            Timestamp,
            "When the complaint was submitted (local time)",
        ),
        col("name", Text, "Complainant's name"),
        col(
            "mobile",
            Text,
            "Complainant's mobile number as typed; some invalid",
        ),
        col("district", Text, "District as chosen or typed"),
        col("category", Text, "Complaint category"),
        col("text", Text, "Complaint text"),
        col("status", Text, "Status"),
    ],
};

pub const POSTS: Spec = Spec {
    name: "social.posts",
    location: "social/posts/",
    partition: None,
    description: "Public social-media posts collected by the social-media monitoring cell, \
with the image classifier's weapon flag and the phone number linked to the account where \
known.",
    columns: &[
        col("post_id", Int64, "Post identifier"),
        col("platform", Text, "twitter, facebook, instagram or youtube"),
        col("handle", Text, "Account handle"),
        col(
            "posted_at",
            Timestamp,
            "When the post was published (local time)",
        ),
        col("text", Text, "Text of the post"),
        col(
            "weapon_in_image",
            Bool,
            "The image classifier saw a weapon in the post's image",
        ),
        opt(
            "district_tag",
            Text,
            "District tagged or mentioned, as written",
        ),
        opt(
            "linked_phone",
            Text,
            "Phone number linked to the account, as found",
        ),
    ],
};

pub const TRUTH_STOLEN_SIGHTINGS: Spec = Spec {
    name: "truth.stolen_sightings",
    location: "truth/stolen_sightings/",
    partition: None,
    description: "Ground truth: every ANPR read of an unrecovered stolen vehicle after its \
theft. Reads of stolen vehicles before the theft or after recovery are not sightings; other \
vehicles' plates differ from a stolen one's by more than look-alikes (those one character \
away are in truth.decoys), so a report's precision and recall are measured against this table \
(on read_id).",
    columns: &[
        col("fir_id", Int64, "Vehicle-theft FIR (cctns.fir.fir_id)"),
        col(
            "plate",
            Text,
            "The stolen vehicle's plate, canonical (RJ14CA0012)",
        ),
        col("read_id", Int64, "The read (abhay.anpr_reads.read_id)"),
        col("camera_id", Int64, "Camera of the read"),
        col(
            "seen_at",
            Timestamp,
            "Time of the read, as recorded (by the camera's clock)",
        ),
        col(
            "plate_text",
            Text,
            "The plate as read (a few reads are garbled beyond repair)",
        ),
        col(
            "readable",
            Bool,
            "The read carries the plate: false for garbled reads (a character lost, or a digit \
misread as another digit), which no look-alike rule recovers",
        ),
    ],
};

pub const TRUTH_DECOYS: Spec = Spec {
    name: "truth.decoys",
    location: "truth/decoys/",
    partition: None,
    description: "Ground truth: records that look like a report's hits and are not, which the \
report must leave out (its precision counts them).",
    columns: &[
        col(
            "kind",
            Text,
            "What the decoy is: plate_one_off (a read of a plate one character away from a \
stolen one, a character no OCR confuses with it), camera_clock_skew (a stolen vehicle read \
shortly before the theft by a camera whose fast clock records it after), namesake (an accused \
person of another district, with another father, who bears a repeat offender's name), \
family_sim (an accused person's SIM \
registered to the father at the family's address), toy_weapon (an accused person's post of a \
toy or replica weapon, flagged as a weapon)",
        ),
        col("report", Text, "The saved report it tests"),
        col(
            "key",
            Text,
            "The record, as the report identifies it: read_id (stolen_vehicle_sightings), \
accused_id (repeat_offenders), msisdn (sim_identity_mismatch), post_id (weapon_posts)",
        ),
        col(
            "of",
            Text,
            "What it resembles: the stolen vehicle's fir_id (plate_one_off, \
camera_clock_skew), the repeat offender's person_id (namesake), the accused person_id \
(family_sim, toy_weapon)",
        ),
        col("detail", Text, "The decoy and what it resembles, in words"),
    ],
};

pub const TRUTH_REPEAT_OFFENDERS: Spec = Spec {
    name: "truth.repeat_offenders",
    location: "truth/repeat_offenders/",
    partition: None,
    description: "Ground truth: the accused rows of every person accused in two or more FIRs. \
Persons with the same name who are different people are not in it together.",
    columns: &[
        col("person_id", Int64, "The person"),
        col(
            "accused_id",
            Int64,
            "One of the person's rows (cctns.accused.accused_id)",
        ),
        col("fir_id", Int64, "The FIR of that row"),
    ],
};

pub const TRUTH_ACCUSED_PHONES: Spec = Spec {
    name: "truth.accused_phones",
    location: "truth/accused_phones/",
    partition: None,
    description: "Ground truth: accused rows whose phone, as written, is a valid number that \
appears in telecom.subscribers or as a linked phone of social posts.",
    columns: &[
        col(
            "accused_id",
            Int64,
            "Accused row (cctns.accused.accused_id)",
        ),
        col("person_id", Int64, "The person"),
        col("msisdn", Text, "The number, canonical (+919829012345)"),
        col(
            "in_subscribers",
            Bool,
            "The number has a record in telecom.subscribers",
        ),
        col("posts", Int64, "Social posts linked to the number"),
    ],
};

pub const TRUTH_SIM_IDENTITY_MISMATCH: Spec = Spec {
    name: "truth.sim_identity_mismatch",
    location: "truth/sim_identity_mismatch/",
    partition: None,
    description: "Ground truth: SIMs held by accused persons (their phone as written in \
cctns.accused) but registered in another person's name, or with an invalid Aadhaar number. \
SIMs in the holder's own name spelt differently are not mismatches. One row per SIM and \
accused row.",
    columns: &[
        col("msisdn", Text, "The number, canonical (+919829012345)"),
        col("accused_id", Int64, "Accused row holding the number"),
        col("person_id", Int64, "The person holding the SIM"),
        col(
            "reason",
            Text,
            "other_person, invalid_aadhaar or other_person_invalid_aadhaar",
        ),
        col("subscriber_name", Text, "The name the SIM is registered in"),
    ],
};

pub const TRUTH_WEAPON_POSTS: Spec = Spec {
    name: "truth.weapon_posts",
    location: "truth/weapon_posts/",
    partition: None,
    description: "Ground truth: posts showing a weapon whose linked phone belongs to an accused \
person, one row per post and accused row (score on post_id).",
    columns: &[
        col("post_id", Int64, "The post (social.posts.post_id)"),
        col(
            "msisdn",
            Text,
            "The linked number, canonical (+919829012345)",
        ),
        col("person_id", Int64, "The person"),
        col(
            "accused_id",
            Int64,
            "An accused row of the person with that phone",
        ),
    ],
};

pub const TRUTH_FIRS: Spec = Spec {
    name: "truth.firs",
    location: "truth/firs/",
    partition: None,
    description: "Ground truth of every FIR's district: the district of its police station by \
today's name, however cctns.fir.district spells it. Reports by district are scored against it \
(bench/accuracy.py counts each report's FIRs by this district).",
    columns: &[
        col("fir_id", Int64, "The FIR (cctns.fir.fir_id)"),
        col(
            "district",
            Text,
            "Its district as today's name (Jaipur, not Jaipur East, जयपुर or Dudu)",
        ),
    ],
};

pub const TRUTH_FIR_OFFENCES: Spec = Spec {
    name: "truth.fir_offences",
    location: "truth/fir_offences/",
    partition: None,
    description: "Ground truth of the offences each FIR's sections cite, one row per offence in \
the order written: as cited (IPC before 1 July 2024, BNS after, special acts) and as the \
offence stands today (an IPC section by its BNS successor).",
    columns: &[
        col("fir_id", Int64, "The FIR (cctns.fir.fir_id)"),
        col(
            "cited",
            Text,
            "As cited, named as law_sections names it: IPC 379, BNS 303(2), NDPS Act 8/21",
        ),
        col(
            "offence",
            Text,
            "The offence today: BNS 303(2) for IPC 379, the act's section for an act",
        ),
    ],
};

pub const TRUTH_DIAL112_CALLS: Spec = Spec {
    name: "truth.dial112_calls",
    location: "truth/dial112_calls/",
    partition: None,
    description: "Ground truth of every Dial-112 call's district, however the call taker typed \
it into abhay.dial112_calls.district.",
    columns: &[
        col("call_id", Int64, "The call (abhay.dial112_calls.call_id)"),
        col("district", Text, "The district by today's name"),
    ],
};

pub const TRUTH_STOLEN_VEHICLE_READS: Spec = Spec {
    name: "truth.stolen_vehicle_reads",
    location: "truth/stolen_vehicle_reads/",
    partition: None,
    description: "Ground truth: every ANPR read of a stolen vehicle, at any time (before the \
theft, after it, after the recovery, by cameras with clock error). A vehicle's history is \
scored against it; reads of look-alike plates are other vehicles' and not in it.",
    columns: &[
        col(
            "fir_id",
            Int64,
            "The vehicle's theft FIR (cctns.stolen_vehicles.fir_id)",
        ),
        col("plate", Text, "Its plate, canonical (RJ14CA0012)"),
        col("read_id", Int64, "The read (abhay.anpr_reads.read_id)"),
        col(
            "readable",
            Bool,
            "The read carries the plate (false for garbled reads, as in truth.stolen_sightings)",
        ),
    ],
};

pub const TRUTH_DELTA_VERSIONS: Spec = Spec {
    name: "truth.delta_versions",
    location: "truth/delta_versions/",
    partition: None,
    description: "Ground truth of the Delta tables' history: every version of cctns.fir and \
cctns.stolen_vehicles, when it was committed, by what operation, and the rows the table held \
after it. Version 0 is 30 Nov 2025 23:59 IST; December adds a version per day (23:30) and \
corrections on Saturdays and the 31st (23:45).",
    columns: &[
        col("table_name", Text, "cctns.fir or cctns.stolen_vehicles"),
        col("version", Int64, "The table's version"),
        col(
            "committed_at",
            Timestamp,
            "When it was committed (local time)",
        ),
        col(
            "operation",
            Text,
            "CREATE TABLE AS SELECT, WRITE (a day's append) or UPDATE (corrections)",
        ),
        col("rows", Int64, "Rows in the table at this version"),
    ],
};

pub const TRUTH_CORRECTIONS: Spec = Spec {
    name: "truth.corrections",
    location: "truth/corrections/",
    partition: None,
    description: "Ground truth of the corrections in the Delta tables' history: FIRs that were \
\"Under Investigation\" until a later status was entered, and stolen vehicles recorded \
recovered after the fact. Read as of a moment before `committed_at`, the row has `old_value`.",
    columns: &[
        col("table_name", Text, "cctns.fir or cctns.stolen_vehicles"),
        col("fir_id", Int64, "The FIR (of the vehicle theft)"),
        col("column_name", Text, "status or recovered_on"),
        opt("old_value", Text, "The value before (NULL: not recovered)"),
        col("new_value", Text, "The value entered"),
        col("version", Int64, "The version that entered it"),
        col(
            "committed_at",
            Timestamp,
            "When it was entered (local time)",
        ),
    ],
};

/// Every table, in the order of `lake.toml`.
pub const ALL: [&Spec; 22] = [
    &FIR,
    &ACCUSED,
    &STOLEN_VEHICLES,
    &REGISTRATIONS,
    &CAMERAS,
    &ANPR_READS,
    &DIAL112_CALLS,
    &SUBSCRIBERS,
    &COMPLAINTS,
    &POSTS,
    &TRUTH_STOLEN_SIGHTINGS,
    &TRUTH_REPEAT_OFFENDERS,
    &TRUTH_ACCUSED_PHONES,
    &TRUTH_SIM_IDENTITY_MISMATCH,
    &TRUTH_WEAPON_POSTS,
    &TRUTH_DECOYS,
    &TRUTH_FIRS,
    &TRUTH_FIR_OFFENCES,
    &TRUTH_DIAL112_CALLS,
    &TRUTH_STOLEN_VEHICLE_READS,
    &TRUTH_DELTA_VERSIONS,
    &TRUTH_CORRECTIONS,
];
